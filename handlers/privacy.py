"""/forget: after a confirmation, erase a person's data and tell them what was kept.

Anyone can erase their own data; an admin can erase someone else's with /forget <user id>.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

import locales
from flows import privacy
from handlers import callback_data
from handlers.access import is_admin
from handlers.common import (
    CallbackReply,
    Services,
    callback_handler,
    language_of,
    pressed_button,
    private_handler,
)
from handlers.views import button
from store.key_values import delete_value, get_value, set_value

logger = logging.getLogger(__name__)

# Telegram user ids fit in 52 bits.
MAX_USER_ID = 2**52


def _pending_key(requester_id: int, target_id: int) -> str:
    return f"forget_pending:{requester_id}:{target_id}"


def _confirm_keyboard(user_id: int, language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [button(locales.plain(language, "forget_yes"), callback_data.forget(user_id, "y"))],
        [button(locales.plain(language, "forget_no"), callback_data.forget(user_id, "n"))],
    ])


@private_handler
async def forget_command(update: Update, context: ContextTypes.DEFAULT_TYPE,
                         services: Services) -> None:
    """Ask for confirmation before erasing; nothing is stored or refreshed about the person."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    # No remember_person here: that would store the name of someone asking to be forgotten.
    language = language_of(user)
    args = context.args or []
    if args and is_admin(services, update):
        target = int(args[0]) if args[0].isdigit() else 0
        if not 0 < target < MAX_USER_ID:
            await message.reply_text(locales.text(language, "forget_admin_usage"),
                                     parse_mode=ParseMode.HTML)
            return
        sent = await message.reply_text(
            locales.text(language, "forget_admin_confirm", user_id=target),
            parse_mode=ParseMode.HTML, reply_markup=_confirm_keyboard(target, language))
        await set_value(services.db, _pending_key(user.id, target), str(sent.message_id))
        return
    sent = await message.reply_text(locales.text(language, "forget_confirm"),
                                    parse_mode=ParseMode.HTML,
                                    reply_markup=_confirm_keyboard(user.id, language))
    # Only a press on this very message confirms: forged "yes" data elsewhere erases nothing.
    await set_value(services.db, _pending_key(user.id, user.id), str(sent.message_id))


@callback_handler
async def forget_answer(update: Update, context: ContextTypes.DEFAULT_TYPE,
                        reply: CallbackReply, services: Services) -> None:
    """Erase on "yes" from the person themselves or from an admin; "no" changes nothing."""
    query, data = pressed_button(update)
    language = language_of(query.from_user)
    target, answer = data.number(0), data.fields[1]
    own = target == query.from_user.id
    if not own and not is_admin(services, update):
        await reply.answer(locales.plain(language, "button_invalid"))
        return
    pending = await get_value(services.db, _pending_key(query.from_user.id, target))
    if query.message is None or pending != str(query.message.message_id):
        logger.warning("forget confirmation without a pending request user_id=%d",
                       query.from_user.id)
        await reply.answer(locales.plain(language, "button_invalid"))
        return
    await delete_value(services.db, _pending_key(query.from_user.id, target))
    chat_id = query.message.chat.id
    bot = update.get_bot()

    if answer == "n":
        await reply.answer(locales.plain(language, "forget_cancelled"))
        if query.message is not None:
            await bot.edit_message_text(locales.text(language, "forget_cancelled"),
                                        chat_id=chat_id, message_id=query.message.message_id,
                                        parse_mode=ParseMode.HTML)
        return

    erased = await privacy.forget(services.db, target)
    await reply.answer()
    if erased:
        # PTB keeps per-person data (the campaign of the visit) in memory too.
        context.application.drop_user_data(target)
        context.application.drop_chat_data(target)
    if query.message is not None:
        try:
            await bot.edit_message_reply_markup(chat_id=chat_id,
                                                message_id=query.message.message_id,
                                                reply_markup=None)
        except BadRequest as error:
            logger.debug("keyboard not cleared chat_id=%d error=%s", chat_id, error.message)
    if own:
        key = "forget_done" if erased else "forget_nothing"
        await bot.send_message(chat_id, locales.text(language, key), parse_mode=ParseMode.HTML)
    else:
        key = "forget_admin_done" if erased else "forget_admin_nothing"
        await bot.send_message(chat_id, locales.text(language, key, user_id=target),
                               parse_mode=ParseMode.HTML)
    logger.info("forget request handled by_user_id=%d erased=%s", query.from_user.id, erased)
