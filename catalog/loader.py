"""Load catalog.json, report every problem at once, and build the matrices used for matching."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from catalog.models import (
    Campaign,
    CatalogFile,
    ContentItem,
    Feature,
    QuizPhoto,
    QuizSettings,
    Trip,
)
from media.images import ImageRejected, check_image

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Problem:
    """One reason a catalog file cannot be used: where (JSON path), which field, and why."""

    path: str
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}.{self.field}" if self.field else self.path
        return f"{where}: {self.reason}"


class CatalogInvalid(Exception):
    """Raised with every problem found when a catalog file cannot be used."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"catalog {source} has {len(problems)} problem(s): " + "; ".join(
            str(problem) for problem in problems[:5]
        ))


@dataclasses.dataclass(frozen=True, eq=False)
class Catalog:
    """A validated catalog with its feature matrices, immutable once built."""

    data: CatalogFile
    root: Path
    digest: str
    feature_ids: tuple[str, ...]
    photo_matrix: np.ndarray
    trip_matrix: np.ndarray
    trip_prices: np.ndarray
    trip_durations: np.ndarray
    photo_index: dict[str, int]
    trip_index: dict[str, int]
    campaigns: dict[str, Campaign]

    @property
    def version(self) -> str:
        return f"{self.data.version}@{self.digest[:12]}"

    @property
    def settings(self) -> QuizSettings:
        return self.data.quiz

    def feature_label(self, feature_id: str, language: str) -> str:
        for feature in self.data.features:
            if feature.id == feature_id:
                return feature.label.get(language)
        return feature_id

    def image_path(self, relative: str) -> Path:
        return self.root / relative

    def prior_vector(self, campaign_code: str | None) -> np.ndarray:
        """Return the prior mean of the preference vector for visitors of a campaign."""
        prior = np.zeros(len(self.feature_ids), dtype=np.float64)
        campaign = self.campaigns.get(campaign_code or "")
        if campaign is None:
            return prior
        for name, value in campaign.prior.items():
            prior[self.feature_ids.index(name)] = value
        return prior


_ITEM_LISTS = {"features", "quiz_photos", "trips", "campaigns", "content"}


def _feature_vector(weights: dict[str, float], feature_ids: tuple[str, ...]) -> list[float]:
    return [weights.get(name, 0.0) for name in feature_ids]


def _pydantic_problems(errors: list[Any], prefix: str) -> list[Problem]:
    problems = []
    for item in errors:
        location = [str(part) for part in item["loc"]]
        field = location[-1] if location else ""
        path = ".".join([prefix, *location[:-1]]) if prefix else ".".join(location[:-1])
        problems.append(Problem(path or "$", field, item["msg"]))
    return problems


def _parse_items(
    raw: Any, name: str, model: type[BaseModel], problems: list[Problem]
) -> dict[int, Any]:
    """Validate each item of one list on its own, so one bad item does not hide the others.

    Returns the valid items by their index in the file, so later problems name the right item.
    """
    if not isinstance(raw, list):
        problems.append(Problem("$", name, "must be a list"))
        return {}
    parsed = {}
    for index, item in enumerate(raw):
        try:
            parsed[index] = model.model_validate(item)
        except ValidationError as error:
            problems.extend(_pydantic_problems(error.errors(), f"{name}[{index}]"))
    return parsed


