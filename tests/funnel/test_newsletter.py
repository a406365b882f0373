"""Newsletter end to end: consent, unsubscribe, admin sends, blocked people, restart resume."""

from __future__ import annotations

import asyncio
from typing import Any

import locales
from flows import funnel
from handlers.newsletter import current_consent_version
from handlers.newsletter_admin import JOB_NAME
from store import newsletter as issues
from store.db import Database
from tests.conftest import Person, RunningBot, body, labels
from tests.funnel.conftest import ADMIN_ID, ask, contains


def fr(key: str, **values: Any) -> str:
    return locales.plain("fr", key, **values)


async def subscribe(client: Any, db: Database, user_id: int, name: str) -> Person:
    """A person who started the bot, then consented as the consent flow records it."""
    await client.add_user(user_id, first_name=name, language_code="fr")
    person = Person(client, user_id, name)
    # Telegram lets a bot write only to people who started it.
    await ask(person, "/start soleil", contains(name))
    await funnel.subscribed(db, user_id, None, current_consent_version("fr"), "menu")
    return person


async def subscribe_all(client: Any, db: Database, names: dict[int, str]) -> list[Person]:
    return list(await asyncio.gather(*(subscribe(client, db, user_id, name)
                                       for user_id, name in names.items())))


async def issue_messages(person: Person, text: str) -> list[dict[str, Any]]:
    return [m for m in await person.bot_messages() if body(m) == text]


async def test_consent_records_wording_source_time(running_bot: RunningBot,
                                                   make_person: Any) -> None:
    person = await make_person(8501, "Inès")
    welcome = await ask(person, "/start soleil", contains("Inès"))
    await person.press(welcome, fr("button_newsletter"))
    prompt = await person.wait_for_bot_message(contains("/unsubscribe"),
                                               after=welcome["message_id"])
    assert fr("nl_consent_yes") in labels(prompt)
    db = running_bot.services.db
    assert await db.fetch_one("SELECT 1 FROM subscriptions WHERE user_id = 8501") is None

    await person.press(prompt, fr("nl_consent_yes"))
    await person.wait_for_bot_message(contains("🎉"), after=prompt["message_id"])
    row = await db.fetch_one("SELECT * FROM subscriptions WHERE user_id = 8501")

    assert row["status"] == "subscribed"
    assert row["consent_text_version"] == current_consent_version("fr")
    assert row["source"] == "menu"
    assert row["campaign"] == "soleil"
    assert row["subscribed_at"]
    event = await db.fetch_one(
        "SELECT campaign, COUNT(*) AS n FROM events WHERE kind = 'subscribed' AND user_id = 8501")
    assert event["n"] == 1
    assert event["campaign"] == "soleil"


async def test_typed_wish_and_outdated_consent(running_bot: RunningBot,
                                               make_person: Any, client: Any) -> None:
    person = await make_person(8502, "Jo")
    prompt = await ask(person, "je veux la newsletter", contains("/unsubscribe"))
    version_data = next(b["callback_data"] for row in prompt["reply_markup"]["inline_keyboard"]
                        for b in row if b["text"] == fr("nl_consent_yes"))
    assert version_data.endswith(":t")

    # A prompt from an older wording must be read again: nothing is recorded from it.
    await client.callback(8502, 8502, prompt["message_id"], "n1:y:fr00000000:t")
    again = await person.wait_for_bot_message(contains("/unsubscribe"),
                                              after=prompt["message_id"])
    assert await running_bot.services.db.fetch_one(
        "SELECT 1 FROM subscriptions WHERE user_id = 8502") is None

    await person.press(again, fr("nl_consent_yes"))
    await person.wait_for_bot_message(contains("🎉"), after=again["message_id"])
    row = await running_bot.services.db.fetch_one(
        "SELECT source FROM subscriptions WHERE user_id = 8502")
    assert row["source"] == "text"


