"""Failures on demand (errors, delays, dropped connections) and optional flood limits."""

import logging
import math
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from sandbox import errors
from sandbox.errors import CONFLICT_OTHER_POLLER, ApiError, too_many_requests

logger = logging.getLogger(__name__)

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected fault",
    401: "Unauthorized",
    403: "Forbidden: injected fault",
    409: CONFLICT_OTHER_POLLER,
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
# Named Telegram errors a fault can give instead of an error_code and description.
NAMED_ERRORS = {
    "blocked": (403, errors.BLOCKED),
    "cant_initiate": (403, errors.CANT_INITIATE),
    "chat_not_found": (400, errors.CHAT_NOT_FOUND),
    "chat_migrated": (400, errors.UPGRADED),
    "thread_not_found": (400, errors.THREAD_NOT_FOUND),
    "topic_closed": (400, errors.TOPIC_CLOSED),
    "query_too_old": (400, errors.QUERY_INVALID),
    "not_modified": (400, errors.NOT_MODIFIED),
    "server_error": (500, _DEFAULT_DESCRIPTIONS[500]),
    "bad_gateway": (502, _DEFAULT_DESCRIPTIONS[502]),
}
# Methods that count against flood limits: those that post a new message.
FLOOD_METHODS = frozenset(
    {
        "sendmessage", "sendphoto", "senddocument", "sendmediagroup", "sendvideo", "sendvoice",
        "sendaudio", "sendanimation", "sendsticker", "sendlocation", "sendcontact",
        "copymessage", "copymessages", "forwardmessage", "forwardmessages",
    }
)


@dataclass
class Fault:
    """A failure armed for the next `count` calls of a method (optionally in one chat)."""

    method: str
    count: int = 1
    chat_id: str | None = None
    error_code: int | None = None
    description: str | None = None
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None
    delay: float | None = None
    drop: bool = False

    def matches(self, method: str, chat_id: Any) -> bool:
        if self.method not in ("*", method.lower()):
            return False
        return self.chat_id is None or self.chat_id == str(chat_id)

    def error(self) -> ApiError | None:
        """Return the error response of this fault, or None for a pure delay."""
        if self.error_code is None:
            return None
        parameters: dict[str, Any] = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        description = self.description or _default_description(self.error_code, self.retry_after)
        return ApiError(description, self.error_code, parameters)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _default_description(error_code: int, retry_after: int | None) -> str:
    if error_code == 429:
        return f"Too Many Requests: retry after {retry_after or 1}"
    return _DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")


class FaultPlan:
    """Armed faults, consumed in the order they were added, one per matching call."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, spec: dict[str, Any]) -> Fault:
        """Arm a fault from its control-interface JSON; raise ValueError on a bad spec."""
        method = str(spec.get("method") or "").strip().lower()
        if not method:
            raise ValueError("fault needs a method name, or '*' for every method")
        count = int(spec.get("count", 1))
        if count < 1:
            raise ValueError(f"fault count must be at least 1, got {count}")

        chat_id = spec.get("chat_id")
        error_code = spec.get("error_code")
        description = spec.get("description")
        if spec.get("error") is not None:
            named = NAMED_ERRORS.get(str(spec["error"]))
            if named is None:
                raise ValueError(f"unknown error name {spec['error']!r}; expected one of "
                                 f"{', '.join(sorted(NAMED_ERRORS))}")
            error_code = named[0] if error_code is None else error_code
            description = named[1] if description is None else description
            if spec["error"] == "chat_migrated" and spec.get("migrate_to_chat_id") is None:
                raise ValueError("the chat_migrated error needs migrate_to_chat_id")
        if error_code is None and spec.get("retry_after") is not None:
            error_code = 429
        fault = Fault(
            method=method,
            count=count,
            chat_id=None if chat_id is None else str(chat_id),
            error_code=None if error_code is None else int(error_code),
            description=description,
            retry_after=_optional_int(spec.get("retry_after")),
            migrate_to_chat_id=_optional_int(spec.get("migrate_to_chat_id")),
            delay=None if spec.get("delay") is None else float(spec["delay"]),
            drop=bool(spec.get("drop", False)),
        )
        if fault.error_code is None and fault.delay is None and not fault.drop:
            raise ValueError("fault needs error_code, retry_after, delay or drop")
        self.faults.append(fault)
        return fault

    def take(self, method: str, chat_id: Any) -> Fault | None:
        """Consume one use of the first fault matching this call."""
        for fault in self.faults:
            if fault.matches(method, chat_id):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                logger.info("fault injected method=%s chat_id=%s", method, chat_id)
                return fault
        return None

    def clear(self) -> None:
        self.faults.clear()


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass
class FloodLimits:
    """Sliding-window limits as (messages, seconds); Telegram's figures are approximate."""

    enabled: bool = False
    private_chat: tuple[int, float] = (1, 1.0)
    group_chat: tuple[int, float] = (20, 60.0)
    overall: tuple[int, float] = (30, 1.0)


@dataclass
class FloodLimiter:
    """Rejects sends over the configured rate with 429 and a retry_after in whole seconds."""

    limits: FloodLimits = field(default_factory=FloodLimits)
    _sent: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def configure(self, spec: dict[str, Any]) -> FloodLimits:
        limits = FloodLimits(enabled=bool(spec.get("enabled", True)))
        for name in ("private_chat", "group_chat", "overall"):
            if spec.get(name) is not None:
                count, seconds = spec[name]
                setattr(limits, name, (int(count), float(seconds)))
        self.limits = limits
        self._sent.clear()
        return limits

    def check(self, method: str, chat_id: int | None) -> None:
        """Record a send, or raise 429 if it would exceed a limit; rejected sends cost nothing."""
        if not self.limits.enabled or method.lower() not in FLOOD_METHODS or chat_id is None:
            return

        moment = time.monotonic()
        chat_limit = self.limits.private_chat if chat_id > 0 else self.limits.group_chat
        windows = (("overall", self.limits.overall), (f"chat:{chat_id}", chat_limit))
        wait = 0.0
        for key, (count, seconds) in windows:
            sent = self._sent[key]
            while sent and moment - sent[0] >= seconds:
                sent.popleft()
            if len(sent) >= count:
                wait = max(wait, seconds - (moment - sent[0]))
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))

        for key, _ in windows:
            self._sent[key].append(moment)

    def reset(self) -> None:
        self.limits = FloodLimits()
        self._sent.clear()
