"""Callback data: short versioned strings, built here and parsed strictly (clients can forge them).

Formats (version 1, all under Telegram's 64-byte limit):
  m1:<trip|advisor|ideas|news>          welcome menu
  q1:<quiz>:<step>:<L|R|N|F>             quiz answer (left, right, neither) or finish now
  qs1:<quiz>:<c|r>                       continue or restart a quiz
  a1:<quiz>:y                            show the trips after the appetence summary
  t1:<quiz>:c:<trip id>                  put a shown trip in the cart
  t1:<quiz>:m:<page>                     next page of trips ("other ideas")
  c1:<cart>:a                            finish the booking with an advisor
  n1:y:<consent version>:<m|t>           newsletter consent given (from the menu or typed text)
  n1:n                                   newsletter consent declined
  n1:u                                   unsubscribe (under each newsletter issue)
  n1:f:<issue>                           "find my trip" under a newsletter issue
  adm1:n:<issue>:<s|c>                   admin sends or cancels a newsletter issue
  src1:<10 hex|o>                        declared source: a campaign's token, or "other"
  fb1:<lead>:<1-5|s>                     trip rating, or no comment after it
  fg1:<user>:<y|n>                       erase a person's data, or keep it
  h1:<lead>:<c|w|l|e|b>                  lead card: claim, won, lost, end, back to the card
  h1:<lead>:w:<amount>                   lead won for this amount (up to 2 decimals)
  h1:<lead>:l:<reason>                   lead lost for one of flows.handoff.LOST_REASONS
  h1:<lead>:e:y                          end the conversation, confirmed
"""

from __future__ import annotations

import dataclasses
import re

MAX_BYTES = 64

_ID = r"([1-9]\d{0,9})"
# Telegram user ids fit in 52 bits: at most 16 digits.
_USER = r"([1-9]\d{0,15})"
_PATTERNS = {
    "menu": re.compile(r"m1:(trip|advisor|ideas|news)"),
    "answer": re.compile(rf"q1:{_ID}:([1-9]\d?):([LRNF])"),
    "session": re.compile(rf"qs1:{_ID}:([cr])"),
    "appetence": re.compile(rf"a1:{_ID}:y"),
    "cart": re.compile(rf"t1:{_ID}:c:([a-z0-9][a-z0-9_-]{{0,31}})"),
    "more": re.compile(rf"t1:{_ID}:m:([1-9]\d?)"),
    "advisor": re.compile(rf"c1:{_ID}:a"),
    "consent": re.compile(r"n1:y:((?:fr|en)[0-9a-f]{8}):([mt])"),
    "decline": re.compile(r"n1:n"),
    "unsubscribe": re.compile(r"n1:u"),
    "issue_trip": re.compile(rf"n1:f:{_ID}"),
    "issue_decision": re.compile(rf"adm1:n:{_ID}:([sc])"),
    "source": re.compile(r"src1:([0-9a-f]{10}|o)"),
    "feedback": re.compile(rf"fb1:{_ID}:([1-5s])"),
    "forget": re.compile(rf"fg1:{_USER}:([yn])"),
    "lead": re.compile(rf"h1:{_ID}:([cwleb])"),
    "lead_won": re.compile(rf"h1:{_ID}:w:([1-9]\d{{0,8}}(?:\.\d{{1,2}})?)"),
    "lead_lost": re.compile(rf"h1:{_ID}:l:(price|dates|elsewhere|silent|project|other)"),
    "lead_end": re.compile(rf"h1:{_ID}:e:y"),
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


def consent(version: str, source: str) -> str:
    return _checked(f"n1:y:{version}:{source}")


def decline() -> str:
    return _checked("n1:n")


def unsubscribe() -> str:
    return _checked("n1:u")


def issue_trip(issue_id: int) -> str:
    return _checked(f"n1:f:{issue_id}")


def issue_decision(issue_id: int, action: str) -> str:
    return _checked(f"adm1:n:{issue_id}:{action}")


def source(token: str) -> str:
    return _checked(f"src1:{token}")


def feedback(lead_id: int, choice: str) -> str:
    return _checked(f"fb1:{lead_id}:{choice}")


def forget(user_id: int, answer: str) -> str:
    return _checked(f"fg1:{user_id}:{answer}")


def lead(lead_id: int, action: str) -> str:
    return _checked(f"h1:{lead_id}:{action}")


def lead_won(lead_id: int, amount: float) -> str:
    value = f"{amount:.0f}" if round(amount, 2) == round(amount) else f"{amount:.2f}"
    return _checked(f"h1:{lead_id}:w:{value}")


def lead_lost(lead_id: int, reason: str) -> str:
    return _checked(f"h1:{lead_id}:l:{reason}")


def lead_end(lead_id: int) -> str:
    return _checked(f"h1:{lead_id}:e:y")
