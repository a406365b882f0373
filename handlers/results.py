"""Trip cards after the quiz, "other ideas", and the cart."""

from __future__ import annotations

import datetime as dtm
import logging

from telegram import MaybeInaccessibleMessage, Message, Update
from telegram.constants import MessageLimit, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

import locales
from flows import funnel
from flows.quiz import Rejected
from flows.results import PAGE_SIZE
from handlers import handoff, views
from handlers.common import (
    CallbackReply,
    Services,
    callback_handler,
    chat_of,
    pressed_button,
    remember_person,
)
from handlers.quiz import rejection_text
from store import carts

logger = logging.getLogger(__name__)

# A summary older than this gets a new header message rather than an edit (see _editable_summary).
SUMMARY_EDIT_WINDOW = dtm.timedelta(minutes=10)


async def send_page(update: Update, services: Services, quiz_id: int, page: int,
                    reply: CallbackReply, language: str) -> None:
    query = update.callback_query
    assert query is not None
    user_id = query.from_user.id
    chat_id = chat_of(query)
    result = await services.results.page(quiz_id, user_id, page)
    if isinstance(result, Rejected):
        await reply.answer(rejection_text(result, language))
        return
    await reply.answer()

    bot = update.get_bot()
    if not result.matches:
        await bot.send_message(chat_id, locales.text(language, "results_none_left"),
                               parse_mode=ParseMode.HTML)
        return
    header = "results_header" if page == 0 else "results_more_header"
    text = locales.text(language, header)
    if result.budget_relaxed and result.budget is not None:
        budget = locales.format_price(result.budget, "EUR", language)
        text = f"{text}\n{locales.text(language, 'results_budget_relaxed', budget=budget)}"
    summary = _editable_summary(query.message, text) if page == 0 else None
    if summary is None:
        await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)

    catalog = services.catalogs.current
    try:
        for position, match in enumerate(result.matches):
            last = position == len(result.matches) - 1
            next_page = page + 1 if last and len(result.matches) == PAGE_SIZE else None
            await services.media.send_photo(
                bot, chat_id, catalog.image_path(match.trip.image),
                views.card_caption(match, catalog, language),
                views.card_keyboard(quiz_id, match.trip.id, next_page, language))
    except TelegramError:
        # The pressed button is still there, since the summary is edited only after the cards.
        # Forgetting the page lets a new press send it again instead of rejecting it as shown.
        await services.results.forget_page(quiz_id, user_id, page)
        raise
    if summary is not None:
        await _append_to_summary(summary, text, quiz_id)
    logger.info("trips shown quiz_id=%d user_id=%d page=%d trips=%s", quiz_id, user_id, page,
                ",".join(match.trip.id for match in result.matches))


def _editable_summary(message: MaybeInaccessibleMessage | None, text: str) -> Message | None:
    """Return the pressed summary if the results header can go under it by an edit.

    A summary older than SUMMARY_EDIT_WINDOW gets a header message instead, since it may sit
    far up the chat, above the cards of a later quiz.
    """
    if not isinstance(message, Message) or not message.is_accessible or not message.text:
        return None
    if dtm.datetime.now(dtm.timezone.utc) - message.date > SUMMARY_EDIT_WINDOW:
        return None
    if len(f"{message.text_html}\n\n{text}") > MessageLimit.MAX_TEXT_LENGTH:
        return None
    return message


async def _append_to_summary(message: Message, text: str, quiz_id: int) -> None:
    """Add the results header under the summary and drop its button, in one edit.

    An edit is not a new message, so it does not hold the cards back under Telegram's limit of
    about one message a second per chat. It comes after the cards, so that a failure to send
    them leaves the button for a second try. The summary sits above the cards either way.
    """
    try:
        await message.edit_text(f"{message.text_html}\n\n{text}", parse_mode=ParseMode.HTML,
                                reply_markup=None)
    except TelegramError as error:
        # The cards are out. The summary keeps its button, and a press on it is rejected as
        # already done.
        logger.info("summary not edited quiz_id=%d message_id=%d error=%s", quiz_id,
                    message.message_id, error.message)


@callback_handler
async def show_trips(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: CallbackReply,
                     services: Services) -> None:
    """« Oui » after the appetence summary: the top 3 as photo cards."""
    query, data = pressed_button(update)
    language = await remember_person(services, query.from_user)
    quiz = await services.quizzes.load(data.number(0), query.from_user.id)
    if not isinstance(quiz, Rejected) and quiz.shown_trips:
        # The top 3 was already sent for this quiz (double tap, redelivered update).
        await reply.answer(locales.plain(language, "answer_already"))
        return
    await send_page(update, services, data.number(0), 0, reply, language)


@callback_handler
async def more_trips(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: CallbackReply,
                     services: Services) -> None:
    query, data = pressed_button(update)
    language = await remember_person(services, query.from_user)
    quiz_id, page = data.number(0), data.number(1)
    quiz = await services.quizzes.load(quiz_id, query.from_user.id)
    if not isinstance(quiz, Rejected) and len(quiz.shown_trips) > page * PAGE_SIZE:
        await reply.answer(locales.plain(language, "answer_already"))
        return
    await send_page(update, services, quiz_id, page, reply, language)


@callback_handler
async def add_to_cart(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: CallbackReply,
                      services: Services) -> None:
    """« Mettre au panier »: the trip goes in the cart and an advisor is offered."""
    query, data = pressed_button(update)
    language = await remember_person(services, query.from_user)
    user_id = query.from_user.id
    chat_id = chat_of(query)

    outcome = await services.results.add_to_cart(data.number(0), user_id, data.fields[1],
                                                  language)
    if isinstance(outcome, Rejected):
        await reply.answer(rejection_text(outcome, language))
        return
    cart, created, trip = outcome
    if not created:
        await reply.answer(locales.plain(language, "cart_already"))
        return
    await reply.answer(locales.plain(language, "cart_added_toast"))
    text = locales.text(
        language, "cart_added", title=trip.title.get(language),
        duration=locales.format_duration(trip.duration_days, language),
        price=locales.format_price(trip.price, trip.currency, language))
    await update.get_bot().send_message(chat_id, text, parse_mode=ParseMode.HTML,
                                        reply_markup=views.cart_keyboard(cart.id, language))


@callback_handler
async def cart_advisor(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: CallbackReply,
                       services: Services) -> None:
    """"Finish with an advisor" under the cart: record the request and open a lead."""
    query, data = pressed_button(update)
    language = await remember_person(services, query.from_user)
    cart = await carts.get_cart(services.db, data.number(0))
    if cart is None or cart.user_id != query.from_user.id:
        await reply.answer(locales.plain(language, "button_invalid"))
        return
    await reply.answer()
    person_campaign = context.user_data.get("campaign") if context.user_data else None
    await funnel.request(services.db, funnel.ADVISOR_REQUESTED, cart.user_id, person_campaign,
                         f"cart:{cart.id}")
    chat_id = query.message.chat.id if query.message else cart.user_id
    await handoff.request_handoff(context.application, services, cart.user_id, chat_id,
                                  language, person_campaign)
