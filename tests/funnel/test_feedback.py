"""Stage 4 end to end: after the return date the person rates the trip, then may comment."""

from __future__ import annotations

import datetime as dtm
from typing import Any

import locales
from flows import experience, funnel
from handlers.feedback import ask_due_feedback
from store import purchases
from store.db import Database
from tests.conftest import RunningBot, body, labels
from tests.funnel.conftest import add_person, ask, contains


async def buy(db: Database, user_id: int, lead_id: int, departure: dtm.date | None,
              duration_days: int | None = 12) -> None:
    await funnel.first_purchase(db, user_id, "soleil", lead_id, 2490.0, "rajasthan", departure,
                                duration_days=duration_days, currency="EUR")


async def test_trip_rated_and_commented_once(running_bot: RunningBot,
                                             make_person: Any) -> None:
    db = running_bot.services.db
    person = await make_person(9501, "Rosa")
    await ask(person, "/start soleil", contains("Rosa"))
    await buy(db, 9501, 501, dtm.date(2020, 3, 1))

    assert await ask_due_feedback(running_bot.application) == 1
    question = await person.wait_for_bot_message(contains("1 à 5"))
    assert "Circuit Rajasthan" in body(question)
    assert labels(question) == [f"{n} ⭐" for n in range(1, 6)]
    assert await ask_due_feedback(running_bot.application) == 0

    await person.press(question, "4 ⭐")
    invite = await person.wait_for_bot_message(contains("commentaire"),
                                               after=question["message_id"])
    thanks = await ask(person, "Un voyage <inoubliable> & très bien organisé",
                       contains("🙏"))

    purchase = await db.fetch_one("SELECT * FROM purchases WHERE lead_id = 501")
    assert purchase["rating"] == 4
    assert purchase["comment"] == "Un voyage <inoubliable> & très bien organisé"
    assert purchase["feedback_status"] == "done"
    events = await db.fetch_all(
        "SELECT kind, campaign, detail FROM events WHERE user_id = 9501 "
        "AND kind IN ('experience', 'experience_asked')")
    assert sorted(e["kind"] for e in events) == ["experience", "experience_asked"]
    assert all(e["campaign"] == "soleil" for e in events)
    # The comment was not also routed as a wish: the next bot message replies to the next command.
    following = await ask(person, "/unsubscribe")
    between = [m for m in await person.bot_messages()
               if thanks["message_id"] < m["message_id"] < following["message_id"]]
    assert between == []
    assert body(following) == locales.plain("fr", "nl_not_subscribed")
    assert locales.plain("fr", "fb_no_comment") in labels(invite)


async def test_second_rating_changes_nothing(running_bot: RunningBot, make_person: Any,
                                             client: Any) -> None:
    db = running_bot.services.db
    person = await make_person(9502, "Ugo")
    await ask(person, "/start soleil", contains("Ugo"))
    await buy(db, 9502, 502, dtm.date(2020, 3, 1))
    await ask_due_feedback(running_bot.application)
    question = await person.wait_for_bot_message(contains("1 à 5"))

    await client.callback(9502, 9502, question["message_id"], "fb1:502:5")
    await client.callback(9502, 9502, question["message_id"], "fb1:502:1")
    await client.callback(9502, 9502, question["message_id"], "fb1:999:1")

    async def answered() -> bool:
        queries = [q for q in await client.callback_queries() if q["user_id"] == 9502]
        return len(queries) == 3 and all(q["answered"] == 1 for q in queries)

    await client.wait_for(answered, timeout=15)
    purchase = await purchases.get_purchase(db, 502)
    assert purchase is not None
    assert purchase.rating == 5
    count = await db.fetch_one(
        "SELECT COUNT(*) FROM events WHERE kind = 'experience' AND user_id = 9502")
    assert count[0] == 1


async def test_no_comment_then_text_goes_to_conversation(running_bot: RunningBot,
                                                         make_person: Any) -> None:
    db = running_bot.services.db
    person = await make_person(9503, "Vic")
    await ask(person, "/start soleil", contains("Vic"))
    await buy(db, 9503, 503, dtm.date(2020, 3, 1))
    await ask_due_feedback(running_bot.application)
    question = await person.wait_for_bot_message(contains("1 à 5"))
    await person.press(question, "2 ⭐")
    invite = await person.wait_for_bot_message(contains("commentaire"),
                                               after=question["message_id"])
    await person.press(invite, locales.plain("fr", "fb_no_comment"))
    await person.wait_for_bot_message(contains("prochain voyage"), after=invite["message_id"])

    reply = await ask(person, "bof")
    assert "compris" in body(reply)
    purchase = await db.fetch_one("SELECT comment, feedback_status FROM purchases "
                                  "WHERE lead_id = 503")
    assert purchase["comment"] is None
    assert purchase["feedback_status"] == "done"


async def test_trip_not_over_is_not_asked(running_bot: RunningBot) -> None:
    db = running_bot.services.db
    await add_person(db, 9504, "soleil")
    today = dtm.date(2026, 6, 1)
    await buy(db, 9504, 504, today - dtm.timedelta(days=12))

    # The trip returns today: the question waits for tomorrow.
    assert await ask_due_feedback(running_bot.application, today) == 0
    purchase = await purchases.get_purchase(db, 504)
    assert purchase is not None
    assert purchase.feedback_status == "waiting"


async def test_missing_dates_come_from_catalog(db: Database, demo_catalog: Any) -> None:
    await add_person(db, 9505, "soleil")
    await buy(db, 9505, 505, None, duration_days=None)
    trip = demo_catalog.trips[demo_catalog.trip_index["rajasthan"]]

    assert await experience.fill_return_dates(db, demo_catalog) == 1
    purchase = await purchases.get_purchase(db, 505)
    assert purchase is not None
    bought = dtm.date.fromisoformat(purchase.created_at[:10])
    first = min(day for day in trip.departures if day >= bought)
    assert purchase.departure == first
    assert purchase.returns_on == first + dtm.timedelta(days=trip.duration_days)
