"""Handoff rules as plain functions: notes, routing keys, topic names, amounts, transitions."""

from __future__ import annotations

import datetime as dtm

import pytest

from flows import handoff as rules
from flows.handoff import Claim, OutcomeChange, RouteKey
from handlers import callback_data


@pytest.mark.parametrize("text, expected", [
    ("// il hésite sur les dates", True),
    ("  //note", True),
    ("/lost prix", False),
    ("Bonjour // à bientôt", False),
    ("", False),
    (None, False),
])
def test_note_detection(text: str | None, expected: bool) -> None:
    assert rules.is_note(text) is expected


def test_topic_name_joins_parts() -> None:
    name = rules.topic_name("Camille", "Safari au Kenya", "soleil", "Client")
    assert name == "Camille · Safari au Kenya · soleil"


def test_topic_name_skips_missing_parts() -> None:
    assert rules.topic_name("  ", None, None, "Client") == "Client"
    assert rules.topic_name("Camille", None, "soleil", "Client") == "Camille · soleil"


@pytest.mark.parametrize("first_name, trip, campaign", [
    ("Camille", "T" * 300, "soleil"),
    ("🌴" * 100, "Safari 🦁" * 30, "c" * 64),
    ("A" * 200, "B" * 200, "C" * 200),
])
def test_topic_name_fits_limit(first_name: str, trip: str, campaign: str) -> None:
    name = rules.topic_name(first_name, trip, campaign, "Client")
    assert rules.utf16_length(name) <= rules.TOPIC_NAME_LIMIT
    assert name.count(rules.TOPIC_NAME_SEPARATOR) == 2


def test_topic_name_keeps_short_name_whole() -> None:
    name = rules.topic_name("Camille", "T" * 300, "soleil", "Client")
    assert name.startswith("Camille · ")
    assert name.endswith(" · soleil")
    assert "…" in name


def test_utf16_length_counts_emoji_twice() -> None:
    assert rules.utf16_length("é") == 1
    assert rules.utf16_length("🌴") == 2


@pytest.mark.parametrize("text, amount", [
    ("2490", 2490.0),
    ("2 490 €", 2490.0),
    ("2\u202f490\u00a0€", 2490.0),
    ("2490,50", 2490.5),
    ("2490.5", 2490.5),
    ("1.290", 1290.0),
    ("1,290.50", 1290.5),
    ("1 290 euros", 1290.0),
    ("EUR 990", 990.0),
])
def test_amount_parsed(text: str, amount: float) -> None:
    assert rules.parse_amount(text) == amount


@pytest.mark.parametrize("text", ["", "0", "-5", "abc", "12,3456", "1.2.3", "9" * 12, None])
def test_amount_rejected(text: str | None) -> None:
    assert rules.parse_amount(text) is None


def test_claim_transitions() -> None:
    assert rules.decide_claim(rules.OPEN, None, 801) is Claim.CLAIMED
    assert rules.decide_claim(rules.OPEN, 801, 801) is Claim.ALREADY_YOURS
    assert rules.decide_claim(rules.OPEN, 801, 802) is Claim.TAKEN
    assert rules.decide_claim(rules.ENDED, None, 801) is Claim.CLOSED
    assert rules.decide_claim(rules.BLOCKED, None, 801) is Claim.CLOSED


def test_outcome_transitions() -> None:
    assert rules.decide_outcome(None, rules.WON) is OutcomeChange.APPLY
    assert rules.decide_outcome(None, rules.LOST) is OutcomeChange.APPLY
    assert rules.decide_outcome(rules.LOST, rules.WON) is OutcomeChange.APPLY
    assert rules.decide_outcome(rules.LOST, rules.LOST) is OutcomeChange.SAME
    assert rules.decide_outcome(rules.WON, rules.WON) is OutcomeChange.SAME
    assert rules.decide_outcome(rules.WON, rules.LOST) is OutcomeChange.FINAL


def test_end_only_when_open() -> None:
    assert rules.can_end(rules.OPEN)
    assert not rules.can_end(rules.ENDED)
    assert not rules.can_end(rules.BLOCKED)


def test_routes_in_forum_topic() -> None:
    # No explicit reply: the implicit reply to the topic's creation message is no key.
    assert rules.group_routes(True, 40, True, 40) == [RouteKey("topic", 40)]
    assert rules.group_routes(True, 40, True, 55) == [RouteKey("topic", 40),
                                                      RouteKey("message", 55)]


def test_routes_in_plain_group() -> None:
    assert rules.group_routes(False, None, False, 12) == [RouteKey("message", 12)]
    assert rules.group_routes(False, None, False, None) == []
    # A forum's General topic has no thread: only a reply can route.
    assert rules.group_routes(True, None, False, None) == []


def test_reminder_due_after_period() -> None:
    created = "2025-06-01T10:00:00.000+00:00"
    period = dtm.timedelta(minutes=10)
    at = dtm.datetime(2025, 6, 1, 10, 9, 59, tzinfo=dtm.UTC)
    assert not rules.reminder_due(created, None, at, period)
    assert rules.reminder_due(created, None, at + dtm.timedelta(seconds=1), period)
    reminded = "2025-06-01T10:10:00.000+00:00"
    assert not rules.reminder_due(created, reminded, at + dtm.timedelta(minutes=5), period)


def test_age_in_minutes() -> None:
    since = "2025-06-01T10:00:00.000+00:00"
    assert rules.age_minutes(since, dtm.datetime(2025, 6, 1, 12, 5, tzinfo=dtm.UTC)) == 125


@pytest.mark.parametrize("is_forum, status, can_manage, missing", [
    (True, "administrator", True, []),
    (True, "administrator", False, ["manage_topics"]),
    (True, "member", False, ["admin", "manage_topics"]),
    (False, "member", False, []),
    (False, "left", False, ["membership"]),
    (True, "creator", False, []),
])
def test_missing_rights(is_forum: bool, status: str, can_manage: bool,
                        missing: list[str]) -> None:
    assert rules.missing_rights(is_forum, status, can_manage) == missing


def test_lead_callback_data_round_trip() -> None:
    samples = [
        callback_data.lead(9_999_999_999, "c"),
        callback_data.lead_won(9_999_999_999, 999_999_999.99),
        callback_data.lead_won(12, 2490),
        callback_data.lead_lost(12, "elsewhere"),
        callback_data.lead_end(12),
    ]
    for data in samples:
        assert len(data.encode()) <= 64
        assert callback_data.parse(data) is not None


@pytest.mark.parametrize("data", [
    "h1:0:c", "h1:1:x", "h1:1:w:0", "h1:1:w:01", "h1:1:w:1.234", "h1:1:w:-5",
    "h1:1:l:cheap", "h1:1:e:n", "h1:1:c:extra", "H1:1:c", "h1:1:w:1e9",
])
def test_lead_callback_data_rejected(data: str) -> None:
    assert callback_data.parse(data) is None
