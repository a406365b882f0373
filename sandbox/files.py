"""File store of one bot: uploads, stable file ids, photo sizes and getFile paths."""

import base64
import hashlib
import io
import logging
from dataclasses import dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError

from sandbox.errors import (
    IMAGE_PROCESS_FAILED,
    PHOTO_DIMENSIONS,
    URL_NOT_FETCHED,
    WRONG_FILE_ID,
    ApiError,
)

logger = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_SIDES_SUM = 10000
MAX_PHOTO_RATIO = 20
# Maximum side of each size Telegram generates (s, m, x, y, w); the original is capped at 2560.
_PHOTO_BOUNDS = (90, 320, 800, 1280, 2560)
_PREFIXES = {
    "photo": "AgAC", "document": "BQAC", "voice": "AwAC", "video": "BAAC", "sticker": "CAAC",
    "audio": "CQAC", "animation": "CgAC", "video_note": "DQAC",
}
_FOLDERS = {"photo": "photos", "sticker": "stickers", "voice": "voice", "video": "videos"}
_EXIF_ORIENTATION = 0x0112


@dataclass
class StoredFile:
    """One file as getFile describes it; photo sizes share the bytes of their original."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_size: int
    file_path: str


class FileStore:
    """Issued file ids of one bot; ids are derived from content, so they are stable."""

    def __init__(self, bot_id: int) -> None:
        self.bot_id = bot_id
        self.files: dict[str, StoredFile] = {}
        self.photo_sets: dict[str, list[dict[str, Any]]] = {}
        self.descriptions: dict[str, dict[str, Any]] = {}

    def add_photo(self, data: bytes, *, check_limits: bool = True) -> list[dict[str, Any]]:
        """Store an uploaded image and return its PhotoSize array, smallest first."""
        if check_limits and len(data) > MAX_PHOTO_BYTES:
            # NOTE: the real description for a photo over 10 MB is unconfirmed.
            raise ApiError(PHOTO_DIMENSIONS)
        width, height = _image_size(data)
        if check_limits and (
            width + height > MAX_PHOTO_SIDES_SUM
            or max(width, height) > MAX_PHOTO_RATIO * min(width, height)
        ):
            raise ApiError(PHOTO_DIMENSIONS)

        digest = hashlib.sha256(data).hexdigest()
        sizes = []
        longest = max(width, height)
        bounds = [bound for bound in _PHOTO_BOUNDS if bound < longest] + [min(longest, 2560)]
        for index, bound in enumerate(dict.fromkeys(bounds)):
            scale = bound / longest
            size_width = max(1, round(width * scale))
            size_height = max(1, round(height * scale))
            # NOTE: smaller sizes report an area-scaled estimate and download the original bytes.
            size_bytes = max(1, round(len(data) * scale * scale))
            stored = self._store("photo", data, f"{digest}:{index}", size_bytes, ".jpg")
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": size_width,
                    "height": size_height,
                    "file_size": size_bytes,
                }
            )
        for size in sizes:
            self.photo_sets[size["file_id"]] = sizes
        return [dict(size) for size in sizes]

    def photo_by_id(self, file_id: str) -> list[dict[str, Any]]:
        sizes = self.photo_sets.get(file_id)
        if sizes is None:
            raise ApiError(WRONG_FILE_ID)
        return [dict(size) for size in sizes]

    def add_file(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a non-photo file and return its Document/Voice/Video/... object."""
        digest = hashlib.sha256(data).hexdigest()
        suffix = "." + file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else ""
        stored = self._store(kind, data, f"{digest}:{file_name}", len(data), suffix)
        description: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(data),
        }
        if file_name:
            description["file_name"] = file_name
        if mime_type:
            description["mime_type"] = mime_type
        description.update(extra or {})
        self.descriptions[stored.file_id] = description
        return dict(description)

    def file_by_id(self, kind: str, file_id: str) -> dict[str, Any]:
        description = self.descriptions.get(file_id)
        if description is None or self.files[file_id].kind != kind:
            raise ApiError(WRONG_FILE_ID)
        return dict(description)

    def reference_kind(self, reference: str) -> str:
        """Return the kind of an issued file id, or raise the Bot API error for a bad reference."""
        if reference.startswith(("http://", "https://")):
            # NOTE: the stand-in has no network access, so it never fetches a URL.
            raise ApiError(URL_NOT_FETCHED)
        stored = self.files.get(reference)
        if stored is None:
            raise ApiError(WRONG_FILE_ID)
        return stored.kind

    def get_file(self, file_id: str) -> dict[str, Any]:
        stored = self.files.get(file_id)
        if stored is None:
            raise ApiError(WRONG_FILE_ID)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }

    def content(self, file_path: str) -> bytes | None:
        for stored in self.files.values():
            if stored.file_path == file_path:
                return stored.data
        return None

    def _store(self, kind: str, data: bytes, key: str, size: int, suffix: str) -> StoredFile:
        unique = hashlib.sha256(f"unique:{kind}:{key}".encode()).digest()
        per_bot = hashlib.sha256(f"{self.bot_id}:{kind}:{key}".encode()).digest()
        file_id = _PREFIXES.get(kind, "BQAC") + _b64(per_bot + unique[:16])
        existing = self.files.get(file_id)
        if existing is not None:
            return existing

        folder = _FOLDERS.get(kind, "documents")
        stored = StoredFile(
            file_id=file_id,
            file_unique_id="AQAD" + _b64(unique[:9]),
            kind=kind,
            data=data,
            file_size=size,
            file_path=f"{folder}/file_{len(self.files)}{suffix}",
        )
        self.files[file_id] = stored
        return stored


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _image_size(data: bytes) -> tuple[int, int]:
    """Return the displayed (width, height), swapping sides for EXIF rotations of 90 degrees."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
    except (UnidentifiedImageError, OSError, ValueError):
        raise ApiError(IMAGE_PROCESS_FAILED) from None
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return width, height
