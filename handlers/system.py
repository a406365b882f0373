"""Updates outside the conversation: blocks and unblocks, stray buttons, and the error handler."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.error import Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.ext import ContextTypes

import locales
from flows import funnel
from handlers.common import CallbackReply, Services, callback_handler, get_services, language_of
from store import people

logger = logging.getLogger(__name__)


async def private_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A person blocked (status "kicked") or unblocked the bot in their private chat."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    services = get_services(context)
    blocked = change.new_chat_member.status == ChatMember.BANNED
    await people.set_active(services.db, change.chat.id, not blocked)
    await funnel.blocked(services.db, change.chat.id, str(update.update_id), blocked)
    logger.info("private chat %s user_id=%d", "blocked" if blocked else "unblocked",
                change.chat.id)


@callback_handler
async def unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE,
                         reply: CallbackReply, services: Services) -> None:
    """A button this bot did not build, or one whose data was forged: answer and change nothing."""
    query = update.callback_query
    assert query is not None
    logger.warning("unknown callback data user_id=%d query_id=%s length=%d", query.from_user.id,
                   query.id, len(query.data or ""))
    await reply.answer(locales.plain(language_of(query.from_user), "button_invalid"))


def _ids(update: object) -> str:
    if not isinstance(update, Update):
        return "update=none"
    user = update.effective_user
    chat = update.effective_chat
    return (f"update_id={update.update_id} user_id={user.id if user else None} "
            f"chat_id={chat.id if chat else None}")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every error a handler raised, with the ids involved; mark blocked people inactive."""
    error = context.error
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_chat \
            and update.effective_chat.type == "private":
        services = get_services(context)
        await people.set_active(services.db, update.effective_chat.id, False)
        logger.info("person inactive after 403 %s error=%s", _ids(update), error.message)
        return
    if isinstance(error, (RetryAfter, TimedOut)):
        logger.warning("Bot API call gave up %s error=%s", _ids(update), error)
        return
    if isinstance(error, TelegramError):
        # Refusals from the Bot API (chat not found, message deleted...) depend on the chat's
        # state, not on a bug here: worth a warning with the ids, not a traceback.
        logger.warning("Bot API refused a call %s error=%s: %s", _ids(update),
                       type(error).__name__, error)
        return
    logger.error("handler failed %s", _ids(update), exc_info=error)
