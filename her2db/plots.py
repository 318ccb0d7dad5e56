"""Forest plots of hazard ratios as SVG files, built with matplotlib at site-build time.

The output is deterministic (fixed ``svg.hashsalt``, no date in the metadata), so the same
database always gives byte-identical figures. Text stays text in the SVG (``svg.fonttype:
none``): the numbers drawn beside each line can be read, searched and tested. Pages show the
same numbers in a table next to the figure, for readers who cannot see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import rc_context
from matplotlib.figure import Figure

RC: dict[Any, Any] = {  # matplotlib types its keys as a Literal of every rcParam
    "svg.hashsalt": "her2db",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "text.parse_math": False,  # a "$" in a label is text, never mathtext
}
ROW_HEIGHT = 0.3  # inches per row
INK = "#1f2937"
ACCENT = "#3f51b5"
TICKS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)


@dataclass(frozen=True)
class ForestRow:
    label: str
    estimate: float
    ci_low: float | None = None
    ci_high: float | None = None
    text: str = ""  # the numbers drawn to the right of the line, e.g. "0.56 (0.44–0.71)"
    emphasis: bool = False  # the whole-population row


def _limits(rows: list[ForestRow]) -> tuple[float, float]:
    values = [v for r in rows for v in (r.estimate, r.ci_low, r.ci_high) if v is not None and v > 0]
    low = min(values + [1.0]) / 1.25
    high = max(values + [1.0]) * 1.25
    return low, high


def forest_svg(rows: list[ForestRow], path: Path, title: str, column: str = "HR (95% CI)",
               xlabel: str = "Hazard ratio (log scale); < 1 favours the experimental arm") -> Path:
    """Draw ``rows`` top to bottom on a log axis with a line at 1, and write ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with rc_context(RC):
        # a white ground keeps the dark ink readable on the dark colour scheme too
        fig = Figure(figsize=(7.5, 1.1 + ROW_HEIGHT * len(rows)), facecolor="white")
        ax = fig.add_subplot()
        ys = list(range(len(rows), 0, -1))
        for y, row in zip(ys, rows, strict=True):
            if row.ci_low is not None and row.ci_high is not None:
                ax.hlines(y, row.ci_low, row.ci_high, color=INK, linewidth=1.2)
            ax.plot([row.estimate], [y], marker="D" if row.emphasis else "s", color=ACCENT,
                    markersize=7 if row.emphasis else 5, linestyle="none")
            ax.text(1.03, y, row.text, transform=ax.get_yaxis_transform(), va="center", ha="left",
                    color=INK, fontweight="bold" if row.emphasis else "normal")
        ax.text(1.03, len(rows) + 0.6, column, transform=ax.get_yaxis_transform(), va="bottom",
                ha="left", color=INK, fontweight="bold")
        ax.axvline(1.0, color="#6b7280", linestyle="--", linewidth=0.8)
        ax.set_xscale("log")
        low, high = _limits(rows)
        ax.set_xlim(low, high)
        ticks = [t for t in TICKS if low <= t <= high]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.minorticks_off()
        ax.set_yticks(ys, [row.label for row in rows])
        for tick, row in zip(ax.get_yticklabels(), rows, strict=True):
            tick.set_fontweight("bold" if row.emphasis else "normal")
        ax.set_ylim(0.4, len(rows) + 0.6)
        ax.set_xlabel(xlabel)
        ax.set_title(title, loc="left", fontsize=10)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.tick_params(axis="y", length=0)
        fig.savefig(path, format="svg", bbox_inches="tight",
                    metadata={"Date": None, "Creator": "her2db"})
    return path

