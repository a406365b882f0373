"""The browser chat page: its static files, the extra reads it needs, and its request guard."""

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.botapi import SANDBOX_KEY
from sandbox.control import control_route
from sandbox.control_errors import ControlError
from sandbox.core import Sandbox
from sandbox.state import BotWorld, Chat

logger = logging.getLogger(__name__)

WEB_ROOT = Path(__file__).resolve().parent / "web"
# Only these files are served, so no request path can reach anything else on the disk.
PAGE_FILES = {
    "index.html": "text/html",
    "app.css": "text/css",
    "app.js": "text/javascript",
    "api.js": "text/javascript",
    "render.js": "text/javascript",
    "entities.js": "text/javascript",
    "chat.js": "text/javascript",
    "phone.js": "text/javascript",
    "person.js": "text/javascript",
    "group.js": "text/javascript",
}
# The page loads nothing from other origins: no CDN, font or analytics can sneak in.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
# Stored files are the bot's and people's uploads: never let one run as a page of this origin.
FILE_POLICY = "default-src 'none'; sandbox"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
_IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF8", "image/gif"),
)


@dataclass
class PageState:
    """Page data beyond the Bot API state: the demo's roles, set when a demo is prepared."""

    agent_chat_id: int | None = None
    advisor_ids: list[int] = field(default_factory=list)
    admin_ids: list[int] = field(default_factory=list)
    group_ids: list[int] = field(default_factory=list)
    campaigns: list[str] = field(default_factory=list)


PAGE_KEY = web.AppKey("page", PageState)


@web.middleware
async def loopback_guard(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Reject requests that a web site opened in the same browser could forge.

    A Host other than a loopback name means DNS rebinding, and a foreign Origin on a control
    call means another site's page is posting to this server.
    """
    host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
    if host not in LOOPBACK_HOSTS:
        logger.warning("request rejected: host is not a loopback name path=%s", request.path)
        return web.json_response({"ok": False, "error": "host must be a loopback name"},
                                 status=403)

    origin = request.headers.get("Origin")
    if request.path.startswith("/control/") and origin and origin != f"http://{request.host}":
        logger.warning("request rejected: cross-origin control call path=%s", request.path)
        return web.json_response({"ok": False, "error": "cross-origin control calls are "
                                  "not allowed"}, status=403)
    return await handler(request)


async def serve_page_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info.get("name", "index.html")
    content_type = PAGE_FILES.get(name)
    if content_type is None:
        raise web.HTTPNotFound(text=f"no page file named {name!r}")
    return web.Response(
        body=(WEB_ROOT / name).read_bytes(),
        content_type=content_type,
        charset="utf-8",
        headers={"Content-Security-Policy": PAGE_POLICY, "Cache-Control": "no-cache",
                 "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"},
    )


async def serve_stored_file(request: web.Request) -> web.StreamResponse:
    """Serve a photo or file by file_id; anything but an image is sent as a download."""
    sandbox: Sandbox = request.app[SANDBOX_KEY]
    bot_id = request.query.get("bot_id")
    try:
        world = sandbox.world(int(bot_id) if bot_id else None)
    except (LookupError, ValueError) as error:
        raise web.HTTPNotFound(text=str(error)) from None
    stored = world.files.files.get(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound(text="no file with this file_id")

    headers = {"Content-Security-Policy": FILE_POLICY, "X-Content-Type-Options": "nosniff",
               "Cache-Control": "private, max-age=3600"}
    image_type = _image_type(stored.data) if stored.kind in ("photo", "sticker") else None
    if image_type is None:
        description = world.files.descriptions.get(stored.file_id, {})
        file_name = _safe_file_name(description.get("file_name") or stored.file_path)
        headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return web.Response(body=stored.data, content_type=image_type or "application/octet-stream",
                        headers=headers)


def _image_type(data: bytes) -> str | None:
    for signature, content_type in _IMAGE_SIGNATURES:
        if data.startswith(signature):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _safe_file_name(name: str) -> str:
    # The name goes into a quoted header value: keep printable ASCII without quotes or slashes.
    base = name.rsplit("/", 1)[-1]
    cleaned = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_"
                      for ch in base)
    return cleaned or "file"


async def page_info(request: web.Request) -> web.Response:
    """Return the bot's identity (null before its first call) and the demo's roles."""
    world = request.app[SANDBOX_KEY].world()
    roles = request.app[PAGE_KEY]
    return web.json_response({"bot": world.bot.to_json() if world.bot else None,
                              "roles": dict(roles.__dict__)})


def _users(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**user.to_json(), "blocked": user.id in world.blocked}
            for user in world.users.values()]


def _members(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> list[dict[str, Any]]:
    chat = world.chats.get(body["chat_id"])
    if chat is None or chat.type == "private":
        raise ControlError(f"group {body['chat_id']} does not exist", 404)
    return [{"user": world.ensure_user(user_id).to_json(), "status": status}
            for user_id, status in chat.members.items()]


def _commands(sandbox: Sandbox, world: BotWorld, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the command menu a client shows in a chat, resolved as Telegram resolves scopes."""
    chat = world.chats.get(int(body["chat_id"]))
    if chat is None:
        raise ControlError(f"chat {body['chat_id']} does not exist", 404)
    language = str(body.get("language_code") or "")
    for scope in _scopes_by_priority(chat):
        for code in dict.fromkeys((language, "")):
            commands = world.commands.get(_scope_key(scope, code))
            if commands:
                return commands
    return []


def _scopes_by_priority(chat: Chat) -> list[dict[str, Any]]:
    # NOTE: chat_member and chat_administrators scopes depend on who looks; they are skipped.
    general = "all_private_chats" if chat.type == "private" else "all_group_chats"
    return [{"chat_id": chat.id, "type": "chat"}, {"type": general}, {"type": "default"}]


def _scope_key(scope: dict[str, Any], language: str) -> str:
    # The same key as setMyCommands stores: the scope as sorted JSON, a bar, the language.
    return json.dumps(scope, sort_keys=True) + "|" + language


def add_routes(app: web.Application) -> None:
    """Serve the page at / and register the reads it needs; call before the app starts."""
    app[PAGE_KEY] = PageState()
    app.middlewares.append(loopback_guard)
    app.router.add_get("/", serve_page_file)
    app.router.add_get("/web/{name}", serve_page_file)
    app.router.add_get("/control/files/{file_id}", serve_stored_file)
    app.router.add_get("/control/page", page_info)
    app.router.add_get("/control/users", control_route(_users))
    app.router.add_get("/control/chats/{chat_id}/members", control_route(_members))
    app.router.add_get("/control/chats/{chat_id}/commands", control_route(_commands))
