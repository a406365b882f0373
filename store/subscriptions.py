"""Newsletter consent: who subscribed, when, to which wording, from where; and who left."""

from __future__ import annotations

import dataclasses

from store.db import Database, utc_now
from store.event_rows import fetch_value, insert_event


@dataclasses.dataclass(frozen=True)
class Subscription:
    user_id: int
    status: str
    consent_text_version: str | None
    source: str | None
    campaign: str | None
    subscribed_at: str | None
    unsubscribed_at: str | None

    @property
    def active(self) -> bool:
        return self.status == "subscribed"


async def subscribe(db: Database, event_kind: str, *, user_id: int, campaign: str | None,
                    consent_version: str, source: str) -> bool:
    """Record consent and its funnel event in one transaction; False if already subscribed."""
    now = utc_now()
    async with db.transaction() as connection:
        status = await fetch_value(
            connection, "SELECT status FROM subscriptions WHERE user_id = ?", (user_id,))
        if status == "subscribed":
            return False
        await connection.execute(
            """
            INSERT INTO subscriptions (user_id, status, consent_text_version, source, campaign,
                                       subscribed_at, unsubscribed_at)
            VALUES (?, 'subscribed', ?, ?, ?, ?, NULL)
            ON CONFLICT (user_id) DO UPDATE SET
                status = 'subscribed', consent_text_version = excluded.consent_text_version,
                source = excluded.source, campaign = excluded.campaign,
                subscribed_at = excluded.subscribed_at, unsubscribed_at = NULL
            """,
            (user_id, consent_version, source, campaign, now))
        # The subscription time makes each new consent its own event.
        await insert_event(connection, event_kind, f"{event_kind}:{user_id}:{now}",
                           user_id=user_id, campaign=campaign,
                           detail={"source": source, "consent": consent_version})
    return True


async def unsubscribe(db: Database, event_kind: str, user_id: int) -> bool:
    """Stop the newsletter and record the event in one transaction; False if not subscribed."""
    now = utc_now()
    async with db.transaction() as connection:
        cursor = await connection.execute(
            "UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = ? "
            "WHERE user_id = ? AND status = 'subscribed'", (now, user_id))
        changed = cursor.rowcount > 0
        await cursor.close()
        if changed:
            await insert_event(connection, event_kind, f"{event_kind}:{user_id}:{now}",
                               user_id=user_id, campaign=None)
    return changed


async def get_subscription(db: Database, user_id: int) -> Subscription | None:
    row = await db.fetch_one(
        "SELECT user_id, status, consent_text_version, source, campaign, subscribed_at, "
        "unsubscribed_at FROM subscriptions WHERE user_id = ?", (user_id,))
    return Subscription(**dict(row)) if row else None


async def count_reachable(db: Database) -> int:
    """Subscribers who have not blocked the bot: the audience of the next issue."""
    row = await db.fetch_one(
        "SELECT COUNT(*) FROM subscriptions s JOIN people p ON p.user_id = s.user_id "
        "WHERE s.status = 'subscribed' AND p.active = 1")
    return int(row[0]) if row else 0
