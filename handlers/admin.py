"""Admin commands /reload, /stats and /export, handled in an admin's private chat only."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

import locales
from catalog.loader import CatalogInvalid, load_catalog
from flows import exports as csv_exports
from flows import funnel
from flows.stats import MAIN_PATH, funnel_report, parse_days
from handlers import stats_view
from handlers.access import admin_command, admin_request
from handlers.common import Services
from media.funnel_chart import render_funnel_png
from store import catalog_versions
from store import exports as export_queries

logger = logging.getLogger(__name__)

# Telegram allows 4096 characters per message.
MESSAGE_BUDGET = 3800


def _chunks(header: str, lines: list[str]) -> list[str]:
    """Split a header and lines into messages that each fit Telegram's limit."""
    messages, current = [], header
    for line in lines:
        if len(current) + len(line) + 1 > MESSAGE_BUDGET:
            messages.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    messages.append(current)
    return messages


@admin_command
async def reload_catalog(update: Update, context: ContextTypes.DEFAULT_TYPE,
                         services: Services) -> None:
    """Validate the catalog file, then swap it in; a broken file changes nothing."""
    message, user, language = admin_request(update)
    holder = services.catalogs
    serving = holder.current

    try:
        # Validation opens every image: keep it off the event loop.
        catalog = await asyncio.to_thread(load_catalog, holder.path)
    except CatalogInvalid as error:
        logger.warning("catalog reload rejected user_id=%d problems=%d", user.id,
                       len(error.problems))
        header = locales.text(language, "admin_reload_failed", version=serving.version,
                              count=len(error.problems))
        lines = [f"• {html.escape(str(problem))}" for problem in error.problems]
        for text in _chunks(header, lines):
            await message.reply_text(text, parse_mode=ParseMode.HTML)
        return

    if catalog.version == serving.version:
        await message.reply_text(locales.text(language, "admin_reload_same",
                                              version=serving.version),
                                 parse_mode=ParseMode.HTML)
        return
    holder.swap(catalog)
    await catalog_versions.record_version(services.db, catalog.version, len(catalog.trips),
                                          len(catalog.data.quiz_photos), user.id)
    logger.info("catalog reloaded user_id=%d version=%s previous=%s", user.id, catalog.version,
                serving.version)
    await message.reply_text(
        locales.text(language, "admin_reload_done", version=catalog.version,
                     previous=serving.version, trips=len(catalog.trips),
                     photos=len(catalog.data.quiz_photos),
                     campaigns=len(catalog.data.campaigns)),
        parse_mode=ParseMode.HTML)


@admin_command
async def show_stats(update: Update, context: ContextTypes.DEFAULT_TYPE,
                     services: Services) -> None:
    """Send the funnel per campaign as tables, then the same funnel as a chart."""
    message, user, language = admin_request(update)
    days = parse_days(context.args or [])
    if isinstance(days, ValueError):
        await message.reply_text(locales.text(language, "admin_stats_usage"),
                                 parse_mode=ParseMode.HTML)
        return

    catalog = services.catalogs.current
    report = await funnel_report(services.db, catalog.campaigns, days)
    for text in stats_view.report_messages(report, catalog, language):
        await message.reply_text(text, parse_mode=ParseMode.HTML)

    if not report.total.count(funnel.ARRIVAL):
        return
    labels = [stats_view.stage_label(kind, language) for kind in MAIN_PATH]
    title = locales.plain(language, "stats_chart_title") if days is None else \
        locales.plain(language, "stats_chart_title_days", days=days)
    png = await asyncio.to_thread(render_funnel_png, labels,
                                  stats_view.chart_series(report, catalog, language), title,
                                  locales.plain(language, "stats_chart_people"))
    await message.reply_photo(png, caption=title)


_EXPORTS = {
    "leads": export_queries.leads,
    "subscribers": export_queries.subscribers,
    "events": export_queries.events,
}


@admin_command
async def export_csv(update: Update, context: ContextTypes.DEFAULT_TYPE,
                     services: Services) -> None:
    """Send leads, subscribers or events as a CSV document with a header row."""
    message, user, language = admin_request(update)
    kind = csv_exports.parse_export_kind(context.args or [])
    if kind is None:
        await message.reply_text(locales.text(language, "admin_export_usage"),
                                 parse_mode=ParseMode.HTML)
        return

    header, rows = await _EXPORTS[kind](services.db)
    data = await asyncio.to_thread(csv_exports.build_csv, header, rows)
    today = dtm.datetime.now(dtm.UTC).date().isoformat()
    await message.reply_document(
        data, filename=f"{kind}-{today}.csv",
        caption=locales.text(language, "admin_export_caption", kind=kind, rows=len(rows)),
        parse_mode=ParseMode.HTML)
    logger.info("export sent user_id=%d kind=%s rows=%d", user.id, kind, len(rows))
