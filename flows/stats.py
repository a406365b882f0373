"""Funnel statistics per campaign: people per stage, conversion, revenue, spend and ROI.

Each stage is counted on its own (distinct people with that event), so a person who skips a
stage, such as buying without subscribing, still counts at every stage they reached. Each
event carries the campaign of the visit it happened in, so one person may count for several
campaigns. The total row counts each person once.
"""

from __future__ import annotations

import dataclasses
import datetime as dtm
from collections import defaultdict
from collections.abc import Iterable, Mapping

from catalog.models import Campaign
from flows import funnel
from store import stats as queries
from store.db import Database
from store.stats import RatingRow, RevenueRow, StageRow

# The main path, in order: conversion and skips compare each stage with the one before.
MAIN_PATH = (funnel.ARRIVAL, funnel.QUIZ_FINISHED, funnel.CART, funnel.HANDOFF, funnel.WON,
             funnel.EXPERIENCE)
STAGES = (*MAIN_PATH, funnel.SUBSCRIBED)
# The newsletter is a side stage: its conversion is measured against arrivals.
_PREVIOUS = {**dict(zip(MAIN_PATH[1:], MAIN_PATH)), funnel.SUBSCRIBED: funnel.ARRIVAL}
MAX_DAYS = 3650


@dataclasses.dataclass(frozen=True)
class CampaignFunnel:
    """One row of the report. `campaign` is None for people who came without a link."""

    campaign: str | None
    people: Mapping[str, int]
    skipped: Mapping[str, int]
    won_without_newsletter: int
    revenue: Mapping[str | None, float]
    spend: float | None
    spend_currency: str | None
    reached: int | None
    average_rating: float | None

    def count(self, kind: str) -> int:
        return self.people.get(kind, 0)

    def conversion(self, kind: str) -> float | None:
        """Share of the previous stage's people who reached this stage (may exceed 1)."""
        previous = _PREVIOUS.get(kind)
        if previous is None or not self.count(previous):
            return None
        return self.count(kind) / self.count(previous)

    @property
    def activation_rate(self) -> float | None:
        """Arrivals divided by the audience the campaign reached."""
        if not self.reached:
            return None
        return self.count(funnel.ARRIVAL) / self.reached

    @property
    def revenue_currency(self) -> str | None:
        """The one currency of the revenue; None when it is empty, unknown or mixed."""
        currencies = {currency for currency in self.revenue if currency}
        if len(currencies) == 1:
            return currencies.pop()
        return self.spend_currency if not currencies else None

    @property
    def revenue_total(self) -> float | None:
        """Revenue in revenue_currency; None when amounts in several currencies are mixed."""
        currencies = {currency for currency in self.revenue if currency}
        if len(currencies) > 1:
            return None
        return sum(self.revenue.values())

    @property
    def roi(self) -> float | None:
        """(revenue - spend) / spend, when spend is known and both are in one currency."""
        total = self.revenue_total
        if not self.spend or total is None:
            return None
        if total and self.revenue_currency != self.spend_currency:
            return None
        return (total - self.spend) / self.spend


@dataclasses.dataclass(frozen=True)
class FunnelReport:
    days: int | None
    total: CampaignFunnel
    campaigns: list[CampaignFunnel]
    declared_sources: list[tuple[str, int]]


def since_for(days: int | None, now: dtm.datetime) -> str | None:
    if days is None:
        return None
    return (now - dtm.timedelta(days=days)).isoformat(timespec="milliseconds")


def parse_days(args: list[str]) -> int | None | ValueError:
    """Read the optional /stats argument: None for all time, else 1 to MAX_DAYS."""
    if not args:
        return None
    if len(args) == 1 and args[0].isdigit() and 1 <= int(args[0]) <= MAX_DAYS:
        return int(args[0])
    return ValueError(" ".join(args))


@dataclasses.dataclass(frozen=True)
class _Budget:
    spend: float | None = None
    currency: str | None = None
    reached: int | None = None


