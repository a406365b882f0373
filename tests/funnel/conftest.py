"""Fixtures for the funnel tests: a bare database, an editable catalog copy, an admin."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from catalog.loader import Catalog, load_catalog
from store import people
from store.db import Database
from tests.conftest import CATALOG_PATH, Person, RunningBot, make_settings

ADMIN_ID = 900


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "funnel.sqlite3")
    yield database
    await database.close()


async def add_person(db: Database, user_id: int, campaign: str | None = None,
                     first_name: str = "Test", username: str | None = None,
                     language: str = "fr") -> None:
    """Store a person as /start would, with a first-touch campaign when given."""
    await people.upsert_person(db, user_id, first_name, username, language)
    if campaign is not None:
        await people.set_first_campaign(db, user_id, campaign)


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    """A copy of the demo catalog and its images that a test may break and reload."""
    folder = tmp_path / "catalog"
    folder.mkdir()
    shutil.copy(CATALOG_PATH, folder / CATALOG_PATH.name)
    shutil.copytree(CATALOG_PATH.parent / "images", folder / "images")
    return folder / CATALOG_PATH.name


@pytest.fixture
async def reloadable_bot(sandbox: Any, tmp_path: Path, catalog_copy: Path,
                         demo_catalog: Catalog) -> AsyncIterator[RunningBot]:
    """The real Application serving the catalog copy, so /reload reads a file the test edits."""
    settings = make_settings(f"{sandbox.url}/bot", tmp_path / "bot.sqlite3",
                             catalog_path=catalog_copy)
    bot = RunningBot(settings, load_catalog(catalog_copy))
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
async def admin(make_person: Any) -> Person:
    person: Person = await make_person(ADMIN_ID, "Ada")
    return person


def replace_settings(bot: RunningBot, **changes: Any) -> None:
    bot.settings = dataclasses.replace(bot.settings, **changes)


async def ask(person: Person, text: str, predicate: Any = None) -> dict[str, Any]:
    """Send a message and return the first bot message after it that matches the predicate."""
    sent = await person.send(text)
    return await person.wait_for_bot_message(predicate or (lambda message: True), after=sent)


def contains(fragment: str) -> Any:
    return lambda message: fragment in str(message.get("text") or message.get("caption") or "")
