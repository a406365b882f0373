"""Decode a JSON object whose one large array is handed over item by item instead of kept.

`json.loads` on a catalog of 100,000 trips builds every trip's dict before the loader receives
the first one: about 500 MB at the peak (tracemalloc), much of which the allocator then keeps.
`scan_object` decodes the same document with the standard library's decoder, one top-level
value at a time. It passes each item of the streamed array to a callback as soon as it is
decoded, so only one raw trip exists at a time. Errors are the same JSONDecodeError messages as json.loads gives.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from json.decoder import scanstring
from typing import Any

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class Streamed:
    """Placeholder for the streamed array in the returned object; its items went to `item`."""

    def __init__(self, count: int) -> None:
        self.count = count


def decode_text(document: str | bytes) -> str:
    """Return the document as text, decoded as json.loads decodes bytes (UTF-8, -16, -32, BOM)."""
    if isinstance(document, str):
        return document
    return document.decode(json.detect_encoding(document), "surrogatepass")


def scan_object(text: str, streamed_key: str, start: Callable[[], None],
                item: Callable[[Any], None]) -> Any:
    """Decode `text`, streaming the items of its `streamed_key` array if it is an object.

    `start` is called when that array begins (again if the key repeats: the last one counts, as
    with json.loads), then `item` once per element. Anything but an object is decoded whole.
    """
    index = _skip(text, 0)
    if not text.startswith("{", index):
        return json.loads(text)
    result: dict[str, Any] = {}
    index = _skip(text, index + 1)
    if text.startswith("}", index):
        return _finish(text, index + 1, result)
    while True:
        if not text.startswith('"', index):
            raise json.JSONDecodeError(
                "Expecting property name enclosed in double quotes", text, index)
        key, index = scanstring(text, index + 1)
        index = _skip(text, index)
        if not text.startswith(":", index):
            raise json.JSONDecodeError("Expecting ':' delimiter", text, index)
        index = _skip(text, index + 1)
        if key == streamed_key and text.startswith("[", index):
            start()
            result[key], index = _scan_array(text, index, item)
        else:
            result[key], index = _DECODER.raw_decode(text, index)
        index = _skip(text, index)
        if text.startswith(",", index):
            index = _skip(text, index + 1)
        elif text.startswith("}", index):
            return _finish(text, index + 1, result)
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter", text, index)


def _scan_array(text: str, index: int, item: Callable[[Any], None]) -> tuple[Streamed, int]:
    index = _skip(text, index + 1)
    count = 0
    if text.startswith("]", index):
        return Streamed(count), index + 1
    while True:
        value, index = _DECODER.raw_decode(text, index)
        item(value)
        del value
        count += 1
        index = _skip(text, index)
        if text.startswith(",", index):
            index = _skip(text, index + 1)
        elif text.startswith("]", index):
            return Streamed(count), index + 1
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter", text, index)


def _finish(text: str, index: int, result: dict[str, Any]) -> dict[str, Any]:
    index = _skip(text, index)
    if index != len(text):
        raise json.JSONDecodeError("Extra data", text, index)
    return result


def _skip(text: str, index: int) -> int:
    match = _WHITESPACE.match(text, index)
    return match.end() if match else index
