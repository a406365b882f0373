"""A stream of malformed and unusual updates: every callback answered once, no error logged."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from sandbox.client import SandboxClient
from tests.conftest import RunningBot
from tests.e2e.test_trip_finder import arrive, start_quiz

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "updates"
PERSON = 6101
STRANGER = 6102
# Callback data the bot never builds: empty, truncated, overlong, control characters, paths,
# and the kinds of other areas with bad fields.
JUNK_DATA = [
    "", "q1:", "q1:1:1:L:extra", "q1:-1:0:L", "q1:99999999999999999999:1:L", "\u0000",
    "../../etc/passwd", "x" * 64, "💥" * 16, "t1:1:c:", "ld1:999:won", "q2:1:1:L", " ",
    "q1:1:1:L\n", None,
]


def corpus_updates() -> list[dict[str, Any]]:
    if not CORPUS.is_dir():
        return []
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(CORPUS.glob("*.json"))]


def message(text: Any = "hello", **changes: Any) -> dict[str, Any]:
    """A private message from PERSON; changes replace or (with None) remove its fields."""
    base: dict[str, Any] = {
        "message_id": 900,
        "date": 1_700_000_000,
        "chat": {"id": PERSON, "type": "private", "first_name": "Zoé"},
        "from": {"id": PERSON, "is_bot": False, "first_name": "Zoé", "language_code": "fr"},
        "text": text,
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


def odd_updates() -> list[dict[str, Any]]:
    """Shapes Telegram should never send, and shapes it sends but rarely."""
    odd_names = ["\u202eevil\u202c", "👩‍👩‍👧‍👦", "e\u0301\u0301\u0301", "</b><script>", "\u3164",
                 "a" * 256, "\u0000nul"]
    updates: list[dict[str, Any]] = [
        {"telepathy": {"id": 1, "thought": "trip"}},
        {"message": message(chat=None)},
        {"message": message(**{"from": None})},
        {"message": message(date=None)},
        {"message": message(text=12345)},
        {"message": message(entities="junk")},
        {"message": message(entities=[{"type": "bold", "offset": 10_000, "length": 5}])},
        {"message": message(message_id=-1)},
        {"message": message(text="x" * 4096)},
        {"message": message(text="y" * 100_000)},
        {"message": message(text="/start " + "z" * 500)},
        {"message": message(text="/start \u202e\u0000💥")},
        {"message": message(text=None, caption="c" * 5000, photo=[])},
        {"message": message(text=None)},
        {"edited_message": message(text="edited", edit_date=1_700_000_100)},
        {"callback_query": {"id": "junk-1", "from": {"id": PERSON, "is_bot": False,
                                                     "first_name": "Zoé"},
                            "chat_instance": "1", "data": "q1:1:1:L",
                            "inline_message_id": "AAAA"}},
        {"callback_query": {"id": "junk-2", "chat_instance": "1", "data": "q1:1:1:L"}},
        {"callback_query": {"id": "junk-3", "from": {"id": PERSON, "is_bot": False,
                                                     "first_name": "Zoé"},
                            "chat_instance": "1", "game_short_name": "quiz"}},
        {"my_chat_member": {"chat": {"id": PERSON, "type": "private"}}},
        {"message": {"message_id": 1}},
        {},
    ]
    for index, name in enumerate(odd_names):
        sender = {"id": PERSON + 10 + index, "is_bot": False, "first_name": name}
        chat = {"id": sender["id"], "type": "private", "first_name": name}
        updates.append({"message": message(text="/start soleil", chat=chat,
                                           **{"from": sender})})
    return updates


def raw_callback_ids(updates: list[dict[str, Any]]) -> list[str]:
    ids = []
    for update in updates:
        query = update.get("callback_query")
        if isinstance(query, dict) and isinstance(query.get("id"), str) and "from" in query:
            ids.append(query["id"])
    return ids


async def test_stream_of_odd_updates(running_bot: RunningBot, client: SandboxClient,
                                     make_person: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    person = await make_person(PERSON, "Zoé")
    await client.add_user(STRANGER, first_name="Eve", language_code="en")
    await client.send_text(STRANGER, "/start")
    quiz = await start_quiz(person, await arrive(person, "soleil"))
    quiz_data = quiz["reply_markup"]["inline_keyboard"][0][0]["callback_data"]

    raw = corpus_updates() + odd_updates()
    for update in raw:
        await client.inject(update, renumber=True)
    injected = []
    for data in JUNK_DATA:
        for user_id in (PERSON, STRANGER):
            result = await client.callback(user_id, user_id, quiz["message_id"], data)
            injected.append(result["callback_query_id"])
    for inaccessible_id in (quiz["message_id"], 999_999):
        result = await client.callback(PERSON, PERSON, inaccessible_id, quiz_data,
                                       inaccessible=True)
        injected.append(result["callback_query_id"])

    # A last /start proves that the poller moved past every update above.
    sent = await person.send("/start")
    await person.wait_for_bot_message(lambda reply: True, after=sent, timeout=30)

    async def all_answered() -> bool:
        records = {record["id"]: record for record in await client.callback_queries()}
        answered = {call["params"].get("callback_query_id")
                    for call in await client.calls("answerCallbackQuery")}
        return all(records[query_id]["answered"] for query_id in injected) and \
            all(query_id in answered for query_id in raw_callback_ids(raw))

    await client.wait_for(all_answered, timeout=20)
    records = {record["id"]: record for record in await client.callback_queries()}
    for query_id in injected:
        assert records[query_id]["answered"] == 1, records[query_id]
        assert records[query_id]["rejected_answers"] == 0, records[query_id]

    answers = [call["params"].get("callback_query_id")
               for call in await client.calls("answerCallbackQuery")]
    for query_id in raw_callback_ids(raw):
        assert answers.count(query_id) == 1, f"callback {query_id} answered " \
                                             f"{answers.count(query_id)} times"

    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not errors, [f"{record.name}: {record.getMessage()}" for record in errors]
