"""The one exporter of tabular data: CSV and JSON of the public views (the site's downloads,
``her2db export``) and of query results (``her2db query --format csv|json``).

Every path prints a number the same way, so a download, an export and a query never
disagree: the printed text where the row has it (``X`` beside ``X_text`` prints ``X_text``:
0.70, not 0.7), otherwise the plain form of ``numbers.plain`` (0.00001, not 1e-05; 49, not
49.0). JSON keeps numbers as JSON numbers written with that text, and stays valid JSON for
non-finite values (the strings "Infinity", "-Infinity", "NaN") and BLOBs (an SQL hex literal).
CSV (and the workbook, ``workbook.py``) is what spreadsheets open: a text cell a spreadsheet
would run as a formula is written neutralised (``model.formulas``: ``'=1+1``); JSON keeps every
text as it is.
How a single value prints is ``cells.py`` (what ``her2db query``'s tables import). The
workbook is ``workbook.py``; ``her2db export``'s folder and Data Package ``export_folder.py``.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ..model.formulas import neutralised
from ..util.paths import safe_child
from . import named as sitequeries
from .cells import cell, number_text, printed_cells

BOM = "\ufeff"
# a printed text that is also a JSON number (JSON forbids leading zeros such as "07")
_JSON_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?")


def spreadsheet_cell(value: Any, text: Any = None) -> Any:
    """A value as a CSV or workbook cell holds it: as ``cell`` prints it, a text that a
    spreadsheet would run as a formula neutralised (``'=1+1``)."""
    return neutralised(value) if isinstance(value, str) else cell(value, text)


def json_value(value: Any, text: Any = None) -> str:
    """A value as a JSON literal: a number written as it prints (``0.70``), always valid JSON."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        number = number_text(value, text)
        return number if _JSON_NUMBER.fullmatch(number) else number_text(value, None)
    return json.dumps(cell(value), ensure_ascii=False)


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]], bom: bool = False) -> str:
    """A CSV table, header first, ``\\n`` line ends, formulas neutralised; ``bom`` starts it with
    the UTF-8 byte order mark spreadsheets need to read the file as UTF-8 (without it, Excel
    reads ``≥`` as ``â‰¥``)."""
    # "\r\n" as the writer's line end makes it quote a field holding a lone "\r" as well (with
    # "\n" it does not, and readers would split the record there); each record then ends in "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    records = []
    for row in itertools.chain([[neutralised(name) for name in columns]],
                               ([spreadsheet_cell(value, text) for value, text in row]
                                for row in printed_cells(columns, rows))):
        writer.writerow(row)
        records.append(buffer.getvalue()[:-2])
        buffer.seek(0)
        buffer.truncate()
    return (BOM if bom else "") + "\n".join(records) + "\n"


def json_text(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A JSON array of one object per row, keys in column order: one object a line, without
    indentation or spaces (a fifth fewer bytes than ``indent=2`` in the site's downloads, and
    still read, grepped and diffed row by row)."""
    keys = [json.dumps(c, ensure_ascii=False) + ":" for c in columns]
    records = ["{" + ",".join(key + json_value(value, text) for key, (value, text) in zip(keys, row, strict=True)) + "}"
               for row in printed_cells(columns, rows)]
    return "[\n" + ",\n".join(records) + "\n]" if records else "[]"


FORMATS = {"csv": ".csv", "json": ".json"}


def table_text(fmt: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], bom: bool = False) -> str:
    """A table in ``fmt`` (one of ``FORMATS``), ending with a newline, as files hold it."""
    if fmt == "csv":
        return csv_text(columns, rows, bom)
    if fmt == "json":
        return json_text(columns, rows) + "\n"
    raise ValueError(f"unknown export format {fmt!r}")


def view_texts(conn: sqlite3.Connection, fmt: str, bom: bool = False) -> dict[str, str]:
    """Every public view as the text of its file in ``fmt``, read before anything is written."""
    return {view: table_text(fmt, *sitequeries.view_rows(conn, view), bom)
            for view in sitequeries.public_views(conn)}


def write_views(out: Path, texts: dict[str, str], fmt: str, stem: Callable[[str], str]) -> list[Path]:
    """Write each view's text as ``<out>/<stem(view)>.<fmt>``; the file names are checked
    slugs (``files.safe_child``), so nothing lands outside ``out``. Returns the files."""
    written = []
    for view, text in texts.items():
        path = safe_child(out, stem(view), FORMATS[fmt])
        path.write_text(text, encoding="utf-8", newline="")
        written.append(path)
    return written
