"""Tests of the demo catalog and of how the loader reports a broken catalog."""

from __future__ import annotations

import copy
import datetime as dtm
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from catalog.loader import Catalog, CatalogInvalid, Problem, load_catalog
from flows.quiz_engine import NEAR_IDENTICAL
from media.images import normalise_image

ROOT = Path(__file__).resolve().parents[2]
CATALOG_PATH = ROOT / "catalog.json"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CATALOG_PATH)


def test_demo_catalog_meets_counts(catalog: Catalog) -> None:
    assert catalog.data.version == "demo-2026-12"
    assert len(catalog.trips) >= 40
    assert len(catalog.data.quiz_photos) >= 16
    assert len(catalog.data.features) >= 10
    assert len(catalog.data.content) >= 6


def test_every_feature_on_two_quiz_photos(catalog: Catalog) -> None:
    photo_counts = (catalog.photo_matrix > 0).sum(axis=0)
    for feature_id, count in zip(catalog.feature_ids, photo_counts):
        assert count >= 2, f"feature {feature_id!r} is shown by {count} quiz photo(s)"


def test_every_feature_on_some_trip(catalog: Catalog) -> None:
    strong_counts = (catalog.trip_matrix >= 0.5).sum(axis=0)
    for feature_id, count in zip(catalog.feature_ids, strong_counts):
        assert count >= 2, f"feature {feature_id!r} is strong in {count} trip(s)"


def test_most_photo_pairs_worth_asking(catalog: Catalog) -> None:
    # The quiz never pairs two photos closer than NEAR_IDENTICAL, because they are too alike.
    photos = catalog.photo_matrix
    distances = np.linalg.norm(photos[:, None, :] - photos[None, :, :], axis=2)
    upper = distances[np.triu_indices(len(photos), k=1)]
    assert np.mean(upper >= NEAR_IDENTICAL) > 0.95


def test_snow_and_beach_photos_contrast(catalog: Catalog) -> None:
    snow = catalog.photo_matrix[catalog.photo_index["ours-polaire"]]
    beach = catalog.photo_matrix[catalog.photo_index["plage-pilotis"]]
    assert np.count_nonzero(np.abs(snow - beach) >= 0.5) >= 5


def test_one_feature_tastes_get_different_top3(catalog: Catalog) -> None:
    centred = catalog.trip_matrix - catalog.trip_matrix.mean(axis=0)
    top3_sets = set()
    for index in range(len(catalog.feature_ids)):
        scores = centred[:, index]
        top3_sets.add(frozenset(np.argsort(-scores)[:3].tolist()))
    assert len(top3_sets) >= len(catalog.feature_ids) - 2


def test_trips_priced_and_dated(catalog: Catalog) -> None:
    prices = [trip.price for trip in catalog.trips]
    assert min(prices) <= 800
    assert max(prices) >= 8000
    for trip in catalog.trips:
        assert trip.currency == "EUR"
        assert trip.summary is not None
        assert trip.title.en
        assert trip.region.en
        assert 2 <= len(trip.departures) <= 4, trip.id
        assert all(day.year == 2027 for day in trip.departures), trip.id
        assert trip.departures == sorted(trip.departures), trip.id


def test_campaign_priors(catalog: Catalog) -> None:
    campaigns = catalog.campaigns
    assert {"soleil", "neige", "culture", "nature", "newsletter"} <= campaigns.keys()
    assert campaigns["soleil"].prior == {
        "plage": 0.5, "chaleur": 0.5, "neige": -0.25, "froid": -0.25,
    }
    assert campaigns["neige"].prior == {
        "neige": 0.5, "montagne": 0.5, "froid": 0.5, "plage": -0.25, "chaleur": -0.25,
    }
    assert campaigns["culture"].prior["culture"] == 0.5
    assert campaigns["culture"].prior["ville"] == 0.5
    for code in ("soleil", "neige", "culture", "nature"):
        assert campaigns[code].spend, code
        assert campaigns[code].currency == "EUR", code
        assert campaigns[code].reached, code


def test_quiz_settings(catalog: Catalog) -> None:
    settings = catalog.settings
    assert (settings.min_pairs, settings.max_pairs) == (4, 6)
    assert settings.stop_regret == 0.4
    assert settings.prior_sd == 1.5
    assert settings.temperature == 1.0


def test_content_links_on_brand_domain(catalog: Catalog) -> None:
    for item in catalog.data.content:
        assert item.url.startswith("https://www.exemple-voyages.fr/inspiration/"), item.id
        assert item.text.en, item.id
        assert item.features, item.id


def catalog_images(catalog: Catalog) -> list[str]:
    photos = {photo.image for photo in catalog.data.quiz_photos}
    return sorted(photos | {trip.image for trip in catalog.trips})


def test_every_image_normalises(catalog: Catalog) -> None:
    for relative in catalog_images(catalog):
        data = normalise_image(catalog.image_path(relative))
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG", relative
        assert image.mode == "RGB", relative
        assert max(image.size) <= 1280, relative


def test_every_image_credited(catalog: Catalog) -> None:
    credits = (ROOT / "images" / "CREDITS.md").read_text(encoding="utf-8")
    credited = set(re.findall(r"^\| `([^`]+)` \|", credits, flags=re.MULTILINE))
    stored = {path.name for path in (ROOT / "images").glob("*.jpg")}
    used = {Path(relative).name for relative in catalog_images(catalog)}
    assert used <= stored
    assert stored <= credited


