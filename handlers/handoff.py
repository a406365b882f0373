"""The customer's side of the handoff: asking for an advisor, and messages relayed to them."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

import locales
from flows import funnel
from handlers import lead_status, relay
from handlers.common import Services, get_services
from handlers.handoff_state import get_handoff
from handlers.lead_posting import GroupUnavailable, ensure_posted
from store import carts, leads, people

logger = logging.getLogger(__name__)


async def request_handoff(application: Any, services: Services, user_id: int, chat_id: int,
                          language: str, campaign: str | None) -> None:
    """Open a lead for the advisors with the person's cart, and tell the person what comes next.

    A person whose conversation with an advisor is still open gets no second lead.
    """
    bot = application.bot
    if get_handoff(application).chat.chat_id is None:
        # No agents' group configured: the request is recorded by the caller, nothing more.
        await bot.send_message(chat_id, locales.text(language, "advisor_requested"),
                               parse_mode=ParseMode.HTML)
        return

    if campaign is None:
        person = await people.get_person(services.db, user_id)
        campaign = person.first_campaign if person else None
    cart = await carts.open_cart(services.db, user_id)
    lead, created = await leads.open_lead(services.db, user_id, cart.id if cart else None,
                                          campaign, language)
    if not created:
        await bot.send_message(chat_id, locales.text(language, "ho_already"),
                               parse_mode=ParseMode.HTML)
        return
    await funnel.handoff(services.db, user_id, campaign, lead.id)
    logger.info("lead opened lead_id=%d user_id=%d cart_id=%s", lead.id, user_id,
                cart.id if cart else None)

    text = locales.text(language, "ho_requested")
    hours = services.settings.advisor_hours
    if hours:
        text = locales.Markup(f"{text}\n"
                              f"{locales.text(language, 'ho_requested_hours', hours=hours)}")
    await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)

    try:
        await ensure_posted(application, lead.id)
    except (TelegramError, GroupUnavailable) as error:
        # The lead is stored, so the upkeep job posts its card once the group accepts it again.
        logger.warning("lead card not posted yet lead_id=%d error=%s", lead.id, error)


async def relay_customer_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Relay a customer's message (or edit) to their advisor instead of the bot's routing.

    Registered in a handler group that runs before the conversation handlers; a person with no
    open lead passes through untouched.
    """
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.chat.type != "private":
        return
    if get_handoff(context.application).chat.chat_id is None:
        # AGENT_CHAT_ID was removed: leads left open cannot be served, the bot answers instead.
        return
    services = get_services(context)
    async with services.locks.get(user.id):
        lead = await leads.open_lead_of(services.db, user.id)
        if lead is None:
            # Writing again after blocking the bot means the block is over. The unblock
            # update may be reopening the lead at this very moment, hence the second look.
            await lead_status.customer_unblocked(context.application, user.id)
            lead = await leads.open_lead_of(services.db, user.id)
        if lead is None:
            return
        edited = update.edited_message is not None
        queued = await relay.queue_message(context.application, lead, message, "in", edited)
    if queued:
        logger.debug("customer message queued lead_id=%d message_id=%d", lead.id,
                     message.message_id)
    await relay.drain(context.application, lead.id)
    raise ApplicationHandlerStop
