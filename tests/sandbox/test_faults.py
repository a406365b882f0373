"""Injected faults and flood limits, as PTB experiences them."""

import asyncio

import aiohttp
import pytest
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from sandbox.client import ControlRequestError, SandboxClient
from sandbox.server import SandboxServer
from tests.sandbox.conftest import TOKEN

pytestmark = pytest.mark.asyncio


async def test_fails_n_times_then_succeeds(bot: Bot, sandbox: SandboxClient,
                                           started_user: int) -> None:
    await sandbox.fault("sendMessage", count=2, error_code=400, description="Bad Request: boom")
    for _ in range(2):
        with pytest.raises(BadRequest, match="Boom"):
            await bot.send_message(started_user, "try")
    await bot.send_message(started_user, "third time")
    assert await sandbox.request("GET", "faults") == []


async def test_retry_after(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    await sandbox.fault("sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(started_user, "hi")
    assert raised.value.retry_after == 7
    calls = await sandbox.calls(method="sendMessage")
    assert calls[-1]["error_code"] == 429
    assert calls[-1]["description"] == "Too Many Requests: retry after 7"
    assert (await sandbox.stats())["too_many_requests"] == 1


async def test_migrate_parameter(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    await sandbox.fault("sendMessage", error_code=400, migrate_to_chat_id=-1001234,
                        description="Bad Request: group chat was upgraded to a supergroup chat")
    with pytest.raises(ChatMigrated) as raised:
        await bot.send_message(started_user, "hi")
    assert raised.value.new_chat_id == -1001234


async def test_fault_for_one_chat_only(bot: Bot, sandbox: SandboxClient,
                                       started_user: int) -> None:
    await sandbox.send_text(99, "hello")
    await sandbox.fault("sendMessage", chat_id=99, error_code=403,
                        description="Forbidden: bot was blocked by the user")
    await bot.send_message(started_user, "not affected")
    with pytest.raises(Exception, match="blocked"):
        await bot.send_message(99, "affected")


async def test_delay_times_out_but_message_is_sent(bot: Bot, sandbox: SandboxClient,
                                                   started_user: int) -> None:
    await sandbox.fault("sendMessage", delay=0.6)
    with pytest.raises(TimedOut):
        await bot.send_message(started_user, "slow", read_timeout=0.2)
    await asyncio.sleep(0.6)
    texts = [m.get("text") for m in await sandbox.messages(started_user)]
    assert texts[-1] == "slow"


async def test_drop_connection(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    await sandbox.fault("sendMessage", drop=True)
    with pytest.raises(NetworkError) as raised:
        await bot.send_message(started_user, "lost")
    assert not isinstance(raised.value, (BadRequest, TimedOut))
    await bot.send_message(started_user, "back")


async def test_bad_gateway(bot: Bot, sandbox: SandboxClient, server: SandboxServer,
                           started_user: int) -> None:
    await sandbox.fault("getMe", error_code=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_me()
    await sandbox.fault("getMe", error_code=502)
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{server.url}/bot{TOKEN}/getMe") as response:
            assert response.status == 502


async def test_conflict_fault(bot: Bot, sandbox: SandboxClient) -> None:
    await sandbox.fault("getUpdates", error_code=409)
    with pytest.raises(Conflict):
        await bot.get_updates()


async def test_bad_fault_rejected(sandbox: SandboxClient) -> None:
    with pytest.raises(ControlRequestError, match="needs error_code"):
        await sandbox.fault("sendMessage")


async def test_flood_private_chat(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    await sandbox.flood(True)
    await bot.send_message(started_user, "one")
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(started_user, "two")
    assert raised.value.retry_after == 1
    await bot.send_chat_action(started_user, "typing")

    await sandbox.flood(False)
    await bot.send_message(started_user, "three")


async def test_flood_group_limit(bot: Bot, sandbox: SandboxClient) -> None:
    chat_id = await sandbox.add_group("Advisors", [801])
    await sandbox.flood(True, group_chat=[3, 60], overall=[100, 1])
    for index in range(3):
        await bot.send_message(chat_id, f"message {index}")
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(chat_id, "one too many")
    assert 55 <= raised.value.retry_after <= 60


async def test_named_errors(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    await sandbox.fault("sendMessage", error="thread_not_found")
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(started_user, "in a deleted topic")
    await sandbox.fault("sendMessage", error="blocked")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(started_user, "blocked")
    await sandbox.fault("sendMessage", error="chat_migrated", migrate_to_chat_id=-1007)
    with pytest.raises(ChatMigrated):
        await bot.send_message(started_user, "migrated")
    with pytest.raises(ControlRequestError, match="unknown error name"):
        await sandbox.fault("sendMessage", error="no_such_error")
    with pytest.raises(ControlRequestError, match="needs migrate_to_chat_id"):
        await sandbox.fault("sendMessage", error="chat_migrated")
