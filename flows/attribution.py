"""Attribution when the /start payload is lost: ask once where the person heard of the brand.

The choice is kept as a declared source, stored apart from the campaign that a link attributes.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable

from catalog.models import Campaign
from flows import funnel
from store import attribution
from store.db import Database
from store.people import Person

OTHER = "other"
# Keeps the question to one screen.
MAX_CHOICES = 8


@dataclasses.dataclass(frozen=True)
class SourceChoice:
    """A button of the question: the token in its callback data and the campaign behind it."""

    token: str
    campaign: Campaign


def source_token(code: str) -> str:
    """A fixed-length stand-in for a campaign code, which may be too long for callback data."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()[:10]


def needs_source(campaign_now: str | None, person: Person | None) -> bool:
    """Ask only people with no campaign at all: none in this link, none before, none declared."""
    if campaign_now is not None or person is None:
        return False
    return person.first_campaign is None and person.declared_source is None


def source_choices(campaigns: Iterable[Campaign]) -> list[SourceChoice]:
    return [SourceChoice(source_token(c.code), c) for c in list(campaigns)[:MAX_CHOICES]]


def resolve_source(token: str, campaigns: Iterable[Campaign]) -> str | None:
    """Return the campaign code or OTHER for a pressed token; None for an unknown token."""
    if token == "o":
        return OTHER
    for campaign in campaigns:
        if source_token(campaign.code) == token:
            return campaign.code
    return None


async def should_ask(db: Database, user_id: int, person: Person | None,
                     campaign_now: str | None, campaigns: list[Campaign]) -> bool:
    """True once per person who needs the question, when the catalog has campaigns to offer."""
    if not campaigns or not needs_source(campaign_now, person):
        return False
    return await funnel.source_asked(db, user_id)


async def declare_source(db: Database, user_id: int, source: str) -> bool:
    """Keep the first declared source; False if the person had declared one already."""
    stored = await attribution.set_declared_source(db, user_id, source)
    if stored:
        await funnel.source_declared(db, user_id, source)
    return stored
