"""Simulated travel catalogs, quiz photos, visitors and their answers for offline benchmarks."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from flows.preference import Answer

FEATURES = (
    "beach", "mountain", "snow", "city", "countryside", "culture", "nightlife", "luxury",
    "budget", "family", "adventure", "relaxation", "warm", "cold", "gastronomy", "wildlife",
)
_F = {name: index for index, name in enumerate(FEATURES)}

# Twelve travel styles; a feature not listed has weight 0.
ARCHETYPES_BY_NAME = (
    {"beach": 1, "warm": 1, "relaxation": 0.8},
    {"snow": 1, "mountain": 1, "cold": 1, "adventure": 0.4},
    {"city": 1, "culture": 0.8, "nightlife": 0.6, "gastronomy": 0.6},
    {"wildlife": 1, "adventure": 0.8, "warm": 0.6},
    {"culture": 1, "city": 0.5, "gastronomy": 0.5},
    {"budget": 1, "adventure": 0.8, "nightlife": 0.4},
    {"luxury": 1, "relaxation": 1},
    {"family": 1, "beach": 0.6, "warm": 0.6, "relaxation": 0.4},
    {"mountain": 1, "adventure": 1, "countryside": 0.6},
    {"countryside": 1, "gastronomy": 0.6, "relaxation": 0.6, "family": 0.4},
    {"nightlife": 1, "beach": 0.8, "warm": 0.8, "budget": 0.4},
    {"cold": 0.8, "wildlife": 0.6, "countryside": 0.6, "adventure": 0.5},
)


def _vector(weights: dict[str, float]) -> np.ndarray:
    vector = np.zeros(len(FEATURES))
    for name, value in weights.items():
        vector[_F[name]] = value
    return vector


ARCHETYPES = np.array([_vector(weights) for weights in ARCHETYPES_BY_NAME])

# Campaign priors at half strength, and the theme shift of visitors who lean one way.
SKI_PRIOR = _vector({"snow": 0.5, "mountain": 0.5, "cold": 0.5, "beach": -0.25, "warm": -0.25})
SKI_LEANING = _vector({"snow": 1, "mountain": 1, "cold": 1, "beach": -0.5, "warm": -0.5})
BEACH_LEANING = _vector({"beach": 1, "warm": 1, "snow": -0.5, "cold": -0.5})

CATALOG_SEED = 11
PHOTO_SEED = 22
USER_SEED = 100
# Answers whose utility gap is below this become « both » or « neither » (about 12 % of them).
TIE_GAP = 0.3


def _styled_items(count: int, mix_share: float, rng: np.random.Generator) -> np.ndarray:
    """Draw items (trips or photos) from the archetypes, as the catalog generator does."""
    styles = len(ARCHETYPES)
    first = rng.integers(styles, size=count)
    second = (first + rng.integers(1, styles, size=count)) % styles
    mixed = rng.random(count) < mix_share
    alpha = np.where(mixed, rng.uniform(0.5, 1.0, size=count), 1.0)
    items = alpha[:, None] * ARCHETYPES[first] + (1 - alpha)[:, None] * ARCHETYPES[second]

    items *= rng.uniform(0.6, 1.2, size=items.shape)
    extra = rng.random(items.shape) < 0.15
    items += extra * rng.uniform(0.0, 0.5, size=items.shape)
    return np.clip(items, 0.0, 1.0)


def make_trips(count: int, seed: int = CATALOG_SEED) -> np.ndarray:
    """Return `count` trips (float32, count × 16): 70 % one archetype, 30 % a mix of two."""
    rng = np.random.default_rng(seed)
    return np.ascontiguousarray(_styled_items(count, 0.3, rng), dtype=np.float32)


def make_photos(seed: int = PHOTO_SEED) -> np.ndarray:
    """Return the 60-photo pool: two « pure » photos per feature, then 28 styled photos."""
    rng = np.random.default_rng(seed)
    dimension = len(FEATURES)
    pure = np.zeros((2 * dimension, dimension))
    for row in range(2 * dimension):
        feature = row // 2
        pure[row, feature] = rng.uniform(0.8, 1.0)
        others = rng.choice(np.delete(np.arange(dimension), feature),
                            size=rng.integers(0, 3), replace=False)
        pure[row, others] = rng.uniform(0.1, 0.4, size=others.size)
    styled = _styled_items(28, 0.2, rng)
    return np.vstack([pure, styled]).astype(np.float32)


def make_photo_pool(count: int, seed: int = PHOTO_SEED) -> np.ndarray:
    """Return `count` photos: a fixed subset of the 60-photo pool, or all of it plus photos
    drawn like trips."""
    photos = make_photos(seed)
    rng = np.random.default_rng(seed + 1)
    if count <= photos.shape[0]:
        return photos[np.sort(rng.choice(photos.shape[0], size=count, replace=False))]
    extra = _styled_items(count - photos.shape[0], 0.2, rng).astype(np.float32)
    return np.vstack([photos, extra])


def structured_users(count: int, rng: np.random.Generator) -> np.ndarray:
    """Return preference vectors built from 1–2 liked archetypes and one disliked archetype."""
    styles = len(ARCHETYPES)
    users = 0.6 * rng.standard_normal((count, len(FEATURES)))
    for user in users:
        chosen = rng.choice(styles, size=3, replace=False)
        liked = chosen[: rng.integers(1, 3)]
        for style in liked:
            user += rng.uniform(1, 2) * ARCHETYPES[style]
        user -= rng.uniform(1, 2) * ARCHETYPES[chosen[2]]
    return users


def isotropic_users(count: int, rng: np.random.Generator, dimension: int = 16) -> np.ndarray:
    """Return preference vectors drawn from N(0, I)."""
    return rng.standard_normal((count, dimension))


def users_like_items(count: int, items: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return structured visitors for a catalog with its own features.

    Random trips of that catalog stand in for the archetypes: each visitor likes one or two
    of them and dislikes a third, on top of 0.6·N(0, I) noise.
    """
    users = 0.6 * rng.standard_normal((count, items.shape[1]))
    for user in users:
        chosen = rng.choice(items.shape[0], size=3, replace=False)
        for row in chosen[: rng.integers(1, 3)]:
            user += rng.uniform(1, 2) * items[row]
        user -= rng.uniform(1, 2) * items[chosen[2]]
    return users


@dataclass(frozen=True)
class Responder:
    """A simulated visitor who answers photo pairs with logistic noise.

    With `ties` off the visitor never answers « both » or « neither », so a near tie becomes a
    noisy pick like any other pair.
    """

    weights: np.ndarray
    temperature: float
    mean_photo: np.ndarray
    ties: bool = True

    def answer(self, photos: np.ndarray, left: int, right: int,
               rng: np.random.Generator) -> Answer:
        """Answer one pair: « both »/« neither » on a near tie, otherwise a noisy pick."""
        left_utility = float(photos[left] @ self.weights)
        right_utility = float(photos[right] @ self.weights)
        gap = left_utility - right_utility
        if self.ties and abs(gap) < TIE_GAP:
            average = float(self.mean_photo @ self.weights)
            level = (left_utility + right_utility) / 2
            return Answer(left, right, "both" if level > average else "neither")
        picked_left = rng.random() < 1.0 / (1.0 + math.exp(-gap / self.temperature))
        return Answer(left, right, "left" if picked_left else "right")
