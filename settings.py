"""Settings read once from the environment (and a .env file), each checked before start-up."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path

# Bot API tokens look like "123456789:AA..." (digits, a colon, then the URL-safe secret, whose
# length this check bounds loosely at 20 characters or more).
TOKEN_PATTERN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(Exception):
    """Raised with one line naming the variable whose value cannot be used."""


@dataclasses.dataclass(frozen=True)
class Settings:
    token: str | None
    base_url: str
    database_path: Path
    catalog_path: Path
    agent_chat_id: int | None
    admin_ids: frozenset[int]
    log_level: str
    sandbox_port: int
    handoff_reminder_minutes: float
    advisor_hours: str

    @property
    def sandbox(self) -> bool:
        """True when no token is set: the bot then runs against the local Bot API stand-in."""
        return self.token is None

    def __repr__(self) -> str:
        # The token must never reach a log line or a traceback.
        return f"Settings(sandbox={self.sandbox}, base_url={self.base_url!r}, " \
               f"database_path={str(self.database_path)!r}, admins={len(self.admin_ids)})"


def _shown(value: str) -> str:
    """Quote a bad value for an error line, cut so that one line stays one short line."""
    return repr(value if len(value) <= 40 else value[:40] + "…")


def _integer(environ: Mapping[str, str], name: str, default: int | None,
             low: int | None = None, high: int | None = None) -> int | None:
    value = environ.get(name, "").strip()
    if not value:
        return default
    if not re.fullmatch(r"-?[0-9]{1,20}", value):
        raise SettingsError(f"{name}: expected an integer, got {_shown(value)}")
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise SettingsError(f"{name}: {number} is out of range {low}..{high}")
    return number


def _admin_ids(environ: Mapping[str, str]) -> frozenset[int]:
    value = environ.get("ADMIN_IDS", "").strip()
    ids = set()
    for part in filter(None, (piece.strip() for piece in value.split(","))):
        if not re.fullmatch(r"[0-9]{1,16}", part) or int(part) <= 0:
            raise SettingsError(f"ADMIN_IDS: {_shown(part)} is not a Telegram user id "
                                "(expected positive integers separated by commas)")
        ids.add(int(part))
    return frozenset(ids)


def _base_url(environ: Mapping[str, str]) -> str:
    value = environ.get("TELEGRAM_BASE_URL", "").strip() or DEFAULT_BASE_URL
    if not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
        raise SettingsError(f"TELEGRAM_BASE_URL: {_shown(value)} is not an http(s) URL")
    return value


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check every setting; raise SettingsError naming the first bad variable."""
    environ = os.environ if environ is None else environ

    token = environ.get("TELEGRAM_BOT_TOKEN", "").strip() or None
    if token is not None and not TOKEN_PATTERN.match(token):
        raise SettingsError("TELEGRAM_BOT_TOKEN: not a bot token (expected digits, a colon and "
                            "the secret, as given by @BotFather)")

    log_level = environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if log_level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL: {_shown(log_level)} is not one of "
                            f"{', '.join(LOG_LEVELS)}")

    # Telegram chat ids fit in 52 bits.
    agent_chat_id = _integer(environ, "AGENT_CHAT_ID", None, -(2**52), 2**52)
    if agent_chat_id is not None and agent_chat_id >= 0:
        raise SettingsError(f"AGENT_CHAT_ID: {agent_chat_id} is not a group id "
                            "(group ids are negative)")

    catalog_path = Path(environ.get("CATALOG_PATH", "").strip() or "catalog.json")
    if not catalog_path.is_file():
        raise SettingsError(f"CATALOG_PATH: file {str(catalog_path)!r} not found")

    # The sandbox keeps its demo conversations apart from a real bot's data.
    default_database = "data/salesbot.sqlite3" if token else "data/sandbox.sqlite3"
    database_path = Path(environ.get("DATABASE_PATH", "").strip() or default_database)
    if database_path.exists() and database_path.is_dir():
        raise SettingsError(f"DATABASE_PATH: {str(database_path)!r} is a folder, expected a file")

    reminder = environ.get("HANDOFF_REMINDER_MINUTES", "").strip() or "10"
    try:
        reminder_minutes = float(reminder)
    except ValueError:
        raise SettingsError(f"HANDOFF_REMINDER_MINUTES: expected minutes, got {_shown(reminder)}") \
            from None
    if not 0 < reminder_minutes <= 24 * 60:
        raise SettingsError(f"HANDOFF_REMINDER_MINUTES: {reminder_minutes} is out of range "
                            "(0, 1440]")

    return Settings(
        token=token,
        base_url=_base_url(environ),
        database_path=database_path,
        catalog_path=catalog_path,
        agent_chat_id=agent_chat_id,
        admin_ids=_admin_ids(environ),
        log_level=log_level,
        sandbox_port=_integer(environ, "SANDBOX_PORT", 8080, 1, 65535) or 8080,
        handoff_reminder_minutes=reminder_minutes,
        advisor_hours=environ.get("ADVISOR_HOURS", "").strip()[:200],
    )


def configure_logging(level: str) -> None:
    """Set up the standard logging module; keep the loggers that would leak secrets quiet."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # APScheduler logs every run of every job at INFO.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # aiosqlite logs SQL parameters (people's data) at DEBUG.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    # PTB logs the API URL with the token at DEBUG.
    logging.getLogger("telegram.Bot").setLevel(max(logging.INFO, logging.getLevelName(level)))
    logging.getLogger("telegram.ext.ExtBot").setLevel(
        max(logging.INFO, logging.getLevelName(level)))
