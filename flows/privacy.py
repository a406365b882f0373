"""The right to be forgotten: erase a person's data and keep only anonymous counts."""

from __future__ import annotations

import logging
import secrets

from flows import funnel
from store import privacy
from store.db import Database

logger = logging.getLogger(__name__)

# Telegram user ids are positive, so negative ids can never be mistaken for a person. The
# range stays within the 52 bits that chat ids use and above supergroup ids (-100 and 10
# digits), so an erased row cannot look like the agents' group either.
_ANONYMOUS_LOW = 2**40
_ANONYMOUS_HIGH = 2**52


def anonymous_id() -> int:
    return -(_ANONYMOUS_LOW + secrets.randbelow(_ANONYMOUS_HIGH - _ANONYMOUS_LOW))


async def forget(db: Database, user_id: int) -> bool:
    """Erase everything that names a person; False if the bot stored nothing about them."""
    for _ in range(3):
        try:
            erased = await privacy.erase_person(db, funnel.FORGOTTEN, user_id, anonymous_id())
        except privacy.AnonymousIdTaken:
            continue
        if erased:
            logger.info("person erased user_id=%d", user_id)
        return erased
    raise privacy.AnonymousIdTaken("no free anonymous id after 3 draws")
