"""Quiz buttons: one photo message per quiz, edited in place from pair to pair."""

from __future__ import annotations

import logging

from telegram import Bot, MaybeInaccessibleMessage, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

import locales
from flows.quiz import Appetence, PairView, QuizUnavailable, Rejected
from handlers import callback_data, views
from handlers.common import (
    CallbackReply,
    Services,
    callback_handler,
    chat_of,
    pressed_button,
    remember_person,
)
from store import quizzes

logger = logging.getLogger(__name__)

_REJECTION_KEYS = {"already": "answer_already", "ended": "quiz_ended",
                   "foreign": "button_invalid", "unavailable": "trip_unavailable"}


def rejection_text(rejected: Rejected, language: str) -> str:
    return locales.plain(language, _REJECTION_KEYS.get(rejected.reason, "button_invalid"))


async def send_pair(bot: Bot, services: Services, chat_id: int, view: PairView,
                    language: str) -> Message:
    """Send the pair as a new photo message and remember it as the quiz's message."""
    catalog = services.catalogs.current
    message = await services.media.send_pair(
        bot, chat_id, catalog.image_path(view.left.image), catalog.image_path(view.right.image),
        views.pair_caption(view, language), views.pair_keyboard(view, language))
    await services.quizzes.set_message(view.quiz_id, message.message_id)
    return message


async def show_pair(bot: Bot, services: Services, chat_id: int, view: PairView, language: str,
                    message: MaybeInaccessibleMessage | None) -> None:
    """Edit the pressed quiz message to the next pair; send a new one if it cannot be edited."""
    # Telegram sends date 0 for a message it no longer has (too old, or deleted); PTB 22 then
    # reports is_accessible False, whatever class it parsed the message into.
    if isinstance(message, Message) and message.is_accessible:
        catalog = services.catalogs.current
        try:
            await services.media.edit_pair(
                bot, chat_id, message.message_id, catalog.image_path(view.left.image),
                catalog.image_path(view.right.image), views.pair_caption(view, language),
                views.pair_keyboard(view, language))
            return
        except BadRequest as error:
            text = error.message.lower()
            if "not modified" in text:
                return
            if "message to edit not found" not in text and "can't be edited" not in text:
                raise
            logger.info("quiz message not editable quiz_id=%d chat_id=%d error=%s",
                        view.quiz_id, chat_id, error.message)
    await send_pair(bot, services, chat_id, view, language)


async def begin_quiz(bot: Bot, services: Services, user_id: int, chat_id: int,
                     campaign: str | None, budget: float | None, language: str) -> None:
    try:
        view = await services.quizzes.start(user_id, chat_id, campaign, budget)
    except QuizUnavailable:
        logger.error("quiz unavailable user_id=%d catalog=%s", user_id,
                     services.catalogs.current.version)
        await bot.send_message(chat_id, locales.text(language, "quiz_no_photos"),
                               parse_mode=ParseMode.HTML)
        return
    await send_pair(bot, services, chat_id, view, language)


async def show_appetence(bot: Bot, services: Services, chat_id: int, appetence: Appetence,
                         language: str) -> None:
    catalog = services.catalogs.current
    await bot.send_message(chat_id, views.appetence_text(appetence, catalog, language),
                           parse_mode=ParseMode.HTML,
                           reply_markup=views.appetence_keyboard(appetence.quiz_id, language))


async def _clear_keyboard(message: MaybeInaccessibleMessage | None) -> None:
    """Remove the buttons of a finished quiz message; a message already bare is fine."""
    if not isinstance(message, Message) or not message.is_accessible:
        return
    try:
        await message.edit_reply_markup(reply_markup=None)
    except BadRequest as error:
        logger.debug("quiz keyboard not cleared message_id=%d error=%s", message.message_id,
                     error.message)


async def _show_current_pair(update: Update, services: Services, quiz_id: int, chat_id: int,
                             language: str) -> None:
    """Bring a pressed quiz message up to the pair the quiz waits on.

    A tap on a pair already answered is either a double tap (the message already shows the
    current pair, and the edit is "not modified") or a tap after a crash that stored the answer
    before the edit reached Telegram: then this edit is what moves the person on.
    """
    query = update.callback_query
    assert query is not None
    view = await services.quizzes.active(query.from_user.id)
    if view is None or view.quiz_id != quiz_id:
        return
    await show_pair(update.get_bot(), services, chat_id, view, language, query.message)


@callback_handler
async def quiz_answer(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: CallbackReply,
                      services: Services) -> None:
    """Record a « J'aime » / neither answer or a request for results, then move on."""
    query, data = pressed_button(update)
    language = await remember_person(services, query.from_user)
    quiz_id, step, code = data.number(0), data.number(1), data.fields[2]
    user_id = query.from_user.id
    chat_id = chat_of(query)

    if code == "F":
        outcome = await services.quizzes.finish_now(quiz_id, step, user_id)
    else:
        outcome = await services.quizzes.answer(quiz_id, step,
                                                callback_data.CHOICE_CODES[code], user_id)
    if isinstance(outcome, Rejected):
        await reply.answer(rejection_text(outcome, language))
        if outcome.reason == "already":
            await _show_current_pair(update, services, quiz_id, chat_id, language)
        return

    await reply.answer(locales.plain(language, "answer_recorded"))
    bot = update.get_bot()
    if isinstance(outcome, PairView):
        await show_pair(bot, services, chat_id, outcome, language, query.message)
        return
    await _clear_keyboard(query.message)
    await show_appetence(bot, services, chat_id, outcome, language)


@callback_handler
async def quiz_session(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: CallbackReply,
                       services: Services) -> None:
    """Resume the quiz in progress, or start again from a new first pair."""
    query, data = pressed_button(update)
    language = await remember_person(services, query.from_user)
    quiz_id, action = data.number(0), data.fields[1]
    user_id = query.from_user.id
    chat_id = chat_of(query)
    quiz = await services.quizzes.load(quiz_id, user_id)
    if isinstance(quiz, Rejected):
        await reply.answer(rejection_text(quiz, language))
        return
    bot = update.get_bot()

    if action == "c":
        view = await services.quizzes.active(user_id)
        if view is None or view.quiz_id != quiz_id:
            await reply.answer(locales.plain(language, "quiz_ended"))
            return
        await reply.answer(locales.plain(language, "quiz_resumed"))
        await send_pair(bot, services, chat_id, view, language)
        return

    latest = await quizzes.latest_quiz(services.db, user_id)
    if latest is not None and latest.id > quiz_id:
        # A newer quiz already started from this button: a double tap restarts only once.
        await reply.answer(locales.plain(language, "answer_already"))
        return
    await reply.answer()
    # Restarting keeps the campaign the quiz was started with, so its prior still applies.
    await begin_quiz(bot, services, user_id, chat_id, quiz.campaign, quiz.budget, language)
