"""Funnel rules: which event each step writes, and the key that makes a repeat a no-op."""

from __future__ import annotations

import datetime as dtm

from flows.experience import return_date
from store import people, purchases, subscriptions
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


# Stages 2 to 4 and the steps between them; the handoff area reports HANDOFF, CLAIMED and WON.
SOURCE_ASKED = "source_asked"
SOURCE_DECLARED = "source_declared"
SUBSCRIBED = "subscribed"
UNSUBSCRIBED = "unsubscribed"
HANDOFF = "handoff"
CLAIMED = "claimed"
WON = "won"
EXPERIENCE_ASKED = "experience_asked"
EXPERIENCE = "experience"
FORGOTTEN = "forgotten"


async def handoff(db: Database, user_id: int, campaign: str | None, lead_id: int) -> bool:
    """Record that a lead reached the advisors (once per lead)."""
    return await record_event(db, HANDOFF, f"{HANDOFF}:{lead_id}", user_id=user_id,
                              campaign=campaign or await _first_touch(db, user_id),
                              detail={"lead": lead_id})


async def claimed(db: Database, user_id: int, campaign: str | None, lead_id: int) -> bool:
    """Record that an advisor took the lead, once per lead even if another advisor claims it."""
    return await record_event(db, CLAIMED, f"{CLAIMED}:{lead_id}", user_id=user_id,
                              campaign=campaign or await _first_touch(db, user_id),
                              detail={"lead": lead_id})


async def first_purchase(db: Database, user_id: int, campaign: str | None, lead_id: int,
                         amount: float, trip_id: str | None, departure: dtm.date | None, *,
                         duration_days: int | None = None,
                         currency: str | None = None) -> bool:
    """Record a lead won with its amount (stage 3); True the first time for this lead.

    `departure` is the date the person chose, else pass
    `experience.pick_departure(trip.departures, None, today)`. With the trip's duration it
    sets the return date, after which stage 4 sends the question about the trip. When
    departure or duration is missing, the daily job fills them from the catalog trip `trip_id`.
    A campaign of None credits the person's first-touch campaign. The first call for a lead
    wins: a later call with another amount changes nothing.
    """
    returns_on = None
    if departure is not None and duration_days is not None:
        returns_on = return_date(departure, duration_days)
    return await purchases.record_purchase(
        db, WON, lead_id=lead_id, user_id=user_id, campaign=campaign, trip_id=trip_id,
        amount=amount, currency=currency, departure=departure, duration_days=duration_days,
        returns_on=returns_on)


async def subscribed(db: Database, user_id: int, campaign: str | None, consent_version: str,
                     source: str) -> bool:
    """Record newsletter consent (stage 2) and its event; False if already subscribed."""
    return await subscriptions.subscribe(db, SUBSCRIBED, user_id=user_id,
                                         campaign=campaign or await _first_touch(db, user_id),
                                         consent_version=consent_version, source=source)


async def unsubscribed(db: Database, user_id: int) -> bool:
    """Stop the newsletter for a person; False if they were not subscribed."""
    return await subscriptions.unsubscribe(db, UNSUBSCRIBED, user_id)


async def experience_asked(db: Database, user_id: int, lead_id: int) -> bool:
    return await record_event(db, EXPERIENCE_ASKED, f"{EXPERIENCE_ASKED}:{lead_id}",
                              user_id=user_id, campaign=await _purchase_campaign(db, lead_id),
                              detail={"lead": lead_id})


async def experience(db: Database, user_id: int, lead_id: int, rating: int) -> bool:
    """Record the trip as lived, with its rating from 1 to 5 (stage 4, once per lead)."""
    return await purchases.rate(db, EXPERIENCE, lead_id, user_id, rating)


async def source_asked(db: Database, user_id: int) -> bool:
    """Record that the person was asked where they heard of the brand; False if asked before."""
    return await record_event(db, SOURCE_ASKED, f"{SOURCE_ASKED}:{user_id}", user_id=user_id,
                              campaign=None)


async def source_declared(db: Database, user_id: int, source: str) -> bool:
    """Keep the declared source apart from link attribution: the event has no campaign."""
    return await record_event(db, SOURCE_DECLARED, f"{SOURCE_DECLARED}:{user_id}",
                              user_id=user_id, campaign=None, detail={"source": source})


async def _first_touch(db: Database, user_id: int) -> str | None:
    person = await people.get_person(db, user_id)
    return person.first_campaign if person else None


async def _purchase_campaign(db: Database, lead_id: int) -> str | None:
    purchase = await purchases.get_purchase(db, lead_id)
    return purchase.campaign if purchase else None


# The end of a handoff besides WON: the sale lost (with a reason code), the conversation ended.
LOST = "lost"
HANDOFF_ENDED = "handoff_ended"


async def lost(db: Database, user_id: int, campaign: str | None, lead_id: int,
               reason: str) -> bool:
    """Record that a lead was lost, with one of flows.handoff.LOST_REASONS (once per lead)."""
    return await record_event(db, LOST, f"{LOST}:{lead_id}", user_id=user_id,
                              campaign=campaign or await _first_touch(db, user_id),
                              detail={"lead": lead_id, "reason": reason})


async def handoff_ended(db: Database, user_id: int, campaign: str | None, lead_id: int) -> bool:
    """Record that an advisor ended the conversation and the person is back with the bot."""
    return await record_event(db, HANDOFF_ENDED, f"{HANDOFF_ENDED}:{lead_id}", user_id=user_id,
                              campaign=campaign or await _first_touch(db, user_id),
                              detail={"lead": lead_id})
