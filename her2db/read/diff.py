"""What changed between two databases: records added, removed and changed, per study and table.

Records are matched by what they are (study, endpoint, arm, subgroup, statistic, timepoint,
analysis; term, category and grade for adverse events), never by row id, which a reload
renumbers. Foreign keys are read through the schema (``PRAGMA foreign_key_list``) and shown as
the key of the record they name, so the comparison follows new columns without code changes.
Removed records come first in every rendering: a release that silently drops data is what
users of curated databases complain about most.
"""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import tarfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..model.identity import report_id
from ..model.numbers import plain

ChangeKind = Literal["removed", "added", "changed"]
FORMATS = ("text", "markdown", "json")
DIFF_ERRORS_SHOWN = 5  # the first errors of a side that does not load, located; the count says the rest

# what identifies a row of the tables whose records have no record id (after foreign keys became
# the names they point to)
IDENTITY: dict[str, tuple[str, ...]] = {
    "source": ("id",),
    "endpoint": ("code",),
    "drug": ("id",),
    "ae_term": ("term",),
    "release": ("version",),
    "study": ("id",),
    "study_source": ("study_id", "source_id"),
    "intervention": ("study_id", "arm", "drug_id"),
}
REPORT_IDENTITY = ("record_id", "source_id")
"""A curated record is a report of a data point: its record id (model/identity.py) and source."""


# Tables not compared: a release's changelog is itself a diff, so listing it says nothing new;
# the build stamp says only which files were read; the ESMO-MCBS grades are computed from
# records whose changes the diff lists (a grade changes only when one of its inputs does).
SKIPPED = ("release_change", "build_stamp", "mcbs_grade")


class DiffError(Exception):
    """One side of the comparison could not be opened or built."""


@dataclass
class Change:
    kind: ChangeKind
    table: str
    study_id: str | None
    identity: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)  # added / removed: the record's values
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # changed: old, new
    texts: dict[str, Any] = field(default_factory=dict)
    """The printed text of numbers, for display: ``X_text`` of a value, (old, new) of a change."""

    def label(self) -> str:
        """What the record is: a report as ``RECORD_ID@SOURCE`` (what ``set`` and ``check`` take),
        another row by its identity, e.g. ``version 2026.02``."""
        if set(self.identity) == set(REPORT_IDENTITY):
            return report_id(self.identity["record_id"], self.identity["source_id"])
        parts = [f"{k} {v}" for k, v in self.identity.items() if k != "study_id" and v is not None]
        return " · ".join(parts) or "(record)"


def _tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
    return [r[0] for r in rows if not r[0].startswith("sqlite_")]


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    return [(r[1], str(r[2]).upper()) for r in conn.execute(f'PRAGMA table_info("{table}")')]


def _rows(conn: sqlite3.Connection, table: str) -> list[_Record]:
    """The table's rows with integer row ids dropped and foreign keys to keyed records (arm,
    analysis, ...) replaced by those records' keys; identifiers come from the schema only."""
    columns = _columns(conn, table)
    names = {name for name, _ in columns}
    fks = {r[3]: (r[2], r[4]) for r in conn.execute(f'PRAGMA foreign_key_list("{table}")')}
    select, joins = [], []
    for i, (name, kind) in enumerate(columns):
        target = fks.get(name)
        if name == "id" and kind == "INTEGER":
            continue
        if target and "key" in {n for n, _ in _columns(conn, target[0])}:
            alias, shown = f"j{i}", name.removesuffix("_id")
            joins.append(f'LEFT JOIN "{target[0]}" {alias} ON {alias}."{target[1]}" = t."{name}"')
            select.append(f'{alias}."key" AS "{shown}"')
            if "study_id" not in names:
                select.append(f"{alias}.study_id AS study_id")
                names.add("study_id")
        else:
            select.append(f't."{name}"')
    sql = f'SELECT {", ".join(select)} FROM "{table}" t {" ".join(joins)} ORDER BY t.rowid'
    cursor = conn.execute(sql)
    header = [d[0] for d in cursor.description]
    return [_as_printed(dict(zip(header, row, strict=True))) for row in cursor]


class _Record(dict[str, Any]):
    """A row's values as compared, with the printed text of its numbers kept aside for display."""

    texts: dict[str, str]


def _as_printed(row: dict[str, Any]) -> _Record:
    """The printed text of a number (``X_text``) changes with the number, so only the number is
    compared (the text is kept for display); the default basis (reported) is left out so a
    change reads as the curator wrote it."""
    texts = {}
    for name in [n for n in row if n.endswith("_text") and n.removesuffix("_text") in row]:
        if (text := row.pop(name)) is not None:
            texts[name.removesuffix("_text")] = text
    if row.get("basis") == "reported":
        del row["basis"]
    record = _Record(row)
    record.texts = texts
    return record


