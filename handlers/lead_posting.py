"""Posting for a lead in the agents' group: its topic and card, notices, and repairs when the
group changed under the bot (topic closed or deleted, card deleted, group upgraded)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import InlineKeyboardMarkup, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, TelegramError

from flows import handoff as rules
from flows.lead_card import build_card
from handlers import agent_views
from handlers.common import Services
from handlers.handoff_state import get_handoff, store_agent_chat
from store import leads
from store.leads import Lead

logger = logging.getLogger(__name__)

T = TypeVar("T")
# Each repair (reopen, recreate, follow an upgrade) is followed by one more try.
REPAIR_ATTEMPTS = 3


class GroupUnavailable(Exception):
    """Raised when no agents' group is configured, or the group keeps failing after repairs."""


@dataclasses.dataclass(frozen=True)
class Place:
    """The place of a lead in the group: the chat, its forum topic if any, and its card."""

    chat_id: int
    thread_id: int | None
    card_message_id: int
    card_is_new: bool

    def send_options(self, reply_to_card: bool = False) -> dict[str, Any]:
        """Return the send parameters that put a message in the lead's thread."""
        if self.thread_id is not None:
            return {"message_thread_id": self.thread_id}
        if reply_to_card:
            return {"reply_parameters": ReplyParameters(self.card_message_id,
                                                        allow_sending_without_reply=True)}
        return {}


def services_of(application: Any) -> Services:
    services: Services = application.bot_data["services"]
    return services


async def render_card(application: Any, lead: Lead) -> tuple[str, InlineKeyboardMarkup]:
    card = await build_card(services_of(application).quizzes, lead, agent_views.LANGUAGE)
    return agent_views.card_text(card, lead), agent_views.card_keyboard(lead)


async def _fresh(application: Any, lead_id: int) -> Lead:
    lead = await leads.get_lead(services_of(application).db, lead_id)
    if lead is None:
        raise LookupError(f"lead {lead_id} not found")
    return lead


async def _ensure_place(application: Any, lead_id: int) -> tuple[Lead, Place]:
    """Create the lead's topic (forum) and post its card where they are missing."""
    handoff = get_handoff(application)
    chat_id = handoff.chat.chat_id
    if chat_id is None:
        raise GroupUnavailable("AGENT_CHAT_ID is not set")
    db = services_of(application).db
    bot = application.bot
    lead = await _fresh(application, lead_id)

    if handoff.chat.is_forum and (lead.agent_chat_id != chat_id or lead.topic_id is None):
        card = await build_card(services_of(application).quizzes, lead, agent_views.LANGUAGE)
        name = rules.topic_name(card.first_name, card.cart_title, card.campaign,
                                agent_views.plain("ho_topic_no_name"))
        topic = await bot.create_forum_topic(chat_id, name)
        await leads.set_topic(db, lead.id, chat_id, topic.message_thread_id)
        logger.info("lead topic created lead_id=%d chat_id=%d thread_id=%d", lead.id, chat_id,
                    topic.message_thread_id)
    elif not handoff.chat.is_forum and (lead.agent_chat_id != chat_id
                                        or lead.topic_id is not None):
        await leads.set_topic(db, lead.id, chat_id, None)
    lead = await _fresh(application, lead_id)

    card_is_new = lead.card_message_id is None
    if card_is_new:
        text, keyboard = await render_card(application, lead)
        async with handoff.group_lock:
            message = await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML,
                                             reply_markup=keyboard,
                                             message_thread_id=lead.topic_id)
            # In a plain group the card introduces the customer's next messages.
            handoff.last_introduced_lead = lead.id
        await leads.set_card(db, lead.id, chat_id, message.message_id)
        logger.info("lead card posted lead_id=%d chat_id=%d message_id=%d", lead.id, chat_id,
                    message.message_id)
        lead = await _fresh(application, lead_id)
    assert lead.card_message_id is not None
    return lead, Place(chat_id, lead.topic_id, lead.card_message_id, card_is_new)


async def _repair(application: Any, lead: Lead, error: BadRequest) -> bool:
    """Repair the lead's place after a refusal; False if the refusal is not about the place."""
    handoff = get_handoff(application)
    db = services_of(application).db
    reason = error.message.lower()
    if "topic_closed" in reason and lead.topic_id is not None:
        try:
            await application.bot.reopen_forum_topic(lead.agent_chat_id, lead.topic_id)
        except BadRequest as reopen_error:
            if "topic_not_modified" not in reopen_error.message.lower():
                raise
        logger.info("lead topic reopened lead_id=%d thread_id=%d", lead.id, lead.topic_id)
        return True
    if "message thread not found" in reason:
        await leads.forget_card(db, lead.id, topic_too=True)
        logger.info("lead topic deleted, recreating lead_id=%d", lead.id)
        return True
    if "message to edit not found" in reason:
        await leads.forget_card(db, lead.id, topic_too=False)
        logger.info("lead card deleted, reposting lead_id=%d", lead.id)
        return True
    if "not a forum" in reason:
        handoff.chat.is_forum = False
        logger.warning("agents' group is no longer a forum chat_id=%s", handoff.chat.chat_id)
        return True
    return False


