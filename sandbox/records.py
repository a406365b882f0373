"""Call log and counters that tests and benchmarks read back through the control interface."""

import logging
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

logger = logging.getLogger(__name__)


@dataclass
class CallRecord:
    """One Bot API call and the server's response to it."""

    seq: int
    time: float
    bot_id: int | None
    method: str
    chat_id: Any
    params: dict[str, Any]
    ok: bool
    error_code: int | None
    description: str | None
    uploaded_bytes: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Stats:
    """Counters per Bot API method."""

    calls: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    uploaded_bytes: Counter[str] = field(default_factory=Counter)
    too_many_requests: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "calls": dict(self.calls),
            "errors": dict(self.errors),
            "bytes_uploaded": dict(self.uploaded_bytes),
            "total_bytes_uploaded": sum(self.uploaded_bytes.values()),
            "too_many_requests": self.too_many_requests,
        }


class CallLog:
    """Every Bot API call since the last reset, in arrival order."""

    def __init__(self) -> None:
        self.records: list[CallRecord] = []
        self.stats = Stats()
        self._next_seq = 1

    def record(
        self,
        *,
        bot_id: int | None,
        method: str,
        chat_id: Any,
        params: dict[str, Any],
        error_code: int | None,
        description: str | None,
        uploaded_bytes: int,
    ) -> CallRecord:
        entry = CallRecord(
            seq=self._next_seq,
            time=time.time(),
            bot_id=bot_id,
            method=method,
            chat_id=chat_id,
            params=params,
            ok=error_code is None,
            error_code=error_code,
            description=description,
            uploaded_bytes=uploaded_bytes,
        )
        self._next_seq += 1
        self.records.append(entry)

        self.stats.calls[method] += 1
        self.stats.uploaded_bytes[method] += uploaded_bytes
        if error_code is not None:
            self.stats.errors[method] += 1
        if error_code == 429:
            self.stats.too_many_requests += 1
        return entry

    def query(self, method: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        """Return the calls after sequence number since, optionally of one method only."""
        method_filter = method.lower() if method else None
        selected = [entry for entry in self.records if entry.seq > since]
        if method_filter is not None:
            selected = [entry for entry in selected if entry.method.lower() == method_filter]
        return [entry.to_json() for entry in selected]

    def clear(self) -> None:
        # Sequence numbers keep growing so that a test's "since" mark stays meaningful.
        self.records.clear()
        self.stats = Stats()
