"""Lost payload attribution: a person with no campaign is asked once where they heard of us."""

from __future__ import annotations

from typing import Any

import locales
from catalog.loader import Catalog
from tests.conftest import RunningBot, labels
from tests.funnel.conftest import ask, contains

QUESTION = "comment avez-vous connu"


async def questions(person: Any) -> list[dict[str, Any]]:
    return [m for m in await person.bot_messages() if QUESTION in str(m.get("text"))]


async def test_no_payload_asks_source_once(running_bot: RunningBot, make_person: Any,
                                           demo_catalog: Catalog) -> None:
    person = await make_person(9401, "Paz")
    question = await ask(person, "/start", contains(QUESTION))
    expected = [c.label.get("fr") for c in demo_catalog.data.campaigns]

    assert labels(question) == [*expected, locales.plain("fr", "src_other")]
    await person.press(question, demo_catalog.data.campaigns[1].label.get("fr"))

    async def buttons_removed() -> bool:
        messages = {m["message_id"]: m for m in await person.messages()}
        return not messages[question["message_id"]].get("reply_markup")

    await person.client.wait_for(buttons_removed, timeout=15)
    await ask(person, "/start", contains("Paz"))
    db = running_bot.services.db
    row = await db.fetch_one(
        "SELECT first_campaign, declared_source FROM people WHERE user_id = 9401")
    assert row["declared_source"] == demo_catalog.data.campaigns[1].code
    # Kept apart from link attribution: no first-touch campaign, no campaign on the events.
    assert row["first_campaign"] is None
    campaigns = await db.fetch_all("SELECT DISTINCT campaign FROM events WHERE user_id = 9401")
    assert [r["campaign"] for r in campaigns] == [None]
    assert len(await questions(person)) == 1


async def test_other_is_a_declared_source(running_bot: RunningBot, make_person: Any) -> None:
    person = await make_person(9402, "Rem")
    question = await ask(person, "/start", contains(QUESTION))
    await person.press(question, locales.plain("fr", "src_other"))

    async def declared() -> bool:
        row = await running_bot.services.db.fetch_one(
            "SELECT declared_source FROM people WHERE user_id = 9402")
        return row["declared_source"] == "other"

    await person.client.wait_for(declared, timeout=15)
    event = await running_bot.services.db.fetch_one(
        "SELECT detail FROM events WHERE kind = 'source_declared' AND user_id = 9402")
    assert event["detail"] == '{"source": "other"}'


async def test_campaign_link_is_not_asked(running_bot: RunningBot, make_person: Any) -> None:
    person = await make_person(9403, "Sol")
    await ask(person, "/start soleil", contains("Sol"))
    # The payload is lost on a later visit: the first touch already attributes this person.
    await ask(person, "/start", contains("Sol"))
    await ask(person, "/unsubscribe")

    assert await questions(person) == []


async def test_second_press_keeps_first_answer(running_bot: RunningBot, make_person: Any,
                                               client: Any, demo_catalog: Catalog) -> None:
    person = await make_person(9404, "Tao")
    question = await ask(person, "/start", contains(QUESTION))
    first, second = demo_catalog.data.campaigns[0], demo_catalog.data.campaigns[2]
    data = {b["text"]: b["callback_data"] for row in question["reply_markup"]["inline_keyboard"]
            for b in row}
    await client.callback(9404, 9404, question["message_id"], data[first.label.get("fr")])
    await client.callback(9404, 9404, question["message_id"], data[second.label.get("fr")])

    async def both_answered() -> bool:
        queries = [q for q in await client.callback_queries() if q["user_id"] == 9404]
        return len(queries) == 2 and all(q["answered"] == 1 for q in queries)

    await client.wait_for(both_answered, timeout=15)
    row = await running_bot.services.db.fetch_one(
        "SELECT declared_source FROM people WHERE user_id = 9404")
    assert row["declared_source"] == first.code
