"""Data model of the stand-in: bots, people, chats, messages, topics and callback queries."""

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from sandbox.files import FileStore
from sandbox.updates import UpdateQueue

logger = logging.getLogger(__name__)

GROUP_ANONYMOUS_BOT_ID = 1087968824
# Rights an administrator bot gets when a group is created without an explicit list.
DEFAULT_ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
    "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
    "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
    "can_pin_messages": True, "can_manage_topics": True,
}


def now() -> int:
    return int(time.time())


@dataclass
class User:
    """A person (or another bot) known to the stand-in."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    has_private_forwards: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id, "is_bot": self.is_bot, "first_name": self.first_name
        }
        for name in ("last_name", "username", "language_code"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data


@dataclass
class BotIdentity:
    """The bot behind one token."""

    id: int
    token: str
    username: str
    first_name: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "is_bot": True, "first_name": self.first_name,
            "username": self.username,
        }


@dataclass
class Topic:
    """A forum topic; its id is the message_id of its forum_topic_created service message."""

    thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    created_by_bot: bool = True
    closed: bool = False
    deleted: bool = False


@dataclass
class StoredMessage:
    """A stored message; `data` contains its Bot API fields except chat and reply_to_message."""

    chat_id: int
    message_id: int
    data: dict[str, Any]
    from_bot: bool
    reply_to_message_id: int | None = None
    deleted: bool = False
    service: bool = False
    # A reply keyboard is not part of the Message object, but the chat page shows it.
    reply_keyboard: dict[str, Any] | None = None


@dataclass
class Chat:
    """A private chat, basic group or supergroup as seen by one bot."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    is_forum: bool = False
    user: User | None = None
    members: dict[int, str] = field(default_factory=dict)
    bot_status: str = "member"
    bot_rights: dict[str, bool] = field(default_factory=dict)
    migrated_to: int | None = None
    topics: dict[int, Topic] = field(default_factory=dict)
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def live_message(self, message_id: int | None) -> StoredMessage | None:
        message = self.messages.get(message_id) if message_id is not None else None
        return None if message is None or message.deleted else message

    def bot_is_admin(self) -> bool:
        return self.bot_status == "administrator"

    def bot_can(self, right: str) -> bool:
        return self.bot_is_admin() and bool(self.bot_rights.get(right, False))

    def to_json(self) -> dict[str, Any]:
        if self.type == "private" and self.user is not None:
            data = {"id": self.id, "type": "private", "first_name": self.user.first_name}
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
            return data
        data = {"id": self.id, "type": self.type, "title": self.title or ""}
        if self.username:
            data["username"] = self.username
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass
class CallbackRecord:
    """An injected callback query and how the bot answered it."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str | None
    inaccessible: bool
    created_at: float
    expires_at: float | None = None
    answered: int = 0
    rejected_answers: int = 0
    text: str | None = None
    show_alert: bool | None = None
    url: str | None = None
    cache_time: int | None = None
    answered_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class BotWorld:
    """The people, chats, files and update queue of one bot token."""

    def __init__(
        self,
        bot: BotIdentity | None,
        *,
        privacy_mode: bool,
        publish: Callable[..., None],
        first_update_id: int,
    ) -> None:
        self.bot = bot
        self.privacy_mode = privacy_mode
        self.publish = publish
        self.updates = UpdateQueue(first_update_id)
        self.clear()

    def clear(self) -> None:
        """Forget people, chats, files and queued updates, but keep the bot and update ids."""
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.files = FileStore(self.bot.id if self.bot else 0)
        self.callback_queries: dict[str, CallbackRecord] = {}
        self.blocked: set[int] = set()
        self.started: set[int] = set()
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.menu_buttons: dict[str, dict[str, Any]] = {}
        self.webhook_url = ""
        self.updates.clear()
        self.updates.allowed_updates = None

    def adopt(self, bot: BotIdentity) -> None:
        """Attach the first token seen to a world that control calls created before any bot."""
        self.bot = bot
        self.files.bot_id = bot.id

    def bot_json(self) -> dict[str, Any]:
        if self.bot is None:
            raise LookupError("no bot has connected to the sandbox yet")
        return self.bot.to_json()

    def add_user(self, user: User) -> Chat:
        """Register a person (replacing an earlier record) and their private chat."""
        self.users[user.id] = user
        chat = self.chats.get(user.id)
        if chat is None:
            chat = Chat(id=user.id, type="private", user=user)
            self.chats[user.id] = chat
        chat.user = user
        return chat

    def ensure_user(self, user_id: int) -> User:
        """Return a known person, registering a placeholder name for an unknown id."""
        user = self.users.get(user_id)
        if user is None:
            user = User(id=user_id, first_name=f"User{user_id}")
            self.add_user(user)
        return user

    def message_view(self, message: StoredMessage) -> dict[str, Any]:
        """Return a control-interface view of a stored message with its deleted flag."""
        from sandbox.objects import message_json

        view = message_json(self, message)
        view["deleted"] = message.deleted
        view["from_bot"] = message.from_bot
        if message.reply_keyboard is not None:
            view["reply_keyboard"] = message.reply_keyboard
        photo = view.get("photo")
        if photo:
            view["photo_file_id"] = photo[-1]["file_id"]
        return view
