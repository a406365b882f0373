"""JSON control interface under /control/ that lets tests act as people and as Telegram."""

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox import groups, people
from sandbox.botapi import SANDBOX_KEY
from sandbox.core import Sandbox
from sandbox.control_errors import ControlError
from sandbox.state import BotWorld

logger = logging.getLogger(__name__)

ControlHandler = Callable[[Sandbox, BotWorld, dict[str, Any]], Any]


def json_reply(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status, text=json.dumps(data, ensure_ascii=False), content_type="application/json"
    )


async def read_body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ControlError("request body must be JSON") from None
    if not isinstance(body, dict):
        raise ControlError("request body must be a JSON object")
    return body


def pick_world(sandbox: Sandbox, request: web.Request, body: dict[str, Any]) -> BotWorld:
    """Return the world of bot_id (body or query), else the bot that called last."""
    bot_id = body.get("bot_id", request.query.get("bot_id"))
    try:
        return sandbox.world(None if bot_id in (None, "") else int(bot_id))
    except (LookupError, ValueError) as error:
        raise ControlError(str(error), 404) from None


def control_route(handler: ControlHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Wrap a control action: merge query, JSON body and path values, pick the bot, and map
    ControlError to a JSON error."""

    async def route(request: web.Request) -> web.Response:
        sandbox = request.app[SANDBOX_KEY]
        try:
            body = {**request.query, **await read_body(request)}
            body.update({key: _path_value(value) for key, value in request.match_info.items()})
            world = pick_world(sandbox, request, body)
            result = handler(sandbox, world, body)
        except ControlError as error:
            logger.info("control request failed path=%s status=%s error=%s",
                        request.path, error.status, error)
            return json_reply({"ok": False, "error": str(error), **error.details}, error.status)
        except KeyError as error:
            logger.info("control request rejected path=%s missing=%s", request.path, error)
            return json_reply({"ok": False, "error": f"missing field {error}"}, 400)
        except LookupError as error:
            # Raised when an action needs the bot's identity before any token has called.
            logger.info("control request needs a bot path=%s error=%s", request.path, error)
            message = f"{error}; start the bot (its getMe call registers it) first"
            return json_reply({"ok": False, "error": message}, 409)
        except (TypeError, ValueError) as error:
            logger.info("control request rejected path=%s error=%s", request.path, error)
            return json_reply({"ok": False, "error": f"invalid request: {error}"}, 400)
        return json_reply(result)

    return route


def _path_value(value: str) -> Any:
    try:
        return int(value)
    except ValueError:
        return value


def _reset(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> dict[str, Any]:
    sandbox.reset()
    return {"ok": True}


def _add_user(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> dict[str, Any]:
    user = people.register_user(world, body)
    return {"ok": True, "user": user.to_json()}


def _add_group(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> dict[str, Any]:
    chat = groups.create_group(sandbox, world, body)
    return {"ok": True, "chat_id": chat.id, "chat": chat.to_json()}


def _set_bot_status(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> dict[str, Any]:
    update_id = groups.set_bot_status(world, int(body["chat_id"]), body)
    return {"ok": True, "update_id": update_id}


def _send_message(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> dict[str, Any]:
    message, update_id = people.inject_message(world, body)
    return {
        "ok": True,
        "update_id": update_id,
        "message_id": message.message_id,
        "chat_id": message.chat_id,
        "delivered": update_id is not None,
    }


def _edit_message(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> dict[str, Any]:
    update_id = people.inject_edit(world, body)
    return {"ok": True, "update_id": update_id, "delivered": update_id is not None}


def _callback(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> dict[str, Any]:
    record, update_id = people.inject_callback(sandbox, world, body)
    return {"ok": True, "update_id": update_id, "callback_query_id": record.id}


def _press(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> dict[str, Any]:
    button = people.find_button(world, body)
    if not button.get("callback_data"):
        label = button.get("text")
        raise ControlError(f"button {label!r} has no callback_data", 400, button=button)
    chat_id = body.get("chat_id", body.get("user_id"))
    spec = dict(body, data=button["callback_data"], chat_id=chat_id)
    record, update_id = people.inject_callback(sandbox, world, spec)
    return {
        "ok": True,
        "update_id": update_id,
        "callback_query_id": record.id,
        "data": button["callback_data"],
    }


def _raw_update(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> dict[str, Any]:
    update = body.get("update")
    if not isinstance(update, dict):
        raise ControlError("update must be a JSON object")
    update_id = world.updates.push_raw(update, renumber=bool(body.get("renumber")))
    return {"ok": True, "update_id": update_id}


def _block(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> dict[str, Any]:
    update_id = people.set_blocked(world, int(body["user_id"]), bool(body.get("blocked", True)))
    return {"ok": True, "update_id": update_id}


def _migrate(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> dict[str, Any]:
    new_chat = groups.migrate_group(sandbox, world, int(body["chat_id"]))
    return {"ok": True, "new_chat_id": new_chat.id}


def add_routes(app: web.Application) -> None:
    actions: dict[str, ControlHandler] = {
        "/control/reset": _reset,
        "/control/users": _add_user,
        "/control/groups": _add_group,
        "/control/groups/{chat_id}/bot": _set_bot_status,
        "/control/messages": _send_message,
        "/control/edit_message": _edit_message,
        "/control/callback": _callback,
        "/control/press": _press,
        "/control/updates": _raw_update,
        "/control/block": _block,
        "/control/migrate": _migrate,
    }
    for path, handler in actions.items():
        app.router.add_post(path, control_route(handler))
