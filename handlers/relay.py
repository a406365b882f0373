"""The relay between customers and the agents' group: a queue in SQLite, drained in order.

Every message is queued before any Bot API call, then copied with copyMessage (albums with
copyMessages) and recorded in the relays map. A copy that fails for a passing reason (timeout,
network, 5xx, 429) stays at the head of its lead's queue and is retried, so later messages
never overtake it. A message the Bot API rejects for good (deleted before it was copied, or
meant for a customer who blocked the bot) is dropped and a notice says so in the lead's
thread. Only a timeout can duplicate a message: the server may have posted the copy before
its answer was lost.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import logging
import math
from typing import Any

from telegram import Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from handlers import agent_views, lead_status
from handlers.handoff_state import get_handoff
from handlers.lead_posting import (
    GroupUnavailable,
    Place,
    in_lead_thread,
    post_notice,
    services_of,
)
from handlers.relay_copy import copy_to_customer, copy_to_group, edit_copy
from store import leads, relays
from store.leads import Lead
from store.relays import Delivered, QueuedMessage

logger = logging.getLogger(__name__)

# Album items arrive as separate updates; once none came for this long, the album is whole.
ALBUM_WAIT_SECONDS = 1.0
MAX_ALBUM_ITEMS = 10
# Waits between attempts while a handler is draining; the upkeep job retries what is left.
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)
MAX_RETRY_AFTER_WAIT = 30.0
# A wait that no handler should sit through: the upkeep job takes over.
LATER = math.inf


def _edit_payload(message: Message) -> str:
    if message.text is not None:
        entities = [entity.to_dict() for entity in message.entities]
        return json.dumps({"text": message.text, "entities": entities}, ensure_ascii=False)
    entities = [entity.to_dict() for entity in message.caption_entities]
    return json.dumps({"caption": message.caption or "", "entities": entities},
                      ensure_ascii=False)


async def queue_message(application: Any, lead: Lead, message: Message, direction: str,
                        edited: bool, reply_to_message_id: int | None = None) -> bool:
    """Queue a customer's ("in") or an advisor's ("out") message, or its edit, for relay."""
    chat_id = message.chat.id
    if direction == "in" and message.reply_to_message is not None:
        reply_to_message_id = message.reply_to_message.message_id
    if edited:
        stamp = int(message.edit_date.timestamp()) if message.edit_date else 0
        return await relays.enqueue(
            services_of(application).db, lead.id, direction, "edit", chat_id,
            message.message_id, f"{direction}:{chat_id}:{message.message_id}:edit:{stamp}",
            payload=_edit_payload(message))
    return await relays.enqueue(
        services_of(application).db, lead.id, direction, "copy", chat_id, message.message_id,
        f"{direction}:{chat_id}:{message.message_id}:copy",
        media_group_id=message.media_group_id, reply_to_message_id=reply_to_message_id)


async def _next_batch(application: Any, lead_id: int,
                      items: list[QueuedMessage]) -> list[QueuedMessage] | None:
    """Return the head of the queue, with the rest of its album; None while an album arrives."""
    head = items[0]
    if head.media_group_id is None or head.action != "copy":
        return [head]
    newest = await relays.latest_album_item(services_of(application).db, lead_id,
                                            head.media_group_id)
    if newest is not None:
        waited = dtm.datetime.now(dtm.UTC) - dtm.datetime.fromisoformat(newest)
        if waited.total_seconds() < ALBUM_WAIT_SECONDS:
            return None
    batch = []
    for item in items:
        same_album = item.media_group_id == head.media_group_id and item.action == "copy" \
            and item.direction == head.direction
        if not same_album or len(batch) == MAX_ALBUM_ITEMS:
            break
        batch.append(item)
    return batch


async def _deliver(application: Any, lead: Lead, batch: list[QueuedMessage]) -> list[Delivered]:
    """Copy a batch to the other side (or apply an edit) and return the copies made."""
    head = batch[0]
    if head.direction == "out":
        if head.action == "edit":
            return await edit_copy(application, lead, head, None)
        return await copy_to_customer(application, lead, batch)

    async def to_group(current: Lead, place: Place) -> list[Delivered]:
        if head.action == "edit":
            return await edit_copy(application, current, head, place)
        return await copy_to_group(application, current, place, batch)

    return await in_lead_thread(application, lead.id, to_group)


async def _drop(application: Any, lead: Lead, batch: list[QueuedMessage],
                error: TelegramError) -> None:
    """Give up on messages the Bot API rejects for good, with a notice in the lead's thread."""
    ids = [item.id for item in batch]
    await relays.mark_done(services_of(application).db, ids, "dropped")
    logger.warning("relay dropped lead_id=%d queue_ids=%s direction=%s error=%s", lead.id, ids,
                   batch[0].direction, error)
    key = "ho_notice_not_relayed_in" if batch[0].direction == "in" else \
        "ho_notice_not_relayed_out"
    try:
        name = await lead_status.customer_name(application, lead.user_id)
        await post_notice(application, lead.id, agent_views.text(key, name=name))
    except (TelegramError, GroupUnavailable) as notice_error:
        logger.warning("relay drop not shown lead_id=%d error=%s", lead.id, notice_error)


