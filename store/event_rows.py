"""Event rows written inside a caller's open transaction, deduplicated like record_event."""

from __future__ import annotations

import json
from typing import Any

import aiosqlite

from store.db import utc_now


async def insert_event(connection: aiosqlite.Connection, kind: str, dedup_key: str, *,
                       user_id: int | None, campaign: str | None,
                       detail: dict[str, Any] | None = None,
                       amount: float | None = None) -> bool:
    """Insert an event unless its dedup key exists; True if it was new.

    Use it inside Database.transaction(): record_event takes the database lock, which the
    open transaction already holds.
    """
    cursor = await connection.execute(
        "INSERT OR IGNORE INTO events (user_id, campaign, kind, dedup_key, detail, amount, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (user_id, campaign, kind, dedup_key,
         json.dumps(detail, ensure_ascii=False) if detail else None, amount, utc_now()),
    )
    changed = cursor.rowcount
    await cursor.close()
    return changed > 0


async def fetch_value(connection: aiosqlite.Connection, sql: str,
                      parameters: tuple[Any, ...] = ()) -> Any:
    """Return the first column of the first row inside a transaction, or None."""
    cursor = await connection.execute(sql, parameters)
    row = await cursor.fetchone()
    await cursor.close()
    return row[0] if row else None
