"""Bulk entry of a table as it comes out of a paper: one CSV row per record, all or nothing.

The columns of each kind are the fields of its model (``fields.field_specs``), so the layout
follows the curated format without a second definition. Required columns must be present,
optional ones may be left out, unknown ones are refused; an empty cell is an absent field.
Files may be UTF-8 with or without a byte-order mark, comma- or semicolon-separated (as
spreadsheets export them). One bad row rejects the whole file, naming its row and column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model.numbers import Printed
from .edit import EditResult, add_records, study_rel
from .fields import STUDY_SECTIONS, EditError, FieldSpec, coerce, field_specs
from .yamlfile import read_document, to_plain

KINDS = ("ae", "result", "comparison", "characteristic")
MAX_BYTES = 20_000_000


class CsvImportError(Exception):
    """The file was refused; nothing was written."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass
class Row:
    line: int  # row number as a spreadsheet shows it (the header is row 1)
    record: dict[str, Any]


def columns(kind: str) -> list[FieldSpec]:
    return field_specs(kind)


def template(kind: str) -> str:
    """An empty CSV with the header of ``kind``: every column, required ones first."""
    specs = columns(kind)
    ordered = [s.name for s in specs if s.required] + [s.name for s in specs if not s.required]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(ordered)
    return buffer.getvalue()


def layout(kind: str) -> str:
    """One line per column: name, required or optional, type, allowed values."""
    lines = []
    for spec in columns(kind):
        kind_name = "/".join(sorted(spec.types)) or "text"
        allowed = f"; one of: {', '.join(spec.choices)}" if spec.choices else ""
        lines.append(f"{spec.name} ({'required' if spec.required else 'optional'}, {kind_name}{allowed})"
                     + (f": {spec.help}" if spec.help else ""))
    return "\n".join(lines)


def _delimiter(header: str) -> str:
    """The separator that splits the header into the most columns (header names never
    contain a comma, semicolon or tab)."""
    return max((",", ";", "\t"), key=header.count)


def read_rows(path: Path, kind: str) -> list[Row]:
    """Parse and type every row of ``path``; ``CsvImportError`` for the first bad one."""
    name = path.name
    try:
        if path.stat().st_size > MAX_BYTES:
            raise CsvImportError(f"{name}: larger than {MAX_BYTES // 1_000_000} MB; split it")
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvImportError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise CsvImportError(f"{name}: cannot be read ({exc.strerror})") from exc
    expected = ", ".join(s.name for s in columns(kind) if s.required)
    if not text.strip():
        raise CsvImportError(f"{name}: the file is empty (expected a header row with at least: {expected})")
    header_line = text.splitlines()[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(header_line))
    header = [h.strip() for h in next(reader)]
    specs = {s.name: s for s in columns(kind)}
    unknown = [h for h in header if h not in specs]
    if unknown:
        raise CsvImportError(f"{name}: row 1: unknown column(s) {', '.join(repr(u) for u in unknown)} "
                             f"(columns of {kind}: {', '.join(specs)})")
    missing = [s for s in specs.values() if s.required and s.name not in header]
    if missing:
        raise CsvImportError(f"{name}: row 1: missing required column(s) "
                             f"{', '.join(s.name for s in missing)}")
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise CsvImportError(f"{name}: row 1: column(s) {', '.join(repeated)} given twice")
    rows: list[Row] = []
    seen: dict[tuple[str, ...], int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise CsvImportError(f"{name}: row {line}: {len(cells)} cells for {len(header)} columns")
        key = tuple(c.strip() for c in cells)
        if key in seen:
            raise CsvImportError(f"{name}: row {line}: duplicates row {seen[key]}")
        seen[key] = line
        record: dict[str, Any] = {}
        for column, cell in zip(header, cells, strict=True):
            if not cell.strip():
                continue
            try:
                record[column] = coerce(specs[column], cell)
            except ValueError as exc:
                raise CsvImportError(f"{name}: row {line}, column {column}: {exc}") from exc
        absent = [s.name for s in specs.values() if s.required and s.name not in record]
        if absent:
            raise CsvImportError(f"{name}: row {line}, column {absent[0]}: required value is empty")
        rows.append(Row(line, {s: record[s] for s in specs if s in record}))
    if not rows:
        raise CsvImportError(f"{name}: no data rows under the header")
    return rows


_PROBLEM_PATH = re.compile(r"\[(\d+)\](?: › (\w+))?")


def import_csv(sources: Path, study_id: str, path: Path, kind: str, db_path: Path | None,
               dry_run: bool = False) -> tuple[list[Row], EditResult]:
    """Add every row of ``path`` to the study as records of ``kind``, or none of them."""
    rows = read_rows(path, kind)
    section = STUDY_SECTIONS[kind]
    existing = read_document(sources / study_rel(sources, study_id)).data.get(section) or []
    plain = [to_plain(item) for item in existing]
    for row in rows:
        as_stored = to_plain({k: (float(v) if isinstance(v, Printed) else v)
                                   for k, v in row.record.items()})
        if as_stored in plain:
            raise CsvImportError(f"{path.name}: row {row.line}: already in {study_id} as "
                                 f"{section}[{plain.index(as_stored)}]")
    try:
        result = add_records(sources, study_id, kind, [r.record for r in rows], db_path, dry_run)
    except EditError as exc:
        if not exc.problems:
            raise CsvImportError(f"{path.name}: {exc}") from exc
        first = len(existing)
        located = []
        for problem in exc.problems:
            match = _PROBLEM_PATH.search(problem.path)
            if match and int(match[1]) >= first:
                row = rows[int(match[1]) - first]
                column = f", column {match[2]}" if match[2] else ""
                located.append(f"{path.name}: row {row.line}{column}: {problem.message}"
                               + (f" (expected {problem.expected})" if problem.expected else ""))
            else:
                located.append(str(problem))
        raise CsvImportError(f"{path.name}: refused, {len(located)} error(s); nothing was written",
                             located) from exc
    return rows, result
