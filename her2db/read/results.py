"""What a query returns and the limits every query runs under, on either engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FORMATS = ("table", "csv", "json", "markdown")
DEFAULT_MAX_ROWS = 1000
DEFAULT_TIME_LIMIT = 10.0
MAX_VALUE_BYTES = 10_000_000
"""Largest string or BLOB a query may build (SQLite's length limit): ``zeroblob(1e9)`` or a
``group_concat`` over a runaway CTE stop with an error instead of exhausting memory."""
MAX_RESULT_BYTES = 50_000_000
"""Largest result kept, all values together: many large rows stop as one huge value does."""
FORMAT_HELP = ("Output format. JSON prints non-finite numbers as the strings \"Infinity\", "
               "\"-Infinity\", \"NaN\"; every format prints a BLOB as an SQL hex literal, X'0A1B'.")


class QueryError(Exception):
    """The SQL could not run: a syntax error, a write attempt, a time-out, a result too large."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool = False