def _budget(campaign: Campaign | None) -> _Budget:
    if campaign is None:
        return _Budget()
    return _Budget(campaign.spend, campaign.currency, campaign.reached)


def _funnel(campaign: str | None, people: dict[str, set[int]], subscribers: set[int],
            revenue: Mapping[str | None, float], ratings: list[int],
            budget: _Budget) -> CampaignFunnel:
    skipped = {kind: len(people.get(kind, set()) - people.get(previous, set()))
               for kind, previous in _PREVIOUS.items() if kind != funnel.SUBSCRIBED}
    return CampaignFunnel(
        campaign=campaign,
        people={kind: len(people.get(kind, set())) for kind in STAGES},
        skipped=skipped,
        won_without_newsletter=len(people.get(funnel.WON, set()) - subscribers),
        revenue=dict(revenue),
        spend=budget.spend,
        spend_currency=budget.currency,
        reached=budget.reached,
        average_rating=sum(ratings) / len(ratings) if ratings else None,
    )


def _total_budget(campaigns: Iterable[Campaign]) -> _Budget:
    """Sum the spend of all campaigns; none when their currencies are mixed.

    The audience is left out: arrivals without a link would inflate a total activation rate.
    """
    spent = [c for c in campaigns if c.spend]
    currencies = {c.currency for c in spent}
    if not spent or len(currencies) != 1:
        return _Budget()
    return _Budget(sum(c.spend or 0 for c in spent), currencies.pop())


def build_report(stage_rows: Iterable[StageRow], revenue_rows: Iterable[RevenueRow],
                 rating_rows: Iterable[RatingRow], declared: list[tuple[str, int]],
                 campaigns: Mapping[str, Campaign], days: int | None) -> FunnelReport:
    """Aggregate raw rows into one funnel per campaign plus a total that counts people once."""
    by_campaign: dict[str | None, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    overall: dict[str, set[int]] = defaultdict(set)
    for row in stage_rows:
        by_campaign[row.campaign][row.kind].add(row.user_id)
        overall[row.kind].add(row.user_id)
    subscribers = overall.get(funnel.SUBSCRIBED, set())

    revenue: dict[str | None, dict[str | None, float]] = defaultdict(lambda: defaultdict(float))
    overall_revenue: dict[str | None, float] = defaultdict(float)
    for item in revenue_rows:
        revenue[item.campaign][item.currency] += item.amount
        overall_revenue[item.currency] += item.amount

    ratings: dict[str | None, list[int]] = defaultdict(list)
    for rating in rating_rows:
        ratings[rating.campaign].append(rating.rating)

    # Catalog campaigns first, in catalog order, even without activity (their spend counts);
    # then codes seen only in events (newsletter issues, retired campaigns); then no link.
    seen = set(by_campaign) | set(revenue)
    order: list[str | None] = list(campaigns)
    order += sorted(code for code in seen if code is not None and code not in campaigns)
    if None in seen:
        order.append(None)

    rows = [_funnel(code, by_campaign.get(code, {}), subscribers, revenue.get(code, {}),
                    ratings.get(code, []), _budget(campaigns.get(code) if code else None))
            for code in order]
    total = _funnel(None, overall, subscribers, overall_revenue,
                    [r for values in ratings.values() for r in values],
                    _total_budget(campaigns.values()))
    return FunnelReport(days, total, rows, declared)


async def funnel_report(db: Database, campaigns: Mapping[str, Campaign], days: int | None,
                        now: dtm.datetime | None = None) -> FunnelReport:
    """Read the events of the last `days` days (all of them for None) and build the report."""
    since = since_for(days, now or dtm.datetime.now(dtm.UTC))
    return build_report(
        await queries.stage_rows(db, STAGES, since),
        await queries.revenue_rows(db, funnel.WON, since),
        await queries.rating_rows(db, funnel.EXPERIENCE, since),
        await queries.declared_sources(db, funnel.SOURCE_DECLARED, since),
        campaigns, days)
