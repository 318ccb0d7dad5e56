"""Bulk entry of a table as it comes out of a paper: one CSV row per record, all or nothing.

The columns of each kind are the fields of its model (``fields.field_specs``), so the layout
follows the curated format without a second definition; ``csvlayout`` reads the header (a
field per column, or the printed forms ``n (%)`` and ``95% CI``, or with ``--wide`` one column
per arm and grade) and ``csvcells`` the cells as tables print them. Files may be UTF-8 with or
without a byte-order mark, comma-, semicolon- or tab-separated (as spreadsheets export them).

Every problem of a file is reported in one run, each where a spreadsheet shows it (row, with
the header as row 1, and column), with the cell, the reason and the fix when it is obvious;
the validation of the new records is mapped back to their rows the same way. One problem
rejects the whole file and nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from ..model import classes
from ..model.numbers import Printed
from ..util.paths import STREAM, is_stream
from ..util.terminal import clip, quoted
from .corpus import Problem
from .csvcells import CellError, CellReader, not_reported, suggest
from .csvlayout import Column, read_header
from .edit import append_records, choices_for, record_file
from .fields import STUDY_SECTIONS, EditError, FieldSpec, field_specs, model_for, spec_of
from .transaction import EditResult, corpus_lock
from .yamledit import scalar
from .yamlfile import Document, printable, read_document

KINDS = ("ae", "result", "comparison", "characteristic", "population", "analysis")
MAX_BYTES = 20_000_000


class CsvProblem(NamedTuple):
    """One problem of an imported file, where a spreadsheet shows it."""

    file: str
    row: int | None  # as a spreadsheet numbers it: the header is row 1
    column: str | None
    value: str | None  # the cell as written
    reason: str
    hint: str | None = None  # the fix, when it is obvious
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file + (f": row {self.row}" if self.row else "")
        if self.row and self.column:
            where += f", column {self.column}"
        text = f"{where}: " + ("warning: " if self.severity == "warning" else "") + self.reason
        cell = (self.value or "").strip()
        if cell and cell not in self.reason and quoted(cell) not in self.reason:
            text += f" (cell: {clip(cell)})"
        return printable(text + (f"; {self.hint}" if self.hint else ""))


class CsvImportError(Exception):
    """The file was refused; nothing was written. ``problems`` lists every problem found."""

    def __init__(self, message: str, problems: list[CsvProblem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass
class Row:
    """One record to add and where its fields came from."""

    line: int  # row number as a spreadsheet shows it (the header is row 1)
    record: dict[str, Any]
    columns: dict[str, str] = field(default_factory=dict)  # field -> header column it came from
    cells: dict[str, str] = field(default_factory=dict)  # field -> that cell's text
    failed: set[str] = field(default_factory=set)  # fields left out because their cell was refused


@dataclass
class Imported:
    rows: list[Row]
    result: EditResult
    warnings: list[CsvProblem]  # of the added records, by CSV row


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


def read_text(path: Path, kind: str) -> str:
    name = path.name
    try:
        if is_stream(path):
            raise CsvImportError(f"{name}: {STREAM}; save the table as a file first")
        with path.open("rb") as handle:  # at most the limit and one byte: a file growing meanwhile is cut
            raw = handle.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise CsvImportError(f"{name}: larger than {MAX_BYTES // 1_000_000} MB; split it")
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvImportError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise CsvImportError(f"{name}: cannot be read ({exc.strerror})") from exc
    if not text.strip():
        expected = ", ".join(s.name for s in columns(kind) if s.required)
        raise CsvImportError(f"{name}: the file is empty (expected a header row with at least: {expected})")
    return text


@dataclass
class _Table:
    """The reading of one file: its records and every problem found on the way."""

    name: str
    kind: str
    reader: CellReader
    wide: bool
    problems: list[CsvProblem] = field(default_factory=list)

    def problem(self, row: int | None, column: str | None, value: str | None, reason: str,
                hint: str | None = None) -> None:
        self.problems.append(CsvProblem(self.name, row, column, value, reason, hint))

    def read(self, line: int, column: Column, cell: str) -> dict[str, Any] | None:
        """The fields of one cell, or None (the problem noted) when it cannot be read."""
        try:
            if column.form in ("n_pct", "wide"):
                return self.reader.count_cell(cell)
            if column.form == "ci":
                default = next(f.default for f in classes.fields(model_for(self.kind)) if f.name == "ci_level")
                return self.reader.interval(cell, column.level, default)
            return self.reader.field(column.fields[-1] if column.form == "wide_risk" else column.fields[0], cell)
        except (CellError, ValueError) as exc:
            reason, hint = (exc.reason, exc.hint) if isinstance(exc, CellError) else (str(exc), None)
            self.problem(line, column.name, cell, reason, hint)
            return None

    def put(self, row: Row, column: Column, cell: str, values: dict[str, Any] | None) -> None:
        """Add the fields of one cell to ``row``; a field two columns give differently is refused."""
        if values is None:
            row.failed.update(column.fields)
            return
        for name, value in values.items():
            if name in row.record and scalar(row.record[name], True) != scalar(value, True):
                self.problem(row.line, column.name, cell, f"gives {name} {scalar(value, True)}, but column "
                             f"{row.columns[name]} gives {scalar(row.record[name], True)}")
                row.failed.add(name)
                continue
            row.record[name] = value
            row.columns.setdefault(name, column.name)
            row.cells.setdefault(name, cell)

    def records(self, line: int, header: list[Column | None], cells: list[str]) -> list[Row]:
        """The records of one CSV row: one, or with ``--wide`` one per filled ARM GRADE cell."""
        shared = Row(line, {})
        wide: list[tuple[Column, str]] = []
        risk: dict[str, tuple[Column, str, dict[str, Any] | None]] = {}
        for column, cell in zip(header, cells, strict=True):
            if column is None:
                continue
            if column.form == "wide":
                wide.append((column, cell))
            elif column.form == "wide_risk" and column.arm:
                risk[column.arm] = (column, cell, self.read(line, column, cell))
            else:
                self.put(shared, column, cell, self.read(line, column, cell))
        if not self.wide:
            return [shared]
        rows = []
        for column, cell in wide:
            values = None if not_reported(cell) else self.read(line, column, cell)
            if not values:
                continue
            row = Row(line, {**shared.record, "arm": column.arm, "grade": column.grade},
                      {**shared.columns, "arm": column.name, "grade": column.name}, dict(shared.cells),
                      set(shared.failed))
            self.put(row, column, cell, values)
            if column.arm in risk:
                self.put(row, *risk[column.arm])
            rows.append(row)
        return rows

    def require(self, row: Row, specs: dict[str, FieldSpec], header: list[Column | None]) -> None:
        """Note each required field the row leaves empty (those with no column at all are
        reported once, for the header)."""
        named = {f: c.name for c in header if c is not None for f in c.fields}
        for spec in specs.values():
            if spec.required and spec.name not in row.record and spec.name not in row.failed:
                row.failed.add(spec.name)
                if spec.name in named:
                    self.problem(row.line, named[spec.name], None, "required value is empty")


class _CsvRows:
    """``csv.reader``'s rows, a row it cannot read (a cell over its 128 KB limit) refused by line."""

    def __init__(self, name: str, reader: Any) -> None:
        self.name, self.reader = name, reader

    def __iter__(self) -> _CsvRows:
        return self

    def __next__(self) -> list[str]:
        try:
            return next(self.reader)
        except csv.Error as exc:
            raise CsvImportError(f"{self.name}: line {self.reader.line_num}: cannot be read as CSV ({exc})") from exc

    @property
    def line_num(self) -> int:
        return int(self.reader.line_num)


