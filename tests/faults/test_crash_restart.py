"""`kill -9` in the middle of the quiz: the person carries on at the same pair after a restart."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Person, body, labels
from tests.e2e.test_trip_finder import answer_pair, arrive, current, start_quiz
from tests.faults.conftest import BotProcess


def progress(message: dict[str, Any]) -> str:
    match = re.search(r"\d+/\d+", body(message))
    assert match, f"no progress in {body(message)!r}"
    return match.group(0)


def answered(bot: BotProcess, user_id: int) -> int:
    [row] = bot.query("SELECT json_array_length(answers) AS n FROM quizzes WHERE user_id = ? "
                      "AND status = 'active'", (user_id,))
    return int(row["n"])


def like(message: dict[str, Any]) -> str:
    return next(label for label in labels(message) if "J'aime" in label)


async def play_to_third_pair(person: Person) -> dict[str, Any]:
    quiz = await start_quiz(person, await arrive(person, "soleil"))
    for _ in range(2):
        await answer_pair(person, await current(person, quiz["message_id"]), like(quiz))
    return await current(person, quiz["message_id"])


async def test_kill_between_taps_resumes_same_pair(bot_process: BotProcess,
                                                   make_person: Any) -> None:
    person = await make_person(5301, "Inès")
    before = await play_to_third_pair(person)
    assert progress(before) == "3/6"
    assert answered(bot_process, 5301) == 2

    await bot_process.kill()
    await bot_process.start(person.client)

    # The message still shows pair 3, and its buttons still work after the restart.
    assert await current(person, before["message_id"]) == before
    await answer_pair(person, before, like(before))
    after = await current(person, before["message_id"])
    assert progress(after) == "4/6"
    assert answered(bot_process, 5301) == 3
    assert len([m for m in await person.bot_messages() if m.get("photo")]) == 1


async def test_kill_while_tap_is_handled(bot_process: BotProcess, client: Any,
                                         make_person: Any) -> None:
    person = await make_person(5302, "Noé")
    before = await play_to_third_pair(person)

    # The answer is stored, then the edit to pair 4 hangs and the process dies, so the edit
    # never reaches Telegram.
    await client.fault("editMessageMedia", delay=3, drop=True)
    await person.press(before, like(before))
    await client.wait_for(lambda: answered(bot_process, 5302) == 3, timeout=15)
    await bot_process.kill()
    await client.clear_faults()
    await bot_process.start(client)

    # The person taps the pair they still see; the quiz must carry on from there.
    shown = await current(person, before["message_id"])
    assert progress(shown) == "3/6"
    await person.press(shown, like(shown))

    async def moved_on() -> bool:
        return progress(await current(person, before["message_id"])) != "3/6"

    await client.wait_for(moved_on, timeout=5)
    after = await current(person, before["message_id"])
    assert answered(bot_process, 5302) == int(progress(after).split("/")[0]) - 1
