"""User-facing texts in French and English, read from the JSON files beside this module."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

_FOLDER = Path(__file__).resolve().parent


def _load(language: str) -> dict[str, str]:
    """Merge <language>.json with the per-area files in the <language>/ folder."""
    paths = [_FOLDER / f"{language}.json", *sorted((_FOLDER / language).glob("*.json"))]
    texts: dict[str, str] = {}
    for path in paths:
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            if key in texts:
                raise ValueError(f"locale key {key!r} is defined twice ({path.name})")
            texts[key] = value
    return texts


_TEXTS: dict[str, dict[str, str]] = {language: _load(language) for language in LANGUAGES}


class Markup(str):
    """A value that is already valid Telegram HTML and must not be escaped again."""


def pick_language(language_code: str | None) -> str:
    """Return "en" for people whose Telegram language starts with "en", else French."""
    if language_code and language_code.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def _escape(value: Any) -> str:
    if isinstance(value, Markup):
        return str(value)
    return html.escape(str(value), quote=True)


def text(language: str, key: str, **values: Any) -> Markup:
    """Return the text for a key with its values escaped for Telegram's HTML parse mode.

    A key missing from English falls back to French; a key missing from both raises KeyError,
    which the tests catch for every key the code uses.
    """
    template = _TEXTS.get(language, {}).get(key) or _TEXTS[DEFAULT_LANGUAGE][key]
    return Markup(template.format(**{name: _escape(value) for name, value in values.items()}))


def plain(language: str, key: str, **values: Any) -> str:
    """Return a text without HTML escaping, for button labels and callback answers."""
    template = _TEXTS.get(language, {}).get(key) or _TEXTS[DEFAULT_LANGUAGE][key]
    return template.format(**values)


def keys(language: str) -> set[str]:
    return set(_TEXTS[language])


_CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF", "CAD": "CA$"}


def format_price(amount: float, currency: str, language: str) -> str:
    """Format a price the way each language writes it: "1 290 €" in French, "€1,290" in English."""
    symbol = _CURRENCY_SYMBOLS.get(currency, currency)
    whole = round(amount) == amount or amount >= 1000
    number = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    if language == "fr":
        # French groups thousands with a narrow no-break space and uses a decimal comma.
        number = number.replace(",", "\u202f").replace(".", ",")
        return f"{number}\u00a0{symbol}"
    if len(symbol) > 1 and symbol.isalpha():
        return f"{symbol}\u00a0{number}"
    return f"{symbol}{number}"


def format_duration(days: int, language: str) -> str:
    if days == 1:
        return plain(language, "duration_one_day")
    return plain(language, "duration_days", days=days)
