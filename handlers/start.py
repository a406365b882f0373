"""Arrival through /start <campaign>, the welcome menu, and free text routed to a path."""

from __future__ import annotations

import logging
import unicodedata

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

import locales
from catalog.models import CAMPAIGN_CODE_PATTERN
from flows import funnel
from flows.routing import Intent, extract_budget, route_text
from handlers import attribution, callback_data, handoff, newsletter, views
from handlers import quiz as quiz_handlers
from handlers.common import (
    CallbackReply,
    Services,
    callback_handler,
    language_of,
    private_handler,
    remember_person,
)
from store import people

logger = logging.getLogger(__name__)


def visible_name(name: str | None) -> str:
    """Return the name without its invisible characters (zero-width, controls), trimmed."""
    if not name:
        return ""
    shown = "".join(char for char in name if unicodedata.category(char) not in ("Cf", "Cc"))
    return shown.strip()


def parse_payload(args: list[str] | None) -> tuple[str | None, bool]:
    """Return (campaign code, payload was invalid) from the words after /start."""
    if not args:
        return None, False
    payload = " ".join(args)
    if CAMPAIGN_CODE_PATTERN.fullmatch(payload):
        return payload, False
    return None, True


@private_handler
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services) -> None:
    """Greet the person, record the arrival and its campaign, and offer the paths."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    language = await remember_person(services, user)
    campaign, invalid = parse_payload(context.args)
    if invalid:
        logger.warning("invalid start payload user_id=%d message_id=%d length=%d", user.id,
                       message.message_id, len(" ".join(context.args or [])))
        await funnel.invalid_payload(services.db, user.id, message.message_id,
                                     len(" ".join(context.args or [])))

    first_touch = False
    if campaign is not None:
        first_touch = await people.set_first_campaign(services.db, user.id, campaign)
    await funnel.arrival(services.db, user.id, campaign, message.message_id, first_touch)
    if campaign is not None:
        context.user_data["campaign"] = campaign
    logger.info("arrival user_id=%d campaign=%s first_touch=%s", user.id, campaign, first_touch)

    active = await services.quizzes.active(user.id)
    if active is not None:
        await message.reply_text(
            locales.text(language, "quiz_resume_prompt", step=active.step, total=active.total),
            parse_mode=ParseMode.HTML,
            reply_markup=views.resume_keyboard(active.quiz_id, language),
        )
        return

    await send_welcome(update, services, language)
    await attribution.ask_source_once(update.get_bot(), services, user.id, message.chat.id,
                                      campaign, language)


async def send_welcome(update: Update, services: Services, language: str) -> None:
    user = update.effective_user
    chat = update.effective_chat
    if chat is None:
        return
    brand = locales.plain(language, "brand")
    name = visible_name(user.first_name if user else None)
    if name:
        greeting = locales.text(language, "welcome", name=name, brand=brand)
    else:
        greeting = locales.text(language, "welcome_anonymous", brand=brand)
    await update.get_bot().send_message(chat.id, greeting, parse_mode=ParseMode.HTML,
                                        reply_markup=views.menu_keyboard(language))


async def campaign_of(services: Services, context: ContextTypes.DEFAULT_TYPE,
                      user_id: int) -> str | None:
    """Return the campaign of this visit, else the person's first touch."""
    campaign = context.user_data.get("campaign") if context.user_data is not None else None
    if campaign:
        return str(campaign)
    person = await people.get_person(services.db, user_id)
    return person.first_campaign if person else None


async def open_path(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services,
                    intent: Intent, language: str, key: str, budget: float | None = None) -> None:
    """Take the person down one path of the welcome menu."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return
    bot = update.get_bot()
    campaign = await campaign_of(services, context, user.id)

    active = await services.quizzes.active(user.id) if intent is Intent.QUIZ else None
    if active is not None:
        # A wish typed mid-quiz must not silently drop the answers given so far.
        await bot.send_message(
            chat.id,
            locales.text(language, "quiz_resume_prompt", step=active.step, total=active.total),
            parse_mode=ParseMode.HTML,
            reply_markup=views.resume_keyboard(active.quiz_id, language))
    elif intent is Intent.QUIZ:
        await quiz_handlers.begin_quiz(bot, services, user.id, chat.id, campaign, budget,
                                       language)
    elif intent is Intent.ADVISOR:
        await funnel.request(services.db, funnel.ADVISOR_REQUESTED, user.id, campaign, key)
        await handoff.request_handoff(context.application, services, user.id, chat.id,
                                      language, campaign)
    elif intent is Intent.NEWSLETTER:
        await funnel.request(services.db, funnel.NEWSLETTER_REQUESTED, user.id, campaign, key)
        await newsletter.offer_subscription(bot, services, user.id, chat.id, language,
                                            "m" if key.startswith("button:") else "t")
    elif intent is Intent.IDEAS:
        await send_ideas(update, services, language)
    else:
        await bot.send_message(chat.id, locales.text(language, "unclear"),
                               parse_mode=ParseMode.HTML,
                               reply_markup=views.menu_keyboard(language))


async def send_ideas(update: Update, services: Services, language: str) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    items = services.catalogs.current.data.content[:5]
    if not items:
        text = locales.text(language, "ideas_empty")
    else:
        parts = [locales.text(language, "ideas_header")]
        parts += [locales.text(language, "ideas_item", title=item.title.get(language),
                               text=item.text.get(language), url=item.url) for item in items]
        text = "\n\n".join(parts)
    await update.get_bot().send_message(chat.id, text, parse_mode=ParseMode.HTML,
                                        disable_web_page_preview=True,
                                        reply_markup=views.menu_keyboard(language))


_MENU_INTENTS = {"trip": Intent.QUIZ, "advisor": Intent.ADVISOR, "ideas": Intent.IDEAS,
                 "news": Intent.NEWSLETTER}


@callback_handler
async def menu_choice(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: CallbackReply,
                      services: Services) -> None:
    query = update.callback_query
    assert query is not None
    language = await remember_person(services, query.from_user)
    data = callback_data.parse(query.data)
    if data is None or data.kind != "menu":
        await reply.answer(locales.plain(language, "button_invalid"))
        return
    await reply.answer()
    await open_path(update, context, services, _MENU_INTENTS[data.fields[0]], language,
                    key=f"button:{query.id}")


@private_handler
async def free_text(update: Update, context: ContextTypes.DEFAULT_TYPE,
                    services: Services) -> None:
    """Route a typed message: a vague wish starts the quiz, anything unclear shows the menu."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or not message.text:
        return
    language = await remember_person(services, user)
    intent = route_text(message.text)
    logger.info("free text routed user_id=%d intent=%s", user.id, intent.value)
    await open_path(update, context, services, intent, language,
                    key=f"message:{message.message_id}", budget=extract_budget(message.text))


@private_handler
async def other_message(update: Update, context: ContextTypes.DEFAULT_TYPE,
                        services: Services) -> None:
    """Photos, stickers, voice and the like outside a conversation with an advisor: show the menu."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return
    language = language_of(user)
    await update.get_bot().send_message(chat.id, locales.text(language, "menu_prompt"),
                                        parse_mode=ParseMode.HTML,
                                        reply_markup=views.menu_keyboard(language))
