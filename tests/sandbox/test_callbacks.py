"""Callback queries: unique ids, single answers, inaccessible messages, button presses."""

import asyncio

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ZERO_DATE
from telegram.error import BadRequest

from sandbox.client import ControlRequestError, SandboxClient

pytestmark = pytest.mark.asyncio

KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton("Find a trip", callback_data="menu:find"),
      InlineKeyboardButton("Website", url="https://example.invalid")]]
)


async def fetch_query(bot: Bot):
    updates = await bot.get_updates()
    await bot.get_updates(offset=updates[-1].update_id + 1)
    return updates[-1].callback_query


async def test_press_button_by_label(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    message = await bot.send_message(started_user, "Menu", reply_markup=KEYBOARD)
    pressed = await sandbox.press(started_user, started_user, message.message_id, "Find a trip")
    assert pressed["data"] == "menu:find"

    query = await fetch_query(bot)
    assert query.id == pressed["callback_query_id"]
    assert query.data == "menu:find"
    assert query.chat_instance
    assert isinstance(query.message, Message)
    assert query.message.message_id == message.message_id
    assert query.from_user.id == started_user


async def test_press_missing_or_url_button(bot: Bot, sandbox: SandboxClient,
                                           started_user: int) -> None:
    message = await bot.send_message(started_user, "Menu", reply_markup=KEYBOARD)
    with pytest.raises(ControlRequestError, match="404"):
        await sandbox.press(started_user, started_user, message.message_id, "Nope")
    with pytest.raises(ControlRequestError, match="no callback_data"):
        await sandbox.press(started_user, started_user, message.message_id, "Website")


async def test_answer_once(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    message = await bot.send_message(started_user, "Menu", reply_markup=KEYBOARD)
    await sandbox.press(started_user, started_user, message.message_id, "Find a trip")
    query = await fetch_query(bot)

    assert await query.answer("Searching…", show_alert=True) is True
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()

    [record] = await sandbox.callback_queries()
    assert record["answered"] == 1
    assert record["rejected_answers"] == 1
    assert record["text"] == "Searching…"
    assert record["show_alert"] is True


async def test_unknown_query_id(bot: Bot, sandbox: SandboxClient) -> None:
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("123")
    calls = await sandbox.calls(method="answerCallbackQuery")
    assert calls[-1]["description"] == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )


async def test_expired_query(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    message = await bot.send_message(started_user, "Menu", reply_markup=KEYBOARD)
    await sandbox.callback(started_user, started_user, message.message_id, "menu:find",
                           expires_in=0.05)
    query = await fetch_query(bot)
    await asyncio.sleep(0.1)
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()


async def test_query_ids_unique(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    message = await bot.send_message(started_user, "Menu", reply_markup=KEYBOARD)
    first = await sandbox.press(started_user, started_user, message.message_id, "Find a trip")
    second = await sandbox.press(started_user, started_user, message.message_id, "Find a trip")
    assert first["callback_query_id"] != second["callback_query_id"]


async def test_inaccessible_message(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    message = await bot.send_message(started_user, "old menu", reply_markup=KEYBOARD)
    await sandbox.callback(started_user, started_user, message.message_id, "menu:find",
                           inaccessible=True)

    [update] = (await sandbox.pending_updates())["pending"]
    raw_message = update["callback_query"]["message"]
    assert set(raw_message) == {"chat", "message_id", "date"}
    assert raw_message["date"] == 0

    query = await fetch_query(bot)
    # PTB 22.8 parses a callback's message as Message and marks it with date 0 (ZERO_DATE).
    assert query.message.is_accessible is False
    assert query.message.date == ZERO_DATE
    assert query.message.message_id == message.message_id
    assert query.message.chat.id == started_user


async def test_deleted_message_is_inaccessible(bot: Bot, sandbox: SandboxClient,
                                               started_user: int) -> None:
    message = await bot.send_message(started_user, "gone", reply_markup=KEYBOARD)
    await message.delete()
    await sandbox.callback(started_user, started_user, message.message_id, "menu:find")
    query = await fetch_query(bot)
    assert query.message.is_accessible is False
