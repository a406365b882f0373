"""Group life cycle driven by tests: creation, the bot's status and rights, migration."""

import logging
from typing import Any

from sandbox.core import Sandbox
from sandbox.objects import bot_member_update, message_json
from sandbox.control_errors import ControlError
from sandbox.people import bot_sees
from sandbox.sending import store_message
from sandbox.state import DEFAULT_ADMIN_RIGHTS, BotWorld, Chat

logger = logging.getLogger(__name__)

# Basic groups get ids like -4100000001 and supergroups -1002100000001, shaped like Telegram's.
_GROUP_ID_BASE = 4_100_000_000
_SUPERGROUP_ID_BASE = 1_002_100_000_000
BOT_STATUSES = ("member", "administrator", "left", "kicked")


def create_group(sandbox: Sandbox, world: BotWorld, spec: dict[str, Any]) -> Chat:
    """Create a group with members and the bot, and queue the bot's my_chat_member update."""
    chat_type = spec.get("type", "group")
    if chat_type not in ("group", "supergroup"):
        raise ControlError('type must be "group" or "supergroup"')
    if spec.get("is_forum") and chat_type != "supergroup":
        raise ControlError("only a supergroup can be a forum")
    title = str(spec.get("title") or "").strip()
    if not title:
        raise ControlError("title is required")
    bot_status = spec.get("bot_status", "member")
    if bot_status not in ("member", "administrator"):
        raise ControlError('bot_status must be "member" or "administrator"')

    number = sandbox.next_group_number()
    base = _GROUP_ID_BASE if chat_type == "group" else _SUPERGROUP_ID_BASE
    chat = Chat(
        id=-(base + number),
        type=chat_type,
        title=title,
        username=spec.get("username"),
        is_forum=bool(spec.get("is_forum", False)),
        bot_status=bot_status,
        bot_rights=_rights(bot_status, spec.get("bot_rights")),
        next_message_id=_first_message_id(chat_type),
    )
    _add_members(world, chat, spec)
    world.chats[chat.id] = chat

    owner = _actor(world, chat)
    # A group created before any bot connected is announced to nobody: the bot is not known yet.
    if spec.get("announce", True) and world.bot is not None:
        payload = bot_member_update(world, chat, owner, "left", bot_status)
        world.updates.push("my_chat_member", payload)
    world.publish("chat", chat=chat.to_json())
    logger.info("group created chat_id=%s type=%s", chat.id, chat_type)
    return chat


def _first_message_id(chat_type: str) -> int:
    # Message 1 of a supergroup is taken by its creation notice, and in a forum thread id 1
    # means the General topic, so the first message the sandbox stores gets id 2.
    return 2 if chat_type == "supergroup" else 1


def _rights(bot_status: str, requested: Any) -> dict[str, bool]:
    if bot_status != "administrator":
        return {}
    if requested is None:
        return dict(DEFAULT_ADMIN_RIGHTS)
    if not isinstance(requested, dict):
        raise ControlError("bot_rights must be an object of right names to booleans")
    # Rights that are not listed are off, so a test states exactly what the bot may do.
    rights = {name: False for name in DEFAULT_ADMIN_RIGHTS}
    rights.update({name: bool(value) for name, value in requested.items()})
    return rights


def _add_members(world: BotWorld, chat: Chat, spec: dict[str, Any]) -> None:
    members = [int(user_id) for user_id in spec.get("members", [])]
    admins = {int(user_id) for user_id in spec.get("admins", [])}
    owner = spec.get("owner", members[0] if members else None)
    for user_id in members + sorted(admins - set(members)):
        world.ensure_user(user_id)
        chat.members[user_id] = "administrator" if user_id in admins else "member"
    if owner is not None:
        world.ensure_user(int(owner))
        chat.members[int(owner)] = "creator"


def _actor(world: BotWorld, chat: Chat) -> dict[str, Any]:
    """Return the person who acts for the group: its creator, else any member."""
    ranked = sorted(chat.members.items(), key=lambda item: item[1] != "creator")
    for user_id, _ in ranked:
        return world.users[user_id].to_json()
    return world.ensure_user(1).to_json()


def set_bot_status(world: BotWorld, chat_id: int, spec: dict[str, Any]) -> int | None:
    """Promote, demote, kick or re-add the bot, queueing my_chat_member."""
    chat = world.chats.get(chat_id)
    if chat is None or chat.type == "private":
        raise ControlError(f"group {chat_id} does not exist", 404)
    status = spec.get("status", chat.bot_status)
    if status not in BOT_STATUSES:
        raise ControlError(f"status must be one of {', '.join(BOT_STATUSES)}")

    old_status = chat.bot_status
    chat.bot_status = status
    chat.bot_rights = _rights(status, spec.get("rights", spec.get("bot_rights")))
    payload = bot_member_update(world, chat, _actor(world, chat), old_status, status)
    world.publish("bot_status", chat_id=chat.id, status=status)
    return world.updates.push("my_chat_member", payload)


def migrate_group(sandbox: Sandbox, world: BotWorld, chat_id: int) -> Chat:
    """Upgrade a basic group to a supergroup, posting both migration service messages."""
    old = world.chats.get(chat_id)
    if old is None:
        raise ControlError(f"chat {chat_id} does not exist", 404)
    if old.type != "group" or old.migrated_to is not None:
        raise ControlError(f"chat {chat_id} is not a basic group that can be upgraded")

    new = Chat(
        id=-(_SUPERGROUP_ID_BASE + sandbox.next_group_number()),
        type="supergroup",
        title=old.title,
        members=dict(old.members),
        bot_status=old.bot_status,
        bot_rights=dict(old.bot_rights),
        next_message_id=_first_message_id("supergroup"),
    )
    world.chats[new.id] = new
    actor = _actor(world, old)

    notice_old = store_message(
        world, old, {"migrate_to_chat_id": new.id}, sender=actor, service=True
    )
    old.migrated_to = new.id
    notice_new = store_message(
        world, new, {"migrate_from_chat_id": old.id}, sender=actor, service=True
    )
    for chat, notice in ((old, notice_old), (new, notice_new)):
        if bot_sees(world, chat, notice):
            world.updates.push("message", message_json(world, notice))
    world.publish("migrate", old_chat_id=old.id, new_chat_id=new.id)
    logger.info("group migrated chat_id=%s new_chat_id=%s", old.id, new.id)
    return new
