"""Admin commands end to end: /stats, /export, /reload as an admin, and as a stranger."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import locales
from flows import funnel
from flows.exports import read_csv
from handlers.commands import ADMIN_COMMANDS, AGENT_COMMANDS, PEOPLE_COMMANDS
from store import people
from tests.conftest import Person, RunningBot, body, labels
from tests.funnel.conftest import ADMIN_ID, add_person, ask, contains


async def download(bot: RunningBot, file_id: str) -> bytes:
    file = await bot.application.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


@pytest.mark.parametrize("command", [
    "/stats", "/stats 7", "/export leads", "/export", "/reload", "/newsletter Hello",
    "/forget 5001",
])
async def test_stranger_gets_unknown_command_answer(running_bot: RunningBot, make_person: Any,
                                                    client: Any, command: str) -> None:
    stranger = await make_person(7101, "Eve")
    unknown = await ask(stranger, "/nosuchcommand")
    reply = await ask(stranger, command)

    if command.startswith("/forget"):
        # /forget is for everyone: a stranger is offered only their own erasure.
        assert locales.plain("fr", "forget_yes") in labels(reply)
        assert "5001" not in body(reply)
        return
    assert body(reply) == body(unknown)
    assert labels(reply) == labels(unknown)
    assert await client.calls("sendDocument") == []
    assert await client.calls("sendPhoto") == []


async def test_admin_in_group_is_ignored(running_bot: RunningBot, client: Any,
                                         admin: Person) -> None:
    group = await client.add_group("Team", [ADMIN_ID])
    await client.send_text(ADMIN_ID, "/stats", chat_id=group)
    # A private command afterwards is answered; the group one never was.
    await ask(admin, "/stats", contains(locales.plain("fr", "stats_empty")))

    # The bot may say goodbye to a group that is not the advisors' one, but never with stats.
    replies = [body(m) for m in await client.messages(group) if m["from"]["is_bot"]]
    assert not any("Entonnoir" in text for text in replies)
    assert not any(locales.plain("fr", "stats_empty") in text for text in replies)


async def test_stats_table_and_chart(running_bot: RunningBot, admin: Person) -> None:
    db = running_bot.services.db
    for user_id, campaign in ((8001, "soleil"), (8002, "soleil"), (8003, "neige")):
        await add_person(db, user_id, campaign)
        await funnel.arrival(db, user_id, campaign, 1, first_touch=True)
    await funnel.quiz_finished(db, 8001, "soleil", 1, 6)
    await funnel.first_purchase(db, 8001, "soleil", 1, 2490.0, "rajasthan", None,
                                currency="EUR")

    table = await ask(admin, "/stats 30", contains(locales.plain("fr", "stats_total")))
    photo = await admin.wait_for_bot_message(lambda m: bool(m.get("photo")),
                                             after=table["message_id"])

    text = body(table)
    assert "30 derniers jours" in text
    assert "Pub « Soleil d'hiver » (soleil)" in text
    for key in ("stats_arrivals", "stats_quiz_finished", "stats_carts", "stats_handoffs",
                "stats_won", "stats_experienced", "stats_subscribed", "stats_revenue",
                "stats_spend", "stats_roi", "stats_activation"):
        assert locales.plain("fr", key) in text, key
    assert "2\u202f490\u00a0€" in text
    png = await download(running_bot, photo["photo"][-1]["file_id"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"


async def test_stats_rejects_bad_days(running_bot: RunningBot, admin: Person) -> None:
    reply = await ask(admin, "/stats lots")

    assert "/stats 30" in body(reply)


async def test_export_csv_round_trip(running_bot: RunningBot, admin: Person) -> None:
    db = running_bot.services.db
    await add_person(db, 8101, "soleil", first_name="=Zoé, \"la\" Voyageuse", username="zoe")
    await funnel.arrival(db, 8101, "soleil", 3, first_touch=True)
    await funnel.subscribed(db, 8101, "soleil", "fr0123abcd", "menu")

    for kind, table in (("events", "events"), ("subscribers", "subscriptions"),
                        ("leads", "leads")):
        reply = await ask(admin, f"/export {kind}", lambda m: bool(m.get("document")))
        document = reply["document"]
        rows = read_csv(await download(running_bot, document["file_id"]))
        count = (await db.fetch_one(f"SELECT COUNT(*) FROM {table}"))[0]

        assert document["file_name"].startswith(f"{kind}-")
        assert document["file_name"].endswith(".csv")
        assert len(rows) == count + 1
        assert rows[0][0] in ("id", "user_id", "lead_id")

    events = read_csv(await download(running_bot, (await ask(
        admin, "/export events", lambda m: bool(m.get("document"))))["document"]["file_id"]))
    header, first = events[0], events[1]
    stored = await db.fetch_one("SELECT * FROM events ORDER BY id LIMIT 1")
    assert dict(zip(header, first)) == {key: "" if stored[key] is None else str(stored[key])
                                        for key in header}
    subscribers = read_csv(await download(running_bot, (await ask(
        admin, "/export subscribers", lambda m: bool(m.get("document"))))
        ["document"]["file_id"]))
    assert subscribers[1][:3] == ["8101", "'=Zoé, \"la\" Voyageuse", "zoe"]


async def test_export_usage(running_bot: RunningBot, admin: Person) -> None:
    reply = await ask(admin, "/export people")

    assert "/export leads" in body(reply)


async def test_reload_swaps_valid_catalog(reloadable_bot: RunningBot, catalog_copy: Path,
                                          admin: Person) -> None:
    holder = reloadable_bot.services.catalogs
    before = holder.current.version
    same = await ask(admin, "/reload")
    assert before in body(same)
    assert holder.current.version == before

    document = json.loads(catalog_copy.read_text(encoding="utf-8"))
    document["version"] = "reloaded-test"
    catalog_copy.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    done = await ask(admin, "/reload", contains("reloaded-test"))

    assert holder.current.version.startswith("reloaded-test@")
    assert holder.current.version in body(done)
    row = await reloadable_bot.services.db.fetch_one(
        "SELECT loaded_by FROM catalog_versions WHERE version = ?", (holder.current.version,))
    assert row["loaded_by"] == ADMIN_ID


async def test_broken_reload_keeps_serving(reloadable_bot: RunningBot, catalog_copy: Path,
                                           admin: Person, make_person: Any) -> None:
    holder = reloadable_bot.services.catalogs
    before = holder.current
    document = json.loads(catalog_copy.read_text(encoding="utf-8"))
    document["trips"][0]["price"] = -1
    document["trips"][1]["features"] = {"no_such_feature": 1.0}
    document["quiz_photos"][0]["image"] = "images/missing.jpg"
    catalog_copy.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    reply = await ask(admin, "/reload", contains("❌"))
    text = body(reply)

    assert holder.current is before
    assert before.version in text
    assert "trips[0].price" in text
    assert "no_such_feature" in text
    assert "missing.jpg" in text
    # People keep being served by the catalog in place.
    person = await make_person(8201, "Lou")
    welcome = await ask(person, "/start soleil", contains("Lou"))
    await person.press(welcome, locales.plain("fr", "button_trip"))
    await person.wait_for_bot_message(lambda m: bool(m.get("photo")),
                                      after=welcome["message_id"])


async def test_quiz_finishes_on_its_version(reloadable_bot: RunningBot, catalog_copy: Path,
                                            admin: Person, make_person: Any) -> None:
    person = await make_person(8301, "Noa")
    welcome = await ask(person, "/start soleil", contains("Noa"))
    await person.press(welcome, locales.plain("fr", "button_trip"))
    quiz = await person.wait_for_bot_message(lambda m: bool(m.get("photo")),
                                             after=welcome["message_id"])
    started_on = reloadable_bot.services.catalogs.current.version

    document = json.loads(catalog_copy.read_text(encoding="utf-8"))
    document["version"] = "after-quiz"
    catalog_copy.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    await ask(admin, "/reload", contains("after-quiz"))
    await person.press(quiz, locales.plain("fr", "quiz_like_left"))

    async def second_pair() -> bool:
        messages = {m["message_id"]: m for m in await person.messages()}
        return "2/" in body(messages[quiz["message_id"]])

    await person.client.wait_for(second_pair, timeout=15)
    row = await reloadable_bot.services.db.fetch_one(
        "SELECT catalog_version, json_array_length(answers) AS answered FROM quizzes "
        "WHERE user_id = 8301")
    assert row["catalog_version"] == started_on
    assert row["answered"] == 1


def _commands(call: dict[str, Any]) -> list[str]:
    commands = call["params"]["commands"]
    commands = json.loads(commands) if isinstance(commands, str) else commands
    return [command["command"] for command in commands]


def _scope(call: dict[str, Any]) -> dict[str, Any]:
    scope = call["params"].get("scope") or {"type": "default"}
    return json.loads(scope) if isinstance(scope, str) else scope


async def test_command_menus_are_scoped(sandbox: Any, client: Any, tmp_path: Path,
                                        demo_catalog: Any) -> None:
    from tests.conftest import make_settings

    await client.add_user(ADMIN_ID, first_name="Ada")
    group = await client.add_group("Advisors", [ADMIN_ID])
    settings = make_settings(f"{sandbox.url}/bot", tmp_path / "menus.sqlite3",
                             agent_chat_id=group)
    bot = RunningBot(settings, demo_catalog)
    await bot.start()
    try:
        calls = [call for call in await client.calls("setMyCommands") if call["ok"]]
    finally:
        await bot.stop()

    menus = {(json.dumps(_scope(call), sort_keys=True), call["params"].get("language_code")
              or ""): _commands(call) for call in calls}
    default = json.dumps({"type": "default"}, sort_keys=True)
    admin_scope = json.dumps({"type": "chat", "chat_id": ADMIN_ID}, sort_keys=True)
    group_scope = json.dumps({"type": "chat", "chat_id": group}, sort_keys=True)
    assert menus[(default, "")] == list(PEOPLE_COMMANDS)
    assert menus[(default, "en")] == list(PEOPLE_COMMANDS)
    assert menus[(admin_scope, "")] == list(ADMIN_COMMANDS)
    assert menus[(group_scope, "")] == list(AGENT_COMMANDS)
    assert not any("stats" in commands for key, commands in menus.items()
                   if key[0] != admin_scope)


async def test_unknown_admin_chat_does_not_stop_start_up(running_bot: RunningBot,
                                                         client: Any) -> None:
    # Admin 900 never opened the bot in this test, yet the bot is up and serves people.
    await client.add_user(8401, first_name="Sam", language_code="fr")
    person = Person(client, 8401, "Sam")
    welcome = await ask(person, "/start soleil", contains("Sam"))

    assert welcome
    assert await people.get_person(running_bot.services.db, 8401) is not None
