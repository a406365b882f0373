"""Per-bot update queue with getUpdates semantics: offsets, long polling and poller conflicts."""

import asyncio
import logging
from typing import Any

from sandbox.errors import CONFLICT_OTHER_POLLER, ApiError

logger = logging.getLogger(__name__)

MAX_POLL_SECONDS = 50
MAX_LIMIT = 100
# Types the server leaves out unless allowed_updates lists them.
OPT_IN_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
UPDATE_TYPES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "message_reaction", "message_reaction_count",
        "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
        "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member",
        "chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
    }
)


class _Poller:
    """One waiting getUpdates request."""

    def __init__(self) -> None:
        self.wake = asyncio.Event()
        self.conflict = False


class UpdateQueue:
    """Updates waiting for one bot, kept until getUpdates confirms them with a higher offset."""

    def __init__(self, first_update_id: int = 1) -> None:
        # (update_id used for confirmation, update as delivered); they differ only for a raw
        # update whose own update_id is missing or not an integer.
        self.pending: list[tuple[int, dict[str, Any]]] = []
        self.next_update_id = first_update_id
        # None means the default set: every type except OPT_IN_TYPES.
        self.allowed_updates: frozenset[str] | None = None
        self._poller: _Poller | None = None

    def accepts(self, update_type: str) -> bool:
        if self.allowed_updates is None:
            return update_type not in OPT_IN_TYPES
        return update_type in self.allowed_updates

    def push(self, update_type: str, payload: dict[str, Any]) -> int | None:
        """Queue an update unless allowed_updates filters its type out; return its update_id."""
        if not self.accepts(update_type):
            logger.debug("update filtered out by allowed_updates update_type=%s", update_type)
            return None
        update_id = self.next_update_id
        self.next_update_id += 1
        self.pending.append((update_id, {"update_id": update_id, update_type: payload}))
        self._wake()
        return update_id

    def push_raw(self, update: dict[str, Any], renumber: bool = False) -> int:
        """Queue a raw update verbatim, bypassing allowed_updates so malformed input survives."""
        raw_id = update.get("update_id")
        if renumber or not isinstance(raw_id, int) or isinstance(raw_id, bool):
            raw_id = self.next_update_id
            if renumber or "update_id" not in update:
                update = {**update, "update_id": raw_id}
        self.next_update_id = max(self.next_update_id, raw_id + 1)
        self.pending.append((raw_id, update))
        self._wake()
        return raw_id

    def clear(self) -> None:
        # update_id keeps growing: a bot still polling with offset=last+1 must see new updates.
        self.pending.clear()

    def set_allowed(self, allowed: list[str] | None) -> None:
        if allowed is None:
            return
        self.allowed_updates = frozenset(allowed) if allowed else None

    def confirm(self, offset: int) -> None:
        """Forget updates below a positive offset, or all but the last -offset ones."""
        if offset > 0:
            self.pending = [entry for entry in self.pending if entry[0] >= offset]
        elif offset < 0:
            self.pending = self.pending[offset:]

    async def poll(self, offset: int, limit: int, timeout: float) -> list[dict[str, Any]]:
        """Serve one getUpdates call: confirm, then return at once or wait for an update."""
        self._supersede()
        self.confirm(offset)
        limit = min(max(limit, 1), MAX_LIMIT)

        batch = self._batch(offset, limit)
        if batch or timeout <= 0:
            return batch

        poller = _Poller()
        self._poller = poller
        try:
            await asyncio.wait_for(poller.wake.wait(), min(timeout, MAX_POLL_SECONDS))
        except asyncio.TimeoutError:
            pass
        finally:
            if self._poller is poller:
                self._poller = None

        if poller.conflict:
            raise ApiError(CONFLICT_OTHER_POLLER, 409)
        return self._batch(offset, limit)

    def release(self) -> None:
        """Wake the waiting poller now, used when the server shuts down."""
        self._wake()

    def _batch(self, offset: int, limit: int) -> list[dict[str, Any]]:
        selected = [update for update_id, update in self.pending if update_id >= offset]
        return selected[:limit]

    def _supersede(self) -> None:
        if self._poller is not None:
            logger.info("getUpdates superseded a waiting request, which returns 409")
            self._poller.conflict = True
            self._poller.wake.set()
            self._poller = None

    def _wake(self) -> None:
        if self._poller is not None:
            self._poller.wake.set()

