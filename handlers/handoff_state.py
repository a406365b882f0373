"""Runtime state of the handoff: the agents' group in use, per-lead locks and small caches."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
import weakref
from typing import Any

import locales
from store import key_values
from store.db import Database

logger = logging.getLogger(__name__)

AGENT_CHAT_KEY = "agent_chat"
# Texts posted in the agents' group use one language, whoever the customer is.
GROUP_LANGUAGE = locales.DEFAULT_LANGUAGE
MEMBER_CACHE_SECONDS = 600.0
NON_MEMBER_CACHE_SECONDS = 60.0
CLOSED_NOTICE_SECONDS = 600.0


@dataclasses.dataclass
class AgentChat:
    """The agents' group: as configured, and as in use after an upgrade to a supergroup."""

    configured: int | None = None
    chat_id: int | None = None
    is_forum: bool = False


class KeyedLocks:
    """One asyncio.Lock per lead, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = \
            weakref.WeakValueDictionary()

    def get(self, key: int) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock


class Handoff:
    """Everything the handoff keeps in memory; the database stays the source of truth."""

    def __init__(self) -> None:
        self.chat = AgentChat()
        self.lead_locks = KeyedLocks()
        # In a plain group an introduction and the copy it introduces must stay adjacent.
        self.group_lock = asyncio.Lock()
        self.last_introduced_lead: int | None = None
        self._members: dict[int, tuple[bool, float]] = {}
        self._closed_notices: dict[int, float] = {}

    def member_status(self, user_id: int) -> bool | None:
        """Return a recent membership check of the agents' group, or None to ask Telegram."""
        cached = self._members.get(user_id)
        if cached is None:
            return None
        is_member, checked_at = cached
        ttl = MEMBER_CACHE_SECONDS if is_member else NON_MEMBER_CACHE_SECONDS
        return is_member if time.monotonic() - checked_at < ttl else None

    def remember_member(self, user_id: int, is_member: bool) -> None:
        self._members[user_id] = (is_member, time.monotonic())

    def forget_members(self) -> None:
        self._members.clear()

    def should_say_closed(self, lead_id: int) -> bool:
        """Tell advisors that a conversation is closed at most once per lead every 10 minutes."""
        last = self._closed_notices.get(lead_id)
        if last is not None and time.monotonic() - last < CLOSED_NOTICE_SECONDS:
            return False
        self._closed_notices[lead_id] = time.monotonic()
        return True


def get_handoff(application: Any) -> Handoff:
    handoff: Handoff = application.bot_data["handoff"]
    return handoff


def agent_chat_id(application: Any) -> int | None:
    """Return the id of the agents' group in use, which changes when it becomes a supergroup."""
    return get_handoff(application).chat.chat_id


async def load_agent_chat(db: Database, configured: int | None) -> int | None:
    """Return the group to use: the supergroup that AGENT_CHAT_ID became, else AGENT_CHAT_ID.

    A stored id is used only while AGENT_CHAT_ID is the one it was stored for, so that
    configuring another group takes effect.
    """
    if configured is None:
        return None
    raw = await key_values.get_value(db, AGENT_CHAT_KEY)
    if raw is None:
        return configured
    try:
        stored = json.loads(raw)
        if int(stored["configured"]) == configured:
            return int(stored["current"])
    except (ValueError, KeyError, TypeError):
        logger.warning("stored agents' group ignored key=%s: invalid value", AGENT_CHAT_KEY)
    return configured


async def store_agent_chat(db: Database, configured: int | None, current: int) -> None:
    await key_values.set_value(db, AGENT_CHAT_KEY,
                               json.dumps({"configured": configured, "current": current}))