async def in_lead_thread(application: Any, lead_id: int,
                         call: Callable[[Lead, Place], Awaitable[T]]) -> T:
    """Run `call` with the lead's place in the group, repairing the place when it fails.

    The caller holds the lead's lock, so that two tasks never create two topics for one lead.
    Errors that are not about the place (timeouts, blocked customer...) reach the caller.
    """
    handoff = get_handoff(application)
    for _ in range(REPAIR_ATTEMPTS):
        lead = await _fresh(application, lead_id)
        chat_id = handoff.chat.chat_id
        try:
            lead, place = await _ensure_place(application, lead_id)
            return await call(lead, place)
        except ChatMigrated as error:
            await follow_migration(application, chat_id or error.new_chat_id, error.new_chat_id)
        except BadRequest as error:
            if not await _repair(application, lead, error):
                raise
    raise GroupUnavailable(f"lead {lead_id}: the agents' group kept failing after repairs")


async def post_notice(application: Any, lead_id: int, text: str, kind: str = "notice",
                      reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """Post a short message in the lead's thread; replies to it reach the customer."""
    handoff = get_handoff(application)

    async def send(lead: Lead, place: Place) -> None:
        async with handoff.group_lock:
            message = await application.bot.send_message(
                place.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=reply_markup,
                **place.send_options(reply_to_card=True))
            handoff.last_introduced_lead = None
        await leads.add_post(services_of(application).db, place.chat_id, message.message_id,
                             lead.id, kind)

    await in_lead_thread(application, lead_id, send)


async def refresh_card(application: Any, lead_id: int,
                       keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Show the lead's current state on its card, with its usual keyboard unless one is given."""

    async def edit(lead: Lead, place: Place) -> None:
        if place.card_is_new and keyboard is None:
            return
        text, usual_keyboard = await render_card(application, lead)
        try:
            await application.bot.edit_message_text(
                text, place.chat_id, place.card_message_id, parse_mode=ParseMode.HTML,
                reply_markup=keyboard or usual_keyboard)
        except BadRequest as error:
            if "message is not modified" not in error.message.lower():
                raise

    await in_lead_thread(application, lead_id, edit)


async def refresh_mode(application: Any) -> None:
    """Read from the group itself whether it is a forum (one topic per customer) or plain."""
    handoff = get_handoff(application)
    if handoff.chat.chat_id is None:
        return
    try:
        chat = await application.bot.get_chat(handoff.chat.chat_id)
    except TelegramError as error:
        logger.warning("agents' group mode unknown chat_id=%d error=%s", handoff.chat.chat_id,
                       error)
        return
    handoff.chat.is_forum = bool(chat.is_forum)


async def follow_migration(application: Any, old_chat_id: int, new_chat_id: int) -> bool:
    """Use the supergroup a basic agents' group became; False if it was followed already."""
    handoff = get_handoff(application)
    if handoff.chat.chat_id != old_chat_id or new_chat_id == old_chat_id:
        return False
    handoff.chat.chat_id = new_chat_id
    handoff.last_introduced_lead = None
    handoff.forget_members()
    await store_agent_chat(services_of(application).db, handoff.chat.configured, new_chat_id)
    await refresh_mode(application)
    logger.warning("agents' group upgraded to a supergroup old_chat_id=%d new_chat_id=%d: "
                   "the new id is stored; set AGENT_CHAT_ID=%d", old_chat_id, new_chat_id,
                   new_chat_id)
    # Advisors see open leads in the new chat at once, not on each lead's next message.
    application.create_task(deliver_open_leads(application), name="handoff-repost-cards")
    return True


async def ensure_posted(application: Any, lead_id: int) -> None:
    """Make sure the lead has its topic and card in the group in use."""

    async def nothing(lead: Lead, place: Place) -> None:
        return None

    async with get_handoff(application).lead_locks.get(lead_id):
        await in_lead_thread(application, lead_id, nothing)


async def deliver_open_leads(application: Any) -> int:
    """Post the card of every open lead that has none in the group in use; return how many."""
    chat_id = get_handoff(application).chat.chat_id
    if chat_id is None:
        return 0
    delivered = 0
    for lead in await leads.undelivered(services_of(application).db, chat_id):
        try:
            await ensure_posted(application, lead.id)
        except (TelegramError, GroupUnavailable) as error:
            # The group is failing: the next run tries again rather than hammering it now.
            logger.warning("lead card not posted lead_id=%d error=%s", lead.id, error)
            break
        delivered += 1
    return delivered
