"""Handoff rules with no Telegram and no database: notes, routing keys, topic names, amounts,
reminders and the lead state transitions."""

from __future__ import annotations

import dataclasses
import datetime as dtm
import enum
import re

NOTE_PREFIX = "//"
# createForumTopic accepts names of 1 to 128 characters.
TOPIC_NAME_LIMIT = 128
TOPIC_NAME_SEPARATOR = " · "

# Conversation status of a lead, and the outcome of the sale.
OPEN = "open"
ENDED = "ended"
BLOCKED = "blocked"
WON = "won"
LOST = "lost"
LOST_REASONS = ("price", "dates", "elsewhere", "silent", "project", "other")

# An amount travels in callback data as at most 9 digits before the decimal point.
MAX_AMOUNT = 999_999_999.99
_AMOUNT_CLEANUP = re.compile(r"[\s\u00a0\u202f'’€$£]|euros?|eur|chf|usd|gbp", re.IGNORECASE)
_AMOUNT = re.compile(r"\d+(?:[.,]\d+)*")


def is_note(text: str | None) -> bool:
    """Tell whether an advisor's text or caption is an internal note that stays in the group."""
    return bool(text) and text.lstrip().startswith(NOTE_PREFIX)  # type: ignore[union-attr]


def utf16_length(text: str) -> int:
    """Return the length in UTF-16 code units, where an emoji may count 2.

    Telegram counts text limits in these units for entities; counting the topic name the same
    way keeps it within 128 however the server counts.
    """
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int) -> str:
    """Cut text to at most `limit` UTF-16 units, ending with "…" when something was cut."""
    if utf16_length(text) <= limit:
        return text
    kept = []
    used = 0
    for character in text:
        size = utf16_length(character)
        if used + size > limit - 1:
            break
        kept.append(character)
        used += size
    return "".join(kept).rstrip() + "…"


def topic_name(first_name: str, trip_title: str | None, campaign: str | None,
               fallback_name: str) -> str:
    """Name a customer's forum topic "name · trip · campaign" within Telegram's 128 limit.

    When the parts are too long together, the longest ones are cut first, so a short first
    name always survives whole.
    """
    name = " ".join(first_name.split()) or fallback_name
    parts = [part for part in (name, " ".join((trip_title or "").split()),
                               " ".join((campaign or "").split())) if part]
    available = TOPIC_NAME_LIMIT - utf16_length(TOPIC_NAME_SEPARATOR) * (len(parts) - 1)

    # Share the room fairly: the shortest parts keep their length, the rest split what remains.
    shares = {}
    remaining = available
    order = sorted(range(len(parts)), key=lambda index: utf16_length(parts[index]))
    for position, index in enumerate(order):
        share = remaining // (len(parts) - position)
        shares[index] = min(utf16_length(parts[index]), share)
        remaining -= shares[index]
    return TOPIC_NAME_SEPARATOR.join(_cut(part, shares[index]) for index, part in
                                     enumerate(parts))


def parse_amount(text: str | None) -> float | None:
    """Read an amount typed by an advisor ("2490", "2 490 €", "2490,50"); None if invalid.

    A single "," or "." followed by 1 or 2 digits is a decimal mark, and by 3 digits a
    thousands separator, which covers both French and English habits.
    """
    cleaned = _AMOUNT_CLEANUP.sub("", text or "")
    if not _AMOUNT.fullmatch(cleaned):
        return None
    groups = re.split(r"[.,]", cleaned)
    if len(groups) > 1 and len(groups[-1]) in (1, 2):
        whole, decimals = "".join(groups[:-1]), groups[-1]
        if any(len(group) != 3 for group in groups[1:-1]):
            return None
    elif all(len(group) == 3 for group in groups[1:]):
        whole, decimals = "".join(groups), ""
    else:
        return None
    amount = round(float(f"{whole}.{decimals or '0'}"), 2)
    return amount if 0 < amount <= MAX_AMOUNT else None


class Claim(enum.Enum):
    CLAIMED = "claimed"
    ALREADY_YOURS = "already_yours"
    TAKEN = "taken"
    CLOSED = "closed"


def decide_claim(status: str, claimed_by: int | None, advisor_id: int) -> Claim:
    """Let the first advisor claim an open lead; a claimed lead stays with its advisor."""
    if status != OPEN:
        return Claim.CLOSED
    if claimed_by is None:
        return Claim.CLAIMED
    return Claim.ALREADY_YOURS if claimed_by == advisor_id else Claim.TAKEN


class OutcomeChange(enum.Enum):
    APPLY = "apply"
    SAME = "same"
    FINAL = "final"


def decide_outcome(current: str | None, new: str) -> OutcomeChange:
    """Allow won or lost once; a lost lead may still be won later, but a won one is final.

    A purchase is recorded when a lead is won, so changing a won lead would leave the funnel
    wrong.
    """
    if current == WON:
        return OutcomeChange.SAME if new == WON else OutcomeChange.FINAL
    if current == new:
        return OutcomeChange.SAME
    return OutcomeChange.APPLY


def can_end(status: str) -> bool:
    return status == OPEN


@dataclasses.dataclass(frozen=True)
class RouteKey:
    """A lookup key for the lead of a group message: a forum topic or a replied-to message."""

    kind: str
    id: int


def group_routes(is_forum: bool, thread_id: int | None, is_topic_message: bool,
                 reply_to_id: int | None) -> list[RouteKey]:
    """Return the lookups that find the lead of an advisor's message, best first.

    In a forum the topic decides. A message in a topic with no explicit reply still replies to
    the topic's creation message, whose id is the thread id, so that reply is not a key.
    """
    routes = []
    if is_forum and is_topic_message and thread_id:
        routes.append(RouteKey("topic", thread_id))
    if reply_to_id and reply_to_id != thread_id:
        routes.append(RouteKey("message", reply_to_id))
    return routes


def _moment(value: str) -> dtm.datetime:
    return dtm.datetime.fromisoformat(value)


def reminder_due(created_at: str, reminded_at: str | None, now: dtm.datetime,
                 period: dtm.timedelta) -> bool:
    """Tell whether an unclaimed lead waited a whole period since it arrived or was raised."""
    return now - _moment(reminded_at or created_at) >= period


def age_minutes(since: str, now: dtm.datetime) -> int:
    return max(0, int((now - _moment(since)).total_seconds() // 60))


@dataclasses.dataclass(frozen=True)
class ShownTrip:
    title: str
    percent: int | None


@dataclasses.dataclass(frozen=True)
class LeadCard:
    """The facts about a customer that an advisor needs, before any formatting."""

    lead_id: int
    first_name: str
    username: str | None
    language: str
    campaign: str | None
    arrived_at: str | None
    liked: tuple[str, ...]
    disliked: tuple[str, ...]
    shown: tuple[ShownTrip, ...]
    cart_title: str | None
    cart_price: float | None
    cart_currency: str | None


def missing_rights(is_forum: bool, status: str, can_manage_topics: bool) -> list[str]:
    """Return what the bot lacks in the agents' group: "membership", "admin", "manage_topics".

    A plain group works with a member bot, because privacy mode still shows it replies to its
    own messages and commands. A forum needs an admin that may create topics, since messages
    inside a topic reach a bot only when it is an admin.
    """
    if status not in ("member", "administrator", "creator"):
        return ["membership"]
    missing = []
    if is_forum and status == "member":
        missing.append("admin")
    if is_forum and status != "creator" and not can_manage_topics:
        missing.append("manage_topics")
    return missing
