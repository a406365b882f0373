"""What Telegram really does to a bot: stale messages, groups, addressed commands, big captions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import locales
from catalog.loader import Catalog
from flows.results import TripMatch
from handlers import views
from tests.conftest import CATALOG_PATH, ROOT, RunningBot, body, buttons, has_button
from tests.e2e.test_trip_finder import arrive, is_quiz_message, start_quiz


async def test_start_addressed_to_bot_works(running_bot: RunningBot, make_person: Any) -> None:
    person = await make_person(5101)
    sent = await person.send("/start@travel_sandbox_bot neige")
    welcome = await person.wait_for_bot_message(has_button("voyage"), after=sent)
    assert "Camille" in body(welcome)
    row = await running_bot.services.db.fetch_one(
        "SELECT first_campaign FROM people WHERE user_id = 5101")
    assert row["first_campaign"] == "neige"


async def test_first_touch_kept_and_every_arrival_recorded(running_bot: RunningBot,
                                                           make_person: Any) -> None:
    person = await make_person(5102)
    await arrive(person, "soleil")
    await arrive(person, "neige")
    row = await running_bot.services.db.fetch_one(
        "SELECT first_campaign FROM people WHERE user_id = 5102")
    assert row["first_campaign"] == "soleil"
    arrivals = await running_bot.services.db.fetch_all(
        "SELECT campaign FROM events WHERE user_id = 5102 AND kind = 'arrival' ORDER BY id")
    assert [r["campaign"] for r in arrivals] == ["soleil", "neige"]


async def test_other_group_messages_ignored(running_bot: RunningBot, client: Any) -> None:
    await client.add_user(5103, first_name="Group", language_code="fr")
    group = await client.add_group("Some other group", [5103], type="supergroup",
                                   bot_status="administrator")
    chat_id = group["chat_id"] if isinstance(group, dict) else group
    await client.send_text(5103, "/start@travel_sandbox_bot soleil", chat_id=chat_id)
    await client.send_text(5103, "je rêve de plage", chat_id=chat_id)
    # A private message afterwards proves the group updates were consumed.
    sent = await client.send_text(5103, "/start")

    async def replied_in_private() -> bool:
        return any(m["from"]["is_bot"] and m["message_id"] > sent["message_id"]
                   for m in await client.messages(5103))

    await client.wait_for(replied_in_private, timeout=15)
    group_replies = [m for m in await client.messages(chat_id)
                     if m["from"]["is_bot"] and not m.get("new_chat_members")]
    # The only message is the goodbye of a bot added outside its advisors' group.
    assert len(group_replies) == 1
    assert "groupe de conseillers" in group_replies[0]["text"]


async def test_callback_on_inaccessible_message(running_bot: RunningBot,
                                                make_person: Any) -> None:
    person = await make_person(5104)
    quiz = await start_quiz(person, await arrive(person))
    data = next(b["callback_data"] for b in buttons(quiz) if "J'aime" in b["text"])
    await person.client.callback(5104, 5104, quiz["message_id"], data, inaccessible=True)
    # The old message cannot be edited: the next pair comes as a new message.
    follow = await person.wait_for_bot_message(
        lambda m: is_quiz_message(m) and "2/6" in body(m), after=quiz["message_id"])
    assert follow["message_id"] != quiz["message_id"]
    queries = [q for q in await person.client.callback_queries() if q["data"] == data]
    assert [q["answered"] for q in queries] == [1]


async def test_other_media_shows_menu(running_bot: RunningBot, make_person: Any) -> None:
    person = await make_person(5105)
    image = (ROOT / "images" / "paris-eiffel-tower.jpg").read_bytes()
    sent = await person.client.send_photo(5105, image)
    reply = await person.wait_for_bot_message(has_button("voyage"), after=sent["message_id"])
    assert reply


async def test_warm_bot_uploads_nothing_twice(running_bot: RunningBot, make_person: Any,
                                              client: Any) -> None:
    first = await make_person(5106)
    quiz = await start_quiz(first, await arrive(first))
    uploaded = (await client.stats())["total_bytes_uploaded"]
    assert uploaded > 0

    # The same pair sent again (the person asks to resume) goes by cached file_id.
    sent = await first.send("/start")
    prompt = await first.wait_for_bot_message(has_button("Reprendre"), after=sent)
    await first.press(prompt, "Reprendre")
    await first.wait_for_bot_message(is_quiz_message, after=prompt["message_id"])
    assert (await client.stats())["total_bytes_uploaded"] == uploaded
    assert quiz


def test_card_caption_fits_telegram_limit(demo_catalog: Catalog) -> None:
    trip = demo_catalog.trips[0].model_copy(update={
        "title": demo_catalog.trips[0].title.model_copy(update={"fr": "<&>" * 100}),
    })
    match = TripMatch(trip=trip, percent=88, reasons=list(demo_catalog.feature_ids[:2]),
                      avoided=[demo_catalog.feature_ids[3]])
    caption = views.card_caption(match, demo_catalog, "fr")
    assert views.visible_length(caption) <= 1024
    assert "&lt;&amp;&gt;" in caption
    assert "<&>" not in caption
    assert "88 %" in caption


def test_card_caption_english_price(demo_catalog: Catalog) -> None:
    trip = demo_catalog.trips[0]
    match = TripMatch(trip=trip, percent=None, reasons=[], avoided=[])
    caption = views.card_caption(match, demo_catalog, "en")
    assert locales.format_price(trip.price, trip.currency, "en") in caption
    assert "worth discovering" in caption
    assert trip.title.get("en") in caption or trip.title.get("en")[:50] in caption


def run_bot(env: dict[str, str], timeout: float = 30) -> subprocess.CompletedProcess[str]:
    full_env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
                **env}
    return subprocess.run([sys.executable, "bot.py"], cwd=ROOT, env=full_env, text=True,
                          capture_output=True, timeout=timeout)


def test_broken_catalog_rejected_with_every_problem(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.json"
    text = CATALOG_PATH.read_text(encoding="utf-8")
    data = json.loads(text)
    data["trips"][0]["features"]["volcan"] = 0.5
    data["trips"][1]["price"] = -3
    data["trips"][2]["id"] = data["trips"][3]["id"]
    data["quiz_photos"][0]["image"] = "images/missing.jpg"
    catalog.write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "images").symlink_to(ROOT / "images")

    result = run_bot({"TELEGRAM_BOT_TOKEN": "123:abcdefghijklmnopqrstuvwxyz",
                      "CATALOG_PATH": str(catalog), "DATABASE_PATH": str(tmp_path / "db")})
    assert result.returncode == 2
    assert "unknown feature 'volcan'" in result.stderr
    assert "trips[1].price" in result.stderr
    assert "duplicate id" in result.stderr
    assert "missing.jpg" in result.stderr


def test_invalid_setting_names_the_variable(tmp_path: Path) -> None:
    result = run_bot({"ADMIN_IDS": "12,abc", "DATABASE_PATH": str(tmp_path / "db")})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "ADMIN_IDS" in result.stderr

    result = run_bot({"TELEGRAM_BOT_TOKEN": "not-a-token"})
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "not-a-token" not in result.stderr


def test_settings_repr_hides_token() -> None:
    from tests.conftest import TOKEN, make_settings

    settings = make_settings("http://127.0.0.1:1/bot", Path("x.sqlite3"))
    assert TOKEN not in repr(settings)
    assert TOKEN.split(":")[1] not in str(settings)


async def test_invisible_name_gets_plain_greeting(running_bot: RunningBot,
                                                  make_person: Any) -> None:
    person = await make_person(5107, "\u200b\u200b")
    welcome = await arrive(person)
    assert body(welcome).startswith("Bonjour !")


async def test_wish_typed_mid_quiz_offers_resume(running_bot: RunningBot,
                                                 make_person: Any) -> None:
    person = await make_person(5108)
    await start_quiz(person, await arrive(person))
    sent = await person.send("je rêve de plage")
    prompt = await person.wait_for_bot_message(has_button("Reprendre"), after=sent)
    assert "1/6" in body(prompt)
    rows = await running_bot.services.db.fetch_all(
        "SELECT status FROM quizzes WHERE user_id = 5108")
    assert [row["status"] for row in rows] == ["active"]


def test_deeply_nested_catalog_rejected(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.json"
    catalog.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = run_bot({"TELEGRAM_BOT_TOKEN": "123:abcdefghijklmnopqrstuvwxyz",
                      "CATALOG_PATH": str(catalog), "DATABASE_PATH": str(tmp_path / "db")})
    assert result.returncode == 2
    assert "nested too deeply" in result.stderr
    assert "Traceback" not in result.stderr


def test_unusable_database_named(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_text("not sqlite at all", encoding="utf-8")
    result = run_bot({"TELEGRAM_BOT_TOKEN": "123:abcdefghijklmnopqrstuvwxyz",
                      "DATABASE_PATH": str(garbage)})
    assert result.returncode == 2
    assert "DATABASE_PATH" in result.stderr
    assert "Traceback" not in result.stderr

    result = run_bot({"TELEGRAM_BOT_TOKEN": "123:abcdefghijklmnopqrstuvwxyz",
                      "DATABASE_PATH": "/proc/no-such-folder/bot.sqlite3"})
    assert result.returncode == 2
    assert "DATABASE_PATH" in result.stderr


def test_out_of_range_agent_chat_rejected() -> None:
    result = run_bot({"AGENT_CHAT_ID": "-99999999999999999999999999"})
    assert result.returncode == 2
    assert "AGENT_CHAT_ID" in result.stderr


async def test_forged_forget_and_source_change_nothing(running_bot: RunningBot,
                                                       make_person: Any) -> None:
    person = await make_person(5109, "Fay")
    welcome = await arrive(person, "soleil")
    for data in ("fg1:5109:y", "src1:o"):
        await person.client.callback(5109, 5109, welcome["message_id"], data)

    async def answered() -> bool:
        queries = [q for q in await person.client.callback_queries()
                   if q["user_id"] == 5109 and q["data"] in ("fg1:5109:y", "src1:o")]
        return len(queries) == 2 and all(q["answered"] == 1 for q in queries)

    await person.client.wait_for(answered, timeout=15)
    row = await running_bot.services.db.fetch_one(
        "SELECT first_name, declared_source FROM people WHERE user_id = 5109")
    assert row["first_name"] == "Fay"
    assert row["declared_source"] is None
