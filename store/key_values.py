"""Small named settings that the bot changes at runtime, kept in the key_values table."""

from __future__ import annotations

from store.db import Database, utc_now


async def get_value(db: Database, key: str) -> str | None:
    row = await db.fetch_one("SELECT value FROM key_values WHERE key = ?", (key,))
    return str(row["value"]) if row else None


async def set_value(db: Database, key: str, value: str) -> None:
    await db.execute(
        "INSERT INTO key_values (key, value, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (key, value, utc_now()))


async def delete_value(db: Database, key: str) -> None:
    await db.execute("DELETE FROM key_values WHERE key = ?", (key,))
