"""Handoff upkeep: the start-up check of the agents' group, reminders, and retries."""

from __future__ import annotations

import datetime as dtm
import logging
from typing import Any

from telegram.error import ChatMigrated, TelegramError
from telegram.ext import ContextTypes

from flows import handoff as rules
from handlers import agent_views, lead_status, relay
from handlers.handoff_state import get_handoff, load_agent_chat
from handlers.lead_posting import (
    GroupUnavailable,
    deliver_open_leads,
    follow_migration,
    post_notice,
    services_of,
)
from store import leads, relays

logger = logging.getLogger(__name__)

JOB_NAME = "handoff-upkeep"
# A lead nobody claims is raised this many times at most, so a quiet night is not a flood.
MAX_REMINDERS = 3
_MISSING = {
    "membership": "membership (add the bot to the group)",
    "admin": "administrator status (in a forum, messages inside topics reach only admin bots)",
    "manage_topics": "the right to manage topics (one topic per customer)",
}


async def handoff_startup(application: Any) -> None:
    """Load the agents' group in use, check the bot's rights there, start the upkeep job."""
    services = services_of(application)
    state = get_handoff(application)
    state.chat.configured = services.settings.agent_chat_id
    state.chat.chat_id = await load_agent_chat(services.db, state.chat.configured)
    if state.chat.chat_id is None:
        logger.info("handoff to advisors disabled: AGENT_CHAT_ID is not set")
        return
    if state.chat.chat_id != state.chat.configured:
        logger.warning("agents' group in use chat_id=%d: AGENT_CHAT_ID=%d became this "
                       "supergroup", state.chat.chat_id, state.chat.configured)
    await check_rights(application)

    if application.job_queue is None:
        logger.warning("no job queue: unclaimed leads are not raised again and failed relays "
                       "wait for the next message")
        return
    seconds = services.settings.handoff_reminder_minutes * 60
    interval = min(60.0, max(1.0, seconds / 4))
    for job in application.job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    application.job_queue.run_repeating(upkeep_job, interval=interval, first=1.0, name=JOB_NAME)


async def check_rights(application: Any, follow: bool = True) -> None:
    """Read the group's mode and the bot's rights there, and log one line saying what is
    missing."""
    state = get_handoff(application)
    chat_id = state.chat.chat_id
    if chat_id is None:
        return
    bot = application.bot
    try:
        chat = await bot.get_chat(chat_id)
        member = await bot.get_chat_member(chat_id, bot.id)
    except ChatMigrated as error:
        if follow and await follow_migration(application, chat_id, error.new_chat_id):
            await check_rights(application, follow=False)
        return
    except TelegramError as error:
        logger.error("agents' group unreachable chat_id=%d error=%s: add the bot to the group "
                     "and check AGENT_CHAT_ID", chat_id, error)
        return

    state.chat.is_forum = bool(chat.is_forum)
    mode = "forum" if state.chat.is_forum else "plain"
    missing = rules.missing_rights(state.chat.is_forum, member.status,
                                   bool(getattr(member, "can_manage_topics", False)))
    if missing:
        logger.warning("agents' group chat_id=%d mode=%s is missing %s", chat_id, mode,
                       "; ".join(_MISSING[name] for name in missing))
    else:
        logger.info("agents' group ready chat_id=%d mode=%s status=%s", chat_id, mode,
                    member.status)


async def upkeep_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await upkeep(context.application)


async def upkeep(application: Any) -> None:
    """Post missing cards, retry relays left in the queue, and raise unclaimed leads."""
    state = get_handoff(application)
    if state.chat.chat_id is None:
        return
    await deliver_open_leads(application)
    for lead_id in await relays.leads_with_pending(services_of(application).db):
        if state.lead_locks.get(lead_id).locked():
            # A handler is draining this lead right now.
            continue
        await relay.drain(application, lead_id, patient=False)
    await send_reminders(application)


async def send_reminders(application: Any) -> int:
    """Raise again, in their thread, the leads nobody claimed for a whole reminder period."""
    services = services_of(application)
    state = get_handoff(application)
    period = dtm.timedelta(minutes=services.settings.handoff_reminder_minutes)
    now = dtm.datetime.now(dtm.UTC)
    sent = 0
    for lead in await leads.unclaimed(services.db, MAX_REMINDERS):
        if not rules.reminder_due(lead.created_at, lead.reminded_at, now, period):
            continue
        async with state.lead_locks.get(lead.id):
            current = await leads.get_lead(services.db, lead.id)
            if current is None or current.claimed_by is not None or current.status != rules.OPEN:
                continue
            name = await lead_status.customer_name(application, current.user_id)
            age = agent_views.format_age(rules.age_minutes(current.created_at, now))
            try:
                await post_notice(application, current.id,
                                  agent_views.text("ho_notice_reminder", name=name, age=age),
                                  kind="reminder",
                                  reply_markup=agent_views.claim_keyboard(current))
            except (TelegramError, GroupUnavailable) as error:
                logger.warning("lead reminder not posted lead_id=%d error=%s", current.id, error)
                continue
            await leads.mark_reminded(services.db, current.id)
        sent += 1
        logger.info("lead reminder posted lead_id=%d reminders=%d", lead.id, lead.reminders + 1)
    return sent
