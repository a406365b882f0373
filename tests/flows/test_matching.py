import numpy as np
import pytest

from flows.matching import (
    NEAR_DUPLICATE_COSINE,
    match_percent,
    match_probability,
    rank_trips,
    reason_features,
)
from flows.preference import Answer, Posterior, fit_posterior

BEACH, SNOW, CITY, WILDLIFE = 0, 1, 2, 3


def random_trips(count: int, dimension: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((count, dimension), dtype=np.float32)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_rank_trips_puts_best_first():
    trips = random_trips(500)
    mean = np.linspace(-1, 1, 8)

    ranked = rank_trips(trips, mean)

    assert len(ranked) == 3
    assert ranked[0] == int(np.argmax(trips @ mean))
    assert len(set(ranked)) == 3


def test_rank_trips_honours_mask_and_exclude():
    trips = random_trips(300)
    mean = np.ones(8)
    scores = trips @ mean
    mask = np.zeros(300, dtype=bool)
    mask[::2] = True
    best_allowed = int(np.flatnonzero(mask)[np.argmax(scores[mask])])

    ranked = rank_trips(trips, mean, mask=mask, exclude={best_allowed})

    assert all(mask[row] for row in ranked)
    assert best_allowed not in ranked
    assert len(ranked) == 3


def test_rank_trips_returns_fewer_when_few_remain():
    trips = random_trips(50)
    mask = np.zeros(50, dtype=bool)
    mask[[4, 9]] = True

    assert sorted(rank_trips(trips, np.ones(8), k=3, mask=mask)) == [4, 9]
    assert rank_trips(trips, np.ones(8), k=3, mask=mask, exclude=[4, 9]) == []
    assert len(rank_trips(trips[:2], np.ones(8), k=5)) == 2


def test_rank_trips_skips_near_duplicates():
    best = np.array([1.0, 0.9, 0, 0, 0, 0], dtype=np.float32)
    copies = np.tile(best, (5, 1)) * np.linspace(0.97, 0.99, 5)[:, None]
    others = np.array([[0.9, 0, 0.8, 0, 0, 0], [0, 0.9, 0, 0.9, 0, 0], [0.2, 0.2, 0, 0, 1, 0]],
                      dtype=np.float32)
    trips = np.vstack([best, copies, others])
    mean = np.array([1.0, 1.0, 0.3, 0.3, 0.1, 0.0])

    ranked = rank_trips(trips, mean)

    assert ranked[0] == 0
    for i, first in enumerate(ranked):
        for second in ranked[i + 1:]:
            assert cosine(trips[first], trips[second]) < NEAR_DUPLICATE_COSINE


def test_rank_trips_duplicates_as_last_resort():
    trips = np.tile(np.array([1.0, 0.5], dtype=np.float32), (3, 1))

    assert sorted(rank_trips(trips, np.ones(2))) == [0, 1, 2]


def test_rank_trips_rejects_mask_of_wrong_shape():
    with pytest.raises(ValueError, match="mask must be a bool array"):
        rank_trips(random_trips(10), np.ones(8), mask=np.ones(9, dtype=bool))


def test_rank_trips_at_100k_matches_a_full_sort():
    trips = random_trips(100_000, dimension=32, seed=3)
    mean = np.random.default_rng(4).standard_normal(32)

    ranked = rank_trips(trips, mean, diversity=0.0)

    order = np.argsort(-(trips @ mean.astype(np.float32)))
    assert ranked[0] == order[0]
    assert set(ranked) <= set(order[:30].tolist())


def test_match_percent_clips_and_hides_low_values():
    assert match_percent(0.5) is None
    assert match_percent(0.599) is None
    assert match_percent(0.60) == 60
    assert match_percent(0.754) == 75
    assert match_percent(0.999) == 97
    assert match_percent(1.0) == 97
    assert match_percent(float("nan")) is None


def test_match_probability_rises_with_evidence():
    photos = np.eye(4, dtype=np.float32) * 0.9
    trip = np.array([1.0, 0.0, 0.0, 0.0])
    catalog_mean = np.full(4, 0.25)
    one = fit_posterior(photos, [Answer(0, 1, "left")], np.zeros(4))
    three = fit_posterior(photos, [Answer(0, 1, "left"), Answer(0, 2, "left"),
                                   Answer(3, 0, "right")], np.zeros(4))

    first = match_probability(one, trip, catalog_mean)
    second = match_probability(three, trip, catalog_mean)

    assert 0.5 < first < second < 1.0


def test_match_probability_of_average_trip_is_half():
    posterior = Posterior(mean=np.array([1.0, -1.0]), cov=np.eye(2))

    assert match_probability(posterior, np.array([0.3, 0.3]), np.array([0.3, 0.3])) == 0.5


def test_reason_features_picks_the_driving_feature():
    posterior = Posterior(mean=np.array([2.0, 0.2, 1.5, -1.8]), cov=np.eye(4) * 0.25)
    catalog_mean = np.full(4, 0.3)
    trip = np.array([0.9, 0.9, 0.4, 0.0])

    reasons, dislikes = reason_features(posterior, trip, catalog_mean)

    # Beach drives the match, city adds a little, snow is too uncertain to count, and the
    # trip avoids wildlife, which the visitor dislikes.
    assert reasons == [BEACH, CITY]
    assert dislikes == [WILDLIFE]


def test_reason_features_keep_only_features_of_chosen_photos():
    posterior = Posterior(mean=np.array([2.0, 0.2, 1.5, -1.8]), cov=np.eye(4) * 0.25)
    trip = np.array([0.9, 0.9, 0.8, 0.0])

    reasons, _ = reason_features(posterior, trip, np.full(4, 0.3), liked_photo_features={CITY})

    assert reasons == [CITY]


def test_reason_features_empty_when_nothing_is_clear():
    posterior = Posterior(mean=np.array([0.2, -0.1, 0.0, 0.1]), cov=np.eye(4))

    assert reason_features(posterior, np.ones(4), np.full(4, 0.5)) == ([], [])
