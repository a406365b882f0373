"""Burst benchmark: 1,000 people send /start at once while the stand-in enforces flood limits.

Run from the project root: python -m bench.burst [--smoke] [--people N]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import dataclasses
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import locales
from bench.harness import BotProcess, ChatWatcher, machine_summary, python_command
from bench.journey import LANGUAGE, Finder, label, with_button
from sandbox.client import SandboxClient
from sandbox.core import Sandbox
from sandbox.records import CallRecord
from sandbox.server import start_server

FIRST_USER_ID = 630_000
PEOPLE = 1_000
SMOKE_PEOPLE = 20
# Control requests in flight while the /start messages are queued (about 1 s for 1,000).
INJECTING = 50
OVERALL_PER_SECOND = 30
# A burst is over once the bot made no Bot API call for this long. AIORateLimiter waits
# retry_after + 0.1 s between retries, 1.1 s with the stand-in's retry_after of 1.
IDLE_SECONDS = 10.0


@dataclasses.dataclass
class BurstResult:
    """Outcome of one burst: people answered, 429 responses by cause, and durations."""

    name: str
    people: int
    sends: int
    too_many_requests: int
    per_chat: int
    answered: int
    injected_seconds: float
    answered_seconds: float
    gave_up: int


def classify_429(records: list[CallRecord]) -> int:
    """Count the 429 responses that came within 1 s of a successful send to the same chat."""
    sent_at: dict[str, list[float]] = defaultdict(list)
    for record in records:
        if record.ok and record.method.startswith("send"):
            sent_at[str(record.chat_id)].append(record.time)
    per_chat = 0
    for record in records:
        if record.error_code != 429:
            continue
        times = sent_at[str(record.chat_id)]
        earlier = times[:bisect.bisect_left(times, record.time)]
        if earlier and record.time - earlier[-1] < 1.0:
            per_chat += 1
    return per_chat


async def wait_for_answers(sandbox: Sandbox, watcher: ChatWatcher, user_ids: range,
                           expected: list[Finder]) -> int:
    """Wait until everyone got the expected messages, or the bot made no call for a while.

    Returns how many people got them.
    """
    def answered() -> int:
        return sum(all(finder(list(watcher.messages[user_id].values())) for finder in expected)
                   for user_id in user_ids)

    while answered() < len(user_ids):
        # getUpdates is left out: PTB polls again every 10 s even when nothing happens.
        last = next(record.time for record in reversed(sandbox.calls.records)
                    if record.method != "getUpdates")
        if time.time() - last > IDLE_SECONDS:
            break
        await asyncio.sleep(0.2)
    return answered()


def gave_up_lines(bot: BotProcess) -> int:
    """Count the bot's log lines saying a Bot API call was abandoned after a 429."""
    return sum("RetryAfter" in line or "gave up" in line or "maximum of" in line
               for line in bot.problems())


async def burst(name: str, payload: str, people: int, workdir: Path,
                command: list[str] | None = None) -> BurstResult:
    """Run one burst on a fresh stand-in and bot (`python bot.py` unless command is given)."""
    server = await start_server("127.0.0.1", 0)
    bot = BotProcess(command or python_command("bot.py"), server.bot_api_url, workdir)
    watcher: ChatWatcher | None = None
    try:
        await bot.start(server.state)
        watcher = ChatWatcher(server.state)
        async with SandboxClient(server.url) as client:
            # The stand-in's defaults are Telegram's published figures: 30 sends/s overall,
            # 1/s per private chat, 20/min per group. bot.py keeps its own flood limiter.
            await client.flood(True)
            user_ids = range(FIRST_USER_ID, FIRST_USER_ID + people)
            for user_id in user_ids:
                await client.add_user(user_id, f"Person{user_id}", language_code=LANGUAGE)
            first_call = len(server.state.calls.records)

            expected = [with_button(label("button_trip"))]
            if not payload:
                expected.append(with_button(locales.plain(LANGUAGE, "src_other")))
            slots = asyncio.Semaphore(INJECTING)
            injected_at: list[float] = []

            async def arrive(user_id: int) -> None:
                async with slots:
                    await client.send_text(user_id, f"/start {payload}".strip())
                injected_at.append(time.time())

            started = time.time()
            await asyncio.gather(*(arrive(user_id) for user_id in user_ids))
            answered = await wait_for_answers(server.state, watcher, user_ids, expected)

        records = server.state.calls.records[first_call:]
        finished = max(record.time for record in records
                       if record.ok and record.method.startswith("send"))
        return BurstResult(
            name=name, people=people,
            sends=sum(1 for record in records if record.ok and record.method.startswith("send")),
            too_many_requests=sum(1 for record in records if record.error_code == 429),
            per_chat=classify_429(records),
            answered=answered, injected_seconds=max(injected_at) - started,
            answered_seconds=finished - started, gave_up=gave_up_lines(bot))
    finally:
        await bot.stop()
        if watcher is not None:
            await watcher.close()
        await server.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_PEOPLE} people, for CI")
    parser.add_argument("--people", type=int, default=PEOPLE, help=f"people ({PEOPLE:,})")
    arguments = parser.parse_args()
    people = SMOKE_PEOPLE if arguments.smoke else arguments.people

    print(machine_summary())
    print(f"burst: {people:,} people, flood limits 30 sends/s overall and 1/s per private chat")
    results = []
    # Each burst gets a fresh stand-in and bot. A campaign link brings one welcome per person;
    # a bare /start brings a welcome, then the question about where they heard of the brand.
    with tempfile.TemporaryDirectory(prefix="bench-burst-") as folder:
        for name, payload in (("/start soleil (campaign link)", "soleil"),
                              ("/start (no campaign)", "")):
            results.append(asyncio.run(burst(name, payload, people, Path(folder))))

    print(f"{'burst':<30} {'answered':>9} {'sends':>6} {'429':>5} {'per chat':>8} "
          f"{'overall':>7} {'gave up':>7} {'queued s':>8} {'last send s':>11} {'at 30/s s':>9}")
    for result in results:
        print(f"{result.name:<30} {result.answered:>4}/{result.people:<4} {result.sends:>6} "
              f"{result.too_many_requests:>5} {result.per_chat:>8} "
              f"{result.too_many_requests - result.per_chat:>7} {result.gave_up:>7} "
              f"{result.injected_seconds:>8.1f} {result.answered_seconds:>11.1f} "
              f"{result.sends / OVERALL_PER_SECOND:>9.1f}")
    print("answered: people who got every expected message; per chat: 429 within 1 s of a send "
          "to the same chat; gave up: bot log lines about a call abandoned after a 429; "
          "queued: time to queue every /start; last send: from the first /start to the last "
          "successful send; at 30/s: the shortest time the sends can take")
    total = sum(result.too_many_requests for result in results)
    print(f"429 responses: {total} (goal 0): {'met' if total == 0 else 'missed'}")
    lost = sum(result.people - result.answered for result in results)
    print(f"people left without an answer: {lost}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
