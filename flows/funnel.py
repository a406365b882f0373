"""Funnel rules: which event each step writes, and the key that makes a repeat a no-op."""

from __future__ import annotations

from store.db import Database
from store.events import record_event

# Funnel stages as admins read them, with the conversation events between them.
ARRIVAL = "arrival"
QUIZ_STARTED = "quiz_started"
QUIZ_FINISHED = "quiz_finished"
TOP3_SHOWN = "top3_shown"
CART = "cart"
ADVISOR_REQUESTED = "advisor_requested"
NEWSLETTER_REQUESTED = "newsletter_requested"
INVALID_PAYLOAD = "invalid_payload"
BLOCKED = "blocked"
UNBLOCKED = "unblocked"


async def arrival(db: Database, user_id: int, campaign: str | None, message_id: int,
                  first_touch: bool) -> bool:
    """Record one arrival per /start message (a redelivered update writes nothing)."""
    return await record_event(db, ARRIVAL, f"arrival:{user_id}:{message_id}", user_id=user_id,
                              campaign=campaign, detail={"first_touch": first_touch})


async def invalid_payload(db: Database, user_id: int, message_id: int, length: int) -> bool:
    # The payload itself is not stored: it may hold anything a person typed or pasted.
    return await record_event(db, INVALID_PAYLOAD, f"invalid_payload:{user_id}:{message_id}",
                              user_id=user_id, campaign=None, detail={"length": length})


async def quiz_started(db: Database, user_id: int, campaign: str | None, quiz_id: int) -> bool:
    return await record_event(db, QUIZ_STARTED, f"quiz_started:{quiz_id}", user_id=user_id,
                              campaign=campaign)


async def quiz_finished(db: Database, user_id: int, campaign: str | None, quiz_id: int,
                        answered: int) -> bool:
    return await record_event(db, QUIZ_FINISHED, f"quiz_finished:{quiz_id}", user_id=user_id,
                              campaign=campaign, detail={"answered": answered})


async def top3_shown(db: Database, user_id: int, campaign: str | None, quiz_id: int,
                     page: int, trip_ids: list[str]) -> bool:
    return await record_event(db, TOP3_SHOWN, f"top3_shown:{quiz_id}:{page}", user_id=user_id,
                              campaign=campaign, detail={"trips": trip_ids, "page": page})


async def cart(db: Database, user_id: int, campaign: str | None, cart_id: int, trip_id: str,
               price: float) -> bool:
    return await record_event(db, CART, f"cart:{cart_id}", user_id=user_id, campaign=campaign,
                              detail={"trip": trip_id}, amount=price)


async def request(db: Database, kind: str, user_id: int, campaign: str | None,
                  message_key: str) -> bool:
    """Record an advisor or newsletter request once per message or button press."""
    return await record_event(db, kind, f"{kind}:{user_id}:{message_key}", user_id=user_id,
                              campaign=campaign)


async def blocked(db: Database, user_id: int, update_key: str, blocked_now: bool) -> bool:
    kind = BLOCKED if blocked_now else UNBLOCKED
    return await record_event(db, kind, f"{kind}:{user_id}:{update_key}", user_id=user_id,
                              campaign=None)
