"""The Bot API calls of the relay: copies both ways, albums, and edits of earlier copies."""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram import MessageEntity, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest

import locales
from handlers import agent_views
from handlers.handoff_state import get_handoff
from handlers.lead_posting import Place, services_of
from store import leads, people, relays
from store.leads import Lead
from store.relays import Delivered, QueuedMessage

logger = logging.getLogger(__name__)

# Read timeout of one relay call, in seconds; the bot's other calls keep their own.
SEND_TIMEOUT_SECONDS = 10.0


async def _name(application: Any, lead: Lead) -> str:
    person = await people.get_person(services_of(application).db, lead.user_id)
    return agent_views.display_name(person.first_name if person else None)


def _reply(message_id: int | None) -> ReplyParameters | None:
    if message_id is None:
        return None
    return ReplyParameters(message_id, allow_sending_without_reply=True)


async def _copy(bot: Any, chat_id: int, batch: list[QueuedMessage], thread_id: int | None,
                reply_to: int | None) -> list[int]:
    """Copy one message, or an album in one call so that it stays an album."""
    from_chat_id = batch[0].from_chat_id
    if len(batch) == 1:
        copied = await bot.copy_message(chat_id, from_chat_id, batch[0].message_id,
                                        message_thread_id=thread_id,
                                        reply_parameters=_reply(reply_to),
                                        read_timeout=SEND_TIMEOUT_SECONDS)
        return [copied.message_id]
    copies = await bot.copy_messages(chat_id, from_chat_id, [item.message_id for item in batch],
                                     message_thread_id=thread_id,
                                     read_timeout=SEND_TIMEOUT_SECONDS)
    return [copy.message_id for copy in copies]


async def copy_to_group(application: Any, lead: Lead, place: Place,
                        batch: list[QueuedMessage]) -> list[Delivered]:
    """Copy a customer's message into their topic, or into a plain group after an intro line.

    The intro names the customer whenever the group's previous post was about someone else.
    """
    handoff = get_handoff(application)
    db = services_of(application).db
    async with handoff.group_lock:
        plain_group = place.thread_id is None
        if plain_group and handoff.last_introduced_lead != lead.id:
            intro = await application.bot.send_message(
                place.chat_id, agent_views.text("ho_intro", name=await _name(application, lead),
                                                lead=lead.id),
                parse_mode=ParseMode.HTML, read_timeout=SEND_TIMEOUT_SECONDS)
            await leads.add_post(db, place.chat_id, intro.message_id, lead.id, "intro")
            handoff.last_introduced_lead = lead.id
        reply_to = None
        if batch[0].reply_to_message_id is not None:
            reply_to = await relays.group_message_for(db, lead.user_id,
                                                      batch[0].reply_to_message_id, place.chat_id)
        copies = await _copy(application.bot, place.chat_id, batch, place.thread_id, reply_to)
        if plain_group:
            handoff.last_introduced_lead = lead.id
    return [Delivered(item, lead.user_id, item.message_id, place.chat_id, copy_id)
            for item, copy_id in zip(batch, copies)]


async def copy_to_customer(application: Any, lead: Lead,
                           batch: list[QueuedMessage]) -> list[Delivered]:
    copies = await _copy(application.bot, lead.user_id, batch, None,
                         batch[0].reply_to_message_id)
    return [Delivered(item, lead.user_id, copy_id, item.from_chat_id, item.message_id)
            for item, copy_id in zip(batch, copies)]


async def _edit_in_place(bot: Any, chat_id: int, message_id: int,
                         payload: dict[str, Any]) -> None:
    entities = [MessageEntity.de_json(entity, bot) for entity in payload.get("entities", [])]
    if "text" in payload:
        await bot.edit_message_text(payload["text"], chat_id, message_id, entities=entities,
                                    read_timeout=SEND_TIMEOUT_SECONDS)
    else:
        await bot.edit_message_caption(chat_id, message_id, caption=payload.get("caption"),
                                       caption_entities=entities,
                                       read_timeout=SEND_TIMEOUT_SECONDS)


async def edit_copy(application: Any, lead: Lead, item: QueuedMessage,
                    place: Place | None) -> list[Delivered]:
    """Apply an edit to the earlier copy, or send the edited message again, marked as edited.

    The marked copy is the fallback when the copy is unknown, in a chat the group has left
    (upgraded to a supergroup), or too old for Telegram to edit.
    """
    db = services_of(application).db
    bot = application.bot
    if item.direction == "in":
        assert place is not None
        found = await relays.group_copy(db, item.from_chat_id, item.message_id)
        chat_id = place.chat_id
        copy_id = found[1] if found is not None and found[0] == place.chat_id else None
    else:
        chat_id = lead.user_id
        copy_id = await relays.customer_copy(db, item.from_chat_id, item.message_id)

    if copy_id is not None:
        try:
            await _edit_in_place(bot, chat_id, copy_id, json.loads(item.payload or "{}"))
            return []
        except BadRequest as error:
            if "message is not modified" in error.message.lower():
                return []
            logger.info("edit not applied in place lead_id=%d queue_id=%d error=%s", lead.id,
                        item.id, error.message)

    if item.direction == "out":
        language = lead.language or locales.DEFAULT_LANGUAGE
        await bot.send_message(chat_id, locales.text(language, "ho_edited_out"),
                               parse_mode=ParseMode.HTML, reply_parameters=_reply(copy_id))
        [new_copy] = await _copy(bot, chat_id, [item], None, None)
        return [Delivered(item, lead.user_id, new_copy, item.from_chat_id, item.message_id)]

    assert place is not None
    handoff = get_handoff(application)
    notice_text = agent_views.text("ho_notice_edited", name=await _name(application, lead))
    async with handoff.group_lock:
        options: dict[str, Any] = {"message_thread_id": place.thread_id}
        if copy_id is not None:
            options["reply_parameters"] = _reply(copy_id)
        notice = await bot.send_message(chat_id, notice_text, parse_mode=ParseMode.HTML,
                                        **options)
        await leads.add_post(db, chat_id, notice.message_id, lead.id, "edit")
        [new_copy] = await _copy(bot, chat_id, [item], place.thread_id, None)
        handoff.last_introduced_lead = lead.id if place.thread_id is None else None
    return [Delivered(item, lead.user_id, item.message_id, chat_id, new_copy)]