async def test_declining_records_nothing(running_bot: RunningBot, make_person: Any,
                                         client: Any) -> None:
    person = await make_person(8503, "Max")
    prompt = await ask(person, "je veux la newsletter", contains("/unsubscribe"))
    await person.press(prompt, fr("nl_consent_no"))

    async def answered() -> bool:
        queries = [q for q in await client.callback_queries() if q["user_id"] == 8503]
        return len(queries) == 1 and queries[0]["answered"] == 1

    await client.wait_for(answered, timeout=15)
    assert await running_bot.services.db.fetch_one(
        "SELECT 1 FROM subscriptions WHERE user_id = 8503") is None


async def test_unsubscribe_at_any_time(running_bot: RunningBot, make_person: Any) -> None:
    person = await make_person(8504, "Léa")
    not_yet = await ask(person, "/unsubscribe")
    assert body(not_yet) == fr("nl_not_subscribed")

    prompt = await ask(person, "je veux la newsletter", contains("/unsubscribe"))
    await person.press(prompt, fr("nl_consent_yes"))
    await person.wait_for_bot_message(contains("🎉"), after=prompt["message_id"])
    stopped = await ask(person, "/unsubscribe")
    twice = await ask(person, "/unsubscribe")

    assert body(stopped) == fr("nl_unsubscribed")
    assert body(twice) == fr("nl_not_subscribed")
    row = await running_bot.services.db.fetch_one(
        "SELECT status, unsubscribed_at FROM subscriptions WHERE user_id = 8504")
    assert row["status"] == "unsubscribed"
    assert row["unsubscribed_at"]


async def test_admin_sends_issue_under_flood_limits(running_bot: RunningBot, admin: Person,
                                                    client: Any) -> None:
    db = running_bot.services.db
    readers = await subscribe_all(client, db, {8600 + n: f"Reader{n}" for n in range(45)})
    blocked = readers[-1]
    gone = await subscribe(client, db, 8700, "Gone")
    await funnel.unsubscribed(db, gone.user_id)
    await client.fault("sendMessage", count=1, error_code=403,
                       description="Forbidden: bot was blocked by the user",
                       chat_id=blocked.user_id)

    confirm = await ask(admin, "/newsletter campaign=nl-test Soldes & idées d'été",
                        contains("45 abonné"))
    preview = next(m for m in await admin.bot_messages() if body(m) == "Soldes & idées d'été")
    assert labels(preview) == [fr("nl_button_trip"), fr("nl_button_unsubscribe")]
    assert await issue_messages(readers[0], "Soldes & idées d'été") == []

    await client.flood(True, overall=[30, 1], private_chat=[5, 1])
    await admin.press(confirm, fr("nl_admin_send"))
    issue_id = (await db.fetch_one("SELECT MAX(id) FROM newsletter_issues"))[0]
    report = await admin.wait_for_bot_message(contains(f"n°{issue_id} envoyé"),
                                              after=confirm["message_id"], timeout=30)

    assert "44 reçus sur 45" in body(report)
    for reader in readers[:-1]:
        received = await issue_messages(reader, "Soldes & idées d'été")
        assert len(received) == 1, reader.user_id
    assert await issue_messages(blocked, "Soldes & idées d'été") == []
    assert await issue_messages(gone, "Soldes & idées d'été") == []
    assert (await client.stats())["too_many_requests"] == 0
    assert await issues.delivery_counts(db, issue_id) == {"sent": 44, "blocked": 1}
    person = await db.fetch_one("SELECT active FROM people WHERE user_id = ?",
                                (blocked.user_id,))
    assert person["active"] == 0

    # The old "send" button again, or a restart, sends nothing more.
    await client.callback(ADMIN_ID, ADMIN_ID, confirm["message_id"], f"adm1:n:{issue_id}:s")

    async def answered() -> bool:
        queries = [q for q in await client.callback_queries() if q["user_id"] == ADMIN_ID]
        return len(queries) == 2 and all(q["answered"] == 1 for q in queries)

    await client.wait_for(answered, timeout=15)
    await running_bot.stop()
    await running_bot.start()
    assert not running_bot.application.job_queue.get_jobs_by_name(JOB_NAME)
    assert len(await issue_messages(readers[0], "Soldes & idées d'été")) == 1


