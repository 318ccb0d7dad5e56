"""The one exporter of tabular data: CSV and JSON of the public views (the site's downloads,
``her2db export``) and of query results (``her2db query --format csv|json``).

Every path prints a number the same way, so a download, an export and a query never
disagree: the printed text where the row has it (``X`` beside ``X_text`` prints ``X_text``:
0.70, not 0.7), otherwise the plain form of ``numbers.plain`` (0.00001, not 1e-05; 49, not
49.0). JSON keeps numbers as JSON numbers written with that text, and stays valid JSON for
non-finite values (the strings "Infinity", "-Infinity", "NaN") and BLOBs (an SQL hex literal).
This module is light (no database layer, no site code): ``her2db query`` imports it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ..model.numbers import PRINTED_TEXT, plain
from ..model.views import foreign_keys, public_views
from ..util.paths import safe_child
from . import named as sitequeries

TEXT_SUFFIX = "_text"
BOM = "\ufeff"
# a printed text that is also a JSON number (JSON forbids leading zeros such as "07")
_JSON_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?")


def printed_columns(columns: Sequence[str]) -> dict[int, int]:
    """For each column ``X`` that has an ``X_text`` twin, the index of the twin."""
    index = {name: i for i, name in enumerate(columns)}
    return {i: index[name + TEXT_SUFFIX] for i, name in enumerate(columns)
            if name + TEXT_SUFFIX in index}


def _number_text(value: float, text: Any) -> str:
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
        return _number_text(value, text)
    return value


def json_value(value: Any, text: Any = None) -> str:
    """A value as a JSON literal: a number written as it prints (``0.70``), always valid JSON."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        number = _number_text(value, text)
        return number if _JSON_NUMBER.fullmatch(number) else _number_text(value, None)
    return json.dumps(cell(value), ensure_ascii=False)


