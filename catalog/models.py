"""Pydantic models of catalog.json: features, quiz photos, trips, campaigns, content, settings."""

from __future__ import annotations

import datetime as dtm
import re

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, field_validator

# Telegram accepts at most 64 characters of A-Z, a-z, 0-9, _ and - in a /start payload.
CAMPAIGN_CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalText(Strict):
    """A text in French, with an optional English version (French is used when it is missing)."""

    fr: str = Field(min_length=1, max_length=300)
    en: str | None = Field(default=None, min_length=1, max_length=300)

    def get(self, language: str) -> str:
        if language == "en" and self.en:
            return self.en
        return self.fr


class Feature(Strict):
    id: str = Field(pattern=ID_PATTERN)
    label: LocalText


# A weight says how strongly a photo or trip shows a feature: 0 = not at all, 1 = fully.
# Strict, so that a quoted number or a boolean in the file is reported, not converted.
FeatureWeights = dict[str, StrictFloat]


def _check_range(weights: FeatureWeights) -> FeatureWeights:
    for name, value in weights.items():
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"weight of feature {name!r} is {value}, expected 0 to 1")
    return weights


def _check_weights(weights: FeatureWeights) -> FeatureWeights:
    _check_range(weights)
    if not any(value > 0 for value in weights.values()):
        raise ValueError("at least one feature weight must be above 0")
    return weights


class QuizPhoto(Strict):
    id: str = Field(pattern=ID_PATTERN)
    image: str = Field(min_length=1)
    features: FeatureWeights

    _weights = field_validator("features")(_check_weights)


class Trip(Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: LocalText
    region: LocalText
    duration_days: int = Field(ge=1, le=365, strict=True)
    price: float = Field(gt=0, le=1_000_000, strict=True)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    image: str = Field(min_length=1)
    features: FeatureWeights
    summary: LocalText | None = None
    departures: list[dtm.date] = Field(default_factory=list)

    _weights = field_validator("features")(_check_weights)


class Campaign(Strict):
    code: str = Field(pattern=CAMPAIGN_CODE_PATTERN.pattern)
    label: LocalText
    # Starting point of the visitor's preference vector, per feature (kept weak: ±1 at most).
    prior: dict[str, float] = Field(default_factory=dict)
    spend: float | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    reached: int | None = Field(default=None, ge=0)

    @field_validator("prior")
    @classmethod
    def _prior_in_range(cls, prior: dict[str, float]) -> dict[str, float]:
        for name, value in prior.items():
            if not -1.0 <= value <= 1.0:
                raise ValueError(f"prior of feature {name!r} is {value}, expected -1 to 1")
        return prior


class ContentItem(Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: LocalText
    text: LocalText
    url: str = Field(pattern=r"^https://[^\s<>\"]+$", max_length=500)
    features: FeatureWeights = Field(default_factory=dict)

    _weights = field_validator("features")(_check_range)


class QuizSettings(Strict):
    # From min_pairs answers on, the person may ask for results; max_pairs is the quiz length.
    min_pairs: int = Field(default=4, ge=1, le=10)
    max_pairs: int = Field(default=6, ge=1, le=10)
    # Posterior expected regret of the top 3 under which the quiz stops early.
    stop_regret: float = Field(default=0.4, ge=0, le=1)
    prior_sd: float = Field(default=1.0, gt=0, le=10)
    temperature: float = Field(default=1.0, gt=0, le=10)


class CatalogHead(Strict):
    """Everything in catalog.json except the trips, which the loader keeps in a TripTable."""

    version: str = Field(min_length=1, max_length=64)
    features: list[Feature] = Field(min_length=2, max_length=64)
    quiz_photos: list[QuizPhoto] = Field(min_length=4)
    campaigns: list[Campaign] = Field(default_factory=list)
    content: list[ContentItem] = Field(default_factory=list)
    quiz: QuizSettings = Field(default_factory=QuizSettings)


MIN_TRIPS = 3
