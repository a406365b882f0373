"""Read-only queries behind /stats: who reached which funnel stage, revenue, ratings, sources."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from store.db import Database


@dataclasses.dataclass(frozen=True)
class StageRow:
    campaign: str | None
    user_id: int
    kind: str


@dataclasses.dataclass(frozen=True)
class RevenueRow:
    campaign: str | None
    currency: str | None
    amount: float


@dataclasses.dataclass(frozen=True)
class RatingRow:
    campaign: str | None
    rating: int


def _window(since: str | None) -> tuple[str, tuple[str, ...]]:
    return ("AND created_at >= ?", (since,)) if since else ("", ())


async def stage_rows(db: Database, kinds: Sequence[str], since: str | None) -> list[StageRow]:
    """Return one row per campaign, person and stage reached; repeats of an event collapse."""
    where, window = _window(since)
    marks = ", ".join("?" for _ in kinds)
    rows = await db.fetch_all(
        f"SELECT DISTINCT campaign, user_id, kind FROM events WHERE kind IN ({marks}) "
        f"AND user_id IS NOT NULL {where}", (*kinds, *window))
    return [StageRow(row["campaign"], row["user_id"], row["kind"]) for row in rows]


async def revenue_rows(db: Database, won_kind: str, since: str | None) -> list[RevenueRow]:
    where, window = _window(since)
    rows = await db.fetch_all(
        "SELECT campaign, json_extract(detail, '$.currency') AS currency, "
        f"SUM(amount) AS amount FROM events WHERE kind = ? AND amount IS NOT NULL {where} "
        "GROUP BY campaign, currency", (won_kind, *window))
    return [RevenueRow(row["campaign"], row["currency"], float(row["amount"])) for row in rows]


async def rating_rows(db: Database, experience_kind: str, since: str | None) -> list[RatingRow]:
    where, window = _window(since)
    rows = await db.fetch_all(
        "SELECT campaign, json_extract(detail, '$.rating') AS rating FROM events "
        f"WHERE kind = ? {where}", (experience_kind, *window))
    return [RatingRow(row["campaign"], int(row["rating"])) for row in rows
            if row["rating"] is not None]


async def declared_sources(db: Database, declared_kind: str,
                           since: str | None) -> list[tuple[str, int]]:
    """Count the people who declared each source, most frequent first."""
    where, window = _window(since)
    rows = await db.fetch_all(
        "SELECT json_extract(detail, '$.source') AS source, COUNT(DISTINCT user_id) AS n "
        f"FROM events WHERE kind = ? {where} GROUP BY source ORDER BY n DESC, source",
        (declared_kind, *window))
    return [(str(row["source"]), int(row["n"])) for row in rows]
