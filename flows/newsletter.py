"""Newsletter rules: the /newsletter command, consent versions, batch pacing and progress."""

from __future__ import annotations

import dataclasses
import hashlib
import html
import re

from catalog.models import CAMPAIGN_CODE_PATTERN

# Telegram allows about 30 messages a second per bot. Batches start at least a second apart,
# so one sliding second can hold two of them: 2 x 12 = 24 a second at most, which leaves room
# for the replies that people in a conversation are waiting for at the same time.
BATCH_SIZE = 12
TICK_SECONDS = 1.0
PROGRESS_EVERY_SECONDS = 5.0
MAX_TEXT_CHARS = 4096

_COMMAND = re.compile(r"^/newsletter(?:@\w+)?(?:\s+(?P<rest>.*))?$", re.DOTALL)
_CAMPAIGN = re.compile(r"^campaign=(?P<code>\S*)\s*(?P<rest>.*)$", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@dataclasses.dataclass(frozen=True)
class IssueDraft:
    """An issue as the admin wrote it: Telegram HTML, and the campaign of its trip button."""

    text: str
    campaign: str | None


@dataclasses.dataclass(frozen=True)
class IssueProblem:
    """Why a /newsletter command cannot become an issue: "usage", "campaign" or "length"."""

    reason: str
    value: str = ""


def parse_issue_command(command_html: str) -> IssueDraft | IssueProblem:
    """Read `/newsletter [campaign=<code>] <text>` given as Telegram HTML."""
    match = _COMMAND.match(command_html.strip())
    rest = (match.group("rest") or "").strip() if match else ""
    campaign = None
    with_campaign = _CAMPAIGN.match(rest)
    if with_campaign:
        code = html.unescape(with_campaign.group("code"))
        if not CAMPAIGN_CODE_PATTERN.fullmatch(code):
            return IssueProblem("campaign", code)
        campaign = code
        rest = with_campaign.group("rest").strip()
    if not rest:
        return IssueProblem("usage")
    length = len(html.unescape(_TAG.sub("", rest)))
    if length > MAX_TEXT_CHARS:
        return IssueProblem("length", str(length))
    return IssueDraft(rest, campaign)


def consent_version(language: str, wording: str) -> str:
    """Name the consent wording a person saw: its language and a digest of the exact text.

    Any change to the text gives a new version, so the record always points to what was shown.
    """
    return f"{language}{hashlib.sha256(wording.encode('utf-8')).hexdigest()[:8]}"


@dataclasses.dataclass(frozen=True)
class Progress:
    """Delivery counts of one issue, from the statuses of its delivery rows."""

    total: int
    sent: int
    blocked: int
    failed: int
    unknown: int
    skipped: int
    waiting: int

    @property
    def done(self) -> int:
        return self.total - self.waiting

    @property
    def finished(self) -> bool:
        return self.waiting == 0


def progress_of(counts: dict[str, int]) -> Progress:
    return Progress(
        total=sum(counts.values()),
        sent=counts.get("sent", 0),
        blocked=counts.get("blocked", 0),
        failed=counts.get("failed", 0),
        unknown=counts.get("unknown", 0),
        skipped=counts.get("skipped", 0),
        waiting=counts.get("pending", 0) + counts.get("sending", 0),
    )


def report_due(last_report: float | None, now: float, finished: bool) -> bool:
    """Edit the admin's progress message at the end, and otherwise every few seconds."""
    return finished or last_report is None or now - last_report >= PROGRESS_EVERY_SECONDS
