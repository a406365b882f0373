"""The cart: the trip a person chose, kept until an advisor closes the lead."""

from __future__ import annotations

import dataclasses

from store.db import Database, utc_now


@dataclasses.dataclass(frozen=True)
class Cart:
    id: int
    user_id: int
    quiz_id: int | None
    trip_id: str
    title: str
    price: float
    currency: str
    status: str


async def put_in_cart(db: Database, user_id: int, quiz_id: int | None, trip_id: str,
                      title: str, price: float, currency: str) -> tuple[Cart, bool]:
    """Put a trip in the person's open cart (one trip at a time); return it and whether new."""
    async with db.transaction() as connection:
        cursor = await connection.execute(
            "SELECT id FROM carts WHERE user_id = ? AND trip_id = ? AND status = 'open'",
            (user_id, trip_id))
        existing = await cursor.fetchone()
        await cursor.close()
        created = existing is None
        if created:
            await connection.execute(
                "UPDATE carts SET status = 'replaced' WHERE user_id = ? AND status = 'open'",
                (user_id,))
            await connection.execute(
                "INSERT INTO carts (user_id, quiz_id, trip_id, title, price, currency, status, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?)",
                (user_id, quiz_id, trip_id, title, price, currency, utc_now()))
    cart = await open_cart(db, user_id)
    assert cart is not None
    return cart, created


async def open_cart(db: Database, user_id: int) -> Cart | None:
    row = await db.fetch_one(
        "SELECT id, user_id, quiz_id, trip_id, title, price, currency, status FROM carts "
        "WHERE user_id = ? AND status = 'open' ORDER BY id DESC LIMIT 1", (user_id,))
    return Cart(**dict(row)) if row else None


async def get_cart(db: Database, cart_id: int) -> Cart | None:
    row = await db.fetch_one(
        "SELECT id, user_id, quiz_id, trip_id, title, price, currency, status FROM carts "
        "WHERE id = ?", (cart_id,))
    return Cart(**dict(row)) if row else None
