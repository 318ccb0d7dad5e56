"""Numbers as the source printed them.

A clinical reader must see what the paper printed: ``0.70`` is not ``0.7``, ``29.0`` months is
not ``29``. A curated number therefore keeps its printed text beside its value (``Printed``),
the database stores both (``X`` and ``X_text``), and every display goes through ``display``.
This module is light (no pydantic, no YAML) so the CLI's display code can import it cheaply.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

SQLITE_MAX_INT = 2**63 - 1
# what a curator may write as printed: digits, an optional decimal part, an optional sign
PRINTED_TEXT = re.compile(r"-?\d+(\.\d+)?", re.ASCII)  # 0-9 only: "٤٠" is no number a source printed


class Printed(float):
    """A float that remembers the text it was printed as (``Printed(0.7, "0.70")``).

    It computes like any float, so checks and arithmetic need no special case."""

    __slots__ = ("text",)  # no per-number __dict__: a large corpus holds many numbers
    text: str

    def __new__(cls, value: float, text: str) -> Printed:
        number = super().__new__(cls, value)
        number.text = text
        return number

    def __reduce__(self) -> tuple[Any, ...]:
        return (Printed, (float(self), self.text))


class NotANumber(ValueError):
    """A value that cannot be a printed number; the message says why."""


def parse(raw: object) -> Printed:
    """A ``Printed`` from a YAML number or a quoted string as printed ("0.70")."""
    if isinstance(raw, Printed):
        if not math.isfinite(raw):
            raise NotANumber("a finite number (not NaN or infinity)")
        return raw  # immutable, so shared rather than copied
    if isinstance(raw, bool):
        raise NotANumber("a number, not true/false")
    elif isinstance(raw, int):
        if abs(raw) > SQLITE_MAX_INT:
            raise NotANumber("a number small enough to store (at most 2^63 - 1)")
        number: float = float(raw)
        text = str(raw)
    elif isinstance(raw, float):
        number, text = raw, plain(raw)
    elif isinstance(raw, str):
        text = raw.strip()
        if not PRINTED_TEXT.fullmatch(text):
            raise NotANumber("a number, or a quoted number as printed such as \"0.70\"")
        number = float(text)
    else:
        raise NotANumber("a number")
    if not math.isfinite(number):
        raise NotANumber("a finite number (not NaN or infinity)")
    return Printed(number, text)


def plain(value: float) -> str:
    """A float written out without exponent or a spurious ``.0``: 0.00001, 49, 29.5."""
    text = format(Decimal(repr(float(value))), "f")
    return text[:-2] if text.endswith(".0") else text


def text_of(value: float | None) -> str | None:
    """The printed text of a curated number (its shortest plain form when it has none)."""
    if value is None:
        return None
    return value.text if isinstance(value, Printed) else plain(value)


def decimals(text: str) -> int:
    """Decimals printed: 2 for "0.70", 0 for "77"."""
    return len(text.split(".", 1)[1]) if "." in text else 0


def half_unit(value: float) -> float:
    """Half a unit of the last printed digit: how far the true value may lie from it."""
    return 0.5 * 10 ** -decimals(text_of(value) or "0")


def display(text: str | None, qualifier: str | None = None, upper_text: str | None = None,
            unit: str | None = None) -> str:
    """A value as the reader should see it: "approximately 16%", "61–80%", "29.0 months"."""
    if text is None:
        return ""
    shown = f"{text}–{upper_text}" if upper_text else text
    if unit == "%":
        shown += "%"
    elif unit:
        shown += f" {unit}"
    return f"{qualifier} {shown}" if qualifier else shown
