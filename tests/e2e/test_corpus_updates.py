"""Every real-world update of the shared corpus, fed to the running bot: no crash, no stall."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.conftest import CORPUS, RunningBot

UPDATES = sorted((CORPUS / "updates").glob("*.json")) if (CORPUS / "updates").is_dir() else []


@pytest.mark.skipif(not UPDATES, reason="the shared update corpus is not beside the repository")
async def test_corpus_updates_handled(running_bot: RunningBot, client: Any,
                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    callback_ids = []
    for path in UPDATES:
        update = json.loads(path.read_text(encoding="utf-8"))
        if "callback_query" in update:
            callback_ids.append(update["callback_query"]["id"])
        await client.inject(update, renumber=True)

    # A final /start from a known person proves the poller moved past every corpus update.
    await client.add_user(6001, first_name="Last", language_code="fr")
    sent = await client.send_text(6001, "/start")

    async def answered_last() -> bool:
        messages = await client.messages(6001)
        return any(m["message_id"] > sent["message_id"] and m["from"]["is_bot"]
                   for m in messages)

    await client.wait_for(answered_last, timeout=30)

    answered = {call["params"].get("callback_query_id")
                for call in await client.calls("answerCallbackQuery")}
    for callback_id in callback_ids:
        assert callback_id in answered, f"callback {callback_id} was never answered"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [f"{r.name}: {r.getMessage()}" for r in errors]
