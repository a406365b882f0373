"""What happens to a lead: claimed, won, lost, ended by an advisor, blocked by the customer.

Each change is written first, then shown on the card and sent to the customer when it
concerns them. A failure to show it is logged and never undoes the change.
"""

from __future__ import annotations

import datetime as dtm
import logging
from typing import Any

from telegram import User
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError

import locales
from flows import funnel
from flows import handoff as rules
from flows.experience import pick_departure
from flows.handoff import Claim, OutcomeChange
from handlers import agent_views, views
from handlers.handoff_state import get_handoff
from handlers.lead_posting import (
    GroupUnavailable,
    post_notice,
    refresh_card,
    services_of,
)
from store import carts, leads, people, relays
from store.leads import Lead

logger = logging.getLogger(__name__)


async def _lead(application: Any, lead_id: int) -> Lead:
    lead = await leads.get_lead(services_of(application).db, lead_id)
    if lead is None:
        raise LookupError(f"lead {lead_id} not found")
    return lead


async def customer_name(application: Any, user_id: int) -> str:
    person = await people.get_person(services_of(application).db, user_id)
    return agent_views.display_name(person.first_name if person else None)


async def _show(application: Any, lead_id: int, notice: str | None = None) -> None:
    """Refresh the card and post a notice; the lead's lock is held by the caller."""
    try:
        await refresh_card(application, lead_id)
        if notice is not None:
            await post_notice(application, lead_id, notice)
    except (TelegramError, GroupUnavailable) as error:
        logger.warning("lead change not shown in the group lead_id=%d error=%s", lead_id, error)


async def _tell_customer(application: Any, lead: Lead, text: str, **options: Any) -> None:
    try:
        await application.bot.send_message(lead.user_id, text, parse_mode=ParseMode.HTML,
                                           **options)
    except Forbidden as error:
        logger.info("customer unreachable lead_id=%d user_id=%d error=%s", lead.id,
                    lead.user_id, error.message)
        await mark_blocked_locked(application, lead.id)
    except TelegramError as error:
        logger.warning("message to the customer failed lead_id=%d user_id=%d error=%s", lead.id,
                       lead.user_id, error)


async def claim(application: Any, lead_id: int, advisor: User) -> tuple[Claim, Lead]:
    """Give the lead to the first advisor who claims it; call announce_claim after."""
    async with get_handoff(application).lead_locks.get(lead_id):
        lead = await _lead(application, lead_id)
        decision = rules.decide_claim(lead.status, lead.claimed_by, advisor.id)
        if decision is not Claim.CLAIMED:
            return decision, lead
        name = agent_views.display_name(advisor.first_name)
        if not await leads.claim(services_of(application).db, lead.id, advisor.id, name):
            return Claim.TAKEN, await _lead(application, lead_id)
        await funnel.claimed(services_of(application).db, lead.user_id, lead.campaign, lead.id)
        logger.info("lead claimed lead_id=%d advisor_id=%d", lead.id, advisor.id)
        return decision, await _lead(application, lead_id)


async def announce_claim(application: Any, lead_id: int) -> None:
    """Tell the customer which advisor handles their request, and show the claim to the team."""
    async with get_handoff(application).lead_locks.get(lead_id):
        lead = await _lead(application, lead_id)
        name = lead.claimed_by_name or ""
        language = lead.language or locales.DEFAULT_LANGUAGE
        await _tell_customer(application, lead, locales.text(
            language, "ho_claimed", name=name, brand=locales.plain(language, "brand")))
        await _show(application, lead.id, agent_views.text("ho_notice_claimed", name=name))


async def won(application: Any, lead_id: int, amount: float) -> OutcomeChange:
    """Record the sale (funnel stage 3) with its amount and the trip in the cart."""
    db = services_of(application).db
    async with get_handoff(application).lead_locks.get(lead_id):
        lead = await _lead(application, lead_id)
        decision = rules.decide_outcome(lead.outcome, rules.WON)
        if decision is not OutcomeChange.APPLY:
            return decision
        if not await leads.set_outcome(db, lead.id, rules.WON, amount, None, lead.outcome):
            return OutcomeChange.SAME

        cart = await carts.get_cart(db, lead.cart_id) if lead.cart_id is not None else None
        catalog = services_of(application).catalogs.current
        index = catalog.trip_index.get(cart.trip_id) if cart else None
        trip = catalog.trips[index] if index is not None else None
        today = dtm.datetime.now(dtm.UTC).date()
        await funnel.first_purchase(
            db, lead.user_id, lead.campaign, lead.id, amount, cart.trip_id if cart else None,
            pick_departure(trip.departures, None, today) if trip else None,
            duration_days=trip.duration_days if trip else None,
            currency=cart.currency if cart else None)
        logger.info("lead won lead_id=%d", lead.id)
        return decision