def _keyed(rows: list[_Record], identity: tuple[str, ...]) -> dict[tuple[Any, ...], _Record]:
    """Rows by identity; records sharing one identity are told apart by their order."""
    seen: Counter[tuple[Any, ...]] = Counter()
    out = {}
    for row in rows:
        key = tuple(row.get(c) for c in identity)
        seen[key] += 1
        out[(*key, seen[key])] = row
    return out


def diff_connections(old: sqlite3.Connection, new: sqlite3.Connection) -> list[Change]:
    """Every record removed, added or changed from ``old`` to ``new``."""
    changes: list[Change] = []
    for table in sorted((set(_tables(old)) | set(_tables(new))) - set(SKIPPED)):
        old_rows = _rows(old, table) if table in _tables(old) else []
        new_rows = _rows(new, table) if table in _tables(new) else []
        sample = (old_rows or new_rows or [_Record()])[0]
        identity = REPORT_IDENTITY if "record_id" in sample else \
            tuple(c for c in IDENTITY.get(table, tuple(sample)) if c in sample)
        before, after = _keyed(old_rows, identity), _keyed(new_rows, identity)

        def make(kind: ChangeKind, row: _Record, table: str = table,
                 identity: tuple[str, ...] = identity) -> Change:
            ident = {c: row.get(c) for c in identity}
            values = {k: v for k, v in row.items() if k not in ident and k != "study_id" and v is not None
                      and not (k == "preferred" and v in (1, True))}  # the usual case goes unsaid
            return Change(kind, table, row.get("study_id", row.get("id") if table == "study" else None),
                          ident, values, texts={k: t for k, t in row.texts.items() if k in values})

        changes += [make("removed", row) for key, row in before.items() if key not in after]
        changes += [make("added", row) for key, row in after.items() if key not in before]
        for key in before.keys() & after.keys():
            old_row, new_row = before[key], after[key]
            changed = {c: (old_row.get(c), new_row.get(c)) for c in dict.fromkeys([*old_row, *new_row])
                       if old_row.get(c) != new_row.get(c)}
            if changed:
                change = make("changed", new_row)
                change.values, change.changes = {}, changed
                change.texts = {c: (old_row.texts.get(c), new_row.texts.get(c)) for c in changed}
                changes.append(change)
    order = {"removed": 0, "added": 1, "changed": 2}
    changes.sort(key=lambda c: (order[c.kind], c.study_id or "", c.table, c.label()))
    return changes


def diff_files(old: Path, new: Path, names: tuple[str, str] | None = None) -> list[Change]:
    """Compare two database files, opened read-only; ``names``: what the user called them (a
    folder or a revision is loaded into a temporary file no message should name)."""
    from ..store.sqlite import NotOurDatabase, check_replaceable, connect_readonly

    old_name, new_name = names or (str(old), str(new))

    for path in (old, new):
        try:
            check_replaceable(path)  # a database of another program would read as all "added"
        except NotOurDatabase as exc:
            raise DiffError(str(exc).split(";")[0]) from exc
        if path.stat().st_size == 0:  # a load may replace an empty file; a diff would read it as no data
            raise DiffError(f"{path} is empty, not a database")
    connections = [connect_readonly(old), connect_readonly(new)]
    try:
        return diff_connections(*connections)
    except sqlite3.DatabaseError as exc:  # a damaged file: "database disk image is malformed"
        raise DiffError(f"{old_name} or {new_name} cannot be read as a database: {exc}") from exc
    finally:
        for conn in connections:
            conn.close()


# --- the two sides: database file, sources folder, or git revision ----------------------------


def database_for(spec: str, sources: Path, workdir: Path) -> Path:
    """A database for ``spec``: a database file as is; a sources folder loaded into
    ``workdir``; otherwise a git revision whose copy of ``sources`` is extracted and loaded."""
    from ..curate.load import LoadError, load

    if not spec.strip():
        raise DiffError("an empty name is neither a database file, a folder of curated files nor a git revision")
    path = Path(spec)
    if path.is_file():
        return path
    target = workdir / f"{len(list(workdir.iterdir()))}.sqlite"
    if path.is_dir():
        folder = path
    else:
        folder = _checkout(spec, sources, workdir / f"rev{len(list(workdir.iterdir()))}")
    try:
        load(folder, target)
    except LoadError as exc:
        errors = exc.report.errors
        shown = "".join(f"\n  {problem}" for problem in errors[:DIFF_ERRORS_SHOWN])
        more = f"\n  … and {len(errors) - DIFF_ERRORS_SHOWN} more" if len(errors) > DIFF_ERRORS_SHOWN else ""
        raise DiffError(f"{spec}: the curated data does not load ({exc}):{shown}{more}") from exc
    return target


