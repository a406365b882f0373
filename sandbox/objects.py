"""Builders of complete Bot API objects (Message, ChatFullInfo, ChatMember, ...) from state."""

import copy
import hashlib
import logging
from typing import Any

from sandbox.errors import USER_NOT_FOUND, ApiError
from sandbox.state import BotWorld, Chat, StoredMessage

logger = logging.getLogger(__name__)

_ACCEPTED_GIFT_TYPES = {
    "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
    "premium_subscription": False, "gifts_from_channels": False,
}
_ADMIN_FIELDS = (
    "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
    "can_manage_video_chats", "can_restrict_members", "can_promote_members", "can_change_info",
    "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories",
)
_ADMIN_OPTIONAL_FIELDS = ("can_pin_messages", "can_manage_topics", "can_post_messages",
                          "can_edit_messages")
_FULL_RIGHTS = {name: True for name in _ADMIN_FIELDS + _ADMIN_OPTIONAL_FIELDS}
_FULL_RIGHTS.update(can_be_edited=False, is_anonymous=False)


def message_json(
    world: BotWorld, message: StoredMessage, with_reply: bool = True
) -> dict[str, Any]:
    """Render a stored message; reply_to_message is included one level deep, never nested."""
    chat = world.chats[message.chat_id]
    data = copy.deepcopy(message.data)
    data["chat"] = chat.to_json()

    if with_reply and message.reply_to_message_id is not None:
        target = chat.live_message(message.reply_to_message_id)
        if target is not None:
            data["reply_to_message"] = message_json(world, target, with_reply=False)
    return _ordered(data)


def inaccessible_message_json(chat: Chat, message_id: int) -> dict[str, Any]:
    return {"chat": chat.to_json(), "message_id": message_id, "date": 0}


def chat_instance(bot_id: int, chat_id: int) -> str:
    """Return a stable signed 64-bit string, the shape of Telegram's chat_instance."""
    digest = hashlib.sha256(f"{bot_id}:{chat_id}".encode()).digest()
    return str(int.from_bytes(digest[:8], "big", signed=True))


def chat_full_info(world: BotWorld, chat: Chat) -> dict[str, Any]:
    """Build a ChatFullInfo with every field PTB 22 requires to parse it."""
    info = chat.to_json()
    info.update(
        accent_color_id=chat.id % 7 if chat.id > 0 else 0,
        max_reaction_count=11,
        accepted_gift_types=dict(_ACCEPTED_GIFT_TYPES),
    )
    if chat.type != "private":
        info["permissions"] = {
            "can_send_messages": True, "can_send_audios": True, "can_send_documents": True,
            "can_send_photos": True, "can_send_videos": True, "can_send_video_notes": True,
            "can_send_voice_notes": True, "can_send_polls": True,
            "can_send_other_messages": True, "can_add_web_page_previews": True,
            "can_change_info": False, "can_invite_users": True, "can_pin_messages": False,
            "can_manage_topics": False,
        }
    if chat.type == "supergroup" and chat.is_forum:
        info["is_forum"] = True
    return info


def chat_member_json(world: BotWorld, chat: Chat, user_id: int) -> dict[str, Any]:
    """Build the ChatMember subclass matching a user's (or the bot's) status in a chat."""
    bot = world.bot
    if bot is not None and user_id == bot.id:
        return _bot_member(world, chat)

    user = world.users.get(user_id)
    if user is None:
        raise ApiError(USER_NOT_FOUND)

    if chat.type == "private":
        status = "member" if user_id == chat.id else "left"
    else:
        status = chat.members.get(user_id, "left")

    member: dict[str, Any] = {"status": status, "user": user.to_json()}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update({name: value for name, value in _FULL_RIGHTS.items()})
    elif status == "kicked":
        member["until_date"] = 0
    return member


def _bot_member(world: BotWorld, chat: Chat) -> dict[str, Any]:
    member: dict[str, Any] = {"status": chat.bot_status, "user": world.bot_json()}
    if chat.type == "private":
        member["status"] = "kicked" if chat.id in world.blocked else "member"
    if member["status"] == "administrator":
        for name in _ADMIN_FIELDS:
            member[name] = bool(chat.bot_rights.get(name, False))
        for name in _ADMIN_OPTIONAL_FIELDS:
            if name in chat.bot_rights:
                member[name] = bool(chat.bot_rights[name])
    if member["status"] == "kicked":
        member["until_date"] = 0
    return member


def bot_member_update(
    world: BotWorld, chat: Chat, actor: dict[str, Any], old_status: str, new_status: str
) -> dict[str, Any]:
    """Build the ChatMemberUpdated payload of a my_chat_member update about the bot."""
    from sandbox.state import now

    def member(status: str) -> dict[str, Any]:
        data: dict[str, Any] = {"status": status, "user": world.bot_json()}
        if status == "administrator":
            for name in _ADMIN_FIELDS:
                data[name] = bool(chat.bot_rights.get(name, False))
            for name in _ADMIN_OPTIONAL_FIELDS:
                if name in chat.bot_rights:
                    data[name] = bool(chat.bot_rights[name])
        if status == "kicked":
            data["until_date"] = 0
        return data

    return {
        "chat": chat.to_json(),
        "from": actor,
        "date": now(),
        "old_chat_member": member(old_status),
        "new_chat_member": member(new_status),
    }


_FIRST_KEYS = ("message_id", "message_thread_id", "from", "sender_chat", "date", "chat")


def _ordered(data: dict[str, Any]) -> dict[str, Any]:
    # Key order is cosmetic, but message_id/from/date first makes logs and views easy to read.
    ordered = {key: data[key] for key in _FIRST_KEYS if key in data}
    ordered.update({key: value for key, value in data.items() if key not in ordered})
    return ordered