# A small catalog that loads cleanly. Each broken case below changes a copy of it.
def base_document() -> dict[str, Any]:
    features = ["plage", "neige", "ville", "culture"]
    photos = [
        {"id": f"photo-{index}", "image": "images/ok.png", "features": {name: 1.0}}
        for index, name in enumerate(features * 2)
    ]
    trips = [
        {
            "id": f"trip-{index}",
            "title": {"fr": f"Voyage {index}", "en": f"Trip {index}"},
            "region": {"fr": "France"},
            "duration_days": 5,
            "price": 900,
            "currency": "EUR",
            "image": "images/ok.png",
            "features": {features[index % 4]: 0.8},
            "departures": ["2027-05-08"],
        }
        for index in range(6)
    ]
    return {
        "version": "test-1",
        "features": [{"id": name, "label": {"fr": name}} for name in features],
        "quiz_photos": photos,
        "trips": trips,
        "campaigns": [{"code": "soleil", "label": {"fr": "Soleil"}, "prior": {"plage": 0.5}}],
        "content": [],
        "quiz": {"min_pairs": 2, "max_pairs": 4},
    }


def write_catalog(folder: Path, document: dict[str, Any] | str) -> Path:
    images = folder / "images"
    images.mkdir(exist_ok=True)
    Image.new("RGB", (40, 30), (0, 120, 200)).save(images / "ok.png")
    (images / "broken.jpg").write_text("this is not a picture\n", encoding="utf-8")
    path = folder / "catalog.json"
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def find_problem(problems: list[Problem], path: str, field: str) -> Problem:
    matches = [problem for problem in problems if (problem.path, problem.field) == (path, field)]
    assert len(matches) == 1, f"expected one problem at {path}.{field}, got {problems}"
    return matches[0]


def test_base_document_loads(tmp_path: Path) -> None:
    catalog = load_catalog(write_catalog(tmp_path, base_document()))
    assert len(catalog.trips) == 6


def test_broken_catalog_lists_every_problem(tmp_path: Path) -> None:
    document = copy.deepcopy(base_document())
    document["quiz_photos"][0]["features"] = {"volcan": 1.0}
    document["trips"][1]["id"] = "trip-0"
    document["trips"][2]["features"] = {"plage": 1.7}
    document["trips"][3]["image"] = "images/absent.jpg"
    document["quiz_photos"][1]["image"] = "images/broken.jpg"
    document["campaigns"][0]["code"] = "été!"
    document["trips"][4]["price"] = "1290"
    document["quiz"] = {"min_pairs": 4, "max_pairs": 3}

    with pytest.raises(CatalogInvalid) as raised:
        load_catalog(write_catalog(tmp_path, document))
    problems = raised.value.problems

    unknown = find_problem(problems, "quiz_photos[0]", "features")
    assert unknown.reason == "unknown feature 'volcan'"

    duplicate = find_problem(problems, "trips", "id")
    assert duplicate.reason == "duplicate id 'trip-0'"

    weight = find_problem(problems, "trips[2]", "features")
    assert "weight of feature 'plage' is 1.7, expected 0 to 1" in weight.reason

    missing = find_problem(problems, "trips[3]", "image")
    assert missing.reason == "image 'images/absent.jpg': file not found"

    unreadable = find_problem(problems, "quiz_photos[1]", "image")
    assert unreadable.reason == "image 'images/broken.jpg': not an image"

    code = find_problem(problems, "campaigns[0]", "code")
    assert "should match pattern" in code.reason

    price = find_problem(problems, "trips[4]", "price")
    assert "valid number" in price.reason

    pairs = find_problem(problems, "quiz", "min_pairs")
    assert pairs.reason == "expected min_pairs <= max_pairs"

    assert len(problems) == 8
    assert "8 problem(s)" in str(raised.value)


def test_invalid_json_reported(tmp_path: Path) -> None:
    path = write_catalog(tmp_path, '{"version": "test-1", "features": [')
    with pytest.raises(CatalogInvalid) as raised:
        load_catalog(path)
    problems = raised.value.problems
    assert len(problems) == 1
    assert problems[0].path == "$"
    assert problems[0].field == ""
    assert problems[0].reason.startswith("invalid JSON:")


def test_image_outside_catalog_folder_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "catalog"
    folder.mkdir()
    document = base_document()
    document["trips"][0]["image"] = "../outside.png"
    Image.new("RGB", (10, 10)).save(tmp_path / "outside.png")

    with pytest.raises(CatalogInvalid) as raised:
        load_catalog(write_catalog(folder, document))
    problem = find_problem(raised.value.problems, "trips[0]", "image")
    assert problem.reason == "image path '../outside.png' leaves the catalog folder"


def test_too_few_photos_for_max_pairs(tmp_path: Path) -> None:
    document = base_document()
    document["quiz"] = {"min_pairs": 2, "max_pairs": 5}
    with pytest.raises(CatalogInvalid) as raised:
        load_catalog(write_catalog(tmp_path, document))
    problem = find_problem(raised.value.problems, "quiz", "max_pairs")
    assert problem.reason == "5 pairs need 10 quiz photos, the catalog has 8"


@pytest.mark.parametrize("value", ["0.5", True, -0.1])
def test_content_weight_must_be_number_in_range(tmp_path: Path, value: object) -> None:
    document = base_document()
    document["content"] = [{
        "id": "article",
        "title": {"fr": "Article"},
        "text": {"fr": "Texte."},
        "url": "https://www.exemple-voyages.fr/inspiration/article",
        "features": {"plage": value},
    }]
    with pytest.raises(CatalogInvalid) as raised:
        load_catalog(write_catalog(tmp_path, document))
    assert any(problem.path.startswith("content[0]") for problem in raised.value.problems)


def test_departures_parsed_as_dates(tmp_path: Path) -> None:
    catalog = load_catalog(write_catalog(tmp_path, base_document()))
    assert catalog.trips[0].departures == [dtm.date(2027, 5, 8)]
