"""The catalog versions the bot has served, with who loaded each one."""

from __future__ import annotations

from store.db import Database, utc_now


async def record_version(db: Database, version: str, trips: int, photos: int,
                         loaded_by: int | None) -> None:
    """Remember a version the first time it is served; reloading it again changes nothing."""
    await db.execute(
        "INSERT OR IGNORE INTO catalog_versions (version, trips, photos, loaded_at, loaded_by) "
        "VALUES (?, ?, ?, ?, ?)", (version, trips, photos, utc_now(), loaded_by))
