"""The flood limiter: which calls it paces, how far apart, and how it retries after a 429."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from typing import Any

import pytest
from telegram.error import RetryAfter

from handlers.flood import FloodSafeRateLimiter, is_message_method


class Recorder:
    """A stand-in for the HTTP call: records when each call started and ended."""

    def __init__(self, failures: int = 0, retry_after: float = 1, delay: float = 0.01) -> None:
        self.calls: list[tuple[Any, float, float]] = []
        self.delay = delay
        self.failures = failures
        self.retry_after = retry_after

    async def __call__(self, label: Any) -> dict[str, Any]:
        start = time.monotonic()
        if self.failures:
            self.failures -= 1
            raise RetryAfter(dtm.timedelta(seconds=self.retry_after))
        await asyncio.sleep(self.delay)
        self.calls.append((label, start, time.monotonic()))
        return {"ok": True}


async def call(limiter: FloodSafeRateLimiter, recorder: Recorder, endpoint: str,
               chat_id: Any, label: Any = None, retries: int | None = None) -> Any:
    return await limiter.process_request(recorder, (label,), {}, endpoint,
                                         {"chat_id": chat_id}, retries)


def test_message_methods() -> None:
    for endpoint in ("sendMessage", "sendPhoto", "copyMessage", "forwardMessages", "sendPoll"):
        assert is_message_method(endpoint), endpoint
    for endpoint in ("editMessageMedia", "answerCallbackQuery", "sendChatAction",
                     "deleteMessage", "getChat", "editMessageReplyMarkup"):
        assert not is_message_method(endpoint), endpoint


async def test_private_chat_spacing() -> None:
    limiter = FloodSafeRateLimiter(overall_rate=0, private_interval=0.3)
    recorder = Recorder()
    await asyncio.gather(*(call(limiter, recorder, "sendMessage", 42, n) for n in range(3)))
    ends = [end for _, _, end in recorder.calls]
    starts = [start for _, start, _ in recorder.calls]
    assert [label for label, _, _ in recorder.calls] == [0, 1, 2]
    assert starts[1] - ends[0] >= 0.29
    assert starts[2] - ends[1] >= 0.29


async def test_edits_and_other_chats_unpaced() -> None:
    limiter = FloodSafeRateLimiter(overall_rate=0, private_interval=5)
    recorder = Recorder()
    await call(limiter, recorder, "sendMessage", 42, "first")
    began = time.monotonic()
    await asyncio.gather(call(limiter, recorder, "sendMessage", 43, "other chat"),
                         call(limiter, recorder, "editMessageMedia", 42, "edit"),
                         call(limiter, recorder, "answerCallbackQuery", None, "answer"))
    assert time.monotonic() - began < 1
    assert len(recorder.calls) == 4


async def test_overall_rate_spaces_messages_with_no_initial_burst() -> None:
    limiter = FloodSafeRateLimiter(overall_rate=50, private_interval=1)
    recorder = Recorder()
    await asyncio.gather(*(call(limiter, recorder, "sendMessage", 1000 + n, n)
                           for n in range(11)))
    starts = sorted(start for _, start, _ in recorder.calls)
    # Eleven messages at 50 a second take at least ten intervals of 20 ms.
    assert starts[-1] - starts[0] >= 0.19
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:])]
    assert min(gaps) >= 0.015


async def test_group_keeps_to_its_count_per_period() -> None:
    limiter = FloodSafeRateLimiter(overall_rate=0, group_max=3, group_period=0.4)
    recorder = Recorder()
    await asyncio.gather(*(call(limiter, recorder, "copyMessage", -100123, n)
                           for n in range(5)))
    starts = sorted(start for _, start, _ in recorder.calls)
    assert starts[2] - starts[0] < 0.2
    assert starts[3] - starts[0] >= 0.39
    assert starts[4] - starts[1] >= 0.39


async def test_channel_username_is_paced_as_a_group() -> None:
    limiter = FloodSafeRateLimiter(overall_rate=0, group_max=1, group_period=0.3)
    recorder = Recorder()
    await asyncio.gather(call(limiter, recorder, "sendMessage", "@brand", 1),
                         call(limiter, recorder, "sendMessage", "@brand", 2))
    starts = sorted(start for _, start, _ in recorder.calls)
    assert starts[1] - starts[0] >= 0.29


async def test_retry_after_then_success() -> None:
    limiter = FloodSafeRateLimiter(overall_rate=0, private_interval=0)
    recorder = Recorder(failures=2, retry_after=0)
    assert await call(limiter, recorder, "editMessageText", 42, "edit") == {"ok": True}
    assert len(recorder.calls) == 1


async def test_retry_after_beyond_the_retries_reaches_the_caller() -> None:
    limiter = FloodSafeRateLimiter(overall_rate=0, private_interval=0, max_retries=1)
    recorder = Recorder(failures=2, retry_after=0)
    with pytest.raises(RetryAfter):
        await call(limiter, recorder, "sendMessage", 42, "lost")
    # A call can ask for its own number of retries, as PTB's rate_limit_args allows.
    recorder = Recorder(failures=2, retry_after=0)
    assert await call(limiter, recorder, "sendMessage", 42, "kept", retries=2) == {"ok": True}


async def test_429_holds_new_messages() -> None:
    limiter = FloodSafeRateLimiter(overall_rate=0, private_interval=0)
    recorder = Recorder(failures=1, retry_after=1)
    first = asyncio.create_task(call(limiter, recorder, "sendMessage", 42, "limited"))
    await asyncio.sleep(0.05)
    began = time.monotonic()
    await call(limiter, recorder, "sendMessage", 43, "waits")
    assert time.monotonic() - began >= 0.9
    await first
    assert sorted(label for label, _, _ in recorder.calls) == ["limited", "waits"]


async def test_idle_chats_are_forgotten() -> None:
    limiter = FloodSafeRateLimiter(overall_rate=0, private_interval=0.001, group_period=0.001)
    recorder = Recorder(delay=0)
    for chat_id in range(1, 1100):
        await call(limiter, recorder, "sendMessage", chat_id)
    await asyncio.sleep(0.01)
    await call(limiter, recorder, "sendMessage", 5000)
    assert len(limiter._chats) < 1024


async def test_429_keeps_order_in_a_chat() -> None:
    limiter = FloodSafeRateLimiter(overall_rate=0, private_interval=0.05)
    recorder = Recorder(failures=1, retry_after=0.3)
    first = asyncio.create_task(call(limiter, recorder, "sendMessage", 42, "first"))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(call(limiter, recorder, "sendMessage", 42, "second"))
    await asyncio.gather(first, second)
    assert [label for label, _, _ in recorder.calls] == ["first", "second"]


async def test_group_window_counts_actual_starts() -> None:
    limiter = FloodSafeRateLimiter(overall_rate=40, group_max=3, group_period=0.5)
    recorder = Recorder(delay=0)
    backlog = [call(limiter, recorder, "sendMessage", 1000 + n, "private") for n in range(10)]
    group = [call(limiter, recorder, "sendMessage", -100123, "group") for _ in range(6)]
    await asyncio.gather(*backlog, *group)
    starts = sorted(start for label, start, _ in recorder.calls if label == "group")
    assert len(starts) == 6
    for index in range(3, 6):
        assert starts[index] - starts[index - 3] >= 0.49


async def test_copy_messages_counts_each_message() -> None:
    limiter = FloodSafeRateLimiter(overall_rate=0, group_max=4, group_period=0.4)
    recorder = Recorder(delay=0)

    async def copy(count: int, label: str) -> None:
        await limiter.process_request(recorder, (label,), {}, "copyMessages",
                                      {"chat_id": -100123, "message_ids": list(range(count))},
                                      None)

    await copy(3, "album")
    await copy(2, "pair")
    starts = {label: start for label, start, _ in recorder.calls}
    # 3 + 2 messages exceed the group's 4, so the pair waits for the album to leave the window.
    assert starts["pair"] - starts["album"] >= 0.39
