"""Groups: creation, ChatFullInfo and ChatMember parsing, privacy mode, leaving, migration."""

import pytest
from telegram import Bot, ChatFullInfo, ChatMemberAdministrator, ChatMemberLeft, ChatMemberOwner
from telegram.error import BadRequest, ChatMigrated, Forbidden

from sandbox.client import SandboxClient
from tests.sandbox.conftest import BOT_ID

pytestmark = pytest.mark.asyncio

AGENTS = [801, 802, 803]


async def confirm_all(bot: Bot) -> list:
    updates = await bot.get_updates()
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1)
    return list(updates)


async def test_group_creation_announces_bot(bot: Bot, sandbox: SandboxClient) -> None:
    chat_id = await sandbox.add_group("Advisors", AGENTS, bot_status="administrator")
    assert chat_id < 0
    [update] = await confirm_all(bot)
    assert update.my_chat_member.chat.id == chat_id
    assert update.my_chat_member.old_chat_member.status == "left"
    assert isinstance(update.my_chat_member.new_chat_member, ChatMemberAdministrator)
    assert update.my_chat_member.from_user.id == AGENTS[0]


async def test_get_chat_full_info(bot: Bot, sandbox: SandboxClient) -> None:
    chat_id = await sandbox.add_group("Advisors", AGENTS, type="supergroup", is_forum=True,
                                      bot_status="administrator")
    assert str(chat_id).startswith("-100")
    info = await bot.get_chat(chat_id)
    assert isinstance(info, ChatFullInfo)
    assert info.title == "Advisors"
    assert info.is_forum is True
    assert info.type == "supergroup"
    assert info.max_reaction_count > 0

    private = await bot.get_chat(AGENTS[0])
    assert private.type == "private"
    assert private.first_name == f"User{AGENTS[0]}"


async def test_chat_member_classes(bot: Bot, sandbox: SandboxClient) -> None:
    chat_id = await sandbox.add_group("Advisors", AGENTS, type="supergroup", admins=[802],
                                      bot_status="administrator",
                                      bot_rights={"can_manage_topics": True})
    owner = await bot.get_chat_member(chat_id, 801)
    admin = await bot.get_chat_member(chat_id, 802)
    member = await bot.get_chat_member(chat_id, 803)
    itself = await bot.get_chat_member(chat_id, BOT_ID)
    assert isinstance(owner, ChatMemberOwner)
    assert isinstance(admin, ChatMemberAdministrator)
    assert member.status == "member"
    assert isinstance(itself, ChatMemberAdministrator)
    assert itself.can_manage_topics is True
    assert itself.can_delete_messages is False

    await sandbox.add_user(900, "Outsider")
    assert isinstance(await bot.get_chat_member(chat_id, 900), ChatMemberLeft)
    with pytest.raises(BadRequest, match="User not found"):
        await bot.get_chat_member(chat_id, 123)

    admins = await bot.get_chat_administrators(chat_id)
    assert {a.user.id for a in admins} == {801, 802, BOT_ID}


async def test_privacy_mode_filters_group_messages(bot: Bot, sandbox: SandboxClient) -> None:
    chat_id = await sandbox.add_group("Travellers", AGENTS)
    await confirm_all(bot)
    sent = await bot.send_message(chat_id, "Hello group")

    chatter = await sandbox.send_text(801, "just chatting", chat_id=chat_id)
    command = await sandbox.send_text(801, "/leads", chat_id=chat_id)
    other_bot = await sandbox.send_text(801, "/leads@other_bot", chat_id=chat_id)
    reply = await sandbox.send_text(802, "answer", chat_id=chat_id,
                                    reply_to_message_id=sent.message_id)
    assert chatter["delivered"] is False
    assert command["delivered"] is True
    assert other_bot["delivered"] is False
    assert reply["delivered"] is True

    texts = [u.message.text for u in await bot.get_updates()]
    assert texts == ["/leads", "answer"]
    stored = await sandbox.messages(chat_id)
    assert [m.get("text") for m in stored] == [
        "Hello group", "just chatting", "/leads", "/leads@other_bot", "answer"
    ]


async def test_admin_bot_sees_everything(bot: Bot, sandbox: SandboxClient) -> None:
    chat_id = await sandbox.add_group("Advisors", AGENTS, bot_status="administrator")
    assert (await sandbox.send_text(801, "just chatting", chat_id=chat_id))["delivered"] is True


async def test_leave_chat(bot: Bot, sandbox: SandboxClient) -> None:
    chat_id = await sandbox.add_group("Advisors", AGENTS)
    await confirm_all(bot)
    assert await bot.leave_chat(chat_id) is True
    [update] = await confirm_all(bot)
    assert update.my_chat_member.new_chat_member.status == "left"
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(chat_id, "still here?")


async def test_kicked_from_supergroup(bot: Bot, sandbox: SandboxClient) -> None:
    chat_id = await sandbox.add_group("Advisors", AGENTS, type="supergroup")
    await sandbox.set_bot_status(chat_id, "kicked")
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(chat_id, "hello")


async def test_migration(bot: Bot, sandbox: SandboxClient) -> None:
    old_id = await sandbox.add_group("Advisors", AGENTS)
    await confirm_all(bot)
    new_id = await sandbox.migrate(old_id)
    assert str(new_id).startswith("-100")

    old_notice, new_notice = await confirm_all(bot)
    assert old_notice.message.chat.id == old_id
    assert old_notice.message.migrate_to_chat_id == new_id
    assert new_notice.message.chat.id == new_id
    assert new_notice.message.migrate_from_chat_id == old_id

    with pytest.raises(ChatMigrated) as raised:
        await bot.send_message(old_id, "hello")
    assert raised.value.new_chat_id == new_id
    calls = await sandbox.calls(method="sendMessage")
    assert calls[-1]["description"] == "Bad Request: group chat was upgraded to a supergroup chat"

    sent = await bot.send_message(new_id, "hello again")
    assert sent.chat.type == "supergroup"
