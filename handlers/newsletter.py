"""The newsletter for people: explicit consent, /unsubscribe, and the buttons under an issue."""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

import locales
from flows import funnel
from flows.newsletter import consent_version
from handlers import callback_data
from handlers import quiz as quiz_handlers
from handlers.common import (
    CallbackReply,
    Services,
    callback_handler,
    chat_of,
    clear_keyboard,
    pressed_button,
    private_handler,
    remember_person,
)
from handlers.views import button
from store import newsletter as issues
from store import people, subscriptions

logger = logging.getLogger(__name__)

SOURCES = {"m": "menu", "t": "text"}


def current_consent_version(language: str) -> str:
    return consent_version(language, locales.plain(language, "nl_consent"))


def consent_keyboard(language: str, source: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [button(locales.plain(language, "nl_consent_yes"),
                callback_data.consent(current_consent_version(language), source))],
        [button(locales.plain(language, "nl_consent_no"), callback_data.decline())],
    ])


def issue_keyboard(issue_id: int, campaign: str | None, language: str) -> InlineKeyboardMarkup:
    """Buttons under an issue: "find my trip" when it has a campaign, and unsubscribe."""
    rows = []
    if campaign:
        rows.append([button(locales.plain(language, "nl_button_trip"),
                            callback_data.issue_trip(issue_id))])
    rows.append([button(locales.plain(language, "nl_button_unsubscribe"),
                        callback_data.unsubscribe())])
    return InlineKeyboardMarkup(rows)


async def offer_subscription(bot: Bot, services: Services, user_id: int, chat_id: int,
                             language: str, source: str) -> None:
    """Show what the newsletter is and ask for consent; nothing is stored before "yes"."""
    subscription = await subscriptions.get_subscription(services.db, user_id)
    if subscription is not None and subscription.active:
        await bot.send_message(chat_id, locales.text(language, "nl_already_subscribed"),
                               parse_mode=ParseMode.HTML)
        return
    await bot.send_message(chat_id, locales.text(language, "nl_consent"),
                           parse_mode=ParseMode.HTML,
                           reply_markup=consent_keyboard(language, source))


@callback_handler
async def consent_given(update: Update, context: ContextTypes.DEFAULT_TYPE,
                        reply: CallbackReply, services: Services) -> None:
    """ "Yes": record the consent with the wording version shown and where it was given."""
    query, data = pressed_button(update)
    language = await remember_person(services, query.from_user)
    user_id = query.from_user.id
    chat_id = chat_of(query)
    version, source = data.fields
    bot = update.get_bot()

    if version not in {current_consent_version(lang) for lang in locales.LANGUAGES}:
        # The wording changed since this prompt was sent: consent must be to the text shown now.
        await reply.answer(locales.plain(language, "nl_consent_outdated"))
        await clear_keyboard(query.message)
        await offer_subscription(bot, services, user_id, chat_id, language, source)
        return

    campaign = context.user_data.get("campaign") if context.user_data else None
    created = await funnel.subscribed(services.db, user_id, campaign, version, SOURCES[source])
    if not created:
        await reply.answer(locales.plain(language, "nl_already_subscribed_short"))
        return
    await reply.answer()
    logger.info("newsletter subscribed user_id=%d source=%s", user_id, SOURCES[source])
    await clear_keyboard(query.message)
    await bot.send_message(chat_id, locales.text(language, "nl_subscribed"),
                           parse_mode=ParseMode.HTML)


@callback_handler
async def consent_declined(update: Update, context: ContextTypes.DEFAULT_TYPE,
                           reply: CallbackReply, services: Services) -> None:
    query = update.callback_query
    assert query is not None
    language = await remember_person(services, query.from_user)
    await reply.answer(locales.plain(language, "nl_declined"))
    await clear_keyboard(query.message)


async def _unsubscribe(bot: Bot, services: Services, user_id: int, chat_id: int,
                       language: str) -> None:
    stopped = await funnel.unsubscribed(services.db, user_id)
    if stopped:
        logger.info("newsletter unsubscribed user_id=%d", user_id)
    key = "nl_unsubscribed" if stopped else "nl_not_subscribed"
    await bot.send_message(chat_id, locales.text(language, key), parse_mode=ParseMode.HTML)


@private_handler
async def unsubscribe_command(update: Update, context: ContextTypes.DEFAULT_TYPE,
                              services: Services) -> None:
    """/unsubscribe works at any time, subscribed or not."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return
    language = await remember_person(services, user)
    await _unsubscribe(update.get_bot(), services, user.id, chat.id, language)


@callback_handler
async def unsubscribe_button(update: Update, context: ContextTypes.DEFAULT_TYPE,
                             reply: CallbackReply, services: Services) -> None:
    query = update.callback_query
    assert query is not None
    language = await remember_person(services, query.from_user)
    await reply.answer()
    chat_id = chat_of(query)
    await _unsubscribe(update.get_bot(), services, query.from_user.id, chat_id, language)


@callback_handler
async def issue_trip(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: CallbackReply,
                     services: Services) -> None:
    """Record an arrival for the issue's campaign and start the quiz ("find my trip")."""
    query, data = pressed_button(update)
    language = await remember_person(services, query.from_user)
    user_id = query.from_user.id
    issue = await issues.get_issue(services.db, data.number(0))
    if issue is None or not issue.campaign or query.message is None \
            or not await issues.was_sent_to(services.db, issue.id, user_id):
        await reply.answer(locales.plain(language, "button_invalid"))
        return

    campaign = issue.campaign
    first_touch = await people.set_first_campaign(services.db, user_id, campaign)
    # The dedup key is the issue's message id, so pressing again is not a second arrival.
    arrived = await funnel.arrival(services.db, user_id, campaign, query.message.message_id,
                                   first_touch)
    if not arrived and await services.quizzes.active(user_id) is not None:
        # A double tap, or a quiz from this button still in progress: start nothing new.
        await reply.answer(locales.plain(language, "answer_already"))
        return
    await reply.answer()
    if context.user_data is not None:
        context.user_data["campaign"] = campaign
    logger.info("arrival from newsletter user_id=%d issue_id=%d campaign=%s", user_id,
                issue.id, campaign)
    await quiz_handlers.begin_quiz(update.get_bot(), services, user_id, query.message.chat.id,
                                   campaign, None, language)
