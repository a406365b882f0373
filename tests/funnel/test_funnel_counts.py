"""Funnel counts per campaign on a scripted population, with skipped stages and repeats."""

from __future__ import annotations

import datetime as dtm

import pytest

from catalog.loader import Catalog
from flows import funnel
from flows.attribution import declare_source
from flows.stats import FunnelReport, funnel_report, parse_days
from store import purchases
from store.db import Database
from tests.funnel.conftest import add_person

DEPARTED = dtm.date(2020, 3, 1)


async def journey(db: Database, user_id: int, campaign: str | None, message_id: int,
                  steps: set[str], amount: float = 0.0) -> None:
    """Walk one person through the given steps; every call is made twice, like a redelivery."""
    for _ in range(2):
        await funnel.arrival(db, user_id, campaign, message_id, first_touch=True)
        quiz_id = user_id * 10
        if "quiz" in steps:
            await funnel.quiz_started(db, user_id, campaign, quiz_id)
            await funnel.quiz_finished(db, user_id, campaign, quiz_id, answered=6)
            await funnel.top3_shown(db, user_id, campaign, quiz_id, 0, ["a", "b", "c"])
        if "cart" in steps:
            await funnel.cart(db, user_id, campaign, user_id, "rajasthan", 2490.0)
        if "handoff" in steps:
            await funnel.handoff(db, user_id, campaign, lead_id=user_id)
            await funnel.claimed(db, user_id, campaign, lead_id=user_id)
        if "won" in steps:
            await funnel.first_purchase(db, user_id, campaign, user_id, amount, "rajasthan",
                                        DEPARTED, duration_days=12, currency="EUR")
        if "subscribed" in steps:
            await funnel.subscribed(db, user_id, campaign, "fr0123abcd", "menu")
        if "experience" in steps:
            await purchases.mark_asked(db, user_id)
            await funnel.experience(db, user_id, user_id, rating=5)


@pytest.fixture
async def population(db: Database) -> Database:
    await add_person(db, 1, "soleil")
    await journey(db, 1, "soleil", 11,
                  {"quiz", "cart", "handoff", "won", "subscribed", "experience"}, 2490.0)
    # Buys without subscribing and without going through the handoff stage.
    await add_person(db, 2, "soleil")
    await journey(db, 2, "soleil", 21, {"quiz", "cart", "won"}, 1500.0)
    await add_person(db, 3, "soleil")
    await journey(db, 3, "soleil", 31, {"subscribed"})
    await add_person(db, 4, "neige")
    await journey(db, 4, "neige", 41, {"quiz", "subscribed"})
    # A later touch: person 1 comes back through another campaign.
    await journey(db, 1, "neige", 12, set())
    # The payload was lost: no link campaign, only a declared source.
    await add_person(db, 5)
    await journey(db, 5, None, 51, set())
    await declare_source(db, 5, "neige")
    await declare_source(db, 5, "culture")
    # A newsletter issue's own code, unknown to the catalog.
    await add_person(db, 6)
    await journey(db, 6, "nl-june", 61, {"quiz"})
    return db


def row(report: FunnelReport, campaign: str | None):  # type: ignore[no-untyped-def]
    matches = [r for r in report.campaigns if r.campaign == campaign]
    assert len(matches) == 1, f"expected one row for {campaign!r}"
    return matches[0]


async def test_stage_counts_per_campaign(population: Database, demo_catalog: Catalog) -> None:
    report = await funnel_report(population, demo_catalog.campaigns, None)
    soleil = row(report, "soleil")

    assert soleil.count(funnel.ARRIVAL) == 3
    assert soleil.count(funnel.QUIZ_FINISHED) == 2
    assert soleil.count(funnel.CART) == 2
    assert soleil.count(funnel.HANDOFF) == 1
    assert soleil.count(funnel.WON) == 2
    assert soleil.count(funnel.EXPERIENCE) == 1
    assert soleil.count(funnel.SUBSCRIBED) == 2


async def test_skipped_stages_are_counted(population: Database, demo_catalog: Catalog) -> None:
    report = await funnel_report(population, demo_catalog.campaigns, None)
    soleil = row(report, "soleil")

    # Person 2 won without a handoff and without the newsletter, and still counts as won.
    assert soleil.skipped[funnel.WON] == 1
    assert soleil.won_without_newsletter == 1
    assert soleil.conversion(funnel.WON) == 2.0
    assert report.total.won_without_newsletter == 1


