"""The SQLite connection: WAL mode, foreign keys, numbered migrations and transactions."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import aiosqlite

from store.migrations import MIGRATIONS

logger = logging.getLogger(__name__)


def utc_now() -> str:
    return dtm.datetime.now(dtm.UTC).isoformat(timespec="milliseconds")


def check_database(path: Path) -> str | None:
    """Open the SQLite file once, synchronously, before start-up; return why it is unusable."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path)
        try:
            connection.execute("PRAGMA schema_version").fetchone()
        finally:
            connection.close()
    except OSError as error:
        return f"cannot create {str(path)!r} ({error.strerror})"
    except sqlite3.Error as error:
        return f"{str(path)!r} is not a usable SQLite database ({error})"
    return None


class Database:
    """One aiosqlite connection shared by the bot; writes that belong together use transaction()."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path
        # aiosqlite runs one statement at a time, but a transaction spans several awaits:
        # the lock keeps another handler's statements out of an open transaction.
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)
        connection.row_factory = aiosqlite.Row
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA foreign_keys=ON")
        await connection.execute("PRAGMA busy_timeout=5000")
        # WAL keeps committed transactions across a crash with synchronous=NORMAL.
        await connection.execute("PRAGMA synchronous=NORMAL")
        database = cls(connection, path)
        await database.migrate()
        return database

    async def close(self) -> None:
        await self.connection.close()
        logger.info("database closed path=%s", self.path)

    async def migrate(self) -> None:
        """Apply the migrations not yet recorded in schema_migrations, each in one transaction."""
        await self.connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        async with self.connection.execute("SELECT version FROM schema_migrations") as cursor:
            applied = {row[0] async for row in cursor}
        for version, statements in MIGRATIONS:
            if version in applied:
                continue
            async with self.transaction():
                for statement in statements:
                    await self.connection.execute(statement)
                await self.connection.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    (version, utc_now()),
                )
            logger.info("migration applied version=%d path=%s", version, self.path)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                await self.connection.execute("ROLLBACK")
                raise
            await self.connection.execute("COMMIT")

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> int:
        """Run one write statement on its own; return the last inserted row id."""
        async with self._lock:
            cursor = await self.connection.execute(sql, tuple(parameters))
            row_id = cursor.lastrowid or 0
            await cursor.close()
        return row_id

    async def execute_count(self, sql: str, parameters: Iterable[Any] = ()) -> int:
        """Run one write statement on its own; return how many rows it changed."""
        async with self._lock:
            cursor = await self.connection.execute(sql, tuple(parameters))
            count = cursor.rowcount
            await cursor.close()
        return count

    async def fetch_one(self, sql: str, parameters: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self.connection.execute(sql, tuple(parameters)) as cursor:
            return await cursor.fetchone()

    async def fetch_all(self, sql: str, parameters: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self.connection.execute(sql, tuple(parameters)) as cursor:
            return list(await cursor.fetchall())
