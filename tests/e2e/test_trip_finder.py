"""The trip finder end to end: the real Application against the stand-in, over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
from typing import Any

from handlers import results as results_handlers
from sandbox.client import SandboxClient
from tests.conftest import Person, RunningBot, body, buttons, has_button, labels

QUIZ_CALLBACK = "q1:"


def is_quiz_message(message: dict[str, Any]) -> bool:
    return bool(message.get("photo")) and any(
        b.get("callback_data", "").startswith(QUIZ_CALLBACK) for b in buttons(message))


async def arrive(person: Person, payload: str = "soleil") -> dict[str, Any]:
    """Send /start with a campaign and return the welcome message."""
    sent = await person.send(f"/start {payload}".strip())
    return await person.wait_for_bot_message(has_button("voyage") if person.language == "fr"
                                             else has_button("trip"), after=sent)


async def start_quiz(person: Person, welcome: dict[str, Any]) -> dict[str, Any]:
    label = "voyage" if person.language == "fr" else "trip"
    await person.press(welcome, label)
    return await person.wait_for_bot_message(is_quiz_message, after=welcome["message_id"])


async def current(person: Person, message_id: int) -> dict[str, Any]:
    for message in await person.messages():
        if message["message_id"] == message_id:
            return message
    raise AssertionError(f"message {message_id} not found in chat {person.user_id}")


async def answer_pair(person: Person, quiz_message: dict[str, Any], label: str) -> None:
    """Press one quiz button and wait until the quiz message changed or the quiz ended."""
    before = quiz_message.get("caption")
    await person.press(quiz_message, label)

    async def moved() -> bool:
        now = await current(person, quiz_message["message_id"])
        if now.get("caption") != before:
            return True
        return any("?" in body(m) and has_button("Oui")(m) or has_button("Yes")(m)
                   for m in await person.bot_messages())

    await person.client.wait_for(moved, timeout=15)


async def finish_quiz(person: Person, quiz_message: dict[str, Any],
                      choices: str = "LRLLRLRLLR") -> dict[str, Any]:
    """Answer pairs until the appetence question appears; return that message."""
    yes = "Oui" if person.language == "fr" else "Yes"
    like = "J'aime" if person.language == "fr" else "I like"
    for choice in choices:
        appetence = [m for m in await person.bot_messages() if has_button(yes)(m)]
        if appetence:
            return appetence[-1]
        message = await current(person, quiz_message["message_id"])
        candidates = [label for label in labels(message) if like in label]
        assert len(candidates) == 2, f"expected two like buttons, got {labels(message)}"
        await answer_pair(person, message, candidates[0 if choice == "L" else 1])
    return await person.wait_for_bot_message(has_button(yes))


async def show_trips(person: Person, appetence: dict[str, Any],
                     timeout: float = 15) -> list[dict[str, Any]]:
    """Press « Oui » under the summary and return the three trip cards once they are all in."""
    await person.press(appetence, "Oui")
    cards: list[dict[str, Any]] = []

    async def three_cards() -> bool:
        cards[:] = [m for m in await person.bot_messages() if has_button("Mettre au panier")(m)]
        return len(cards) >= 3

    await person.client.wait_for(three_cards, timeout=timeout)
    return cards


async def summary_with_header(person: Person, appetence: dict[str, Any]) -> dict[str, Any]:
    """Wait until the summary has been edited to carry the results header; return it."""
    async def edited() -> dict[str, Any] | None:
        summary = await current(person, appetence["message_id"])
        return summary if "Vos 3 voyages" in body(summary) else None

    return await person.client.wait_for(edited, timeout=15)


async def test_campaign_link_to_cart(running_bot: RunningBot, make_person: Any) -> None:
    person = await make_person(5001, "Camille")
    welcome = await arrive(person, "soleil")
    assert "Camille" in body(welcome)
    assert {"voyage", "conseiller"} <= {word for label in labels(welcome)
                                        for word in ("voyage", "conseiller") if word in label}

    quiz = await start_quiz(person, welcome)
    assert "1/6" in body(quiz)
    assert sum("J'aime" in label for label in labels(quiz)) == 2
    assert any("Aucune" in label for label in labels(quiz))
    # The quiz explains itself in the first pair's caption, not in a message of its own.
    assert "paires de photos" in body(quiz)
    assert [m["message_id"] for m in await person.bot_messages()] == [
        welcome["message_id"], quiz["message_id"]]

    appetence = await finish_quiz(person, quiz)
    assert "Vous aimez" in body(appetence) or "goûts" in body(appetence)
    # Every answer edited the one quiz message: no new photo message per pair.
    photos = [m for m in await person.bot_messages() if m.get("photo")]
    assert len(photos) == 1

    cards = await show_trips(person, appetence)
    assert len({body(card).split("\n")[0] for card in cards}) == 3
    # After the cards, the summary took the results header and lost its button in one edit.
    summary_now = await summary_with_header(person, appetence)
    assert body(summary_now).startswith(body(appetence))
    assert "Vos 3 voyages" in body(summary_now)
    assert not buttons(summary_now)
    # welcome, quiz photo, summary, three cards
    assert len(await person.bot_messages()) == 6
    for card in cards:
        assert "€" in body(card)
        assert "Correspondance" in body(card)
        assert "jours" in body(card)

    last = max(m["message_id"] for m in await person.bot_messages())
    await person.press(cards[0], "Mettre au panier")
    summary = await person.wait_for_bot_message(has_button("conseiller"), after=last)
    assert "panier" in body(summary)

    services = running_bot.services
    row = await services.db.fetch_one("SELECT first_campaign FROM people WHERE user_id = 5001")
    assert row["first_campaign"] == "soleil"
    kinds = {r["kind"] for r in await services.db.fetch_all(
        "SELECT kind FROM events WHERE user_id = 5001")}
    assert {"arrival", "quiz_started", "quiz_finished", "top3_shown", "cart"} <= kinds


async def test_english_free_text_starts_quiz(running_bot: RunningBot, make_person: Any) -> None:
    person = await make_person(5002, "Alex", language="en")
    welcome = await arrive(person, "")
    assert "Hello Alex" in body(welcome)
    sent = await person.send("I dream of a tropical trip")
    quiz = await person.wait_for_bot_message(is_quiz_message, after=sent)
    assert any("I like" in label for label in labels(quiz))
    assert "1/6" in body(quiz)


async def test_unclear_text_shows_menu_again(running_bot: RunningBot, make_person: Any) -> None:
    person = await make_person(5003)
    sent = await person.send("bof")
    reply = await person.wait_for_bot_message(has_button("voyage"), after=sent)
    assert "compris" in body(reply)


async def test_advisor_request_is_recorded(running_bot: RunningBot, make_person: Any) -> None:
    person = await make_person(5004)
    sent = await person.send("je voudrais parler à quelqu'un")
    reply = await person.wait_for_bot_message(lambda m: "conseiller" in body(m), after=sent)
    assert reply
    count = await running_bot.services.db.fetch_one(
        "SELECT COUNT(*) FROM events WHERE user_id = 5004 AND kind = 'advisor_requested'")
    assert count[0] == 1


async def test_double_tap_advances_once(running_bot: RunningBot, make_person: Any) -> None:
    person = await make_person(5005)
    quiz = await start_quiz(person, await arrive(person))
    like = next(label for label in labels(quiz) if "J'aime" in label)
    await asyncio.gather(person.press(quiz, like), person.press(quiz, like))

    async def both_answered() -> bool:
        queries = await person.client.callback_queries()
        mine = [q for q in queries
                if q["user_id"] == 5005 and (q["data"] or "").startswith(QUIZ_CALLBACK)]
        return len(mine) == 2 and all(q["answered"] == 1 for q in mine)

    await person.client.wait_for(both_answered, timeout=15)
    row = await running_bot.services.db.fetch_one(
        "SELECT json_array_length(answers) AS n FROM quizzes WHERE user_id = 5005")
    assert row["n"] == 1
    message = await current(person, quiz["message_id"])
    assert "2/6" in body(message)


async def test_forged_and_stale_buttons_change_nothing(running_bot: RunningBot,
                                                       make_person: Any) -> None:
    person = await make_person(5006)
    stranger = await make_person(5007)
    quiz = await start_quiz(person, await arrive(person))
    quiz_id = int(buttons(quiz)[0]["callback_data"].split(":")[1])
    forged = [
        f"q1:{quiz_id}:1:L",          # someone else's quiz
        f"q1:{quiz_id}:5:L",          # a step not reached
        "q1:99999:1:L",               # no such quiz
        "q1:1:1:Z",                   # unknown choice
        "t1:1:c:../../etc",           # not a trip id
        "x" * 64,
        "é" * 40,                     # over 64 bytes
        "",
    ]
    for data in forged:
        await stranger.client.callback(5007, 5007, quiz["message_id"], data)

    async def all_answered() -> bool:
        queries = [q for q in await person.client.callback_queries() if q["user_id"] == 5007]
        return len(queries) == len(forged) and all(q["answered"] == 1 for q in queries)

    await person.client.wait_for(all_answered, timeout=15)
    row = await running_bot.services.db.fetch_one(
        "SELECT json_array_length(answers) AS n, status FROM quizzes WHERE id = ?", (quiz_id,))
    assert row["n"] == 0
    assert row["status"] == "active"

    # A stale button: the person answers pair 1, then presses pair 1's button again.
    like = next(label for label in labels(quiz) if "J'aime" in label)
    await answer_pair(person, quiz, like)
    await person.client.callback(5006, 5006, quiz["message_id"], f"q1:{quiz_id}:1:R")

    async def stale_answered() -> bool:
        queries = [q for q in await person.client.callback_queries()
                   if q["user_id"] == 5006 and (q["data"] or "").startswith(QUIZ_CALLBACK)]
        return len(queries) == 2 and all(q["answered"] == 1 for q in queries)

    await person.client.wait_for(stale_answered, timeout=15)
    row = await running_bot.services.db.fetch_one(
        "SELECT answers FROM quizzes WHERE id = ?", (quiz_id,))
    assert row["answers"] == '["left"]'


async def test_restart_mid_quiz_carries_on(running_bot: RunningBot, make_person: Any) -> None:
    person = await make_person(5008)
    quiz = await start_quiz(person, await arrive(person))
    like = next(label for label in labels(quiz) if "J'aime" in label)
    await answer_pair(person, quiz, like)
    before = await current(person, quiz["message_id"])
    assert "2/6" in body(before)

    await running_bot.stop()
    await running_bot.start()

    await answer_pair(person, before, next(l for l in labels(before) if "J'aime" in l))
    after = await current(person, quiz["message_id"])
    assert "3/6" in body(after)


async def test_start_mid_quiz_offers_resume(running_bot: RunningBot, make_person: Any) -> None:
    person = await make_person(5009)
    quiz = await start_quiz(person, await arrive(person))
    sent = await person.send("/start")
    prompt = await person.wait_for_bot_message(has_button("Reprendre"), after=sent)
    assert "1/6" in body(prompt)
    await person.press(prompt, "Reprendre")
    resumed = await person.wait_for_bot_message(is_quiz_message, after=prompt["message_id"])
    assert resumed["message_id"] != quiz["message_id"]
    assert "1/6" in body(resumed)


async def test_blocked_person_marked_inactive(running_bot: RunningBot, make_person: Any) -> None:
    person = await make_person(5010)
    await arrive(person)
    await person.client.block(5010, True)

    async def inactive() -> bool:
        row = await running_bot.services.db.fetch_one(
            "SELECT active FROM people WHERE user_id = 5010")
        return row is not None and row["active"] == 0

    await person.client.wait_for(inactive, timeout=15)


async def test_escaped_name_and_invalid_payload(running_bot: RunningBot,
                                                make_person: Any) -> None:
    person = await make_person(5011, "<b>Zoé & Co 🌴")
    welcome = await arrive(person, "été!<script>")
    assert "<b>Zoé & Co 🌴" in body(welcome)
    kinds = [r["kind"] for r in await running_bot.services.db.fetch_all(
        "SELECT kind FROM events WHERE user_id = 5011")]
    assert "invalid_payload" in kinds
    assert "arrival" in kinds
    row = await running_bot.services.db.fetch_one(
        "SELECT first_campaign FROM people WHERE user_id = 5011")
    assert row["first_campaign"] is None


async def test_journey_under_telegram_flood_limits(running_bot: RunningBot, client: SandboxClient,
                                                   make_person: Any) -> None:
    """With the stand-in enforcing 1 message a second per chat, the journey draws no 429."""
    await client.flood(True)
    first_call = len(await client.calls())
    person = await make_person(5011, "Flora")
    welcome = await arrive(person, "")
    quiz = await start_quiz(person, welcome)
    appetence = await finish_quiz(person, quiz)
    cards = await show_trips(person, appetence, timeout=20)
    await person.press(cards[1], "Mettre au panier")
    await person.wait_for_bot_message(has_button("conseiller"), after=cards[-1]["message_id"])

    calls = (await client.calls())[first_call:]
    assert [c for c in calls if c.get("error_code") == 429] == []
    sends = sorted(c["time"] for c in calls if c.get("ok") and str(c.get("chat_id")) == "5011"
                   and c["method"].lower().startswith("send"))
    assert len(sends) >= 7
    assert min(later - earlier for earlier, later in zip(sends, sends[1:])) >= 1.0


def header_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if body(m).startswith("Vos 3 voyages")]


async def test_failed_summary_edit_keeps_cards(running_bot: RunningBot, client: SandboxClient,
                                               make_person: Any) -> None:
    """A 500 on the summary edit, which comes after the cards: the cards are all there."""
    person = await make_person(5012, "Gaspard")
    appetence = await finish_quiz(person, await start_quiz(person, await arrive(person)))
    await client.fault("editMessageText", error="server_error", chat_id=person.user_id)
    cards = await show_trips(person, appetence)
    assert len(cards) == 3

    async def edit_tried() -> bool:
        return not await client.request("GET", "faults")

    await client.wait_for(edit_tried, timeout=20)
    summary_now = await current(person, appetence["message_id"])
    assert body(summary_now) == body(appetence)
    assert header_messages(await person.bot_messages()) == []


async def test_failed_card_lets_person_ask_again(running_bot: RunningBot, client: SandboxClient,
                                                 make_person: Any) -> None:
    """A card that cannot be sent: the summary keeps « Oui », and a second press shows all."""
    person = await make_person(5014, "Inès")
    appetence = await finish_quiz(person, await start_quiz(person, await arrive(person)))
    await client.fault("sendPhoto", error="server_error", chat_id=person.user_id)
    before = len(await person.bot_messages())
    await person.press(appetence, "Oui")

    async def fault_used() -> bool:
        return not await client.request("GET", "faults")

    async def page_forgotten() -> bool:
        # The trips are recorded before the first card is sent, so once the fault has been
        # used an empty list means the page was forgotten.
        row = await running_bot.services.db.fetch_one(
            "SELECT shown_trips FROM quizzes WHERE user_id = 5014")
        return row["shown_trips"] == "[]"

    await client.wait_for(fault_used, timeout=20)
    await client.wait_for(page_forgotten, timeout=20)
    summary_now = await current(person, appetence["message_id"])
    assert has_button("Oui")(summary_now)

    cards = await show_trips(person, summary_now, timeout=20)
    assert len(cards) == 3
    assert len(await person.bot_messages()) == before + 3
    assert not buttons(await summary_with_header(person, appetence))


async def test_old_summary_gets_a_new_header(running_bot: RunningBot, make_person: Any,
                                             monkeypatch: Any) -> None:
    """« Oui » on a summary past the edit window: a header message right above the cards."""
    monkeypatch.setattr(results_handlers, "SUMMARY_EDIT_WINDOW", dtm.timedelta(0))
    person = await make_person(5013, "Hélène")
    appetence = await finish_quiz(person, await start_quiz(person, await arrive(person)))
    cards = await show_trips(person, appetence)
    summary_now = await current(person, appetence["message_id"])
    assert "Vos 3 voyages" not in body(summary_now)
    [header] = header_messages(await person.bot_messages())
    assert header["message_id"] == min(card["message_id"] for card in cards) - 1
