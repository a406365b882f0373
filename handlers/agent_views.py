"""Texts and keyboards posted in the agents' group: the lead card, its buttons, /leads."""

from __future__ import annotations

import datetime as dtm

from telegram import InlineKeyboardMarkup

import locales
from flows import handoff as rules
from flows.handoff import LeadCard
from handlers import callback_data
from handlers.handoff_state import GROUP_LANGUAGE
from handlers.views import button, shorten
from store.leads import Lead

LANGUAGE = GROUP_LANGUAGE
MAX_LISTED_LEADS = 40


def text(key: str, **values: object) -> locales.Markup:
    return locales.text(LANGUAGE, key, **values)


def plain(key: str, **values: object) -> str:
    return locales.plain(LANGUAGE, key, **values)


def display_name(first_name: str | None) -> str:
    return " ".join((first_name or "").split()) or plain("ho_topic_no_name")


def format_amount(amount: float, currency: str | None) -> str:
    return locales.format_price(amount, currency or "EUR", LANGUAGE)


def format_age(minutes: int) -> str:
    if minutes < 60:
        return plain("ho_age_minutes", minutes=minutes)
    if minutes < 24 * 60:
        return plain("ho_age_hours", hours=minutes // 60, minutes=f"{minutes % 60:02d}")
    return plain("ho_age_days", days=minutes // (24 * 60))


def _date(moment: str | None) -> str:
    if not moment:
        return "?"
    return dtm.datetime.fromisoformat(moment).strftime("%d/%m/%Y")


def _status_lines(lead: Lead, currency: str | None) -> list[str]:
    lines = []
    if lead.claimed_by_name:
        lines.append(text("ho_card_claimed", name=lead.claimed_by_name))
    elif lead.status == rules.OPEN:
        lines.append(text("ho_card_unclaimed"))
    if lead.outcome == rules.WON and lead.amount is not None:
        lines.append(text("ho_card_won", amount=format_amount(lead.amount, currency)))
    elif lead.outcome == rules.LOST:
        lines.append(text("ho_card_lost", reason=lead.outcome_detail or ""))
    if lead.status == rules.ENDED:
        lines.append(text("ho_card_ended"))
    elif lead.status == rules.BLOCKED:
        lines.append(text("ho_card_blocked"))
    return lines


def card_text(card: LeadCard, lead: Lead) -> str:
    """Render the lead card; every part is bounded, so it stays far below 4096 characters."""
    name = shorten(display_name(card.first_name), 64)
    lines = [text("ho_card_title", lead=card.lead_id)]
    if card.username:
        lines.append(text("ho_card_person_username", name=name, username=card.username))
    else:
        lines.append(text("ho_card_person", name=name))
    lines.append(text("ho_card_language", language_name=plain(f"ho_language_{card.language}")))
    arrived = _date(card.arrived_at)
    if card.campaign:
        lines.append(text("ho_card_campaign", campaign=card.campaign, date=arrived))
    else:
        lines.append(text("ho_card_no_campaign", date=arrived))

    separator = locales.plain(LANGUAGE, "list_separator")
    if card.liked:
        lines.append(text("ho_card_liked", features=separator.join(card.liked)))
    if card.disliked:
        lines.append(text("ho_card_disliked", features=separator.join(card.disliked)))
    if card.shown:
        lines.append(text("ho_card_shown"))
        for rank, trip in enumerate(card.shown, start=1):
            match = plain("ho_card_match", percent=trip.percent) if trip.percent is not None \
                else plain("card_match_discover")
            lines.append(text("ho_card_shown_trip", rank=rank, title=shorten(trip.title, 120),
                              match=match))
    elif not card.liked and not card.disliked:
        lines.append(text("ho_card_no_quiz"))
    if card.cart_title and card.cart_price is not None:
        lines.append(text("ho_card_cart", title=shorten(card.cart_title, 120),
                          price=format_amount(card.cart_price, card.cart_currency)))
    else:
        lines.append(text("ho_card_no_cart"))

    lines.append("")
    lines.extend(_status_lines(lead, card.cart_currency))
    return "\n".join(lines)


def card_keyboard(lead: Lead) -> InlineKeyboardMarkup:
    """Offer what can still happen to the lead; an empty keyboard once nothing can."""
    rows = []
    if lead.status == rules.OPEN and lead.claimed_by is None:
        rows.append([button(plain("ho_button_claim"), callback_data.lead(lead.id, "c"))])
    if lead.outcome != rules.WON:
        outcome_row = [button(plain("ho_button_won"), callback_data.lead(lead.id, "w"))]
        if lead.outcome != rules.LOST:
            outcome_row.append(button(plain("ho_button_lost"), callback_data.lead(lead.id, "l")))
        rows.append(outcome_row)
    if lead.status == rules.OPEN:
        rows.append([button(plain("ho_button_end"), callback_data.lead(lead.id, "e"))])
    return InlineKeyboardMarkup(rows)


def won_keyboard(lead: Lead, cart_price: float | None,
                 currency: str | None) -> InlineKeyboardMarkup:
    rows = []
    if cart_price is not None and 1 <= cart_price <= rules.MAX_AMOUNT:
        label = plain("ho_button_won_amount", amount=format_amount(cart_price, currency))
        rows.append([button(label, callback_data.lead_won(lead.id, cart_price))])
    rows.append([button(plain("ho_button_back"), callback_data.lead(lead.id, "b"))])
    return InlineKeyboardMarkup(rows)


def lost_keyboard(lead: Lead) -> InlineKeyboardMarkup:
    reasons = [button(plain(f"ho_reason_{reason}"), callback_data.lead_lost(lead.id, reason))
               for reason in rules.LOST_REASONS]
    rows = [reasons[index:index + 2] for index in range(0, len(reasons), 2)]
    rows.append([button(plain("ho_button_back"), callback_data.lead(lead.id, "b"))])
    return InlineKeyboardMarkup(rows)


def end_keyboard(lead: Lead) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        button(plain("ho_button_end_confirm"), callback_data.lead_end(lead.id)),
        button(plain("ho_button_back"), callback_data.lead(lead.id, "b")),
    ]])


