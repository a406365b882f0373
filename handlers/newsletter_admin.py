"""/newsletter for admins: preview, confirm, then a paced send that resumes after a restart."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ContextTypes

import locales
from flows import funnel
from flows import newsletter as rules
from handlers import callback_data
from handlers.access import admin_command, admin_request, is_admin
from handlers.common import (
    CallbackReply,
    Services,
    callback_handler,
    get_services,
    language_of,
    pressed_button,
)
from handlers.newsletter import issue_keyboard
from handlers.views import button
from store import newsletter as issues
from store import people, subscriptions
from store.newsletter import Issue, Recipient

logger = logging.getLogger(__name__)

JOB_NAME = "newsletter-send"
_LOCK_KEY = "newsletter_lock"
_RUNNING_KEY = "newsletter_running"


def _send_lock(application: Application) -> asyncio.Lock:  # type: ignore[type-arg]
    """Orders "start a send" against "nothing left, stop sending" so no issue is stranded."""
    lock: asyncio.Lock = application.bot_data.setdefault(_LOCK_KEY, asyncio.Lock())
    return lock


def ensure_sending_job(application: Application) -> None:  # type: ignore[type-arg]
    """Start the chain of send ticks unless it runs already; call it under _send_lock.

    Each tick schedules the next one, so two ticks never overlap and batches start at least
    TICK_SECONDS apart.
    """
    if application.job_queue is None or application.bot_data.get(_RUNNING_KEY):
        return
    application.bot_data[_RUNNING_KEY] = True
    application.job_queue.run_once(send_next_batch, 0, name=JOB_NAME,
                                   data={"last_report": None, "paused_until": 0.0})


def _decision_keyboard(issue_id: int, language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        button(locales.plain(language, "nl_admin_send"),
               callback_data.issue_decision(issue_id, "s")),
        button(locales.plain(language, "nl_admin_cancel"),
               callback_data.issue_decision(issue_id, "c")),
    ]])


@admin_command
async def draft_issue(update: Update, context: ContextTypes.DEFAULT_TYPE,
                      services: Services) -> None:
    """`/newsletter [campaign=<code>] <text>`: store a draft, show it as sent, ask to confirm."""
    message, user, language = admin_request(update)
    draft = rules.parse_issue_command(message.text_html or "")
    if isinstance(draft, rules.IssueProblem):
        key = {"usage": "nl_admin_usage", "campaign": "nl_admin_bad_campaign",
               "length": "nl_admin_too_long"}[draft.reason]
        await message.reply_text(locales.text(language, key, value=draft.value,
                                              limit=rules.MAX_TEXT_CHARS),
                                 parse_mode=ParseMode.HTML)
        return

    issue_id = await issues.create_issue(services.db, user.id, draft.text, draft.campaign)
    await message.reply_text(locales.text(language, "nl_admin_preview", issue=issue_id),
                             parse_mode=ParseMode.HTML)
    try:
        await message.reply_text(draft.text, parse_mode=ParseMode.HTML,
                                 reply_markup=issue_keyboard(issue_id, draft.campaign, language))
    except BadRequest as error:
        await issues.cancel_issue(services.db, issue_id)
        await message.reply_text(locales.text(language, "nl_admin_rejected", error=error.message),
                                 parse_mode=ParseMode.HTML)
        return
    audience = await subscriptions.count_reachable(services.db)
    await message.reply_text(locales.text(language, "nl_admin_confirm", issue=issue_id,
                                          count=audience),
                             parse_mode=ParseMode.HTML,
                             reply_markup=_decision_keyboard(issue_id, language))
    logger.info("newsletter drafted issue_id=%d user_id=%d audience=%d", issue_id, user.id,
                audience)


@callback_handler
async def issue_decision(update: Update, context: ContextTypes.DEFAULT_TYPE,
                         reply: CallbackReply, services: Services) -> None:
    """Send or cancel a previewed issue; only an admin's press counts, and only once."""
    query, data = pressed_button(update)
    language = language_of(query.from_user)
    if not is_admin(services, update) or query.message is None:
        await reply.answer(locales.plain(language, "button_invalid"))
        return
    issue_id, action = data.number(0), data.fields[1]
    chat_id, message_id = query.message.chat.id, query.message.message_id

    if action == "c":
        if not await issues.cancel_issue(services.db, issue_id):
            await reply.answer(locales.plain(language, "nl_admin_not_draft"))
            return
        await reply.answer()
        await update.get_bot().edit_message_text(
            locales.text(language, "nl_admin_cancelled", issue=issue_id), chat_id=chat_id,
            message_id=message_id, parse_mode=ParseMode.HTML)
        return

    async with _send_lock(context.application):
        recipients = await issues.start_sending(services.db, issue_id, chat_id, message_id)
        if recipients is not None:
            await reply.answer()
            # Shown before the first tick starts, so it cannot overwrite a later progress.
            try:
                await update.get_bot().edit_message_text(
                    _progress_text(language, issue_id,
                                   rules.progress_of({"pending": recipients})),
                    chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML)
            except BadRequest as error:
                logger.warning("progress not shown issue_id=%d error=%s", issue_id,
                               error.message)
            ensure_sending_job(context.application)
    if recipients is None:
        await reply.answer(locales.plain(language, "nl_admin_not_draft"))
        return
    logger.info("newsletter sending issue_id=%d user_id=%d recipients=%d", issue_id,
                query.from_user.id, recipients)


def _progress_text(language: str, issue_id: int, progress: rules.Progress) -> str:
    return locales.text(language, "nl_admin_progress", issue=issue_id, done=progress.done,
                        total=progress.total, sent=progress.sent, blocked=progress.blocked,
                        failed=progress.failed + progress.unknown)


