"""Leads handed to the advisors' group and the messages the bot posted there for each lead."""

from __future__ import annotations

import dataclasses

import aiosqlite

from store.db import Database, utc_now

OPEN = "open"


@dataclasses.dataclass(frozen=True)
class Lead:
    id: int
    user_id: int
    cart_id: int | None
    agent_chat_id: int | None
    topic_id: int | None
    card_message_id: int | None
    status: str
    claimed_by: int | None
    claimed_by_name: str | None
    outcome: str | None
    outcome_detail: str | None
    amount: float | None
    reminders: int
    reminded_at: str | None
    campaign: str | None
    language: str | None
    created_at: str


_COLUMNS = ("id, user_id, cart_id, agent_chat_id, topic_id, card_message_id, status, "
            "claimed_by, claimed_by_name, outcome, outcome_detail, amount, reminders, "
            "reminded_at, campaign, language, created_at")


def _lead(row: aiosqlite.Row) -> Lead:
    return Lead(**{name: row[name] for name in row.keys()})


async def open_lead(db: Database, user_id: int, cart_id: int | None, campaign: str | None,
                    language: str) -> tuple[Lead, bool]:
    """Open a lead for the person unless one is open already; return it and whether it is new."""
    now = utc_now()
    async with db.transaction() as connection:
        cursor = await connection.execute(
            f"SELECT {_COLUMNS} FROM leads WHERE user_id = ? AND status = 'open'", (user_id,))
        existing = await cursor.fetchone()
        await cursor.close()
        if existing is not None:
            return _lead(existing), False
        cursor = await connection.execute(
            "INSERT INTO leads (user_id, cart_id, status, campaign, language, created_at, "
            "updated_at) VALUES (?, ?, 'open', ?, ?, ?, ?)",
            (user_id, cart_id, campaign, language, now, now))
        lead_id = cursor.lastrowid
        await cursor.close()
    assert lead_id is not None
    lead = await get_lead(db, lead_id)
    assert lead is not None
    return lead, True


async def get_lead(db: Database, lead_id: int) -> Lead | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM leads WHERE id = ?", (lead_id,))
    return _lead(row) if row else None


async def open_lead_of(db: Database, user_id: int) -> Lead | None:
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM leads WHERE user_id = ? AND status = 'open'", (user_id,))
    return _lead(row) if row else None


async def latest_lead_of(db: Database, user_id: int) -> Lead | None:
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM leads WHERE user_id = ? ORDER BY id DESC LIMIT 1", (user_id,))
    return _lead(row) if row else None


async def lead_by_topic(db: Database, chat_id: int, topic_id: int) -> Lead | None:
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM leads WHERE agent_chat_id = ? AND topic_id = ? "
        "ORDER BY id DESC LIMIT 1", (chat_id, topic_id))
    return _lead(row) if row else None


async def open_leads(db: Database, limit: int = 200) -> list[Lead]:
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM leads WHERE status = 'open' ORDER BY id LIMIT ?", (limit,))
    return [_lead(row) for row in rows]


async def undelivered(db: Database, chat_id: int, limit: int = 20) -> list[Lead]:
    """Return the open leads that have no card in the agents' group in use.

    Their card was never posted, or was posted before the group became a supergroup.
    """
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM leads WHERE status = 'open' AND (card_message_id IS NULL "
        "OR agent_chat_id IS NULL OR agent_chat_id != ?) ORDER BY id LIMIT ?", (chat_id, limit))
    return [_lead(row) for row in rows]


async def unclaimed(db: Database, max_reminders: int) -> list[Lead]:
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM leads WHERE status = 'open' AND claimed_by IS NULL "
        "AND card_message_id IS NOT NULL AND reminders < ? ORDER BY id", (max_reminders,))
    return [_lead(row) for row in rows]


async def set_topic(db: Database, lead_id: int, chat_id: int, topic_id: int | None) -> None:
    """Point the lead at a new place in the group; its card there is still to be posted."""
    await db.execute(
        "UPDATE leads SET agent_chat_id = ?, topic_id = ?, card_message_id = NULL, "
        "updated_at = ? WHERE id = ?", (chat_id, topic_id, utc_now(), lead_id))


