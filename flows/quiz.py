"""The photo-pair quiz as a conversation: start, answer, finish, resume; no Telegram here.

Every decision reads the quiz row first and writes with a condition on the answer count, so a
double tap or a redelivered update changes nothing the second time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence

import numpy as np

from catalog.holder import CatalogHolder
from catalog.loader import Catalog
from catalog.models import QuizPhoto
from flows import funnel
from flows.preference import Answer, Posterior, fit_posterior, hot_cold
from flows.quiz_engine import decide
from store import quizzes
from store.db import Database
from store.quizzes import QuizRow

logger = logging.getLogger(__name__)

CHOICES = ("left", "right", "neither")


@dataclasses.dataclass(frozen=True)
class PairView:
    """The pair to show: its photos, its number (1-based) and whether results may be asked."""

    quiz_id: int
    step: int
    total: int
    left: QuizPhoto
    right: QuizPhoto
    can_finish: bool
    message_id: int | None


@dataclasses.dataclass(frozen=True)
class Appetence:
    """What the quiz learned: liked and disliked feature ids, strongest first."""

    quiz_id: int
    hot: list[str]
    cold: list[str]


@dataclasses.dataclass(frozen=True)
class Rejected:
    """Why an answer changed nothing: "ended", "already" (double tap) or "foreign"."""

    reason: str


AnswerOutcome = PairView | Appetence | Rejected


class QuizUnavailable(Exception):
    """Raised when the catalog has too few quiz photos to show a single pair."""


def seed_for(quiz_id: int, answered: int) -> int:
    # The same quiz at the same step always draws the same samples, hence the same next pair.
    return quiz_id * 1009 + answered


def _answers(catalog: Catalog, quiz: QuizRow) -> tuple[list[Answer], set[int]]:
    """Turn stored photo ids into matrix rows, skipping photos a reloaded catalog dropped."""
    answers: list[Answer] = []
    used: set[int] = set()
    for index, (left_id, right_id) in enumerate(quiz.pairs):
        left = catalog.photo_index.get(left_id)
        right = catalog.photo_index.get(right_id)
        if left is None or right is None:
            continue
        used.update((left, right))
        if index < len(quiz.answers) and quiz.answers[index] in CHOICES:
            answers.append(Answer(left, right, quiz.answers[index]))
    return answers, used


def budget_mask(catalog: Catalog, budget: float | None) -> np.ndarray | None:
    return None if budget is None else catalog.trip_prices <= budget


class QuizService:
    """Runs quizzes for the handlers, on the catalog version each quiz started with."""

    def __init__(self, db: Database, catalogs: CatalogHolder) -> None:
        self.db = db
        self.catalogs = catalogs

    def catalog_for(self, quiz: QuizRow) -> Catalog:
        return self.catalogs.version(quiz.catalog_version)

    def posterior(self, catalog: Catalog, quiz: QuizRow) -> Posterior:
        answers, _ = _answers(catalog, quiz)
        settings = catalog.settings
        return fit_posterior(catalog.photo_matrix, answers, catalog.prior_vector(quiz.campaign),
                             settings.prior_sd, settings.temperature)

    def _view(self, catalog: Catalog, quiz: QuizRow) -> PairView | None:
        if quiz.status != "active" or len(quiz.pairs) <= quiz.answered:
            return None
        left_id, right_id = quiz.pairs[quiz.answered]
        photos = catalog.data.quiz_photos
        left = catalog.photo_index.get(left_id)
        right = catalog.photo_index.get(right_id)
        if left is None or right is None:
            return None
        settings = catalog.settings
        return PairView(
            quiz_id=quiz.id,
            step=quiz.answered + 1,
            total=settings.max_pairs,
            left=photos[left],
            right=photos[right],
            can_finish=quiz.answered >= settings.min_pairs,
            message_id=quiz.message_id,
        )

    def _next_pair(self, catalog: Catalog, quiz: QuizRow,
                   answers: Sequence[Answer], used: set[int]) -> tuple[str, str] | None:
        decision = decide(
            catalog.photo_matrix, catalog.trip_matrix, answers, used,
            catalog.prior_vector(quiz.campaign), catalog.settings,
            seed=seed_for(quiz.id, len(answers)),
            trip_mask=budget_mask(catalog, quiz.budget),
        )
        if decision.next_pair is None:
            return None
        photos = catalog.data.quiz_photos
        left, right = decision.next_pair
        return photos[left].id, photos[right].id

    async def start(self, user_id: int, chat_id: int, campaign: str | None,
                    budget: float | None) -> PairView:
        """Abandon any quiz in progress and start a new one at its first pair."""
        catalog = self.catalogs.current
        quiz_id = await quizzes.create_quiz(self.db, user_id, chat_id, campaign,
                                            catalog.version, budget, None)
        quiz = await quizzes.get_quiz(self.db, quiz_id)
        assert quiz is not None
        # The pair choice takes tens of milliseconds of numpy work: keep it off the event loop.
        first = await asyncio.to_thread(self._next_pair, catalog, quiz, [], set())
        if first is None:
            await quizzes.abandon_quiz(self.db, quiz_id)
            raise QuizUnavailable(f"catalog {catalog.version} has too few quiz photos")
        await quizzes.record_first_pair(self.db, quiz_id, first)
        await funnel.quiz_started(self.db, user_id, campaign, quiz_id)
        quiz = await quizzes.get_quiz(self.db, quiz_id)
        assert quiz is not None
        view = self._view(catalog, quiz)
        assert view is not None
        logger.info("quiz started quiz_id=%d user_id=%d campaign=%s", quiz_id, user_id, campaign)
        return view

    async def active(self, user_id: int) -> PairView | None:
        """Return the pair a person's quiz in progress is waiting on, if any."""
        quiz = await quizzes.latest_quiz(self.db, user_id, "active")
        if quiz is None:
            return None
        return self._view(self.catalog_for(quiz), quiz)

    async def load(self, quiz_id: int, user_id: int) -> QuizRow | Rejected:
        quiz = await quizzes.get_quiz(self.db, quiz_id)
        if quiz is None or quiz.user_id != user_id:
            return Rejected("foreign")
        return quiz

    async def answer(self, quiz_id: int, step: int, choice: str, user_id: int) -> AnswerOutcome:
        """Record the answer to pair `step` (1-based) and return the next pair or the appetence."""
        quiz = await self.load(quiz_id, user_id)
        if isinstance(quiz, Rejected):
            return quiz
        if quiz.status == "abandoned":
            return Rejected("ended")
        if quiz.status == "finished":
            return Rejected("already" if step <= quiz.answered else "ended")
        if step != quiz.answered + 1:
            return Rejected("already" if step <= quiz.answered else "foreign")
        if choice not in CHOICES:
            return Rejected("foreign")

        catalog = self.catalog_for(quiz)
        answers, used = _answers(catalog, quiz)
        left_id, right_id = quiz.pairs[quiz.answered]
        left, right = catalog.photo_index.get(left_id), catalog.photo_index.get(right_id)
        if left is not None and right is not None:
            answers.append(Answer(left, right, choice))
        next_pair = await asyncio.to_thread(self._next_pair, catalog, quiz, answers, used)
        if not await quizzes.record_answer(self.db, quiz, choice, next_pair):
            return Rejected("already")

        updated = await quizzes.get_quiz(self.db, quiz_id)
        assert updated is not None
        if next_pair is not None:
            view = self._view(catalog, updated)
            if view is not None:
                return view
        return await self._finished(catalog, updated)

    async def finish_now(self, quiz_id: int, step: int, user_id: int) -> Appetence | Rejected:
        """Stop the quiz at the person's request once enough pairs are answered."""
        quiz = await self.load(quiz_id, user_id)
        if isinstance(quiz, Rejected):
            return quiz
        catalog = self.catalog_for(quiz)
        if quiz.status == "finished":
            return Rejected("already")
        if quiz.status != "active" or step != quiz.answered + 1:
            return Rejected("ended")
        if quiz.answered < catalog.settings.min_pairs:
            return Rejected("foreign")
        if not await quizzes.finish_quiz(self.db, quiz):
            return Rejected("already")
        updated = await quizzes.get_quiz(self.db, quiz_id)
        assert updated is not None
        return await self._finished(catalog, updated)

    async def _finished(self, catalog: Catalog, quiz: QuizRow) -> Appetence:
        posterior = self.posterior(catalog, quiz)
        hot, cold = hot_cold(posterior)
        await funnel.quiz_finished(self.db, quiz.user_id, quiz.campaign, quiz.id, quiz.answered)
        logger.info("quiz finished quiz_id=%d user_id=%d answered=%d", quiz.id, quiz.user_id,
                    quiz.answered)
        return Appetence(
            quiz_id=quiz.id,
            hot=[catalog.feature_ids[index] for index in hot],
            cold=[catalog.feature_ids[index] for index in cold],
        )

    async def appetence(self, quiz_id: int, user_id: int) -> Appetence | Rejected:
        quiz = await self.load(quiz_id, user_id)
        if isinstance(quiz, Rejected):
            return quiz
        if quiz.status != "finished":
            return Rejected("ended")
        catalog = self.catalog_for(quiz)
        hot, cold = hot_cold(self.posterior(catalog, quiz))
        return Appetence(quiz.id, [catalog.feature_ids[i] for i in hot],
                         [catalog.feature_ids[i] for i in cold])

    async def set_message(self, quiz_id: int, message_id: int) -> None:
        await quizzes.set_message_id(self.db, quiz_id, message_id)
