"""Checks and storage shared by every method that sends or edits a message."""

import logging
from typing import Any

from sandbox import errors
from sandbox.errors import ApiError, bad_request, chat_upgraded, forbidden
from sandbox.html import HtmlParseError, parse_html
from sandbox.params import Params
from sandbox.state import BotWorld, Chat, StoredMessage, Topic, now
from sandbox.text import MAX_CAPTION_LENGTH, MAX_TEXT_LENGTH

logger = logging.getLogger(__name__)

MAX_BUTTONS = 100
MAX_BUTTONS_PER_ROW = 8
MAX_CALLBACK_DATA_BYTES = 64
_BUTTON_KINDS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)


def find_chat(world: BotWorld, reference: Any) -> Chat:
    """Resolve a chat_id parameter: an integer, its string form, or "@username"."""
    if reference is None or reference == "":
        raise ApiError(errors.CHAT_ID_EMPTY)

    if isinstance(reference, str) and reference.startswith("@"):
        target = reference[1:].lower()
        for chat in world.chats.values():
            username = chat.user.username if chat.user else chat.username
            if username and username.lower() == target:
                return chat
        raise ApiError(errors.CHAT_NOT_FOUND)

    try:
        chat_id = int(str(reference).strip())
    except ValueError:
        raise ApiError(errors.CHAT_NOT_FOUND) from None
    chat = world.chats.get(chat_id)
    if chat is None:
        raise ApiError(errors.CHAT_NOT_FOUND)
    return chat


def check_access(world: BotWorld, chat: Chat, access: str) -> None:
    """Raise the error the real server returns when the bot may not read, edit or write here.

    access is "read" (getChat), "edit" (edits, deletions) or "write" (sends).
    """
    changing = access in ("edit", "write")
    if chat.type == "private":
        if changing and chat.id in world.blocked:
            raise ApiError(errors.BLOCKED, 403)
        if access == "write" and chat.id not in world.started:
            raise ApiError(errors.CANT_INITIATE, 403)
        return

    if chat.migrated_to is not None and changing:
        raise chat_upgraded(chat.migrated_to)
    label = "group chat" if chat.type == "group" else "supergroup chat"
    if chat.bot_status == "kicked" and (changing or chat.type == "supergroup"):
        raise forbidden(f"bot was kicked from the {label}")
    if chat.bot_status == "left" and (changing or chat.type == "supergroup"):
        raise forbidden(f"bot is not a member of the {label}")


def writable_chat(world: BotWorld, params: Params, key: str = "chat_id") -> Chat:
    chat = find_chat(world, params.raw(key))
    check_access(world, chat, "write")
    return chat


def resolve_topic(chat: Chat, thread_id: int | None) -> Topic | None:
    """Return the open forum topic a message goes to; non-forum chats ignore the id."""
    if not thread_id or chat.type != "supergroup" or not chat.is_forum:
        return None
    topic = chat.topics.get(thread_id)
    # The General topic has no thread id, so 1 is rejected like any unknown topic.
    if thread_id == 1 or topic is None or topic.deleted:
        raise ApiError(errors.THREAD_NOT_FOUND)
    if topic.closed:
        # NOTE: real Telegram may let admins with can_manage_topics post in a closed topic.
        raise ApiError(errors.TOPIC_CLOSED)
    return topic


def resolve_reply(chat: Chat, params: Params) -> int | None:
    """Return the message id replied to, from reply_parameters or reply_to_message_id."""
    reply = params.get_json("reply_parameters", "reply parameters")
    if isinstance(reply, dict):
        message_id = reply.get("message_id")
        allow_missing = bool(reply.get("allow_sending_without_reply"))
    else:
        message_id = params.get_int("reply_to_message_id")
        allow_missing = params.get_bool("allow_sending_without_reply")
    if message_id is None:
        return None

    if not isinstance(message_id, int) or chat.live_message(message_id) is None:
        if allow_missing:
            return None
        raise ApiError(errors.REPLY_NOT_FOUND)
    return message_id


def formatted_text(
    params: Params, text_key: str, mode_key: str = "parse_mode", entities_key: str = "entities"
) -> tuple[str | None, list[dict[str, Any]]]:
    """Return the plain text and entities of a text or caption parameter, None if absent."""
    text = params.get_str(text_key)
    if text is None:
        return None, []
    mode = (params.get_str(mode_key) or "").lower()
    return format_text(text, mode, params.get_json(entities_key, "message entities"))


