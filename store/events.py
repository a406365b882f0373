"""Funnel and conversation events, written once per dedup key however often an update arrives."""

from __future__ import annotations

import json
from typing import Any

from store.db import Database, utc_now


async def record_event(db: Database, kind: str, dedup_key: str, *, user_id: int | None,
                       campaign: str | None, detail: dict[str, Any] | None = None,
                       amount: float | None = None) -> bool:
    """Insert an event unless one with the same dedup key exists; True if it was new."""
    changed = await db.execute_count(
        "INSERT OR IGNORE INTO events (user_id, campaign, kind, dedup_key, detail, amount, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (user_id, campaign, kind, dedup_key,
         json.dumps(detail, ensure_ascii=False) if detail else None, amount, utc_now()),
    )
    return changed > 0


async def count_events(db: Database, kind: str, user_id: int | None = None) -> int:
    if user_id is None:
        row = await db.fetch_one("SELECT COUNT(*) FROM events WHERE kind = ?", (kind,))
    else:
        row = await db.fetch_one("SELECT COUNT(*) FROM events WHERE kind = ? AND user_id = ?",
                                 (kind, user_id))
    return int(row[0]) if row else 0
