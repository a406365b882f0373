"""Root state of a running stand-in: bots by token, call log, faults, flood limits and events."""

import itertools
import logging
import re
from collections.abc import Iterable

from sandbox.events import EventHub
from sandbox.faults import FaultPlan, FloodLimiter
from sandbox.records import CallLog
from sandbox.state import BotIdentity, BotWorld

logger = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"^(\d+):[A-Za-z0-9_-]{20,}$")
DEFAULT_USERNAME = "travel_sandbox_bot"
DEFAULT_FIRST_NAME = "Travel Sandbox"
# Update ids start high, like Telegram's, so that a bot never relies on small numbers.
_FIRST_UPDATE_ID = 100_000_001


class Sandbox:
    """Every bot registered on the server, plus the records shared by all of them."""

    def __init__(
        self,
        tokens: Iterable[str] | None = None,
        *,
        bot_username: str = DEFAULT_USERNAME,
        bot_first_name: str = DEFAULT_FIRST_NAME,
        privacy_mode: bool = True,
    ) -> None:
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.privacy_mode = privacy_mode
        self.events = EventHub()
        self.calls = CallLog()
        self.faults = FaultPlan()
        self.flood = FloodLimiter()
        self.worlds: list[BotWorld] = []
        self._active: BotWorld | None = None
        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._group_ids = itertools.count(1)

        token_list = list(tokens or [])
        self.accept_any_token = not token_list
        for token in token_list:
            if self._identity(token) is None:
                raise ValueError("a sandbox token must look like '<digits>:<20+ characters>'")
            self._new_world(self._identity(token))

    def world_for_token(self, token: str) -> BotWorld | None:
        """Return the world of a valid token, creating it when any token is accepted."""
        world = self._find_or_create(token)
        if world is not None:
            self._active = world
        return world

    def _find_or_create(self, token: str) -> BotWorld | None:
        for world in self.worlds:
            if world.bot is not None and world.bot.token == token:
                return world

        identity = self._identity(token)
        if identity is None or not self.accept_any_token:
            return None
        unclaimed = next((world for world in self.worlds if world.bot is None), None)
        if unclaimed is not None:
            unclaimed.adopt(identity)
            logger.info("bot connected to the waiting world bot_id=%s", identity.id)
            return unclaimed
        return self._new_world(identity)

    def world(self, bot_id: int | None = None) -> BotWorld:
        """Return the world of bot_id, else of the bot that called last (or a waiting one)."""
        if bot_id is not None:
            for world in self.worlds:
                if world.bot is not None and world.bot.id == bot_id:
                    return world
            raise LookupError(f"no bot with id {bot_id} is registered")
        if self._active is not None:
            return self._active
        if not self.worlds:
            return self._new_world(None)
        return self.worlds[-1]

    def next_callback_id(self) -> str:
        return str(next(self._callback_ids))

    def next_group_number(self) -> int:
        return next(self._group_ids)

    def reset(self) -> None:
        """Forget chats, people, updates, calls, faults and flood state; keep bot identities."""
        for world in self.worlds:
            world.clear()
        self.calls.clear()
        self.faults.clear()
        self.flood.reset()
        self.events.publish("reset")
        logger.info("sandbox reset")

    def close(self) -> None:
        for world in self.worlds:
            world.updates.release()
        self.events.close()

    def _identity(self, token: str) -> BotIdentity | None:
        match = TOKEN_RE.match(token)
        if match is None:
            return None
        return BotIdentity(
            id=int(match.group(1)),
            token=token,
            username=self.bot_username,
            first_name=self.bot_first_name,
        )

    def _new_world(self, identity: BotIdentity | None) -> BotWorld:
        world = BotWorld(
            identity,
            privacy_mode=self.privacy_mode,
            publish=self.events.publish,
            first_update_id=_FIRST_UPDATE_ID,
        )
        self.worlds.append(world)
        return world
