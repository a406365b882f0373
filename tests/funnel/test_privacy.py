"""/forget end to end: no personal data left in any table, anonymous counts kept."""

from __future__ import annotations

import datetime as dtm
import re
from typing import Any

import locales
from flows import funnel
from handlers.newsletter import current_consent_version
from store import newsletter as issues
from store.db import Database, utc_now
from tests.conftest import Person, RunningBot, body, labels
from tests.funnel.conftest import ADMIN_ID, ask, contains

# Distinctive values: found anywhere after /forget, they can only be leftovers.
USER_ID = 731845902
NAME = "Philippa-Zéphyrine"
USERNAME = "zephyrine_travels"
COMMENT = "Notre guide Bertrand était formidable"


def fr(key: str, **values: Any) -> str:
    return locales.plain("fr", key, **values)


async def leftovers(db: Database, user_id: int, *texts: str) -> list[str]:
    """Return every table cell that still contains the person's id or one of their texts."""
    found = []
    tables = await db.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    id_token = re.compile(rf"(?<!\d){user_id}(?!\d)")
    for table in (row["name"] for row in tables):
        for row in await db.fetch_all(f"SELECT * FROM {table}"):
            for column in row.keys():
                value = row[column]
                if value == user_id or (isinstance(value, str) and (
                        id_token.search(value) or any(text in value for text in texts))):
                    found.append(f"{table}.{column}={value!r}")
    return found