async def lost(application: Any, lead_id: int, reason: str, detail: str) -> OutcomeChange:
    """Record a lost sale with a reason code and the words the advisor chose."""
    db = services_of(application).db
    async with get_handoff(application).lead_locks.get(lead_id):
        lead = await _lead(application, lead_id)
        decision = rules.decide_outcome(lead.outcome, rules.LOST)
        if decision is not OutcomeChange.APPLY:
            return decision
        if not await leads.set_outcome(db, lead.id, rules.LOST, None, detail, lead.outcome):
            return OutcomeChange.SAME
        await funnel.lost(db, lead.user_id, lead.campaign, lead.id, reason)
        logger.info("lead lost lead_id=%d reason=%s", lead.id, reason)
        return decision


async def announce_outcome(application: Any, lead_id: int) -> None:
    """Show won or lost on the card; the customer gets no message about it."""
    async with get_handoff(application).lead_locks.get(lead_id):
        await _show(application, lead_id)


async def end(application: Any, lead_id: int) -> bool:
    """End the conversation; call announce_end after."""
    db = services_of(application).db
    async with get_handoff(application).lead_locks.get(lead_id):
        lead = await _lead(application, lead_id)
        if not rules.can_end(lead.status) or not await leads.close(db, lead.id, rules.ENDED):
            return False
        await funnel.handoff_ended(db, lead.user_id, lead.campaign, lead.id)
        logger.info("lead ended lead_id=%d", lead.id)
        return True


async def announce_end(application: Any, lead_id: int) -> None:
    """Tell the customer they talk to the bot again, show it on the card, close the topic."""
    async with get_handoff(application).lead_locks.get(lead_id):
        lead = await _lead(application, lead_id)
        language = lead.language or locales.DEFAULT_LANGUAGE
        await _tell_customer(application, lead, locales.text(language, "ho_ended"),
                             reply_markup=views.menu_keyboard(language))
        await _show(application, lead.id)
        await _close_topic(application, lead)


async def _close_topic(application: Any, lead: Lead) -> None:
    """Close an ended lead's forum topic, so the list of open topics is the work to do."""
    if lead.topic_id is None or lead.agent_chat_id != get_handoff(application).chat.chat_id:
        return
    try:
        await application.bot.close_forum_topic(lead.agent_chat_id, lead.topic_id)
    except TelegramError as error:
        logger.info("lead topic not closed lead_id=%d error=%s", lead.id, error)


async def mark_blocked_locked(application: Any, lead_id: int) -> None:
    """Mark the lead blocked and tell the group; the lead's lock is held by the caller."""
    db = services_of(application).db
    lead = await _lead(application, lead_id)
    if not await leads.close(db, lead.id, rules.BLOCKED):
        return
    dropped = await relays.drop_pending_out(db, lead.id)
    logger.info("lead blocked by the customer lead_id=%d dropped=%d", lead.id, dropped)
    name = await customer_name(application, lead.user_id)
    await _show(application, lead.id, agent_views.text("ho_notice_blocked", name=name))


async def customer_blocked(application: Any, user_id: int) -> None:
    lead = await leads.open_lead_of(services_of(application).db, user_id)
    if lead is None:
        return
    async with get_handoff(application).lead_locks.get(lead.id):
        await mark_blocked_locked(application, lead.id)


async def customer_unblocked(application: Any, user_id: int) -> Lead | None:
    """Reopen a lead closed by a block, so the customer finds their advisor again.

    Both the unblock update and the customer's next message call this, in either order; the
    first reopens the lead and tells the group, the second finds nothing to do.
    """
    lead = await leads.reopen_blocked(services_of(application).db, user_id)
    if lead is None:
        return None
    logger.info("lead reopened after unblock lead_id=%d", lead.id)
    name = await customer_name(application, lead.user_id)
    async with get_handoff(application).lead_locks.get(lead.id):
        await _show(application, lead.id, agent_views.text("ho_notice_unblocked", name=name))
    return lead
