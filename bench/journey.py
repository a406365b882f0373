"""Simulated people who go from /start through the photo quiz to the cart, pressing by label."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Callable
from typing import Any

import locales
from bench.harness import ChatWatcher, SentUpdate
from sandbox.client import SandboxClient

LANGUAGE = "fr"
CAMPAIGN = "soleil"
# Locale keys of the quiz buttons a person presses, with their probabilities.
CHOICE_WEIGHTS = {"quiz_like_left": 0.4, "quiz_like_right": 0.4, "quiz_neither": 0.2}


def label(key: str) -> str:
    return locales.plain(LANGUAGE, key)


def labels_of(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


# Takes a chat's bot messages, oldest first, and returns what it looks for, or None.
Finder = Callable[[list[dict[str, Any]]], Any]


def with_button(text: str, after: int = 0) -> Finder:
    """Return a finder for the newest bot message after message id `after` with that button."""
    def found(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
        matching = [m for m in messages if m["message_id"] > after and text in labels_of(m)]
        return matching[-1] if matching else None

    return found


@dataclasses.dataclass
class Journey:
    """One person's path from /start to the cart; each update they cause goes into `sent`."""

    client: SandboxClient
    watcher: ChatWatcher
    user_id: int
    rng: random.Random
    sent: list[SentUpdate]
    # Seconds a person waits before each action, drawn uniformly. (0, 0) means no pause.
    think_seconds: tuple[float, float] = (0.0, 0.0)

    async def _pause(self) -> None:
        low, high = self.think_seconds
        if high > 0:
            await asyncio.sleep(self.rng.uniform(low, high))

    async def send_text(self, text: str, step: str) -> None:
        await self._pause()
        result = await self.client.send_text(self.user_id, text)
        self.sent.append(SentUpdate(result["update_id"], self.user_id, step))

    async def press(self, message: dict[str, Any], text: str, step: str) -> None:
        await self._pause()
        result = await self.client.press(self.user_id, self.user_id, message["message_id"], text)
        self.sent.append(SentUpdate(result["update_id"], self.user_id, step,
                                    result["callback_query_id"]))

    async def wait(self, finder: Finder) -> Any:
        return await self.watcher.wait(self.user_id, finder)

    async def register(self) -> None:
        await self.client.add_user(self.user_id, f"Person{self.user_id}",
                                   language_code=LANGUAGE)

    async def arrive(self) -> dict[str, Any]:
        """Send /start with the campaign and return the welcome message."""
        await self.send_text(f"/start {CAMPAIGN}", "start")
        return await self.wait(with_button(label("button_trip")))

    async def take_quiz(self, welcome: dict[str, Any]) -> dict[str, Any]:
        """Answer photo pairs until the appetence question; return that message."""
        await self.press(welcome, label("button_trip"), "menu")
        quiz = await self.wait(with_button(label("quiz_like_left"), welcome["message_id"]))
        quiz_id = quiz["message_id"]
        keys = list(CHOICE_WEIGHTS)
        weights = list(CHOICE_WEIGHTS.values())
        while True:
            caption = quiz.get("caption")
            await self.press(quiz, label(self.rng.choices(keys, weights)[0]), "answer")

            def moved(messages: list[dict[str, Any]]) -> tuple[str, dict[str, Any]] | None:
                appetence = with_button(label("appetence_yes"), quiz_id)(messages)
                if appetence is not None:
                    return "done", appetence
                current = next(m for m in messages if m["message_id"] == quiz_id)
                if current.get("caption") != caption and labels_of(current):
                    return "next", current
                return None

            outcome, quiz_or_appetence = await self.wait(moved)
            if outcome == "done":
                return quiz_or_appetence
            quiz = quiz_or_appetence

    async def fill_cart(self, appetence: dict[str, Any]) -> dict[str, Any]:
        """Ask for the trips, put the first of the three cards in the cart; return the summary."""
        await self.press(appetence, label("appetence_yes"), "trips")
        add = label("button_add_to_cart")

        def three_cards(messages: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
            cards = [m for m in messages
                     if m["message_id"] > appetence["message_id"] and add in labels_of(m)]
            return cards if len(cards) >= 3 else None

        cards = await self.wait(three_cards)
        await self.press(cards[0], add, "cart")
        return await self.wait(with_button(label("button_finish_with_advisor"),
                                           cards[-1]["message_id"]))

    async def run(self) -> None:
        welcome = await self.arrive()
        appetence = await self.take_quiz(welcome)
        await self.fill_cart(appetence)


@dataclasses.dataclass
class EchoJourney:
    """A person who sends `count` texts to the echo bot, each after the previous echo."""

    client: SandboxClient
    watcher: ChatWatcher
    user_id: int
    count: int
    sent: list[SentUpdate]

    async def register(self) -> None:
        await self.client.add_user(self.user_id, f"Person{self.user_id}",
                                   language_code=LANGUAGE)

    async def run(self) -> None:
        for number in range(1, self.count + 1):
            result = await self.client.send_text(self.user_id, f"message {number}")
            self.sent.append(SentUpdate(result["update_id"], self.user_id, "echo"))

            def echoed(messages: list[dict[str, Any]], expected: int = number) -> bool | None:
                return True if len(messages) >= expected else None

            await self.watcher.wait(self.user_id, echoed)
