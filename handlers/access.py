"""The admin gate: admin commands run for ADMIN_IDS in a private chat; others see the menu."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from telegram import Message, Update, User
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from handlers import start
from handlers.common import MessageHandlerFunc, Services, get_services, language_of

logger = logging.getLogger(__name__)


def is_admin(services: Services, update: Update) -> bool:
    user = update.effective_user
    chat = update.effective_chat
    return (user is not None and chat is not None and chat.type == ChatType.PRIVATE
            and user.id in services.settings.admin_ids)


def admin_request(update: Update) -> tuple[Message, User, str]:
    """Return an admin command's message, the admin and their language.

    admin_command runs a handler only for an update with a user in a private chat, so the
    message and the user are there.
    """
    message = update.effective_message
    user = update.effective_user
    assert message is not None and user is not None
    return message, user, language_of(user)


def admin_command(func: MessageHandlerFunc) -> Callable[[Update, ContextTypes.DEFAULT_TYPE],
                                                        Awaitable[None]]:
    """Run an admin command for admins only, under the admin's per-person lock.

    Anyone else gets the same reply as for an unknown command, so nothing reveals that the
    command exists.
    """

    @functools.wraps(func)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        services = get_services(context)
        user = update.effective_user
        if user is None or not is_admin(services, update):
            await start.other_message(update, context)
            return
        logger.info("admin command user_id=%d command=%s", user.id, func.__name__)
        async with services.locks.get(user.id):
            await func(update, context, services)

    return wrapper
