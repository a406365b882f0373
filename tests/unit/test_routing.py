"""Free-text routing and budget extraction, in French and English."""

from __future__ import annotations

import pytest

from flows.routing import Intent, extract_budget, route_text


@pytest.mark.parametrize(("message", "intent"), [
    ("je rêve de plage", Intent.QUIZ),
    ("tropical trip", Intent.QUIZ),
    ("Somewhere warm please", Intent.QUIZ),
    ("parler à quelqu'un", Intent.ADVISOR),
    ("PARLER À QUELQU’UN", Intent.ADVISOR),
    ("I want to talk to a human about my trip", Intent.ADVISOR),
    ("je veux m'inscrire à la newsletter", Intent.NEWSLETTER),
    ("des idées ?", Intent.IDEAS),
    ("merci", Intent.UNCLEAR),
    ("sunday", Intent.UNCLEAR),
    ("", Intent.UNCLEAR),
    ("   ", Intent.UNCLEAR),
    ("🌴🌴", Intent.UNCLEAR),
    ("budget 1500 euros", Intent.QUIZ),
])
def test_route_text(message: str, intent: Intent) -> None:
    assert route_text(message) is intent


@pytest.mark.parametrize(("message", "budget"), [
    ("budget 2000€", 2000.0),
    ("moins de 1 500 euros", 1500.0),
    ("moins de 3.000 €", 3000.0),
    ("under 1.5k", 1500.0),
    ("max 2500$", 2500.0),
    ("budget 12", None),
    ("une plage au soleil", None),
    ("budget 99999999999", None),
])
def test_extract_budget(message: str, budget: float | None) -> None:
    assert extract_budget(message) == budget
