"""How a value prints in every tabular output (query tables, CSV, JSON, the workbook): the
printed text where the row has it (``X`` beside ``X_text`` prints ``X_text``: 0.70, not 0.7),
otherwise the plain form of ``numbers.plain`` (0.00001, not 1e-05; 49, not 49.0); non-finite
numbers by name, a BLOB as an SQL hex literal.

Light on purpose (no JSON, CSV or database code): ``her2db query`` imports it on start-up.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from ..model.numbers import PRINTED_TEXT, plain

TEXT_SUFFIX = "_text"


def printed_columns(columns: Sequence[str]) -> dict[int, int]:
    """For each column ``X`` that has an ``X_text`` twin, the index of the twin."""
    index = {name: i for i, name in enumerate(columns)}
    return {i: index[name + TEXT_SUFFIX] for i, name in enumerate(columns)
            if name + TEXT_SUFFIX in index}


def number_text(value: float, text: Any) -> str:
    """How a finite number prints: its printed text if the row has one written in digits
    ("0.70"; a text such as "six" stays in its ``X_text`` column), else its plain form."""
    if isinstance(text, str) and PRINTED_TEXT.fullmatch(text):
        return text
    return str(value) if isinstance(value, int) else plain(value)


def _non_finite(value: float) -> str:
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def cell(value: Any, text: Any = None) -> Any:
    """A value as text formats print it (CSV, tables): numbers as printed, non-finite numbers
    by name, a BLOB as an SQL hex literal; strings and NULL (None) unchanged."""
    if isinstance(value, bytes):
        return f"X'{value.hex().upper()}'"
    if isinstance(value, float) and not math.isfinite(value):
        return _non_finite(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number_text(value, text)
    return value


def printed_cells(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterable[list[tuple[Any, Any]]]:
    """Each row's (value, printed text) pairs."""
    twins = printed_columns(columns)
    for row in rows:
        yield [(value, row[twins[i]] if i in twins else None) for i, value in enumerate(row)]
