"""Load catalog.json, report every problem at once, and build the matrices used for matching."""

from __future__ import annotations

import array
import ctypes
import dataclasses
import hashlib
import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from catalog.models import (
    MIN_TRIPS,
    Campaign,
    CatalogHead,
    ContentItem,
    Feature,
    QuizPhoto,
    QuizSettings,
    Trip,
)
from catalog.jsonscan import Streamed, decode_text, scan_object
from catalog.trips import TripTable, TripTableBuilder
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

    data: CatalogHead
    trips: TripTable
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


_ITEM_LISTS = {"features", "quiz_photos", "campaigns", "content"}


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


@dataclasses.dataclass
class _TripColumns:
    """Trip data the loader keeps: the compressed table and the arrays for matching."""

    table: TripTable
    ids: list[str]
    matrix: np.ndarray
    prices: np.ndarray
    durations: np.ndarray


class _TripCollector:
    """Validator of trips one at a time as the scanner decodes them, keeping only compact data.

    Feature weights are kept as (row, name, weight) triples until the feature list is known,
    since a file may list its trips before its features.
    """

    def __init__(self, images: _ImageChecks) -> None:
        self.images = images
        self.start()

    def start(self) -> None:
        self.count = 0
        self.builder = TripTableBuilder()
        self.ids: list[str] = []
        self.prices = array.array("d")
        self.durations = array.array("q")
        self.rows = array.array("q")
        self.names = array.array("q")
        self.weights = array.array("f")
        self.name_index: dict[str, int] = {}
        self.problems: list[Problem] = []

    def add(self, item: Any) -> None:
        index = self.count
        self.count += 1
        path = f"trips[{index}]"
        try:
            trip = Trip.model_validate(item)
        except ValidationError as error:
            self.problems.extend(_pydantic_problems(error.errors(), path))
            return
        self.ids.append(trip.id)
        image_problem = self.images.problem(trip.image)
        if image_problem:
            self.problems.append(Problem(path, "image", image_problem))
        for name, weight in trip.features.items():
            self.rows.append(index)
            self.names.append(self.name_index.setdefault(name, len(self.name_index)))
            self.weights.append(weight)
        if self.problems:
            return  # the catalog will be rejected, so only its problems matter from here on
        self.prices.append(trip.price)
        self.durations.append(trip.duration_days)
        self.builder.add(trip)

    def finish(self, feature_ids: tuple[str, ...], problems: list[Problem]) -> _TripColumns | None:
        """Build the matrices in the catalog's feature order, or add the problems found."""
        if self.count < MIN_TRIPS:
            problems.append(Problem("$", "trips", f"expected at least {MIN_TRIPS} trips, "
                                    f"found {self.count}"))
        rows = np.frombuffer(self.rows, dtype=np.int64) if self.rows else np.zeros(0, np.int64)
        names = np.frombuffer(self.names, dtype=np.int64) if self.names else np.zeros(0, np.int64)
        columns = np.full(len(self.name_index) + 1, -1)
        for name, code in self.name_index.items():
            if name in feature_ids:
                columns[code] = feature_ids.index(name)
                continue
            for row in np.unique(rows[names == code]):
                self.problems.append(Problem(f"trips[{row}]", "features",
                                             f"unknown feature {name!r}"))
        for duplicate in sorted(_duplicates(self.ids)):
            self.problems.append(Problem("trips", "id", f"duplicate id {duplicate!r}"))
        problems.extend(sorted(self.problems, key=_trip_order))
        if problems:
            return None
        matrix = np.zeros((self.count, len(feature_ids)), dtype=np.float32)
        matrix[rows, columns[names]] = np.frombuffer(self.weights, dtype=np.float32)
        return _TripColumns(self.builder.build(), self.ids, matrix,
                            np.array(self.prices, dtype=np.float64),
                            np.array(self.durations, dtype=np.int64))


def _trip_order(problem: Problem) -> int:
    """Sort trip problems by trip, so the report reads in file order."""
    found = _TRIP_PATH.match(problem.path)
    return int(found.group(1)) if found else -1


_TRIP_PATH = re.compile(r"^trips\[(\d+)\]")


