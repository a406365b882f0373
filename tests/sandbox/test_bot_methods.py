"""Bot-level methods: commands, menu button, chat actions, and group deletions and senders."""

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    MenuButtonCommands,
    MenuButtonWebApp,
    WebAppInfo,
)
from telegram.error import BadRequest

from sandbox.client import SandboxClient

pytestmark = pytest.mark.asyncio


async def test_commands_per_scope_and_language(bot: Bot, started_user: int) -> None:
    default = [BotCommand("start", "Begin"), BotCommand("help", "Help")]
    admin = [BotCommand("stats", "Funnel figures")]
    assert await bot.set_my_commands(default)
    assert await bot.set_my_commands(admin, scope=BotCommandScopeChat(started_user))
    assert await bot.set_my_commands([BotCommand("start", "Commencer")], language_code="fr")

    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    scoped = await bot.get_my_commands(scope=BotCommandScopeChat(started_user))
    assert [c.command for c in scoped] == ["stats"]
    french = await bot.get_my_commands(language_code="fr")
    assert french[0].description == "Commencer"

    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


async def test_invalid_command_rejected(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start-Now", "Begin")])


async def test_menu_button(bot: Bot, started_user: int) -> None:
    web_app = MenuButtonWebApp("Shop", WebAppInfo("https://example.invalid/app"))
    assert await bot.set_chat_menu_button(started_user, web_app)
    assert await bot.get_chat_menu_button(started_user) == web_app
    assert isinstance(await bot.get_chat_menu_button(), MenuButtonCommands)


async def test_chat_action(bot: Bot, started_user: int) -> None:
    assert await bot.send_chat_action(started_user, "upload_photo")
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await bot.send_chat_action(started_user, "dancing")


async def test_callback_answer_too_long(bot: Bot, sandbox: SandboxClient,
                                        started_user: int) -> None:
    sent = await bot.send_message(started_user, "x")
    pressed = await sandbox.callback(started_user, started_user, sent.message_id, "x")
    with pytest.raises(BadRequest):
        await bot.answer_callback_query(pressed["callback_query_id"], text="a" * 201)
    [record] = await sandbox.callback_queries()
    assert record["answered"] == 0


async def test_group_deletion_needs_rights(bot: Bot, sandbox: SandboxClient) -> None:
    member_chat = await sandbox.add_group("Plain", [801])
    theirs = await sandbox.send_text(801, "/stats", chat_id=member_chat)
    with pytest.raises(BadRequest, match="Message can't be deleted"):
        await bot.delete_message(member_chat, theirs["message_id"])
    own = await bot.send_message(member_chat, "mine")
    assert await own.delete()

    admin_chat = await sandbox.add_group("Admins", [801], bot_status="administrator")
    other = await sandbox.send_text(801, "spam", chat_id=admin_chat)
    assert await bot.delete_message(admin_chat, other["message_id"])


async def test_anonymous_admin_message(bot: Bot, sandbox: SandboxClient) -> None:
    chat_id = await sandbox.add_group("Advisors", [801], type="supergroup",
                                      bot_status="administrator")
    await bot.get_updates()
    before = await bot.get_updates()
    offset = before[-1].update_id + 1 if before else 0
    await sandbox.send_text(801, "hello", chat_id=chat_id, anonymous=True,
                            author_signature="Head advisor")
    [update] = await bot.get_updates(offset=offset)
    assert update.message.from_user.id == 1087968824
    assert update.message.sender_chat.id == chat_id
    assert update.message.author_signature == "Head advisor"
