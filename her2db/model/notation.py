"""How every page, table, figure and download says that a value is absent: four meanings,
four notations, never one glyph for two of them.

A number can be missing because the event's median was not reached, because it could not be
estimated, because the source gives none, or because it does not apply to the row. Readers
must tell these apart, so each has its own text; the two clinicians abbreviate (NR, NE) are
abbreviations with their meaning as a title and in a legend beside every table that uses one.
The downloads use the same tokens: ``NR`` and ``NE`` in a printed-value column, and an
empty cell only for a value the source does not give.
"""

from __future__ import annotations

from typing import NamedTuple


class Absence(NamedTuple):
    key: str
    """The marker's name in markup (``data-absent``) and styles."""
    text: str
    """What a cell shows."""
    meaning: str
    """What it means: an abbreviation's title, and the legend's words."""
    abbreviation: bool = False
    """Whether ``text`` abbreviates ``meaning`` (shown as ``<abbr title=meaning>``)."""


NOT_REACHED = Absence("not-reached", "NR", "not reached (fewer than half of the patients had had the event)",
                      abbreviation=True)
NOT_ESTIMABLE = Absence("not-estimable", "NE", "not estimable", abbreviation=True)
NOT_REPORTED = Absence("not-reported", "not reported", "the source gives no value")
NOT_APPLICABLE = Absence("not-applicable", "not applicable", "the row has no such value")
ABSENCES = (NOT_REACHED, NOT_ESTIMABLE, NOT_REPORTED, NOT_APPLICABLE)
BY_KEY = {a.key: a for a in ABSENCES}


def in_downloads() -> str:
    """How the downloads (CSV, JSON, workbook) write absent values, for their readers."""
    return (f"An empty cell is a value the row does not have: the source gives none, or the column does not "
            f"apply (the column's description says which). A median {NOT_REACHED.meaning.split(' (')[0]} or "
            f"{NOT_ESTIMABLE.meaning} has an empty value and not_reached or not_estimable set to 1; "
            f"v_reports writes it as {NOT_REACHED.text} or {NOT_ESTIMABLE.text} in value_text. No other "
            f"token stands for an absent value.")