def _duplicates(ids: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    repeated: set[str] = set()
    for value in ids:
        if value in seen:
            repeated.add(value)
        seen.add(value)
    return repeated


def _check_references(
    raw: dict[str, Any],
    features: dict[int, Feature],
    photos: dict[int, QuizPhoto],
    trips: dict[int, Trip],
    campaigns: dict[int, Campaign],
    content: dict[int, ContentItem],
    root: Path,
    problems: list[Problem],
) -> None:
    known = {feature.id for feature in features.values()}
    for name, items, key in (
        ("features", features, "id"),
        ("quiz_photos", photos, "id"),
        ("trips", trips, "id"),
        ("campaigns", campaigns, "code"),
        ("content", content, "id"),
    ):
        for duplicate in sorted(_duplicates(getattr(item, key) for item in items.values())):
            problems.append(Problem(name, key, f"duplicate {key} {duplicate!r}"))

    def check_features(path: str, field: str, names: Iterable[str]) -> None:
        for feature in names:
            if feature not in known:
                problems.append(Problem(path, field, f"unknown feature {feature!r}"))

    for index, photo in photos.items():
        check_features(f"quiz_photos[{index}]", "features", photo.features)
    for index, trip in trips.items():
        check_features(f"trips[{index}]", "features", trip.features)
    for index, campaign in campaigns.items():
        check_features(f"campaigns[{index}]", "prior", campaign.prior)
    for index, item in content.items():
        check_features(f"content[{index}]", "features", item.features)

    checked: dict[str, str | None] = {}
    for name, items in (("quiz_photos", photos), ("trips", trips)):
        for index, item in items.items():
            if item.image not in checked:
                checked[item.image] = _image_problem(root, item.image)
            if checked[item.image]:
                problems.append(Problem(f"{name}[{index}]", "image", checked[item.image] or ""))

    settings = raw.get("quiz")
    if isinstance(settings, dict):
        try:
            quiz = QuizSettings.model_validate(settings)
        except ValidationError:
            return
        if quiz.min_pairs > quiz.max_pairs:
            problems.append(Problem("quiz", "min_pairs", "expected min_pairs <= max_pairs"))
        if photos and 2 * quiz.max_pairs > len(photos):
            problems.append(Problem("quiz", "max_pairs", f"{quiz.max_pairs} pairs need "
                                    f"{2 * quiz.max_pairs} quiz photos, the catalog has "
                                    f"{len(photos)}"))


def _image_problem(root: Path, relative: str) -> str | None:
    path = (root / relative).resolve()
    if not path.is_relative_to(root.resolve()):
        return f"image path {relative!r} leaves the catalog folder"
    try:
        check_image(path)
    except ImageRejected as error:
        return f"image {relative!r}: {error.reason}"
    return None


def parse_catalog(text: str | bytes, root: Path, source: str = "catalog") -> Catalog:
    """Validate a catalog document and build its matrices, or raise CatalogInvalid."""
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CatalogInvalid(source, [Problem("$", "", f"invalid JSON: {error}")]) from error
    except RecursionError as error:
        raise CatalogInvalid(source, [Problem("$", "", "invalid JSON: nested too deeply")]) \
            from error
    if not isinstance(raw, dict):
        raise CatalogInvalid(source, [Problem("$", "", "must be a JSON object")])

    problems: list[Problem] = []
    features = _parse_items(raw.get("features", []), "features", Feature, problems)
    photos = _parse_items(raw.get("quiz_photos", []), "quiz_photos", QuizPhoto, problems)
    trips = _parse_items(raw.get("trips", []), "trips", Trip, problems)
    campaigns = _parse_items(raw.get("campaigns", []), "campaigns", Campaign, problems)
    content = _parse_items(raw.get("content", []), "content", ContentItem, problems)
    _check_references(raw, features, photos, trips, campaigns, content, root, problems)

    document: CatalogFile | None = None
    if not problems:
        # Items validated one by one above go in as models, which pydantic does not validate
        # again: that halves the load time and peak memory of a large catalog.
        raw = {**raw, "features": list(features.values()), "quiz_photos": list(photos.values()),
               "trips": list(trips.values()), "campaigns": list(campaigns.values()),
               "content": list(content.values())}
    try:
        document = CatalogFile.model_validate(raw)
    except ValidationError as error:
        # Errors inside list items were already reported item by item above.
        for item in error.errors():
            location = item["loc"]
            if location[:1] and location[0] in _ITEM_LISTS and len(location) > 1 \
                    and isinstance(location[1], int):
                continue
            problems.extend(_pydantic_problems([item], ""))
    if problems or document is None:
        raise CatalogInvalid(source, problems or [Problem("$", "", "invalid catalog")])

    feature_ids = tuple(feature.id for feature in document.features)
    photo_matrix = np.array(
        [_feature_vector(photo.features, feature_ids) for photo in document.quiz_photos],
        dtype=np.float32,
    )
    trip_matrix = np.ascontiguousarray(np.array(
        [_feature_vector(trip.features, feature_ids) for trip in document.trips],
        dtype=np.float32,
    ))
    digest = hashlib.sha256(text if isinstance(text, bytes) else text.encode()).hexdigest()
    return Catalog(
        data=document,
        root=root,
        digest=digest,
        feature_ids=feature_ids,
        photo_matrix=photo_matrix,
        trip_matrix=trip_matrix,
        trip_prices=np.array([trip.price for trip in document.trips], dtype=np.float64),
        trip_durations=np.array([trip.duration_days for trip in document.trips]),
        photo_index={photo.id: index for index, photo in enumerate(document.quiz_photos)},
        trip_index={trip.id: index for index, trip in enumerate(document.trips)},
        campaigns={campaign.code: campaign for campaign in document.campaigns},
    )


def load_catalog(path: Path) -> Catalog:
    """Read and validate a catalog file; raise CatalogInvalid listing every problem."""
    try:
        text = path.read_bytes()
    except OSError as error:
        raise CatalogInvalid(str(path), [Problem("$", "", f"cannot read file: {error.strerror}")])
    catalog = parse_catalog(text, path.parent, str(path))
    logger.info("catalog loaded path=%s version=%s trips=%d photos=%d", path, catalog.version,
                len(catalog.data.trips), len(catalog.data.quiz_photos))
    return catalog
