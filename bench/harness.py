"""Shared parts of the system benchmarks: bot subprocesses, the stand-in's clocks, percentiles."""

from __future__ import annotations

import asyncio
import bisect
import dataclasses
import math
import os
import platform
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from sandbox.core import Sandbox
from sandbox.records import CallRecord
from sandbox.updates import UpdateQueue

ROOT = Path(__file__).resolve().parent.parent
CATALOG_PATH = ROOT / "catalog.json"
BENCH_TOKEN = "7000001:bench_token_for_the_local_stand_in"

T = TypeVar("T")


def machine_summary() -> str:
    """Return a one-line description of the machine: cores, memory, CPU model, Python, UTC date."""
    memory = "unknown"
    cpu = platform.processor() or "unknown"
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return (f"machine: {os.cpu_count()} cores, {memory} RAM, {cpu}, "
            f"Python {platform.python_version()}, {date}")


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the nearest-rank percentile (fraction 0.95 for p95), or nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _stat_cpu_seconds(path: str) -> float:
    with open(path, encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # utime and stime, fields 14 and 15 of proc(5), in clock ticks. The command name may
    # contain spaces, so fields are counted from the ")" that closes it.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> tuple[float, float]:
    """Return the CPU time (user + system) of a process's main thread and of its other threads.

    Threads that already ended are counted in neither.
    """
    main = _stat_cpu_seconds(f"/proc/{pid}/task/{pid}/stat")
    others = 0.0
    for task in os.listdir(f"/proc/{pid}/task"):
        if int(task) != pid:
            try:
                others += _stat_cpu_seconds(f"/proc/{pid}/task/{task}/stat")
            except FileNotFoundError:
                continue
    return main, others


def own_cpu_seconds() -> float:
    return time.process_time()


class BotProcess:
    """A bot (the real one or the echo bot) running in its own process against the stand-in."""

    def __init__(self, command: list[str], base_url: str, workdir: Path,
                 env: dict[str, str] | None = None) -> None:
        self.command = command
        self.log_path = workdir / f"{Path(command[-1]).stem}-{time.monotonic_ns()}.log"
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": BENCH_TOKEN,
            "TELEGRAM_BASE_URL": base_url,
            "DATABASE_PATH": str(workdir / f"bot-{time.monotonic_ns()}.sqlite3"),
            "CATALOG_PATH": str(CATALOG_PATH),
            "LOG_LEVEL": "INFO",
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self, sandbox: Sandbox, timeout: float = 60.0,
                    settle: float = 1.0) -> None:
        """Start the process and wait until it is about to poll the stand-in for updates."""
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=log,
                                        stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        # The stand-in logs a getUpdates call only when its long poll returns, so the sign of
        # a ready bot is the deleteWebhook call that PTB makes just before it starts polling.
        while not any(record.method == "deleteWebhook" for record in sandbox.calls.records):
            if self.process.poll() is not None:
                raise RuntimeError(f"{' '.join(self.command)} exited with code "
                                   f"{self.process.returncode}; see {self.log_path}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{' '.join(self.command)} did not poll within {timeout} s")
            await asyncio.sleep(0.05)
        await asyncio.sleep(settle)

    def cpu_seconds(self) -> tuple[float, float]:
        """Return CPU seconds of the bot's main thread and of its other threads."""
        assert self.process is not None
        return process_cpu_seconds(self.process.pid)

    async def stop(self, timeout: float = 20.0) -> None:
        """Stop the process as a service manager would (SIGTERM), then kill it if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def problems(self) -> list[str]:
        """Return the WARNING, ERROR and traceback lines of the process log."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return [line for line in text.splitlines()
                if " WARNING " in line or " ERROR " in line or line.startswith("Traceback")]


def python_command(*arguments: str) -> list[str]:
    return [sys.executable, *arguments]


class QueueClock:
    """Times at which the stand-in queued each update, recorded by wrapping one bot's queue."""

    def __init__(self, queue: UpdateQueue) -> None:
        self.queued_at: dict[int, float] = {}
        original = queue.push

        def timed_push(update_type: str, payload: dict[str, Any]) -> int | None:
            update_id = original(update_type, payload)
            if update_id is not None:
                self.queued_at[update_id] = time.time()
            return update_id

        queue.push = timed_push  # type: ignore[method-assign]


@dataclasses.dataclass(frozen=True)
class SentUpdate:
    """An update a simulated person caused: its id, chat, step, and callback query id if any."""

    update_id: int
    chat_id: int
    step: str
    callback_query_id: str | None = None


class AnswerIndex:
    """Index of the stand-in's call log that finds the first Bot API call for an update."""

    def __init__(self, records: Sequence[CallRecord]) -> None:
        self.by_chat: dict[int, list[float]] = defaultdict(list)
        self.by_query: dict[str, float] = {}
        for record in records:
            if record.error_code is not None:
                continue
            query_id = record.params.get("callback_query_id")
            if query_id is not None:
                self.by_query.setdefault(str(query_id), record.time)
            if record.chat_id not in (None, ""):
                self.by_chat[int(str(record.chat_id))].append(record.time)

    def answered_at(self, sent: SentUpdate, queued_at: float) -> float | None:
        times = self.by_chat.get(sent.chat_id, [])
        position = bisect.bisect_left(times, queued_at)
        candidates = [times[position]] if position < len(times) else []
        if sent.callback_query_id in self.by_query:
            candidates.append(self.by_query[sent.callback_query_id])
        candidates = [moment for moment in candidates if moment >= queued_at]
        return min(candidates) if candidates else None


def answer_latencies(sandbox: Sandbox, clock: QueueClock,
                     sent: Sequence[SentUpdate]) -> list[float]:
    """Return, per sent update, the seconds from its queueing to the first Bot API call for it.

    The first call is the first successful one on the update's chat, or the answer to its
    callback query, whichever comes first.
    """
    index = AnswerIndex(sandbox.calls.records)
    latencies = []
    for update in sent:
        queued_at = clock.queued_at[update.update_id]
        answered_at = index.answered_at(update, queued_at)
        if answered_at is None:
            raise AssertionError(f"no Bot API call followed update_id={update.update_id} "
                                 f"chat_id={update.chat_id}")
        latencies.append(answered_at - queued_at)
    return latencies


class ChatWatcher:
    """Each chat's bot messages, kept current from the stand-in's events in this process."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._hub = sandbox.events
        self._queue = self._hub.subscribe()
        self.messages: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
        self._waiters: dict[int, asyncio.Event] = {}
        self._task = asyncio.create_task(self._follow(), name="chat-watcher")

    async def _follow(self) -> None:
        while True:
            event = await self._queue.get()
            if event is None:
                return
            if event["type"] not in ("message", "edit") or not event["message"]["from_bot"]:
                continue
            chat_id = int(event["chat_id"])
            message = event["message"]
            self.messages[chat_id][message["message_id"]] = message
            waiter = self._waiters.pop(chat_id, None)
            if waiter is not None:
                waiter.set()

    async def wait(self, chat_id: int, found: Callable[[list[dict[str, Any]]], T | None],
                   timeout: float = 60.0) -> T:
        """Wait until found(bot messages of the chat, oldest first) returns a value."""
        deadline = time.monotonic() + timeout
        while True:
            result = found(sorted(self.messages[chat_id].values(),
                                  key=lambda message: message["message_id"]))
            if result is not None:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"chat {chat_id}: expected bot message not seen in "
                                   f"{timeout} s")
            waiter = self._waiters.setdefault(chat_id, asyncio.Event())
            try:
                await asyncio.wait_for(waiter.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def close(self) -> None:
        self._hub.unsubscribe(self._queue)
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