def printed_cells(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterable[list[tuple[Any, Any]]]:
    """Each row's (value, printed text) pairs."""
    twins = printed_columns(columns)
    for row in rows:
        yield [(value, row[twins[i]] if i in twins else None) for i, value in enumerate(row)]


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]], bom: bool = False) -> str:
    """A CSV table, header first, ``\\n`` line ends; ``bom`` starts it with the UTF-8 byte order
    mark spreadsheets need to read the file as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([cell(value, text) for value, text in row] for row in printed_cells(columns, rows))
    return (BOM if bom else "") + buffer.getvalue()


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


# --- her2db export: a folder of every public view --------------------------------------------

EXPORT_FORMATS = ("csv", "json", "datapackage")
MARKER = ".her2db-export"  # lists the files an export wrote: the next export may replace them
DATAPACKAGE = "datapackage"
_FIELD_TYPES = {"INTEGER": "integer", "FLOAT": "number", "REAL": "number", "NUMERIC": "number",
                "BOOLEAN": "boolean", "VARCHAR": "string", "TEXT": "string"}


class ExportError(Exception):
    """The export cannot be written where the user said; the message says why."""


def _prepare(out: Path) -> None:
    """Make ``out`` ready: a new folder, an empty one, or the folder of an earlier export,
    whose files (listed in its marker, and nothing else) are removed. Any other folder is
    refused before anything is written: an export never replaces a file it did not write."""
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder")
    if not out.exists():
        if not out.parent.is_dir():
            raise ExportError(f"the folder {out.parent} does not exist: create it, or name another")
        out.mkdir()
        return
    present = {p.name for p in out.iterdir()}
    if not present:
        return
    marker = out / MARKER
    if MARKER not in present or marker.is_symlink() or not marker.is_file():
        raise ExportError(f"{out} is not empty and was not written by `her2db export`: name a new "
                          "or empty folder (nothing was written)")
    listed = {line for line in marker.read_text(encoding="utf-8").splitlines()
              if line and not line.startswith("#")}
    theirs = sorted(present - listed - {MARKER})
    mine = sorted(present & listed)
    unusual = [name for name in mine if (out / name).is_symlink() or not (out / name).is_file()]
    if theirs or unusual:
        raise ExportError(f"{out} holds files `her2db export` did not write: {', '.join((theirs + unusual)[:5])}; "
                          "move them or name another folder (nothing was written)")
    for name in mine:
        (out / name).unlink()


def _field_type(declared: str, values: Iterable[Any]) -> str:
    """The Table Schema type of a column: from its declared SQL type, else from its values."""
    if declared.upper() in _FIELD_TYPES:
        return _FIELD_TYPES[declared.upper()]
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) for v in present):
        return "integer"
    if present and all(isinstance(v, (int, float)) for v in present):
        return "number"
    return "string"


def _sources(conn: sqlite3.Connection) -> list[dict[str, str]]:
    """The publications the numbers were read from, as Data Package sources."""
    out = []
    for s in sitequeries.sources(conn):
        source = {"title": s["citation"]}
        link = s.get("url") or (f"https://doi.org/{s['doi']}" if s.get("doi") else None)
        if link:
            source["path"] = link
        out.append(source)
    return out


def datapackage(conn: sqlite3.Connection, bom: bool = False) -> dict[str, Any]:
    """The ``datapackage.json`` of a CSV export: a schema per view (types, titles, the
    descriptions declared in ``model/views.yaml``, primary and foreign keys), the licence, the
    sources and the release the data belongs to."""
    from importlib.metadata import metadata

    documented = public_views()
    views = sitequeries.public_views(conn)
    resources = []
    for view in views:
        names, rows = sitequeries.view_rows(conn, view)
        declared = {c["name"]: c["type"] or "" for c in sitequeries.view_columns(conn, view)}
        fields = []
        for i, name in enumerate(names):
            field: dict[str, Any] = {"name": name, "type": _field_type(declared.get(name, ""), (r[i] for r in rows)),
                                     "title": name.replace("_", " ").capitalize()}
            if view in documented and (text := documented[view].columns.get(name)):
                field["description"] = text
            if field["type"] == "boolean":
                field.update(trueValues=["1"], falseValues=["0"])
            fields.append(field)
        schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
        if view in documented and (key := documented[view].primary_key) and set(key) <= set(names):
            schema["primaryKey"] = list(key)
        foreign = [{"fields": [name], "reference": {"resource": target, "fields": [column]}}
                   for name, (target, column) in foreign_keys().items()
                   if name in names and target in views and target != view]
        if foreign:
            schema["foreignKeys"] = foreign
        resource: dict[str, Any] = {"name": view, "path": f"{view}.csv", "profile": "tabular-data-resource",
                                    "format": "csv", "mediatype": "text/csv",
                                    "encoding": "utf-8-sig" if bom else "utf-8"}
        if view in documented:
            resource["description"] = documented[view].summary
        resources.append({**resource, "schema": schema})
    package: dict[str, Any] = {
        "profile": "tabular-data-package", "name": "her2db",
        "title": "her2db: evidence database for HER2-positive metastatic breast cancer",
        "description": "The public views of her2db, one CSV file each; every number with its source "
                       "(source_id) and where in it (locator). Numbers are written as the source printed them.",
    }
    if releases := sitequeries.releases(conn):
        package["version"] = releases[0]["version"]
    package["licenses"] = [{"name": metadata("her2db").json.get("license") or "MIT"}]
    package["sources"] = _sources(conn)
    package["resources"] = resources
    return package


def export(conn: sqlite3.Connection, out: Path, fmt: str, bom: bool = False) -> list[Path]:
    """Write every public view into ``out`` as CSV, JSON or a Frictionless Data Package (CSV
    files and ``datapackage.json``); the same files, byte for byte, as the site's downloads.
    Returns the files written."""
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"unknown export format {fmt!r}: one of {', '.join(EXPORT_FORMATS)}")
    table_format = "csv" if fmt == DATAPACKAGE else fmt
    views = sitequeries.public_views(conn)
    names = [f"{view}{FORMATS[table_format]}" for view in views]
    names += [f"{DATAPACKAGE}.json"] if fmt == DATAPACKAGE else []
    # everything is read from the database before the folder is touched: a database that
    # cannot be read leaves an earlier export as it was
    package = datapackage(conn, bom) if fmt == DATAPACKAGE else None
    texts = view_texts(conn, table_format, bom)
    _prepare(out)
    try:
        # the marker first: a folder left half-written is still recognised as an export
        (out / MARKER).write_text(
            "# Written by `her2db export`; the next export into this folder replaces these files.\n"
            + "\n".join(names) + "\n", encoding="utf-8")
        written = write_views(out, texts, table_format, lambda view: view)
        if package is not None:
            path = safe_child(out, DATAPACKAGE, ".json")
            path.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise ExportError(f"cannot write into {out}: {exc.strerror or exc}") from exc
    return written