async def _send(application: Any, lead: Lead, batch: list[QueuedMessage]) -> float | None:
    """Relay one batch; return None when it left the queue, else seconds to wait before a retry."""
    db = services_of(application).db
    try:
        delivered = await _deliver(application, lead, batch)
    except Forbidden as error:
        if batch[0].direction == "out":
            await relays.mark_done(db, [item.id for item in batch], "dropped")
            await lead_status.mark_blocked_locked(application, lead.id)
            return None
        # The bot was removed from the agents' group: the membership handler logged an error.
        return _failed(lead, batch, error, LATER)
    except BadRequest as error:
        if _about_the_message(error):
            await _drop(application, lead, batch, error)
            return None
        # "chat not found", missing rights...: the chat must be fixed, the message can wait.
        return _failed(lead, batch, error, LATER)
    except RetryAfter as error:
        # The flood limiter already waited and retried; this is a limit that outlasted it.
        retry_after = error.retry_after
        seconds = retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) \
            else float(retry_after)
        return _failed(lead, batch, error, min(MAX_RETRY_AFTER_WAIT, seconds))
    except GroupUnavailable as error:
        return _failed(lead, batch, error, LATER)
    except NetworkError as error:
        # Includes TimedOut: the copy may have been posted, so a retry can duplicate it.
        return _failed(lead, batch, error, None)
    if delivered:
        await relays.mark_delivered(db, delivered)
    else:
        await relays.mark_done(db, [item.id for item in batch], "sent")
    return None


def _about_the_message(error: BadRequest) -> bool:
    """Tell whether Telegram rejects the message itself (deleted, not copyable), for good."""
    reason = error.message.lower()
    return "message" in reason and "thread" not in reason


def _failed(lead: Lead, batch: list[QueuedMessage], error: Exception,
            wait: float | None) -> float:
    attempts = batch[0].attempts + 1
    # One line on the first failure, then one every tenth, so a long outage stays readable.
    if attempts == 1 or attempts % 10 == 0:
        logger.warning("relay failed, will retry lead_id=%d queue_id=%d attempts=%d error=%s",
                       lead.id, batch[0].id, attempts, error)
    return wait if wait is not None else RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]


async def drain(application: Any, lead_id: int, patient: bool = True) -> None:
    """Relay a lead's queued messages in order; stop at a failure that outlasts the retries.

    A patient drain (in a handler) retries with short waits; the upkeep job makes one attempt.
    """
    handoff = get_handoff(application)
    db = services_of(application).db
    async with handoff.lead_locks.get(lead_id):
        retries = 0
        while True:
            items = await relays.pending(db, lead_id)
            lead = await leads.get_lead(db, lead_id)
            if not items or lead is None:
                return
            batch = await _next_batch(application, lead_id, items)
            if batch is None:
                _drain_later(application, lead_id)
                return

            wait = await _send(application, lead, batch)
            if wait is None:
                retries = 0
                continue
            await relays.count_attempt(db, [item.id for item in batch])
            retries += 1
            if not patient or wait == LATER or retries > len(RETRY_DELAYS):
                return
            await asyncio.sleep(wait)


def _drain_later(application: Any, lead_id: int) -> None:
    """Drain the lead again once its album has had time to arrive whole."""
    name = f"handoff-album-{lead_id}"
    job_queue = application.job_queue
    if job_queue is None:
        application.create_task(_drain_after_wait(application, lead_id), name=name)
        return
    if not job_queue.get_jobs_by_name(name):
        job_queue.run_once(_drain_job, ALBUM_WAIT_SECONDS, data=lead_id, name=name)


async def _drain_after_wait(application: Any, lead_id: int) -> None:
    await asyncio.sleep(ALBUM_WAIT_SECONDS)
    await drain(application, lead_id)


async def _drain_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    lead_id = context.job.data if context.job else None
    if isinstance(lead_id, int):
        await drain(context.application, lead_id)
