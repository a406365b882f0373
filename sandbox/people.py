"""Actions of people towards the bot: writing, editing, pressing buttons, blocking it."""

import logging
import time
from typing import Any

from sandbox.control_errors import ControlError
from sandbox.core import Sandbox
from sandbox.incoming import message_content
from sandbox.objects import (
    bot_member_update,
    chat_instance,
    inaccessible_message_json,
    message_json,
)
from sandbox.sending import store_message
from sandbox.state import (
    GROUP_ANONYMOUS_BOT_ID,
    BotWorld,
    CallbackRecord,
    Chat,
    StoredMessage,
    Topic,
    User,
    now,
)
from sandbox.text import detect_entities, leading_command

logger = logging.getLogger(__name__)

_ANONYMOUS_ADMIN = User(GROUP_ANONYMOUS_BOT_ID, "Group", username="GroupAnonymousBot", is_bot=True)


def register_user(world: BotWorld, spec: dict[str, Any]) -> User:
    if not isinstance(spec.get("id"), int) or spec["id"] <= 0:
        raise ControlError("user id must be a positive integer")
    if not spec.get("first_name"):
        raise ControlError("first_name is required")
    user = User(
        id=spec["id"],
        first_name=str(spec["first_name"]),
        last_name=spec.get("last_name"),
        username=spec.get("username"),
        language_code=spec.get("language_code"),
        is_bot=bool(spec.get("is_bot", False)),
        has_private_forwards=bool(spec.get("has_private_forwards", False)),
    )
    world.add_user(user)
    return user


def message_chat(world: BotWorld, user: User, chat_id: int | None) -> Chat:
    """Return the chat a person writes in, checking that they can write there."""
    if chat_id is None or chat_id == user.id:
        return world.chats[user.id]
    chat = world.chats.get(chat_id)
    if chat is None:
        raise ControlError(f"chat {chat_id} does not exist", 404)
    if chat.type == "private":
        raise ControlError("a person can only write in their own private chat")
    if chat.migrated_to is not None:
        raise ControlError(f"chat {chat_id} was migrated to {chat.migrated_to}")
    if chat.members.get(user.id) in (None, "left", "kicked"):
        chat.members[user.id] = "member"
    return chat


def _topic_for(chat: Chat, spec: dict[str, Any]) -> Topic | None:
    thread_id = spec.get("message_thread_id")
    if not thread_id or not chat.is_forum:
        return None
    topic = chat.topics.get(thread_id)
    if topic is None or topic.deleted:
        raise ControlError(f"topic {thread_id} does not exist in chat {chat.id}", 404)
    if topic.closed:
        raise ControlError(f"topic {thread_id} is closed")
    return topic


def inject_message(world: BotWorld, spec: dict[str, Any]) -> tuple[StoredMessage, int | None]:
    """Store a person's message and queue it for the bot if privacy mode lets it through."""
    user = world.ensure_user(_required_int(spec, "user_id"))
    chat = message_chat(world, user, spec.get("chat_id"))
    if chat.type == "private":
        if user.id in world.blocked:
            set_blocked(world, user.id, False)
        world.started.add(user.id)

    topic = _topic_for(chat, spec)
    reply_to = spec.get("reply_to_message_id")
    if reply_to is not None and chat.live_message(reply_to) is None:
        raise ControlError(f"message {reply_to} does not exist in chat {chat.id}", 404)

    content = message_content(world, spec)
    sender = user.to_json()
    if spec.get("anonymous") and chat.type != "private":
        sender = _ANONYMOUS_ADMIN.to_json()
        content["sender_chat"] = chat.to_json()
        if spec.get("author_signature"):
            content["author_signature"] = str(spec["author_signature"])
    if spec.get("message_thread_id") and topic is None and chat.type != "private":
        content["message_thread_id"] = spec["message_thread_id"]

    message = store_message(world, chat, content, sender=sender, reply_to=reply_to, topic=topic)
    update_id = None
    if bot_sees(world, chat, message):
        update_id = world.updates.push("message", message_json(world, message))
    return message, update_id


def bot_sees(world: BotWorld, chat: Chat, message: StoredMessage) -> bool:
    """Apply group membership and privacy mode to a message from a person."""
    if chat.type == "private":
        return True
    if chat.bot_status not in ("member", "administrator"):
        return False
    if chat.bot_is_admin() or not world.privacy_mode or message.service:
        return True

    command = leading_command(message.data.get("text") or message.data.get("caption"))
    if command is not None:
        _, addressed_to = command
        bot_name = world.bot.username if world.bot else ""
        return addressed_to is None or addressed_to.lower() == bot_name.lower()
    replied = chat.live_message(message.reply_to_message_id)
    is_topic_root = replied is not None and replied.message_id in chat.topics
    return replied is not None and replied.from_bot and not is_topic_root


