"""Fan-out of sandbox changes to server-sent event subscribers (the browser chat page)."""

import asyncio
import logging
from typing import Any

logger = logging.getLogger(__name__)

# A subscriber that stops reading loses events beyond this many instead of growing memory.
_QUEUE_SIZE = 1000


class EventHub:
    """Publishes JSON-ready events to every open /control/events stream."""

    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self.published = 0

    def subscribe(self) -> asyncio.Queue[dict[str, Any] | None]:
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(_QUEUE_SIZE)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any] | None]) -> None:
        self._subscribers.discard(queue)

    def publish(self, event_type: str, **fields: Any) -> None:
        """Queue an event of event_type for every subscriber; full queues drop it."""
        self.published += 1
        event = {"type": event_type, "seq": self.published, **fields}
        for queue in self._subscribers:
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                logger.warning("event dropped for a slow subscriber event_type=%s", event_type)

    def close(self) -> None:
        """End every stream, so that the server can shut down without waiting for clients."""
        for queue in self._subscribers:
            try:
                queue.put_nowait(None)
            except asyncio.QueueFull:
                logger.warning("event stream closed while its queue was full")
        self._subscribers.clear()
