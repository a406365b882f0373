"""CSV documents for /export: a header row, UTF-8, and cells that spreadsheets cannot execute."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

EXPORT_KINDS = ("leads", "subscribers", "events")
# Spreadsheets run a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def parse_export_kind(args: list[str]) -> str | None:
    if len(args) == 1 and args[0].lower() in EXPORT_KINDS:
        return args[0].lower()
    return None


def _cell(value: Any) -> Any:
    """Render None as an empty cell and quote text that a spreadsheet would run as a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def build_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """Return the CSV bytes with a byte-order mark, which spreadsheets need to read UTF-8."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def read_csv(data: bytes) -> list[list[str]]:
    """Parse a document made by build_csv back into rows of text, header first."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
