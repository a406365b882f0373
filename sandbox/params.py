"""Read Bot API parameters from a query string, urlencoded form, JSON body or multipart upload."""

import json
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from sandbox.errors import ApiError, bad_request

logger = logging.getLogger(__name__)

_TRUE_WORDS = {"true", "1", "yes", "on"}


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes


class Params:
    """Typed access to request parameters, which PTB sends as strings (JSON-encoded if not str)."""

    def __init__(self, values: dict[str, Any], files: dict[str, UploadedFile]) -> None:
        self.values = values
        self.files = files

    def has(self, name: str) -> bool:
        return name in self.values or name in self.files

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def get_str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        return json.dumps(value)

    def get_int(self, name: str, default: int | None = None, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f'parameter "{name}" is required')
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(float(value)) if isinstance(value, float) else int(str(value).strip())
        except ValueError:
            raise bad_request(f'parameter "{name}" must be a Number') from None

    def get_float(self, name: str, default: float | None = None) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f'parameter "{name}" must be a Number') from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in _TRUE_WORDS

    def get_json(self, name: str, label: str | None = None) -> Any:
        """Decode a JSON-valued parameter (reply_markup, media, scope...), None if absent."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {label or name} JSON object") from None

    def file(self, name: str) -> UploadedFile | None:
        return self.files.get(name)

    def uploaded_bytes(self) -> int:
        return sum(len(upload.data) for upload in self.files.values())

    def loggable(self) -> dict[str, Any]:
        """Return the parameters for the call log, with file parts reduced to name and size."""
        logged: dict[str, Any] = dict(self.values)
        for name, upload in self.files.items():
            logged[name] = {"file": upload.filename, "size": len(upload.data)}
        return logged


async def read_params(request: web.Request) -> Params:
    """Merge the query string with the body, whatever encoding the client chose."""
    values: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if not request.can_read_body:
        return Params(values, files)

    content_type = request.content_type
    if content_type == "application/json":
        body = await _read_json_body(request)
        values.update(body)
    elif content_type == "multipart/form-data":
        await _read_multipart(request, values, files)
    else:
        form = await request.post()
        values.update({key: str(value) for key, value in form.items()})
    return Params(values, files)


async def _read_json_body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError("Bad Request: can't parse JSON encoded request body", 400) from None
    if not isinstance(body, dict):
        raise ApiError("Bad Request: JSON request body must be an object", 400)
    return body


async def _read_multipart(
    request: web.Request, values: dict[str, Any], files: dict[str, UploadedFile]
) -> None:
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        data = await part.read(decode=True)
        part_type = part.headers.get("Content-Type", "text/plain")
        if part.filename is None and part_type.startswith("text/plain"):
            values[part.name] = data.decode("utf-8", "replace")
            continue
        files[part.name] = UploadedFile(
            field=part.name,
            filename=part.filename or part.name,
            content_type=part_type,
            data=bytes(data),
        )
