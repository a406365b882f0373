"""Waves of simulated people run against one bot process, with what each wave measured."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.harness import (
    BENCH_TOKEN,
    BotProcess,
    ChatWatcher,
    QueueClock,
    SentUpdate,
    answer_latencies,
    own_cpu_seconds,
    percentile,
)
from bench.journey import EchoJourney, Journey
from handlers.flood import is_message_method
from sandbox.client import SandboxClient
from sandbox.server import start_server

SEED = 2026
FIRST_USER_ID = 610_000

JourneyFactory = Callable[[SandboxClient, ChatWatcher, list[SentUpdate]], list[Any]]


@dataclasses.dataclass(frozen=True)
class Wave:
    """People who act at the same time. `make` builds their journeys."""

    label: str
    make: JourneyFactory


@dataclasses.dataclass
class PhaseResult:
    """Measurements of one wave on one bot: updates, duration, latencies, calls and CPU."""

    name: str
    updates: int
    seconds: float
    latencies: list[float]
    steps: list[str]
    updates_per_person: list[int]
    chat_calls: int
    messages: int
    uploads: int
    bot_main_cpu_seconds: float
    bot_thread_cpu_seconds: float
    driver_cpu_seconds: float
    problems: list[str] = dataclasses.field(default_factory=list)

    @property
    def rate(self) -> float:
        """Updates per second, from the first update queued to the last expected bot message."""
        return self.updates / self.seconds

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 0.50)

    @property
    def p95(self) -> float:
        return percentile(self.latencies, 0.95)


def quiz_people(count: int, think: tuple[float, float], first: int, label: str) -> Wave:
    """Build count people from FIRST_USER_ID + first, each with a generator seeded by index."""
    def make(client: SandboxClient, watcher: ChatWatcher,
             sent: list[SentUpdate]) -> list[Any]:
        return [Journey(client, watcher, FIRST_USER_ID + index,
                        random.Random(SEED * 1000 + index), sent, think)
                for index in range(first, first + count)]

    return Wave(label, make)


def echo_people(counts: list[int], label: str) -> Wave:
    """Build one person per entry of counts, who sends that many texts to the echo bot."""
    def make(client: SandboxClient, watcher: ChatWatcher,
             sent: list[SentUpdate]) -> list[Any]:
        return [EchoJourney(client, watcher, FIRST_USER_ID + index, count, sent)
                for index, count in enumerate(counts)]

    return Wave(label, make)


async def run_phase(name: str, command: list[str], waves: list[Wave], workdir: Path,
                    env: dict[str, str] | None = None) -> list[PhaseResult]:
    """Start a fresh stand-in and bot process, then run the waves one after another.

    A later wave runs on the same bot and stand-in, so it meets the file_ids and rendered
    images that the earlier waves left in the bot's caches. The stand-in and the people share
    this process while the bot has its own, so on 2 cores each side gets one.
    """
    server = await start_server("127.0.0.1", 0)
    bot = BotProcess(command, server.bot_api_url, workdir, env)
    watcher: ChatWatcher | None = None
    results: list[PhaseResult] = []
    try:
        await bot.start(server.state)
        clock = QueueClock(server.state.world(int(BENCH_TOKEN.split(":")[0])).updates)
        watcher = ChatWatcher(server.state)
        async with SandboxClient(server.url) as client:
            for wave in waves:
                results.append(await _run_wave(f"{name}, {wave.label}", wave, client,
                                               watcher, clock, server, bot))
        return results
    finally:
        await bot.stop()
        if watcher is not None:
            await watcher.close()
        await server.close()
        for result in results:
            result.problems = bot.problems()


async def _run_wave(name: str, wave: Wave, client: SandboxClient, watcher: ChatWatcher,
                    clock: QueueClock, server: Any, bot: BotProcess) -> PhaseResult:
    sent: list[SentUpdate] = []
    journeys = wave.make(client, watcher, sent)
    for journey in journeys:
        await journey.register()
    first_call = len(server.state.calls.records)

    (main_cpu, thread_cpu), driver_cpu = bot.cpu_seconds(), own_cpu_seconds()
    await asyncio.gather(*(journey.run() for journey in journeys))
    finished = time.time()
    main_after, threads_after = bot.cpu_seconds()
    driver_cpu = own_cpu_seconds() - driver_cpu

    started = min(clock.queued_at[update.update_id] for update in sent)
    calls = [call for call in server.state.calls.records[first_call:]
             if call.method != "getUpdates"]
    return PhaseResult(
        name=name,
        updates=len(sent),
        seconds=finished - started,
        latencies=answer_latencies(server.state, clock, sent),
        steps=[update.step for update in sent],
        updates_per_person=[sum(update.chat_id == journey.user_id for update in sent)
                            for journey in journeys],
        chat_calls=sum(1 for call in calls if call.chat_id not in (None, "")),
        messages=sum(1 for call in calls
                     if call.chat_id not in (None, "") and is_message_method(call.method)),
        uploads=sum(1 for call in calls if call.uploaded_bytes),
        bot_main_cpu_seconds=main_after - main_cpu,
        bot_thread_cpu_seconds=threads_after - thread_cpu,
        driver_cpu_seconds=driver_cpu,
    )