def read_rows(table: _Table, text: str, arms: list[str]) -> list[Row]:
    """Every record of the file, in order; the problems go to ``table.problems``."""
    first_line = text.splitlines()[0]
    reader = _CsvRows(table.name, csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line)))
    names = [h.strip() for h in next(reader)]
    specs = table.reader.specs
    header, header_problems = read_header(names, table.kind, specs, arms, table.wide)
    for header_problem in header_problems:
        table.problem(1, None, None, header_problem.reason, header_problem.hint)
    rows: list[Row] = []
    seen: dict[tuple[str, ...], int] = {}
    lines = 0
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        lines += 1
        if len(cells) != len(names):
            table.problem(line, None, None, f"{len(cells)} cells for {len(names)} columns")
            continue
        key = tuple(c.strip() for c in cells)
        if key in seen:
            table.problem(line, None, None, f"duplicates row {seen[key]}")
            continue
        seen[key] = line
        for row in table.records(line, header, cells):
            table.require(row, specs, header)
            row.record = {s: row.record[s] for s in specs if s in row.record}
            rows.append(row)
    if not lines:
        table.problem(None, None, None, "no data rows under the header")
    elif not rows and not table.problems:
        table.problem(None, None, None, "no values: every ARM GRADE cell is empty")
    return rows


