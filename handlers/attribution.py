"""The lost-payload question: where did a person with no campaign hear of the brand?"""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

import locales
from flows import attribution, funnel
from handlers import callback_data
from handlers.common import (
    CallbackReply,
    Services,
    callback_handler,
    clear_keyboard,
    pressed_button,
    remember_person,
)
from handlers.views import button
from store import people
from store.events import count_events

logger = logging.getLogger(__name__)


def source_keyboard(services: Services, language: str) -> InlineKeyboardMarkup:
    choices = attribution.source_choices(services.catalogs.current.data.campaigns)
    rows = [[button(choice.campaign.label.get(language), callback_data.source(choice.token))]
            for choice in choices]
    rows.append([button(locales.plain(language, "src_other"), callback_data.source("o"))])
    return InlineKeyboardMarkup(rows)


async def ask_source_once(bot: Bot, services: Services, user_id: int, chat_id: int,
                          campaign_now: str | None, language: str) -> None:
    """Ask a person who has no campaign at all, once in their life with the bot."""
    person = await people.get_person(services.db, user_id)
    campaigns = list(services.catalogs.current.data.campaigns)
    if not await attribution.should_ask(services.db, user_id, person, campaign_now, campaigns):
        return
    await bot.send_message(chat_id,
                           locales.text(language, "src_question",
                                        brand=locales.plain(language, "brand")),
                           parse_mode=ParseMode.HTML,
                           reply_markup=source_keyboard(services, language))
    logger.info("source asked user_id=%d", user_id)


@callback_handler
async def source_answer(update: Update, context: ContextTypes.DEFAULT_TYPE,
                        reply: CallbackReply, services: Services) -> None:
    """Keep the first choice as the declared source; later presses change nothing."""
    query, data = pressed_button(update)
    language = await remember_person(services, query.from_user)
    source = attribution.resolve_source(data.fields[0],
                                        services.catalogs.current.data.campaigns)
    asked = await count_events(services.db, funnel.SOURCE_ASKED, query.from_user.id)
    if source is None or not asked:
        # The campaign left the catalog since the question was sent, or the question never
        # was sent and the data is forged.
        await reply.answer(locales.plain(language, "button_invalid"))
        return
    stored = await attribution.declare_source(services.db, query.from_user.id, source)
    await reply.answer(locales.plain(language, "src_thanks" if stored else "answer_already"))
    if stored:
        logger.info("source declared user_id=%d", query.from_user.id)
    await clear_keyboard(query)
