"""Forum topics: life cycle, topic messages, implicit replies, errors and rights; copyMessage."""

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, MessageId
from telegram.error import BadRequest

from sandbox.client import SandboxClient

pytestmark = pytest.mark.asyncio

AGENTS = [801, 802]
ALL_RIGHTS = {"can_manage_topics": True, "can_delete_messages": True}


async def forum(sandbox: SandboxClient, rights: dict[str, bool] | None = None) -> int:
    return await sandbox.add_group("Advisors", AGENTS, type="supergroup", is_forum=True,
                                   bot_status="administrator", bot_rights=rights or ALL_RIGHTS)


async def test_topic_lifecycle(bot: Bot, sandbox: SandboxClient) -> None:
    chat_id = await forum(sandbox)
    topic = await bot.create_forum_topic(chat_id, "Ann — Nice, July", icon_color=16766590)
    assert topic.name == "Ann — Nice, July"
    assert topic.icon_color == 16766590

    [creation] = [m for m in await sandbox.messages(chat_id) if "forum_topic_created" in m]
    assert creation["message_id"] == topic.message_thread_id
    assert creation["forum_topic_created"]["name"] == "Ann — Nice, July"

    sent = await bot.send_message(chat_id, "New lead", message_thread_id=topic.message_thread_id)
    assert sent.message_thread_id == topic.message_thread_id
    assert sent.is_topic_message is True

    assert await bot.edit_forum_topic(chat_id, topic.message_thread_id, name="Ann — won")
    with pytest.raises(BadRequest, match="Topic_not_modified"):
        await bot.edit_forum_topic(chat_id, topic.message_thread_id, name="Ann — won")

    assert await bot.close_forum_topic(chat_id, topic.message_thread_id)
    with pytest.raises(BadRequest, match="Topic_closed"):
        await bot.send_message(chat_id, "late", message_thread_id=topic.message_thread_id)
    calls = await sandbox.calls(method="sendMessage")
    assert calls[-1]["description"] == "Bad Request: TOPIC_CLOSED"
    with pytest.raises(BadRequest, match="Topic_not_modified"):
        await bot.close_forum_topic(chat_id, topic.message_thread_id)

    assert await bot.reopen_forum_topic(chat_id, topic.message_thread_id)
    with pytest.raises(BadRequest, match="Topic_not_modified"):
        await bot.reopen_forum_topic(chat_id, topic.message_thread_id)

    assert await bot.delete_forum_topic(chat_id, topic.message_thread_id)
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(chat_id, "gone", message_thread_id=topic.message_thread_id)
    remaining = [m for m in await sandbox.messages(chat_id) if not m["deleted"]]
    assert remaining == []


async def test_general_topic_has_no_thread(bot: Bot, sandbox: SandboxClient) -> None:
    chat_id = await forum(sandbox)
    general = await bot.send_message(chat_id, "in General")
    assert general.message_thread_id is None
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(chat_id, "thread one", message_thread_id=1)
    calls = await sandbox.calls(method="sendMessage")
    assert calls[-1]["description"] == "Bad Request: message thread not found"


async def test_user_topic_message_replies_to_creation(bot: Bot, sandbox: SandboxClient) -> None:
    chat_id = await forum(sandbox)
    topic = await bot.create_forum_topic(chat_id, "Lead 1")
    await bot.get_updates()
    pending = await bot.get_updates()
    offset = pending[-1].update_id + 1 if pending else 0
    await sandbox.send_text(802, "I'll take it", chat_id=chat_id,
                            message_thread_id=topic.message_thread_id)
    [update] = await bot.get_updates(offset=offset)
    message = update.message
    assert message.message_thread_id == topic.message_thread_id
    assert message.is_topic_message is True
    assert message.reply_to_message.message_id == topic.message_thread_id
    assert message.reply_to_message.forum_topic_created.name == "Lead 1"


async def test_topic_name_and_colour_checks(bot: Bot, sandbox: SandboxClient) -> None:
    chat_id = await forum(sandbox)
    with pytest.raises(BadRequest, match="Title must be non-empty"):
        await bot.create_forum_topic(chat_id, "   ")
    with pytest.raises(BadRequest, match="Topic_icon_color_invalid"):
        await bot.create_forum_topic(chat_id, "Lead", icon_color=0x123456)
    long_topic = await bot.create_forum_topic(chat_id, "x" * 200)
    assert len(long_topic.name) == 128


async def test_topic_rights(bot: Bot, sandbox: SandboxClient) -> None:
    chat_id = await forum(sandbox, rights={"can_delete_messages": False})
    with pytest.raises(BadRequest, match="Not enough rights to create a topic"):
        await bot.create_forum_topic(chat_id, "Lead")

    plain = await sandbox.add_group("Plain", AGENTS, type="supergroup", bot_status="administrator")
    with pytest.raises(BadRequest, match="The chat is not a forum"):
        await bot.create_forum_topic(plain, "Lead")


async def test_copy_message_returns_only_id(bot: Bot, sandbox: SandboxClient,
                                            started_user: int) -> None:
    chat_id = await forum(sandbox)
    topic = await bot.create_forum_topic(chat_id, "Lead")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Claim", callback_data="claim:1")]])
    original = await bot.send_message(started_user, "<b>Hello</b>", parse_mode="HTML",
                                      reply_markup=keyboard)

    copied = await bot.copy_message(chat_id, started_user, original.message_id,
                                    message_thread_id=topic.message_thread_id)
    assert isinstance(copied, MessageId)
    calls = await sandbox.calls(method="copyMessage")
    assert calls[-1]["ok"] is True

    stored = [m for m in await sandbox.messages(chat_id) if m["message_id"] == copied.message_id]
    assert stored[0]["text"] == "Hello"
    assert stored[0]["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert stored[0]["reply_markup"] == keyboard.to_dict()
    assert stored[0]["message_thread_id"] == topic.message_thread_id

    with pytest.raises(BadRequest, match="Message to copy not found"):
        await bot.copy_message(chat_id, started_user, 9999)


async def test_copy_message_raw_result(bot: Bot, started_user: int) -> None:
    original = await bot.send_message(started_user, "plain")
    result = await bot.do_api_request(
        "copyMessage",
        api_kwargs={"chat_id": started_user, "from_chat_id": started_user,
                    "message_id": original.message_id},
    )
    assert set(result) == {"message_id"}
