"""Play one simulated visitor through each quiz strategy and score the top 3 after every pair."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench import simulate
from bench.metrics import METRICS, PERCENT_BANDS, TrueUtilities, percent_band
from catalog.models import QuizSettings
from flows.baselines import count_preferences, d_optimal_sequence, random_pair
from flows.matching import (match_percent, match_probability, rank_trips, reason_features,
                            top_candidates)
from flows.preference import Answer, Posterior, fit_posterior, hot_cold
from flows.quiz_engine import decide

MAX_PAIRS = 12
# The calibration table looks at the top 3 after this many pairs, the default quiz length.
CALIBRATION_PAIRS = 6
SHOWN_TRIPS = 3


@dataclass(frozen=True)
class Line:
    """One benchmark configuration: catalog, visitors, answer noise, prior and strategies.

    `trips` is the simulated catalog size, or 0 for the demo catalog file. A method is
    "quiz", "random+count", "fixed+count", "random+bayes" or "stop:<threshold>:<max pairs>",
    the last one running the bot's stop rule. `ranking` is "mmr" (the bot's rank_trips) or
    "top" (the plain top 3 by posterior mean score). With `ties` off the visitors never answer
    « both » or « neither ».
    """

    name: str
    trips: int
    users: str
    temperature: float = 1.0
    prior: str = "none"
    methods: tuple[str, ...] = ("quiz", "random+count", "fixed+count")
    ranking: str = "mmr"
    ties: bool = True


@dataclass
class Tally:
    """Sums over visitors of one method's scores, enough for means and standard errors.

    `visitors` keeps each visitor's curve by index, so that two lines run on the same visitors
    can be compared visitor by visitor (see paired_difference).
    """

    count: int = 0
    curve: np.ndarray = field(default_factory=lambda: np.zeros((MAX_PAIRS + 1, len(METRICS))))
    curve_squares: np.ndarray = field(
        default_factory=lambda: np.zeros((MAX_PAIRS + 1, len(METRICS))))
    # Per band: shown trips, sum of match probabilities, trips that beat the average trip.
    calibration: np.ndarray = field(default_factory=lambda: np.zeros((len(PERCENT_BANDS), 3)))
    # Visitors with a liked feature, liked features, right-signed ones, then the same for
    # disliked features, then shown trips with a reason and shown trips.
    explanations: np.ndarray = field(default_factory=lambda: np.zeros(8))
    pairs_used: float = 0.0
    # Visitors whose quiz ran past the default length of 6 pairs.
    past_six: float = 0.0
    settled: float = 0.0
    answers: float = 0.0
    ties: float = 0.0
    visitors: dict[int, np.ndarray] = field(default_factory=dict)

    def add_curve(self, curve: np.ndarray, index: int) -> None:
        self.count += 1
        self.curve += curve
        self.curve_squares += curve**2
        self.visitors[index] = curve

    def merge(self, other: Tally) -> None:
        self.count += other.count
        self.curve += other.curve
        self.curve_squares += other.curve_squares
        self.calibration += other.calibration
        self.explanations += other.explanations
        self.pairs_used += other.pairs_used
        self.past_six += other.past_six
        self.settled += other.settled
        self.answers += other.answers
        self.ties += other.ties
        self.visitors.update(other.visitors)

    def mean(self) -> np.ndarray:
        return self.curve / max(self.count, 1)

    def standard_error(self) -> np.ndarray:
        count = max(self.count, 1)
        variance = np.maximum(self.curve_squares / count - self.mean() ** 2, 0.0)
        return np.sqrt(variance / count)


def paired_difference(tally: Tally, reference: Tally) -> tuple[np.ndarray, np.ndarray, int]:
    """Return the mean per-visitor difference tally − reference, its standard error and the
    number of visitors that both tallies contain.

    Pairing removes the spread between easy and hard visitors, so the error is that of the
    difference itself, not of each mean.
    """
    shared = sorted(tally.visitors.keys() & reference.visitors.keys())
    if not shared:
        empty = np.full((MAX_PAIRS + 1, len(METRICS)), np.nan)
        return empty, empty, 0
    differences = np.stack([tally.visitors[i] - reference.visitors[i] for i in shared])
    error = differences.std(axis=0) / np.sqrt(len(shared))
    return differences.mean(axis=0), error, len(shared)


@dataclass(frozen=True)
class Environment:
    """Everything a line's visitors share: photos, trips, visitors, prior and settings."""

    photos: np.ndarray
    trips: np.ndarray
    users: np.ndarray
    prior: np.ndarray
    settings: QuizSettings
    fixed_sequence: list[tuple[int, int]]

    @property
    def max_pairs(self) -> int:
        return min(MAX_PAIRS, self.photos.shape[0] // 2)


def build_environment(line: Line, user_count: int, settings: QuizSettings,
                      demo_catalog: Path) -> Environment:
    """Generate (or load, for the demo line) the catalog, photos and visitors of a line."""
    rng = np.random.default_rng(simulate.USER_SEED)
    if line.trips == 0:
        from catalog.loader import load_catalog

        catalog = load_catalog(demo_catalog)
        photos, trips = catalog.photo_matrix, catalog.trip_matrix
        users = simulate.users_like_items(user_count, trips.astype(np.float64), rng)
    else:
        photos = simulate.make_photos()
        trips = simulate.make_trips(line.trips)
        if line.users == "isotropic":
            users = simulate.isotropic_users(user_count, rng)
        else:
            users = simulate.structured_users(user_count, rng)
        if line.users == "beach":
            users = users + simulate.BEACH_LEANING
        elif line.users == "ski":
            users = users + simulate.SKI_LEANING

    prior = simulate.SKI_PRIOR if line.prior == "ski" else np.zeros(photos.shape[1])
    sequence = d_optimal_sequence(photos, MAX_PAIRS, settings.prior_sd)
    return Environment(photos, trips, users, prior, settings, sequence)


def _curve_settings(settings: QuizSettings, max_pairs: int) -> QuizSettings:
    # Curves run every visitor to 12 pairs with no early stop, past the bot's cap of 10, so
    # these settings skip validation on purpose.
    return QuizSettings.model_construct(
        min_pairs=max_pairs + 1, max_pairs=max_pairs, stop_regret=0.0,
        prior_sd=settings.prior_sd, temperature=settings.temperature,
    )


def play(env: Environment, line: Line, index: int) -> dict[str, Tally]:
    """Run visitor `index` through every method of the line and return one tally per method."""
    truth = TrueUtilities.of(env.trips, env.users[index])
    responder = simulate.Responder(env.users[index], line.temperature, env.photos.mean(axis=0),
                                   ties=line.ties)
    catalog_mean = env.trips.mean(axis=0, dtype=np.float64)
    tallies = {}

    for code, method in enumerate(line.methods):
        rng = np.random.default_rng([simulate.USER_SEED, index, code])
        tally = Tally()
        if method.startswith("stop:"):
            _play_stop_rule(env, line, method, index, responder, truth, rng, tally)
        else:
            _play_curve(env, line, method, index, responder, truth, catalog_mean, rng, tally)
        tallies[method] = tally
    return tallies


def shown_trips(trips: np.ndarray, mean: np.ndarray, ranking: str) -> list[int]:
    """Return the trips shown for a posterior mean: the bot's MMR top 3, or the plain top 3."""
    if ranking == "top":
        return top_candidates(trips, mean, SHOWN_TRIPS).tolist()
    return rank_trips(trips, mean, SHOWN_TRIPS)


def _play_curve(env: Environment, line: Line, method: str, index: int,
                responder: simulate.Responder, truth: TrueUtilities, catalog_mean: np.ndarray,
                rng: np.random.Generator, tally: Tally) -> None:
    photos, trips = env.photos, env.trips
    weights = env.users[index]
    settings = _curve_settings(env.settings, env.max_pairs)
    answers: list[Answer] = []
    used: set[int] = set()
    curve = np.zeros((MAX_PAIRS + 1, len(METRICS)))

    for answered in range(env.max_pairs + 1):
        pair: tuple[int, int] | None
        if method == "quiz":
            decision = decide(photos, trips, answers, used, env.prior, settings,
                              seed=index * 64 + answered)
            mean, pair = decision.posterior.mean, decision.next_pair
            if answered == CALIBRATION_PAIRS:
                _calibrate(decision.posterior, trips, catalog_mean, truth, weights,
                           line.ranking, tally)
        elif method == "random+bayes":
            mean = fit_posterior(photos, answers, env.prior, settings.prior_sd,
                                 settings.temperature).mean
            pair = random_pair(photos, used, rng)
        else:
            mean = count_preferences(photos, answers, env.prior)
            if method == "random+count":
                pair = random_pair(photos, used, rng)
            else:
                pair = (env.fixed_sequence[answered] if answered < len(env.fixed_sequence)
                        else None)

        curve[answered] = truth.score(shown_trips(trips, mean, line.ranking))
        if pair is None or answered == env.max_pairs:
            curve[answered + 1:] = curve[answered]
            break
        answer = responder.answer(photos, pair[0], pair[1], rng)
        tally.answers += 1
        tally.ties += answer.choice in ("both", "neither")
        answers.append(answer)
        used.update(pair)

    tally.add_curve(curve, index)


def _calibrate(posterior: Posterior, trips: np.ndarray, catalog_mean: np.ndarray,
               truth: TrueUtilities, weights: np.ndarray, ranking: str, tally: Tally) -> None:
    """Record the match % of the shown trips and whether the hot/cold lists are right."""
    for row in shown_trips(trips, posterior.mean, ranking):
        probability = match_probability(posterior, trips[row], catalog_mean)
        band = percent_band(match_percent(probability))
        beats_average = truth.values[row] > truth.average
        tally.calibration[band] += (1.0, probability, float(beats_average))
        reasons, _ = reason_features(posterior, trips[row], catalog_mean)
        tally.explanations[6:] += (float(bool(reasons)), 1.0)

    liked, disliked = hot_cold(posterior)
    right_likes = sum(weights[f] > 0 for f in liked)
    right_dislikes = sum(weights[f] < 0 for f in disliked)
    tally.explanations[:6] += (float(bool(liked)), len(liked), right_likes,
                               float(bool(disliked)), len(disliked), right_dislikes)


def _play_stop_rule(env: Environment, line: Line, method: str, index: int,
                    responder: simulate.Responder, truth: TrueUtilities,
                    rng: np.random.Generator, tally: Tally) -> None:
    """Run the quiz as the bot does and store the scores at the stop in every curve row."""
    _, threshold, max_pairs = method.split(":")
    settings = env.settings.model_copy(
        update={"stop_regret": float(threshold), "max_pairs": int(max_pairs)})
    answers: list[Answer] = []
    used: set[int] = set()

    while True:
        decision = decide(env.photos, env.trips, answers, used, env.prior, settings,
                          seed=index * 64 + len(answers))
        if decision.next_pair is None:
            break
        answer = responder.answer(env.photos, *decision.next_pair, rng)
        answers.append(answer)
        used.update(decision.next_pair)

    shown = shown_trips(env.trips, decision.posterior.mean, line.ranking)
    tally.add_curve(np.tile(truth.score(shown), (MAX_PAIRS + 1, 1)), index)
    tally.pairs_used += len(answers)
    tally.past_six += len(answers) > 6
    tally.settled += decision.settled