def claim_keyboard(lead: Lead) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(plain("ho_button_claim"),
                                         callback_data.lead(lead.id, "c"))]])


def message_link(chat_id: int, message_id: int | None) -> str | None:
    """Return a t.me/c link to a message of a supergroup; basic groups have none."""
    digits = str(-chat_id)
    if chat_id >= 0 or not digits.startswith("100") or message_id is None:
        return None
    return f"https://t.me/c/{digits[3:]}/{message_id}"


def leads_text(open_leads: list[tuple[Lead, str]], now: dtm.datetime) -> str:
    """List open leads, oldest first, with their age and owner; (lead, first name) pairs."""
    if not open_leads:
        return text("ho_leads_empty")
    lines = [text("ho_leads_header", count=len(open_leads))]
    for lead, first_name in open_leads[:MAX_LISTED_LEADS]:
        owner = lead.claimed_by_name or plain("ho_leads_free")
        age = format_age(rules.age_minutes(lead.created_at, now))
        values = {"lead": lead.id, "name": shorten(display_name(first_name), 40), "age": age,
                  "owner": owner}
        thread = lead.topic_id or lead.card_message_id
        link = message_link(lead.agent_chat_id, thread) if lead.agent_chat_id else None
        if link:
            lines.append(text("ho_leads_item_link", link=link, **values))
        else:
            lines.append(text("ho_leads_item", **values))
    if len(open_leads) > MAX_LISTED_LEADS:
        lines.append(text("ho_leads_more", count=len(open_leads) - MAX_LISTED_LEADS))
    return "\n".join(lines)
