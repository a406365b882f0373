"""Turn flow results into Telegram texts and inline keyboards, in the person's language."""

from __future__ import annotations

import html
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

import locales
from catalog.loader import Catalog
from flows.quiz import Appetence, PairView
from flows.results import TripMatch
from handlers import callback_data

CAPTION_LIMIT = 1024
_TAG = re.compile(r"<[^>]+>")


def visible_length(markup: str) -> int:
    """Length of an HTML text as Telegram counts it: tags removed and entities decoded."""
    return len(html.unescape(_TAG.sub("", markup)))


def shorten(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data)


def menu_keyboard(language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [button(locales.plain(language, "button_trip"), callback_data.menu("trip"))],
        [button(locales.plain(language, "button_advisor"), callback_data.menu("advisor"))],
        [button(locales.plain(language, "button_ideas"), callback_data.menu("ideas")),
         button(locales.plain(language, "button_newsletter"), callback_data.menu("news"))],
    ])


def pair_caption(view: PairView, language: str) -> str:
    key = "quiz_caption_can_finish" if view.can_finish else "quiz_caption"
    caption = locales.text(language, key, step=view.step, total=view.total)
    if view.step == 1:
        # The first pair explains the quiz itself: one message instead of two, since Telegram
        # allows about one message a second per chat.
        caption = f"{locales.text(language, 'quiz_intro')}\n\n{caption}"
    return caption


def pair_keyboard(view: PairView, language: str) -> InlineKeyboardMarkup:
    rows = [
        [button(locales.plain(language, "quiz_like_left"),
                callback_data.answer(view.quiz_id, view.step, "L")),
         button(locales.plain(language, "quiz_like_right"),
                callback_data.answer(view.quiz_id, view.step, "R"))],
        [button(locales.plain(language, "quiz_neither"),
                callback_data.answer(view.quiz_id, view.step, "N"))],
    ]
    if view.can_finish:
        rows.append([button(locales.plain(language, "quiz_finish"),
                            callback_data.answer(view.quiz_id, view.step, "F"))])
    rows.append([button(locales.plain(language, "quiz_restart"),
                        callback_data.session(view.quiz_id, "r"))])
    return InlineKeyboardMarkup(rows)


def resume_keyboard(quiz_id: int, language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        button(locales.plain(language, "quiz_resume"), callback_data.session(quiz_id, "c")),
        button(locales.plain(language, "quiz_restart"), callback_data.session(quiz_id, "r")),
    ]])


def _labels(catalog: Catalog, feature_ids: list[str], language: str) -> str:
    separator = locales.plain(language, "list_separator")
    return separator.join(catalog.feature_label(f, language) for f in feature_ids)


def appetence_text(appetence: Appetence, catalog: Catalog, language: str) -> str:
    hot = _labels(catalog, appetence.hot, language)
    cold = _labels(catalog, appetence.cold, language)
    if hot and cold:
        summary = locales.text(language, "appetence_both", hot=hot, cold=cold)
    elif hot:
        summary = locales.text(language, "appetence_hot_only", hot=hot)
    elif cold:
        summary = locales.text(language, "appetence_cold_only", cold=cold)
    else:
        summary = locales.text(language, "appetence_unclear")
    return f"{summary}\n\n{locales.text(language, 'appetence_question')}"


def appetence_keyboard(quiz_id: int, language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [button(locales.plain(language, "appetence_yes"), callback_data.show_trips(quiz_id))],
        [button(locales.plain(language, "quiz_restart"), callback_data.session(quiz_id, "r"))],
    ])


def why_line(match: TripMatch, catalog: Catalog, language: str) -> str:
    labels = [catalog.feature_label(f, language) for f in match.reasons]
    if len(labels) >= 2:
        reason = locales.plain(language, "why_two", first=labels[0], second=labels[1])
    elif labels:
        reason = locales.plain(language, "why_one", first=labels[0])
    else:
        reason = locales.plain(language, "why_default")
    if match.avoided:
        avoided = catalog.feature_label(match.avoided[0], language)
        reason = locales.plain(language, "why_without", reason=reason, avoided=avoided)
    return reason


def card_caption(match: TripMatch, catalog: Catalog, language: str) -> str:
    """Build a trip card caption that always fits Telegram's 1024-character caption limit."""
    trip = match.trip
    if match.percent is None:
        strength = locales.plain(language, "card_match_discover")
    else:
        strength = locales.plain(language, "card_match_percent", percent=match.percent)
    values = {
        "title": shorten(trip.title.get(language), 200),
        "region": shorten(trip.region.get(language), 120),
        "duration": locales.format_duration(trip.duration_days, language),
        "price": locales.format_price(trip.price, trip.currency, language),
        "match": strength,
        "why": shorten(why_line(match, catalog, language), 300),
    }
    caption = locales.text(language, "card_caption", **values)
    if visible_length(caption) > CAPTION_LIMIT:
        values["why"] = ""
        values["title"] = shorten(values["title"], 80)
        caption = locales.text(language, "card_caption", **values)
    return caption


def card_keyboard(quiz_id: int, trip_id: str, next_page: int | None,
                  language: str) -> InlineKeyboardMarkup:
    rows = [[button(locales.plain(language, "button_add_to_cart"),
                    callback_data.add_to_cart(quiz_id, trip_id))]]
    if next_page is not None:
        rows.append([button(locales.plain(language, "button_more"),
                            callback_data.more(quiz_id, next_page))])
    return InlineKeyboardMarkup(rows)


def cart_keyboard(cart_id: int, language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(locales.plain(language, "button_finish_with_advisor"),
                                         callback_data.advisor(cart_id))]])
