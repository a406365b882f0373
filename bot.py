"""Entry point: read the settings, build the Application, and poll Telegram or the local sandbox."""

from __future__ import annotations

import os

# One OpenBLAS thread: its workers busy-wait between the quiz engine's small matrix products and
# took the second core from the event loop (bench/load.py measured twice the update rate).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import asyncio
import dataclasses
import logging
import sys
import threading
from typing import Any

from dotenv import load_dotenv
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ExtBot
from telegram.request import HTTPXRequest

import handlers
from catalog.holder import CatalogHolder
from catalog.loader import Catalog, CatalogInvalid, load_catalog
from flows.quiz import QuizService
from flows.results import ResultsService
from handlers.commands import publish_command_menus
from handlers.common import PersonLocks, Services
from handlers.feedback import schedule_feedback_job
from handlers.flood import FloodSafeRateLimiter
from handlers.handoff_jobs import handoff_startup
from handlers.media import MediaSender
from handlers.newsletter_admin import resume_sending
from handlers.raw_updates import shape_problem
from settings import Settings, SettingsError, configure_logging, load_settings
from store.db import Database, check_database, utc_now

logger = logging.getLogger("bot")

SANDBOX_TOKEN = "1000001:sandbox_token_for_local_use_only"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


class TolerantBot(ExtBot[Any]):
    """An ExtBot that skips updates python-telegram-bot cannot parse instead of stalling.

    PTB parses a whole getUpdates batch at once: one update with a missing required field
    (older Bot API shapes do that) raises TypeError, and the poller fetches the same batch
    forever. Each such update is replaced by a bare Update with the same update_id, which no
    handler matches, so the offset still moves past it. Updates that parse but lack fields
    every handler relies on (a message without its chat, say) are replaced the same way.
    """

    async def _post(self, endpoint: str, data: Any = None, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, data, **kwargs)
        if endpoint != "getUpdates" or not isinstance(result, list):
            return result
        cleaned = []
        for raw in result:
            try:
                Update.de_json(raw, self)
                problem = shape_problem(raw)
            except Exception as error:  # noqa: BLE001 - any parse failure must be skipped
                problem = type(error).__name__
            if problem is None:
                cleaned.append(raw)
                continue
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            logger.warning("unparseable update skipped update_id=%s error=%s", update_id,
                           problem)
            if isinstance(update_id, int):
                cleaned.append({"update_id": update_id})
        return cleaned


def file_base_url(base_url: str) -> str:
    if base_url.endswith("/bot"):
        return base_url[: -len("bot")] + "file/bot"
    return base_url.rstrip("/") + "/file/bot"


def build_application(settings: Settings, catalog: Catalog,
                      token: str | None = None) -> Application:  # type: ignore[type-arg]
    """Build the Application the bot runs in production, in the sandbox and in tests."""
    bot = TolerantBot(
        token or settings.token or SANDBOX_TOKEN,
        base_url=settings.base_url,
        base_file_url=file_base_url(settings.base_url),
        request=HTTPXRequest(connection_pool_size=64, read_timeout=10, write_timeout=20,
                             connect_timeout=5, media_write_timeout=30),
        get_updates_request=HTTPXRequest(read_timeout=10),
        # Paces new messages overall, per private chat and per group, and waits out a 429
        # instead of dropping the message (handlers/flood.py explains why not AIORateLimiter).
        rate_limiter=FloodSafeRateLimiter(),
    )
    holder = CatalogHolder(catalog, settings.catalog_path)

    async def post_init(application: Application) -> None:  # type: ignore[type-arg]
        db = await Database.open(settings.database_path)
        await db.execute(
            "INSERT OR IGNORE INTO catalog_versions (version, trips, photos, loaded_at) "
            "VALUES (?, ?, ?, ?)",
            (catalog.version, len(catalog.trips), len(catalog.data.quiz_photos),
             utc_now()))
        quizzes = QuizService(db, holder)
        application.bot_data["services"] = Services(
            settings=settings, db=db, catalogs=holder, quizzes=quizzes,
            results=ResultsService(quizzes), media=MediaSender(db), locks=PersonLocks(),
            bot_username=application.bot.username or "",
        )
        await publish_command_menus(application.bot, settings)
        # Jobs start with the Application: a newsletter cut off by a restart carries on, and
        # people whose trip is over are asked how it went.
        await resume_sending(application)
        schedule_feedback_job(application)
        # Checks the bot's rights in the agents' group and starts the reminder and retry job.
        await handoff_startup(application)
        logger.info("bot started bot_id=%d username=%s catalog=%s database=%s",
                    application.bot.id, application.bot.username, catalog.version,
                    settings.database_path)

    async def post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
        services: Services | None = application.bot_data.get("services")
        if services is not None:
            await services.db.close()
        logger.info("bot stopped")

    application = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(64)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    handlers.register(application)
    return application


def start_sandbox(settings: Settings, campaigns: list[str]) -> Settings:
    """Start the local Bot API stand-in and its demo cast in a background thread.

    Return the settings to run the bot with: the stand-in's address, plus the demo advisors'
    group and admin unless AGENT_CHAT_ID or ADMIN_IDS are set. The page offers the campaign
    codes as links to arrive through.
    """
    from sandbox.demo import prepare_demo
    from sandbox.server import start_server

    port = settings.sandbox_port
    ready = threading.Event()
    outcome: dict[str, Any] = {}

    def serve() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            server = loop.run_until_complete(start_server("127.0.0.1", port))
        except OSError as error:
            outcome["error"] = error
            loop.close()
            ready.set()
            return
        outcome["url"] = server.url
        # The demo is prepared on the stand-in's own thread, before the bot's first call.
        outcome["roles"] = prepare_demo(server, settings.agent_chat_id, settings.admin_ids,
                                        campaigns)
        ready.set()
        loop.run_forever()

    threading.Thread(target=serve, name="sandbox", daemon=True).start()
    if not ready.wait(15):
        raise OSError(f"the sandbox did not start within 15 s on 127.0.0.1:{port}")
    if "error" in outcome:
        raise outcome["error"]
    roles = outcome["roles"]
    return dataclasses.replace(settings, base_url=f"{outcome['url']}/bot",
                               agent_chat_id=roles.agent_chat_id,
                               admin_ids=frozenset(roles.admin_ids))


def main() -> int:
    load_dotenv()
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"Invalid setting: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)

    try:
        catalog = load_catalog(settings.catalog_path)
    except CatalogInvalid as error:
        print(f"Invalid catalog {error.source}:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2

    problem = check_database(settings.database_path)
    if problem is not None:
        print(f"Invalid setting: DATABASE_PATH: {problem}", file=sys.stderr)
        return 2

    if settings.sandbox:
        try:
            campaigns = [campaign.code for campaign in catalog.data.campaigns]
            settings = start_sandbox(settings, campaigns)
        except OSError as error:
            print(f"Invalid setting: SANDBOX_PORT: cannot listen on 127.0.0.1:"
                  f"{settings.sandbox_port} ({error.strerror})", file=sys.stderr)
            return 2
        url = settings.base_url.removesuffix("/bot")
        print(f"Sandbox ready: open {url}/ in a browser to chat with the bot as a person and "
              f"as its advisors (no Telegram token needed; database {settings.database_path}).",
              flush=True)

    application = build_application(settings, catalog)
    logger.info("polling base=%s", settings.base_url.split("/bot")[0])
    application.run_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
