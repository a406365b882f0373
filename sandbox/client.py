"""Async client for the stand-in's /control/ interface, for tests and benchmarks."""

import asyncio
import base64
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

Predicate = Callable[[], Any]


class ControlRequestError(AssertionError):
    """The control interface rejected a request; the message contains its JSON error."""


class SandboxClient:
    """Drives the stand-in as people and as Telegram would, and reads back what the bot did.

    Use it as `async with SandboxClient(server.url) as sandbox: ...`. Every call targets the
    bot given by bot_id, or the bot that made the latest Bot API call when bot_id is None.
    """

    def __init__(self, base_url: str, bot_id: int | None = None, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.bot_id = bot_id
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> "SandboxClient":
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(self, http_method: str, path: str, body: dict[str, Any] | None = None,
                      query: dict[str, Any] | None = None) -> Any:
        """Call a control endpoint and return its JSON; raise ControlRequestError on 4xx/5xx."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        params = {key: str(value) for key, value in (query or {}).items() if value is not None}
        if self.bot_id is not None:
            params.setdefault("bot_id", str(self.bot_id))
        url = f"{self.base_url}/control/{path.lstrip('/')}"
        async with self._session.request(http_method, url, json=body, params=params) as response:
            data = await response.json(content_type=None)
            if response.status >= 400:
                raise ControlRequestError(
                    f"{http_method} /control/{path} -> {response.status}: {data}"
                )
            return data

    async def reset(self) -> None:
        await self.request("POST", "reset")

    async def add_user(self, user_id: int, first_name: str = "Test",
                       **fields: Any) -> dict[str, Any]:
        """Register a person (last_name, username, language_code, has_private_forwards...)."""
        body = {"id": user_id, "first_name": first_name, **fields}
        data = await self.request("POST", "users", body)
        return data["user"]

    async def send_message(self, user_id: int, **fields: Any) -> dict[str, Any]:
        """Inject any person's message; returns update_id, message_id, chat_id and delivered."""
        return await self.request("POST", "messages", {"user_id": user_id, **fields})

    async def send_text(self, user_id: int, text: str, chat_id: int | None = None,
                        **extra: Any) -> dict[str, Any]:
        return await self.send_message(user_id, text=text, chat_id=chat_id, **extra)

    async def send_photo(self, user_id: int, image: bytes, chat_id: int | None = None,
                         **extra: Any) -> dict[str, Any]:
        encoded = base64.b64encode(image).decode()
        return await self.send_message(user_id, photo=encoded, chat_id=chat_id, **extra)

    async def edit_text(self, user_id: int, chat_id: int, message_id: int,
                        text: str) -> dict[str, Any]:
        body = {"user_id": user_id, "chat_id": chat_id, "message_id": message_id, "text": text}
        return await self.request("POST", "edit_message", body)

    async def callback(self, user_id: int, chat_id: int, message_id: int, data: str | None,
                       inaccessible: bool = False, **extra: Any) -> dict[str, Any]:
        body = {"user_id": user_id, "chat_id": chat_id, "message_id": message_id, "data": data,
                "inaccessible": inaccessible, **extra}
        return await self.request("POST", "callback", body)

    async def press(self, user_id: int, chat_id: int, message_id: int,
                    button_text: str) -> dict[str, Any]:
        """Press an inline button by its label; returns callback_query_id and data."""
        body = {"user_id": user_id, "chat_id": chat_id, "message_id": message_id,
                "button_text": button_text}
        return await self.request("POST", "press", body)

    async def inject(self, update: dict[str, Any], renumber: bool = False) -> int:
        """Queue a raw Update verbatim and return its update_id."""
        data = await self.request("POST", "updates", {"update": update, "renumber": renumber})
        return data["update_id"]

    async def block(self, user_id: int, blocked: bool = True) -> int | None:
        data = await self.request("POST", "block", {"user_id": user_id, "blocked": blocked})
        return data["update_id"]

    async def add_group(self, title: str, members: list[int], *, type: str = "group",
                        is_forum: bool = False, bot_status: str = "member",
                        bot_rights: dict[str, bool] | None = None, **extra: Any) -> int:
        """Create a group or supergroup and return its chat_id."""
        body = {"title": title, "type": type, "is_forum": is_forum, "members": members,
                "bot_status": bot_status, "bot_rights": bot_rights, **extra}
        data = await self.request("POST", "groups", body)
        return data["chat_id"]

    async def set_bot_status(self, chat_id: int, status: str,
                             rights: dict[str, bool] | None = None) -> int | None:
        data = await self.request("POST", f"groups/{chat_id}/bot",
                                  {"status": status, "rights": rights})
        return data["update_id"]

    async def migrate(self, chat_id: int) -> int:
        """Upgrade a basic group to a supergroup and return the new chat_id."""
        data = await self.request("POST", "migrate", {"chat_id": chat_id})
        return data["new_chat_id"]

    async def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Return every message of a chat, both sides, with deleted ones flagged."""
        return await self.request("GET", f"chats/{chat_id}/messages")

    async def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Return the bot's messages in a chat that are not deleted."""
        return [m for m in await self.messages(chat_id) if m["from_bot"] and not m["deleted"]]

    async def chats(self) -> list[dict[str, Any]]:
        return await self.request("GET", "chats")

    async def calls(self, method: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        return await self.request("GET", "calls", query={"method": method, "since": since})

    async def callback_queries(self) -> list[dict[str, Any]]:
        return await self.request("GET", "callback_queries")

    async def pending_updates(self) -> dict[str, Any]:
        return await self.request("GET", "updates")

    async def stats(self) -> dict[str, Any]:
        return await self.request("GET", "stats")

    async def fault(self, method: str, count: int = 1, **spec: Any) -> dict[str, Any]:
        """Arm a fault: error_code, description, retry_after, migrate_to_chat_id, delay, drop,
        chat_id."""
        data = await self.request("POST", "faults", {"method": method, "count": count, **spec})
        return data["fault"]

    async def clear_faults(self) -> None:
        await self.request("DELETE", "faults")

    async def flood(self, enabled: bool = True, **limits: Any) -> dict[str, Any]:
        """Turn flood limits on or off; limits are [count, seconds] per private_chat,
        group_chat and overall."""
        data = await self.request("POST", "flood", {"enabled": enabled, **limits})
        return data["flood"]

    async def wait_for(self, predicate: Predicate | Callable[[], Awaitable[Any]],
                       timeout: float = 10.0, interval: float = 0.05) -> Any:
        return await wait_for(predicate, timeout=timeout, interval=interval)

    async def wait_for_bot_message(self, chat_id: int, count: int = 1,
                                   timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until the bot has at least count live messages in chat_id and return them."""
        async def enough() -> list[dict[str, Any]] | None:
            found = await self.bot_messages(chat_id)
            return found if len(found) >= count else None

        enough.__qualname__ = f"at least {count} bot message(s) in chat {chat_id}"
        return await wait_for(enough, timeout=timeout)


async def wait_for(predicate: Predicate | Callable[[], Awaitable[Any]],
                   timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll predicate (plain or async) until it returns a truthy value, and return that value.

    Raises AssertionError after timeout seconds, naming the predicate and its last result or
    exception.
    """
    deadline = time.monotonic() + timeout
    last_result: Any = None
    last_error: BaseException | None = None
    while True:
        try:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            last_result, last_error = result, None
            if result:
                return result
        except AssertionError as error:
            last_error = error
        if time.monotonic() >= deadline:
            break
        await asyncio.sleep(interval)

    name = getattr(predicate, "__qualname__", repr(predicate))
    detail = f"last error: {last_error!r}" if last_error else f"last result: {last_result!r}"
    raise AssertionError(f"condition {name!r} not met within {timeout} s; {detail}")
