"""Checks of raw Bot API updates that python-telegram-bot would parse but the handlers cannot use.

PTB 22 builds a Message without its chat, or with a number as its text, without complaint;
the handlers then fail deep inside. Telegram always sends these fields with these types
(https://core.telegram.org/bots/api#update), so an update that lacks them is skipped.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

_MESSAGE_KINDS = ("message", "edited_message", "channel_post", "edited_channel_post",
                  "business_message", "edited_business_message")
_MEMBER_KINDS = ("my_chat_member", "chat_member")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _user_problem(user: Any, field: str) -> str | None:
    if not isinstance(user, dict) or not _is_int(user.get("id")):
        return f"{field} has no user id"
    if not isinstance(user.get("first_name"), str):
        return f"{field} has no first_name"
    return None


def _chat_problem(chat: Any) -> str | None:
    if not isinstance(chat, dict) or not _is_int(chat.get("id")):
        return "chat has no id"
    if not isinstance(chat.get("type"), str):
        return "chat has no type"
    return None


def _message_problem(message: Any, nested: bool = False) -> str | None:
    if not isinstance(message, dict):
        return "message is not an object"
    if not _is_int(message.get("message_id")) or not _is_int(message.get("date")):
        return "message has no message_id or date"
    problem = _chat_problem(message.get("chat"))
    if problem is None and "from" in message:
        problem = _user_problem(message["from"], "from")
    if problem is not None:
        return problem
    for field in ("text", "caption"):
        if field in message and not isinstance(message[field], str):
            return f"{field} is not a string"
    for field in ("entities", "caption_entities"):
        if field in message and not isinstance(message[field], list):
            return f"{field} is not a list"
    # An InaccessibleMessage (date 0) carries only chat, message_id and date.
    if not nested and message.get("date") != 0 and "reply_to_message" in message:
        return _message_problem(message["reply_to_message"], nested=True)
    return None


def _callback_problem(query: Any) -> str | None:
    if not isinstance(query, dict) or not isinstance(query.get("id"), str):
        return "callback_query has no id"
    problem = _user_problem(query.get("from"), "from")
    if problem is None and not isinstance(query.get("chat_instance"), str):
        problem = "callback_query has no chat_instance"
    if problem is None and "data" in query and not isinstance(query["data"], str):
        problem = "data is not a string"
    if problem is None and "message" in query:
        problem = _message_problem(query["message"])
    return problem


def _member_problem(change: Any) -> str | None:
    if not isinstance(change, dict) or not _is_int(change.get("date")):
        return "member update has no date"
    problem = _chat_problem(change.get("chat")) or _user_problem(change.get("from"), "from")
    for field in ("old_chat_member", "new_chat_member"):
        member = change.get(field)
        if problem is None and (not isinstance(member, dict)
                                or not isinstance(member.get("status"), str)):
            problem = f"{field} has no status"
        if problem is None:
            problem = _user_problem(member.get("user"), field)
    return problem


def shape_problem(update: dict[str, Any]) -> str | None:
    """Return why the handlers cannot use this raw update, or None when its shape is sound."""
    for kind in _MESSAGE_KINDS:
        if kind in update:
            return _message_problem(update[kind])
    if "callback_query" in update:
        return _callback_problem(update["callback_query"])
    for kind in _MEMBER_KINDS:
        if kind in update:
            return _member_problem(update[kind])
    return None
