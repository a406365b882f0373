"""Won leads (funnel stage 3) and the trip feedback asked after their return date (stage 4)."""

from __future__ import annotations

import dataclasses
import datetime as dtm

from store.db import Database, utc_now
from store.event_rows import fetch_value, insert_event


@dataclasses.dataclass(frozen=True)
class Purchase:
    lead_id: int
    user_id: int
    campaign: str | None
    trip_id: str | None
    amount: float
    currency: str | None
    departure: dtm.date | None
    duration_days: int | None
    returns_on: dtm.date | None
    created_at: str
    feedback_status: str
    rating: int | None


@dataclasses.dataclass(frozen=True)
class FeedbackRecipient:
    """A person to ask how their trip went, with what the question needs."""

    lead_id: int
    user_id: int
    trip_id: str | None
    language: str


_COLUMNS = ("lead_id, user_id, campaign, trip_id, amount, currency, departure, duration_days, "
            "returns_on, created_at, feedback_status, rating")


def _date(value: str | None) -> dtm.date | None:
    return dtm.date.fromisoformat(value) if value else None


def _purchase(row) -> Purchase:  # type: ignore[no-untyped-def]
    return Purchase(
        lead_id=row["lead_id"], user_id=row["user_id"], campaign=row["campaign"],
        trip_id=row["trip_id"], amount=row["amount"], currency=row["currency"],
        departure=_date(row["departure"]), duration_days=row["duration_days"],
        returns_on=_date(row["returns_on"]), created_at=row["created_at"],
        feedback_status=row["feedback_status"], rating=row["rating"],
    )


async def record_purchase(db: Database, event_kind: str, *, lead_id: int, user_id: int,
                          campaign: str | None, trip_id: str | None, amount: float,
                          currency: str | None, departure: dtm.date | None,
                          duration_days: int | None, returns_on: dtm.date | None) -> bool:
    """Store a won lead and its funnel event in one transaction; False if the lead was known.

    Without a campaign the purchase is credited to the person's first-touch campaign.
    """
    async with db.transaction() as connection:
        if campaign is None:
            campaign = await fetch_value(
                connection, "SELECT first_campaign FROM people WHERE user_id = ?", (user_id,))
        cursor = await connection.execute(
            f"INSERT OR IGNORE INTO purchases ({_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting', NULL)",
            (lead_id, user_id, campaign, trip_id, amount, currency,
             departure.isoformat() if departure else None, duration_days,
             returns_on.isoformat() if returns_on else None, utc_now()))
        created = cursor.rowcount > 0
        await cursor.close()
        if created:
            await insert_event(connection, event_kind, f"{event_kind}:{lead_id}", user_id=user_id,
                               campaign=campaign, amount=amount,
                               detail={"trip": trip_id, "currency": currency, "lead": lead_id})
    return created


async def get_purchase(db: Database, lead_id: int) -> Purchase | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM purchases WHERE lead_id = ?", (lead_id,))
    return _purchase(row) if row else None


async def without_return_date(db: Database) -> list[Purchase]:
    """Purchases still waiting for feedback whose return date is not known yet."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM purchases WHERE feedback_status = 'waiting' "
        "AND returns_on IS NULL")
    return [_purchase(row) for row in rows]


async def set_dates(db: Database, lead_id: int, departure: dtm.date, duration_days: int,
                    returns_on: dtm.date) -> None:
    await db.execute(
        "UPDATE purchases SET departure = ?, duration_days = ?, returns_on = ? "
        "WHERE lead_id = ? AND returns_on IS NULL",
        (departure.isoformat(), duration_days, returns_on.isoformat(), lead_id))


async def due_for_feedback(db: Database, today: dtm.date, limit: int) -> list[FeedbackRecipient]:
    """Active people whose trip returned before today and who were never asked about it."""
    rows = await db.fetch_all(
        "SELECT p.lead_id, p.user_id, p.trip_id, people.language FROM purchases p "
        "JOIN people ON people.user_id = p.user_id "
        "WHERE p.feedback_status = 'waiting' AND p.returns_on < ? AND people.active = 1 "
        "ORDER BY p.returns_on, p.lead_id LIMIT ?",
        (today.isoformat(), limit))
    return [FeedbackRecipient(row["lead_id"], row["user_id"], row["trip_id"], row["language"])
            for row in rows]


async def mark_asked(db: Database, lead_id: int) -> bool:
    """Claim the question before sending it, so that a person is never asked twice."""
    changed = await db.execute_count(
        "UPDATE purchases SET feedback_status = 'asked', asked_at = ? "
        "WHERE lead_id = ? AND feedback_status = 'waiting'", (utc_now(), lead_id))
    return changed > 0


async def rate(db: Database, event_kind: str, lead_id: int, user_id: int, rating: int) -> bool:
    """Record the rating and the "experienced" event once; False if already rated or foreign."""
    async with db.transaction() as connection:
        cursor = await connection.execute(
            "UPDATE purchases SET feedback_status = 'rated', rating = ?, rated_at = ? "
            "WHERE lead_id = ? AND user_id = ? AND feedback_status = 'asked'",
            (rating, utc_now(), lead_id, user_id))
        changed = cursor.rowcount > 0
        await cursor.close()
        if changed:
            campaign = await fetch_value(
                connection, "SELECT campaign FROM purchases WHERE lead_id = ?", (lead_id,))
            await insert_event(connection, event_kind, f"{event_kind}:{lead_id}",
                               user_id=user_id, campaign=campaign,
                               detail={"rating": rating, "lead": lead_id})
    return changed


async def awaiting_comment(db: Database, user_id: int, rated_since: str) -> int | None:
    """Return the lead this person rated since `rated_since` and has not commented on yet."""
    row = await db.fetch_one(
        "SELECT lead_id FROM purchases WHERE user_id = ? AND feedback_status = 'rated' "
        "AND rated_at >= ? ORDER BY rated_at DESC LIMIT 1", (user_id, rated_since))
    return int(row["lead_id"]) if row else None


async def close_feedback(db: Database, lead_id: int, user_id: int,
                         comment: str | None) -> bool:
    """Store the optional comment and close the feedback; False if it was already closed."""
    changed = await db.execute_count(
        "UPDATE purchases SET feedback_status = 'done', comment = ?, commented_at = ? "
        "WHERE lead_id = ? AND user_id = ? AND feedback_status = 'rated'",
        (comment, utc_now() if comment else None, lead_id, user_id))
    return changed > 0
