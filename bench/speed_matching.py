"""Time top-3 matching against a bare numpy floor and plain Python, and time the pair choice.

Run from the project root: python -m bench.speed_matching [--smoke]
"""

from __future__ import annotations

import argparse
import heapq
import os
import time
from collections.abc import Callable

import numpy as np

from bench import simulate
from catalog.models import QuizSettings
from flows import quiz_engine
from flows.matching import rank_trips, top_candidates
from flows.preference import Answer, fit_posterior
from flows.quiz_engine import decide

FEATURES = 32
SIZES = (1_000, 10_000, 100_000)
POOLS = (20, 60, 200)
# Trips already shown on earlier result pages, excluded from the next page.
EXCLUDED = 10


def timed(function: Callable[[], object], runs: int) -> tuple[float, float]:
    """Return the median and 99th percentile of `runs` calls, in milliseconds, after a warm-up."""
    function()
    samples = []
    for _ in range(runs):
        started = time.perf_counter_ns()
        function()
        samples.append(time.perf_counter_ns() - started)
    values = np.array(samples) / 1e6
    return float(np.median(values)), float(np.percentile(values, 99))


def catalog(size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Return a random trip matrix, a budget-and-duration mask and the excluded rows."""
    trips = np.ascontiguousarray(rng.random((size, FEATURES), dtype=np.float32))
    prices = rng.uniform(300, 5000, size)
    durations = rng.integers(2, 21, size)
    mask = (prices <= 3000) & (durations >= 5) & (durations <= 14)
    excluded = rng.choice(np.flatnonzero(mask), size=EXCLUDED, replace=False).tolist()
    return trips, mask, excluded


def numpy_floor(trips: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Return the top 3 in the fewest numpy steps, unfiltered: one product, one argpartition."""
    scores = trips @ mean
    return np.argpartition(scores, scores.size - 3)[-3:]


def filtered_floor(trips: np.ndarray, mean: np.ndarray, mask: np.ndarray,
                   excluded: list[int]) -> list[int]:
    """Return the filtered top 3, keeping only the allowed scores before argpartition."""
    scores = trips @ mean
    scores[excluded] = -np.inf
    rows = np.flatnonzero(mask)
    allowed = scores[rows]
    top = np.argpartition(allowed, allowed.size - 3)[-3:]
    return rows[top[np.argsort(-allowed[top])]].tolist()


def filled_floor(trips: np.ndarray, mean: np.ndarray, mask: np.ndarray,
                 excluded: list[int]) -> list[int]:
    """Return the filtered top 3, setting filtered-out scores to -inf (the slow way)."""
    scores = trips @ mean
    scores[~mask] = -np.inf
    scores[excluded] = -np.inf
    top = np.argpartition(scores, scores.size - 3)[-3:]
    return top[np.argsort(-scores[top])].tolist()


def plain_python(rows: list[list[float]], mean: list[float], allowed: list[bool],
                 excluded: set[int]) -> list[int]:
    """Return the filtered top 3 in plain Python, with a loop over the trips."""
    scored = ((sum(a * b for a, b in zip(row, mean)), index)
              for index, row in enumerate(rows) if allowed[index] and index not in excluded)
    return [index for _, index in heapq.nlargest(3, scored)]


def matching_table(smoke: bool) -> None:
    print(f"\nTop 3 over N trips x {FEATURES} features, float32 (ms, median / p99). Filters: "
          f"budget and duration mask plus {EXCLUDED} excluded rows, for all but the bare floor.")
    print(f"{'trips':>8} {'allowed':>8} {'rank_trips':>15} {'bare floor':>15} "
          f"{'floor+filters':>15} {'-inf filled':>15} {'plain Python':>15} "
          f"{'rank/bare':>9} {'rank/filt':>9} {'Py/rank':>8}")
    rng = np.random.default_rng(7)
    for size in SIZES[:2] if smoke else SIZES:
        trips, mask, excluded = catalog(size, rng)
        mean = rng.standard_normal(FEATURES).astype(np.float32)
        runs = 20 if smoke else 300

        ranked = timed(lambda: rank_trips(trips, mean, mask=mask, exclude=excluded), runs)
        bare = timed(lambda: numpy_floor(trips, mean), runs)
        filtered = timed(lambda: filtered_floor(trips, mean, mask, excluded), runs)
        filled = timed(lambda: filled_floor(trips, mean, mask, excluded), runs // 3)

        rows, weights, allowed = trips.tolist(), mean.tolist(), mask.tolist()
        blocked = set(excluded)
        python_runs = 3 if smoke or size >= 100_000 else 10
        python = timed(lambda: plain_python(rows, weights, allowed, blocked), python_runs)

        # The best trip must agree; the other two may differ because rank_trips diversifies.
        best = rank_trips(trips, mean, mask=mask, exclude=excluded)[0]
        assert best == filtered_floor(trips, mean, mask, excluded)[0]
        assert best == plain_python(rows, weights, allowed, blocked)[0]
        cells = " ".join(f"{median:6.3f} / {p99:6.3f}" for median, p99 in
                         (ranked, bare, filtered, filled))
        print(f"{size:8,d} {int(mask.sum()):8,d} {cells} {python[0]:6.1f} / {python[1]:6.1f} "
              f"{ranked[0] / bare[0]:8.2f}x {ranked[0] / filtered[0]:8.2f}x "
              f"{python[0] / ranked[0]:7.0f}x")

    # Where rank_trips spends its time on the largest catalog, one step at a time.
    steps = (
        ("product C @ m", lambda: trips @ mean),
        ("flatnonzero(mask)", lambda: np.flatnonzero(mask)),
        ("top 30 allowed (product, filters, argpartition)",
         lambda: top_candidates(trips, mean, 30, mask, excluded)),
        ("rank_trips (the above + MMR)",
         lambda: rank_trips(trips, mean, mask=mask, exclude=excluded)),
    )
    print(f"steps at {size:,} trips (ms, median): " + "; ".join(
        f"{label} {timed(step, runs)[0]:.3f}" for label, step in steps))


def pair_choice_table(smoke: bool) -> None:
    print("\nNext-pair choice, decide() end to end: refit, stop rule, 1,024 posterior draws, "
          "1,000 trips x 16 features (ms, median / p99)")
    print(f"{'photos':>7} {'pairs':>7} {'first pair':>16} {'after 4 answers':>18}")
    trips = simulate.make_trips(1000)
    settings = QuizSettings()
    for count in POOLS:
        photos = simulate.make_photo_pool(count)
        prior = np.zeros(photos.shape[1])
        answers = [Answer(0, 1, "left"), Answer(2, 3, "right"), Answer(4, 5, "both"),
                   Answer(6, 7, "left")]
        used = {0, 1, 2, 3, 4, 5, 6, 7}
        runs = 10 if smoke else 200
        seeds = iter(range(10**6))

        first = timed(lambda: decide(photos, trips, [], set(), prior, settings,
                                     seed=next(seeds)), runs)
        later = timed(lambda: decide(photos, trips, answers, used, prior, settings,
                                     seed=next(seeds)), runs)
        print(f"{count:7d} {count * (count - 1) // 2:7,d} {first[0]:7.2f} / {first[1]:6.2f} "
              f"{later[0]:9.2f} / {later[1]:6.2f}")


def pair_choice_steps(smoke: bool) -> None:
    """Time each step of decide() separately at 200 photos, to show where the time goes."""
    trips = simulate.make_trips(1000)
    photos = simulate.make_photo_pool(200)
    answers = [Answer(0, 1, "left"), Answer(2, 3, "right"), Answer(4, 5, "both"),
               Answer(6, 7, "left")]
    used = {0, 1, 2, 3, 4, 5, 6, 7}
    prior = np.zeros(photos.shape[1])
    rng = np.random.default_rng(3)
    runs = 10 if smoke else 200

    posterior = fit_posterior(photos, answers, prior)
    samples = quiz_engine.sample_preferences(posterior, quiz_engine.SAMPLES, rng)
    candidates = top_candidates(trips, posterior.mean, quiz_engine.CANDIDATE_TRIPS)
    utilities = samples.astype(np.float32) @ trips[candidates].T
    left, right = quiz_engine.candidate_pairs(photos, used, (6, 7))
    shortlist = np.argsort(-quiz_engine.pair_bald_scores(photos, left, right, posterior))
    shortlist = shortlist[:quiz_engine.SHORTLIST_PAIRS]
    diffs = photos[left[shortlist]] - photos[right[shortlist]]
    best = np.argmax(utilities, axis=1)

    steps = (
        ("refit (Newton + Laplace)", lambda: fit_posterior(photos, answers, prior)),
        ("1,024 posterior draws",
         lambda: quiz_engine.sample_preferences(posterior, quiz_engine.SAMPLES, rng)),
        ("300 candidate trips + utilities",
         lambda: samples.astype(np.float32) @ trips[
             top_candidates(trips, posterior.mean, quiz_engine.CANDIDATE_TRIPS)].T),
        ("stop rule: top 3 + expected regret",
         lambda: quiz_engine.expected_regret(samples, utilities, trips,
                                             rank_trips(trips, posterior.mean))),
        ("allowed pairs", lambda: quiz_engine.candidate_pairs(photos, used, (6, 7))),
        ("BALD over all pairs + shortlist",
         lambda: np.argpartition(-quiz_engine.pair_bald_scores(photos, left, right, posterior),
                                 quiz_engine.SHORTLIST_PAIRS)),
        ("information about the best trip",
         lambda: quiz_engine.best_trip_information(samples, diffs, best)),
    )
    print(f"\nSteps of one pair choice, 200 photos ({left.size:,} allowed pairs), 4 answers "
          f"(ms, median / p99)")
    total = 0.0
    for label, step in steps:
        median, p99 = timed(step, runs)
        total += median
        print(f"{label:36} {median:6.2f} / {p99:6.2f}")
    print(f"{'sum of the steps':36} {total:6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="few runs, up to 10,000 trips")
    arguments = parser.parse_args()

    print(f"numpy {np.__version__}, OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, {os.cpu_count()} CPUs")
    matching_table(arguments.smoke)
    pair_choice_table(arguments.smoke)
    pair_choice_steps(arguments.smoke)


if __name__ == "__main__":
    main()
