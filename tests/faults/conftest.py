"""Fixtures for the fault tests: `python bot.py` as a real process against the test's stand-in."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.client import SandboxClient
from tests.conftest import CATALOG_PATH, ROOT, TOKEN

STOP_SECONDS = 10


class BotProcess:
    """`python bot.py` with a token, pointed at a stand-in; kill() is `kill -9`."""

    def __init__(self, sandbox_url: str, database_path: Path, log_path: Path) -> None:
        self.sandbox_url = sandbox_url
        self.database_path = database_path
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self, client: SandboxClient) -> None:
        """Start the bot and wait until it is about to poll the stand-in."""
        # Every setting is given, even empty, because load_dotenv never overrides a set
        # variable: a developer's .env cannot leak into the test.
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": f"{self.sandbox_url}/bot",
            "DATABASE_PATH": str(self.database_path),
            "CATALOG_PATH": str(CATALOG_PATH),
            "AGENT_CHAT_ID": "",
            "ADMIN_IDS": "",
            "LOG_LEVEL": "INFO",
        }
        since = max((call["seq"] for call in await client.calls()), default=0)
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"--- start {self.starts + 1}\n")
            log.flush()
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "bot.py", cwd=ROOT, env=env, stdout=log, stderr=log)
        self.starts += 1

        async def polling() -> bool:
            if self.process is not None and self.process.returncode is not None:
                raise AssertionError(f"bot.py exited with {self.process.returncode}:\n"
                                     f"{self.log()}")
            # The call log records a call when it ends, so the first long poll would show up
            # seconds late; PTB calls deleteWebhook just before it starts polling.
            return bool(await client.calls("deleteWebhook", since=since))

        await client.wait_for(polling, timeout=30)

    async def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, the SQLite file is left as it is."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        assert self.process.returncode == -signal.SIGKILL

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), STOP_SECONDS)
        except asyncio.TimeoutError:
            self.process.kill()
            await self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def query(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Read the bot's SQLite file from outside, as an operator would after a crash."""
        connection = sqlite3.connect(f"file:{self.database_path}?mode=ro", uri=True)
        connection.row_factory = sqlite3.Row
        try:
            return connection.execute(sql, parameters).fetchall()
        finally:
            connection.close()


@pytest.fixture
async def bot_process(sandbox: Any, client: SandboxClient,
                      tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(sandbox.url, tmp_path / "bot.sqlite3", tmp_path / "bot.log")
    await process.start(client)
    yield process
    await process.stop()
