"""Edits and deletions: not-modified errors, keyboards dropped by default, media replaced."""

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.error import BadRequest

from sandbox.client import SandboxClient
from tests.sandbox.conftest import make_image

pytestmark = pytest.mark.asyncio

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])


async def test_identical_edit_not_modified(bot: Bot, sandbox: SandboxClient,
                                           started_user: int) -> None:
    message = await bot.send_message(started_user, "<b>Hi</b>", parse_mode="HTML",
                                     reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await message.edit_text("<b>Hi</b>", parse_mode="HTML", reply_markup=KEYBOARD)
    calls = await sandbox.calls(method="editMessageText")
    assert calls[-1]["description"] == (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )


async def test_edit_without_markup_drops_keyboard(bot: Bot, sandbox: SandboxClient,
                                                  started_user: int) -> None:
    message = await bot.send_message(started_user, "Hi", reply_markup=KEYBOARD)
    edited = await message.edit_text("Hi")
    assert edited.reply_markup is None
    assert edited.edit_date is not None
    stored = (await sandbox.messages(started_user))[-1]
    assert "reply_markup" not in stored
    assert stored["edit_date"] >= stored["date"]


async def test_edit_markup_only(bot: Bot, started_user: int) -> None:
    message = await bot.send_message(started_user, "Hi")
    edited = await message.edit_reply_markup(KEYBOARD)
    assert edited.reply_markup == KEYBOARD
    with pytest.raises(BadRequest, match="Message is not modified"):
        await message.edit_reply_markup(KEYBOARD)


async def test_edit_unknown_message(bot: Bot, started_user: int) -> None:
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=started_user, message_id=999)


async def test_edit_someone_elses_message(bot: Bot, sandbox: SandboxClient,
                                          started_user: int) -> None:
    sent = await sandbox.send_text(started_user, "mine")
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", chat_id=started_user, message_id=sent["message_id"])


async def test_edit_caption_and_text_kinds(bot: Bot, started_user: int) -> None:
    photo = await bot.send_photo(started_user, make_image(20, 20), caption="old")
    edited = await photo.edit_caption("new")
    assert edited.caption == "new"
    with pytest.raises(BadRequest, match="There is no text in the message to edit"):
        await photo.edit_text("text")


async def test_edit_media_replaces_photo(bot: Bot, sandbox: SandboxClient,
                                         started_user: int) -> None:
    photo = await bot.send_photo(started_user, make_image(20, 20, "red"), caption="one",
                                 reply_markup=KEYBOARD)
    edited = await photo.edit_media(
        InputMediaPhoto(make_image(40, 30, "blue"), caption="two"), reply_markup=KEYBOARD
    )
    assert edited.photo[-1].file_id != photo.photo[-1].file_id
    assert edited.photo[-1].width == 40
    assert edited.caption == "two"
    assert edited.reply_markup == KEYBOARD
    stored = (await sandbox.messages(started_user))[-1]
    assert stored["photo_file_id"] == edited.photo[-1].file_id


async def test_delete_message(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    message = await bot.send_message(started_user, "bye")
    assert await message.delete() is True
    stored = (await sandbox.messages(started_user))[-1]
    assert stored["deleted"] is True
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await message.delete()
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await message.edit_text("again")
