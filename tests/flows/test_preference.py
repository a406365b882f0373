import numpy as np
import pytest

from flows.preference import Answer, answer_observations, fit_posterior, hot_cold, sigmoid

BEACH, SNOW, CITY, WILDLIFE = 0, 1, 2, 3


def photo_pool() -> np.ndarray:
    """Eight photos over four features: two clear photos per feature."""
    photos = np.zeros((8, 4), dtype=np.float32)
    for row in range(8):
        photos[row, row // 2] = 0.9 if row % 2 == 0 else 0.8
    photos[1, CITY] = 0.2
    return photos


def test_posterior_moves_toward_liked_feature():
    photos = photo_pool()
    answers = [Answer(0, 2, "left"), Answer(3, 1, "right"), Answer(4, 0, "right")]

    posterior = fit_posterior(photos, answers, np.zeros(4))

    assert posterior.mean[BEACH] > 0.5
    assert posterior.mean[SNOW] < 0
    assert posterior.mean[BEACH] > posterior.mean[CITY]


def test_covariance_shrinks_with_answers():
    photos = photo_pool()
    answers = [Answer(0, 2, "left"), Answer(1, 3, "left")]

    posterior = fit_posterior(photos, answers, np.zeros(4), prior_sd=1.0)

    assert posterior.cov[BEACH, BEACH] < 1.0
    assert posterior.cov[SNOW, SNOW] < 1.0
    assert posterior.cov[WILDLIFE, WILDLIFE] == pytest.approx(1.0)
    assert np.all(np.linalg.eigvalsh(posterior.cov) > 0)


def test_no_answers_give_the_prior():
    prior = np.array([0.5, -0.25, 0.0, 0.0])

    posterior = fit_posterior(photo_pool(), [], prior, prior_sd=2.0)

    np.testing.assert_allclose(posterior.mean, prior)
    np.testing.assert_allclose(posterior.cov, 4.0 * np.eye(4))


def test_mean_is_the_map_point():
    photos = photo_pool()
    answers = [Answer(0, 2, "left"), Answer(4, 6, "right"), Answer(1, 5, "neither"),
               Answer(3, 7, "both"), Answer(2, 4, "left")]
    prior = np.array([0.3, 0.0, -0.2, 0.1])

    posterior = fit_posterior(photos, answers, prior, prior_sd=1.5, temperature=0.8)

    x, weight = answer_observations(photos, answers)
    x = x / 0.8
    won = sigmoid(x @ posterior.mean)
    gradient = (posterior.mean - prior) / 1.5**2 - x.T @ (weight * (1 - won))
    assert np.abs(gradient).max() < 1e-6


def test_wrong_prior_overturned_by_consistent_answers():
    photos = photo_pool()
    ski_prior = np.array([-0.5, 1.0, 0.0, 0.0])
    beach_over_snow = [Answer(0, 2, "left"), Answer(3, 1, "right"), Answer(0, 3, "left"),
                       Answer(2, 1, "right"), Answer(1, 3, "left"), Answer(0, 2, "left")]

    posterior = fit_posterior(photos, beach_over_snow, ski_prior)

    assert posterior.mean[BEACH] > posterior.mean[SNOW]
    assert posterior.mean[SNOW] < ski_prior[SNOW]


def test_neither_lowers_the_shown_photos():
    photos = photo_pool()
    mean_photo = photos.mean(axis=0)

    posterior = fit_posterior(photos, [Answer(0, 2, "neither")], np.zeros(4))

    assert posterior.mean @ photos[0] < posterior.mean @ mean_photo
    assert posterior.mean @ photos[2] < posterior.mean @ mean_photo
    assert posterior.mean[BEACH] < 0
    assert posterior.mean[SNOW] < 0


def test_both_raises_the_shown_photos():
    photos = photo_pool()

    posterior = fit_posterior(photos, [Answer(0, 2, "both")], np.zeros(4))

    assert posterior.mean[BEACH] > 0
    assert posterior.mean[SNOW] > 0
    assert posterior.cov[BEACH, BEACH] < 1.0


def test_both_carries_less_weight_than_a_choice():
    photos = photo_pool()

    chosen = fit_posterior(photos, [Answer(0, 2, "left")], np.zeros(4))
    both = fit_posterior(photos, [Answer(0, 2, "both")], np.zeros(4))

    assert both.mean[BEACH] < chosen.mean[BEACH]


def test_answer_rejects_unknown_choice():
    with pytest.raises(ValueError, match="skip"):
        Answer(0, 1, "skip")


def test_answer_rejects_same_photo_twice():
    with pytest.raises(ValueError, match="two different photos"):
        Answer(3, 3, "left")


def test_hot_cold_lists_clear_likes_and_dislikes():
    photos = photo_pool()
    answers = [Answer(0, 2, "left"), Answer(1, 3, "left"), Answer(0, 3, "left"),
               Answer(1, 2, "left"), Answer(4, 2, "left"), Answer(5, 3, "left")]

    posterior = fit_posterior(photos, answers, np.zeros(4))
    liked, disliked = hot_cold(posterior)

    assert liked[0] == BEACH
    assert disliked == [SNOW]
    assert WILDLIFE not in liked + disliked


def test_hot_cold_empty_without_answers():
    posterior = fit_posterior(photo_pool(), [], np.array([0.5, -0.25, 0.0, 0.0]))

    assert hot_cold(posterior) == ([], [])