def locate(name: str, problems: list[Problem], rows: list[Row], first: int,
           known: Callable[[str], list[str]]) -> list[CsvProblem]:
    """Validation problems of the added records (``section[first]`` on) as problems of their
    CSV rows and columns; those that follow from a cell already refused are left out."""
    located = []
    for problem in problems:
        path = problem.path.split(" › ")
        index = int(path[1].rsplit("[", 1)[1].rstrip("]")) - first if len(path) > 1 and "[" in path[1] else -1
        if not 0 <= index < len(rows):
            located.append(CsvProblem(name, None, None, None, str(problem), severity=problem.severity))
            continue
        row, column = rows[index], (path[2] if len(path) > 2 else None)
        if row.failed and (column is None or column in row.failed):
            continue
        hint = None
        if column in row.record and problem.message.startswith("unknown"):
            hint = suggest(str(row.record[column]), known(column))
        located.append(CsvProblem(
            name, row.line, row.columns.get(column, column) if column else None,
            row.cells.get(column) if column else None,
            problem.message + (f" (expected {problem.expected})" if problem.expected else ""),
            hint, problem.severity))
    return located


def to_plain(node: Any) -> Any:
    """Plain dicts, lists and scalars, dates as ISO strings (the format stores text): a record
    as stored, to compare an imported row with the study's records."""
    if isinstance(node, dict):
        return {str(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v) for v in node]
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return node if isinstance(node, Printed) else float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, (dt.date, dt.datetime)):
        return node.isoformat()
    return node


def import_csv(sources: Path, study_id: str, path: Path, kind: str, db_path: Path | None,
               dry_run: bool = False, decimal_comma: bool = False, wide: bool = False) -> Imported:
    """Add every row of ``path`` to the study as records of ``kind``, or none of them."""
    if wide and kind != "ae":
        raise EditError("--wide is for adverse events (--kind ae)", usage=True)
    text = read_text(path, kind)
    rel = record_file(sources, study_id, kind)  # an unknown study is refused before any lock
    with corpus_lock(sources):  # the study is read once, as the edit that adds the rows sees it
        doc = read_document(sources / rel)
        return _import_rows(sources, doc, study_id, path, kind, text, db_path, dry_run, decimal_comma, wide)


def _import_rows(sources: Path, doc: Document, study_id: str, path: Path, kind: str, text: str,
                 db_path: Path | None, dry_run: bool, decimal_comma: bool, wide: bool) -> Imported:
    data = doc.data
    specs = {s.name: s for s in columns(kind)}
    terms = frozenset(choices_for(sources, study_id, specs["term"]) or []) if "term" in specs else frozenset()
    table = _Table(path.name, kind, CellReader(specs, decimal_comma, terms), wide)
    rows = read_rows(table, text, [str(a.get("key")) for a in data.get("arms") or []])
    section = STUDY_SECTIONS[kind]
    plain = [to_plain(item) for item in data.get(section) or []]
    for row in rows:
        as_stored = to_plain({k: (float(v) if isinstance(v, Printed) else v) for k, v in row.record.items()})
        if as_stored in plain:
            table.problem(row.line, None, None, f"already in {study_id} as {section}[{plain.index(as_stored)}]")

    def known(name: str) -> list[str]:
        return choices_for(sources, study_id, spec_of(section, "arm" if name == "p_versus" else name)) or []

    result = None
    try:
        trial = dry_run or bool(table.problems)
        result = append_records(sources, doc, study_id, kind, [r.record for r in rows], db_path, trial) \
            if rows else None
    except EditError as exc:
        if not exc.problems:
            raise CsvImportError(f"{path.name}: {exc}") from exc
        table.problems += locate(path.name, exc.problems, rows, len(plain), known)
    if table.problems or result is None:
        table.problems.sort(key=lambda p: p.row or 0)
        raise CsvImportError(f"{path.name}: refused, {len(table.problems)} error(s); nothing was written",
                             table.problems)
    return Imported(rows, result, locate(path.name, result.warnings, rows, len(plain), known))
