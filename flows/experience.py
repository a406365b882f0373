"""Stage 4 rules: when a trip is over, whom to ask how it went, how long a comment is awaited."""

from __future__ import annotations

import datetime as dtm
import logging
from collections.abc import Sequence

from catalog.loader import Catalog
from store import purchases
from store.db import Database

logger = logging.getLogger(__name__)

# After a rating, the next message typed within this time is taken as the comment. Later
# messages go back to the ordinary conversation.
COMMENT_WINDOW = dtm.timedelta(hours=48)
MAX_COMMENT_CHARS = 1000
# People asked per run of the daily job; the rest wait for the next run.
MAX_QUESTIONS_PER_RUN = 500


def pick_departure(departures: Sequence[dtm.date], chosen: dtm.date | None,
                   on_or_after: dtm.date) -> dtm.date | None:
    """Return the chosen departure, else the first catalog departure on or after a day."""
    if chosen is not None:
        return chosen
    upcoming = sorted(day for day in departures if day >= on_or_after)
    return upcoming[0] if upcoming else None


def return_date(departure: dtm.date, duration_days: int) -> dtm.date:
    return departure + dtm.timedelta(days=duration_days)


def comment_cutoff(now: dtm.datetime) -> str:
    """Return the earliest rating time (ISO, UTC) whose comment is still awaited at `now`."""
    return (now - COMMENT_WINDOW).isoformat(timespec="milliseconds")


def clean_comment(text: str) -> str | None:
    comment = text.strip()
    return comment[:MAX_COMMENT_CHARS] if comment else None


async def fill_return_dates(db: Database, catalog: Catalog) -> int:
    """Give purchases recorded without dates the trip's first departure after the purchase.

    Returns how many purchases got a return date.
    """
    filled = 0
    for purchase in await purchases.without_return_date(db):
        index = catalog.trip_index.get(purchase.trip_id or "")
        if index is None:
            continue
        trip = catalog.trips[index]
        bought_on = dtm.date.fromisoformat(purchase.created_at[:10])
        departure = pick_departure(trip.departures, purchase.departure, bought_on)
        if departure is None:
            continue
        duration = purchase.duration_days or trip.duration_days
        await purchases.set_dates(db, purchase.lead_id, departure, duration,
                                  return_date(departure, duration))
        filled += 1
    if filled:
        logger.info("return dates filled from the catalog purchases=%d", filled)
    return filled
