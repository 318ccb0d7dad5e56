"""Dates as curated files and commands write them: YYYY-MM-DD, a day that exists."""

from __future__ import annotations

from datetime import date


def is_iso_date(text: str) -> bool:
    """``2026-12-01``; not ``2026-2-1`` (another form) nor ``2026-02-30`` (no such day)."""
    try:
        return len(text) == 10 and text.isascii() and date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False
