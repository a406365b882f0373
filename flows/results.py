"""Score the catalog for a finished quiz and pick the trips to show, page by page; no Telegram."""

from __future__ import annotations

import dataclasses
import logging

import numpy as np

from catalog.loader import Catalog
from catalog.models import Trip
from flows import funnel
from flows.matching import match_percent, match_probability, rank_trips, reason_features
from flows.quiz import QuizService, Rejected
from store import carts, quizzes
from store.carts import Cart
from store.quizzes import QuizRow

logger = logging.getLogger(__name__)

PAGE_SIZE = 3
# When too few trips fit the budget, it is widened once by this factor, then dropped.
BUDGET_RELAXATION = 1.15


@dataclasses.dataclass(frozen=True)
class TripMatch:
    """A trip to show with its match percentage (None: "to discover") and why it matches."""

    trip: Trip
    percent: int | None
    reasons: list[str]
    avoided: list[str]


@dataclasses.dataclass(frozen=True)
class ResultsPage:
    quiz_id: int
    page: int
    matches: list[TripMatch]
    budget_relaxed: bool
    budget: float | None


def _masks(catalog: Catalog, budget: float | None) -> list[tuple[np.ndarray | None, bool]]:
    if budget is None:
        return [(None, False)]
    return [
        (catalog.trip_prices <= budget, False),
        (catalog.trip_prices <= budget * BUDGET_RELAXATION, True),
        (None, True),
    ]


def _liked_features(catalog: Catalog, quiz: QuizRow) -> set[int]:
    """Features clearly shown (weight ≥ 0.5) in the photos the person chose."""
    liked: set[int] = set()
    for (left_id, right_id), choice in zip(quiz.pairs, quiz.answers):
        chosen = {"left": left_id, "right": right_id}.get(choice)
        index = catalog.photo_index.get(chosen) if chosen else None
        if index is not None:
            liked.update(int(f) for f in np.flatnonzero(catalog.photo_matrix[index] >= 0.5))
    return liked


class ResultsService:
    def __init__(self, quiz_service: QuizService) -> None:
        self.quizzes = quiz_service
        self.db = quiz_service.db

    async def page(self, quiz_id: int, user_id: int, page: int) -> ResultsPage | Rejected:
        """Return page `page` (0 = the top 3) of trips for a finished quiz, best first.

        Each page excludes the trips of earlier pages, so "other ideas" never repeats a trip;
        asking for the same page twice returns the same trips.
        """
        quiz = await self.quizzes.load(quiz_id, user_id)
        if isinstance(quiz, Rejected):
            return quiz
        if quiz.status != "finished":
            return Rejected("ended")
        if page < 0 or page * PAGE_SIZE > len(quiz.shown_trips):
            return Rejected("foreign")

        catalog = self.quizzes.catalog_for(quiz)
        posterior = self.quizzes.posterior(catalog, quiz)
        earlier = quiz.shown_trips[: page * PAGE_SIZE]
        exclude = {catalog.trip_index[t] for t in earlier if t in catalog.trip_index}

        chosen: list[int] = []
        relaxed = False
        for mask, is_relaxed in _masks(catalog, quiz.budget):
            chosen = rank_trips(catalog.trip_matrix, posterior.mean, k=PAGE_SIZE, mask=mask,
                                exclude=exclude)
            relaxed = is_relaxed
            if len(chosen) == PAGE_SIZE:
                break

        catalog_mean = catalog.trip_matrix.mean(axis=0)
        liked = _liked_features(catalog, quiz)
        matches = []
        for index in chosen:
            vector = catalog.trip_matrix[index]
            probability = match_probability(posterior, vector, catalog_mean)
            reasons, avoided = reason_features(posterior, vector, catalog_mean, liked)
            matches.append(TripMatch(
                trip=catalog.trips[index],
                percent=match_percent(probability),
                reasons=[catalog.feature_ids[f] for f in reasons],
                avoided=[catalog.feature_ids[f] for f in avoided],
            ))

        trip_ids = [match.trip.id for match in matches]
        await quizzes.add_shown_trips(self.db, quiz.id, earlier + trip_ids)
        if matches:
            await funnel.top3_shown(self.db, user_id, quiz.campaign, quiz.id, page, trip_ids)
        return ResultsPage(quiz.id, page, matches, relaxed and quiz.budget is not None,
                           quiz.budget)

    async def forget_page(self, quiz_id: int, user_id: int, page: int) -> None:
        """Undo the record of page `page` when its cards could not be sent, so that a new press
        can show it. The funnel event stays, because it is recorded once per page."""
        quiz = await self.quizzes.load(quiz_id, user_id)
        if isinstance(quiz, Rejected):
            return
        await quizzes.keep_shown_trips(self.db, quiz.id, page * PAGE_SIZE)
        logger.info("results page forgotten quiz_id=%d user_id=%d page=%d", quiz_id, user_id,
                    page)

    async def add_to_cart(self, quiz_id: int, user_id: int, trip_id: str,
                          language: str) -> tuple[Cart, bool, Trip] | Rejected:
        """Put a shown trip in the cart; only trips this quiz showed can be added."""
        quiz = await self.quizzes.load(quiz_id, user_id)
        if isinstance(quiz, Rejected):
            return quiz
        if trip_id not in quiz.shown_trips:
            return Rejected("foreign")
        catalog = self.quizzes.catalogs.current
        index = catalog.trip_index.get(trip_id)
        if index is None:
            return Rejected("unavailable")
        trip = catalog.trips[index]
        cart, created = await carts.put_in_cart(self.db, user_id, quiz.id, trip.id,
                                                trip.title.get(language), trip.price,
                                                trip.currency)
        if created:
            await funnel.cart(self.db, user_id, quiz.campaign, cart.id, trip.id, trip.price)
            logger.info("cart filled cart_id=%d user_id=%d trip_id=%s", cart.id, user_id,
                        trip.id)
        return cart, created, trip
