"""Score trips against a preference vector, pick a diverse top 3, and explain the match."""

from __future__ import annotations

import math
from collections.abc import Collection

import numpy as np

from flows.preference import DISLIKE_Z, LIKE_Z, Posterior

# Cosine above which two trips count as the same offer for the visitor, so MMR skips the
# second one whenever another candidate is left.
NEAR_DUPLICATE_COSINE = 0.99

# The match percentage never claims certainty, and below 60 % it is not shown as a figure.
PERCENT_FLOOR = 55
PERCENT_CEILING = 97
PERCENT_SHOWN_FROM = 0.60


def top_candidates(
    trips: np.ndarray,
    mean: np.ndarray,
    count: int,
    mask: np.ndarray | None = None,
    exclude: Collection[int] = (),
) -> np.ndarray:
    """Return the row indices of the `count` best allowed trips, best first."""
    return _best_allowed(trips, mean, count, mask, exclude)[0]


def _best_allowed(
    trips: np.ndarray,
    mean: np.ndarray,
    count: int,
    mask: np.ndarray | None,
    exclude: Collection[int],
) -> tuple[np.ndarray, np.ndarray]:
    """Return the rows of the `count` best allowed trips and their scores, best first."""
    # Casting the vector, not the matrix, keeps the product in the matrix's dtype with no copy.
    scores = trips @ np.asarray(mean, dtype=trips.dtype)
    if exclude:
        scores[np.fromiter(exclude, dtype=np.intp, count=len(exclude))] = -np.inf

    rows = None
    if mask is not None:
        if mask.shape != scores.shape or mask.dtype != np.bool_:
            raise ValueError(f"mask must be a bool array of shape {scores.shape}, "
                             f"got {mask.dtype} {mask.shape}")
        # Keeping only allowed scores, not setting the others to -inf, matters for speed:
        # argpartition slowed down about tenfold on 100,000 scores that were mostly -inf.
        rows = np.flatnonzero(mask)
        scores = scores[rows]

    total = scores.shape[0]
    if total > count:
        best = np.argpartition(scores, total - count)[total - count:]
    else:
        best = np.arange(total)
    best = best[scores[best] > -np.inf]
    best = best[np.argsort(-scores[best], kind="stable")]
    return (best if rows is None else rows[best]), scores[best]


def rank_trips(
    trips: np.ndarray,
    mean: np.ndarray,
    k: int = 3,
    mask: np.ndarray | None = None,
    exclude: Collection[int] = (),
    pool: int = 30,
    diversity: float = 0.3,
) -> list[int]:
    """Return up to k trip row indices, best first, by maximal marginal relevance.

    The `pool` best allowed trips compete on (1 − diversity) × min-max scaled score minus
    diversity × their highest cosine to a trip already picked. A near-duplicate of a picked
    trip is taken only when nothing else is left.
    """
    rows, scores = _best_allowed(trips, mean, max(pool, k), mask, exclude)
    if rows.size <= 1 or k <= 1:
        return rows[:k].tolist()

    spread = float(scores[0] - scores[-1])
    scaled = (scores - scores[-1]) / spread if spread > 0 else np.ones_like(scores)
    unit = trips[rows].astype(np.float64)
    norms = np.linalg.norm(unit, axis=1)
    unit /= np.where(norms > 0, norms, 1.0)[:, None]
    # One small cosine matrix replaces a product per pick.
    cosine = unit @ unit.T

    picked = [0]
    closest = cosine[0].copy()
    while len(picked) < min(k, rows.size):
        value = (1.0 - diversity) * scaled - diversity * closest
        value[picked] = -np.inf
        distinct = closest < NEAR_DUPLICATE_COSINE
        distinct[picked] = False
        if distinct.any():
            value[~distinct] = -np.inf
        choice = int(np.argmax(value))
        picked.append(choice)
        np.maximum(closest, cosine[choice], out=closest)

    return rows[picked].tolist()


def _normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def match_probability(posterior: Posterior, trip: np.ndarray, catalog_mean: np.ndarray) -> float:
    """Return the posterior probability that the visitor prefers `trip` to an average trip."""
    offset = np.asarray(trip, dtype=np.float64) - np.asarray(catalog_mean, dtype=np.float64)
    expected = float(posterior.mean @ offset)
    variance = float(offset @ posterior.cov @ offset)
    if variance <= 0.0:
        # Only a trip equal to the catalog mean has no spread, and it is a coin flip.
        return 0.5
    return _normal_cdf(expected / math.sqrt(variance))


def match_percent(probability: float) -> int | None:
    """Return the match percentage to show, or None when the UI shows « à découvrir » instead."""
    if not probability >= PERCENT_SHOWN_FROM:
        return None
    return int(min(PERCENT_CEILING, max(PERCENT_FLOOR, round(100 * probability))))


def reason_features(
    posterior: Posterior,
    trip: np.ndarray,
    catalog_mean: np.ndarray,
    liked_photo_features: Collection[int] = (),
    like_z: float = LIKE_Z,
    dislike_z: float = DISLIKE_Z,
) -> tuple[list[int], list[int]]:
    """Return up to two features that explain the match and at most one avoided dislike.

    A reason must add to the trip's score (m_f·(t_f − c̄_f) > 0) and be a clear like
    (m_f > like_z·sd_f). When `liked_photo_features` is given, a reason must also appear in
    a photo the visitor chose. The dislike is a clear negative m_f (m_f < −dislike_z·sd_f) on
    which the trip lies below the catalog mean.
    """
    mean = posterior.mean
    sd = posterior.sd
    offset = np.asarray(trip, dtype=np.float64) - np.asarray(catalog_mean, dtype=np.float64)
    contribution = mean * offset
    order = np.argsort(-contribution, kind="stable")

    eligible = (contribution > 0) & (mean > like_z * sd)
    if liked_photo_features:
        shown = np.zeros(mean.shape[0], dtype=bool)
        shown[list(liked_photo_features)] = True
        eligible &= shown
    reasons = [int(f) for f in order if eligible[f]][:2]

    avoided = (mean < -dislike_z * sd) & (offset < 0)
    dislikes = [int(f) for f in order if avoided[f]][:1]
    return reasons, dislikes
