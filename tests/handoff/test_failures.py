"""What must not break: blocks, group upgrades, closed or deleted topics, flood limits,
timeouts, restarts, foreign groups and missing rights."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from catalog.loader import Catalog
from handlers import relay_copy
from tests.conftest import TOKEN, RunningBot, body
from tests.handoff.conftest import (
    ADVISORS,
    JULIE,
    AgentsGroup,
    ask_advisor,
    handoff_bot,
    is_card,
    lead_of,
)


async def bot_api(sandbox: Any, method: str, **params: Any) -> dict[str, Any]:
    """Call the Bot API as the bot's own token, as an admin's action in the group would."""
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{sandbox.url}/bot{TOKEN}/{method}", json=params) as response:
            return dict(await response.json())


async def texts_in(group: AgentsGroup, chat_id: int | None = None) -> list[str]:
    messages = await group.client.messages(chat_id or group.chat_id)
    return [body(m) for m in messages if m["from_bot"] and not m["deleted"]]


async def test_blocked_customer_marks_lead(forum_bot: RunningBot, forum_group: AgentsGroup,
                                           make_person: Any) -> None:
    person = await make_person(5601, "Camille")
    card = await ask_advisor(person, forum_group)
    await person.client.block(5601, True)
    notice = await forum_group.wait_for(lambda m: "a bloqué le bot" in body(m))
    assert notice["message_thread_id"] == card["message_thread_id"]
    assert (await lead_of(forum_bot, 5601))["status"] == "blocked"

    async def card_blocked() -> bool:
        return "Le client a bloqué le bot" in body(await forum_group.card(card_lead(card)))

    await forum_group.client.wait_for(card_blocked)
    await forum_group.send(JULIE, "Vous êtes là ?", thread_id=card["message_thread_id"])
    await forum_group.wait_for(lambda m: "ce message ne lui parviendra pas" in body(m))
    assert not any(body(m) == "Vous êtes là ?" for m in await person.messages())

    # Writing again unblocks the bot: the same lead and topic carry on.
    await person.send("Pardon, j'ai bloqué par erreur")
    await forum_group.wait_for(lambda m: body(m) == "Pardon, j'ai bloqué par erreur")
    assert (await lead_of(forum_bot, 5601))["status"] == "open"


def card_lead(card: dict[str, Any]) -> int:
    return int(body(card).split("n°", 1)[1].split("\n", 1)[0])


async def test_group_upgrade_followed(plain_bot: RunningBot, plain_group: AgentsGroup,
                                      make_person: Any) -> None:
    person = await make_person(5602, "Camille")
    await ask_advisor(person, plain_group)
    new_chat_id = await plain_group.client.migrate(plain_group.chat_id)

    # The card is posted again in the supergroup, where the conversation carries on.
    moved = AgentsGroup(plain_group.client, new_chat_id, forum=False)
    card = await moved.wait_for(is_card)
    await person.send("Toujours là ?")
    await moved.wait_for(lambda m: body(m) == "Toujours là ?")
    await moved.send(JULIE, "Oui !", reply_to=card["message_id"])
    await person.wait_for_bot_message(lambda m: body(m) == "Oui !")

    stored = await plain_bot.services.db.fetch_one(
        "SELECT value FROM key_values WHERE key = 'agent_chat'")
    assert json.loads(stored["value"]) == {"configured": plain_group.chat_id,
                                           "current": new_chat_id}
    assert (await lead_of(plain_bot, 5602))["agent_chat_id"] == new_chat_id

    # After a restart the bot still uses the supergroup, though AGENT_CHAT_ID is the old id.
    await plain_bot.stop()
    await plain_bot.start()
    await person.send("Et après redémarrage ?")
    await moved.wait_for(lambda m: body(m) == "Et après redémarrage ?")


async def test_failed_send_follows_upgrade(plain_bot: RunningBot, plain_group: AgentsGroup,
                                           make_person: Any) -> None:
    """The upgrade is learnt from a refused send: the message is sent again in the new chat."""
    person = await make_person(5603, "Camille")
    await ask_advisor(person, plain_group)
    client = plain_group.client
    new_chat_id = await client.add_group("Conseillers", list(ADVISORS), type="supergroup",
                                         announce=False)
    await client.fault("copyMessage", chat_id=plain_group.chat_id, error_code=400,
                       description="Bad Request: group chat was upgraded to a supergroup chat",
                       migrate_to_chat_id=new_chat_id)
    await person.send("Message pendant la migration")
    moved = AgentsGroup(client, new_chat_id, forum=False)
    copy = await moved.wait_for(lambda m: body(m) == "Message pendant la migration")
    texts = await texts_in(moved)
    card_index = next(i for i, text in enumerate(texts) if text.startswith("🆕 Contact n°"))
    assert card_index < texts.index("Message pendant la migration")
    assert copy
    assert "Message pendant la migration" not in await texts_in(plain_group)


async def test_closed_topic_reopened(forum_bot: RunningBot, forum_group: AgentsGroup,
                                     sandbox: Any, make_person: Any) -> None:
    person = await make_person(5604, "Camille")
    card = await ask_advisor(person, forum_group)
    thread = card["message_thread_id"]
    closed = await bot_api(sandbox, "closeForumTopic", chat_id=forum_group.chat_id,
                           message_thread_id=thread)
    assert closed["ok"]
    await person.send("Il y a quelqu'un ?")
    copy = await forum_group.wait_for(lambda m: body(m) == "Il y a quelqu'un ?")
    assert copy["message_thread_id"] == thread
    assert (await lead_of(forum_bot, 5604))["topic_id"] == thread


async def test_deleted_topic_recreated(forum_bot: RunningBot, forum_group: AgentsGroup,
                                       sandbox: Any, make_person: Any) -> None:
    person = await make_person(5605, "Camille")
    card = await ask_advisor(person, forum_group)
    deleted = await bot_api(sandbox, "deleteForumTopic", chat_id=forum_group.chat_id,
                            message_thread_id=card["message_thread_id"])
    assert deleted["ok"]
    await person.send("Toujours intéressée")
    copy = await forum_group.wait_for(lambda m: body(m) == "Toujours intéressée")
    lead = await lead_of(forum_bot, 5605)
    assert lead["topic_id"] != card["message_thread_id"]
    assert copy["message_thread_id"] == lead["topic_id"]
    new_card = await forum_group.card(lead["id"])
    assert new_card["message_thread_id"] == lead["topic_id"]
    assert new_card["message_id"] < copy["message_id"]
    # Replies in the new topic reach the customer.
    await forum_group.send(JULIE, "Parfait", thread_id=lead["topic_id"])
    await person.wait_for_bot_message(lambda m: body(m) == "Parfait")


async def test_flood_limit_keeps_order(forum_bot: RunningBot, forum_group: AgentsGroup,
                                       make_person: Any) -> None:
    person = await make_person(5606, "Camille")
    card = await ask_advisor(person, forum_group)
    await forum_group.client.flood(True, group_chat=[3, 1.0], private_chat=[100, 1.0],
                                   overall=[100, 1.0])
    sent = [f"message {number}" for number in range(1, 11)]
    for text in sent:
        await person.send(text)

    async def all_arrived() -> list[str] | None:
        texts = [body(m) for m in await forum_group.bot_messages()
                 if m.get("message_thread_id") == card["message_thread_id"]
                 and body(m).startswith("message ")]
        return texts if len(texts) >= len(sent) else None

    arrived = await forum_group.client.wait_for(all_arrived, timeout=40)
    assert arrived == sent
    stats = await forum_group.client.stats()
    assert stats["too_many_requests"] > 0


async def test_timeout_retried(forum_bot: RunningBot, forum_group: AgentsGroup,
                               make_person: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    person = await make_person(5607, "Camille")
    await ask_advisor(person, forum_group)
    monkeypatch.setattr(relay_copy, "SEND_TIMEOUT_SECONDS", 0.5)
    # The server replies after the client gave up, but posts the copy all the same.
    await forum_group.client.fault("copyMessage", delay=1.5)
    first = await person.send("un")
    await person.send("deux")
    await forum_group.wait_for(lambda m: body(m) == "deux")

    async def orphan_landed() -> bool:
        return (await texts_in(forum_group)).count("un") == 2

    await forum_group.client.wait_for(orphan_landed)
    texts = await texts_in(forum_group)
    # The retry's copy is the one in the map, and it came before the next message.
    rows = await forum_bot.services.db.fetch_all(
        "SELECT group_message_id FROM relays WHERE customer_message_id = ? "
        "AND direction = 'in'", (first,))
    assert len(rows) == 1
    assert texts.index("un") < texts.index("deux")


async def test_server_errors_retried_once(forum_bot: RunningBot, forum_group: AgentsGroup,
                                          make_person: Any) -> None:
    person = await make_person(5608, "Camille")
    card = await ask_advisor(person, forum_group)
    await forum_group.client.fault("copyMessage", error_code=502)
    await forum_group.client.fault("copyMessage", drop=True)
    await person.send("malgré les erreurs")
    await person.send("et la suite")
    await forum_group.wait_for(lambda m: body(m) == "et la suite")
    texts = await texts_in(forum_group)
    assert texts.count("malgré les erreurs") == 1
    assert texts.index("malgré les erreurs") < texts.index("et la suite")
    await forum_group.send(JULIE, "Reçu", thread_id=card["message_thread_id"])
    await person.wait_for_bot_message(lambda m: body(m) == "Reçu")


async def test_restart_keeps_conversation(plain_bot: RunningBot, plain_group: AgentsGroup,
                                          make_person: Any) -> None:
    person = await make_person(5609, "Camille")
    await ask_advisor(person, plain_group)
    before = await person.send("avant")
    copy = await plain_group.wait_for(lambda m: body(m) == "avant")

    await plain_bot.stop()
    await plain_group.send(JULIE, "réponse pendant l'arrêt", reply_to=copy["message_id"])
    await person.send("pendant l'arrêt")
    await plain_bot.start()

    answer = await person.wait_for_bot_message(lambda m: body(m) == "réponse pendant l'arrêt")
    assert answer["reply_to_message"]["message_id"] == before
    await plain_group.wait_for(lambda m: body(m) == "pendant l'arrêt")
    assert (await texts_in(plain_group)).count("pendant l'arrêt") == 1


async def test_foreign_group_left(forum_bot: RunningBot, forum_group: AgentsGroup,
                                  make_person: Any) -> None:
    await make_person(5610, "Camille")
    other = await forum_group.client.add_group("Voyageurs", [5610])

    async def left() -> bool:
        chats = {chat["id"]: chat for chat in await forum_group.client.chats()}
        return chats[other]["bot_status"] == "left"

    await forum_group.client.wait_for(left)
    assert await texts_in(forum_group, other) == [
        "Ce bot ne travaille que dans le groupe de conseillers configuré. Au revoir !"]
    assert len(await forum_group.client.calls("leaveChat")) == 1


async def test_missing_rights_logged(sandbox: Any, client: Any, tmp_path: Path,
                                     demo_catalog: Catalog,
                                     caplog: pytest.LogCaptureFixture) -> None:
    for advisor_id, name in ADVISORS.items():
        await client.add_user(advisor_id, first_name=name)
    chat_id = await client.add_group("Conseillers", list(ADVISORS), type="supergroup",
                                     is_forum=True, bot_status="member")
    caplog.set_level(logging.INFO, logger="handlers.handoff_jobs")
    bot = handoff_bot(sandbox, tmp_path, demo_catalog, AgentsGroup(client, chat_id, True))
    await bot.start()
    try:
        lines = [r.getMessage() for r in caplog.records if r.name == "handlers.handoff_jobs"
                 and "agents' group" in r.getMessage()]
        assert len(lines) == 1
        assert f"chat_id={chat_id} mode=forum is missing" in lines[0]
        assert "administrator status" in lines[0]
        assert "manage topics" in lines[0]
    finally:
        await bot.stop()


async def test_ready_group_logged(forum_bot: RunningBot, forum_group: AgentsGroup,
                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="handlers.handoff_jobs")
    await forum_bot.stop()
    await forum_bot.start()
    lines = [r.getMessage() for r in caplog.records if r.name == "handlers.handoff_jobs"]
    assert f"agents' group ready chat_id={forum_group.chat_id} mode=forum " \
           "status=administrator" in lines


async def test_rejected_message_dropped_with_notice(forum_bot: RunningBot,
                                                    forum_group: AgentsGroup,
                                                    make_person: Any) -> None:
    person = await make_person(5611, "Camille")
    card = await ask_advisor(person, forum_group)
    await forum_group.client.fault("copyMessage", error_code=400,
                                   description="Bad Request: message to copy not found")
    await person.send("perdu en route")
    notice = await forum_group.wait_for(
        lambda m: body(m).startswith("⚠️ Un message de Camille"))
    assert notice["message_thread_id"] == card["message_thread_id"]
    await person.send("la suite arrive")
    await forum_group.wait_for(lambda m: body(m) == "la suite arrive")
    assert "perdu en route" not in await texts_in(forum_group)
    row = await forum_bot.services.db.fetch_one(
        "SELECT status FROM relay_queue WHERE dedup_key LIKE 'in:5611:%' ORDER BY id LIMIT 1")
    assert row["status"] == "dropped"
