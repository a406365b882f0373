"""Content of a person's message built from control fields: text, photo, document, voice..."""

import base64
import binascii
import logging
import time
from typing import Any

from sandbox.control_errors import ControlError
from sandbox.state import BotWorld
from sandbox.text import detect_entities

logger = logging.getLogger(__name__)


def decode_bytes(value: Any, field: str) -> bytes:
    """Decode file content sent as base64, either bare or as {"base64": ...}."""
    if isinstance(value, dict):
        value = value.get("base64", value.get("data"))
    if value is True or value is None:
        # A placeholder payload for media whose bytes a test does not care about.
        return f"sandbox {field} {time.time_ns()}".encode()
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise ControlError(f"{field} must be base64-encoded bytes") from None


def message_content(world: BotWorld, spec: dict[str, Any]) -> dict[str, Any]:
    """Build Message content from the control fields (text, photo, document, voice...)."""
    content: dict[str, Any] = {}
    if spec.get("text") is not None:
        text = str(spec["text"])
        content["text"] = text
        entities = spec.get("entities", detect_entities(text))
        if entities:
            content["entities"] = entities
    if spec.get("photo") is not None:
        data = decode_bytes(spec["photo"], "photo")
        content["photo"] = world.files.add_photo(data, check_limits=False)
    if spec.get("document") is not None:
        document = spec["document"]
        details = document if isinstance(document, dict) else {}
        content["document"] = world.files.add_file(
            "document",
            decode_bytes(document, "document"),
            file_name=details.get("file_name", spec.get("file_name", "document.bin")),
            mime_type=details.get("mime_type", spec.get("mime_type", "application/octet-stream")),
        )
    content.update(_simple_media(world, spec))
    if spec.get("caption") is not None and "text" not in content:
        content["caption"] = str(spec["caption"])
        entities = spec.get("caption_entities", detect_entities(content["caption"]))
        if entities:
            content["caption_entities"] = entities
    if spec.get("media_group_id") is not None:
        content["media_group_id"] = str(spec["media_group_id"])
    content.update(spec.get("extra") or {})
    if not content:
        raise ControlError("a message needs text, photo, document, voice, video, sticker, "
                           "location, contact or extra fields")
    return content


def _simple_media(world: BotWorld, spec: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = {}
    media_fields = {
        "voice": {"duration": 1, "mime_type": "audio/ogg"},
        "video": {"width": 640, "height": 360, "duration": 1},
        "sticker": {"type": "regular", "width": 512, "height": 512, "is_animated": False,
                    "is_video": False},
    }
    for field, defaults in media_fields.items():
        value = spec.get(field)
        if value is None:
            continue
        details = value if isinstance(value, dict) else {}
        extra = {**defaults, **{k: v for k, v in details.items() if k not in ("base64", "data")}}
        content[field] = world.files.add_file(field, decode_bytes(value, field), extra=extra)
    if isinstance(spec.get("location"), dict):
        content["location"] = dict(spec["location"])
    if isinstance(spec.get("contact"), dict):
        content["contact"] = dict(spec["contact"])
    return content
