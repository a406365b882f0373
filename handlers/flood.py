"""Pace the bot's messages under Telegram's flood limits and retry those that still draw a 429.

Telegram counts messages, not edits or callback answers: about 30 a second overall, one a
second per private chat, 20 a minute per group. PTB's AIORateLimiter holds every call that
carries a chat_id (edits included) to its overall rate, lets a bucket's worth through at once
after an idle spell, and has no limit per private chat, so a welcome followed by a question
drew 429s. This limiter paces new messages only:

- overall, message starts at least 1/`overall_rate` seconds apart, with no initial burst;
- per private chat, `private_interval` seconds from the end of one message to the start of
  the next, so two messages of one step never reach the same person within the same second;
- per group or channel, at most `group_max` messages in any `group_period` seconds.

Every call, paced or not, is retried up to `max_retries` times after a RetryAfter, waiting the
time the server asked for; while such a wait lasts, new messages wait too.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

logger = logging.getLogger(__name__)

# Besides the send* methods, those that post a new message in a chat; Telegram's flood limits
# count new messages.
COPY_METHODS = frozenset({
    "copymessage", "copymessages", "forwardmessage", "forwardmessages",
})
NOT_MESSAGES = frozenset({"sendchataction"})
# Past this many known chats, those idle for longer than their limit's period are forgotten.
IDLE_SWEEP_AT = 1024

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]


def is_message_method(endpoint: str) -> bool:
    name = endpoint.lower()
    return name in COPY_METHODS or (name.startswith("send") and name not in NOT_MESSAGES)


@dataclasses.dataclass
class _ChatPace:
    lock: asyncio.Lock = dataclasses.field(default_factory=asyncio.Lock)
    # In a private chat, when the last message finished. In a group, the message starts
    # within the period.
    last_end: float = 0.0
    starts: collections.deque[float] = dataclasses.field(default_factory=collections.deque)


class FloodSafeRateLimiter(BaseRateLimiter[int]):
    """Rate limiter that paces messages overall, per chat and per group, and retries 429s."""

    def __init__(self, overall_rate: float = 25.0, private_interval: float = 1.0,
                 group_max: int = 20, group_period: float = 60.0, max_retries: int = 3) -> None:
        # A rate or interval of 0 turns that limit off (tests and benchmarks use it).
        self.overall_interval = 1.0 / overall_rate if overall_rate > 0 else 0.0
        self.private_interval = private_interval
        self.group_max = group_max
        self.group_period = group_period
        self.max_retries = max_retries
        self._overall_lock = asyncio.Lock()
        self._last_start = -self.overall_interval
        self._chats: dict[int | str, _ChatPace] = {}
        self._resume_at = 0.0

    async def initialize(self) -> None:
        """Do nothing: the limiter keeps its state in memory."""

    async def shutdown(self) -> None:
        self._chats.clear()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        paced = is_message_method(endpoint) and data.get("chat_id") is not None \
            and not data.get("allow_paid_broadcast")

        async def call() -> JSONResult:
            return await callback(*args, **kwargs)

        if not paced:
            return await self._attempts(call, retries, endpoint, data.get("chat_id"), None)
        key = _chat_key(data["chat_id"])
        private = isinstance(key, int) and key > 0
        if (private and not self.private_interval) or (not private and not self.group_max):
            return await self._attempts(call, retries, endpoint, key, self._overall_slot)
        pace = self._chats.get(key)
        if pace is None:
            self._sweep()
            pace = self._chats[key] = _ChatPace()

        # copyMessages and forwardMessages post one message per id, up to a group's whole budget.
        ids = data.get("message_ids")
        weight = min(max(len(ids), 1), self.group_max) if isinstance(ids, list) else 1

        async def turn() -> None:
            if private:
                await _sleep_until(pace.last_end + self.private_interval)
                await self._overall_slot()
            else:
                await self._group_slot(pace, weight)

        # The chat's lock is held across the retries, so a message that drew a 429 keeps its
        # place: the next message to the same chat cannot overtake it while it waits.
        async with pace.lock:
            return await self._attempts(call, retries, endpoint, key, turn, pace)

    async def _attempts(self, call: Callable[[], Awaitable[JSONResult]], retries: int,
                        endpoint: str, chat_id: Any, turn: Callable[[], Awaitable[None]] | None,
                        pace: _ChatPace | None = None) -> JSONResult:
        """Make the call, awaiting `turn` before each attempt and waiting out each 429.

        A call with no `turn` is not paced: its 429s do not hold back other messages.
        """
        attempt = 0
        while True:
            if turn is not None:
                await turn()
            try:
                return await call()
            except RetryAfter as error:
                attempt += 1
                if attempt > retries:
                    raise
                delay = error.retry_after.total_seconds() \
                    if hasattr(error.retry_after, "total_seconds") else float(error.retry_after)
                logger.warning("flood limit method=%s chat_id=%s retry_after=%.1fs attempt=%d/%d",
                               endpoint, chat_id, delay, attempt, retries)
                if turn is not None:
                    self._resume_at = max(self._resume_at, time.monotonic() + delay + 0.1)
                await asyncio.sleep(delay + 0.1)
            finally:
                if pace is not None:
                    pace.last_end = time.monotonic()

    async def _group_slot(self, pace: _ChatPace, weight: int = 1) -> None:
        """Wait until the group has room in its window, then for the overall turn; count it.

        The start is recorded once the overall turn came, so a backlog of other messages
        cannot make group messages leave closer together than the window allows.
        """
        while True:
            now = time.monotonic()
            while pace.starts and now - pace.starts[0] >= self.group_period:
                pace.starts.popleft()
            if len(pace.starts) + weight <= self.group_max:
                await self._overall_slot()
                pace.starts.extend([time.monotonic()] * weight)
                return
            await _sleep_until(pace.starts[0] + self.group_period)

    async def _overall_slot(self) -> None:
        """Wait for this message's turn: starts at least overall_interval apart, in order.

        The wait happens under a lock and measures from the previous start as it happened,
        so a task that woke late never lets the next ones through closer together.
        """
        async with self._overall_lock:
            await _sleep_until(self._resume_at)
            await _sleep_until(self._last_start + self.overall_interval)
            self._last_start = time.monotonic()

    def _sweep(self) -> None:
        if len(self._chats) < IDLE_SWEEP_AT:
            return
        horizon = time.monotonic() - max(self.private_interval, self.group_period)
        for key, pace in list(self._chats.items()):
            if not pace.lock.locked() and pace.last_end < horizon:
                del self._chats[key]


def _chat_key(chat_id: Any) -> int | str:
    """PTB may pass a chat id as int or str, or a channel username such as "@brand"."""
    try:
        return int(chat_id)
    except (TypeError, ValueError):
        return str(chat_id)


async def _sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
