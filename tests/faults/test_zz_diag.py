"""1,000 relayed messages while one Bot API call in ten fails: nothing lost, nothing duplicated.

Half the messages go through a forum agents' group (one topic per customer), half through a
plain group (advisors reply to the lead card). Customers and advisors write in turn; the
stand-in fails every tenth relay call with a 429 (retry_after 1), a 502, a timeout or a dropped
connection, and the chats are then read back from the stand-in.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import AIORateLimiter

import bot as bot_module
from catalog.loader import Catalog
from handlers import relay, relay_copy
from sandbox.client import SandboxClient
from tests.conftest import RunningBot, make_settings

CUSTOMERS = 10
MESSAGES_PER_SIDE = 25  # per customer: 2 modes × 10 customers × 2 sides × 25 = 1,000 messages
ADVISOR_ID = 8101
FAULT_SPACING = 10
MAX_PENDING_FAULTS = 1
# The relay's read timeout is shortened so that an injected timeout costs one second, not ten.
RELAY_TIMEOUT_SECONDS = 1.0
FAULTS = (
    {"retry_after": 1},
    {"error_code": 502},
    {"delay": RELAY_TIMEOUT_SECONDS + 0.5, "drop": True},
    {"drop": True},
)
RELAY_SECONDS = 90


def customer_text(user_id: int, index: int) -> str:
    return f"c{user_id}-{index:02d}"


def advisor_text(user_id: int, index: int) -> str:
    return f"a{user_id}-{index:02d}"


class FaultSchedule:
    """Arms one fault for every nine relay calls, so that about one call in ten fails.

    A few faults may wait at once, so that failures of different customers' relays overlap in
    time as they would under a real outage, instead of queueing up one after another.
    """

    def __init__(self, client: SandboxClient, methods: tuple[str, ...]) -> None:
        self.client = client
        self.methods = methods
        self.armed = 0
        self.kinds = itertools.cycle(FAULTS)
        self.targets = itertools.cycle(methods)

    async def run(self, stop: asyncio.Event) -> None:
        last_seq = max((call["seq"] for call in await self.client.calls()), default=0)
        calls_since_fault = 0
        while not stop.is_set():
            new_calls = await self.client.calls(since=last_seq)
            last_seq = max((call["seq"] for call in new_calls), default=last_seq)
            calls_since_fault += sum(call["method"] in self.methods for call in new_calls)
            pending = len(await self.client.request("GET", "faults"))
            if calls_since_fault >= FAULT_SPACING - 1 and pending < MAX_PENDING_FAULTS:
                await self.client.fault(next(self.targets), **next(self.kinds))
                self.armed += 1
                calls_since_fault -= FAULT_SPACING - 1
            await asyncio.sleep(0.02)
        await self.client.clear_faults()


@pytest.fixture
def fast_relay(monkeypatch: pytest.MonkeyPatch) -> None:
    # The bot paces itself at Telegram's 20 messages a minute per group, which would stretch
    # 500 group messages over 25 minutes; the pacing is lifted, its 429 retries are kept.
    monkeypatch.setattr(bot_module, "AIORateLimiter", functools.partial(
        AIORateLimiter, overall_max_rate=0, group_max_rate=0))
    monkeypatch.setattr(relay_copy, "SEND_TIMEOUT_SECONDS", RELAY_TIMEOUT_SECONDS)
    # Shorter waits between retries keep the same order of attempts in a fifth of the time.
    monkeypatch.setattr(relay, "RETRY_DELAYS", tuple(delay / 5 for delay in relay.RETRY_DELAYS))


async def open_leads(client: SandboxClient, running: RunningBot,
                     user_ids: list[int]) -> dict[int, Any]:
    """Each customer asks for an advisor; return their leads once cards are posted."""
    for user_id in user_ids:
        await client.add_user(user_id, first_name=f"Client{user_id}", language_code="fr")
        await client.send_text(user_id, "/start")
        await client.send_text(user_id, "je voudrais parler à un conseiller")

    async def posted() -> dict[int, Any] | None:
        rows = await running.services.db.fetch_all(
            "SELECT user_id, topic_id, card_message_id FROM leads WHERE status = 'open'")
        ready = {row["user_id"]: row for row in rows if row["card_message_id"]}
        return ready if len(ready) == len(user_ids) else None

    return await client.wait_for(posted, timeout=30)


async def relayed_texts(client: SandboxClient, chat_id: int, prefix: str) -> list[str]:
    return [message["text"] for message in await client.messages(chat_id)
            if message["from_bot"] and not message["deleted"]
            and str(message.get("text", "")).startswith(prefix)]


@pytest.mark.parametrize("forum", [True, False], ids=["forum", "plain"])
async def test_relay_survives_failures(forum: bool, sandbox: Any, client: SandboxClient,
                                       tmp_path: Path, demo_catalog: Catalog, fast_relay: None,
                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    group_id = await client.add_group("Conseillers", [ADVISOR_ID], type="supergroup",
                                      is_forum=forum, bot_status="administrator")
    running = RunningBot(make_settings(f"{sandbox.url}/bot", tmp_path / "bot.sqlite3",
                                       agent_chat_id=group_id), demo_catalog)
    await running.start()
    try:
        user_ids = [7200 + index + (0 if forum else 100) for index in range(CUSTOMERS)]
        leads = await open_leads(client, running, user_ids)

        methods = ("copyMessage",) if forum else ("copyMessage", "sendMessage")
        schedule = FaultSchedule(client, methods)
        stop = asyncio.Event()
        faults = asyncio.create_task(schedule.run(stop))
        for index in range(MESSAGES_PER_SIDE):
            for user_id in user_ids:
                await client.send_text(user_id, customer_text(user_id, index))
                lead = leads[user_id]
                place = ({"message_thread_id": lead["topic_id"]} if forum
                         else {"reply_to_message_id": lead["card_message_id"]})
                await client.send_text(ADVISOR_ID, advisor_text(user_id, index),
                                       chat_id=group_id, **place)

        async def all_relayed() -> bool:
            for user_id in user_ids:
                if len(await relayed_texts(client, group_id, f"c{user_id}-")) < \
                        MESSAGES_PER_SIDE:
                    return False
                if len(await relayed_texts(client, user_id, f"a{user_id}-")) < \
                        MESSAGES_PER_SIDE:
                    return False
            return True

        try:
            await client.wait_for(all_relayed, timeout=RELAY_SECONDS, interval=0.5)
        finally:
            stop.set()
            await faults
    finally:
        await running.stop()

    await dump(client)
    assert schedule.armed >= 2 * CUSTOMERS * MESSAGES_PER_SIDE // FAULT_SPACING * 0.8
    for user_id in user_ids:
        expected_in = [customer_text(user_id, index) for index in range(MESSAGES_PER_SIDE)]
        expected_out = [advisor_text(user_id, index) for index in range(MESSAGES_PER_SIDE)]
        assert await relayed_texts(client, group_id, f"c{user_id}-") == expected_in
        assert await relayed_texts(client, user_id, f"a{user_id}-") == expected_out
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not errors, [f"{record.name}: {record.getMessage()}" for record in errors]


async def dump(client):
    calls = await client.calls()
    t0 = calls[0]["time"]
    prev = t0
    for c in calls:
        gap = c["time"] - prev
        if 12 < c["time"] - t0 < 15:
            print(f"{c['time']-t0:7.2f} gap={gap:5.2f} {c['method']} ok={c['ok']} {c['error_code']} chat={c['chat_id']} thread={c['params'].get('message_thread_id')} from={c['params'].get('from_chat_id')}")
        prev = c["time"]
    print("total", calls[-1]["time"] - t0, len(calls))
