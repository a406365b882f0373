"""Fixtures: the Bot API stand-in on loopback, the real Application polling it, test people."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot import build_application
from catalog.loader import Catalog, load_catalog
from sandbox.client import SandboxClient
from sandbox.server import start_server
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CATALOG_PATH = ROOT / "catalog.json"
CORPUS = ROOT.parent / "shared" / "corpus"
TOKEN = "4242:test_token_for_the_local_stand_in"


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to open a connection beyond 127.0.0.1."""
    original = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"test tried to reach {address[0]}: only loopback is allowed")
        return original(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def demo_catalog() -> Catalog:
    return load_catalog(CATALOG_PATH)


def make_settings(base_url: str, database_path: Path, **changes: Any) -> Settings:
    settings = Settings(
        token=TOKEN,
        base_url=base_url,
        database_path=database_path,
        catalog_path=CATALOG_PATH,
        agent_chat_id=None,
        admin_ids=frozenset({900}),
        log_level="INFO",
        sandbox_port=0,
        handoff_reminder_minutes=10,
        advisor_hours="",
    )
    return dataclasses.replace(settings, **changes)


@pytest.fixture
async def sandbox() -> AsyncIterator[Any]:
    server = await start_server("127.0.0.1", 0)
    yield server
    await server.close()


@pytest.fixture
async def client(sandbox: Any) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as sandbox_client:
        yield sandbox_client


class RunningBot:
    """The real Application polling the stand-in; stop() and start() simulate a restart."""

    def __init__(self, settings: Settings, catalog: Catalog) -> None:
        self.settings = settings
        self.catalog = catalog
        self.application: Any = None

    async def start(self) -> None:
        self.application = build_application(self.settings, self.catalog)
        await self.application.initialize()
        if self.application.post_init:
            await self.application.post_init(self.application)
        await self.application.start()
        await self.application.updater.start_polling(poll_interval=0, timeout=1)

    async def stop(self) -> None:
        if self.application is None:
            return
        application, self.application = self.application, None
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)

    @property
    def services(self) -> Any:
        return self.application.bot_data["services"]


@pytest.fixture
async def running_bot(sandbox: Any, tmp_path: Path,
                      demo_catalog: Catalog) -> AsyncIterator[RunningBot]:
    settings = make_settings(f"{sandbox.url}/bot", tmp_path / "bot.sqlite3")
    bot = RunningBot(settings, demo_catalog)
    await bot.start()
    yield bot
    await bot.stop()


async def wait_for_new_message(client: SandboxClient,
                               messages: Callable[[], Awaitable[list[dict[str, Any]]]],
                               predicate: Callable[[dict[str, Any]], bool], after: int,
                               timeout: float) -> dict[str, Any]:
    """Wait until `messages()` lists one with message_id > after that matches; return it."""
    async def first_match() -> dict[str, Any] | None:
        for message in await messages():
            if message["message_id"] > after and predicate(message):
                return message
        return None

    return await client.wait_for(first_match, timeout=timeout)


@dataclasses.dataclass
class Person:
    """A test person talking to the bot through the stand-in."""

    client: SandboxClient
    user_id: int
    first_name: str
    language: str = "fr"

    async def send(self, text: str) -> int:
        result = await self.client.send_text(self.user_id, text)
        return int(result["message_id"])

    async def messages(self) -> list[dict[str, Any]]:
        return await self.client.messages(self.user_id)

    async def bot_messages(self) -> list[dict[str, Any]]:
        return [m for m in await self.messages() if m.get("from", {}).get("is_bot")]

    async def wait_for_bot_message(self, predicate: Callable[[dict[str, Any]], bool],
                                   after: int = 0, timeout: float = 15.0) -> dict[str, Any]:
        """Wait for a bot message with message_id > after that matches the predicate."""
        return await wait_for_new_message(self.client, self.bot_messages, predicate, after,
                                          timeout)

    async def press(self, message: dict[str, Any], label: str) -> dict[str, Any]:
        """Press the button whose label contains `label` on the message as it is now."""
        current = next((m for m in await self.messages()
                        if m["message_id"] == message["message_id"]), message)
        matching = [text for text in labels(current) if label in text]
        assert matching, f"no button containing {label!r} in {labels(current)}"
        return await self.client.press(self.user_id, self.user_id, current["message_id"],
                                       matching[0])


def body(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def labels(message: dict[str, Any]) -> list[str]:
    return [button["text"] for button in buttons(message)]


def has_button(label: str) -> Callable[[dict[str, Any]], bool]:
    return lambda message: any(label in text for text in labels(message))


@pytest.fixture
def make_person(client: SandboxClient) -> Callable[..., Any]:
    async def create(user_id: int, first_name: str = "Camille", language: str = "fr",
                     **extra: Any) -> Person:
        await client.add_user(user_id, first_name=first_name, language_code=language, **extra)
        return Person(client, user_id, first_name, language)

    return create