async def _deliver(bot: Bot, services: Services, issue: Issue,
                   recipient: Recipient) -> float | None:
    """Send the issue to one person and record the outcome; return the wait Telegram requested."""
    user_id = recipient.user_id
    try:
        message = await bot.send_message(
            user_id, issue.text, parse_mode=ParseMode.HTML,
            reply_markup=issue_keyboard(issue.id, issue.campaign, recipient.language))
    except Forbidden as error:
        await issues.record_delivery(services.db, issue.id, user_id, "blocked")
        await people.set_active(services.db, user_id, False)
        await funnel.blocked(services.db, user_id, f"newsletter:{issue.id}", True)
        logger.info("newsletter blocked issue_id=%d user_id=%d error=%s", issue.id, user_id,
                    error.message)
        return None
    except RetryAfter as error:
        # Telegram rejected the call before sending, so a later try cannot make a second copy.
        await issues.record_delivery(services.db, issue.id, user_id, "pending")
        retry_after = error.retry_after
        return retry_after if isinstance(retry_after, (int, float)) \
            else retry_after.total_seconds()
    except BadRequest as error:
        await issues.record_delivery(services.db, issue.id, user_id, "failed")
        logger.warning("newsletter rejected issue_id=%d user_id=%d error=%s", issue.id, user_id,
                       error.message)
        return None
    except TimedOut:
        # The request may have reached Telegram: never resend it.
        await issues.record_delivery(services.db, issue.id, user_id, "unknown")
        logger.warning("newsletter timed out issue_id=%d user_id=%d", issue.id, user_id)
        return None
    except NetworkError as error:
        # PTB 22 puts the httpx error class in the message. A failed connection sent nothing,
        # so it can be retried. Any other network error may come after Telegram got the call.
        connect_failed = "ConnectError" in error.message
        await issues.record_delivery(services.db, issue.id, user_id,
                                     "pending" if connect_failed else "unknown")
        logger.warning("newsletter network error issue_id=%d user_id=%d error=%s", issue.id,
                       user_id, error.message)
        return rules.TICK_SECONDS * 5 if connect_failed else None
    await issues.record_delivery(services.db, issue.id, user_id, "sent", message.message_id)
    return None


async def _report(bot: Bot, services: Services, issue: Issue, progress: rules.Progress,
                  finished: bool) -> None:
    """Edit the admin's progress message; at the end also send the summary as a new message."""
    if issue.progress_chat_id is None or issue.progress_message_id is None:
        return
    admin = await people.get_person(services.db, issue.created_by)
    language = admin.language if admin else locales.DEFAULT_LANGUAGE
    try:
        await bot.edit_message_text(_progress_text(language, issue.id, progress),
                                    chat_id=issue.progress_chat_id,
                                    message_id=issue.progress_message_id,
                                    parse_mode=ParseMode.HTML)
    except BadRequest as error:
        logger.debug("progress not edited issue_id=%d error=%s", issue.id, error.message)
    if finished:
        await bot.send_message(
            issue.progress_chat_id,
            locales.text(language, "nl_admin_finished", issue=issue.id, sent=progress.sent,
                         total=progress.total, blocked=progress.blocked,
                         failed=progress.failed, unknown=progress.unknown,
                         skipped=progress.skipped),
            parse_mode=ParseMode.HTML)


async def send_next_batch(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send one batch of the oldest issue in progress, then schedule the next tick."""
    application = context.application
    job = context.job
    assert job is not None
    state: dict[str, Any] = job.data  # type: ignore[assignment]
    started = time.monotonic()

    keep_going = True
    try:
        async with _send_lock(application):
            issue = await issues.sending_issue(get_services(context).db)
            if issue is None:
                application.bot_data[_RUNNING_KEY] = False
                keep_going = False
                return
        if started >= state["paused_until"]:
            await _send_batch(context, issue, state)
    finally:
        # Scheduled even after an error, so that one failure does not strand the send.
        if keep_going and application.job_queue is not None:
            delay = max(0.0, rules.TICK_SECONDS - (time.monotonic() - started))
            application.job_queue.run_once(send_next_batch, delay, name=JOB_NAME, data=state)


async def _send_batch(context: ContextTypes.DEFAULT_TYPE, issue: Issue,
                      state: dict[str, Any]) -> None:
    services = get_services(context)
    batch = await issues.claim_batch(services.db, issue.id, rules.BATCH_SIZE)
    waits = await asyncio.gather(*(_deliver(context.bot, services, issue, recipient)
                                   for recipient in batch))
    longest = max((wait for wait in waits if wait), default=None)
    if longest:
        logger.warning("newsletter paused issue_id=%d seconds=%.1f", issue.id, longest)
        state["paused_until"] = time.monotonic() + longest

    progress = rules.progress_of(await issues.delivery_counts(services.db, issue.id))
    finished = progress.finished and await issues.finish_issue(services.db, issue.id)
    now = time.monotonic()
    if rules.report_due(state["last_report"], now, finished):
        state["last_report"] = now
        await _report(context.bot, services, issue, progress, finished)
    if finished:
        logger.info("newsletter finished issue_id=%d sent=%d blocked=%d failed=%d unknown=%d",
                    issue.id, progress.sent, progress.blocked, progress.failed,
                    progress.unknown)


async def resume_sending(application: Application) -> None:  # type: ignore[type-arg]
    """At start-up: settle deliveries cut off by a crash, then carry on with unfinished sends."""
    services: Services = application.bot_data["services"]
    interrupted = await issues.mark_interrupted(services.db)
    if interrupted:
        logger.warning("newsletter deliveries interrupted count=%d: recorded as unknown, "
                       "not resent", interrupted)
    async with _send_lock(application):
        if await issues.sending_issue(services.db) is not None:
            logger.info("newsletter send resumed")
            ensure_sending_job(application)
