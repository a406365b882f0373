"""Advisors' actions in the agents' group: the lead card's buttons, /leads, /won and /lost.

Only members of the agents' group in use may act, and a button counts only under a message
the bot posted there for that very lead, so data forged elsewhere changes nothing.
"""

from __future__ import annotations

import datetime as dtm
import logging
from typing import Any

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

import locales
from flows import handoff as rules
from flows.handoff import Claim, OutcomeChange
from handlers import agent_views, callback_data, lead_status
from handlers.common import CallbackReply, Services, callback_handler, language_of
from handlers.handoff_state import get_handoff
from handlers.lead_posting import services_of
from store import carts, leads, people, relays

logger = logging.getLogger(__name__)

_MEMBER_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR,
                    ChatMemberStatus.MEMBER)
MAX_REASON_CHARS = 200
_CLAIM_TOASTS = {Claim.CLAIMED: "ho_toast_claimed", Claim.ALREADY_YOURS: "ho_toast_yours",
                 Claim.TAKEN: "ho_toast_taken", Claim.CLOSED: "ho_toast_closed"}


async def is_agent(application: Any, user_id: int) -> bool:
    """Tell whether a person is a member of the agents' group.

    Telegram's answer is kept for 10 minutes (1 minute for a non-member), so that an advisor's
    every command or button does not cost a Bot API call.
    """
    state = get_handoff(application)
    known = state.member_status(user_id)
    if known is not None:
        return known
    if state.chat.chat_id is None:
        return False
    try:
        member = await application.bot.get_chat_member(state.chat.chat_id, user_id)
    except TelegramError as error:
        logger.warning("membership check failed user_id=%d error=%s", user_id, error)
        return False
    is_member = member.status in _MEMBER_STATUSES or (
        member.status == ChatMemberStatus.RESTRICTED and bool(getattr(member, "is_member", False)))
    state.remember_member(user_id, is_member)
    return is_member


async def _agent_message(application: Any, message: Message) -> bool:
    """Accept a command from a member, or from an anonymous admin of the group itself."""
    if message.sender_chat is not None:
        return message.sender_chat.id == message.chat.id
    return message.from_user is not None and await is_agent(application, message.from_user.id)


async def find_lead(application: Any, message: Message) -> tuple[int | None, int | None]:
    """Return the lead an advisor's message belongs to, and the customer-side message it
    replies to (None when it replies to nothing that was relayed)."""
    db = services_of(application).db
    chat_id = message.chat.id
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    replied = await relays.by_group_message(db, chat_id, reply_to) if reply_to else None

    routes = rules.group_routes(get_handoff(application).chat.is_forum,
                                message.message_thread_id, bool(message.is_topic_message),
                                reply_to)
    for route in routes:
        if route.kind == "topic":
            lead = await leads.lead_by_topic(db, chat_id, route.id)
            lead_id = lead.id if lead else None
        elif replied is not None:
            lead_id = replied[0]
        else:
            lead_id = await leads.lead_of_post(db, chat_id, route.id)
        if lead_id is not None:
            customer_message = replied[1] if replied and replied[0] == lead_id else None
            return lead_id, customer_message
    return None, None


def _outcome_toast(change: OutcomeChange, outcome: str) -> str:
    if change is OutcomeChange.APPLY:
        return agent_views.plain(f"ho_toast_{outcome}")
    if change is OutcomeChange.FINAL:
        return agent_views.plain("ho_toast_won_final")
    return agent_views.plain(f"ho_toast_already_{outcome}")


async def _swap_keyboard(application: Any, message: Any, keyboard: InlineKeyboardMarkup) -> None:
    try:
        await application.bot.edit_message_reply_markup(message.chat.id, message.message_id,
                                                        reply_markup=keyboard)
    except BadRequest as error:
        if "message is not modified" not in error.message.lower():
            logger.warning("lead card keyboard not changed message_id=%d error=%s",
                           message.message_id, error.message)
    except TelegramError as error:
        logger.warning("lead card keyboard not changed message_id=%d error=%s",
                       message.message_id, error)


async def _secondary_keyboard(application: Any, lead_id: int,
                              action: str) -> InlineKeyboardMarkup:
    lead = await leads.get_lead(services_of(application).db, lead_id)
    assert lead is not None
    if action == "w":
        cart = await carts.get_cart(services_of(application).db, lead.cart_id) \
            if lead.cart_id is not None else None
        return agent_views.won_keyboard(lead, cart.price if cart else None,
                                        cart.currency if cart else None)
    if action == "l":
        return agent_views.lost_keyboard(lead)
    if action == "e":
        return agent_views.end_keyboard(lead)
    return agent_views.card_keyboard(lead)


