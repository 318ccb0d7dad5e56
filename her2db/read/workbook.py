"""The Excel workbook of the downloads and of ``her2db export --format xlsx``: what a clinician
opens by double-click, with nothing lost on the way.

A first sheet says what the data are (release, date, licence, how to cite, every column's
description from ``model/views.yaml``); then one sheet per public view with its header row
frozen and filters on. Numbers are stored as numbers (they sort and sum), shown with the
decimals the source printed (0.70, not 0.7), each followed by its printed text (``X_text``),
stored as text. A text a spreadsheet would run as a formula is neutralised as in the CSV files
(``model.formulas``). The same database gives the same bytes: the workbook's dates are the
release's, never the clock's.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import sqlite3
from collections.abc import Sequence
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ..model import notation
from ..model.licence import DATA_LICENCE_TITLE, DATA_LICENCE_URL, licence_statement
from ..model.numbers import PRINTED_TEXT
from ..model.project import TITLE
from ..model.views import public_views
from . import named as sitequeries
from .cells import printed_cells, printed_columns
from .export import spreadsheet_cell

ABOUT_SHEET = "About"
UNRELEASED = dt.datetime(2000, 1, 1)
"""The workbook's creation date when the data are not a release (the clock would make every
export differ)."""
_CODE = re.compile(r"`([^`]*)`")
_WIDTH = (8, 60)  # a data column's width in characters, at least and at most


def sheet_order(columns: Sequence[str]) -> list[int]:
    """The view's column indices in sheet order: each number's printed text right after it."""
    twins = printed_columns(columns)
    placed = set(twins.values())
    order: list[int] = []
    for i in range(len(columns)):
        if i not in placed:
            order += [i, twins[i]] if i in twins else [i]
    return order + [i for i in sorted(placed) if i not in order]


class _Formats:
    """The workbook's cell formats, made once each: xlsxwriter writes every one it is given."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self.bold = book.add_format({"bold": True})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self._decimals: dict[int, Format] = {}

    def number(self, text: Any) -> Format | None:
        """How a number shows: with the decimals of its printed text, if it has one."""
        if not (isinstance(text, str) and PRINTED_TEXT.fullmatch(text)):
            return None
        places = len(text.partition(".")[2])
        if places not in self._decimals:
            self._decimals[places] = self.book.add_format({"num_format": "0." + "0" * places if places else "0"})
        return self._decimals[places]


def _write_cell(sheet: Worksheet, row: int, col: int, value: Any, text: Any, formats: _Formats) -> int:
    """Write one cell: a finite number as a number, anything else as text (never a formula);
    returns the width of what it shows."""
    if value is None:
        return 0
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        sheet.write_number(row, col, value, formats.number(text))
        return len(str(spreadsheet_cell(value, text)))
    shown = str(spreadsheet_cell(value, text))
    sheet.write_string(row, col, shown)
    return max((len(line) for line in shown.splitlines()), default=0)


def _view_sheet(book: xlsxwriter.Workbook, formats: _Formats, view: str, columns: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:
    sheet = book.add_worksheet(view)
    order = sheet_order(columns)
    widths = [len(columns[i]) for i in order]
    for col, i in enumerate(order):
        sheet.write_string(0, col, str(spreadsheet_cell(columns[i])), formats.bold)
    for r, row in enumerate(printed_cells(columns, rows), start=1):
        for col, i in enumerate(order):
            widths[col] = max(widths[col], _write_cell(sheet, r, col, *row[i], formats))
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(max(width + 2, _WIDTH[0]), _WIDTH[1]))
    sheet.freeze_panes(1, 0)
    if columns:
        sheet.autofilter(0, 0, len(rows), len(columns) - 1)
    sheet.ignore_errors({"number_stored_as_text": "A1:XFD1048576"})  # the printed texts, on purpose


def _plain(markdown: str) -> str:
    """A description of ``views.yaml`` as a cell shows it: no backticks, one paragraph a line."""
    return "\n".join(" ".join(p.split()) for p in _CODE.sub(r"\1", markdown).split("\n\n"))


def _about_sheet(book: xlsxwriter.Workbook, formats: _Formats, release: dict[str, Any] | None,
                 sheets: dict[str, list[str]]) -> None:
    sheet = book.add_worksheet(ABOUT_SHEET)
    version = release["version"] if release else "working copy (unreleased)"
    date = release["date"] if release else "unreleased"
    facts = [
        ("Release", version),
        ("Date", date),
        ("Licence", licence_statement()),
        ("How to cite", (f"{TITLE}. Release {version} ({date})." if release else f"{TITLE}, an unreleased working "
                         "copy.") + " Cite the release together with the publication "
                        "a number was read from (its source_id; cites names the primary publication it "
                        "quotes), whose citation is in the sheet v_sources."),
        ("Numbers", "Stored as numbers and shown as the source printed them; the column after a number, "
                    "named *_text, holds its printed text. A text that a spreadsheet would run as a formula "
                    "(starting with =, +, -, @) is written with a single quote (') before it."),
        ("Absent values", notation.in_downloads()),
    ]
    sheet.write_string(0, 0, TITLE, formats.bold)
    for r, (name, text) in enumerate(facts, start=2):
        sheet.write_string(r, 0, name, formats.bold)
        sheet.write_string(r, 2, text, formats.wrap)
    r = len(facts) + 3
    for c, name in enumerate(("Sheet", "Column", "Description")):
        sheet.write_string(r, c, name, formats.bold)
    declared = public_views()
    for view, columns in sheets.items():
        described = declared.get(view)
        r += 1
        sheet.write_string(r, 0, view, formats.bold)
        sheet.write_string(r, 2, _plain(described.description) if described else "", formats.wrap)
        for column in columns:
            r += 1
            sheet.write_string(r, 0, view)
            sheet.write_string(r, 1, column)
            sheet.write_string(r, 2, _plain(described.columns.get(column, "")) if described else "", formats.wrap)
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 1, 28)
    sheet.set_column(2, 2, 100)


def _created(release: dict[str, Any] | None) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(str(release["date"])) if release else UNRELEASED
    except ValueError:
        return UNRELEASED


def workbook(conn: sqlite3.Connection) -> bytes:
    """The workbook of every public view (``.xlsx``), its about sheet first."""
    releases = sitequeries.releases(conn)
    release = releases[0] if releases else None
    tables = {view: sitequeries.view_rows(conn, view) for view in sitequeries.public_views(conn)}
    buffer = io.BytesIO()
    # in memory: xlsxwriter then dates the files inside the zip 1980-01-01, not now
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    book.set_properties({"title": TITLE, "created": _created(release),
                         "comments": f"{DATA_LICENCE_TITLE}, {DATA_LICENCE_URL}"})
    formats = _Formats(book)
    _about_sheet(book, formats, release,
                 {view: [columns[i] for i in sheet_order(columns)] for view, (columns, _) in tables.items()})
    for view, (columns, rows) in tables.items():
        _view_sheet(book, formats, view, columns, rows)
    book.close()
    return buffer.getvalue()
