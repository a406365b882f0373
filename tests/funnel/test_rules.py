"""Plain rules: the /newsletter command, consent versions, progress, CSV, chart, callback data."""

from __future__ import annotations

import datetime as dtm
import io

import pytest
from PIL import Image

from catalog.loader import Catalog
from flows import attribution, experience
from flows import newsletter as rules
from flows.exports import build_csv, parse_export_kind, read_csv
from handlers import callback_data, stats_view
from media.funnel_chart import render_funnel_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_issue_command_plain_text() -> None:
    draft = rules.parse_issue_command("/newsletter Hello <b>June</b>\nsecond line")

    assert draft == rules.IssueDraft("Hello <b>June</b>\nsecond line", None)


def test_issue_command_with_campaign() -> None:
    draft = rules.parse_issue_command("/newsletter@HorizonsBot campaign=nl-june Hi")

    assert draft == rules.IssueDraft("Hi", "nl-june")


@pytest.mark.parametrize("command, reason", [
    ("/newsletter", "usage"),
    ("/newsletter   ", "usage"),
    ("/newsletter campaign=nl-june", "usage"),
    ("/newsletter campaign=été Hi", "campaign"),
    ("/newsletter campaign= Hi", "campaign"),
    ("/newsletter " + "x" * 4097, "length"),
])
def test_issue_command_problems(command: str, reason: str) -> None:
    problem = rules.parse_issue_command(command)

    assert isinstance(problem, rules.IssueProblem)
    assert problem.reason == reason


def test_issue_length_counts_visible_characters() -> None:
    text = "<b>" + "x" * 4096 + "</b>"

    assert isinstance(rules.parse_issue_command(f"/newsletter {text}"), rules.IssueDraft)


def test_consent_version_follows_wording() -> None:
    first = rules.consent_version("fr", "Texte A")

    assert first == rules.consent_version("fr", "Texte A")
    assert first != rules.consent_version("fr", "Texte B")
    assert first != rules.consent_version("en", "Texte A")
    assert callback_data.parse(callback_data.consent(first, "m")) is not None


def test_progress_counts() -> None:
    progress = rules.progress_of({"sent": 5, "blocked": 1, "pending": 2, "sending": 1,
                                  "unknown": 1})

    assert progress.total == 10
    assert progress.done == 7
    assert not progress.finished
    assert rules.progress_of({"sent": 3}).finished


def test_progress_report_pacing() -> None:
    assert rules.report_due(None, 100.0, finished=False)
    assert not rules.report_due(100.0, 101.0, finished=False)
    assert rules.report_due(100.0, 100.0 + rules.PROGRESS_EVERY_SECONDS, finished=False)
    assert rules.report_due(100.0, 100.5, finished=True)


def test_batches_stay_under_broadcast_limit() -> None:
    # Batches start a tick apart, so one sliding second may hold two of them; Telegram allows
    # about 30 messages a second per bot.
    assert 2 * rules.BATCH_SIZE / rules.TICK_SECONDS < 30


def test_csv_round_trip() -> None:
    header = ["id", "name", "amount", "note"]
    rows = [
        (1, "Zoé, « quotes » \"and\" commas", 2490.5, None),
        (2, "line\nbreak", 0, "émoji 🌴"),
        (3, "=HYPERLINK(\"x\")", -5, "+33 6 00"),
    ]
    data = build_csv(header, rows)
    parsed = read_csv(data)

    assert data.startswith(b"\xef\xbb\xbf")
    assert parsed[0] == header
    assert parsed[1] == ["1", "Zoé, « quotes » \"and\" commas", "2490.5", ""]
    assert parsed[2] == ["2", "line\nbreak", "0", "émoji 🌴"]
    # Text that a spreadsheet would run is quoted; numbers stay numbers.
    assert parsed[3] == ["3", "'=HYPERLINK(\"x\")", "-5", "'+33 6 00"]


def test_csv_header_only() -> None:
    assert read_csv(build_csv(["a", "b"], [])) == [["a", "b"]]


def test_export_kind() -> None:
    assert parse_export_kind(["Leads"]) == "leads"
    assert parse_export_kind(["events"]) == "events"
    assert parse_export_kind([]) is None
    assert parse_export_kind(["people"]) is None
    assert parse_export_kind(["leads", "extra"]) is None


def test_chart_is_png() -> None:
    data = render_funnel_png(["Arrivals", "Quiz", "Cart"],
                             [("Total", [10, 6, 2]), ("soleil", [7, 4, 1])], "Funnel", "People")

    assert data.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
        assert image.format == "PNG"
        assert image.width > 300
        assert image.height > 200


def test_chart_without_series_is_png() -> None:
    data = render_funnel_png(["Arrivals"], [], "Funnel", "People")

    assert data.startswith(PNG_SIGNATURE)


def test_new_callback_kinds_round_trip() -> None:
    samples = [
        callback_data.consent("fr0123abcd", "t"),
        callback_data.decline(),
        callback_data.unsubscribe(),
        callback_data.issue_trip(9_999_999_999),
        callback_data.issue_decision(12, "s"),
        callback_data.source("0123456789"),
        callback_data.source("o"),
        callback_data.feedback(9_999_999_999, "5"),
        callback_data.feedback(1, "s"),
        callback_data.forget(4_503_599_627_370_495, "y"),
    ]
    for data in samples:
        assert len(data.encode()) <= 64
        assert callback_data.parse(data) is not None


@pytest.mark.parametrize("data", [
    "n1:y:de0123abcd:m", "n1:y:fr0123abcd:x", "n1:y:fr0123ABCD:m", "n1:f:0", "n1:u:1",
    "adm1:n:1:x", "adm1:n:01:s", "src1:012345678", "src1:other", "fb1:1:6", "fb1:1:0",
    "fg1:1:maybe", "fg1:12345678901234567:y", "fg1:-5:y",
])
def test_malformed_new_kinds_rejected(data: str) -> None:
    assert callback_data.parse(data) is None


def test_source_tokens(demo_catalog: Catalog) -> None:
    campaigns = demo_catalog.data.campaigns
    choices = attribution.source_choices(campaigns)

    assert choices
    for choice in choices:
        assert attribution.resolve_source(choice.token, campaigns) == choice.campaign.code
    assert attribution.resolve_source("o", campaigns) == attribution.OTHER
    assert attribution.resolve_source("ffffffffff", campaigns) is None


def test_pick_departure() -> None:
    departures = [dtm.date(2027, 1, 16), dtm.date(2026, 5, 2), dtm.date(2027, 10, 23)]

    assert experience.pick_departure(departures, None, dtm.date(2026, 6, 1)) == \
        dtm.date(2027, 1, 16)
    assert experience.pick_departure(departures, dtm.date(2026, 7, 7), dtm.date(2026, 6, 1)) \
        == dtm.date(2026, 7, 7)
    assert experience.pick_departure(departures, None, dtm.date(2028, 1, 1)) is None
    assert experience.return_date(dtm.date(2027, 1, 16), 12) == dtm.date(2027, 1, 28)


@pytest.mark.parametrize("value, language, expected", [
    (0.67, "fr", "67 %"),
    (0.67, "en", "67%"),
    (2.0, "en", "200%"),
    (0.052, "fr", "5,2 %"),
    (3 / 64000, "fr", "0,0047 %"),
    (0.0, "en", "0%"),
    (-0.21, "en", "-21%"),
    (-1.0, "fr", "-100 %"),
    (12.5, "en", "1,250%"),
])
def test_percent_format(value: float, language: str, expected: str) -> None:
    assert stats_view.percent(value, language) == expected