def _git(args: list[str], cwd: Path) -> bytes:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    if done.returncode:
        raise DiffError(done.stderr.decode(errors="replace").strip().splitlines()[-1]
                        if done.stderr.strip() else f"git {' '.join(args)} failed")
    return done.stdout


def _checkout(revision: str, sources: Path, into: Path) -> Path:
    """Extract ``sources`` as it was at ``revision`` (``git archive``) into ``into``."""
    folder = sources.resolve()
    if not folder.is_dir():
        raise DiffError(f"'{revision}' is neither a database file, a folder nor (without a "
                        f"sources folder {sources}) a git revision")
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], folder).decode().strip())
    except DiffError as exc:  # git's "fatal: not a git repository ..."
        raise DiffError(f"'{revision}' is neither a database file nor a folder, and the sources folder "
                        f"{sources} is in no git checkout where it could be a revision") from exc
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], top)
    except DiffError as exc:
        raise DiffError(f"'{revision}' is neither a database file, a folder nor a git revision") from exc
    rel = folder.relative_to(top).as_posix()
    archive = _git(["archive", "--format=tar", revision, "--", rel], top)
    try:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(into, filter="data")  # nothing outside ``into``: links that leave it are refused
    except tarfile.TarError as exc:
        raise DiffError(f"'{revision}': its curated files cannot be extracted safely ({exc})") from exc
    return into / rel


# --- rendering ---------------------------------------------------------------------------------


def _value(value: Any, text: str | None = None) -> str:
    """A value as the reader should see it: a number as printed (0.70), else in plain form."""
    if value is None:
        return "(empty)"
    if text is not None:
        return text
    return plain(value) if isinstance(value, float) else str(value)


def detail(change: Change) -> str:
    """What a change says beside its label: each changed value old → new, or the values of an
    added or removed record (long texts such as quotes left out)."""
    if change.kind == "changed":
        texts = {k: change.texts.get(k, (None, None)) for k in change.changes}
        return "; ".join(f"{k}: {_value(o, texts[k][0])} → {_value(n, texts[k][1])}"
                         for k, (o, n) in change.changes.items())
    return ", ".join(f"{k} {_value(v, change.texts.get(k))}" for k, v in change.values.items()
                     if k not in ("quote", "notes", "definition", "citation"))


def _grouped(changes: list[Change], kind: ChangeKind) -> dict[tuple[str, str], list[Change]]:
    groups: dict[tuple[str, str], list[Change]] = {}
    for change in changes:
        if change.kind == kind:
            groups.setdefault((change.study_id or "(corpus)", change.table), []).append(change)
    return groups


def summary(changes: list[Change]) -> dict[str, int]:
    counts = Counter(c.kind for c in changes)
    return {kind: counts.get(kind, 0) for kind in ("removed", "added", "changed")}


def render(changes: list[Change], fmt: str, old: str = "OLD", new: str = "NEW") -> str:
    """The diff as text, markdown or JSON; removals first."""
    counts = summary(changes)
    if fmt == "json":
        return json.dumps({"old": old, "new": new, "summary": counts, "changes": [
            {"kind": c.kind, "study_id": c.study_id, "table": c.table, "identity": c.identity,
             **({"values": c.values} if c.kind != "changed" else
                {"changes": {k: {"old": o, "new": n} for k, (o, n) in c.changes.items()}})}
            for c in changes]}, indent=2, ensure_ascii=False)
    md = fmt == "markdown"
    out = [f"{'# ' if md else ''}Changes from {old} to {new}: {counts['removed']} removed, "
           f"{counts['added']} added, {counts['changed']} changed", ""]
    if not changes:
        out.append("No differences.")
    headings = {"removed": "REMOVED records (in OLD, missing from NEW)", "added": "Added records",
                "changed": "Changed records"}
    for kind in ("removed", "added", "changed"):
        groups = _grouped(changes, kind)
        if not groups:
            continue
        out += [f"## {headings[kind]}" if md else f"{headings[kind]} ({counts[kind]}):", ""]
        for (study, table), items in groups.items():
            out.append(f"### {study} › {table}" if md else f"  {study} › {table}")
            for change in items:
                label, text = change.label(), detail(change)
                line = f"{label}: {text}" if text else label
                out.append(f"- {'**removed** ' if md and kind == 'removed' else ''}{line}" if md
                           else f"    {'-' if kind == 'removed' else '+' if kind == 'added' else '~'} {line}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"
