"""The catalog in service, swapped atomically on reload; older versions stay for quizzes in progress."""

from __future__ import annotations

import logging
from pathlib import Path

from catalog.loader import Catalog, load_catalog, return_freed_memory

logger = logging.getLogger(__name__)


class CatalogHolder:
    """Serves the current catalog and keeps the versions that running quizzes started on."""

    # Each version holds its matrices in memory; older ones beyond this count are dropped and
    # their quizzes continue on the current version by photo and trip id.
    MAX_VERSIONS = 4

    def __init__(self, catalog: Catalog, path: Path) -> None:
        self.path = path
        self._current = catalog
        self._versions: dict[str, Catalog] = {catalog.version: catalog}

    @property
    def current(self) -> Catalog:
        return self._current

    def version(self, version: str) -> Catalog:
        """Return the catalog a quiz started on, or the current one if it is no longer kept."""
        return self._versions.get(version, self._current)

    def swap(self, catalog: Catalog) -> None:
        """Serve a validated catalog from now on; one assignment, so readers never see a mix."""
        self._versions[catalog.version] = catalog
        while len(self._versions) > self.MAX_VERSIONS:
            oldest = next(iter(self._versions))
            if oldest == catalog.version:
                break
            del self._versions[oldest]
        self._current = catalog
        # The catalog replaced or dropped here may have been the last reference to a lot of memory.
        return_freed_memory()
        logger.info("catalog swapped version=%s trips=%d", catalog.version,
                    len(catalog.trips))

    def reload(self) -> Catalog:
        """Validate the catalog file and swap it in, or raise CatalogInvalid and keep serving."""
        catalog = load_catalog(self.path)
        self.swap(catalog)
        return catalog
