"""People who talked to the bot: profile, language, first-touch campaign, active flag."""

from __future__ import annotations

import dataclasses

from store.db import Database, utc_now


@dataclasses.dataclass(frozen=True)
class Person:
    user_id: int
    first_name: str
    username: str | None
    language: str
    first_campaign: str | None
    declared_source: str | None
    active: bool


async def upsert_person(db: Database, user_id: int, first_name: str, username: str | None,
                        language: str) -> None:
    """Create the person or refresh their name and language; mark them active again."""
    now = utc_now()
    await db.execute(
        """
        INSERT INTO people (user_id, first_name, username, language, first_seen_at,
                            last_seen_at, active)
        VALUES (?, ?, ?, ?, ?, ?, 1)
        ON CONFLICT (user_id) DO UPDATE SET
            first_name = excluded.first_name, username = excluded.username,
            language = excluded.language, last_seen_at = excluded.last_seen_at, active = 1,
            forgotten_at = NULL
        """,
        (user_id, first_name, username, language, now, now),
    )


async def set_first_campaign(db: Database, user_id: int, campaign: str) -> bool:
    """Keep the campaign as first touch unless the person already has one; True if set now."""
    changed = await db.execute_count(
        "UPDATE people SET first_campaign = ? WHERE user_id = ? AND first_campaign IS NULL",
        (campaign, user_id),
    )
    return changed > 0


async def set_active(db: Database, user_id: int, active: bool) -> None:
    await db.execute("UPDATE people SET active = ? WHERE user_id = ?", (int(active), user_id))


async def get_person(db: Database, user_id: int) -> Person | None:
    row = await db.fetch_one(
        "SELECT user_id, first_name, username, language, first_campaign, declared_source, "
        "active FROM people WHERE user_id = ?",
        (user_id,),
    )
    if row is None:
        return None
    return Person(
        user_id=row["user_id"],
        first_name=row["first_name"] or "",
        username=row["username"],
        language=row["language"],
        first_campaign=row["first_campaign"],
        declared_source=row["declared_source"],
        active=bool(row["active"]),
    )
