"""Fixtures for the handoff tests: an agents' group in the stand-in and the bot that serves it.

The group is created before the bot starts, so that the bot never sees itself being added to
a group and the group is the one configured as AGENT_CHAT_ID.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from catalog.loader import Catalog
from sandbox.client import SandboxClient
from tests.conftest import (
    Person,
    RunningBot,
    body,
    has_button,
    labels,
    make_settings,
    wait_for_new_message,
)
from tests.e2e.test_trip_finder import arrive, finish_quiz, show_trips, start_quiz

JULIE = 801
MARC = 802
ADVISORS = {JULIE: "Julie", MARC: "Marc"}
FORUM_RIGHTS = {"can_manage_topics": True, "can_delete_messages": True,
                "can_pin_messages": True, "can_manage_chat": True}


@dataclasses.dataclass
class AgentsGroup:
    """The advisors' group as the advisors see it, through the stand-in."""

    client: SandboxClient
    chat_id: int
    forum: bool

    async def messages(self) -> list[dict[str, Any]]:
        return [m for m in await self.client.messages(self.chat_id) if not m["deleted"]]

    async def bot_messages(self) -> list[dict[str, Any]]:
        return [m for m in await self.messages() if m["from_bot"]]

    async def wait_for(self, predicate: Callable[[dict[str, Any]], bool], after: int = 0,
                       timeout: float = 15.0) -> dict[str, Any]:
        """Wait for a bot message with message_id > after that matches the predicate."""
        return await wait_for_new_message(self.client, self.bot_messages, predicate, after,
                                          timeout)

    async def send(self, advisor_id: int, text: str | None = None,
                   thread_id: int | None = None, reply_to: int | None = None,
                   **fields: Any) -> int:
        """Post as an advisor, in a topic (forum) or as a reply; return the message id."""
        if text is not None:
            fields["text"] = text
        if thread_id is not None:
            fields["message_thread_id"] = thread_id
        if reply_to is not None:
            fields["reply_to_message_id"] = reply_to
        result = await self.client.send_message(advisor_id, chat_id=self.chat_id, **fields)
        return int(result["message_id"])

    async def press(self, advisor_id: int, message: dict[str, Any], label: str) -> None:
        current = next((m for m in await self.messages()
                        if m["message_id"] == message["message_id"]), message)
        matching = [text for text in labels(current) if label in text]
        assert matching, f"no button containing {label!r} in {labels(current)}"
        await self.client.press(advisor_id, self.chat_id, current["message_id"], matching[0])

    async def card(self, lead_id: int) -> dict[str, Any]:
        """Return the lead card as it is now."""
        title = f"Contact n°{lead_id}\n"
        cards = [m for m in await self.bot_messages() if body(m).startswith(f"🆕 {title}")]
        assert cards, f"no card for lead {lead_id}"
        return cards[-1]


async def _add_advisors(client: SandboxClient) -> None:
    for advisor_id, name in ADVISORS.items():
        await client.add_user(advisor_id, first_name=name, language_code="fr")


@pytest.fixture
async def forum_group(client: SandboxClient) -> AgentsGroup:
    await _add_advisors(client)
    chat_id = await client.add_group("Conseillers", list(ADVISORS), type="supergroup",
                                     is_forum=True, bot_status="administrator",
                                     bot_rights=FORUM_RIGHTS)
    return AgentsGroup(client, chat_id, forum=True)


@pytest.fixture
async def plain_group(client: SandboxClient) -> AgentsGroup:
    """A basic group where the bot is a plain member, with privacy mode on."""
    await _add_advisors(client)
    chat_id = await client.add_group("Conseillers", list(ADVISORS), type="group",
                                     bot_status="member")
    return AgentsGroup(client, chat_id, forum=False)


def handoff_bot(sandbox: Any, tmp_path: Path, catalog: Catalog, group: AgentsGroup,
                **changes: Any) -> RunningBot:
    settings = make_settings(f"{sandbox.url}/bot", tmp_path / "bot.sqlite3",
                             agent_chat_id=group.chat_id, **changes)
    return RunningBot(settings, catalog)


@pytest.fixture
async def forum_bot(sandbox: Any, tmp_path: Path, demo_catalog: Catalog,
                    forum_group: AgentsGroup) -> AsyncIterator[RunningBot]:
    bot = handoff_bot(sandbox, tmp_path, demo_catalog, forum_group)
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
async def plain_bot(sandbox: Any, tmp_path: Path, demo_catalog: Catalog,
                    plain_group: AgentsGroup) -> AsyncIterator[RunningBot]:
    bot = handoff_bot(sandbox, tmp_path, demo_catalog, plain_group)
    await bot.start()
    yield bot
    await bot.stop()


def is_card(message: dict[str, Any]) -> bool:
    return body(message).startswith("🆕 Contact n°")


async def ask_advisor(person: Person, group: AgentsGroup) -> dict[str, Any]:
    """Arrive with a campaign, press "talk to an advisor" and return the lead card."""
    welcome = await arrive(person, "soleil")
    await person.press(welcome, "conseiller")
    await person.wait_for_bot_message(lambda m: "conseiller va vous répondre" in body(m),
                                      after=welcome["message_id"])
    return await group.wait_for(lambda m: is_card(m) and person.first_name in body(m))


async def reach_cart(person: Person) -> dict[str, Any]:
    """Take the quiz, show the trips, put the first one in the cart; return the cart message."""
    quiz = await start_quiz(person, await arrive(person, "soleil"))
    appetence = await finish_quiz(person, quiz)
    cards = await show_trips(person, appetence)
    last = max(m["message_id"] for m in await person.bot_messages())
    await person.press(cards[0], "Mettre au panier")
    return await person.wait_for_bot_message(has_button("conseiller"), after=last)


async def lead_of(bot: RunningBot, user_id: int) -> Any:
    row = await bot.services.db.fetch_one(
        "SELECT * FROM leads WHERE user_id = ? ORDER BY id DESC LIMIT 1", (user_id,))
    assert row is not None, f"no lead for {user_id}"
    return row


def lead_id_of(card: dict[str, Any]) -> int:
    return int(body(card).split("n°", 1)[1].split("\n", 1)[0])
