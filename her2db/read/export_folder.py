"""``her2db export``: every public view written into a folder as CSV, JSON, a Frictionless
Data Package or an Excel workbook, or the whole database as a FHIR R5 Bundle; the same files,
byte for byte, as the site's downloads.

An export replaces only what an earlier export wrote (listed in the folder's marker file) and
reads everything from the database before it touches the folder.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..model.licence import DATA_LICENCE, DATA_LICENCE_TITLE, DATA_LICENCE_URL
from ..model.views import foreign_keys, public_views
from ..util.atomic import leftover_pattern, write_atomic
from ..util.paths import safe_child
from . import fhir
from . import named as sitequeries
from .export import FORMATS, view_texts, write_views
from .workbook import TITLE, workbook

DATAPACKAGE = "datapackage"
XLSX = "xlsx"
FHIR = "fhir"
FHIR_SUFFIX = ".fhir.json"  # her2db-<release>.fhir.json: a FHIR R5 Bundle (``fhir.py``)
EXPORT_FORMATS = ("csv", "json", DATAPACKAGE, XLSX, FHIR)
MARKER = ".her2db-export"  # lists the files an export wrote: the next export may replace them
WORKBOOK = "her2db"  # her2db.xlsx: a release's workbook on the site is her2db-<release>.xlsx
_FIELD_TYPES = {"INTEGER": "integer", "FLOAT": "number", "REAL": "number", "NUMERIC": "number",
                "BOOLEAN": "boolean", "VARCHAR": "string", "TEXT": "string"}


class ExportError(Exception):
    """The export cannot be written where the user said; the message says why."""


def _prepare(out: Path) -> None:
    """Make ``out`` ready: a new folder, an empty one, or the folder of an earlier export,
    whose files (listed in its marker, and nothing else) are removed. Any other folder is
    refused before anything is written: an export never replaces a file it did not write. The
    temporary files of an export killed mid-write (of a listed file) are its own, removed too."""
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder")
    if not out.exists():
        if out.is_symlink():
            raise ExportError(f"{out} is a link to nothing: name a new or empty folder (nothing was written)")
        if out.parent.exists() and not out.parent.is_dir():
            raise ExportError(f"{out.parent} is a file, not a folder: name another folder")
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
    try:
        text = marker.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ExportError(f"{out} holds a {MARKER} that `her2db export` did not write (not UTF-8 text): name a "
                          "new or empty folder (nothing was written)") from exc
    listed = {line for line in text.splitlines() if line and not line.startswith("#")}
    temporary = [leftover_pattern(out / name) for name in listed]  # what an export killed mid-write leaves
    leftovers = {name for name in present if any(pattern.fullmatch(name) for pattern in temporary)}
    theirs = sorted(present - listed - leftovers - {MARKER})
    mine = sorted(present & (listed | leftovers))
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
                                    "encoding": "utf-8-sig" if bom else "utf-8",
                                    # stated, not left to sniffing: a text full of "; " once made a
                                    # reader take ';' for the delimiter
                                    "dialect": {"delimiter": ",", "quoteChar": '"', "doubleQuote": True,
                                                "header": True}}
        if view in documented:
            resource["description"] = documented[view].summary
        resources.append({**resource, "schema": schema})
    package: dict[str, Any] = {
        "profile": "tabular-data-package", "name": "her2db",
        "title": TITLE,
        "description": "The public views of her2db, one CSV file each; every number with its source "
                       "(source_id) and where in it (locator). Numbers are written as the source printed them.",
    }
    if releases := sitequeries.releases(conn):
        package["version"] = releases[0]["version"]
    package["licenses"] = [{"name": DATA_LICENCE, "title": DATA_LICENCE_TITLE, "path": DATA_LICENCE_URL}]
    package["sources"] = _sources(conn)
    package["resources"] = resources
    return package


def fhir_bytes(conn: sqlite3.Connection, base_url: str | None = None) -> bytes:
    """The FHIR R5 Bundle of the database, as the site offers it and ``her2db export`` writes it."""
    return (fhir.bundle_json(fhir.bundle(conn, base_url)) + "\n").encode("utf-8")


def export(conn: sqlite3.Connection, out: Path, fmt: str, bom: bool = True,
           base_url: str | None = None) -> list[Path]:
    """Write every public view into ``out``: CSV, JSON, a Frictionless Data Package (CSV files
    and ``datapackage.json``), one Excel workbook (``her2db.xlsx``) or a FHIR R5 Bundle
    (``her2db-<release>.fhir.json``, its Evidence linked to their records' pages under
    ``base_url``, the site's address, when given); the same files, byte for byte, as the site's
    downloads. CSV starts with a byte order mark unless ``bom`` is False. Returns the files written."""
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"unknown export format {fmt!r}: one of {', '.join(EXPORT_FORMATS)}")
    # everything is read from the database before the folder is touched: a database that
    # cannot be read leaves an earlier export as it was
    table_format = "csv" if fmt == DATAPACKAGE else fmt
    texts = view_texts(conn, table_format, bom) if table_format in FORMATS else {}
    files: dict[tuple[str, str], bytes] = {}
    if fmt == DATAPACKAGE:
        files[DATAPACKAGE, ".json"] = (json.dumps(datapackage(conn, bom), indent=2, ensure_ascii=False)
                                       + "\n").encode("utf-8")
    if fmt == XLSX:
        files[WORKBOOK, ".xlsx"] = workbook(conn)
    if fmt == FHIR:
        files[fhir.bundle_name(conn), FHIR_SUFFIX] = fhir_bytes(conn, base_url)
    names = [f"{view}{FORMATS[table_format]}" for view in texts] + [stem + suffix for stem, suffix in files]
    try:
        _prepare(out)
        # the marker first: a folder left half-written is still recognised as an export
        (out / MARKER).write_text(
            "# Written by `her2db export`; the next export into this folder replaces these files.\n"
            + "\n".join(names) + "\n", encoding="utf-8")
        written = write_views(out, texts, table_format, lambda view: view) if texts else []
        for (stem, suffix), data in files.items():
            path = safe_child(out, stem, suffix)
            write_atomic(path, data)
            written.append(path)
    except OSError as exc:
        raise ExportError(f"cannot write into {out}: {exc.strerror or exc}") from exc
    return written
