"""Callback data: built within 64 bytes, parsed strictly."""

from __future__ import annotations

import pytest

from handlers import callback_data


def test_built_data_parses_back() -> None:
    samples = [
        callback_data.menu("trip"),
        callback_data.answer(4_294_967_295, 10, "L"),
        callback_data.session(12, "r"),
        callback_data.show_trips(12),
        callback_data.add_to_cart(9_999_999_999, "a" * 32),
        callback_data.more(12, 3),
        callback_data.advisor(7),
    ]
    for data in samples:
        assert len(data.encode()) <= 64
        assert callback_data.parse(data) is not None


@pytest.mark.parametrize("data", [
    None, "", "q1:0:1:L", "q1:01:1:L", "q1:1:0:L", "q1:1:1:Z", "q1:1:1:L:extra", "Q1:1:1:L",
    "m1:admin", "t1:1:c:../x", "t1:1:c:" + "a" * 33, "q1:99999999999:1:L", "é" * 40,
    "q1:1:1:L\n", " q1:1:1:L",
])
def test_malformed_data_rejected(data: str | None) -> None:
    assert callback_data.parse(data) is None


def test_builder_refuses_what_it_cannot_parse() -> None:
    with pytest.raises(ValueError):
        callback_data.add_to_cart(1, "Not A Trip")
