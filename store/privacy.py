"""Erasing a person: their data is deleted or cut from their Telegram id, counts stay anonymous.

Every table that stores a person's data must appear below, or /forget would leave it behind.
"""

from __future__ import annotations

from store.db import Database, utc_now
from store.event_rows import fetch_value, insert_event

# Each statement names its table and takes (:anon, :user, :now). Rows are re-keyed to a random
# negative id instead of deleted, so that funnel counts of distinct people stay right without
# naming anyone. Deletions that find the person through leads.user_id come before leads.
ERASE_STATEMENTS: tuple[tuple[str, str], ...] = (
    # Dedup keys embed the Telegram id; the row id keeps them unique.
    ("events", "UPDATE events SET user_id = :anon, dedup_key = 'forgotten:' || id "
               "WHERE user_id = :user"),
    ("quizzes", "UPDATE quizzes SET user_id = :anon, chat_id = :anon, message_id = NULL, "
                "pairs = '[]', answers = '[]', shown_trips = '[]', budget = NULL, "
                "status = CASE status WHEN 'active' THEN 'abandoned' ELSE status END "
                "WHERE user_id = :user"),
    ("carts", "UPDATE carts SET user_id = :anon WHERE user_id = :user"),
    # The message map between the person's chat and the advisors' group, and messages still
    # waiting to be relayed, which hold the person's words.
    ("relays", "DELETE FROM relays WHERE customer_chat_id = :user "
               "OR lead_id IN (SELECT id FROM leads WHERE user_id = :user)"),
    ("relay_queue", "DELETE FROM relay_queue WHERE from_chat_id = :user "
                    "OR lead_id IN (SELECT id FROM leads WHERE user_id = :user)"),
    ("lead_posts", "DELETE FROM lead_posts "
                   "WHERE lead_id IN (SELECT id FROM leads WHERE user_id = :user)"),
    # An open conversation with the advisors ends, so nothing is relayed or raised again.
    ("leads", "UPDATE leads SET status = 'ended', closed_at = :now "
              "WHERE user_id = :user AND status = 'open'"),
    ("leads", "UPDATE leads SET user_id = :anon, topic_id = NULL, card_message_id = NULL, "
              "outcome_detail = NULL WHERE user_id = :user"),
    # The person may be an advisor too.
    ("leads", "UPDATE leads SET claimed_by = NULL, claimed_by_name = NULL "
              "WHERE claimed_by = :user"),
    ("subscriptions", "UPDATE subscriptions SET user_id = :anon, status = 'unsubscribed', "
                      "unsubscribed_at = COALESCE(unsubscribed_at, :now) WHERE user_id = :user"),
    ("newsletter_deliveries",
     "UPDATE newsletter_deliveries SET user_id = :anon, message_id = NULL, "
     "status = CASE status WHEN 'pending' THEN 'skipped' ELSE status END WHERE user_id = :user"),
    ("newsletter_issues", "UPDATE newsletter_issues SET created_by = :anon, "
                          "progress_chat_id = NULL, progress_message_id = NULL "
                          "WHERE created_by = :user"),
    ("purchases", "UPDATE purchases SET user_id = :anon, comment = NULL WHERE user_id = :user"),
    ("catalog_versions", "UPDATE catalog_versions SET loaded_by = NULL WHERE loaded_by = :user"),
    ("people", "UPDATE people SET user_id = :anon, first_name = NULL, username = NULL, "
               "active = 0, forgotten_at = :now WHERE user_id = :user"),
)


class AnonymousIdTaken(Exception):
    """Raised when the random id chosen for an erased person is already in use."""


async def erase_person(db: Database, event_kind: str, user_id: int, anonymous_id: int) -> bool:
    """Erase a person in one transaction and record it; False if nothing was stored about them."""
    now = utc_now()
    async with db.transaction() as connection:
        known = await fetch_value(
            connection, "SELECT COUNT(*) FROM people WHERE user_id = ?", (user_id,))
        if not known:
            return False
        in_use = await fetch_value(
            connection, "SELECT COUNT(*) FROM people WHERE user_id = ?", (anonymous_id,))
        if in_use:
            raise AnonymousIdTaken(f"anonymous id {anonymous_id} is already used")
        cursor = await connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {row[0] for row in await cursor.fetchall()}
        await cursor.close()
        values = {"anon": anonymous_id, "user": user_id, "now": now}
        for table, statement in ERASE_STATEMENTS:
            # A table that a newer migration adds may not exist yet in this database.
            if table in tables:
                await connection.execute(statement, values)
        await insert_event(connection, event_kind, f"{event_kind}:{anonymous_id}",
                           user_id=anonymous_id, campaign=None)
    return True
