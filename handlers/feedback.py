"""Stage 4: after a won trip's return date, ask how it went (1 to 5), then an optional comment."""

from __future__ import annotations

import datetime as dtm
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes

import locales
from flows import experience, funnel
from handlers import callback_data
from handlers.common import (
    CallbackReply,
    Services,
    callback_handler,
    chat_of,
    clear_keyboard,
    get_services,
    pressed_button,
    remember_person,
)
from handlers.views import button
from store import people, purchases

logger = logging.getLogger(__name__)

JOB_NAME = "trip-feedback"
# Once a day, in the morning in Europe, rather than at whatever hour the bot started.
ASK_AT = dtm.time(9, 0, tzinfo=dtm.UTC)


def rating_keyboard(lead_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        button(f"{rating} ⭐", callback_data.feedback(lead_id, str(rating)))
        for rating in range(1, 6)
    ]])


def schedule_feedback_job(application: Application) -> None:  # type: ignore[type-arg]
    if application.job_queue is None or application.job_queue.get_jobs_by_name(JOB_NAME):
        return
    application.job_queue.run_daily(feedback_job, ASK_AT, name=JOB_NAME)


async def feedback_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await ask_due_feedback(context.application)


async def ask_due_feedback(application: Application,  # type: ignore[type-arg]
                           today: dtm.date | None = None) -> int:
    """Ask everyone whose trip is over and who was never asked; return how many were asked."""
    services: Services = application.bot_data["services"]
    today = today or dtm.datetime.now(dtm.UTC).date()
    catalog = services.catalogs.current
    await experience.fill_return_dates(services.db, catalog)

    asked = 0
    due = await purchases.due_for_feedback(services.db, today, experience.MAX_QUESTIONS_PER_RUN)
    for recipient in due:
        # Claimed before sending: a crash after this line can skip a question, never repeat it.
        if not await purchases.mark_asked(services.db, recipient.lead_id):
            continue
        language = recipient.language
        index = catalog.trip_index.get(recipient.trip_id or "")
        if index is None:
            text = locales.text(language, "fb_question_generic")
        else:
            text = locales.text(language, "fb_question",
                                trip=catalog.trips[index].title.get(language))
        try:
            await application.bot.send_message(recipient.user_id, text,
                                               parse_mode=ParseMode.HTML,
                                               reply_markup=rating_keyboard(recipient.lead_id))
        except Forbidden:
            await people.set_active(services.db, recipient.user_id, False)
            logger.info("trip feedback not asked, bot blocked user_id=%d lead_id=%d",
                        recipient.user_id, recipient.lead_id)
            continue
        except BadRequest as error:
            logger.warning("trip feedback not asked user_id=%d lead_id=%d error=%s",
                           recipient.user_id, recipient.lead_id, error.message)
            continue
        await funnel.experience_asked(services.db, recipient.user_id, recipient.lead_id)
        asked += 1
    if asked:
        logger.info("trip feedback asked people=%d", asked)
    return asked


@callback_handler
async def feedback_answer(update: Update, context: ContextTypes.DEFAULT_TYPE,
                          reply: CallbackReply, services: Services) -> None:
    """Record a rating from 1 to 5 once, or close the feedback on "no comment"."""
    query, data = pressed_button(update)
    language = await remember_person(services, query.from_user)
    lead_id, choice = data.number(0), data.fields[1]
    user_id = query.from_user.id
    chat_id = chat_of(query)
    bot = update.get_bot()
    purchase = await purchases.get_purchase(services.db, lead_id)
    if purchase is None or purchase.user_id != user_id:
        await reply.answer(locales.plain(language, "button_invalid"))
        return

    if choice == "s":
        closed = await purchases.close_feedback(services.db, lead_id, user_id, None)
        await reply.answer(None if closed else locales.plain(language, "answer_already"))
        if closed:
            await clear_keyboard(query.message)
            await bot.send_message(chat_id, locales.text(language, "fb_goodbye"),
                                   parse_mode=ParseMode.HTML)
        return

    rating = int(choice)
    if not await funnel.experience(services.db, user_id, lead_id, rating):
        await reply.answer(locales.plain(language, "answer_already"))
        return
    await reply.answer(locales.plain(language, "fb_rating_toast", rating=rating))
    logger.info("trip rated user_id=%d lead_id=%d rating=%d", user_id, lead_id, rating)
    await clear_keyboard(query.message)
    await bot.send_message(
        chat_id, locales.text(language, "fb_ask_comment", stars="⭐" * rating),
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([[button(locales.plain(language, "fb_no_comment"),
                                                   callback_data.feedback(lead_id, "s"))]]))


async def capture_comment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Take the next typed message after a rating as its comment, and stop other handlers.

    Registered in a group before the conversation handlers; a message that is not awaited as
    a comment passes through untouched.
    """
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or not message.text:
        return
    services = get_services(context)
    cutoff = experience.comment_cutoff(dtm.datetime.now(dtm.UTC))
    lead_id = await purchases.awaiting_comment(services.db, user.id, cutoff)
    if lead_id is None:
        return
    comment = experience.clean_comment(message.text)
    if comment and await purchases.close_feedback(services.db, lead_id, user.id, comment):
        logger.info("trip comment stored user_id=%d lead_id=%d", user.id, lead_id)
        language = await remember_person(services, user)
        await message.reply_text(locales.text(language, "fb_comment_thanks"),
                                 parse_mode=ParseMode.HTML)
        raise ApplicationHandlerStop
