"""Summaries of a bot process's cProfile output: own time by area and the busiest functions."""

from __future__ import annotations

import pstats
from collections import Counter
from pathlib import Path

# First match wins; a path fragment names the area its functions belong to.
AREAS = (
    ("quiz engine (flows/quiz_engine, preference, matching)",
     ("flows/quiz_engine", "flows/preference", "flows/matching")),
    ("other flows, handlers, store", ("/flows/", "/handlers/", "/store/", "/media/")),
    ("python-telegram-bot", ("/telegram/",)),
    ("HTTP client (httpx, httpcore, h11, anyio)", ("/httpx/", "/httpcore/", "/h11/", "/anyio/")),
    ("asyncio", ("/asyncio/",)),
    ("aiosqlite", ("/aiosqlite/",)),
    ("logging", ("/logging/",)),
    ("imports at start-up", ("<frozen importlib", "marshal")),
    ("numpy", ("/numpy/",)),
)
SOCKET_CALLS = ("send' of '_socket", "recv' of '_socket", "getpeername", "'poll' of 'select.poll'")
# Waiting for I/O in the event loop is idle time, not work.
IDLE = "'poll' of 'select.epoll'"


def area_of(filename: str, function: str) -> str:
    if filename == "~":
        if IDLE in function:
            return "idle"
        if any(name in function for name in SOCKET_CALLS):
            return "sockets (send, recv, poll)"
        if "SimpleQueue" in function:
            return "hand-off to aiosqlite's thread (SimpleQueue.put)"
        if "marshal" in function or "_imp." in function:
            return "imports at start-up"
        return "built-ins"
    for area, fragments in AREAS:
        if any(fragment in filename for fragment in fragments):
            return area
    return "other"


def summarize(path: Path, top: int = 12) -> list[str]:
    """Return printable lines: own time per area (idle excluded), then the top functions."""
    stats = pstats.Stats(str(path))
    by_area: Counter[str] = Counter()
    functions: list[tuple[float, int, str]] = []
    entries = stats.stats.items()  # type: ignore[attr-defined]
    for (filename, line, function), (_, calls, own, _, _) in entries:
        area = area_of(filename, function)
        by_area[area] += own
        if area != "idle":
            short = filename.split("site-packages/")[-1].split("/main/")[-1]
            functions.append((own, calls, f"{short}:{line} {function}"))

    busy = sum(seconds for area, seconds in by_area.items() if area != "idle")
    lines = [f"main thread, own time by area (cProfile, {busy:.1f} s busy, "
             f"{by_area['idle']:.1f} s idle in epoll):"]
    for area, seconds in by_area.most_common():
        if area != "idle":
            lines.append(f"  {seconds:6.2f} s {seconds / busy:6.1%}  {area}")
    lines.append("busiest functions by own time:")
    for own, calls, name in sorted(functions, reverse=True)[:top]:
        lines.append(f"  {own:6.2f} s {calls:>8} calls  {name}")
    return lines
