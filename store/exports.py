"""The rows behind /export: leads, newsletter subscribers and funnel events, oldest first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from store.db import Database

Table = tuple[list[str], list[Sequence[Any]]]


async def _table(db: Database, sql: str) -> Table:
    async with db.connection.execute(sql) as cursor:
        header = [column[0] for column in cursor.description]
        rows = await cursor.fetchall()
    return header, [tuple(row) for row in rows]


async def leads(db: Database) -> Table:
    return await _table(db, (
        "SELECT l.id AS lead_id, l.created_at, l.status, l.user_id, p.first_name, p.username, "
        "p.language, p.first_campaign, p.declared_source, c.trip_id, c.title AS trip_title, "
        "c.price, c.currency, l.claimed_by, l.claimed_by_name, l.amount, l.updated_at "
        "FROM leads l LEFT JOIN people p ON p.user_id = l.user_id "
        "LEFT JOIN carts c ON c.id = l.cart_id ORDER BY l.id"))


async def subscribers(db: Database) -> Table:
    return await _table(db, (
        "SELECT s.user_id, p.first_name, p.username, p.language, s.status, "
        "s.consent_text_version, s.source, s.campaign, s.subscribed_at, s.unsubscribed_at, "
        "p.active FROM subscriptions s LEFT JOIN people p ON p.user_id = s.user_id "
        "ORDER BY s.subscribed_at, s.user_id"))


async def events(db: Database) -> Table:
    return await _table(db, (
        "SELECT id, created_at, kind, campaign, user_id, amount, detail FROM events "
        "ORDER BY id"))