class _ImageChecks:
    """Cache of image checks: each file is checked once, however many photos and trips use it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._checked: dict[str, str | None] = {}

    def problem(self, relative: str) -> str | None:
        if relative not in self._checked:
            self._checked[relative] = _image_problem(self.root, relative)
        return self._checked[relative]


def _check_references(
    raw: dict[str, Any],
    features: dict[int, Feature],
    photos: dict[int, QuizPhoto],
    campaigns: dict[int, Campaign],
    content: dict[int, ContentItem],
    images: _ImageChecks,
    problems: list[Problem],
) -> None:
    known = {feature.id for feature in features.values()}
    for name, items, key in (
        ("features", features, "id"),
        ("quiz_photos", photos, "id"),
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
        image_problem = images.problem(photo.image)
        if image_problem:
            problems.append(Problem(f"quiz_photos[{index}]", "image", image_problem))
    for index, campaign in campaigns.items():
        check_features(f"campaigns[{index}]", "prior", campaign.prior)
    for index, item in content.items():
        check_features(f"content[{index}]", "features", item.features)

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
    try:
        path = (root / relative).resolve()
    except (OSError, ValueError) as error:
        # A NUL character, for one, makes the path invalid before any file is opened.
        return f"image path {relative!r} is invalid: {error}"
    if not path.is_relative_to(root.resolve()):
        return f"image path {relative!r} leaves the catalog folder"
    try:
        check_image(path)
    except ImageRejected as error:
        return f"image {relative!r}: {error.reason}"
    return None


def parse_catalog(text: str | bytes, root: Path, source: str = "catalog") -> Catalog:
    """Validate a catalog document and build its matrices, or raise CatalogInvalid."""
    images = _ImageChecks(root)
    collector = _TripCollector(images)
    try:
        raw = scan_object(decode_text(text), "trips", collector.start, collector.add)
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
    campaigns = _parse_items(raw.get("campaigns", []), "campaigns", Campaign, problems)
    content = _parse_items(raw.get("content", []), "content", ContentItem, problems)
    _check_references(raw, features, photos, campaigns, content, images, problems)
    feature_ids = tuple(feature.id for feature in features.values())
    trips: _TripColumns | None = None
    if "trips" not in raw:
        problems.append(Problem("$", "trips", "Field required"))
    elif not isinstance(raw["trips"], Streamed):
        problems.append(Problem("$", "trips", "must be a list"))
    else:
        trips = collector.finish(feature_ids, problems)

    head = {key: value for key, value in raw.items() if key != "trips"}
    if not problems:
        # Items validated one by one above go in as models, which pydantic does not validate
        # again.
        head.update(features=list(features.values()), quiz_photos=list(photos.values()),
                    campaigns=list(campaigns.values()), content=list(content.values()))
    document: CatalogHead | None = None
    try:
        document = CatalogHead.model_validate(head)
    except ValidationError as error:
        # Errors inside list items were already reported item by item above.
        for item in error.errors():
            location = item["loc"]
            if location[:1] and location[0] in _ITEM_LISTS and len(location) > 1 \
                    and isinstance(location[1], int):
                continue
            problems.extend(_pydantic_problems([item], ""))
    if problems or document is None or trips is None:
        raise CatalogInvalid(source, problems or [Problem("$", "", "invalid catalog")])

    photo_matrix = np.array(
        [_feature_vector(photo.features, feature_ids) for photo in document.quiz_photos],
        dtype=np.float32,
    )
    digest = hashlib.sha256(text if isinstance(text, bytes) else text.encode()).hexdigest()
    return Catalog(
        data=document,
        trips=trips.table,
        root=root,
        digest=digest,
        feature_ids=feature_ids,
        photo_matrix=photo_matrix,
        trip_matrix=trips.matrix,
        trip_prices=trips.prices,
        trip_durations=trips.durations,
        photo_index={photo.id: index for index, photo in enumerate(document.quiz_photos)},
        trip_index={trip_id: index for index, trip_id in enumerate(trips.ids)},
        campaigns={campaign.code: campaign for campaign in document.campaigns},
    )


def return_freed_memory() -> None:
    """Ask the C allocator to give the pages freed by a load back to the system.

    A large load frees hundreds of MB of decoded text and transient objects, and a swap frees
    the catalog it replaces. glibc keeps such pages for reuse, so without this a bot that
    reloaded a 100,000-trip catalog three times stayed 47 MB above what the catalog needs.
    Elsewhere (musl, macOS) this does nothing.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        return


def load_catalog(path: Path) -> Catalog:
    """Read and validate a catalog file; raise CatalogInvalid listing every problem."""
    try:
        text = path.read_bytes()
    except OSError as error:
        raise CatalogInvalid(str(path), [Problem("$", "", f"cannot read file: {error.strerror}")])
    catalog = parse_catalog(text, path.parent, str(path))
    del text
    return_freed_memory()
    logger.info("catalog loaded path=%s version=%s trips=%d photos=%d", path, catalog.version,
                len(catalog.trips), len(catalog.data.quiz_photos))
    return catalog
