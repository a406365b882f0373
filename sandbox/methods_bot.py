"""Bot-level methods: getMe, getUpdates, webhooks, commands, menu button, getFile, chat actions."""

import json
import logging
import re
from typing import Any

from sandbox import errors
from sandbox.context import CallContext, Handler
from sandbox.errors import ApiError, bad_request
from sandbox.sending import find_chat, resolve_topic, writable_chat

logger = logging.getLogger(__name__)

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_COMMANDS = 100
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)


async def get_me(ctx: CallContext) -> dict[str, Any]:
    me = ctx.world.bot_json()
    me.update(
        can_join_groups=True,
        can_read_all_group_messages=not ctx.world.privacy_mode,
        supports_inline_queries=False,
        can_connect_to_business=False,
        has_main_web_app=False,
    )
    return me


async def get_updates(ctx: CallContext) -> list[dict[str, Any]]:
    if ctx.world.webhook_url:
        raise ApiError(errors.CONFLICT_WEBHOOK, 409)
    params = ctx.params
    allowed = params.get_json("allowed_updates", "allowed updates")
    if isinstance(allowed, list):
        ctx.world.updates.set_allowed([str(kind) for kind in allowed])

    offset = params.get_int("offset", 0) or 0
    limit = params.get_int("limit", 100) or 100
    timeout = params.get_float("timeout", 0.0) or 0.0
    return await ctx.world.updates.poll(offset, limit, timeout)


async def set_webhook(ctx: CallContext) -> bool:
    url = ctx.params.get_str("url", "") or ""
    if url and not url.startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    # The stand-in only records the URL so that getUpdates returns 409. It never calls the URL.
    ctx.world.webhook_url = url
    if ctx.params.get_bool("drop_pending_updates"):
        ctx.world.updates.clear()
    return True


async def delete_webhook(ctx: CallContext) -> bool:
    ctx.world.webhook_url = ""
    if ctx.params.get_bool("drop_pending_updates"):
        ctx.world.updates.clear()
    return True


async def get_webhook_info(ctx: CallContext) -> dict[str, Any]:
    return {
        "url": ctx.world.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(ctx.world.updates.pending),
    }


async def close_or_log_out(ctx: CallContext) -> bool:
    return True


def _commands_key(ctx: CallContext) -> str:
    scope = ctx.params.get_json("scope", "bot command scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    language = ctx.params.get_str("language_code", "") or ""
    return json.dumps(scope, sort_keys=True) + "|" + language


async def set_my_commands(ctx: CallContext) -> bool:
    commands = ctx.params.get_json("commands", "BotCommand array")
    if not isinstance(commands, list):
        raise bad_request("expected an Array of BotCommand")
    if len(commands) > MAX_COMMANDS:
        raise bad_request("too many commands specified")
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("BotCommand must be an Object")
        # NOTE: these two descriptions come from MTProto error names and are unconfirmed.
        if not _COMMAND_RE.match(str(command.get("command", "")).lstrip("/")):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")

    key = _commands_key(ctx)
    ctx.world.commands[key] = [
        {"command": str(command["command"]).lstrip("/"),
         "description": str(command["description"])}
        for command in commands
    ]
    return True


async def get_my_commands(ctx: CallContext) -> list[dict[str, Any]]:
    return list(ctx.world.commands.get(_commands_key(ctx), []))


async def delete_my_commands(ctx: CallContext) -> bool:
    ctx.world.commands.pop(_commands_key(ctx), None)
    return True


async def set_chat_menu_button(ctx: CallContext) -> bool:
    chat_ref = ctx.params.raw("chat_id")
    key = "default" if chat_ref in (None, "") else str(find_chat(ctx.world, chat_ref).id)
    button = ctx.params.get_json("menu_button", "menu button") or {"type": "default"}
    if not isinstance(button, dict) or "type" not in button:
        raise bad_request("can't parse menu button JSON object")
    ctx.world.menu_buttons[key] = button
    return True


async def get_chat_menu_button(ctx: CallContext) -> dict[str, Any]:
    chat_ref = ctx.params.raw("chat_id")
    key = "default" if chat_ref in (None, "") else str(find_chat(ctx.world, chat_ref).id)
    return ctx.world.menu_buttons.get(key) or {"type": "commands"}


async def get_file(ctx: CallContext) -> dict[str, Any]:
    file_id = ctx.params.get_str("file_id", "") or ""
    description = ctx.world.files.get_file(file_id)
    if description["file_size"] > MAX_DOWNLOAD_BYTES:
        raise ApiError(errors.FILE_TOO_BIG)
    return description


async def send_chat_action(ctx: CallContext) -> bool:
    chat = writable_chat(ctx.world, ctx.params)
    resolve_topic(chat, ctx.params.get_int("message_thread_id"))
    action = ctx.params.get_str("action", "") or ""
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    ctx.world.publish("chat_action", chat_id=chat.id, action=action)
    return True


HANDLERS: dict[str, Handler] = {
    "getMe": get_me,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "close": close_or_log_out,
    "logOut": close_or_log_out,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
    "getFile": get_file,
    "sendChatAction": send_chat_action,
}
