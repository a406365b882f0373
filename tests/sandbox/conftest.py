"""Fixtures for the stand-in tests: a fresh server per test, a PTB Bot and a control client."""

import io
from collections.abc import AsyncIterator

import pytest_asyncio
from PIL import Image
from telegram import Bot
from telegram.request import HTTPXRequest

from sandbox.client import SandboxClient
from sandbox.server import SandboxServer, start_server

TOKEN = "123456789:AAtest-sandbox-token-0123456789abcdef"
BOT_ID = 123456789
USER_ID = 5001


@pytest_asyncio.fixture
async def server() -> AsyncIterator[SandboxServer]:
    running = await start_server()
    yield running
    await running.close()


@pytest_asyncio.fixture
async def bot(server: SandboxServer) -> AsyncIterator[Bot]:
    # Short timeouts keep the fault tests (delay past the read timeout) fast.
    request = HTTPXRequest(read_timeout=2.0, connect_timeout=2.0)
    updates_request = HTTPXRequest(read_timeout=2.0, connect_timeout=2.0)
    ptb_bot = Bot(
        TOKEN,
        base_url=server.bot_api_url,
        base_file_url=server.file_url,
        request=request,
        get_updates_request=updates_request,
    )
    async with ptb_bot:
        yield ptb_bot


@pytest_asyncio.fixture
async def sandbox(server: SandboxServer) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(server.url) as client:
        yield client


@pytest_asyncio.fixture
async def started_user(bot: Bot, sandbox: SandboxClient) -> int:
    """A person who pressed Start, so that the bot may write to them."""
    await sandbox.add_user(USER_ID, "Ann", username="ann_traveller", language_code="fr")
    await sandbox.send_text(USER_ID, "/start")
    updates = await bot.get_updates()
    await bot.get_updates(offset=updates[-1].update_id + 1)
    return USER_ID


def make_image(width: int, height: int, color: str = "red", fmt: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, fmt)
    return buffer.getvalue()
