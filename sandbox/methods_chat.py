"""Chat methods: getChat, getChatMember, getChatAdministrators, member count and leaveChat."""

import logging
from typing import Any

from sandbox.context import CallContext, Handler
from sandbox.errors import bad_request
from sandbox.objects import bot_member_update, chat_full_info, chat_member_json
from sandbox.sending import check_access, find_chat

logger = logging.getLogger(__name__)


async def get_chat(ctx: CallContext) -> dict[str, Any]:
    chat = find_chat(ctx.world, ctx.params.raw("chat_id"))
    check_access(ctx.world, chat, "read")
    return chat_full_info(ctx.world, chat)


async def get_chat_member(ctx: CallContext) -> dict[str, Any]:
    chat = find_chat(ctx.world, ctx.params.raw("chat_id"))
    check_access(ctx.world, chat, "read")
    user_id = ctx.params.get_int("user_id", required=True)
    assert user_id is not None
    return chat_member_json(ctx.world, chat, user_id)


async def get_chat_administrators(ctx: CallContext) -> list[dict[str, Any]]:
    chat = find_chat(ctx.world, ctx.params.raw("chat_id"))
    check_access(ctx.world, chat, "read")
    if chat.type == "private":
        return []

    admins = [
        chat_member_json(ctx.world, chat, user_id)
        for user_id, status in chat.members.items()
        if status in ("creator", "administrator")
    ]
    if chat.bot_is_admin() and ctx.world.bot is not None:
        admins.append(chat_member_json(ctx.world, chat, ctx.world.bot.id))
    return admins


async def get_chat_member_count(ctx: CallContext) -> int:
    chat = find_chat(ctx.world, ctx.params.raw("chat_id"))
    check_access(ctx.world, chat, "read")
    if chat.type == "private":
        return 2
    present = sum(1 for status in chat.members.values() if status not in ("left", "kicked"))
    bot_present = chat.bot_status in ("member", "administrator")
    return present + int(bot_present)


async def leave_chat(ctx: CallContext) -> bool:
    chat = find_chat(ctx.world, ctx.params.raw("chat_id"))
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    check_access(ctx.world, chat, "edit")

    old_status = chat.bot_status
    chat.bot_status = "left"
    payload = bot_member_update(ctx.world, chat, ctx.world.bot_json(), old_status, "left")
    ctx.world.updates.push("my_chat_member", payload)
    ctx.world.publish("bot_status", chat_id=chat.id, status="left")
    logger.info("bot left a chat chat_id=%s", chat.id)
    return True


HANDLERS: dict[str, Handler] = {
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getChatAdministrators": get_chat_administrators,
    "getChatMemberCount": get_chat_member_count,
    "leaveChat": leave_chat,
}
