"""Callback data: short versioned strings, built here and parsed strictly (clients can forge them).

Formats (version 1, all under Telegram's 64-byte limit):
  m1:<trip|advisor|ideas|news>          welcome menu
  q1:<quiz>:<step>:<L|R|N|F>             quiz answer (left, right, neither) or finish now
  qs1:<quiz>:<c|r>                       continue or restart a quiz
  a1:<quiz>:y                            show the trips after the appetence summary
  t1:<quiz>:c:<trip id>                  put a shown trip in the cart
  t1:<quiz>:m:<page>                     next page of trips ("other ideas")
  c1:<cart>:a                            finish the booking with an advisor
"""

from __future__ import annotations

import dataclasses
import re

MAX_BYTES = 64

_ID = r"([1-9]\d{0,9})"
_PATTERNS = {
    "menu": re.compile(r"m1:(trip|advisor|ideas|news)"),
    "answer": re.compile(rf"q1:{_ID}:([1-9]\d?):([LRNF])"),
    "session": re.compile(rf"qs1:{_ID}:([cr])"),
    "appetence": re.compile(rf"a1:{_ID}:y"),
    "cart": re.compile(rf"t1:{_ID}:c:([a-z0-9][a-z0-9_-]{{0,31}})"),
    "more": re.compile(rf"t1:{_ID}:m:([1-9]\d?)"),
    "advisor": re.compile(rf"c1:{_ID}:a"),
}
CHOICE_CODES = {"L": "left", "R": "right", "N": "neither", "F": "finish"}


@dataclasses.dataclass(frozen=True)
class CallbackData:
    kind: str
    fields: tuple[str, ...]

    def number(self, position: int) -> int:
        return int(self.fields[position])


def parse(data: str | None) -> CallbackData | None:
    """Return the parsed callback data, or None for anything not built by this bot."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    for kind, pattern in _PATTERNS.items():
        match = pattern.fullmatch(data)
        if match:
            return CallbackData(kind, match.groups())
    return None


def _checked(data: str) -> str:
    if len(data.encode("utf-8")) > MAX_BYTES or parse(data) is None:
        raise ValueError(f"callback data {data!r} does not fit its own format")
    return data


def menu(action: str) -> str:
    return _checked(f"m1:{action}")


def answer(quiz_id: int, step: int, code: str) -> str:
    return _checked(f"q1:{quiz_id}:{step}:{code}")


def session(quiz_id: int, action: str) -> str:
    return _checked(f"qs1:{quiz_id}:{action}")


def show_trips(quiz_id: int) -> str:
    return _checked(f"a1:{quiz_id}:y")


def add_to_cart(quiz_id: int, trip_id: str) -> str:
    return _checked(f"t1:{quiz_id}:c:{trip_id}")


def more(quiz_id: int, page: int) -> str:
    return _checked(f"t1:{quiz_id}:m:{page}")


def advisor(cart_id: int) -> str:
    return _checked(f"c1:{cart_id}:a")