@callback_handler
async def lead_button(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: CallbackReply,
                      services: Services) -> None:
    """Handle a lead card or reminder button: claim, won, lost, end, or a step towards them."""
    query = update.callback_query
    assert query is not None
    application = context.application
    data = callback_data.parse(query.data)
    message = query.message
    # A query without data matches every pattern in python-telegram-bot, so it may land here.
    lead_id = data.number(0) if data is not None and data.kind.startswith("lead") else None
    chat_id = message.chat.id if message is not None else None
    posted_for = await leads.lead_of_post(services.db, chat_id, message.message_id) \
        if message is not None and chat_id is not None else None
    if posted_for is None and lead_id is not None and message is not None \
            and chat_id is not None:
        # A press right after the card appears can beat the card's record, which the posting
        # code writes before it releases the lead's lock: wait for that lock and read again.
        async with get_handoff(application).lead_locks.get(lead_id):
            posted_for = await leads.lead_of_post(services.db, chat_id, message.message_id)
    if data is None or lead_id is None or chat_id != get_handoff(application).chat.chat_id \
            or posted_for != lead_id:
        logger.warning("lead button rejected user_id=%d chat_id=%s lead_id=%s",
                       query.from_user.id, chat_id, lead_id)
        await reply.answer(locales.plain(language_of(query.from_user), "button_invalid"))
        return
    if not await is_agent(application, query.from_user.id):
        logger.warning("lead button from a non-member user_id=%d lead_id=%d",
                       query.from_user.id, lead_id)
        await reply.answer(agent_views.plain("ho_toast_not_agent"), alert=True)
        return

    if data.kind == "lead" and data.fields[1] == "c":
        decision, lead = await lead_status.claim(application, lead_id, query.from_user)
        await reply.answer(agent_views.plain(_CLAIM_TOASTS[decision],
                                             name=lead.claimed_by_name or ""))
        if decision is Claim.CLAIMED:
            await lead_status.announce_claim(application, lead_id)
    elif data.kind == "lead":
        action = data.fields[1]
        await reply.answer(agent_views.plain("ho_toast_won_choose") if action == "w" else None)
        await _swap_keyboard(application, message,
                             await _secondary_keyboard(application, lead_id, action))
    elif data.kind == "lead_won":
        change = await lead_status.won(application, lead_id, float(data.fields[1]))
        await reply.answer(_outcome_toast(change, rules.WON))
        await lead_status.announce_outcome(application, lead_id)
    elif data.kind == "lead_lost":
        reason = data.fields[1]
        change = await lead_status.lost(application, lead_id, reason,
                                        agent_views.plain(f"ho_reason_{reason}"))
        await reply.answer(_outcome_toast(change, rules.LOST))
        await lead_status.announce_outcome(application, lead_id)
    elif data.kind == "lead_end":
        ended = await lead_status.end(application, lead_id)
        await reply.answer(agent_views.plain("ho_toast_ended" if ended else "ho_toast_closed"))
        if ended:
            await lead_status.announce_end(application, lead_id)


async def list_leads(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the open leads for /leads, oldest first, with their age and who handles them."""
    message = update.effective_message
    if message is None or not await _agent_message(context.application, message):
        return
    db = services_of(context.application).db
    rows = []
    for lead in await leads.open_leads(db):
        person = await people.get_person(db, lead.user_id)
        rows.append((lead, person.first_name if person else ""))
    text = agent_views.leads_text(rows, dtm.datetime.now(dtm.UTC))
    await message.reply_text(text, parse_mode=ParseMode.HTML,
                             link_preview_options=LinkPreviewOptions(is_disabled=True))


async def _lead_for_command(update: Update,
                            context: ContextTypes.DEFAULT_TYPE) -> tuple[Message, int] | None:
    message = update.effective_message
    if message is None or not await _agent_message(context.application, message):
        return None
    lead_id, _ = await find_lead(context.application, message)
    if lead_id is None:
        await message.reply_text(agent_views.text("ho_command_where"), parse_mode=ParseMode.HTML)
        return None
    return message, lead_id


async def won_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Mark a lead won with /won 2490, sent in its topic or in reply to one of its messages."""
    found = await _lead_for_command(update, context)
    if found is None:
        return
    message, lead_id = found
    amount = rules.parse_amount(" ".join(context.args or []))
    if amount is None:
        await message.reply_text(agent_views.text("ho_won_usage"), parse_mode=ParseMode.HTML)
        return
    change = await lead_status.won(context.application, lead_id, amount)
    await message.reply_text(_outcome_toast(change, rules.WON))
    await lead_status.announce_outcome(context.application, lead_id)


async def lost_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Mark a lead lost with /lost and a reason, sent in its topic or in reply to it."""
    found = await _lead_for_command(update, context)
    if found is None:
        return
    message, lead_id = found
    detail = " ".join(context.args or []).strip()[:MAX_REASON_CHARS]
    if not detail:
        await message.reply_text(agent_views.text("ho_lost_usage"), parse_mode=ParseMode.HTML)
        return
    change = await lead_status.lost(context.application, lead_id, "other", detail)
    await message.reply_text(_outcome_toast(change, rules.LOST))
    await lead_status.announce_outcome(context.application, lead_id)
