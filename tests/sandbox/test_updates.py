"""getUpdates: offsets, long polling, allowed_updates, conflicts and raw updates."""

import asyncio
import time

import pytest
from telegram import Bot
from telegram.error import Conflict

from sandbox.client import SandboxClient
from sandbox.updates import UpdateQueue
from tests.sandbox.conftest import USER_ID



async def queue_texts(sandbox: SandboxClient, *texts: str) -> list[int]:
    return [(await sandbox.send_text(USER_ID, text))["update_id"] for text in texts]


@pytest.mark.asyncio
async def test_updates_stay_until_confirmed(bot: Bot, sandbox: SandboxClient) -> None:
    ids = await queue_texts(sandbox, "a", "b", "c")

    first = await bot.get_updates()
    again = await bot.get_updates()
    assert [u.update_id for u in first] == ids
    assert [u.update_id for u in again] == ids

    rest = await bot.get_updates(offset=ids[1])
    assert [u.update_id for u in rest] == ids[1:]
    assert [u.update_id for u in await bot.get_updates()] == ids[1:]


@pytest.mark.asyncio
async def test_update_ids_increase_by_one(bot: Bot, sandbox: SandboxClient) -> None:
    ids = await queue_texts(sandbox, "a", "b")
    assert ids[1] == ids[0] + 1


@pytest.mark.asyncio
async def test_negative_offset_keeps_last(bot: Bot, sandbox: SandboxClient) -> None:
    ids = await queue_texts(sandbox, "a", "b", "c", "d")
    last_two = await bot.get_updates(offset=-2)
    assert [u.update_id for u in last_two] == ids[2:]
    assert [u.update_id for u in await bot.get_updates()] == ids[2:]


@pytest.mark.asyncio
async def test_limit_caps_batch(bot: Bot, sandbox: SandboxClient) -> None:
    ids = await queue_texts(sandbox, "a", "b", "c")
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]


@pytest.mark.asyncio
async def test_long_poll_released_by_update(bot: Bot, sandbox: SandboxClient) -> None:
    await sandbox.add_user(USER_ID, "Ann")
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()

    await sandbox.send_text(USER_ID, "wake up")
    updates = await asyncio.wait_for(poll, 3)
    assert updates[0].message.text == "wake up"
    assert time.monotonic() - started < 2


@pytest.mark.asyncio
async def test_long_poll_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9


@pytest.mark.asyncio
async def test_second_poller_conflicts_first(bot: Bot, sandbox: SandboxClient) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    second = asyncio.create_task(bot.get_updates(timeout=1))

    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first
    assert await second == ()


@pytest.mark.asyncio
async def test_webhook_blocks_get_updates(bot: Bot) -> None:
    await bot.set_webhook("https://example.invalid/hook")
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


@pytest.mark.asyncio
async def test_allowed_updates_remembered(bot: Bot, sandbox: SandboxClient) -> None:
    await sandbox.add_user(USER_ID, "Ann")
    await bot.get_updates(allowed_updates=["callback_query"])
    skipped = await sandbox.send_text(USER_ID, "filtered")
    assert skipped["update_id"] is None

    await bot.get_updates()
    still_skipped = await sandbox.send_text(USER_ID, "still filtered")
    assert still_skipped["update_id"] is None

    await bot.get_updates(allowed_updates=[])
    delivered = await sandbox.send_text(USER_ID, "delivered")
    assert delivered["update_id"] is not None


def test_opt_in_types_off_by_default() -> None:
    queue = UpdateQueue()
    assert queue.push("chat_member", {}) is None
    assert queue.push("message_reaction", {}) is None
    assert queue.push("my_chat_member", {}) is not None

    queue.set_allowed(["chat_member"])
    assert queue.push("chat_member", {}) is not None
    assert queue.push("message", {}) is None

    queue.set_allowed(None)
    assert queue.push("message", {}) is None
    queue.set_allowed([])
    assert queue.push("message", {}) is not None


@pytest.mark.asyncio
async def test_raw_update_verbatim(bot: Bot, sandbox: SandboxClient) -> None:
    raw = {
        "update_id": 5,
        "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "x"},
    }
    assert await sandbox.inject(raw) == 5
    pending = await sandbox.pending_updates()
    assert pending["pending"] == [raw]

    renumbered = await sandbox.inject({"update_id": 1, "poll": {}}, renumber=True)
    assert renumbered > 5


@pytest.mark.asyncio
async def test_reset_keeps_update_ids_growing(bot: Bot, sandbox: SandboxClient) -> None:
    before = await queue_texts(sandbox, "a")
    await sandbox.reset()
    after = await queue_texts(sandbox, "b")
    assert after[0] > before[0]
    assert [u.message.text for u in await bot.get_updates()] == ["b"]
