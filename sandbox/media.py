"""Turn photo, document and InputMedia parameters into stored files and Message content."""

import logging
from typing import Any

from sandbox.errors import ApiError, bad_request
from sandbox.params import Params
from sandbox.sending import check_caption, format_text, formatted_text
from sandbox.state import BotWorld

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Message fields that hold media or other copyable content, besides text and caption.
CONTENT_FIELDS = (
    "photo", "document", "video", "voice", "audio", "animation", "sticker", "video_note",
    "location", "contact", "venue", "dice", "poll",
)
_KIND_LABELS = {
    "photo": "Photo", "document": "Document", "video": "Video", "voice": "Voice",
    "audio": "Audio", "animation": "Animation", "sticker": "Sticker",
}


def photo_sizes(
    world: BotWorld, params: Params, reference: str | None, field: str
) -> list[dict[str, Any]]:
    """Resolve a photo given as an upload part, "attach://name" or an issued file_id."""
    upload = params.file(field)
    if upload is None and reference and reference.startswith("attach://"):
        upload = params.file(reference[len("attach://"):])
        if upload is None:
            raise bad_request(f"file {reference} not found in the request")
    if upload is not None:
        return world.files.add_photo(upload.data)
    if not reference:
        raise bad_request("there is no photo in the request")

    kind = world.files.reference_kind(reference)
    if kind != "photo":
        raise bad_request(f"can't use file of type {_KIND_LABELS.get(kind, kind)} as Photo")
    return world.files.photo_by_id(reference)


def other_file(
    world: BotWorld,
    params: Params,
    reference: str | None,
    field: str,
    kind: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Resolve a document, video, audio... given as an upload, "attach://name" or file_id."""
    upload = params.file(field)
    if upload is None and reference and reference.startswith("attach://"):
        upload = params.file(reference[len("attach://"):])
        if upload is None:
            raise bad_request(f"file {reference} not found in the request")
    if upload is not None:
        if len(upload.data) > MAX_UPLOAD_BYTES:
            raise ApiError("Request Entity Too Large", 413)
        return world.files.add_file(
            kind,
            upload.data,
            file_name=upload.filename,
            mime_type=upload.content_type or None,
            extra=_required_extras(kind, extra),
        )
    if not reference:
        raise bad_request(f"there is no {kind} in the request")

    stored_kind = world.files.reference_kind(reference)
    if stored_kind != kind:
        raise bad_request(
            f"can't use file of type {_KIND_LABELS.get(stored_kind, stored_kind)} "
            f"as {_KIND_LABELS.get(kind, kind)}"
        )
    return world.files.file_by_id(stored_kind, reference)


def _required_extras(kind: str, extra: dict[str, Any] | None) -> dict[str, Any]:
    """Fill the fields PTB requires on each media object (video width/height/duration...)."""
    fields = dict(extra or {})
    defaults: dict[str, dict[str, Any]] = {
        "video": {"width": 640, "height": 360, "duration": 1},
        "animation": {"width": 320, "height": 240, "duration": 1},
        "video_note": {"length": 240, "duration": 1},
        "voice": {"duration": 1},
        "audio": {"duration": 1},
    }
    for name, value in defaults.get(kind, {}).items():
        fields.setdefault(name, value)
    return fields


def caption_content(params: Params) -> dict[str, Any]:
    """Return caption and caption_entities from the request, checked against the limit."""
    caption, entities = formatted_text(params, "caption", entities_key="caption_entities")
    return caption_fields(caption, entities, params.get_bool("show_caption_above_media"))


def caption_fields(
    caption: str | None, entities: list[dict[str, Any]], above_media: bool = False
) -> dict[str, Any]:
    check_caption(caption)
    content: dict[str, Any] = {}
    if caption:
        content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        if above_media:
            content["show_caption_above_media"] = True
    return content


def input_media_content(world: BotWorld, params: Params, item: Any) -> dict[str, Any]:
    """Build Message content from one InputMedia object (album item or editMessageMedia)."""
    if not isinstance(item, dict) or not isinstance(item.get("type"), str):
        raise bad_request("can't parse InputMedia JSON object")
    kind = item["type"]
    reference = item.get("media")
    if not isinstance(reference, str):
        raise bad_request("media not found")

    caption, entities = format_text(
        item.get("caption") or "", str(item.get("parse_mode") or ""), item.get("caption_entities")
    )
    content = caption_fields(caption or None, entities, bool(item.get("show_caption_above_media")))
    if kind == "photo":
        content["photo"] = photo_sizes(world, params, reference, "")
    elif kind in ("video", "document", "audio", "animation"):
        extra = {key: item[key] for key in ("width", "height", "duration") if key in item}
        content[kind] = other_file(world, params, reference, "", kind, extra)
    else:
        raise bad_request(f'type "{kind}" can\'t be used in sendMediaGroup')
    if item.get("has_spoiler"):
        content["has_media_spoiler"] = True
    return content


def copyable_content(data: dict[str, Any]) -> dict[str, Any]:
    """Return the text or media fields of a stored message that copy and forward keep."""
    names = ("text", "entities", "caption", "caption_entities", "show_caption_above_media",
             "has_media_spoiler") + CONTENT_FIELDS
    return {name: data[name] for name in names if name in data}
