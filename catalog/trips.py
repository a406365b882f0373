"""Trips of a loaded catalog, kept compressed and rebuilt as models only when shown.

A pydantic Trip with its texts costs about 3 kB of memory, and a catalog of 100,000 trips held
as models added 845 MiB to the process. Matching needs only the feature matrix, prices and
durations (numpy arrays built by the loader). A page shows three trips at a time. So the table
keeps each trip's validated JSON, zlib-compressed in blocks, and rebuilds only the trips a page
shows.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Iterator, Sequence
from typing import overload

from pydantic import TypeAdapter

from catalog.models import Trip

# Trips per compressed block: larger blocks compress better, smaller ones rebuild faster.
BLOCK_SIZE = 16
# Blocks kept decoded; results pages and lead cards reuse the same few trips.
DECODED_BLOCKS = 64

_BLOCK = TypeAdapter(list[Trip])


class TripTable(Sequence[Trip]):
    """Immutable sequence of trips, indexed like the catalog's trip matrix."""

    def __init__(self, blocks: list[bytes], count: int) -> None:
        self._blocks = blocks
        self._count = count

        # A function of the blocks alone, not a bound method: a cache holding the table would
        # make a reference cycle, and a replaced catalog would then wait for the garbage
        # collector instead of being freed at once.
        @functools.lru_cache(maxsize=DECODED_BLOCKS)
        def decoded(block: int) -> tuple[Trip, ...]:
            # The JSON was written from validated models by TripTableBuilder, so it validates
            # again.
            return tuple(_BLOCK.validate_json(zlib.decompress(blocks[block])))

        self._decoded = decoded

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Trip: ...

    @overload
    def __getitem__(self, index: slice) -> list[Trip]: ...

    def __getitem__(self, index: int | slice) -> Trip | list[Trip]:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(f"trip index {index} out of range")
        return self._decoded(index // BLOCK_SIZE)[index % BLOCK_SIZE]

    def __iter__(self) -> Iterator[Trip]:
        for block in range(len(self._blocks)):
            yield from self._decoded(block)

    @property
    def stored_bytes(self) -> int:
        return sum(len(block) for block in self._blocks)


class TripTableBuilder:
    """Builder that collects validated trips in file order and compresses them block by block."""

    def __init__(self) -> None:
        self._blocks: list[bytes] = []
        self._pending: list[bytes] = []
        self._count = 0

    def add(self, trip: Trip) -> None:
        self._pending.append(trip.model_dump_json().encode())
        self._count += 1
        if len(self._pending) == BLOCK_SIZE:
            self._flush()

    def build(self) -> TripTable:
        self._flush()
        return TripTable(self._blocks, self._count)

    def _flush(self) -> None:
        if self._pending:
            self._blocks.append(zlib.compress(b"[" + b",".join(self._pending) + b"]", 6))
            self._pending = []
