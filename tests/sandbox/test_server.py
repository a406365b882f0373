"""Server plumbing: SSE events, the control client, a polling Application, the CLI."""

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from telegram import Bot, Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from sandbox.client import SandboxClient, wait_for
from sandbox.server import SandboxServer, check_loopback, start_server
from tests.sandbox.conftest import TOKEN, USER_ID

ROOT = Path(__file__).resolve().parents[2]


def test_refuses_non_loopback_host() -> None:
    with pytest.raises(ValueError):
        check_loopback("0.0.0.0")
    with pytest.raises(ValueError):
        check_loopback("192.168.1.10")
    check_loopback("127.0.0.1")
    check_loopback("::1")
    check_loopback("localhost")


@pytest.mark.asyncio
async def test_start_server_refuses_public_host() -> None:
    with pytest.raises(ValueError):
        await start_server("0.0.0.0")


@pytest.mark.asyncio
async def test_event_stream_delivers_message(server: SandboxServer,
                                             sandbox: SandboxClient) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{server.url}/control/events") as response:
            assert response.headers["Content-Type"].startswith("text/event-stream")
            assert await response.content.readline() == b": connected\n"
            await response.content.readline()

            await sandbox.send_text(USER_ID, "hello page")
            event_line = await asyncio.wait_for(response.content.readline(), 2)
            data_line = await asyncio.wait_for(response.content.readline(), 2)

    assert event_line == b"event: message\n"
    event = json.loads(data_line.decode().removeprefix("data: "))
    assert event["type"] == "message"
    assert event["chat_id"] == USER_ID
    assert event["message"]["text"] == "hello page"


@pytest.mark.asyncio
async def test_wait_for_reports_last_result() -> None:
    attempts = []

    def never() -> bool:
        attempts.append(1)
        return False

    with pytest.raises(AssertionError, match="never.*last result: False"):
        await wait_for(never, timeout=0.1, interval=0.02)
    assert len(attempts) >= 2

    async def soon() -> str:
        attempts.append(1)
        return "done" if len(attempts) > 6 else ""

    assert await wait_for(soon, timeout=1, interval=0.01) == "done"


@pytest.mark.asyncio
async def test_application_polls_and_replies(server: SandboxServer,
                                             sandbox: SandboxClient) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    application = ApplicationBuilder().token(TOKEN).base_url(server.bot_api_url).build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=1)
        try:
            await sandbox.send_text(USER_ID, "bonjour")
            [reply] = await sandbox.wait_for_bot_message(USER_ID)
        finally:
            await application.updater.stop()
            await application.stop()
    assert reply["text"] == "echo: bonjour"

    pending = await sandbox.pending_updates()
    assert pending["pending"] == []
    # Stopping cancels the waiting poll, so the server must not record a 409 for it later.
    await asyncio.sleep(1.2)
    failed_polls = [call for call in await sandbox.calls(method="getUpdates") if not call["ok"]]
    assert failed_polls == []


def test_command_line_prints_address(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline() if process.stdout else ""
        assert first_line.startswith("Sandbox Bot API listening on http://127.0.0.1:")
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_command_line_refuses_public_host() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "--host", "0.0.0.0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode != 0
    assert "loopback" in result.stderr


@pytest.mark.asyncio
async def test_control_before_bot_connects(server: SandboxServer,
                                           sandbox: SandboxClient) -> None:
    await sandbox.add_user(USER_ID, "Ann")
    queued = await sandbox.send_text(USER_ID, "/start early")
    chat_id = await sandbox.add_group("Advisors", [USER_ID])
    assert chat_id < 0
    with pytest.raises(AssertionError, match="409"):
        await sandbox.block(USER_ID)

    async with Bot(TOKEN, base_url=server.bot_api_url) as bot:
        [update] = await bot.get_updates()
    assert update.update_id == queued["update_id"]
    assert update.message.text == "/start early"
