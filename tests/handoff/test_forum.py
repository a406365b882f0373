"""The whole handoff in a forum supergroup: one topic per customer, relay, notes, claim."""

from __future__ import annotations

from typing import Any

from tests.conftest import RunningBot, body, labels
from tests.handoff.conftest import (
    JULIE,
    AgentsGroup,
    ask_advisor,
    is_card,
    lead_id_of,
    lead_of,
    reach_cart,
)


async def test_cart_to_topic_and_back(forum_bot: RunningBot, forum_group: AgentsGroup,
                                      make_person: Any) -> None:
    person = await make_person(5201, "Camille", username="cam_<b>")
    cart_message = await reach_cart(person)
    await person.press(cart_message, "conseiller")
    told = await person.wait_for_bot_message(lambda m: "conseiller va vous répondre" in body(m),
                                             after=cart_message["message_id"])
    assert told

    card = await forum_group.wait_for(is_card)
    lead = await lead_of(forum_bot, 5201)
    cart = await forum_bot.services.db.fetch_one("SELECT * FROM carts WHERE id = ?",
                                                 (lead["cart_id"],))
    trip_title = cart["title"]

    # The topic is named after the customer, the trip in the cart and the campaign.
    [created] = [m for m in await forum_group.messages() if "forum_topic_created" in m]
    assert created["forum_topic_created"]["name"] == f"Camille · {trip_title} · soleil"
    assert card["message_thread_id"] == created["message_id"]
    assert lead["topic_id"] == created["message_id"]

    # The card is the topic's first message and carries what an advisor needs.
    in_topic = [m for m in await forum_group.messages()
                if m.get("message_thread_id") == lead["topic_id"] and "forum_topic_created"
                not in m]
    assert in_topic[0]["message_id"] == card["message_id"]
    text = body(card)
    assert f"Contact n°{lead_id_of(card)}" in text
    assert "Camille" in text
    assert "@cam_<b>" in text
    assert "Langue : français" in text
    assert "Campagne : soleil" in text
    assert "Voyages proposés" in text
    assert text.count(" %") + text.count("à découvrir") >= 3
    assert f"Panier : {trip_title}" in text
    assert "€" in text
    assert "Aime" in text or "N'aime pas" in text
    assert labels(card) == ["🙋 Je prends", "✅ Gagné", "❌ Perdu", "🏁 Terminer"]

    # Customer → topic, advisor → customer, and a note that stays in the group.
    await person.send("Bonjour, c'est possible en juillet ?")
    copy = await forum_group.wait_for(lambda m: body(m) == "Bonjour, c'est possible en juillet ?")
    assert copy["message_thread_id"] == lead["topic_id"]
    assert "forward_origin" not in copy

    await forum_group.send(JULIE, "// elle a l'air pressée", thread_id=lead["topic_id"])
    await forum_group.send(JULIE, "Oui, il reste de la place !", thread_id=lead["topic_id"])
    reply = await person.wait_for_bot_message(lambda m: body(m) == "Oui, il reste de la place !")
    assert reply
    assert not any("pressée" in body(m) for m in await person.messages())

    # Julie claims the lead: the team sees her name, the customer learns who answers.
    last = max(m["message_id"] for m in await person.bot_messages())
    await forum_group.press(JULIE, card, "Je prends")
    told = await person.wait_for_bot_message(lambda m: "Julie" in body(m), after=last)
    assert "s'occupe de votre demande" in body(told)
    notice = await forum_group.wait_for(lambda m: body(m) == "🙋 Julie prend ce contact.")
    assert notice["message_thread_id"] == lead["topic_id"]

    async def card_shows_julie() -> bool:
        return "Pris par Julie" in body(await forum_group.card(lead["id"]))

    await forum_group.client.wait_for(card_shows_julie)
    now = await forum_group.card(lead["id"])
    assert "Je prends" not in " ".join(labels(now))
    kinds = [row["kind"] for row in await forum_bot.services.db.fetch_all(
        "SELECT kind FROM events WHERE user_id = 5201 ORDER BY id")]
    assert "handoff" in kinds
    assert "claimed" in kinds


async def test_second_request_keeps_one_lead(forum_bot: RunningBot, forum_group: AgentsGroup,
                                             make_person: Any) -> None:
    person = await make_person(5202, "Paul")
    await ask_advisor(person, forum_group)
    sent = await person.send("/start")
    welcome = await person.wait_for_bot_message(lambda m: "conseiller" in " ".join(labels(m)),
                                                after=sent)
    await person.press(welcome, "conseiller")
    already = await person.wait_for_bot_message(lambda m: "déjà en contact" in body(m),
                                                after=welcome["message_id"])
    assert already
    count = await forum_bot.services.db.fetch_one(
        "SELECT COUNT(*) FROM leads WHERE user_id = 5202")
    assert count[0] == 1
    topics = [m for m in await forum_group.messages() if "forum_topic_created" in m]
    assert len(topics) == 1


async def test_free_text_opens_lead(forum_bot: RunningBot, forum_group: AgentsGroup,
                                    make_person: Any) -> None:
    person = await make_person(5203, "Inès", language="en")
    sent = await person.send("I would like to talk to a human")
    told = await person.wait_for_bot_message(lambda m: "advisor will answer" in body(m),
                                             after=sent)
    assert told
    card = await forum_group.wait_for(is_card)
    assert "Langue : anglais" in body(card)
    # The text that asked for a person is not relayed: it was a request to the bot.
    await person.send("Hello?")
    await forum_group.wait_for(lambda m: body(m) == "Hello?")
    assert not any("talk to a human" in body(m) for m in await forum_group.messages())
