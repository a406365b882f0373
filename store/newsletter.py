"""Newsletter issues and one delivery row per recipient, so that a send resumes after a restart.

Delivery statuses:
  pending   not tried yet
  sending   claimed by a running batch
  sent      delivered
  blocked   Telegram answered 403: the person blocked the bot
  failed    Telegram rejected the message for another reason
  unknown   interrupted between the Bot API call and its record, so it may have arrived
  skipped   the person erased their data before delivery
Only pending rows are ever sent, which is what rules out a second copy.
"""

from __future__ import annotations

import dataclasses

from store.db import Database, utc_now
from store.event_rows import fetch_value


@dataclasses.dataclass(frozen=True)
class Issue:
    id: int
    created_by: int
    text: str
    campaign: str | None
    status: str
    recipients: int
    progress_chat_id: int | None
    progress_message_id: int | None


@dataclasses.dataclass(frozen=True)
class Recipient:
    user_id: int
    language: str


_COLUMNS = ("id, created_by, text, campaign, status, recipients, progress_chat_id, "
            "progress_message_id")


async def create_issue(db: Database, created_by: int, text: str, campaign: str | None) -> int:
    return await db.execute(
        "INSERT INTO newsletter_issues (created_by, text, campaign, status, created_at) "
        "VALUES (?, ?, ?, 'draft', ?)", (created_by, text, campaign, utc_now()))


async def get_issue(db: Database, issue_id: int) -> Issue | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM newsletter_issues WHERE id = ?",
                             (issue_id,))
    return Issue(**dict(row)) if row else None


async def start_sending(db: Database, issue_id: int, progress_chat_id: int,
                        progress_message_id: int) -> int | None:
    """Turn a draft into a send: fix the recipient list now, in the same transaction.

    Returns the number of recipients, or None when the issue is no longer a draft.
    """
    async with db.transaction() as connection:
        cursor = await connection.execute(
            "UPDATE newsletter_issues SET status = 'sending', started_at = ?, "
            "progress_chat_id = ?, progress_message_id = ? WHERE id = ? AND status = 'draft'",
            (utc_now(), progress_chat_id, progress_message_id, issue_id))
        started = cursor.rowcount > 0
        await cursor.close()
        if not started:
            return None
        await connection.execute(
            "INSERT INTO newsletter_deliveries (issue_id, user_id, status) "
            "SELECT ?, s.user_id, 'pending' FROM subscriptions s "
            "JOIN people p ON p.user_id = s.user_id "
            "WHERE s.status = 'subscribed' AND p.active = 1", (issue_id,))
        count = int(await fetch_value(
            connection, "SELECT COUNT(*) FROM newsletter_deliveries WHERE issue_id = ?",
            (issue_id,)))
        await connection.execute("UPDATE newsletter_issues SET recipients = ? WHERE id = ?",
                                 (count, issue_id))
    return count


async def cancel_issue(db: Database, issue_id: int) -> bool:
    changed = await db.execute_count(
        "UPDATE newsletter_issues SET status = 'cancelled', finished_at = ? "
        "WHERE id = ? AND status = 'draft'", (utc_now(), issue_id))
    return changed > 0


async def sending_issue(db: Database) -> Issue | None:
    """Return the oldest issue still being sent; issues go out one after another."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM newsletter_issues WHERE status = 'sending' "
        "ORDER BY id LIMIT 1")
    return Issue(**dict(row)) if row else None


async def mark_interrupted(db: Database) -> int:
    """Mark rows left in 'sending' by a crash as 'unknown'; call it at start-up only."""
    return await db.execute_count(
        "UPDATE newsletter_deliveries SET status = 'unknown' WHERE status = 'sending'")


async def claim_batch(db: Database, issue_id: int, limit: int) -> list[Recipient]:
    """Mark up to `limit` pending deliveries as sending and return their recipients."""
    async with db.transaction() as connection:
        cursor = await connection.execute(
            "SELECT d.user_id, COALESCE(p.language, 'fr') AS language "
            "FROM newsletter_deliveries d LEFT JOIN people p ON p.user_id = d.user_id "
            "WHERE d.issue_id = ? AND d.status = 'pending' ORDER BY d.user_id LIMIT ?",
            (issue_id, limit))
        rows = list(await cursor.fetchall())
        await cursor.close()
        recipients = [Recipient(row["user_id"], row["language"]) for row in rows]
        await connection.executemany(
            "UPDATE newsletter_deliveries SET status = 'sending' "
            "WHERE issue_id = ? AND user_id = ? AND status = 'pending'",
            [(issue_id, recipient.user_id) for recipient in recipients])
    return recipients


async def record_delivery(db: Database, issue_id: int, user_id: int, status: str,
                          message_id: int | None = None) -> None:
    """Record the outcome of a claimed delivery; 'pending' releases it to be tried again."""
    await db.execute(
        "UPDATE newsletter_deliveries SET status = ?, message_id = ?, sent_at = ? "
        "WHERE issue_id = ? AND user_id = ? AND status = 'sending'",
        (status, message_id, utc_now() if status == "sent" else None, issue_id, user_id))


async def delivery_counts(db: Database, issue_id: int) -> dict[str, int]:
    rows = await db.fetch_all(
        "SELECT status, COUNT(*) AS n FROM newsletter_deliveries WHERE issue_id = ? "
        "GROUP BY status", (issue_id,))
    return {row["status"]: int(row["n"]) for row in rows}


async def finish_issue(db: Database, issue_id: int) -> bool:
    """Close the send once nothing is pending or in flight; True if it was closed now."""
    changed = await db.execute_count(
        "UPDATE newsletter_issues SET status = 'sent', finished_at = ? "
        "WHERE id = ? AND status = 'sending' AND NOT EXISTS ("
        "SELECT 1 FROM newsletter_deliveries WHERE issue_id = ? "
        "AND status IN ('pending', 'sending'))", (utc_now(), issue_id, issue_id))
    return changed > 0


async def was_sent_to(db: Database, issue_id: int, user_id: int) -> bool:
    row = await db.fetch_one(
        "SELECT 1 FROM newsletter_deliveries WHERE issue_id = ? AND user_id = ? "
        "AND status IN ('sent', 'unknown')", (issue_id, user_id))
    return row is not None
