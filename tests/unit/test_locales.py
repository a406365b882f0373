"""Locale files: same keys in both languages, escaping, prices and durations."""

from __future__ import annotations

import re
from pathlib import Path

import locales

ROOT = Path(__file__).resolve().parents[2]


def test_languages_have_same_keys() -> None:
    assert locales.keys("fr") == locales.keys("en")


def test_every_key_used_in_code_exists() -> None:
    used: set[str] = set()
    for path in [*ROOT.glob("handlers/*.py"), *ROOT.glob("flows/*.py")]:
        source = path.read_text(encoding="utf-8")
        used.update(re.findall(r"locales\.(?:text|plain)\(\s*\w+,\s*\"(\w+)\"", source))
        used.update(re.findall(r"locales\.(?:text|plain)\(\s*\w+,\s*'(\w+)'", source))
    assert used, "no locale key found in the code: the pattern is out of date"
    assert used <= locales.keys("fr"), used - locales.keys("fr")


def test_values_are_escaped() -> None:
    rendered = locales.text("fr", "welcome", name="<img src=x onerror=alert(1)> & co",
                            brand="B")
    assert "<img" not in rendered
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; co" in rendered


def test_pick_language() -> None:
    assert locales.pick_language("en-GB") == "en"
    assert locales.pick_language("en") == "en"
    assert locales.pick_language("fr") == "fr"
    assert locales.pick_language("de") == "fr"
    assert locales.pick_language(None) == "fr"


def test_format_price() -> None:
    assert locales.format_price(1290, "EUR", "fr") == "1\u202f290\u00a0€"
    assert locales.format_price(1290, "EUR", "en") == "€1,290"
    assert locales.format_price(99.5, "EUR", "fr") == "99,50\u00a0€"
    assert locales.format_price(12000, "CHF", "en") == "CHF\u00a012,000"


def test_format_duration() -> None:
    assert locales.format_duration(1, "fr") == "1 jour"
    assert locales.format_duration(8, "fr") == "8 jours"
    assert locales.format_duration(8, "en") == "8 days"