def format_text(
    text: str, mode: str, explicit_entities: Any = None
) -> tuple[str, list[dict[str, Any]]]:
    mode = mode.lower()
    if mode in ("", "none") or not text:
        entities = explicit_entities if isinstance(explicit_entities, list) else []
        return text, entities
    if mode == "html":
        try:
            return parse_html(text)
        except HtmlParseError as error:
            raise bad_request(f"can't parse entities: {error}") from None
    if mode in ("markdown", "markdownv2"):
        # NOTE: Markdown is not parsed; the text is stored verbatim, without entities.
        logger.warning("parse_mode %s is not parsed by the sandbox", mode)
        return text, []
    raise ApiError(errors.UNSUPPORTED_PARSE_MODE)


def check_text(text: str | None) -> str:
    if text is None or not text.strip():
        raise ApiError(errors.TEXT_EMPTY)
    if len(text) > MAX_TEXT_LENGTH:
        raise ApiError(errors.TEXT_TOO_LONG)
    return text


def check_caption(caption: str | None) -> None:
    if caption is not None and len(caption) > MAX_CAPTION_LENGTH:
        raise ApiError(errors.CAPTION_TOO_LONG)


def reply_markup(params: Params) -> dict[str, Any] | None:
    """Validate the reply_markup parameter and return it, None if absent."""
    return check_markup(params.get_json("reply_markup", "reply keyboard markup"))


def check_markup(markup: Any) -> dict[str, Any] | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    return markup


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )

    total = 0
    for row in rows:
        # NOTE: the error for more than 8 buttons in a row is unconfirmed.
        if len(row) > MAX_BUTTONS_PER_ROW:
            raise ApiError(errors.REPLY_MARKUP_TOO_LONG)
        for button in row:
            _check_inline_button(button)
        total += len(row)
    if total > MAX_BUTTONS:
        raise ApiError(errors.REPLY_MARKUP_TOO_LONG)


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    if not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if not any(button.get(kind) not in (None, "") for kind in _BUTTON_KINDS):
        raise bad_request("text buttons are unallowed in the inline keyboard")

    data = button.get("callback_data")
    if data is not None:
        size = len(data.encode("utf-8")) if isinstance(data, str) else 0
        if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
            raise ApiError(errors.BUTTON_DATA_INVALID)


def inline_keyboard(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return the markup if it is a non-empty inline keyboard, the only kind a Message carries."""
    if markup is None or not markup.get("inline_keyboard"):
        return None
    if not any(markup["inline_keyboard"]):
        return None
    return markup


def store_message(
    world: BotWorld,
    chat: Chat,
    content: dict[str, Any],
    *,
    sender: dict[str, Any] | None = None,
    reply_to: int | None = None,
    topic: Topic | None = None,
    markup: dict[str, Any] | None = None,
    service: bool = False,
) -> StoredMessage:
    """Store a new message in chat; sender defaults to the bot."""
    from_bot = sender is None
    message_id = chat.take_message_id()
    data: dict[str, Any] = {
        "message_id": message_id,
        "from": world.bot_json() if sender is None else sender,
        "date": now(),
    }
    data.update(content)

    if topic is not None:
        data["message_thread_id"] = topic.thread_id
        data["is_topic_message"] = True
        # Without an explicit reply, a topic message replies to the topic's creation message.
        if reply_to is None and topic.thread_id != message_id:
            reply_to = topic.thread_id

    keyboard = inline_keyboard(markup)
    if keyboard is not None:
        data["reply_markup"] = keyboard

    message = StoredMessage(
        chat_id=chat.id,
        message_id=message_id,
        data=data,
        from_bot=from_bot,
        reply_to_message_id=reply_to,
        service=service,
    )
    if markup is not None and keyboard is None and "inline_keyboard" not in markup:
        message.reply_keyboard = markup
    chat.messages[message_id] = message
    world.publish("message", chat_id=chat.id, message=world.message_view(message))
    logger.debug("message stored chat_id=%s message_id=%s", chat.id, message_id)
    return message
