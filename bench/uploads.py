"""Upload benchmark: bytes uploaded when the bot shows every quiz pair and trip card 3 times.

Run from the project root: python -m bench.uploads [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bench.harness import BENCH_TOKEN, CATALOG_PATH, machine_summary
from catalog.loader import Catalog, load_catalog
from flows.quiz_engine import candidate_pairs
from handlers.media import MediaSender
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer, start_server
from store.db import Database

CHAT_ID = 620_001
SMOKE_PHOTOS = 5
SMOKE_TRIPS = 4
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("❤️", callback_data="bench")]])


def quiz_pairs(catalog: Catalog, photo_limit: int | None) -> list[tuple[Path, Path]]:
    """Return the image paths of every ordered pair the quiz may show, left first.

    These are the pairs of photos at least NEAR_IDENTICAL apart (flows/quiz_engine.py), each
    in both orders because the quiz draws which photo goes left.
    """
    photos = catalog.photo_matrix[:photo_limit]
    left, right = candidate_pairs(photos, set())
    records = catalog.data.quiz_photos
    pairs = []
    for first, second in zip(left.tolist(), right.tolist()):
        for a, b in ((first, second), (second, first)):
            pairs.append((catalog.image_path(records[a].image),
                          catalog.image_path(records[b].image)))
    return pairs


def card_images(catalog: Catalog, trip_limit: int | None) -> list[Path]:
    return [catalog.image_path(trip.image) for trip in catalog.trips[:trip_limit]]


async def one_pass(bot: Bot, media: MediaSender, server: SandboxServer,
                   pairs: list[tuple[Path, Path]], cards: list[Path]) -> tuple[int, int, float]:
    """Show every pair and card once; return bytes uploaded, calls with an upload, seconds.

    The calls go through the bot's MediaSender as the quiz makes them: one photo message for
    the first pair, edited to each following pair, then one photo message per trip card.
    """
    before = len(server.state.calls.records)
    started = time.perf_counter()

    first_left, first_right = pairs[0]
    message = await media.send_pair(bot, CHAT_ID, first_left, first_right, "pair 1", KEYBOARD)
    for number, (left, right) in enumerate(pairs[1:], start=2):
        await media.edit_pair(bot, CHAT_ID, message.message_id, left, right, f"pair {number}",
                              KEYBOARD)
    for number, path in enumerate(cards, start=1):
        await media.send_photo(bot, CHAT_ID, path, f"trip card {number}", None)

    seconds = time.perf_counter() - started
    calls = server.state.calls.records[before:]
    failed = [call for call in calls if not call.ok]
    if failed:
        raise RuntimeError(f"{len(failed)} Bot API calls failed, first: {failed[0].method} "
                           f"{failed[0].description}")
    return (sum(call.uploaded_bytes for call in calls),
            sum(1 for call in calls if call.uploaded_bytes), seconds)


async def run(smoke: bool, workdir: Path) -> None:
    catalog = load_catalog(CATALOG_PATH)
    pairs = quiz_pairs(catalog, SMOKE_PHOTOS if smoke else None)
    cards = card_images(catalog, SMOKE_TRIPS if smoke else None)
    print(f"catalog: {len(pairs)} ordered quiz pairs, {len(cards)} trip cards "
          f"({len(set(cards))} distinct images)")

    server = await start_server("127.0.0.1", 0)
    results = []
    try:
        async with Bot(BENCH_TOKEN, base_url=server.bot_api_url,
                       base_file_url=server.file_url) as bot, \
                SandboxClient(server.url, bot_id=bot.id) as client:
            # The stand-in rejects sends with 403 to a person who never wrote to the bot.
            await client.add_user(CHAT_ID, "Uploads")
            await client.send_text(CHAT_ID, "/start")

            # Pass 2 reuses pass 1's MediaSender; pass 3 opens the database again with a new
            # one, as a restarted bot would.
            database_path = workdir / "uploads.sqlite3"
            database = await Database.open(database_path)
            media = MediaSender(database)
            for label in ("pass 1, empty file_id cache", "pass 2, same MediaSender"):
                results.append((label, *await one_pass(bot, media, server, pairs, cards)))
            await database.close()

            database = await Database.open(database_path)
            results.append(("pass 3, after a restart",
                            *await one_pass(bot, MediaSender(database), server, pairs, cards)))
            await database.close()
    finally:
        await server.close()

    print(f"{'pass':<30} {'bytes uploaded':>15} {'uploads':>8} {'seconds':>8}")
    for label, uploaded, uploads, seconds in results:
        print(f"{label:<30} {uploaded:>15,} {uploads:>8} {seconds:>8.1f}")
    later = sum(uploaded for _, uploaded, _, _ in results[1:])
    print(f"bytes uploaded after pass 1: {later:,} (goal 0): {'met' if later == 0 else 'missed'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help=f"the first {SMOKE_PHOTOS} quiz photos and {SMOKE_TRIPS} trips")
    arguments = parser.parse_args()
    print(machine_summary())
    with tempfile.TemporaryDirectory(prefix="bench-uploads-") as folder:
        asyncio.run(run(arguments.smoke, Path(folder)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
