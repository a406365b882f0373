"""The streaming decoder and the compressed trip table behind large catalogs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from catalog.jsonscan import Streamed, decode_text, scan_object
from catalog.loader import CatalogInvalid, parse_catalog
from catalog.trips import BLOCK_SIZE, TripTable

ROOT = Path(__file__).resolve().parents[2]


def scan(text: str) -> tuple[Any, list[list[Any]]]:
    arrays: list[list[Any]] = []
    result = scan_object(text, "trips", lambda: arrays.append([]),
                         lambda item: arrays[-1].append(item))
    return result, arrays


@pytest.mark.parametrize("text", [
    '{"a": 1, "trips": [1, {"b": [2, 3]}, "x"], "c": null}',
    ' \n{ "trips" : [ ] , "a":[1,2] }\t',
    '{}',
    '{"trips": {"not": "a list"}}',
    '{"trips": [1], "trips": [2, 3]}',
    '{"é\\u00e9": "\\ud83d\\ude00", "trips": ["\\"]"]}',
])
def test_same_values_as_json_loads(text: str) -> None:
    result, arrays = scan(text)
    expected = json.loads(text)
    streamed = expected.get("trips")
    if isinstance(result.get("trips"), Streamed):
        assert arrays[-1] == streamed
        assert result["trips"].count == len(streamed)
        result = {**result, "trips": streamed}
    assert result == expected


@pytest.mark.parametrize("text", [
    '', '   ', '{', '{"a"}', '{"a": 1,}', '{"a": 1 "b": 2}', '{"trips": [1, 2}',
    '{"trips": [1,]}', '{"trips": [1 2]}', '{"a": 1} x', '{"a": 1}{}', "{'a': 1}",
    '{"a": tru}', '{"trips": [{"a": 1]}', '{"a": "\x01"}', '{"a": NaNx}', '[1, 2',
])
def test_same_errors_as_json_loads(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as raised:
        scan(text)
    assert (raised.value.msg, raised.value.pos) == (expected.value.msg, expected.value.pos)


def test_other_top_level_values_decode_whole() -> None:
    assert scan("[1, 2]") == ([1, 2], [])
    assert scan('"text"') == ("text", [])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-32"])
def test_bytes_in_any_encoding_json_accepts(encoding: str) -> None:
    document = '{"titre": "Été à Séville", "trips": []}'
    assert json.loads(decode_text(document.encode(encoding))) == json.loads(document)


def minimal_catalog(trips: list[dict[str, Any]], trips_first: bool = False) -> dict[str, Any]:
    demo = json.loads((ROOT / "catalog.json").read_text(encoding="utf-8"))
    rest = {key: value for key, value in demo.items() if key != "trips"}
    return {"trips": trips, **rest} if trips_first else {**rest, "trips": trips}


def demo_trips(count: int) -> list[dict[str, Any]]:
    demo = json.loads((ROOT / "catalog.json").read_text(encoding="utf-8"))
    base = demo["trips"]
    return [{**base[number % len(base)], "id": f"t{number}"} for number in range(count)]


def test_trips_before_features_load_the_same() -> None:
    trips = demo_trips(40)
    before = parse_catalog(json.dumps(minimal_catalog(trips, trips_first=True)), ROOT)
    after = parse_catalog(json.dumps(minimal_catalog(trips)), ROOT)
    assert before.feature_ids == after.feature_ids
    assert (before.trip_matrix == after.trip_matrix).all()
    assert [trip.id for trip in before.trips] == [trip["id"] for trip in trips]


def test_unknown_feature_named_per_trip_in_file_order() -> None:
    trips = demo_trips(5)
    trips[3] = {**trips[3], "features": {"volcan": 0.5}}
    trips[1] = {**trips[1], "features": {**trips[1]["features"], "volcan": 0.2}}
    with pytest.raises(CatalogInvalid) as raised:
        parse_catalog(json.dumps(minimal_catalog(trips, trips_first=True)), ROOT)
    found = [(problem.path, problem.reason) for problem in raised.value.problems]
    assert found == [("trips[1]", "unknown feature 'volcan'"),
                     ("trips[3]", "unknown feature 'volcan'")]


@pytest.mark.parametrize("trips, reason", [
    ([], "expected at least 3 trips, found 0"),
    ({"a": 1}, "must be a list"),
    ("none", "must be a list"),
])
def test_trip_list_shape(trips: Any, reason: str) -> None:
    with pytest.raises(CatalogInvalid) as raised:
        parse_catalog(json.dumps(minimal_catalog(trips)), ROOT)
    assert [(p.path, p.field, p.reason) for p in raised.value.problems] == [("$", "trips", reason)]


def test_missing_trips_reported() -> None:
    document = minimal_catalog([])
    del document["trips"]
    with pytest.raises(CatalogInvalid) as raised:
        parse_catalog(json.dumps(document), ROOT)
    assert ("$", "trips", "Field required") in [
        (p.path, p.field, p.reason) for p in raised.value.problems]


def test_table_returns_every_trip_as_validated() -> None:
    trips = demo_trips(3 * BLOCK_SIZE + 5)
    catalog = parse_catalog(json.dumps(minimal_catalog(trips)), ROOT)
    table = catalog.trips
    assert isinstance(table, TripTable) and len(table) == len(trips)
    assert [trip.id for trip in table] == [trip["id"] for trip in trips]
    assert table[-1].id == trips[-1]["id"]
    assert [trip.id for trip in table[BLOCK_SIZE - 1:BLOCK_SIZE + 1]] == \
        [trips[BLOCK_SIZE - 1]["id"], trips[BLOCK_SIZE]["id"]]
    source = trips[BLOCK_SIZE + 2]
    rebuilt = table[BLOCK_SIZE + 2]
    assert rebuilt.title.fr == source["title"]["fr"]
    assert rebuilt.price == source["price"]
    assert [str(day) for day in rebuilt.departures] == source.get("departures", [])
    for index in (len(trips), -len(trips) - 1):
        with pytest.raises(IndexError):
            table[index]
    for index, trip in enumerate(table):
        assert catalog.trip_index[trip.id] == index
        assert catalog.trip_prices[index] == trip.price
        assert catalog.trip_durations[index] == trip.duration_days


def test_triplicate_id_reported_once() -> None:
    trips = demo_trips(5)
    for index in (1, 2, 4):
        trips[index] = {**trips[index], "id": "same"}
    with pytest.raises(CatalogInvalid) as raised:
        parse_catalog(json.dumps(minimal_catalog(trips)), ROOT)
    found = [(p.path, p.field, p.reason) for p in raised.value.problems]
    assert found == [("trips", "id", "duplicate id 'same'")]


def test_nested_trip_problems_in_file_order() -> None:
    trips = demo_trips(12)
    trips[10] = {**trips[10], "price": -1}
    trips[2] = {**trips[2], "features": {"volcan": 0.5}}
    trips[7] = {**trips[7], "title": {"fr": ""}}
    with pytest.raises(CatalogInvalid) as raised:
        parse_catalog(json.dumps(minimal_catalog(trips)), ROOT)
    paths = [problem.path for problem in raised.value.problems]
    assert paths == ["trips[2]", "trips[7].title", "trips[10]"]


def test_image_path_with_nul_rejected() -> None:
    trips = demo_trips(4)
    trips[3] = {**trips[3], "image": "images/a\u0000.jpg"}
    with pytest.raises(CatalogInvalid) as raised:
        parse_catalog(json.dumps(minimal_catalog(trips)), ROOT)
    [problem] = raised.value.problems
    assert (problem.path, problem.field) == ("trips[3]", "image")
    assert "invalid" in problem.reason
