"""What every handler shares: the services, per-person locks, language, and safe callback answers."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import CallbackQuery, MaybeInaccessibleMessage, Message, Update, User
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

import locales
from catalog.holder import CatalogHolder
from flows.quiz import QuizService
from flows.results import ResultsService
from handlers import callback_data
from handlers.callback_data import CallbackData
from handlers.media import MediaSender
from settings import Settings
from store import people
from store.db import Database

logger = logging.getLogger(__name__)


class PersonLocks:
    """One asyncio.Lock per person, so that one person's updates run one after another."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = \
            weakref.WeakValueDictionary()

    def get(self, user_id: int) -> asyncio.Lock:
        lock = self._locks.get(user_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[user_id] = lock
        return lock


@dataclasses.dataclass
class Services:
    settings: Settings
    db: Database
    catalogs: CatalogHolder
    quizzes: QuizService
    results: ResultsService
    media: MediaSender
    locks: PersonLocks
    bot_username: str = ""


def get_services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    services: Services = context.application.bot_data["services"]
    return services


def language_of(user: User | None) -> str:
    return locales.pick_language(user.language_code if user else None)


async def remember_person(services: Services, user: User) -> str:
    """Store the person's name and language on each private update; return the language."""
    language = language_of(user)
    await people.upsert_person(services.db, user.id, user.first_name or "", user.username,
                               language)
    return language


async def mark_blocked(services: Services, user_id: int, error: Forbidden) -> None:
    """A 403 on a private chat means the person blocked the bot or deleted their account."""
    await people.set_active(services.db, user_id, False)
    logger.info("person inactive user_id=%d reason=%s", user_id, error.message)


def pressed_button(update: Update) -> tuple[CallbackQuery, CallbackData]:
    """Return the callback query and its parsed data; handlers are registered by data kind."""
    query = update.callback_query
    assert query is not None
    data = callback_data.parse(query.data)
    assert data is not None
    return query, data


def chat_of(query: CallbackQuery) -> int:
    """Return the chat of the pressed message, or the person's private chat when it has none."""
    return query.message.chat.id if query.message else query.from_user.id


async def clear_keyboard(
    query_or_message: CallbackQuery | MaybeInaccessibleMessage | None,
) -> None:
    """Remove the inline keyboard of a message, and go on if the Bot API rejects the edit.

    Only BadRequest is caught, raised for example when the keyboard is already gone. It is
    logged at DEBUG with the user_id of the person who pressed the button when given a
    callback query, or with the message_id when given a message. Anything but a Message,
    None included, is skipped without a Bot API call.
    """
    if isinstance(query_or_message, CallbackQuery):
        message = query_or_message.message
    else:
        message = query_or_message
    if not isinstance(message, Message):
        return

    try:
        await message.edit_reply_markup(reply_markup=None)
    except BadRequest as error:
        if isinstance(query_or_message, CallbackQuery):
            logger.debug("keyboard not cleared user_id=%d error=%s",
                         query_or_message.from_user.id, error.message)
        else:
            logger.debug("keyboard not cleared message_id=%d error=%s", message.message_id,
                         error.message)


class CallbackReply:
    """Answers a callback query at most once; the wrapper answers it if the handler did not."""

    def __init__(self, query: CallbackQuery) -> None:
        self.query = query
        self.answered = False

    async def answer(self, text: str | None = None, alert: bool = False) -> None:
        if self.answered:
            return
        self.answered = True
        try:
            # Telegram caps callback answers at 200 characters.
            await self.query.answer(text=text[:200] if text else None, show_alert=alert)
        except BadRequest as error:
            # Late answers (the client gave up) are rejected with "query is too old".
            logger.warning("callback answer rejected query_id=%s user_id=%d error=%s",
                           self.query.id, self.query.from_user.id, error.message)
        except TelegramError as error:
            logger.warning("callback answer failed query_id=%s user_id=%d error=%s",
                           self.query.id, self.query.from_user.id, error)


CallbackHandlerFunc = Callable[[Update, ContextTypes.DEFAULT_TYPE, CallbackReply, Services],
                               Awaitable[None]]


def callback_handler(func: CallbackHandlerFunc) -> Callable[[Update, ContextTypes.DEFAULT_TYPE],
                                                            Awaitable[None]]:
    """Wrap a callback-query handler: per-person lock, and exactly one answer whatever happens."""

    @functools.wraps(func)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        reply = CallbackReply(query)
        services = get_services(context)
        try:
            async with services.locks.get(query.from_user.id):
                await func(update, context, reply, services)
        except Exception:
            if not reply.answered:
                await reply.answer(locales.plain(language_of(query.from_user), "error_generic"))
            raise
        finally:
            await reply.answer()

    return wrapper


MessageHandlerFunc = Callable[[Update, ContextTypes.DEFAULT_TYPE, Services], Awaitable[Any]]


def private_handler(func: MessageHandlerFunc) -> Callable[[Update, ContextTypes.DEFAULT_TYPE],
                                                          Awaitable[None]]:
    """Wrap a private-chat message handler with the person's lock."""

    @functools.wraps(func)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        if user is None:
            return
        services = get_services(context)
        async with services.locks.get(user.id):
            await func(update, context, services)

    return wrapper
