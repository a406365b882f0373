"""Turn a funnel report into /stats messages: one monospaced table per campaign, and chart data."""

from __future__ import annotations

import html
import math

import locales
from catalog.loader import Catalog
from flows import funnel
from flows.stats import MAIN_PATH, STAGES, CampaignFunnel, FunnelReport

# Telegram allows 4096 characters per message; a little margin keeps the HTML tags in.
MESSAGE_BUDGET = 3800
# Chart series: the total, then the campaigns with the most arrivals.
CHART_CAMPAIGNS = 5
# Starts the line of notes under a stage (skipped steps, rating).
NOTE_PREFIX = "  ↳ "

_STAGE_KEYS = {
    funnel.ARRIVAL: "stats_arrivals",
    funnel.QUIZ_FINISHED: "stats_quiz_finished",
    funnel.CART: "stats_carts",
    funnel.HANDOFF: "stats_handoffs",
    funnel.WON: "stats_won",
    funnel.EXPERIENCE: "stats_experienced",
    funnel.SUBSCRIBED: "stats_subscribed",
}


def stage_label(kind: str, language: str) -> str:
    return locales.plain(language, _STAGE_KEYS[kind])


def _decimal(number: str, language: str) -> str:
    """Write a number formatted by Python ("1,234.5") the way the language writes it."""
    if language == "fr":
        return number.replace(",", "\u202f").replace(".", ",")
    return number


def percent(value: float, language: str) -> str:
    """Format a ratio as a percentage with two significant digits below 1 %."""
    share = value * 100
    size = abs(share)
    if size == 0 or size >= 10:
        number = f"{share:,.0f}"
    elif size >= 1:
        number = f"{share:.1f}"
    else:
        # 0.0047 % rather than 0.0 %: activation rates of large audiences are that small.
        digits = 1 - math.floor(math.log10(size))
        number = f"{share:.{digits}f}"
    return locales.plain(language, "stats_percent", value=_decimal(number, language))


def money(amount: float, currency: str | None, language: str) -> str:
    if currency:
        return locales.format_price(amount, currency, language)
    return _decimal(f"{amount:,.0f}", language)


def campaign_name(code: str | None, catalog: Catalog, language: str) -> str:
    if code is None:
        return locales.plain(language, "stats_no_campaign")
    campaign = catalog.campaigns.get(code)
    return f"{campaign.label.get(language)} ({code})" if campaign else code


def _stage_lines(row: CampaignFunnel, language: str) -> list[tuple[str, str, str]]:
    """Return one line per stage, then a line of notes under a stage that has some."""
    lines = []
    for kind in STAGES:
        conversion = row.conversion(kind)
        lines.append((stage_label(kind, language), str(row.count(kind)),
                      percent(conversion, language) if conversion is not None else ""))
        notes = []
        if row.skipped.get(kind):
            notes.append(locales.plain(language, "stats_skipped", count=row.skipped[kind]))
        if kind == funnel.WON and row.won_without_newsletter:
            notes.append(locales.plain(language, "stats_won_without_newsletter",
                                       count=row.won_without_newsletter))
        if kind == funnel.EXPERIENCE and row.average_rating is not None:
            rating = f"{row.average_rating:.1f}"
            notes.append(locales.plain(language, "stats_rating",
                                       rating=_decimal(rating, language)))
        if notes:
            lines.append((NOTE_PREFIX + locales.plain(language, "list_separator").join(notes),
                          "", ""))
    return lines


def _money_lines(row: CampaignFunnel, language: str) -> list[tuple[str, str, str]]:
    lines = []
    if row.activation_rate is not None and row.reached:
        lines.append((locales.plain(language, "stats_activation"),
                      percent(row.activation_rate, language),
                      locales.plain(language, "stats_reached",
                                    reached=_decimal(f"{row.reached:,}", language))))
    total = row.revenue_total
    if total is None:
        revenue = locales.plain(language, "stats_mixed_currencies")
    else:
        revenue = money(total, row.revenue_currency, language)
    lines.append((locales.plain(language, "stats_revenue"), revenue, ""))
    if row.spend is not None:
        lines.append((locales.plain(language, "stats_spend"),
                      money(row.spend, row.spend_currency, language), ""))
        roi = row.roi
        lines.append((locales.plain(language, "stats_roi"),
                      percent(roi, language) if roi is not None else "—", ""))
    return lines


def campaign_block(row: CampaignFunnel, title: str, language: str) -> str:
    """Format a bold title and a <pre> table: label, count or amount, conversion and notes."""
    lines = _stage_lines(row, language) + _money_lines(row, language)
    rows = [(label, value, note) for label, value, note in lines if value]
    width = max(len(label) for label, _, _ in rows)
    value_width = max(len(value) for _, value, _ in rows)
    table = "\n".join(
        f"{label.ljust(width)}  {value.rjust(value_width)}  {note}".rstrip() if value else label
        for label, value, note in lines)
    return f"<b>{html.escape(title, quote=False)}</b>\n<pre>{html.escape(table, quote=False)}</pre>"


def report_messages(report: FunnelReport, catalog: Catalog, language: str) -> list[str]:
    """Split the report into HTML messages, each within Telegram's length limit."""
    if report.days is None:
        header = locales.text(language, "stats_title_all")
    else:
        header = locales.text(language, "stats_title_days", days=report.days)
    if not any(report.total.people.values()):
        return [f"{header}\n\n{locales.text(language, 'stats_empty')}"]

    blocks = [str(header),
              campaign_block(report.total, locales.plain(language, "stats_total"), language)]
    blocks += [campaign_block(row, campaign_name(row.campaign, catalog, language), language)
               for row in report.campaigns]
    if report.declared_sources:
        lines: list[str] = [locales.text(language, "stats_declared_header")]
        for source, count in report.declared_sources:
            name = locales.plain(language, "src_other") if source == "other" \
                else campaign_name(source, catalog, language)
            lines.append(f"• {html.escape(name, quote=False)} : {count}" if language == "fr"
                         else f"• {html.escape(name, quote=False)}: {count}")
        blocks.append("\n".join(lines))

    messages: list[str] = []
    current = ""
    for block in blocks:
        if current and len(current) + len(block) + 2 > MESSAGE_BUDGET:
            messages.append(current)
            current = ""
        current = f"{current}\n\n{block}" if current else block
    messages.append(current)
    return messages


def chart_series(report: FunnelReport, catalog: Catalog,
                 language: str) -> list[tuple[str, list[int]]]:
    """Return the total and the busiest campaigns with their people at each main-path stage."""
    busiest = sorted((row for row in report.campaigns if row.count(funnel.ARRIVAL)),
                     key=lambda row: row.count(funnel.ARRIVAL), reverse=True)
    series = [(locales.plain(language, "stats_total"),
               [report.total.count(kind) for kind in MAIN_PATH])]
    for row in busiest[:CHART_CAMPAIGNS]:
        name = row.campaign or locales.plain(language, "stats_no_campaign")
        series.append((name, [row.count(kind) for kind in MAIN_PATH]))
    return series