async def rich_history(running_bot: RunningBot, person: Person) -> None:
    """A person who came through a campaign, took the quiz, bought, rated and commented."""
    db = running_bot.services.db
    welcome = await ask(person, "/start soleil", contains(NAME))
    await person.press(welcome, fr("button_trip"))
    quiz = await person.wait_for_bot_message(lambda m: bool(m.get("photo")),
                                             after=welcome["message_id"])
    await person.press(quiz, fr("quiz_like_left"))

    async def answered() -> bool:
        row = await db.fetch_one(
            "SELECT json_array_length(answers) AS n FROM quizzes WHERE user_id = ?", (USER_ID,))
        return row is not None and row["n"] == 1

    await person.client.wait_for(answered, timeout=15)
    await funnel.subscribed(db, USER_ID, "soleil", current_consent_version("fr"), "menu")
    now = utc_now()
    cart_id = await db.execute(
        "INSERT INTO carts (user_id, trip_id, title, price, currency, created_at) "
        "VALUES (?, 'rajasthan', 'Circuit Rajasthan', 2490, 'EUR', ?)", (USER_ID, now))
    lead_id = await db.execute(
        "INSERT INTO leads (user_id, cart_id, agent_chat_id, topic_id, card_message_id, status, "
        "outcome_detail, created_at, updated_at) VALUES (?, ?, -100500, 77, 78, 'won', ?, ?, ?)",
        (USER_ID, cart_id, f"rappeler {NAME}", now, now))
    await db.execute(
        "INSERT INTO relays (lead_id, customer_chat_id, customer_message_id, group_chat_id, "
        "group_message_id, direction, created_at) VALUES (?, ?, 5, -100500, 80, 'in', ?)",
        (lead_id, USER_ID, now))
    tables = {row["name"] for row in await db.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "relay_queue" in tables:
        await db.execute(
            "INSERT INTO relay_queue (lead_id, direction, action, from_chat_id, message_id, "
            "payload, dedup_key, created_at, updated_at) "
            "VALUES (?, 'in', 'edit', ?, 6, ?, ?, ?, ?)",
            (lead_id, USER_ID, f"{NAME} a écrit", f"relay:{USER_ID}:6", now, now))
    if "lead_posts" in tables:
        await db.execute(
            "INSERT INTO lead_posts (group_chat_id, group_message_id, lead_id, kind, created_at) "
            "VALUES (-100500, 81, ?, 'card', ?)", (lead_id, now))
    await funnel.handoff(db, USER_ID, "soleil", lead_id)
    await funnel.first_purchase(db, USER_ID, "soleil", lead_id, 2490.0, "rajasthan",
                                dtm.date(2020, 3, 1), duration_days=12, currency="EUR")
    await db.execute("UPDATE purchases SET feedback_status = 'asked' WHERE lead_id = ?",
                     (lead_id,))
    await funnel.experience(db, USER_ID, lead_id, 5)
    await db.execute("UPDATE purchases SET comment = ? WHERE lead_id = ?", (COMMENT, lead_id))
    issue_id = await issues.create_issue(db, ADMIN_ID, "Numéro", None)
    await issues.start_sending(db, issue_id, ADMIN_ID, 1)


async def test_forget_leaves_no_personal_data(running_bot: RunningBot, make_person: Any) -> None:
    db = running_bot.services.db
    person = await make_person(USER_ID, NAME, username=USERNAME)
    await rich_history(running_bot, person)
    assert await leftovers(db, USER_ID, NAME, USERNAME, COMMENT)
    kinds_before = await db.fetch_all(
        "SELECT kind, campaign, COUNT(*) AS n FROM events GROUP BY kind, campaign ORDER BY 1, 2")

    prompt = await ask(person, "/forget", contains("anonymes"))
    await person.press(prompt, fr("forget_yes"))
    done = await person.wait_for_bot_message(contains("effacées"), after=prompt["message_id"])

    assert "Ce que nous gardons" in body(done)
    assert await leftovers(db, USER_ID, NAME, USERNAME, COMMENT) == []
    kinds_after = await db.fetch_all(
        "SELECT kind, campaign, COUNT(*) AS n FROM events WHERE kind != 'forgotten' "
        "GROUP BY kind, campaign ORDER BY 1, 2")
    assert [tuple(row) for row in kinds_after] == [tuple(row) for row in kinds_before]
    quiz = await db.fetch_one("SELECT answers, pairs, status FROM quizzes")
    assert quiz["answers"] == "[]"
    assert quiz["pairs"] == "[]"
    assert (await db.fetch_one("SELECT COUNT(*) FROM relays"))[0] == 0
    if "lead_posts" in {row["name"] for row in await db.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}:
        assert (await db.fetch_one("SELECT COUNT(*) FROM lead_posts"))[0] == 0
    purchase = await db.fetch_one("SELECT rating, amount, user_id FROM purchases")
    assert purchase["rating"] == 5
    assert purchase["amount"] == 2490.0
    assert purchase["user_id"] < 0
    delivery = await db.fetch_one("SELECT status FROM newsletter_deliveries")
    assert delivery["status"] == "skipped"
    subscription = await db.fetch_one("SELECT status FROM subscriptions")
    assert subscription["status"] == "unsubscribed"


async def test_forget_cancelled_keeps_data(running_bot: RunningBot, make_person: Any) -> None:
    person = await make_person(9601, "Kim")
    await ask(person, "/start soleil", contains("Kim"))
    prompt = await ask(person, "/forget", contains("anonymes"))
    await person.press(prompt, fr("forget_no"))

    async def cancelled() -> bool:
        messages = {m["message_id"]: m for m in await person.messages()}
        return body(messages[prompt["message_id"]]) == fr("forget_cancelled")

    await person.client.wait_for(cancelled, timeout=15)
    row = await running_bot.services.db.fetch_one(
        "SELECT first_name FROM people WHERE user_id = 9601")
    assert row["first_name"] == "Kim"


async def test_admin_forgets_someone_else(running_bot: RunningBot, make_person: Any,
                                          admin: Person) -> None:
    person = await make_person(9602, "Lin")
    await ask(person, "/start soleil", contains("Lin"))
    prompt = await ask(admin, "/forget 9602", contains("9602"))
    await admin.press(prompt, fr("forget_yes"))
    await admin.wait_for_bot_message(contains(fr("forget_admin_done", user_id=9602)),
                                     after=prompt["message_id"])

    assert await leftovers(running_bot.services.db, 9602, "Lin") == []


async def test_others_cannot_confirm_an_erasure(running_bot: RunningBot, make_person: Any,
                                                client: Any) -> None:
    victim = await make_person(9603, "Mia")
    await ask(victim, "/start soleil", contains("Mia"))
    stranger = await make_person(9604, "Ned")
    prompt = await ask(stranger, "/forget 9603", contains("anonymes"))

    # A stranger's argument is ignored: the prompt offers only their own erasure.
    assert "9603" not in str(prompt["reply_markup"])
    assert labels(prompt) == [fr("forget_yes"), fr("forget_no")]
    await client.callback(9604, 9604, prompt["message_id"], "fg1:9603:y")

    async def answered() -> bool:
        queries = [q for q in await client.callback_queries() if q["user_id"] == 9604]
        return len(queries) == 1 and queries[0]["answered"] == 1

    await client.wait_for(answered, timeout=15)
    row = await running_bot.services.db.fetch_one(
        "SELECT first_name FROM people WHERE user_id = 9603")
    assert row["first_name"] == "Mia"


async def test_forget_unknown_person(running_bot: RunningBot, make_person: Any) -> None:
    person = await make_person(9605, "Oli")
    prompt = await ask(person, "/forget", contains("anonymes"))
    await person.press(prompt, fr("forget_yes"))
    reply = await person.wait_for_bot_message(contains(fr("forget_nothing")),
                                              after=prompt["message_id"])

    assert reply
    assert await running_bot.services.db.fetch_one(
        "SELECT 1 FROM people WHERE user_id = 9605") is None
