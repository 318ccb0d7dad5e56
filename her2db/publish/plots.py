"""Forest plots of hazard ratios: the geometry, computed here; the SVG, written by the
autoescaped template ``templates/forest.svg`` straight into the page.

The figure is inline SVG drawn in ``currentColor`` and Material's colour variables, so it
follows the reader's light or dark scheme, and its text stays text (searchable, testable).
Its ``<title>`` and ``<desc>`` carry the numbers for readers who cannot see it, and the page
prints the same numbers beside it. A figure shows at most ``MAX_ROWS`` rows: a cross-study
figure of a large corpus is cut there, and its caption says so.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field

MAX_ROWS = 40
WIDTH = 600
LABEL_CHARS = 30  # a label wraps after this many characters
LINE = 15  # px per text line
PAD = 8  # px above and below each row
LABEL_WIDTH = 200
TEXT_WIDTH = 116  # the "HR (95% CI)" column at the right
TOP = 34  # room for the column heading
AXIS = 44  # room for the axis and its label
TICKS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)


@dataclass(frozen=True)
class ForestRow:
    label: str
    estimate: float
    ci_low: float | None = None
    ci_high: float | None = None
    text: str = ""  # the numbers printed at the right of the line, e.g. "0.56 (0.44–0.71)"
    emphasis: bool = False  # the whole-population row


@dataclass
class Forest:
    """Everything ``forest.svg`` draws, in pixels of a ``WIDTH``-wide view box."""

    title: str
    rows: list[dict[str, object]]
    ticks: list[dict[str, object]]
    height: int
    x_one: float
    plot_left: int = LABEL_WIDTH
    plot_right: int = WIDTH - TEXT_WIDTH - 10
    width: int = WIDTH
    text_x: int = WIDTH - TEXT_WIDTH
    shown: int = 0
    total: int = 0
    column: str = "HR (95% CI)"
    xlabel: str = "Hazard ratio (log scale); < 1 favours the experimental arm"
    description: list[str] = field(default_factory=list)


def _limits(rows: list[ForestRow]) -> tuple[float, float]:
    values = [v for r in rows for v in (r.estimate, r.ci_low, r.ci_high) if v is not None and v > 0]
    return min(values + [1.0]) / 1.25, max(values + [1.0]) * 1.25


def forest(rows: list[ForestRow], title: str) -> Forest:
    """Lay ``rows`` out top to bottom on a log axis with a line at 1 (at most ``MAX_ROWS``)."""
    shown = rows[:MAX_ROWS]
    low, high = _limits(shown)
    left, right = LABEL_WIDTH, WIDTH - TEXT_WIDTH - 10

    def x(value: float) -> float:
        value = min(max(value, low), high)
        return round(left + (math.log(value) - math.log(low)) / (math.log(high) - math.log(low)) * (right - left), 1)

    out, y = [], TOP
    for row in shown:
        lines = textwrap.wrap(row.label, LABEL_CHARS) or [""]
        height = LINE * len(lines) + 2 * PAD
        middle = y + height / 2
        out.append({
            "lines": [{"text": t, "y": round(middle - LINE * (len(lines) - 1) / 2 + LINE * i + 4, 1)}
                      for i, t in enumerate(lines)],
            "y": round(middle, 1), "x": x(row.estimate),
            "x_low": x(row.ci_low) if row.ci_low is not None else None,
            "x_high": x(row.ci_high) if row.ci_high is not None else None,
            "text": row.text, "emphasis": row.emphasis, "label": row.label,
        })
        y += height
    ticks = [{"x": x(t), "label": f"{t:g}"} for t in TICKS if low <= t <= high]
    return Forest(title=title, rows=out, ticks=ticks, height=int(y + AXIS), x_one=x(1.0),
                  shown=len(shown), total=len(rows),
                  description=[f"{r.label}: {r.text}" for r in shown])
