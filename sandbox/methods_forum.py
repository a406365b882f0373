"""Forum topic methods: create, edit, close, reopen and delete, with their rights checks."""

import logging
from typing import Any

from sandbox import errors
from sandbox.context import CallContext, Handler
from sandbox.errors import ApiError
from sandbox.sending import check_access, find_chat, store_message
from sandbox.state import Chat, Topic

logger = logging.getLogger(__name__)

MAX_TOPIC_NAME_LENGTH = 128
TOPIC_ICON_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
DEFAULT_ICON_COLOR = TOPIC_ICON_COLORS[0]


def _forum(ctx: CallContext) -> Chat:
    chat = find_chat(ctx.world, ctx.params.raw("chat_id"))
    check_access(ctx.world, chat, "write")
    if chat.type != "supergroup" or not chat.is_forum:
        raise ApiError(errors.NOT_A_FORUM)
    return chat


def _topic(ctx: CallContext, chat: Chat) -> Topic:
    thread_id = ctx.params.get_int("message_thread_id")
    topic = chat.topics.get(thread_id) if thread_id is not None else None
    if topic is None or topic.deleted:
        raise ApiError(errors.THREAD_NOT_FOUND)
    return topic


def _clean_name(raw: str | None) -> str:
    # tdlib trims the name and cuts it at 128 characters instead of rejecting it.
    return (raw or "").strip()[:MAX_TOPIC_NAME_LENGTH]


def _post_service(ctx: CallContext, chat: Chat, topic: Topic, content: dict[str, Any]) -> None:
    store_message(ctx.world, chat, content, topic=topic, service=True)
    ctx.world.publish("topic", chat_id=chat.id, topic=dict(topic.__dict__))


async def create_forum_topic(ctx: CallContext) -> dict[str, Any]:
    chat = _forum(ctx)
    if not chat.bot_can("can_manage_topics"):
        raise ApiError(errors.RIGHTS_CREATE_TOPIC)
    name = _clean_name(ctx.params.get_str("name"))
    if not name:
        raise ApiError(errors.TOPIC_TITLE_EMPTY)
    icon_color = ctx.params.get_int("icon_color")
    if icon_color is None:
        icon_color = DEFAULT_ICON_COLOR
    elif icon_color not in TOPIC_ICON_COLORS:
        raise ApiError(errors.TOPIC_ICON_INVALID)

    created: dict[str, Any] = {"name": name, "icon_color": icon_color}
    emoji_id = ctx.params.get_str("icon_custom_emoji_id")
    if emoji_id:
        created["icon_custom_emoji_id"] = emoji_id
    # The topic id is the message_id of its creation message, which belongs to the topic. The
    # topic exists before the message is stored, so that the published message carries its id.
    topic = Topic(chat.next_message_id, name, icon_color, emoji_id or None, created_by_bot=True)
    chat.topics[topic.thread_id] = topic
    store_message(ctx.world, chat, {"forum_topic_created": created}, topic=topic, service=True)
    ctx.world.publish("topic", chat_id=chat.id, topic=dict(topic.__dict__))
    logger.info("forum topic created chat_id=%s thread_id=%s", chat.id, topic.thread_id)
    return {"message_thread_id": topic.thread_id, **created}


async def edit_forum_topic(ctx: CallContext) -> bool:
    chat = _forum(ctx)
    topic = _topic(ctx, chat)
    if not chat.bot_can("can_manage_topics") and not topic.created_by_bot:
        raise ApiError(errors.RIGHTS_EDIT_TOPIC)

    edited: dict[str, Any] = {}
    if ctx.params.has("name"):
        name = _clean_name(ctx.params.get_str("name"))
        if not name:
            raise ApiError(errors.TOPIC_TITLE_EMPTY)
        if name != topic.name:
            edited["name"] = name
    if ctx.params.has("icon_custom_emoji_id"):
        emoji_id = ctx.params.get_str("icon_custom_emoji_id") or ""
        if emoji_id != (topic.icon_custom_emoji_id or ""):
            edited["icon_custom_emoji_id"] = emoji_id
    if not edited:
        raise ApiError(errors.TOPIC_NOT_MODIFIED)

    topic.name = edited.get("name", topic.name)
    if "icon_custom_emoji_id" in edited:
        topic.icon_custom_emoji_id = edited["icon_custom_emoji_id"] or None
    _post_service(ctx, chat, topic, {"forum_topic_edited": edited})
    return True


async def close_forum_topic(ctx: CallContext) -> bool:
    return _set_closed(ctx, closed=True)


async def reopen_forum_topic(ctx: CallContext) -> bool:
    return _set_closed(ctx, closed=False)


def _set_closed(ctx: CallContext, closed: bool) -> bool:
    chat = _forum(ctx)
    topic = _topic(ctx, chat)
    if not chat.bot_can("can_manage_topics") and not topic.created_by_bot:
        raise ApiError(errors.RIGHTS_CLOSE_TOPIC)
    if topic.closed == closed:
        raise ApiError(errors.TOPIC_NOT_MODIFIED)

    service_field = "forum_topic_closed" if closed else "forum_topic_reopened"
    _post_service(ctx, chat, topic, {service_field: {}})
    topic.closed = closed
    ctx.world.publish("topic", chat_id=chat.id, topic=dict(topic.__dict__))
    return True


async def delete_forum_topic(ctx: CallContext) -> bool:
    chat = _forum(ctx)
    topic = _topic(ctx, chat)
    if not chat.bot_can("can_delete_messages") and not topic.created_by_bot:
        raise ApiError(errors.RIGHTS_DELETE_TOPIC)

    topic.deleted = True
    for message in chat.messages.values():
        if message.data.get("message_thread_id") == topic.thread_id and not message.deleted:
            message.deleted = True
            ctx.world.publish("delete", chat_id=chat.id, message_id=message.message_id)
    ctx.world.publish("topic", chat_id=chat.id, topic=dict(topic.__dict__))
    logger.info("forum topic deleted chat_id=%s thread_id=%s", chat.id, topic.thread_id)
    return True


HANDLERS: dict[str, Handler] = {
    "createForumTopic": create_forum_topic,
    "editForumTopic": edit_forum_topic,
    "closeForumTopic": close_forum_topic,
    "reopenForumTopic": reopen_forum_topic,
    "deleteForumTopic": delete_forum_topic,
}
