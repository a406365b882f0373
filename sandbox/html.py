"""Parse Bot API HTML (parse_mode="HTML") into plain text and MessageEntity dicts.

The scanner follows the behaviour of tdlib's parse_html: it walks UTF-8 bytes, reports errors
with byte offsets, and measures entity offsets in UTF-16 code units.
"""

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from sandbox.text import utf16_len

logger = logging.getLogger(__name__)

ALLOWED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler",
        "span", "code", "pre", "blockquote", "tg-emoji",
    }
)
_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "span": "spoiler", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "a": "text_link", "tg-emoji": "custom_emoji",
}
_SPACES = b" \t\r\n\f\v"
_NAMED_ENTITIES = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}
_ENTITY_RE = re.compile(rb"&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{1,8}));")
_UNQUOTED_VALUE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")


class HtmlParseError(ValueError):
    """HTML that the Bot API rejects; the message is the text after "can't parse entities: "."""


@dataclass
class _OpenTag:
    name: str
    attributes: dict[str, str]
    offset: int
    order: int


@dataclass
class _Scanner:
    data: bytes
    pos: int = 0
    pieces: list[str] = field(default_factory=list)
    utf16_offset: int = 0

    def at(self, index: int) -> int:
        """Return the byte at index, or 0 past the end as tdlib's C strings do."""
        return self.data[index] if index < len(self.data) else 0

    def append(self, text: str) -> None:
        self.pieces.append(text)
        self.utf16_offset += utf16_len(text)

    def skip_spaces(self) -> None:
        while self.pos < len(self.data) and self.data[self.pos] in _SPACES:
            self.pos += 1


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Return the plain text and entities of an HTML-formatted message, or raise HtmlParseError.

    A lone "&" that starts no supported entity is rejected. NOTE: tdlib keeps such an "&" as a
    literal; the stand-in is stricter because the Bot API documentation requires escaping it.
    """
    scanner = _Scanner(source.encode("utf-8"))
    stack: list[_OpenTag] = []
    entities: list[tuple[int, dict[str, Any]]] = []
    opened = 0

    while scanner.pos < len(scanner.data):
        byte = scanner.data[scanner.pos]
        if byte == ord("&"):
            scanner.append(_decode_entity(scanner))
            continue
        if byte != ord("<"):
            scanner.append(_next_character(scanner))
            continue

        begin = scanner.pos
        scanner.pos += 1
        if scanner.at(scanner.pos) != ord("/"):
            name, attributes = _read_start_tag(scanner, begin)
            stack.append(_OpenTag(name, attributes, scanner.utf16_offset, opened))
            opened += 1
            continue

        tag = _read_end_tag(scanner, begin, stack)
        entity = _entity_for(tag, scanner)
        if entity is not None:
            entities.append((tag.order, entity))

    if stack:
        raise HtmlParseError(
            f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"'
        )

    merged = _merge_pre_code([entity for _, entity in sorted(entities, key=_sort_key)])
    return "".join(scanner.pieces), merged


def _sort_key(item: tuple[int, dict[str, Any]]) -> tuple[int, int, int]:
    order, entity = item
    return entity["offset"], -entity["length"], order


def _next_character(scanner: _Scanner) -> str:
    end = scanner.pos + 1
    while end < len(scanner.data) and scanner.data[end] & 0xC0 == 0x80:
        end += 1
    text = scanner.data[scanner.pos:end].decode("utf-8", "replace")
    scanner.pos = end
    return text


def _decode_entity(scanner: _Scanner) -> str:
    match = _ENTITY_RE.match(scanner.data, scanner.pos)
    text = _entity_text(match) if match else None
    if text is None:
        raise HtmlParseError(
            f"Can't find end of the entity starting at byte offset {scanner.pos}"
        )
    assert match is not None
    scanner.pos = match.end()
    return text


def _entity_text(match: re.Match[bytes]) -> str | None:
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        return _NAMED_ENTITIES.get(name)
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def _decode_attribute(raw: bytes) -> str:
    # Attribute values stay lenient: an unknown "&..." is kept literally, as tdlib does.
    def replace(match: re.Match[bytes]) -> bytes:
        text = _entity_text(match)
        return match.group(0) if text is None else text.encode("utf-8")

    return _ENTITY_RE.sub(replace, raw).decode("utf-8", "replace")


def _skip_name(scanner: _Scanner) -> None:
    """Advance to the next space or ">", the end of a tag name."""
    data = scanner.data
    while scanner.pos < len(data) and data[scanner.pos] not in _SPACES + b">":
        scanner.pos += 1


def _read_start_tag(scanner: _Scanner, begin: int) -> tuple[str, dict[str, str]]:
    data = scanner.data
    _skip_name(scanner)
    if scanner.pos >= len(data):
        raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")

    name = data[begin + 1:scanner.pos].decode("utf-8", "replace").lower()
    if name not in ALLOWED_TAGS:
        raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {begin}')

    attributes: dict[str, str] = {}
    while scanner.at(scanner.pos) != ord(">"):
        scanner.skip_spaces()
        if scanner.pos >= len(data):
            raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {begin}')
        if data[scanner.pos] == ord(">"):
            break
        attribute, value = _read_attribute(scanner, name, begin)
        attributes[attribute] = value
    scanner.pos += 1

    _check_tag_attributes(name, attributes, begin)
    return name, attributes


def _read_attribute(scanner: _Scanner, tag: str, begin: int) -> tuple[str, str]:
    data = scanner.data
    attribute_begin = scanner.pos
    while scanner.pos < len(data) and data[scanner.pos] not in b"=>" + _SPACES:
        scanner.pos += 1
    attribute = data[attribute_begin:scanner.pos].decode("utf-8", "replace").lower()
    if not attribute:
        raise HtmlParseError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')

    scanner.skip_spaces()
    if tag == "blockquote" and attribute == "expandable" and scanner.at(scanner.pos) != ord("="):
        return attribute, ""
    if scanner.at(scanner.pos) != ord("="):
        raise HtmlParseError(
            f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
            f"at byte offset {begin}"
        )
    scanner.pos += 1
    scanner.skip_spaces()
    if scanner.pos >= len(data):
        raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')

    quote = data[scanner.pos]
    if quote in b"\"'":
        value_begin = scanner.pos + 1
        value_end = data.find(bytes([quote]), value_begin)
        if value_end < 0:
            raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
        scanner.pos = value_end + 1
        return attribute, _decode_attribute(data[value_begin:value_end])

    value_begin = scanner.pos
    while scanner.pos < len(data) and data[scanner.pos] in _UNQUOTED_VALUE:
        scanner.pos += 1
    following = scanner.at(scanner.pos)
    if following != ord(">") and following not in _SPACES:
        raise HtmlParseError(f"Unexpected end of name token at byte offset {value_begin}")
    return attribute, data[value_begin:scanner.pos].decode("ascii")


def _check_tag_attributes(name: str, attributes: dict[str, str], begin: int) -> None:
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    if name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
        raise HtmlParseError("Invalid custom emoji identifier specified")


def _read_end_tag(scanner: _Scanner, begin: int, stack: list[_OpenTag]) -> _OpenTag:
    if not stack:
        raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")

    data = scanner.data
    scanner.pos += 1
    name_begin = scanner.pos
    _skip_name(scanner)
    name = data[name_begin:scanner.pos].decode("utf-8", "replace").lower()
    scanner.skip_spaces()
    if scanner.at(scanner.pos) != ord(">"):
        raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")

    # tdlib accepts an empty "</>" as the end of whichever tag is open.
    expected = stack[-1].name
    if name and name != expected:
        raise HtmlParseError(
            f'Unmatched end tag at byte offset {begin}, expected "</{expected}>", '
            f'found "</{name}>"'
        )
    scanner.pos += 1
    return stack.pop()


def _entity_for(tag: _OpenTag, scanner: _Scanner) -> dict[str, Any] | None:
    length = scanner.utf16_offset - tag.offset
    if length <= 0:
        return None

    entity: dict[str, Any] = {
        "type": _ENTITY_TYPES[tag.name], "offset": tag.offset, "length": length
    }
    if tag.name == "a":
        url = tag.attributes.get("href") or _inner_text(tag, scanner)
        if not url or " " in url:
            return None
        # NOTE: tdlib turns href="tg://user?id=N" into a text_mention with the full User; the
        # stand-in keeps it as a text_link because the parser has no user directory.
        entity["url"] = url
    elif tag.name == "code":
        language = tag.attributes.get("class", "")
        if language.startswith("language-") and len(language) > len("language-"):
            entity["language"] = language[len("language-"):]
    elif tag.name == "blockquote" and "expandable" in tag.attributes:
        entity["type"] = "expandable_blockquote"
    elif tag.name == "tg-emoji":
        entity["custom_emoji_id"] = tag.attributes["emoji-id"]
    return entity


def _inner_text(tag: _OpenTag, scanner: _Scanner) -> str:
    text = "".join(scanner.pieces)
    encoded = text.encode("utf-16-le")
    return encoded[tag.offset * 2:].decode("utf-16-le")


def _merge_pre_code(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fold <pre><code class="language-x"> over the same range into one pre entity."""
    merged: list[dict[str, Any]] = []
    for entity in entities:
        previous = merged[-1] if merged else None
        same_range = (
            previous is not None
            and previous["offset"] == entity["offset"]
            and previous["length"] == entity["length"]
        )
        if same_range and previous["type"] == "pre" and entity["type"] == "code":
            if "language" in entity:
                previous["language"] = entity["language"]
                continue
        if entity["type"] == "code":
            entity.pop("language", None)
        merged.append(entity)
    return merged
