"""Run the photo-pair quiz: refit the taste model, decide whether to stop, choose the next pair."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from catalog.models import QuizSettings
from flows.matching import rank_trips, top_candidates
from flows.preference import Answer, Posterior, fit_posterior, sigmoid

SHOWN_TRIPS = 3
# Posterior draws shared by the stop rule and the pair choice. With 256 draws most best trips
# had one or two draws each, which biases the information score toward plain BALD. In the
# simulated benchmark (1,000 visitors, 6 pairs) top-1 % fell from 0.55 to 0.49 with 256.
SAMPLES = 1024
# Only this many trips, the best by posterior mean, compete to be a draw's best trip. In the
# simulated benchmark at 1,000 trips, 100 and 1,000 candidates both scored slightly worse.
CANDIDATE_TRIPS = 300
# Two photos closer than this (Euclidean, features in 0–1) look alike and make a useless pair.
NEAR_IDENTICAL = 0.3
# Above this many pairs the sampled score is computed only on the best pairs by closed-form
# BALD, which keeps a 200-photo pool (19,900 pairs) fast enough for a chat reply.
SHORTLIST_PAIRS = 400
# Pairs scored at once by the sampled information score (1,024 draws × 128 pairs, float32).
_PAIR_BLOCK = 128


@dataclass(frozen=True)
class QuizDecision:
    """What to do after the answers so far: the next pair, or stop and show the results."""

    posterior: Posterior
    next_pair: tuple[int, int] | None
    regret: float | None
    settled: bool


def decide(
    photos: np.ndarray,
    trips: np.ndarray,
    answers: Sequence[Answer],
    used_photos: Collection[int],
    prior_mean: np.ndarray,
    settings: QuizSettings,
    seed: int,
    trip_mask: np.ndarray | None = None,
) -> QuizDecision:
    """Fit the answers, apply the stop rule, and otherwise choose the next photo pair.

    The quiz stops at settings.max_pairs answers, from settings.min_pairs answers on when the
    expected regret of the top 3 is at most settings.stop_regret, and when no allowed pair of
    unused photos is left. The same inputs and seed always give the same decision.
    """
    posterior = fit_posterior(
        photos, answers, prior_mean, settings.prior_sd, settings.temperature
    )
    rng = np.random.default_rng(seed)
    samples = sample_preferences(posterior, SAMPLES, rng)
    candidates = top_candidates(trips, posterior.mean, CANDIDATE_TRIPS, trip_mask)
    # float32 utilities halve the largest array of the call, and they only rank trips per draw.
    utilities = samples.astype(np.float32) @ trips[candidates].T.astype(np.float32)

    regret = None
    settled = False
    if len(answers) >= settings.min_pairs and candidates.size > 0:
        shown = rank_trips(trips, posterior.mean, SHOWN_TRIPS, mask=trip_mask)
        regret = expected_regret(samples, utilities, trips, shown, trip_mask)
        settled = regret <= settings.stop_regret
    if len(answers) >= settings.max_pairs or settled:
        return QuizDecision(posterior, None, regret, settled)

    previous = (answers[-1].left, answers[-1].right) if answers else ()
    left, right = candidate_pairs(photos, used_photos, previous)
    if left.size == 0:
        return QuizDecision(posterior, None, regret, settled)
    index = choose_pair(photos, left, right, posterior, samples, utilities,
                        settings.temperature)

    pair = (int(left[index]), int(right[index]))
    # Which photo goes left is drawn from the seed, so a side bias cannot favour one feature.
    if rng.random() < 0.5:
        pair = (pair[1], pair[0])
    return QuizDecision(posterior, pair, regret, settled)


def choose_pair(
    photos: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    posterior: Posterior,
    samples: np.ndarray,
    utilities: np.ndarray,
    temperature: float,
) -> int:
    """Return the position in `left`/`right` of the most informative pair about the best trip."""
    positions = np.arange(left.size)
    if left.size > SHORTLIST_PAIRS:
        bald = pair_bald_scores(photos, left, right, posterior, temperature)
        positions = np.sort(np.argpartition(-bald, SHORTLIST_PAIRS)[:SHORTLIST_PAIRS])

    scores = np.zeros(positions.size)
    if utilities.shape[1] > 0:
        diffs = (photos[left[positions]] - photos[right[positions]]) / np.float32(temperature)
        scores = best_trip_information(samples, diffs, np.argmax(utilities, axis=1))
    if scores.max() <= 1e-9:
        # When all draws agree on the best trip, or no trip is allowed, no pair can tell trips
        # apart. The pair most informative about the preference vector is then the best use.
        scores = pair_bald_scores(photos, left[positions], right[positions], posterior,
                                  temperature)
    return int(positions[np.argmax(scores)])


def sample_preferences(posterior: Posterior, count: int, rng: np.random.Generator) -> np.ndarray:
    """Draw `count` preference vectors from the posterior, one per row."""
    factor = np.linalg.cholesky(posterior.cov)
    noise = rng.standard_normal((count, posterior.mean.shape[0]))
    return posterior.mean + noise @ factor.T


def expected_regret(
    samples: np.ndarray,
    utilities: np.ndarray,
    trips: np.ndarray,
    shown: Sequence[int],
    trip_mask: np.ndarray | None = None,
) -> float:
    """Return the posterior mean of the normalised regret of showing `shown`.

    `utilities` contains each draw's utility of the candidate trips, one row per draw. Per
    draw w, regret = (best utility − best shown utility) / (best utility − utility of the
    average allowed trip): 0 when the best trip is shown, about 0.66 for three random trips.
    """
    if trip_mask is None:
        average = trips.mean(axis=0, dtype=np.float64)
    else:
        average = (trip_mask.astype(np.float64) @ trips) / max(int(trip_mask.sum()), 1)

    best = utilities.max(axis=1)
    shown_best = (samples @ trips[list(shown)].T.astype(np.float64)).max(axis=1)
    best = np.maximum(best, shown_best)
    span = best - samples @ average
    regret = np.where(span > 0, (best - shown_best) / np.where(span > 0, span, 1.0), 0.0)
    return float(regret.mean())


def candidate_pairs(
    photos: np.ndarray, used_photos: Collection[int], previous: Sequence[int] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Return the allowed pairs of unused photos as two index arrays.

    A pair is allowed when its photos are at least NEAR_IDENTICAL apart. A photo whose
    dominant (largest) feature is also the dominant feature of a photo of the previous pair
    is left out, unless that would leave no pair at all.
    """
    unused = np.setdiff1d(np.arange(photos.shape[0]), np.fromiter(used_photos, dtype=np.intp))
    if unused.size < 2:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)

    # Distances from the Gram matrix avoid building one difference vector per pair.
    vectors = photos[unused].astype(np.float64)
    gram = vectors @ vectors.T
    squared = np.diag(gram)
    first, second = np.triu_indices(unused.size, 1)
    distance2 = squared[first] + squared[second] - 2.0 * gram[first, second]
    allowed = distance2 >= NEAR_IDENTICAL**2
    left, right = unused[first], unused[second]

    if len(previous) > 0:
        dominant = np.argmax(photos, axis=1)
        repeated = np.isin(dominant, dominant[list(previous)])
        fresh = allowed & ~repeated[left] & ~repeated[right]
        if fresh.any():
            allowed = fresh
    return left[allowed], right[allowed]


