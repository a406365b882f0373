"""Quiz rows: the pairs shown, the answers given, and the trips shown as results."""

from __future__ import annotations

import dataclasses
import json

from store.db import Database, utc_now


@dataclasses.dataclass(frozen=True)
class QuizRow:
    id: int
    user_id: int
    chat_id: int
    campaign: str | None
    catalog_version: str
    status: str
    message_id: int | None
    pairs: list[tuple[str, str]]
    answers: list[str]
    budget: float | None
    shown_trips: list[str]

    @property
    def answered(self) -> int:
        return len(self.answers)


def _row_to_quiz(row) -> QuizRow:  # type: ignore[no-untyped-def]
    return QuizRow(
        id=row["id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        campaign=row["campaign"],
        catalog_version=row["catalog_version"],
        status=row["status"],
        message_id=row["message_id"],
        pairs=[(left, right) for left, right in json.loads(row["pairs"])],
        answers=list(json.loads(row["answers"])),
        budget=row["budget"],
        shown_trips=list(json.loads(row["shown_trips"])),
    )


_COLUMNS = ("id, user_id, chat_id, campaign, catalog_version, status, message_id, pairs, "
            "answers, budget, shown_trips")


async def get_quiz(db: Database, quiz_id: int) -> QuizRow | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM quizzes WHERE id = ?", (quiz_id,))
    return _row_to_quiz(row) if row else None


async def latest_quiz(db: Database, user_id: int, status: str | None = None) -> QuizRow | None:
    if status is None:
        row = await db.fetch_one(
            f"SELECT {_COLUMNS} FROM quizzes WHERE user_id = ? ORDER BY id DESC LIMIT 1",
            (user_id,))
    else:
        row = await db.fetch_one(
            f"SELECT {_COLUMNS} FROM quizzes WHERE user_id = ? AND status = ? "
            "ORDER BY id DESC LIMIT 1", (user_id, status))
    return _row_to_quiz(row) if row else None


async def create_quiz(db: Database, user_id: int, chat_id: int, campaign: str | None,
                      catalog_version: str, budget: float | None,
                      first_pair: tuple[str, str] | None) -> int:
    """Abandon the person's active quiz, if any, and start a new one in the same transaction."""
    now = utc_now()
    pairs = json.dumps([list(first_pair)] if first_pair else [])
    async with db.transaction() as connection:
        await connection.execute(
            "UPDATE quizzes SET status = 'abandoned', updated_at = ? "
            "WHERE user_id = ? AND status = 'active'", (now, user_id))
        cursor = await connection.execute(
            "INSERT INTO quizzes (user_id, chat_id, campaign, catalog_version, status, pairs, "
            "budget, created_at, updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?, ?, ?)",
            (user_id, chat_id, campaign, catalog_version, pairs, budget, now, now))
        quiz_id = cursor.lastrowid
        await cursor.close()
    assert quiz_id is not None
    return quiz_id


async def record_first_pair(db: Database, quiz_id: int, pair: tuple[str, str]) -> None:
    await db.execute("UPDATE quizzes SET pairs = ?, updated_at = ? WHERE id = ? AND pairs = '[]'",
                     (json.dumps([list(pair)]), utc_now(), quiz_id))


async def record_answer(db: Database, quiz: QuizRow, choice: str,
                        next_pair: tuple[str, str] | None) -> bool:
    """Append an answer (and the next pair, or finish the quiz) if the quiz is still at that step.

    The WHERE clause on the answer count makes a double tap or a redelivered update a no-op:
    only the first of two identical writes matches.
    """
    answers = json.dumps([*quiz.answers, choice])
    pairs = json.dumps([list(pair) for pair in quiz.pairs] + ([list(next_pair)] if next_pair
                                                               else []))
    status = "active" if next_pair else "finished"
    changed = await db.execute_count(
        "UPDATE quizzes SET answers = ?, pairs = ?, status = ?, updated_at = ? "
        "WHERE id = ? AND status = 'active' AND json_array_length(answers) = ?",
        (answers, pairs, status, utc_now(), quiz.id, quiz.answered))
    return changed > 0


async def finish_quiz(db: Database, quiz: QuizRow) -> bool:
    """Finish an active quiz early (the person asked for results); False if it was not active."""
    changed = await db.execute_count(
        "UPDATE quizzes SET status = 'finished', updated_at = ? "
        "WHERE id = ? AND status = 'active' AND json_array_length(answers) = ?",
        (utc_now(), quiz.id, quiz.answered))
    return changed > 0


async def abandon_quiz(db: Database, quiz_id: int) -> None:
    await db.execute("UPDATE quizzes SET status = 'abandoned', updated_at = ? "
                     "WHERE id = ? AND status = 'active'", (utc_now(), quiz_id))


async def set_message_id(db: Database, quiz_id: int, message_id: int) -> None:
    await db.execute("UPDATE quizzes SET message_id = ?, updated_at = ? WHERE id = ?",
                     (message_id, utc_now(), quiz_id))


async def keep_shown_trips(db: Database, quiz_id: int, count: int) -> None:
    """Keep only the first `count` shown trips, forgetting a page that could not be shown."""
    quiz = await get_quiz(db, quiz_id)
    if quiz is None or len(quiz.shown_trips) <= count:
        return
    await db.execute("UPDATE quizzes SET shown_trips = ?, updated_at = ? WHERE id = ?",
                     (json.dumps(quiz.shown_trips[:count]), utc_now(), quiz_id))


async def add_shown_trips(db: Database, quiz_id: int, trip_ids: list[str]) -> None:
    quiz = await get_quiz(db, quiz_id)
    if quiz is None:
        return
    shown = quiz.shown_trips + [trip for trip in trip_ids if trip not in quiz.shown_trips]
    await db.execute("UPDATE quizzes SET shown_trips = ?, updated_at = ? WHERE id = ?",
                     (json.dumps(shown), utc_now(), quiz_id))