async def test_cancelled_issue_sends_nothing(running_bot: RunningBot, admin: Person,
                                             client: Any) -> None:
    reader = await subscribe(client, running_bot.services.db, 8801, "Rita")
    confirm = await ask(admin, "/newsletter Rien à voir", contains("1 abonné"))
    await admin.press(confirm, fr("nl_admin_cancel"))

    async def cancelled() -> bool:
        messages = {m["message_id"]: m for m in await admin.messages()}
        return "annulé" in body(messages[confirm["message_id"]])

    await client.wait_for(cancelled, timeout=15)
    row = await running_bot.services.db.fetch_one(
        "SELECT status FROM newsletter_issues ORDER BY id DESC LIMIT 1")
    assert row["status"] == "cancelled"
    assert await issue_messages(reader, "Rien à voir") == []


async def test_newsletter_usage_and_bad_campaign(running_bot: RunningBot,
                                                 admin: Person) -> None:
    usage = await ask(admin, "/newsletter")
    bad = await ask(admin, "/newsletter campaign=été! Bonjour")

    assert "campaign=" in body(usage)
    assert "été!" in body(bad)
    assert await running_bot.services.db.fetch_one(
        "SELECT 1 FROM newsletter_issues") is None


async def test_send_resumes_after_restart_without_double(running_bot: RunningBot,
                                                         admin: Person, client: Any) -> None:
    db = running_bot.services.db
    sent, cut_off, waiting, blocked = await subscribe_all(
        client, db, {8901: "Ana", 8902: "Bob", 8903: "Cyd", 8904: "Dan"})
    progress = await ask(admin, "/start soleil", contains("Ada"))

    # The state a crash leaves: one delivery recorded, one cut off mid-call, two not tried.
    await running_bot.stop()
    database = await Database.open(running_bot.settings.database_path)
    issue_id = await issues.create_issue(database, ADMIN_ID, "Numéro repris", None)
    assert await issues.start_sending(database, issue_id, ADMIN_ID,
                                      progress["message_id"]) == 4
    claimed = await issues.claim_batch(database, issue_id, 2)
    assert [r.user_id for r in claimed] == [sent.user_id, cut_off.user_id]
    await issues.record_delivery(database, issue_id, sent.user_id, "sent", 1)
    await database.close()
    await client.fault("sendMessage", count=1, error_code=403,
                       description="Forbidden: bot was blocked by the user",
                       chat_id=blocked.user_id)

    await running_bot.start()
    report = await admin.wait_for_bot_message(contains(f"n°{issue_id} envoyé"),
                                              after=progress["message_id"], timeout=30)

    assert await issue_messages(sent, "Numéro repris") == []
    assert await issue_messages(cut_off, "Numéro repris") == []
    assert len(await issue_messages(waiting, "Numéro repris")) == 1
    assert await issue_messages(blocked, "Numéro repris") == []
    assert await issues.delivery_counts(running_bot.services.db, issue_id) == {
        "sent": 2, "unknown": 1, "blocked": 1}
    assert "2 reçus sur 4" in body(report)
    assert "incertains : 1" in body(report)