async def test_revenue_spend_roi_activation(population: Database,
                                            demo_catalog: Catalog) -> None:
    report = await funnel_report(population, demo_catalog.campaigns, None)
    soleil = row(report, "soleil")
    campaign = demo_catalog.campaigns["soleil"]
    assert campaign.spend and campaign.reached

    assert soleil.revenue_total == 3990.0
    assert soleil.revenue_currency == "EUR"
    assert soleil.spend == campaign.spend
    assert soleil.roi == pytest.approx((3990.0 - campaign.spend) / campaign.spend)
    assert soleil.activation_rate == pytest.approx(3 / campaign.reached)
    assert soleil.average_rating == 5.0
    neige = row(report, "neige")
    assert neige.revenue_total == 0
    assert neige.roi == -1.0


async def test_later_touch_counts_for_its_campaign(population: Database,
                                                   demo_catalog: Catalog) -> None:
    report = await funnel_report(population, demo_catalog.campaigns, None)
    neige = row(report, "neige")

    assert neige.count(funnel.ARRIVAL) == 2
    assert neige.count(funnel.QUIZ_FINISHED) == 1
    first = await population.fetch_one("SELECT first_campaign FROM people WHERE user_id = 1")
    assert first["first_campaign"] == "soleil"


async def test_total_counts_each_person_once(population: Database,
                                             demo_catalog: Catalog) -> None:
    report = await funnel_report(population, demo_catalog.campaigns, None)

    assert report.total.count(funnel.ARRIVAL) == 6
    assert report.total.count(funnel.WON) == 2
    assert report.total.revenue_total == 3990.0
    assert report.total.count(funnel.SUBSCRIBED) == 3


async def test_unknown_codes_and_no_link_rows(population: Database,
                                              demo_catalog: Catalog) -> None:
    report = await funnel_report(population, demo_catalog.campaigns, None)

    assert row(report, "nl-june").count(funnel.QUIZ_FINISHED) == 1
    assert row(report, None).count(funnel.ARRIVAL) == 1
    assert report.campaigns[-1].campaign is None
    # Only the first declared source is kept, apart from link attribution.
    assert report.declared_sources == [("neige", 1)]
    person = await population.fetch_one(
        "SELECT first_campaign, declared_source FROM people WHERE user_id = 5")
    assert person["first_campaign"] is None
    assert person["declared_source"] == "neige"


async def test_repeated_updates_write_once(population: Database) -> None:
    rows = await population.fetch_all(
        "SELECT kind, COUNT(*) AS n FROM events WHERE user_id = 1 GROUP BY kind")
    counts = {r["kind"]: r["n"] for r in rows}

    assert counts[funnel.ARRIVAL] == 2   # two touches: soleil, then neige
    assert counts[funnel.WON] == 1
    assert counts[funnel.SUBSCRIBED] == 1
    assert counts[funnel.EXPERIENCE] == 1
    assert counts[funnel.HANDOFF] == 1
    assert counts[funnel.CLAIMED] == 1


async def test_first_purchase_amount_is_kept(population: Database) -> None:
    again = await funnel.first_purchase(population, 1, "soleil", 1, 9999.0, "rajasthan", None)
    purchase = await purchases.get_purchase(population, 1)

    assert again is False
    assert purchase is not None
    assert purchase.amount == 2490.0
    assert purchase.returns_on == DEPARTED + dtm.timedelta(days=12)


async def test_purchase_without_campaign_uses_first_touch(db: Database) -> None:
    await add_person(db, 7, "culture")
    await funnel.first_purchase(db, 7, None, 70, 800.0, None, None, currency="EUR")
    event = await db.fetch_one("SELECT campaign, amount FROM events WHERE kind = 'won'")

    assert event["campaign"] == "culture"
    assert event["amount"] == 800.0


async def test_window_leaves_out_old_events(population: Database,
                                            demo_catalog: Catalog) -> None:
    old = (dtm.datetime.now(dtm.UTC) - dtm.timedelta(days=100)).isoformat()
    await population.execute("UPDATE events SET created_at = ? WHERE user_id = 2", (old,))
    recent = await funnel_report(population, demo_catalog.campaigns, 30)
    everything = await funnel_report(population, demo_catalog.campaigns, None)

    assert row(recent, "soleil").count(funnel.WON) == 1
    assert row(recent, "soleil").revenue_total == 2490.0
    assert row(everything, "soleil").count(funnel.WON) == 2


def test_parse_days() -> None:
    assert parse_days([]) is None
    assert parse_days(["30"]) == 30
    assert isinstance(parse_days(["0"]), ValueError)
    assert isinstance(parse_days(["abc"]), ValueError)
    assert isinstance(parse_days(["3651"]), ValueError)
    assert isinstance(parse_days(["7", "8"]), ValueError)
