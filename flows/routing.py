"""Route a free-text message to a conversation path, in French or English."""

from __future__ import annotations

import enum
import json
import re
import unicodedata
from pathlib import Path

_KEYWORDS_PATH = Path(__file__).resolve().parent.parent / "locales" / "intents.json"


class Intent(enum.Enum):
    QUIZ = "quiz"
    ADVISOR = "advisor"
    IDEAS = "ideas"
    NEWSLETTER = "newsletter"
    UNCLEAR = "unclear"


def normalise_text(message: str) -> str:
    """Lower-case, strip accents and unify apostrophes so that "Rêve" matches "reve"."""
    decomposed = unicodedata.normalize("NFKD", message.lower())
    without_accents = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"\s+", " ", without_accents.replace("’", "'").replace("`", "'")).strip()


def _load_keywords() -> dict[Intent, tuple[str, ...]]:
    raw = json.loads(_KEYWORDS_PATH.read_text(encoding="utf-8"))
    return {Intent(name): tuple(normalise_text(word) for word in words)
            for name, words in raw.items()}


_KEYWORDS = _load_keywords()
# A person asking for a human wins over travel words ("parler à quelqu'un de mon voyage").
_PRIORITY = (Intent.ADVISOR, Intent.NEWSLETTER, Intent.IDEAS, Intent.QUIZ)
_BUDGET = re.compile(
    r"(?:budget|moins de|max(?:imum)?|under|below|less than|up to|jusqu'a)\s*(?:de\s*)?"
    r"[€$£]?\s*(\d+(?:[ \u202f\u00a0.]\d{3})*(?:,\d+|\.\d{1,2}(?!\d))?)\s*(k)?"
)


def _contains(text: str, keyword: str) -> bool:
    # Short keywords must match whole words, plural allowed ("mer" is not in "merci", "sun" is
    # not in "sunday", but "idee" is in "idees").
    if len(keyword) <= 4:
        pattern = rf"(?<![a-z]){re.escape(keyword)}(?:s|x|es)?(?![a-z])"
        return re.search(pattern, text) is not None
    return keyword in text


def route_text(message: str) -> Intent:
    """Pick the path a free-text message asks for; UNCLEAR when no keyword matches."""
    text = normalise_text(message)
    if not text:
        return Intent.UNCLEAR
    for intent in _PRIORITY:
        if any(_contains(text, keyword) for keyword in _KEYWORDS[intent]):
            return intent
    # A budget alone ("budget 1500 euros") is a request for trips.
    if extract_budget(message) is not None:
        return Intent.QUIZ
    return Intent.UNCLEAR


def extract_budget(message: str) -> float | None:
    """Read a maximum budget such as "budget 2000€" or "under 1.5k"; None when absent."""
    match = _BUDGET.search(normalise_text(message))
    if match is None:
        return None
    number = re.sub(r"[ \u202f\u00a0]", "", match.group(1)).replace(",", ".")
    if re.fullmatch(r"\d+(\.\d{3})+", number):
        number = number.replace(".", "")
    amount = float(number) * (1000 if match.group(2) else 1)
    if not 100 <= amount <= 1_000_000:
        return None
    return amount
