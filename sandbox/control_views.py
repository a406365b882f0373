"""Read-only control views, fault and flood settings, and the server-sent event stream."""

import asyncio
import json
import logging
from typing import Any

from aiohttp import web

from sandbox.botapi import SANDBOX_KEY
from sandbox.control import control_route
from sandbox.core import Sandbox
from sandbox.control_errors import ControlError
from sandbox.state import BotWorld

logger = logging.getLogger(__name__)

# A comment line this often keeps proxies and browsers from closing an idle stream.
HEARTBEAT_SECONDS = 15.0


def _chat_messages(
    sandbox: Sandbox, world: BotWorld, body: dict[str, Any]
) -> list[dict[str, Any]]:
    chat = world.chats.get(body["chat_id"])
    if chat is None:
        raise ControlError(f"chat {body['chat_id']} does not exist", 404)
    return [world.message_view(message) for message in chat.messages.values()]


def _chats(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            **chat.to_json(),
            "bot_status": chat.bot_status,
            "migrated_to": chat.migrated_to,
            "message_count": len(chat.messages),
            "topics": [dict(topic.__dict__) for topic in chat.topics.values()],
        }
        for chat in world.chats.values()
    ]


def _calls(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> list[dict[str, Any]]:
    since = int(body.get("since") or 0)
    return sandbox.calls.query(body.get("method") or None, since)


def _callback_queries(
    sandbox: Sandbox, world: BotWorld, body: dict[str, Any]
) -> list[dict[str, Any]]:
    return [record.to_json() for record in world.callback_queries.values()]


def _stats(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> dict[str, Any]:
    return sandbox.calls.stats.to_json()


def _pending_updates(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> dict[str, Any]:
    queue = world.updates
    allowed = queue.allowed_updates
    return {
        "pending": [update for _, update in queue.pending],
        "next_update_id": queue.next_update_id,
        "allowed_updates": None if allowed is None else sorted(allowed),
    }


def _bots(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> list[dict[str, Any]]:
    # Tokens are left out because control output ends up in test logs.
    return [
        {"id": known.bot.id, "username": known.bot.username} if known.bot else {"id": None}
        for known in sandbox.worlds
    ]


def _add_fault(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> dict[str, Any]:
    try:
        fault = sandbox.faults.add(body)
    except ValueError as error:
        raise ControlError(str(error)) from None
    return {"ok": True, "fault": fault.to_json()}


def _list_faults(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> list[dict[str, Any]]:
    return [fault.to_json() for fault in sandbox.faults.faults]


def _clear_faults(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> dict[str, Any]:
    sandbox.faults.clear()
    return {"ok": True}


def _set_flood(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> dict[str, Any]:
    limits = sandbox.flood.configure(body)
    return {"ok": True, "flood": dict(limits.__dict__)}


async def stream_events(request: web.Request) -> web.StreamResponse:
    """Stream every sandbox change as `data: <json>` lines (text/event-stream)."""
    sandbox = request.app[SANDBOX_KEY]
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    await response.write(b": connected\n\n")

    queue = sandbox.events.subscribe()
    try:
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
            except asyncio.TimeoutError:
                await response.write(b": heartbeat\n\n")
                continue
            if event is None:
                break
            line = f"event: {event['type']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
            await response.write(line.encode("utf-8"))
    except (ConnectionResetError, asyncio.CancelledError):
        logger.debug("event stream closed by the client")
    finally:
        sandbox.events.unsubscribe(queue)
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/control/chats", control_route(_chats))
    app.router.add_get("/control/chats/{chat_id}/messages", control_route(_chat_messages))
    app.router.add_get("/control/calls", control_route(_calls))
    app.router.add_get("/control/callback_queries", control_route(_callback_queries))
    app.router.add_get("/control/stats", control_route(_stats))
    app.router.add_get("/control/updates", control_route(_pending_updates))
    app.router.add_get("/control/bots", control_route(_bots))
    app.router.add_get("/control/faults", control_route(_list_faults))
    app.router.add_post("/control/faults", control_route(_add_fault))
    app.router.add_delete("/control/faults", control_route(_clear_faults))
    app.router.add_post("/control/flood", control_route(_set_flood))
    app.router.add_get("/control/events", stream_events)
