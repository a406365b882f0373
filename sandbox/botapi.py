"""HTTP transport of the Bot API: token check, method lookup, faults, flood limits, envelopes."""

import asyncio
import json
import logging
from typing import Any

from aiohttp import web

from sandbox import methods_bot, methods_chat, methods_edit, methods_forum, methods_send
from sandbox.context import CallContext, Handler
from sandbox.core import Sandbox
from sandbox.errors import INVALID_TOKEN, METHOD_NOT_FOUND, ApiError
from sandbox.faults import Fault
from sandbox.params import Params, read_params
from sandbox.state import BotWorld

logger = logging.getLogger(__name__)

SANDBOX_KEY = web.AppKey("sandbox", Sandbox)


def _build_registry() -> dict[str, tuple[str, Handler]]:
    registry: dict[str, tuple[str, Handler]] = {}
    for module in (methods_bot, methods_send, methods_edit, methods_chat, methods_forum):
        for name, handler in module.HANDLERS.items():
            registry[name.lower()] = (name, handler)
    return registry


# Method names are case-insensitive, as on the real server; values keep the documented spelling.
METHODS = _build_registry()


def envelope_response(body: dict[str, Any], status: int = 200) -> web.Response:
    # Compact separators, as the real server writes {"ok":true,"result":...}.
    return web.Response(
        status=status,
        text=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        content_type="application/json",
    )


def error_response(error: ApiError) -> web.Response:
    return envelope_response(error.envelope(), status=error.error_code)


def _chat_key(params: Params) -> int | None:
    value = params.raw("chat_id")
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


async def handle_bot_call(request: web.Request) -> web.StreamResponse:
    """Serve /bot<token>/<method>."""
    sandbox = request.app[SANDBOX_KEY]
    world = sandbox.world_for_token(request.match_info["token"])
    if world is None:
        return error_response(ApiError(INVALID_TOKEN, 401))

    name = request.match_info["method"]
    entry = METHODS.get(name.lower())
    if entry is None:
        error = ApiError(METHOD_NOT_FOUND, 404)
        _record(sandbox, world, name, Params({}, {}), error)
        return error_response(error)
    method, handler = entry

    try:
        params = await read_params(request)
    except ApiError as error:
        _record(sandbox, world, method, Params({}, {}), error)
        return error_response(error)

    fault = sandbox.faults.take(method, params.raw("chat_id"))
    if fault is not None and fault.delay:
        # The server runs with handler cancellation, so that a poller whose client went away
        # stops waiting. A delayed call is shielded instead, so it still completes after the
        # client timed out and a retry may duplicate its message: the case a timeout leaves open.
        delayed = asyncio.ensure_future(_delay_then_answer(request, sandbox, world, method,
                                                           handler, params, fault))
        return await asyncio.shield(delayed)
    return await _answer(request, sandbox, world, method, handler, params, fault)


async def _delay_then_answer(
    request: web.Request,
    sandbox: Sandbox,
    world: BotWorld,
    method: str,
    handler: Handler,
    params: Params,
    fault: Fault,
) -> web.StreamResponse:
    await asyncio.sleep(fault.delay or 0)
    return await _answer(request, sandbox, world, method, handler, params, fault)


async def _answer(
    request: web.Request,
    sandbox: Sandbox,
    world: BotWorld,
    method: str,
    handler: Handler,
    params: Params,
    fault: Fault | None,
) -> web.StreamResponse:
    """Apply the fault's drop or error, else the flood limits and the method itself."""
    if fault is not None and fault.drop:
        _record(sandbox, world, method, params, ApiError("connection dropped by a fault", 0))
        return _drop_connection(request)
    injected = fault.error() if fault is not None else None
    if injected is not None:
        _record(sandbox, world, method, params, injected)
        return error_response(injected)

    try:
        sandbox.flood.check(method, _chat_key(params))
        result = await handler(CallContext(sandbox, world, params))
    except ApiError as error:
        _record(sandbox, world, method, params, error)
        return error_response(error)

    _record(sandbox, world, method, params, None)
    return envelope_response({"ok": True, "result": result})


def _drop_connection(request: web.Request) -> web.StreamResponse:
    """Close the socket without a response, as a crashed proxy would."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    # aiohttp needs a response object; it can no longer be written to the closed socket.
    return web.Response(status=500)


def _record(
    sandbox: Sandbox, world: BotWorld, method: str, params: Params, error: ApiError | None
) -> None:
    bot_id = world.bot.id if world.bot else None
    if error is not None:
        logger.info(
            "bot api call failed method=%s chat_id=%s error_code=%s",
            method, params.raw("chat_id"), error.error_code,
        )
    sandbox.calls.record(
        bot_id=bot_id,
        method=method,
        chat_id=params.raw("chat_id"),
        params=params.loggable(),
        error_code=None if error is None else error.error_code,
        description=None if error is None else error.description,
        uploaded_bytes=params.uploaded_bytes(),
    )


async def handle_file_download(request: web.Request) -> web.StreamResponse:
    """Serve /file/bot<token>/<file_path>, the URL that getFile's file_path is relative to."""
    sandbox = request.app[SANDBOX_KEY]
    world = sandbox.world_for_token(request.match_info["token"])
    if world is None:
        return error_response(ApiError(INVALID_TOKEN, 401))
    data = world.files.content(request.match_info["file_path"])
    if data is None:
        return error_response(ApiError("Not Found: file not found", 404))
    return web.Response(body=data, content_type="application/octet-stream")


def add_routes(app: web.Application) -> None:
    app.router.add_route("*", "/bot{token}/{method}", handle_bot_call)
    app.router.add_get("/file/bot{token}/{file_path:.+}", handle_file_download)
