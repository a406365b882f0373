"""People: blocking, never-started users, commands, media messages, edits and forwards."""

import base64

import pytest
from telegram import Bot, ChatMemberBanned, ChatMemberMember
from telegram.error import BadRequest, Forbidden

from sandbox.client import SandboxClient
from tests.sandbox.conftest import BOT_ID, make_image

pytestmark = pytest.mark.asyncio


async def test_block_and_unblock(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    await sandbox.block(started_user)
    [update] = await bot.get_updates()
    member_update = update.my_chat_member
    assert member_update.chat.id == started_user
    assert member_update.chat.type == "private"
    assert member_update.from_user.id == started_user
    assert member_update.old_chat_member.status == "member"
    assert isinstance(member_update.new_chat_member, ChatMemberBanned)
    assert member_update.new_chat_member.user.id == BOT_ID

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(started_user, "hello?")
    calls = await sandbox.calls(method="sendMessage")
    assert calls[-1]["error_code"] == 403
    assert calls[-1]["description"] == "Forbidden: bot was blocked by the user"

    await sandbox.block(started_user, blocked=False)
    updates = await bot.get_updates(offset=update.update_id + 1)
    assert isinstance(updates[-1].my_chat_member.new_chat_member, ChatMemberMember)
    await bot.send_message(started_user, "welcome back")


async def test_block_twice_queues_once(bot: Bot, sandbox: SandboxClient,
                                       started_user: int) -> None:
    assert await sandbox.block(started_user) is not None
    assert await sandbox.block(started_user) is None


async def test_never_started_user(bot: Bot, sandbox: SandboxClient) -> None:
    await sandbox.add_user(777, "Silent")
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(777, "hi")


async def test_unknown_chat(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "hi")


async def test_start_payload_command_entity(bot: Bot, sandbox: SandboxClient) -> None:
    await sandbox.add_user(42, "Léa")
    await sandbox.send_text(42, "/start summer_2025")
    await sandbox.send_text(42, "/help@travel_sandbox_bot now")
    first, second = await bot.get_updates()
    assert first.message.text == "/start summer_2025"
    assert first.message.entities[0].type == "bot_command"
    assert (first.message.entities[0].offset, first.message.entities[0].length) == (0, 6)
    assert second.message.entities[0].length == len("/help@travel_sandbox_bot")


async def test_media_messages(bot: Bot, sandbox: SandboxClient) -> None:
    await sandbox.send_photo(50, make_image(300, 200), caption="my trip")
    await sandbox.send_message(50, document={"base64": base64.b64encode(b"%PDF").decode(),
                                             "file_name": "passport.pdf",
                                             "mime_type": "application/pdf"})
    await sandbox.send_message(50, voice=True)
    await sandbox.send_message(50, video=True)
    await sandbox.send_message(50, sticker={"emoji": "👍"})
    await sandbox.send_message(50, location={"latitude": 43.7, "longitude": 7.26})
    await sandbox.send_message(50, contact={"phone_number": "+33600000000", "first_name": "Léa"})

    photo, document, voice, video, sticker, location, contact = [
        update.message for update in await bot.get_updates()
    ]
    assert photo.photo[-1].width == 300
    assert photo.caption == "my trip"
    assert document.document.file_name == "passport.pdf"
    assert voice.voice.duration == 1
    assert video.video.width == 640
    assert sticker.sticker.emoji == "👍"
    assert location.location.latitude == 43.7
    assert contact.contact.phone_number == "+33600000000"

    photo_file = await bot.get_file(photo.photo[-1].file_id)
    assert photo_file.file_size is not None


async def test_edited_message_update(bot: Bot, sandbox: SandboxClient) -> None:
    sent = await sandbox.send_text(60, "Nice in june")
    await sandbox.edit_text(60, 60, sent["message_id"], "Nice in july")
    first, second = await bot.get_updates()
    assert second.edited_message.text == "Nice in july"
    assert second.edited_message.edit_date is not None
    assert second.edited_message.message_id == first.message.message_id


async def test_reply_carries_reply_to_message(bot: Bot, sandbox: SandboxClient,
                                              started_user: int) -> None:
    sent = await bot.send_message(started_user, "Which month?")
    await sandbox.send_text(started_user, "July", reply_to_message_id=sent.message_id)
    [update] = await bot.get_updates()
    assert update.message.reply_to_message.message_id == sent.message_id
    assert update.message.reply_to_message.text == "Which month?"


async def test_forward_origin(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    await sandbox.add_user(70, "Hidden", has_private_forwards=True)
    hidden = await sandbox.send_text(70, "secret")
    visible = await sandbox.send_text(started_user, "open")

    forwarded = await bot.forward_message(started_user, 70, hidden["message_id"])
    assert forwarded.forward_origin.type == "hidden_user"
    assert forwarded.forward_origin.sender_user_name == "Hidden"
    again = await bot.forward_message(70, started_user, visible["message_id"])
    assert again.forward_origin.type == "user"
    assert again.forward_origin.sender_user.id == started_user
    assert again.text == "open"
