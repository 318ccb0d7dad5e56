"""The flag a number carries on the page when its record questions it: the curator's
``caution`` (likely misprint, text and table disagree, denominator unclear), else the kind of
reading it rests on (a curator's reading, a value computed from other records). The reasons
are in the number's source panel and the curation notes; the flag makes them visible."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

BASIS_FLAGS = {"curator": "curator's reading", "derived": "computed"}


def flag(row: dict[str, Any]) -> str:
    """The words of ``row``'s flag, or "" for a number reported as printed without a doubt."""
    return row.get("caution") or BASIS_FLAGS.get(row.get("basis") or "", "")


def remainder(parts: list[dict[str, Any]]) -> str:
    """What a breakdown in percent leaves unlabelled (100 minus the printed shares, in their
    precision: "3.7%"), or "" when the shares are not all printed percentages or leave none."""
    try:
        shares = [Decimal(p.get("value_text") or "x") for p in parts if p.get("unit") == "%"]
    except InvalidOperation:
        return ""
    if not shares or len(shares) != len(parts) or any(p.get("qualifier") for p in parts):
        return ""
    left = Decimal(100) - sum(shares)
    return f"{left}%" if left > 0 else ""
