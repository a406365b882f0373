"""The command menus Telegram shows: one for people, one per admin, one for the agents' group."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import BadRequest, Forbidden

import locales
from settings import Settings

logger = logging.getLogger(__name__)

PEOPLE_COMMANDS = ("start", "unsubscribe", "forget")
ADMIN_COMMANDS = (*PEOPLE_COMMANDS, "stats", "newsletter", "export", "reload")
# The agents' group commands are handled by the advisors' handoff area.
AGENT_COMMANDS = ("leads", "won", "lost")


def menu(names: tuple[str, ...], language: str) -> list[BotCommand]:
    return [BotCommand(name, locales.plain(language, f"cmd_{name}")) for name in names]


async def _publish(bot: Bot, names: tuple[str, ...], scope: BotCommandScopeDefault |
                   BotCommandScopeChat) -> None:
    """Set one menu in French as the default and in English for English-speaking clients."""
    await bot.set_my_commands(menu(names, locales.DEFAULT_LANGUAGE), scope=scope)
    await bot.set_my_commands(menu(names, "en"), scope=scope, language_code="en")


async def publish_command_menus(bot: Bot, settings: Settings) -> None:
    """Publish the three menus; a chat that Telegram does not know yet is skipped and logged."""
    await _publish(bot, PEOPLE_COMMANDS, BotCommandScopeDefault())
    chats: list[tuple[int, tuple[str, ...]]] = [
        (admin_id, ADMIN_COMMANDS) for admin_id in sorted(settings.admin_ids)]
    if settings.agent_chat_id is not None:
        chats.append((settings.agent_chat_id, AGENT_COMMANDS))
    for chat_id, names in chats:
        try:
            await _publish(bot, names, BotCommandScopeChat(chat_id))
        except (BadRequest, Forbidden) as error:
            # An admin who never opened the bot has no chat with it yet.
            logger.warning("command menu not set chat_id=%d error=%s", chat_id, error.message)
