"""Methods that change existing messages: edits, deletions and callback query answers."""

import copy
import logging
import time
from typing import Any

from sandbox import errors
from sandbox.context import CallContext, Handler
from sandbox.errors import ApiError, bad_request
from sandbox.media import CONTENT_FIELDS, caption_content, input_media_content
from sandbox.objects import message_json
from sandbox.sending import (
    check_access,
    check_text,
    find_chat,
    formatted_text,
    inline_keyboard,
    reply_markup,
)
from sandbox.state import Chat, StoredMessage, now

logger = logging.getLogger(__name__)

MAX_CALLBACK_ANSWER_LENGTH = 200
_CAPTION_FIELDS = ("caption", "caption_entities", "show_caption_above_media")


def _editable(ctx: CallContext) -> tuple[Chat, StoredMessage]:
    if ctx.params.has("inline_message_id"):
        # NOTE: inline mode is not modelled, so inline messages are never found.
        raise ApiError(errors.EDIT_NOT_FOUND)
    chat = find_chat(ctx.world, ctx.params.raw("chat_id"))
    check_access(ctx.world, chat, "edit")
    message = chat.live_message(ctx.params.get_int("message_id"))
    if message is None:
        raise ApiError(errors.EDIT_NOT_FOUND)
    if not message.from_bot or message.service:
        raise ApiError(errors.CANT_EDIT)
    return chat, message


def _apply_edit(
    ctx: CallContext,
    chat: Chat,
    message: StoredMessage,
    changes: dict[str, Any],
    removed: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Apply new content and the request's keyboard; an absent reply_markup drops the keyboard."""
    current = {key: value for key, value in message.data.items() if key != "edit_date"}
    updated = copy.deepcopy(current)
    for name in removed:
        updated.pop(name, None)
    updated.update(changes)

    keyboard = inline_keyboard(reply_markup(ctx.params))
    if keyboard is None:
        updated.pop("reply_markup", None)
    else:
        updated["reply_markup"] = keyboard

    if updated == current:
        raise ApiError(errors.NOT_MODIFIED)
    updated["edit_date"] = now()
    message.data = updated
    ctx.world.publish("edit", chat_id=chat.id, message=ctx.world.message_view(message))
    return message_json(ctx.world, message)


async def edit_message_text(ctx: CallContext) -> dict[str, Any]:
    chat, message = _editable(ctx)
    text, entities = formatted_text(ctx.params, "text")
    check_text(text)
    if "text" not in message.data:
        raise ApiError(errors.NO_TEXT_TO_EDIT)

    changes: dict[str, Any] = {"text": text}
    if entities:
        changes["entities"] = entities
    link_preview = ctx.params.get_json("link_preview_options", "link preview options")
    if isinstance(link_preview, dict) and link_preview:
        changes["link_preview_options"] = link_preview
    return _apply_edit(ctx, chat, message, changes, ("entities", "link_preview_options"))


async def edit_message_caption(ctx: CallContext) -> dict[str, Any]:
    chat, message = _editable(ctx)
    if "text" in message.data:
        raise ApiError(errors.NO_CAPTION_TO_EDIT)
    return _apply_edit(ctx, chat, message, caption_content(ctx.params), _CAPTION_FIELDS)


async def edit_message_media(ctx: CallContext) -> dict[str, Any]:
    chat, message = _editable(ctx)
    if not any(name in message.data for name in CONTENT_FIELDS):
        raise bad_request("there is no media in the message to edit")

    item = ctx.params.get_json("media", "InputMedia")
    content = input_media_content(ctx.world, ctx.params, item)
    if message.data.get("media_group_id") is not None:
        old_family = _family(message.data)
        if old_family != _family(content):
            raise bad_request("can't use the media of the specified type in the album")
    removed = CONTENT_FIELDS + _CAPTION_FIELDS + ("has_media_spoiler",)
    return _apply_edit(ctx, chat, message, content, removed)


def _family(content: dict[str, Any]) -> str:
    for name in ("photo", "video"):
        if name in content:
            return "visual"
    return next((name for name in CONTENT_FIELDS if name in content), "text")


async def edit_message_reply_markup(ctx: CallContext) -> dict[str, Any]:
    chat, message = _editable(ctx)
    return _apply_edit(ctx, chat, message, {})


def _delete(ctx: CallContext, chat: Chat, message_id: int | None) -> None:
    message = chat.live_message(message_id)
    if message is None:
        raise ApiError(errors.DELETE_NOT_FOUND)
    topic = chat.topics.get(message.message_id)
    if topic is not None and not topic.deleted:
        raise ApiError(errors.CANT_DELETE)
    if chat.type != "private" and not message.from_bot and not chat.bot_can("can_delete_messages"):
        raise ApiError(errors.CANT_DELETE)

    message.deleted = True
    ctx.world.publish("delete", chat_id=chat.id, message_id=message.message_id)


async def delete_message(ctx: CallContext) -> bool:
    chat = find_chat(ctx.world, ctx.params.raw("chat_id"))
    check_access(ctx.world, chat, "edit")
    _delete(ctx, chat, ctx.params.get_int("message_id"))
    return True


async def delete_messages(ctx: CallContext) -> bool:
    chat = find_chat(ctx.world, ctx.params.raw("chat_id"))
    check_access(ctx.world, chat, "edit")
    message_ids = ctx.params.get_json("message_ids", "message identifiers")
    if not isinstance(message_ids, list) or not 1 <= len(message_ids) <= 100:
        raise bad_request("message_ids must be an Array of 1-100 message identifiers")
    # deleteMessages skips messages that can't be found or deleted.
    for message_id in message_ids:
        try:
            _delete(ctx, chat, int(message_id))
        except ApiError:
            continue
    return True


async def answer_callback_query(ctx: CallContext) -> bool:
    query_id = ctx.params.get_str("callback_query_id", "") or ""
    record = ctx.world.callback_queries.get(query_id)
    expired = (
        record is not None and record.expires_at is not None and time.time() > record.expires_at
    )
    if record is None or record.answered or expired:
        if record is not None:
            record.rejected_answers += 1
        raise ApiError(errors.QUERY_INVALID)

    text = ctx.params.get_str("text")
    if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
        # NOTE: the description for an answer over 200 characters is unconfirmed.
        raise bad_request("MESSAGE_TOO_LONG")

    record.answered += 1
    record.answered_at = time.time()
    record.text = text
    record.show_alert = ctx.params.get_bool("show_alert")
    record.url = ctx.params.get_str("url")
    record.cache_time = ctx.params.get_int("cache_time")
    ctx.world.publish("callback_answer", callback_query=record.to_json())
    return True


HANDLERS: dict[str, Handler] = {
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageMedia": edit_message_media,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "deleteMessages": delete_messages,
    "answerCallbackQuery": answer_callback_query,
}
