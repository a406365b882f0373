"""Every kind of message goes both ways with copyMessage, albums stay albums, edits follow."""

from __future__ import annotations

import base64
import io
from typing import Any

from PIL import Image

from tests.conftest import RunningBot, body
from tests.handoff.conftest import JULIE, AgentsGroup, ask_advisor, lead_of


def png(color: str) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def samples(album_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(field the copy must carry, control-interface fields of the message) per kind."""
    return [
        ("text", {"text": "Voici mes questions"}),
        ("photo", {"photo": png("red"), "caption": "Ma chambre idéale"}),
        ("photo", {"photo": png("green"), "media_group_id": album_id}),
        ("photo", {"photo": png("blue"), "media_group_id": album_id}),
        ("document", {"document": {"base64": base64.b64encode(b"%PDF-1.4 passeport").decode(),
                                   "file_name": "passeport.pdf",
                                   "mime_type": "application/pdf"}}),
        ("voice", {"voice": True}),
        ("video", {"video": True}),
        ("sticker", {"sticker": True}),
        ("location", {"location": {"latitude": 48.8566, "longitude": 2.3522}}),
        ("contact", {"contact": {"phone_number": "+33600000000", "first_name": "Camille"}}),
    ]


def kind_of(message: dict[str, Any]) -> str:
    for field in ("text", "photo", "document", "voice", "video", "sticker", "location",
                  "contact"):
        if field in message:
            return field
    return "?"


async def test_each_kind_reaches_the_topic(forum_bot: RunningBot, forum_group: AgentsGroup,
                                           make_person: Any) -> None:
    person = await make_person(5401, "Camille")
    card = await ask_advisor(person, forum_group)
    sent = samples("customer-album")
    for _, fields in sent:
        await person.client.send_message(5401, **fields)

    async def all_copied() -> list[dict[str, Any]] | None:
        copies = [m for m in await forum_group.bot_messages()
                  if m.get("message_thread_id") == card["message_thread_id"]
                  and m["message_id"] > card["message_id"]]
        return copies if len(copies) >= len(sent) else None

    copies = await forum_group.client.wait_for(all_copied, timeout=15)
    assert [kind_of(m) for m in copies] == [kind for kind, _ in sent]
    assert copies[0]["text"] == "Voici mes questions"
    assert copies[1]["caption"] == "Ma chambre idéale"
    assert copies[2]["media_group_id"] == copies[3]["media_group_id"]
    assert copies[4]["document"]["file_name"] == "passeport.pdf"
    assert copies[8]["location"]["latitude"] == 48.8566
    assert copies[9]["contact"]["phone_number"] == "+33600000000"
    assert all("forward_origin" not in m for m in copies)
    # One copyMessages call carried the album.
    assert len(await forum_group.client.calls("copyMessages")) == 1
    rows = await forum_bot.services.db.fetch_all("SELECT * FROM relays WHERE direction = 'in'")
    assert len(rows) == len(sent)


async def test_each_kind_reaches_the_customer(forum_bot: RunningBot, forum_group: AgentsGroup,
                                              make_person: Any) -> None:
    person = await make_person(5402, "Camille")
    card = await ask_advisor(person, forum_group)
    thread = card["message_thread_id"]
    before = max(m["message_id"] for m in await person.bot_messages())
    sent = samples("advisor-album")
    for _, fields in sent:
        await forum_group.send(JULIE, thread_id=thread, **fields)

    async def all_copied() -> list[dict[str, Any]] | None:
        copies = [m for m in await person.bot_messages() if m["message_id"] > before]
        return copies if len(copies) >= len(sent) else None

    copies = await person.client.wait_for(all_copied, timeout=15)
    assert [kind_of(m) for m in copies] == [kind for kind, _ in sent]
    assert copies[2]["media_group_id"] == copies[3]["media_group_id"]
    assert copies[4]["document"]["file_name"] == "passeport.pdf"


async def test_customer_edit_reaches_group(forum_bot: RunningBot, forum_group: AgentsGroup,
                                           make_person: Any) -> None:
    person = await make_person(5403, "Camille")
    await ask_advisor(person, forum_group)
    message_id = await person.send("Nous serons 3")
    copy = await forum_group.wait_for(lambda m: body(m) == "Nous serons 3")
    await person.client.edit_text(5403, 5403, message_id, "Nous serons 4")

    async def edited() -> bool:
        now = [m for m in await forum_group.messages() if m["message_id"] == copy["message_id"]]
        return body(now[0]) == "Nous serons 4"

    await forum_group.client.wait_for(edited)
    copies = [m for m in await forum_group.messages() if "Nous serons" in body(m)]
    assert len(copies) == 1


async def test_advisor_edit_reaches_customer(forum_bot: RunningBot, forum_group: AgentsGroup,
                                             make_person: Any) -> None:
    person = await make_person(5404, "Camille")
    card = await ask_advisor(person, forum_group)
    advisor_message = await forum_group.send(JULIE, "Départ le 12",
                                             thread_id=card["message_thread_id"])
    copy = await person.wait_for_bot_message(lambda m: body(m) == "Départ le 12")
    await forum_group.client.edit_text(JULIE, forum_group.chat_id, advisor_message,
                                       "Départ le 14")

    async def edited() -> bool:
        now = [m for m in await person.messages() if m["message_id"] == copy["message_id"]]
        return body(now[0]) == "Départ le 14"

    await person.client.wait_for(edited)


async def test_edit_of_unknown_copy_is_marked(plain_bot: RunningBot, plain_group: AgentsGroup,
                                              make_person: Any) -> None:
    """A message sent before the lead had no copy: its edit arrives as a marked copy."""
    person = await make_person(5405, "Camille")
    early = await person.send("bof")
    await ask_advisor(person, plain_group)
    await person.client.edit_text(5405, 5405, early, "Finalement, le Japon")
    copy = await plain_group.wait_for(lambda m: body(m) == "Finalement, le Japon")
    messages = await plain_group.messages()
    notice = [m for m in messages if m["message_id"] == copy["message_id"] - 1][0]
    assert body(notice) == "✏️ Camille a modifié un message :"
    lead = await lead_of(plain_bot, 5405)
    await plain_group.send(JULIE, "Très bon choix", reply_to=copy["message_id"])
    await person.wait_for_bot_message(lambda m: body(m) == "Très bon choix")
    assert lead["status"] == "open"
