"""The /stats funnel chart: people per stage for the busiest campaigns, as a PNG (matplotlib)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

# Agg draws without a display, which a server has not got; set before pyplot is imported.
matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402 - needs the backend chosen above
from matplotlib.ticker import MaxNLocator  # noqa: E402

# More bars per stage than this would be too thin to read on a phone.
MAX_SERIES = 6


def render_funnel_png(stage_labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]],
                      title: str, people_label: str) -> bytes:
    """Draw grouped bars, one group per stage and one colour per series; return PNG bytes.

    Uses Figure directly rather than pyplot, so no global state is shared between threads.
    """
    figure = Figure(figsize=(9, 5), dpi=110, layout="constrained")
    axes = figure.add_subplot()
    drawn = list(series)[:MAX_SERIES]
    width = 0.8 / max(len(drawn), 1)
    positions = range(len(stage_labels))

    for index, (name, counts) in enumerate(drawn):
        offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
        bars = axes.bar(offsets, list(counts), width=width, label=name)
        axes.bar_label(bars, fontsize=7, padding=1)

    axes.set_xticks(list(positions), list(stage_labels))
    axes.set_ylabel(people_label)
    # People come in whole numbers.
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(title)
    axes.spines[["top", "right"]].set_visible(False)
    if drawn:
        axes.legend(fontsize=8, frameon=False)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
