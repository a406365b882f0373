"""The handoff in a plain group: copies introduced by who sent them, replies routed back."""

from __future__ import annotations

from typing import Any

from tests.conftest import RunningBot, body, labels
from tests.handoff.conftest import JULIE, MARC, AgentsGroup, ask_advisor, is_card, lead_of


def is_intro(name: str) -> Any:
    return lambda message: body(message).startswith(f"💬 {name} · contact n°")


async def test_plain_group_path(plain_bot: RunningBot, plain_group: AgentsGroup,
                                make_person: Any) -> None:
    camille = await make_person(5301, "Camille")
    card = await ask_advisor(camille, plain_group)
    assert "message_thread_id" not in card or not card.get("is_topic_message")
    assert labels(card) == ["🙋 Je prends", "✅ Gagné", "❌ Perdu", "🏁 Terminer"]

    # Right after the card, the card itself introduces Camille.
    first = await camille.send("Bonjour !")
    copy = await plain_group.wait_for(lambda m: body(m) == "Bonjour !")
    assert not any(is_intro("Camille")(m) for m in await plain_group.bot_messages())

    # Another customer's message comes in between, so Camille is introduced again next time.
    paul = await make_person(5302, "Paul")
    await ask_advisor(paul, plain_group)
    await paul.send("Salut")
    await plain_group.wait_for(lambda m: body(m) == "Salut")
    await camille.send("Vous êtes là ?")
    second_copy = await plain_group.wait_for(lambda m: body(m) == "Vous êtes là ?")
    intro = await plain_group.wait_for(is_intro("Camille"))
    assert intro["message_id"] == second_copy["message_id"] - 1

    # Replies route by the map, to the copy, the intro or the card alike.
    await plain_group.send(JULIE, "Oui, bonjour Camille", reply_to=copy["message_id"])
    answer = await camille.wait_for_bot_message(lambda m: body(m) == "Oui, bonjour Camille")
    assert answer["reply_to_message"]["message_id"] == first
    await plain_group.send(MARC, "Je vous envoie le programme", reply_to=intro["message_id"])
    await camille.wait_for_bot_message(lambda m: body(m) == "Je vous envoie le programme")
    await plain_group.send(JULIE, "Et les prix", reply_to=card["message_id"])
    await camille.wait_for_bot_message(lambda m: body(m) == "Et les prix")
    paul_card = await plain_group.card((await lead_of(plain_bot, 5302))["id"])
    await plain_group.send(JULIE, "Bonjour Paul", reply_to=paul_card["message_id"])
    await paul.wait_for_bot_message(lambda m: body(m) == "Bonjour Paul")

    assert not any(body(m) == "Bonjour Paul" for m in await camille.messages())
    assert not any(body(m) == "Et les prix" for m in await paul.messages())


async def test_plain_note_stays(plain_bot: RunningBot, plain_group: AgentsGroup,
                                make_person: Any) -> None:
    camille = await make_person(5303, "Camille")
    card = await ask_advisor(camille, plain_group)
    await plain_group.send(JULIE, "// elle hésite entre deux dates", reply_to=card["message_id"])
    await plain_group.send(JULIE, "Quelles dates vous conviennent ?",
                           reply_to=card["message_id"])
    await camille.wait_for_bot_message(lambda m: body(m) == "Quelles dates vous conviennent ?")
    assert not any("hésite" in body(m) for m in await camille.messages())
    rows = await plain_bot.services.db.fetch_all(
        "SELECT * FROM relays WHERE direction = 'out'")
    assert len(rows) == 1


async def test_plain_chat_not_relayed(plain_bot: RunningBot, plain_group: AgentsGroup,
                                      make_person: Any) -> None:
    """Team talk that replies to nothing of a lead stays in the group."""
    camille = await make_person(5304, "Camille")
    card = await ask_advisor(camille, plain_group)
    other = await plain_group.send(JULIE, "Qui prend le café ?")
    await plain_group.send(MARC, "Moi", reply_to=other)
    await plain_group.send(JULIE, "Bienvenue !", reply_to=card["message_id"])
    await camille.wait_for_bot_message(lambda m: body(m) == "Bienvenue !")
    texts = [body(m) for m in await camille.messages()]
    assert "Qui prend le café ?" not in texts
    assert "Moi" not in texts
    assert is_card(card)


async def test_customer_reply_keeps_thread(plain_bot: RunningBot, plain_group: AgentsGroup,
                                           make_person: Any) -> None:
    camille = await make_person(5305, "Camille")
    card = await ask_advisor(camille, plain_group)
    advisor_message = await plain_group.send(JULIE, "Quel budget ?", reply_to=card["message_id"])
    copy = await camille.wait_for_bot_message(lambda m: body(m) == "Quel budget ?")
    await camille.client.send_text(5305, "Environ 3000 €",
                                   reply_to_message_id=copy["message_id"])
    answer = await plain_group.wait_for(lambda m: body(m) == "Environ 3000 €")
    assert answer["reply_to_message"]["message_id"] == advisor_message
