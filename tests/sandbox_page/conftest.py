"""Fixtures for the page tests: `python bot.py` in sandbox mode and the system Chromium."""

from __future__ import annotations

import dataclasses
import os
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CATALOG_PATH, ROOT

CHROMIUM = Path("/usr/bin/chromium")
# The machine's network is closed: without these flags Chromium keeps trying outside hosts.
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
OUTPUT = ROOT / "test-output"
STARTUP_SECONDS = 30


@dataclasses.dataclass
class DemoBot:
    """`python bot.py` without a token: the stand-in, its page and the real bot."""

    url: str
    process: subprocess.Popen[str]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def skip_or_fail(reason: str) -> None:
    """Skip a browser test, unless REQUIRE_BROWSER=1 (CI) makes a missing browser a failure."""
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and REQUIRE_BROWSER=1 requires the browser test to run")
    pytest.skip(reason)


def _read_lines(process: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
    # A thread, so that waiting for the first line can time out.
    assert process.stdout is not None
    for line in process.stdout:
        lines.put(line)


@pytest.fixture(scope="module")
def demo_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoBot]:
    folder = tmp_path_factory.mktemp("demo")
    port = free_port()
    # Every setting is given, even empty, because load_dotenv never overrides a set variable:
    # a developer's .env cannot leak into the test.
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "",
        "SANDBOX_PORT": str(port),
        "DATABASE_PATH": str(folder / "sandbox.sqlite3"),
        "CATALOG_PATH": str(CATALOG_PATH),
        "AGENT_CHAT_ID": "",
        "ADMIN_IDS": "",
        "LOG_LEVEL": "INFO",
    }
    log_path = folder / "bot.log"
    with log_path.open("w", encoding="utf-8") as log_file:
        process = subprocess.Popen(
            [sys.executable, "bot.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
            stderr=log_file, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process, lines), daemon=True).start()

    url = f"http://127.0.0.1:{port}"
    try:
        line = lines.get(timeout=STARTUP_SECONDS)
    except queue.Empty:
        process.kill()
        pytest.fail(f"bot.py printed nothing within {STARTUP_SECONDS} s; log:\n"
                    f"{log_path.read_text()}")
    assert f"open {url}/ in a browser" in line, f"unexpected first line {line!r}"

    yield DemoBot(url, process, log_path)

    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium context with a fresh profile; skips when there is no browser."""
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is not installed (requirements-dev.txt)")

    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 1000},
            accept_downloads=True,
        )
        yield context
        context.close()
