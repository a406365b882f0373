"""Simple quiz strategies the benchmark compares the adaptive quiz against.

Random pairs and a fixed hand-crafted-like sequence, both read by counting liked and
disliked features, which is what rule-based quiz tools do.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from flows.preference import Answer
from flows.quiz_engine import candidate_pairs


def count_preferences(
    photos: np.ndarray, answers: Sequence[Answer], prior_mean: np.ndarray | None = None
) -> np.ndarray:
    """Return the normalised hot/cold count of each feature.

    h_f = (Σ(win_f − lose_f) + m0_f) / (Σ(win_f + lose_f) + 1).

    A chosen photo's feature weights count as wins and the other photo's as losses.
    « Both » makes both photos half wins and « neither » both half losses. The prior mean
    enters as pseudo-counts.
    """
    dimension = photos.shape[1]
    wins = np.zeros(dimension)
    losses = np.zeros(dimension)
    for answer in answers:
        left = photos[answer.left].astype(np.float64)
        right = photos[answer.right].astype(np.float64)
        if answer.choice == "left":
            wins += left
            losses += right
        elif answer.choice == "right":
            wins += right
            losses += left
        elif answer.choice == "both":
            wins += 0.5 * (left + right)
        else:
            losses += 0.5 * (left + right)

    prior = np.zeros(dimension) if prior_mean is None else np.asarray(prior_mean, np.float64)
    return (wins - losses + prior) / (wins + losses + 1.0)


def random_pair(
    photos: np.ndarray, used_photos: Collection[int], rng: np.random.Generator
) -> tuple[int, int] | None:
    """Return two random unused photos, or None when fewer than two are left."""
    unused = np.setdiff1d(np.arange(photos.shape[0]), np.fromiter(used_photos, dtype=np.intp))
    if unused.size < 2:
        return None
    left, right = rng.choice(unused, size=2, replace=False)
    return int(left), int(right)


def d_optimal_sequence(
    photos: np.ndarray, length: int, prior_sd: float = 1.0
) -> list[tuple[int, int]]:
    """Return a fixed pair sequence chosen greedily for D-optimality under the prior.

    Each step takes the allowed pair of unused photos whose difference x has the largest
    xᵀSx, which by the matrix determinant lemma most increases log det of the information
    matrix. Answer probabilities are taken as ½ (no preference known), so every pair weighs
    ¼ and the sequence is the same for every visitor.
    """
    dimension = photos.shape[1]
    cov = prior_sd**2 * np.eye(dimension)
    used: set[int] = set()
    sequence: list[tuple[int, int]] = []

    for _ in range(length):
        previous = sequence[-1] if sequence else ()
        left, right = candidate_pairs(photos, used, previous)
        if left.size == 0:
            break
        diffs = (photos[left] - photos[right]).astype(np.float64)
        spread = ((diffs @ cov) * diffs).sum(axis=1)
        best = int(np.argmax(spread))
        x = diffs[best]

        # Rank-one update of the covariance after one answer of weight ¼ (Sherman–Morrison).
        shared = cov @ x
        cov = cov - 0.25 * np.outer(shared, shared) / (1.0 + 0.25 * x @ shared)
        sequence.append((int(left[best]), int(right[best])))
        used.update(sequence[-1])
    return sequence