async def test_issue_button_measures_its_campaign(running_bot: RunningBot, admin: Person,
                                                  client: Any) -> None:
    db = running_bot.services.db
    reader = await subscribe(client, db, 9001, "Ugo")
    confirm = await ask(admin, "/newsletter campaign=nl-june Nos idées de juin",
                        contains("1 abonné"))
    await admin.press(confirm, fr("nl_admin_send"))
    await admin.wait_for_bot_message(contains("envoyé"), after=confirm["message_id"])
    issue = (await issue_messages(reader, "Nos idées de juin"))[0]

    await reader.press(issue, fr("nl_button_trip"))
    await reader.wait_for_bot_message(lambda m: bool(m.get("photo")),
                                      after=issue["message_id"])
    await reader.press(issue, fr("nl_button_trip"))

    async def both_answered() -> bool:
        queries = [q for q in await client.callback_queries() if q["user_id"] == 9001]
        return len(queries) == 2 and all(q["answered"] == 1 for q in queries)

    await client.wait_for(both_answered, timeout=15)
    arrivals = await db.fetch_all(
        "SELECT campaign FROM events WHERE kind = 'arrival' AND user_id = 9001")
    quizzes = await db.fetch_all("SELECT campaign FROM quizzes WHERE user_id = 9001")
    # The subscriber first came through "soleil"; the issue is a later touch of its own.
    assert [row["campaign"] for row in arrivals] == ["soleil", "nl-june"]
    assert [row["campaign"] for row in quizzes] == ["nl-june"]
    person = await db.fetch_one("SELECT first_campaign FROM people WHERE user_id = 9001")
    assert person["first_campaign"] == "soleil"


async def test_issue_button_of_another_person_is_rejected(running_bot: RunningBot,
                                                          admin: Person, client: Any,
                                                          make_person: Any) -> None:
    db = running_bot.services.db
    await subscribe(client, db, 9101, "Val")
    confirm = await ask(admin, "/newsletter campaign=nl-july Juillet", contains("1 abonné"))
    await admin.press(confirm, fr("nl_admin_send"))
    await admin.wait_for_bot_message(contains("envoyé"), after=confirm["message_id"])
    issue_id = (await db.fetch_one("SELECT MAX(id) FROM newsletter_issues"))[0]
    outsider = await make_person(9102, "Wes")
    await ask(outsider, "/start")

    await client.callback(9102, 9102, 1, f"n1:f:{issue_id}")

    async def answered() -> bool:
        queries = [q for q in await client.callback_queries() if q["user_id"] == 9102]
        return len(queries) == 1 and queries[0]["answered"] == 1

    await client.wait_for(answered, timeout=15)
    assert await db.fetch_one(
        "SELECT 1 FROM events WHERE user_id = 9102 AND campaign = 'nl-july'") is None


async def test_stranger_cannot_confirm_an_issue(running_bot: RunningBot, admin: Person,
                                                client: Any, make_person: Any) -> None:
    await subscribe(client, running_bot.services.db, 9201, "Yan")
    confirm = await ask(admin, "/newsletter Pas pour toi", contains("1 abonné"))
    issue_id = (await running_bot.services.db.fetch_one(
        "SELECT MAX(id) FROM newsletter_issues"))[0]
    stranger = await make_person(9202, "Zed")
    await ask(stranger, "/start")

    await client.callback(9202, 9202, confirm["message_id"], f"adm1:n:{issue_id}:s")

    async def answered() -> bool:
        queries = [q for q in await client.callback_queries() if q["user_id"] == 9202]
        return len(queries) == 1 and queries[0]["answered"] == 1

    await client.wait_for(answered, timeout=15)
    row = await running_bot.services.db.fetch_one(
        "SELECT status FROM newsletter_issues WHERE id = ?", (issue_id,))
    assert row["status"] == "draft"


async def test_retry_after_sends_once_later(running_bot: RunningBot, admin: Person,
                                            client: Any) -> None:
    db = running_bot.services.db
    (reader,) = await subscribe_all(client, db, {9301: "Ivy"})
    # More 429s than the rate limiter retries: the delivery goes back to pending and waits.
    await client.fault("sendMessage", count=4, retry_after=1, chat_id=reader.user_id)
    confirm = await ask(admin, "/newsletter Patience", contains("1 abonné"))
    await admin.press(confirm, fr("nl_admin_send"))
    report = await admin.wait_for_bot_message(contains("envoyé"), after=confirm["message_id"],
                                              timeout=30)

    assert "1 reçus sur 1" in body(report)
    assert len(await issue_messages(reader, "Patience")) == 1
    rejected = [call for call in await client.calls("sendMessage")
                if call["error_code"] == 429]
    assert len(rejected) == 4
