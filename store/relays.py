"""The relay queue and the map between customer messages and their copies in the agents' group.

Direction "in" goes from a customer to the group and "out" from an advisor to a customer. A
relays row always names the customer-side and the group-side message, whichever was first.
"""

from __future__ import annotations

import dataclasses

from store.db import Database, utc_now


@dataclasses.dataclass(frozen=True)
class QueuedMessage:
    """A message waiting to be copied (or an edit waiting to be applied) on the other side.

    reply_to_message_id is always a message of the customer's chat, in both directions: the
    group side is looked up when sending, since the group may change in between.
    """

    id: int
    lead_id: int
    direction: str
    action: str
    from_chat_id: int
    message_id: int
    media_group_id: str | None
    reply_to_message_id: int | None
    payload: str | None
    attempts: int
    created_at: str


@dataclasses.dataclass(frozen=True)
class Delivered:
    """One message that reached the other side: the original and its copy."""

    item: QueuedMessage
    customer_chat_id: int
    customer_message_id: int
    group_chat_id: int
    group_message_id: int


_COLUMNS = ("id, lead_id, direction, action, from_chat_id, message_id, media_group_id, "
            "reply_to_message_id, payload, attempts, created_at")


async def enqueue(db: Database, lead_id: int, direction: str, action: str, from_chat_id: int,
                  message_id: int, dedup_key: str, *, media_group_id: str | None = None,
                  reply_to_message_id: int | None = None, payload: str | None = None) -> bool:
    """Queue a message for relay; False if the same update was queued before."""
    now = utc_now()
    changed = await db.execute_count(
        "INSERT OR IGNORE INTO relay_queue (lead_id, direction, action, from_chat_id, message_id, "
        "media_group_id, reply_to_message_id, payload, dedup_key, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (lead_id, direction, action, from_chat_id, message_id, media_group_id,
         reply_to_message_id, payload, dedup_key, now, now))
    return changed > 0


async def pending(db: Database, lead_id: int, limit: int = 20) -> list[QueuedMessage]:
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM relay_queue WHERE status = 'pending' AND lead_id = ? "
        "ORDER BY id LIMIT ?", (lead_id, limit))
    return [QueuedMessage(**dict(row)) for row in rows]


async def leads_with_pending(db: Database, limit: int = 50) -> list[int]:
    rows = await db.fetch_all(
        "SELECT DISTINCT lead_id FROM relay_queue WHERE status = 'pending' ORDER BY lead_id "
        "LIMIT ?", (limit,))
    return [int(row["lead_id"]) for row in rows]


async def mark_delivered(db: Database, delivered: list[Delivered]) -> None:
    """Store the copies in the map and take their messages off the queue, in one transaction.

    Each queued message leaves the queue once, however many copies it produced.
    """
    now = utc_now()
    async with db.transaction() as connection:
        for copy in delivered:
            await connection.execute(
                "INSERT INTO relays (lead_id, customer_chat_id, customer_message_id, "
                "group_chat_id, group_message_id, direction, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (copy.item.lead_id, copy.customer_chat_id, copy.customer_message_id,
                 copy.group_chat_id, copy.group_message_id, copy.item.direction, now))
        for item_id in {copy.item.id for copy in delivered}:
            await connection.execute(
                "UPDATE relay_queue SET status = 'sent', payload = NULL, updated_at = ? "
                "WHERE id = ?", (now, item_id))


async def mark_done(db: Database, item_ids: list[int], status: str) -> None:
    """Take messages off the queue without a new copy: "sent" (an edit applied in place) or
    "dropped" (the message cannot be relayed)."""
    now = utc_now()
    async with db.transaction() as connection:
        for item_id in item_ids:
            await connection.execute(
                "UPDATE relay_queue SET status = ?, payload = NULL, updated_at = ? WHERE id = ?",
                (status, now, item_id))


async def count_attempt(db: Database, item_ids: list[int]) -> None:
    async with db.transaction() as connection:
        for item_id in item_ids:
            await connection.execute(
                "UPDATE relay_queue SET attempts = attempts + 1, updated_at = ? WHERE id = ?",
                (utc_now(), item_id))


async def drop_pending_out(db: Database, lead_id: int) -> int:
    """Drop the advisors' messages still waiting for a customer who can no longer get them."""
    return await db.execute_count(
        "UPDATE relay_queue SET status = 'dropped', payload = NULL, updated_at = ? "
        "WHERE lead_id = ? AND direction = 'out' AND status = 'pending'", (utc_now(), lead_id))


async def latest_album_item(db: Database, lead_id: int, media_group_id: str) -> str | None:
    """Return when the newest queued item of an album was queued."""
    row = await db.fetch_one(
        "SELECT MAX(created_at) FROM relay_queue WHERE lead_id = ? AND media_group_id = ?",
        (lead_id, media_group_id))
    return str(row[0]) if row and row[0] else None


async def group_copy(db: Database, customer_chat_id: int,
                     customer_message_id: int) -> tuple[int, int] | None:
    """Return (group chat, message) of the latest group copy of a customer's message."""
    row = await db.fetch_one(
        "SELECT group_chat_id, group_message_id FROM relays WHERE customer_chat_id = ? "
        "AND customer_message_id = ? AND direction = 'in' ORDER BY id DESC LIMIT 1",
        (customer_chat_id, customer_message_id))
    return (int(row[0]), int(row[1])) if row else None


async def customer_copy(db: Database, group_chat_id: int, group_message_id: int) -> int | None:
    """Return the message id of the customer's copy of an advisor's message."""
    row = await db.fetch_one(
        "SELECT customer_message_id FROM relays WHERE group_chat_id = ? "
        "AND group_message_id = ? AND direction = 'out' ORDER BY id DESC LIMIT 1",
        (group_chat_id, group_message_id))
    return int(row[0]) if row else None


async def group_message_for(db: Database, customer_chat_id: int, customer_message_id: int,
                            group_chat_id: int) -> int | None:
    """Return the group-side twin, in a given group chat, of a message of the customer's chat."""
    row = await db.fetch_one(
        "SELECT group_message_id FROM relays WHERE customer_chat_id = ? "
        "AND customer_message_id = ? AND group_chat_id = ? ORDER BY id DESC LIMIT 1",
        (customer_chat_id, customer_message_id, group_chat_id))
    return int(row[0]) if row else None


async def by_group_message(db: Database, group_chat_id: int,
                           group_message_id: int) -> tuple[int, int] | None:
    """Return (lead, customer-side message) for a message of the group that was relayed."""
    row = await db.fetch_one(
        "SELECT lead_id, customer_message_id FROM relays WHERE group_chat_id = ? "
        "AND group_message_id = ? ORDER BY id DESC LIMIT 1", (group_chat_id, group_message_id))
    return (int(row[0]), int(row[1])) if row else None
