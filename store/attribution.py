"""The declared source of a person who arrived without a campaign link."""

from __future__ import annotations

from store.db import Database


async def set_declared_source(db: Database, user_id: int, source: str) -> bool:
    """Store the first declared source only; True if stored now."""
    changed = await db.execute_count(
        "UPDATE people SET declared_source = ? WHERE user_id = ? AND declared_source IS NULL",
        (source, user_id))
    return changed > 0
