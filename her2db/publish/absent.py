"""Absent values in the pages' markup: a marker per meaning (``model/notation.py``), and a
legend after every table or block that uses one, naming only the notations it uses.

Markers carry ``data-absent``; the plugin passes each page's HTML through
``add_legends`` once it is rendered, so hand-written pages and every template get their
legends from one place and a legend never explains a notation its table does not use.
"""

from __future__ import annotations

import re

from markupsafe import Markup

from ..model.notation import ABSENCES, BY_KEY, Absence

_MARKER = re.compile(r'data-absent="([a-z-]+)"')
# a table with the scroll box around it; a list, paragraph or figure holding a marker
_TABLE = re.compile(r"<table\b.*?</table>(?:\s*</div>)?", re.S)
_BLOCK_END = re.compile(r"</(?:ul|ol|p|figure|dl)>")


def _abbr(absence: Absence, attributes: str = "") -> Markup:
    if absence.abbreviation:
        return Markup('<abbr class="her2db-absent"{} title="{}">{}</abbr>').format(
            Markup(attributes), absence.meaning, absence.text)
    return Markup('<span class="her2db-absent"{}>{}</span>').format(Markup(attributes), absence.text)


def marker(key: str) -> Markup:
    """The cell text of an absent value of kind ``key`` (a key of ``notation.BY_KEY``)."""
    absence = BY_KEY[key]
    return _abbr(absence, Markup(' data-absent="{}"').format(absence.key))


def legend(keys: set[str]) -> Markup:
    """What each of ``keys`` means, in the notation's own order."""
    items = [Markup("{} {}").format(_abbr(a), a.meaning) if a.abbreviation
             else Markup("{}: {}").format(_abbr(a), a.meaning) for a in ABSENCES if a.key in keys]
    return Markup('<p class="her2db-legend her2db-notation" data-search-exclude>{}</p>').format(
        Markup("; ").join(items) + Markup("."))


def add_legends(html: str) -> str:
    """``html`` with a legend after each table, and after each list, paragraph or figure
    outside tables, that shows an absent value."""
    inserts: dict[int, set[str]] = {}
    tables = [m.span() for m in _TABLE.finditer(html)]
    for start, end in tables:
        if keys := set(_MARKER.findall(html, start, end)):
            inserts.setdefault(end, set()).update(keys)
    for found in _MARKER.finditer(html):
        if any(start <= found.start() < end for start, end in tables):
            continue
        block = _BLOCK_END.search(html, found.end())
        inserts.setdefault(block.end() if block else len(html), set()).add(found.group(1))
    for position in sorted(inserts, reverse=True):
        html = f"{html[:position]}\n{legend(inserts[position])}{html[position:]}"
    return html
