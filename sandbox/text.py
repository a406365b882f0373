"""Text measuring and the entities Telegram detects by itself in a person's message."""

import logging
import re
from typing import Any

logger = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

# Telegram marks these in any text it delivers; commands are 1-32 characters, usernames 5-32.
_AUTO_ENTITY_PATTERNS = (
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("url", re.compile(r"\bhttps?://[^\s<>\"]+")),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}\b")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d_]\w*")),
)


def utf16_len(text: str) -> int:
    """Return the length of text in UTF-16 code units, the unit of entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def detect_entities(text: str) -> list[dict[str, Any]]:
    """Find bot commands, URLs, mentions and hashtags as MessageEntity dicts.

    "/start abc" yields a bot_command entity at offset 0 with length 6; a command addressed to
    a bot ("/help@travel_bot") includes the "@username" part.
    """
    found: list[dict[str, Any]] = []
    occupied: list[tuple[int, int]] = []
    for entity_type, pattern in _AUTO_ENTITY_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < other_end and other_start < end for other_start, other_end in occupied):
                continue
            occupied.append((start, end))
            found.append(
                {
                    "type": entity_type,
                    "offset": utf16_len(text[:start]),
                    "length": utf16_len(match.group(0)),
                }
            )
    found.sort(key=lambda entity: entity["offset"])
    return found


def leading_command(text: str | None) -> tuple[str, str | None] | None:
    """Return (command, addressed bot username or None) when text starts with a command."""
    if not text:
        return None
    match = _AUTO_ENTITY_PATTERNS[0][1].match(text)
    if match is None:
        return None
    command, _, username = match.group(0).partition("@")
    return command, username or None