def inject_edit(world: BotWorld, spec: dict[str, Any]) -> int | None:
    """Change the text of a person's message and queue an edited_message update."""
    user = world.ensure_user(_required_int(spec, "user_id"))
    chat = message_chat(world, user, spec.get("chat_id"))
    message = chat.live_message(spec.get("message_id"))
    if message is None or message.data.get("from", {}).get("id") != user.id:
        raise ControlError("message not found among this person's messages", 404)

    field = "text" if "text" in message.data else "caption"
    new_text = str(spec.get("text", ""))
    message.data[field] = new_text
    entities = detect_entities(new_text)
    message.data.pop("entities" if field == "text" else "caption_entities", None)
    if entities:
        message.data["entities" if field == "text" else "caption_entities"] = entities
    message.data["edit_date"] = now()
    world.publish("edit", chat_id=chat.id, message=world.message_view(message))
    if not bot_sees(world, chat, message):
        return None
    return world.updates.push("edited_message", message_json(world, message))


def inject_callback(
    sandbox: Sandbox, world: BotWorld, spec: dict[str, Any]
) -> tuple[CallbackRecord, int | None]:
    """Queue a callback query for a button under a message (or an inaccessible message)."""
    user = world.ensure_user(_required_int(spec, "user_id"))
    chat_id = spec.get("chat_id", user.id)
    chat = world.chats.get(chat_id)
    if chat is None:
        raise ControlError(f"chat {chat_id} does not exist", 404)
    message_id = _required_int(spec, "message_id")
    message = chat.live_message(message_id)
    inaccessible = bool(spec.get("inaccessible")) or message is None

    expires_in = spec.get("expires_in")
    record = CallbackRecord(
        id=sandbox.next_callback_id(),
        user_id=user.id,
        chat_id=chat.id,
        message_id=message_id,
        data=spec.get("data"),
        inaccessible=inaccessible,
        created_at=time.time(),
        expires_at=None if expires_in is None else time.time() + float(expires_in),
    )
    bot_id = world.bot.id if world.bot else 0
    payload: dict[str, Any] = {
        "id": record.id,
        "from": user.to_json(),
        "chat_instance": chat_instance(bot_id, chat.id),
    }
    if message is not None and not inaccessible:
        payload["message"] = message_json(world, message)
    else:
        payload["message"] = inaccessible_message_json(chat, message_id)
    if record.data is not None:
        payload["data"] = record.data

    world.callback_queries[record.id] = record
    update_id = world.updates.push("callback_query", payload)
    world.publish("callback_query", callback_query=record.to_json())
    return record, update_id


def find_button(world: BotWorld, spec: dict[str, Any]) -> dict[str, Any]:
    """Find an inline button by its label on a stored message."""
    chat = world.chats.get(spec.get("chat_id", spec.get("user_id")))
    message = chat.live_message(spec.get("message_id")) if chat else None
    if message is None:
        raise ControlError("message not found", 404)
    rows = message.data.get("reply_markup", {}).get("inline_keyboard", [])
    buttons = [button for row in rows for button in row]
    label = str(spec.get("button_text", ""))
    for button in buttons:
        if button.get("text") == label:
            return button
    # A second pass forgives case and surrounding spaces, but an exact label wins.
    normalized_label = label.strip().casefold()
    for button in buttons:
        if str(button.get("text", "")).strip().casefold() == normalized_label:
            return button
    raise ControlError(
        f"no button labelled {label!r}", 404, buttons=[button.get("text") for button in buttons]
    )


def set_blocked(world: BotWorld, user_id: int, blocked: bool) -> int | None:
    """Block or unblock the bot for a person; queue my_chat_member when the status changes."""
    user = world.users.get(user_id)
    if user is None:
        raise ControlError(f"user {user_id} is not registered", 404)
    if (user_id in world.blocked) == blocked:
        return None

    old_status, new_status = ("member", "kicked") if blocked else ("kicked", "member")
    if blocked:
        world.blocked.add(user_id)
    else:
        world.blocked.discard(user_id)
    chat = world.chats[user_id]
    payload = bot_member_update(world, chat, user.to_json(), old_status, new_status)
    world.publish("block", user_id=user_id, blocked=blocked)
    logger.info("bot blocked=%s user_id=%s", blocked, user_id)
    return world.updates.push("my_chat_member", payload)


def _required_int(spec: dict[str, Any], name: str) -> int:
    value = spec.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ControlError(f"{name} must be an integer")
    return value
