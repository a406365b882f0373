"""Quality measures of a shown top 3 against a simulated visitor's true utilities."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

METRICS = ("hit@3", "top-1 %", "NDCG@3", "regret")

# Match-percentage bands of the calibration table; None is the « à découvrir » label.
PERCENT_BANDS = (("to discover", None, None), ("60-69", 60, 69), ("70-79", 70, 79),
                 ("80-89", 80, 89), ("90-97", 90, 97))


@dataclass(frozen=True)
class TrueUtilities:
    """One visitor's utility of every trip, with the reference values the metrics need."""

    values: np.ndarray
    best: int
    maximum: float
    average: float
    top_percent_threshold: float
    ideal_dcg: float

    @classmethod
    def of(cls, trips: np.ndarray, weights: np.ndarray) -> TrueUtilities:
        values = trips.astype(np.float64) @ weights
        count = values.size
        best = int(np.argmax(values))
        maximum = float(values[best])
        average = float(values.mean())

        # The top 1 % contains at least one trip, so on a small catalog it is the best trip.
        top_count = max(1, math.ceil(0.01 * count))
        threshold = float(np.partition(values, count - top_count)[count - top_count])

        ideal = np.sort(np.partition(values, max(count - 3, 0))[max(count - 3, 0):])[::-1]
        ideal_dcg = _dcg(_gains(ideal, maximum, average))
        return cls(values, best, maximum, average, threshold, ideal_dcg)

    def score(self, shown: Sequence[int]) -> np.ndarray:
        """Return hit@3, top-1 %, NDCG@3 and regret of showing `shown`, in that order."""
        if not shown:
            # An empty result is as bad as an average trip.
            return np.array([0.0, 0.0, 0.0, 1.0])
        utilities = self.values[list(shown)]
        span = self.maximum - self.average
        hit = float(self.best in shown)
        top = float((utilities >= self.top_percent_threshold).any())
        ndcg = _dcg(_gains(utilities, self.maximum, self.average)) / self.ideal_dcg \
            if self.ideal_dcg > 0 else 1.0
        regret = (self.maximum - utilities.max()) / span if span > 0 else 0.0
        return np.array([hit, top, ndcg, regret])


def _gains(utilities: np.ndarray, maximum: float, average: float) -> np.ndarray:
    span = maximum - average
    if span <= 0:
        return np.zeros_like(utilities)
    return np.maximum(0.0, (utilities - average) / span)


def _dcg(gains: np.ndarray) -> float:
    return float((gains / np.log2(np.arange(gains.size) + 2)).sum())


def percent_band(percent: int | None) -> int:
    """Return the row of PERCENT_BANDS that a shown match percentage falls in."""
    if percent is None:
        return 0
    for row, (_, low, high) in enumerate(PERCENT_BANDS[1:], start=1):
        if low <= percent <= high:
            return row
    raise ValueError(f"match percentage {percent} is outside 60–97")
