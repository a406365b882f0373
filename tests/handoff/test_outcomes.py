"""Claim, won, lost and end from the lead card and agent commands, with their funnel events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from catalog.loader import Catalog
from handlers import callback_data
from handlers.handoff_jobs import send_reminders
from tests.conftest import RunningBot, body, labels
from tests.handoff.conftest import (
    JULIE,
    MARC,
    AgentsGroup,
    ask_advisor,
    handoff_bot,
    lead_of,
    reach_cart,
)


async def events(bot: RunningBot, user_id: int) -> dict[str, Any]:
    rows = await bot.services.db.fetch_all(
        "SELECT kind, detail, amount FROM events WHERE user_id = ? ORDER BY id", (user_id,))
    return {row["kind"]: row for row in rows}


async def answered(group: AgentsGroup, count: int) -> None:
    async def done() -> bool:
        queries = await group.client.callback_queries()
        return len(queries) >= count and all(q["answered"] == 1 for q in queries)

    await group.client.wait_for(done)


async def answered_by(group: AgentsGroup, user_id: int) -> dict[str, Any]:
    """Wait until every button press of one person is answered; return the last one."""
    found: list[dict[str, Any]] = []

    async def done() -> bool:
        queries = [q for q in await group.client.callback_queries() if q["user_id"] == user_id]
        if queries and all(q["answered"] == 1 for q in queries):
            found[:] = queries
            return True
        return False

    await group.client.wait_for(done)
    return found[-1]


async def test_won_from_cart_price(forum_bot: RunningBot, forum_group: AgentsGroup,
                                   make_person: Any) -> None:
    person = await make_person(5501, "Camille")
    cart_message = await reach_cart(person)
    await person.press(cart_message, "conseiller")
    card = await forum_group.wait_for(lambda m: body(m).startswith("🆕"))
    lead = await lead_of(forum_bot, 5501)
    cart = await forum_bot.services.db.fetch_one("SELECT * FROM carts WHERE id = ?",
                                                 (lead["cart_id"],))

    await forum_group.press(MARC, card, "Gagné")

    async def amount_offered() -> bool:
        return any("Gagné :" in label for label in labels(await forum_group.card(lead["id"])))

    await forum_group.client.wait_for(amount_offered)
    await forum_group.press(MARC, await forum_group.card(lead["id"]), "Gagné :")

    async def purchase() -> Any:
        return await forum_bot.services.db.fetch_one(
            "SELECT * FROM purchases WHERE lead_id = ?", (lead["id"],))

    row = await forum_group.client.wait_for(purchase)
    assert row["amount"] == cart["price"]
    assert row["trip_id"] == cart["trip_id"]
    assert row["campaign"] == "soleil"
    recorded = await events(forum_bot, 5501)
    assert recorded["won"]["amount"] == cart["price"]

    async def card_won() -> bool:
        return "✅ Gagné :" in body(await forum_group.card(lead["id"]))

    await forum_group.client.wait_for(card_won)
    # A won lead is final: neither won nor lost is offered any more.
    now = await forum_group.card(lead["id"])
    assert "✅ Gagné" not in labels(now)
    assert "❌ Perdu" not in labels(now)


async def test_won_and_lost_commands(forum_bot: RunningBot, forum_group: AgentsGroup,
                                     make_person: Any) -> None:
    person = await make_person(5502, "Camille")
    card = await ask_advisor(person, forum_group)
    thread = card["message_thread_id"]
    lead = await lead_of(forum_bot, 5502)

    await forum_group.send(JULIE, "/lost trop cher pour elle", thread_id=thread)
    await forum_group.wait_for(lambda m: body(m) == "Perte enregistrée.")
    row = await lead_of(forum_bot, 5502)
    assert row["outcome"] == "lost"
    assert row["outcome_detail"] == "trop cher pour elle"
    assert json.loads((await events(forum_bot, 5502))["lost"]["detail"])["reason"] == "other"

    # A lost lead can still be won later; the amount is read the French way too.
    await forum_group.send(JULIE, "/won 1 990,50 €", thread_id=thread)
    await forum_group.wait_for(lambda m: body(m) == "Vente enregistrée.")
    row = await lead_of(forum_bot, 5502)
    assert row["outcome"] == "won"
    assert row["amount"] == 1990.5
    purchase = await forum_bot.services.db.fetch_one(
        "SELECT amount FROM purchases WHERE lead_id = ?", (lead["id"],))
    assert purchase["amount"] == 1990.5

    await forum_group.send(JULIE, "/won 10", thread_id=thread)
    await forum_group.wait_for(lambda m: body(m) == "Déjà marqué gagné.")
    await forum_group.send(JULIE, "/won beaucoup", thread_id=thread)
    await forum_group.wait_for(lambda m: "Indiquez le montant" in body(m))
    await forum_group.send(JULIE, "/won 500")
    await forum_group.wait_for(lambda m: "dans le sujet du client" in body(m))
    assert (await lead_of(forum_bot, 5502))["amount"] == 1990.5


async def test_lost_reason_button(plain_bot: RunningBot, plain_group: AgentsGroup,
                                  make_person: Any) -> None:
    person = await make_person(5503, "Camille")
    card = await ask_advisor(person, plain_group)
    lead = await lead_of(plain_bot, 5503)
    await plain_group.press(JULIE, card, "Perdu")

    async def reasons_offered() -> bool:
        return "Prix" in labels(await plain_group.card(lead["id"]))

    await plain_group.client.wait_for(reasons_offered)
    await plain_group.press(JULIE, await plain_group.card(lead["id"]), "Prix")

    async def lost_shown() -> bool:
        return "❌ Perdu : Prix" in body(await plain_group.card(lead["id"]))

    await plain_group.client.wait_for(lost_shown)
    assert json.loads((await events(plain_bot, 5503))["lost"]["detail"])["reason"] == "price"
    assert (await lead_of(plain_bot, 5503))["status"] == "open"


async def test_end_returns_customer_to_bot(forum_bot: RunningBot, forum_group: AgentsGroup,
                                           make_person: Any) -> None:
    person = await make_person(5504, "Camille")
    card = await ask_advisor(person, forum_group)
    lead = await lead_of(forum_bot, 5504)
    await forum_group.press(JULIE, card, "Terminer")

    async def confirm_offered() -> bool:
        return "🏁 Oui, terminer" in labels(await forum_group.card(lead["id"]))

    await forum_group.client.wait_for(confirm_offered)
    assert (await lead_of(forum_bot, 5504))["status"] == "open"
    last = max(m["message_id"] for m in await person.bot_messages())
    await forum_group.press(JULIE, await forum_group.card(lead["id"]), "Oui, terminer")
    goodbye = await person.wait_for_bot_message(lambda m: "est terminée" in body(m), after=last)
    assert "voyage" in " ".join(labels(goodbye))
    assert (await lead_of(forum_bot, 5504))["status"] == "ended"
    assert "handoff_ended" in await events(forum_bot, 5504)

    async def topic_closed() -> bool:
        # The customer is told first; the topic is closed by the next group call.
        [chat] = [c for c in await forum_group.client.chats()
                  if c["id"] == forum_group.chat_id]
        topics = chat["topics"] if isinstance(chat["topics"], list) \
            else list(chat["topics"].values())
        return any(topic["closed"] for topic in topics)

    await forum_group.client.wait_for(topic_closed)

    # Back with the bot: free text is routed again, and nothing reaches the group.
    sent = await person.send("bof")
    await person.wait_for_bot_message(lambda m: "compris" in body(m), after=sent)
    assert not any(body(m) == "bof" for m in await forum_group.messages())


async def test_forged_buttons_change_nothing(forum_bot: RunningBot, forum_group: AgentsGroup,
                                             make_person: Any) -> None:
    person = await make_person(5505, "Camille")
    card = await ask_advisor(person, forum_group)
    lead = await lead_of(forum_bot, 5505)
    client = forum_group.client
    own_message = (await person.bot_messages())[0]

    # From the customer's private chat, with data the bot builds for its advisors.
    for data in (callback_data.lead_won(lead["id"], 1), callback_data.lead_end(lead["id"]),
                 callback_data.lead(lead["id"], "c")):
        await client.callback(5505, 5505, own_message["message_id"], data)
    # From another group the bot is in (added without the update that makes it leave).
    other = await client.add_group("Autre", [5505], type="supergroup", announce=False)
    posted = await client.send_text(5505, "salut", chat_id=other)
    await client.callback(5505, other, posted["message_id"], callback_data.lead_end(lead["id"]))
    # In the agents' group, from someone who is not a member.
    await client.add_user(5599, first_name="Intrus")
    await client.callback(5599, forum_group.chat_id, card["message_id"],
                          callback_data.lead(lead["id"], "c"))
    # In the agents' group, under a message that is not this lead's.
    copy_id = await forum_group.send(JULIE, "message libre")
    await client.callback(JULIE, forum_group.chat_id, copy_id, callback_data.lead_end(lead["id"]))

    await answered(forum_group, 6)
    row = await lead_of(forum_bot, 5505)
    assert row["status"] == "open"
    assert row["claimed_by"] is None
    assert row["outcome"] is None
    purchases = await forum_bot.services.db.fetch_one("SELECT COUNT(*) FROM purchases")
    assert purchases[0] == 0
    intruder = [q for q in await client.callback_queries() if q["user_id"] == 5599]
    assert intruder[0]["text"] == "Réservé aux conseillers de ce groupe."


async def test_claim_by_colleague_refused(forum_bot: RunningBot, forum_group: AgentsGroup,
                                          make_person: Any) -> None:
    person = await make_person(5506, "Camille")
    card = await ask_advisor(person, forum_group)
    await forum_group.press(JULIE, card, "Je prends")
    julie = await answered_by(forum_group, JULIE)
    assert julie["text"] == "C'est à vous !", julie
    await forum_group.client.callback(MARC, forum_group.chat_id, card["message_id"],
                                      callback_data.lead((await lead_of(forum_bot, 5506))["id"],
                                                         "c"))
    marc = await answered_by(forum_group, MARC)
    assert marc["text"] == "Déjà pris par Julie."
    assert (await lead_of(forum_bot, 5506))["claimed_by"] == JULIE


async def test_leads_command_lists_open(plain_bot: RunningBot, plain_group: AgentsGroup,
                                        make_person: Any) -> None:
    camille = await make_person(5507, "Camille")
    paul = await make_person(5508, "Paul")
    card = await ask_advisor(camille, plain_group)
    await ask_advisor(paul, plain_group)
    await plain_group.press(JULIE, card, "Je prends")
    await plain_group.wait_for(lambda m: body(m) == "🙋 Julie prend ce contact.")

    await plain_group.send(MARC, "/leads")
    listing = await plain_group.wait_for(lambda m: "Contacts ouverts" in body(m))
    lines = body(listing).split("\n")
    assert lines[0] == "📋 Contacts ouverts : 2"
    camille_lead = (await lead_of(plain_bot, 5507))["id"]
    paul_lead = (await lead_of(plain_bot, 5508))["id"]
    assert lines[1] == f"• n°{camille_lead} Camille — 0 min — Julie"
    assert lines[2] == f"• n°{paul_lead} Paul — 0 min — libre"


async def test_reminder_raises_unclaimed_lead(sandbox: Any, tmp_path: Path,
                                              demo_catalog: Catalog, forum_group: AgentsGroup,
                                              make_person: Any) -> None:
    bot = handoff_bot(sandbox, tmp_path, demo_catalog, forum_group,
                      handoff_reminder_minutes=0.02)
    await bot.start()
    try:
        person = await make_person(5509, "Camille")
        card = await ask_advisor(person, forum_group)
        reminder = await forum_group.wait_for(lambda m: "attend depuis" in body(m))
        assert body(reminder).startswith("⏰ Camille attend depuis")
        assert reminder["message_thread_id"] == card["message_thread_id"]
        assert labels(reminder) == ["🙋 Je prends"]

        await forum_group.press(MARC, reminder, "Je prends")

        async def claimed() -> bool:
            return (await lead_of(bot, 5509))["claimed_by"] == MARC

        await forum_group.client.wait_for(claimed)
        assert await send_reminders(bot.application) == 0
    finally:
        await bot.stop()