def _binary_entropy(p: np.ndarray) -> np.ndarray:
    # In-place steps: fresh large temporaries cost page faults that showed up in the timings.
    p = np.clip(p, 1e-6, 1 - 1e-6)
    q = 1 - p
    entropy = np.log(p)
    entropy *= p
    q_log_q = np.log(q)
    q_log_q *= q
    entropy += q_log_q
    return np.negative(entropy, out=entropy)


def best_trip_information(samples: np.ndarray, diffs: np.ndarray, best: np.ndarray) -> np.ndarray:
    """Return, per pair, the mutual information (nats) between its answer and the best trip.

    `diffs` contains one feature difference per pair, already divided by the temperature, and
    `best` the best trip of each draw. The score is H(mean p) − Σ_b P(b)·H(mean p over the
    draws whose best trip is b), where p is a draw's probability of « left ».
    """
    # Sorting the draws by best trip first makes each group a contiguous block of rows.
    order = np.argsort(best, kind="stable")
    labels = best[order]
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    counts = np.diff(np.r_[starts, labels.size])

    # float32 halves the cost of tanh and log here, and the scores only need to rank pairs.
    draws = samples[order].astype(np.float32)
    shares = (counts / labels.size).astype(np.float32)
    scores = np.empty(diffs.shape[0])

    # Blocks of pairs keep each temporary near 0.5 MB. One 1.6 MB block was handed back to
    # the system after every call, and the page faults that followed cost about 1.5 ms of
    # 5.7 ms per pair choice at 200 photos.
    for start in range(0, diffs.shape[0], _PAIR_BLOCK):
        block = diffs[start:start + _PAIR_BLOCK].T.astype(np.float32)
        won = draws @ block
        sigmoid(won, out=won)
        group_means = np.add.reduceat(won, starts, axis=0)
        group_means /= counts[:, None].astype(np.float32)
        total = _binary_entropy(won.mean(axis=0))
        scores[start:start + _PAIR_BLOCK] = total - shares @ _binary_entropy(group_means)
    return scores


def pair_bald_scores(
    photos: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    posterior: Posterior,
    temperature: float = 1.0,
) -> np.ndarray:
    """Return the closed-form BALD information (bits) of each pair about the preference vector.

    Per-photo projections are combined per pair, so 19,900 pairs of a 200-photo pool cost
    about as much as 200 photos.
    """
    vectors = photos.astype(np.float64)
    projection = vectors @ posterior.mean
    spread = vectors @ posterior.cov @ vectors.T
    mean = projection[left] - projection[right]
    mean /= temperature
    variance = spread[left, left] + spread[right, right]
    variance -= 2.0 * spread[left, right]
    variance /= temperature**2
    return bald_information(mean, np.maximum(variance, 0.0, out=variance))


# BALD for a probit answer Φ(z), z ~ N(μ, σ²), has the closed form
# h(Φ(μ / √(σ² + 1))) − C / √(σ² + C²) · exp(−μ² / (2(σ² + C²))) in bits, with C² = π·ln 2 / 2,
# because h(Φ(z)) is close to exp(−z² / (π ln 2)).
_BALD_C2 = np.pi * np.log(2) / 2
# A logistic σ(z) is close to the normal CDF Φ(z / 1.7).
_LOGIT_TO_PROBIT = 1.7


def bald_information(mean: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """Return the BALD information (bits) of answers σ(z) with z ~ N(mean, variance)."""
    mean = mean / _LOGIT_TO_PROBIT
    variance = variance / _LOGIT_TO_PROBIT**2
    marginal = _erf_array(mean / np.sqrt(2.0 * (1.0 + variance)))
    marginal += 1.0
    marginal *= 0.5
    total = _binary_entropy(marginal) / np.log(2)

    spread = variance + _BALD_C2
    expected = np.exp(-(mean**2) / (2 * spread))
    expected *= np.sqrt(_BALD_C2 / spread)
    return total - expected


def _erf_array(x: np.ndarray) -> np.ndarray:
    # numpy has no erf. This rational approximation stays within 1.4e-7 of math.erf on
    # [−6, 6], far finer than a ranking of pairs needs.
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                                                                          + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))
