"""Telegram file_ids of images already uploaded, per bot, keyed by the image content hash."""

from __future__ import annotations

from store.db import Database, utc_now


async def get_file_id(db: Database, content_hash: str, bot_id: int) -> str | None:
    row = await db.fetch_one(
        "SELECT file_id FROM media_cache WHERE content_hash = ? AND bot_id = ?",
        (content_hash, bot_id),
    )
    return row["file_id"] if row else None


async def put_file_id(db: Database, content_hash: str, bot_id: int, file_id: str) -> None:
    await db.execute(
        "INSERT INTO media_cache (content_hash, bot_id, file_id, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (content_hash, bot_id) DO UPDATE SET file_id = excluded.file_id",
        (content_hash, bot_id, file_id, utc_now()),
    )


async def forget_file_id(db: Database, content_hash: str, bot_id: int) -> None:
    await db.execute("DELETE FROM media_cache WHERE content_hash = ? AND bot_id = ?",
                     (content_hash, bot_id))