async def set_card(db: Database, lead_id: int, chat_id: int, card_message_id: int) -> None:
    """Record the card's message and the post that routes replies to it, in one transaction."""
    now = utc_now()
    async with db.transaction() as connection:
        await connection.execute(
            "UPDATE leads SET agent_chat_id = ?, card_message_id = ?, updated_at = ? "
            "WHERE id = ?", (chat_id, card_message_id, now, lead_id))
        await connection.execute(
            "INSERT OR REPLACE INTO lead_posts (group_chat_id, group_message_id, lead_id, kind, "
            "created_at) VALUES (?, ?, ?, 'card', ?)", (chat_id, card_message_id, lead_id, now))


async def forget_card(db: Database, lead_id: int, topic_too: bool) -> None:
    """Forget a card (and its topic) that was deleted from the group, so it is posted again."""
    topic_sql = ", topic_id = NULL" if topic_too else ""
    await db.execute(f"UPDATE leads SET card_message_id = NULL{topic_sql}, updated_at = ? "
                     "WHERE id = ?", (utc_now(), lead_id))


async def claim(db: Database, lead_id: int, advisor_id: int, advisor_name: str) -> bool:
    changed = await db.execute_count(
        "UPDATE leads SET claimed_by = ?, claimed_by_name = ?, updated_at = ? "
        "WHERE id = ? AND status = 'open' AND claimed_by IS NULL",
        (advisor_id, advisor_name, utc_now(), lead_id))
    return changed > 0


async def set_outcome(db: Database, lead_id: int, outcome: str, amount: float | None,
                      detail: str | None, previous: str | None) -> bool:
    """Set won or lost if the outcome is still `previous`, so that two clicks write once."""
    changed = await db.execute_count(
        "UPDATE leads SET outcome = ?, amount = ?, outcome_detail = ?, updated_at = ? "
        "WHERE id = ? AND outcome IS ?",
        (outcome, amount, detail, utc_now(), lead_id, previous))
    return changed > 0


async def close(db: Database, lead_id: int, status: str) -> bool:
    """End an open conversation ("ended" by an advisor, "blocked" by the customer)."""
    now = utc_now()
    changed = await db.execute_count(
        "UPDATE leads SET status = ?, closed_at = ?, updated_at = ? "
        "WHERE id = ? AND status = 'open'", (status, now, now, lead_id))
    return changed > 0


async def reopen_blocked(db: Database, user_id: int) -> Lead | None:
    """Reopen the person's latest lead if it was closed because they blocked the bot."""
    latest = await latest_lead_of(db, user_id)
    if latest is None or latest.status != "blocked":
        return None
    changed = await db.execute_count(
        "UPDATE leads SET status = 'open', closed_at = NULL, updated_at = ? WHERE id = ? "
        "AND NOT EXISTS (SELECT 1 FROM leads WHERE user_id = ? AND status = 'open')",
        (utc_now(), latest.id, user_id))
    return await get_lead(db, latest.id) if changed else None


async def mark_reminded(db: Database, lead_id: int) -> None:
    now = utc_now()
    await db.execute("UPDATE leads SET reminders = reminders + 1, reminded_at = ?, "
                     "updated_at = ? WHERE id = ?", (now, now, lead_id))


async def add_post(db: Database, chat_id: int, message_id: int, lead_id: int, kind: str) -> None:
    await db.execute(
        "INSERT OR REPLACE INTO lead_posts (group_chat_id, group_message_id, lead_id, kind, "
        "created_at) VALUES (?, ?, ?, ?, ?)", (chat_id, message_id, lead_id, kind, utc_now()))


async def lead_of_post(db: Database, chat_id: int, message_id: int) -> int | None:
    row = await db.fetch_one(
        "SELECT lead_id FROM lead_posts WHERE group_chat_id = ? AND group_message_id = ?",
        (chat_id, message_id))
    return int(row["lead_id"]) if row else None


async def arrival_time(db: Database, user_id: int, campaign: str | None) -> str | None:
    """Return when the person first arrived, through the campaign if it is known."""
    if campaign:
        row = await db.fetch_one(
            "SELECT MIN(created_at) FROM events WHERE user_id = ? AND kind = 'arrival' "
            "AND campaign = ?", (user_id, campaign))
        if row and row[0]:
            return str(row[0])
    row = await db.fetch_one("SELECT first_seen_at FROM people WHERE user_id = ?", (user_id,))
    return str(row[0]) if row and row[0] else None
