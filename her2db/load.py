"""Build the SQLite database from the curated corpus, all or nothing.

Everything is validated first; the database is then written to a temporary file beside the
target and renamed over it only when complete, so a failed load leaves the previous database
byte for byte as it was. The target is replaced only if it is a database this tool built
(``db.APPLICATION_ID``), and keeps its permissions. A writing load holds a lock on its temporary
file, so the next load can tell the leftovers of a killed load from a load still running, and
removes them. Ids are assigned in file order: the same corpus always gives the same
``sqlite3 .dump``.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import curated
from .db import APPLICATION_ID, SCHEMA_SQL, VIEWS_SQL, NotOurDatabase, check_replaceable
from .numbers import Printed
from .validate import Corpus, Report, validate

try:
    import fcntl
except ImportError:  # not POSIX: leftovers are not swept
    fcntl = None  # type: ignore[assignment]

Rows = dict[str, list[dict[str, Any]]]
"""Rows by table name; each row has the columns it gives (the others are NULL)."""


class LoadError(Exception):
    """The corpus has errors; nothing was written."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"{len(report.errors)} error(s) in the curated data")
        self.report = report


class DatabasePathError(Exception):
    """The database cannot be written where ``--db`` says: not ours, or not writable."""


@dataclass
class LoadResult:
    report: Report
    path: Path
    counts: dict[str, int]


def _temp_pattern(db_path: Path) -> re.Pattern[str]:
    """Names ``tempfile.mkstemp`` gives our temporary files: ``.NAME.<8 characters>.tmp``."""
    return re.compile(re.escape(f".{db_path.name}.") + r"[a-z0-9_]{8}\.tmp")


def sweep_leftovers(db_path: Path) -> list[Path]:
    """Remove the temporary files of killed loads beside ``db_path``: only names of our own
    pattern, and only those no running load holds locked."""
    if fcntl is None or not db_path.parent.is_dir():
        return []
    pattern = _temp_pattern(db_path)
    removed = []
    for path in sorted(db_path.parent.iterdir()):
        if not pattern.fullmatch(path.name) or path.is_symlink() or not path.is_file():
            continue
        with path.open("rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a load is writing it
            for leftover in (path, path.with_name(f"{path.name}-journal")):
                if leftover.is_file() and not leftover.is_symlink():
                    leftover.unlink()
                    removed.append(leftover)
    return removed


def _new_file_mode() -> int:
    """The mode a new file gets under the current umask (mkstemp's 0600 would hide the
    database from the other readers a plain file would have)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def _locked_temp(db_path: Path) -> Iterator[Path]:
    """A temporary file beside ``db_path``, locked while the load writes it, removed on failure."""
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=db_path.parent, prefix=f".{db_path.name}.", suffix=".tmp")
    except OSError as exc:
        raise DatabasePathError(f"cannot write the database {db_path}: {exc.strerror or exc}") from exc
    tmp = Path(name)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)


def _check_target(db_path: Path) -> None:
    try:
        check_replaceable(db_path)
    except NotOurDatabase as exc:
        raise DatabasePathError(str(exc)) from exc
    except OSError as exc:
        raise DatabasePathError(f"cannot read {db_path}: {exc.strerror or exc}") from exc


def load(sources: Path, db_path: Path, on_study: Callable[[str], None] | None = None,
         allow_empty: bool = False, review_text: Path | None = None) -> LoadResult:
    """Validate ``sources`` and (re)build ``db_path`` from them atomically."""
    _check_target(db_path)
    report = validate(sources, allow_empty=allow_empty, review_text=review_text)
    if report.errors:
        raise LoadError(report)
    sweep_leftovers(db_path)
    mode = stat.S_IMODE(db_path.stat().st_mode) if db_path.is_file() else _new_file_mode()
    with _locked_temp(db_path) as tmp:
        counts = write_database(corpus_rows(report.corpus, on_study), tmp)
        os.chmod(tmp, mode)
        _check_target(db_path)  # again: the file may have changed while we wrote
        os.replace(tmp, db_path)
    return LoadResult(report, db_path, counts)


def _tables(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """The tables of ``conn`` in the order they were created (parents before children, as
    ``schema.sql`` creates them), each with its columns."""
    names = [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")]
    return {name: [row[1] for row in conn.execute("SELECT * FROM pragma_table_info(?)", (name,))]
            for name in names}


def write_database(batches: Iterable[Rows], path: Path) -> dict[str, int]:
    """Create the tables (``schema/schema.sql``, generated from the models) and views in a new
    SQLite file, insert each batch of rows in one transaction, mark the file as ours (``PRAGMA
    application_id``); return the rows written per table. Plain ``sqlite3.executemany``, without
    the ORM: importing and running it would cost more than the rest of the write."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.executescript(SCHEMA_SQL.read_text(encoding="utf-8"))
        tables = _tables(conn)
        counts = dict.fromkeys(tables, 0)
        known = {name: set(columns) for name, columns in tables.items()}
        inserts = {name: f'INSERT INTO "{name}" ({", ".join(map(_quoted, columns))}) '
                         f'VALUES ({", ".join("?" * len(columns))})' for name, columns in tables.items()}
        conn.execute("BEGIN")
        for batch in batches:
            for name, columns in tables.items():
                rows = batch.get(name)
                if not rows:
                    continue
                for row in rows:
                    if not row.keys() <= known[name]:
                        raise ValueError(f"{name} has no column {sorted(row.keys() - known[name])}")
                conn.executemany(inserts[name], ([row.get(c) for c in columns] for row in rows))
                counts[name] += len(rows)
        conn.execute("COMMIT")
        conn.executescript(VIEWS_SQL.read_text(encoding="utf-8"))
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")
    finally:
        conn.close()
    return counts


def _quoted(name: str) -> str:
    return f'"{name}"'


def _provenance(record: curated.Provenance) -> dict[str, Any]:
    return {"source_id": record.source_id, "locator": record.locator, "cites": record.cites,
            "quote": record.quote, "basis": record.basis, "basis_note": record.basis_note}


def _fields(record: Any, *names: str) -> dict[str, Any]:
    """The named fields; a printed number ``X`` gives the columns ``X`` and ``X_text``."""
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(record, name)
        if isinstance(value, Printed):
            out[name], out[f"{name}_text"] = float(value), value.text
        elif name not in out or value is not None:  # a curated X_text overrides the printed one
            out[name] = value
    return out


class _Ids:
    """Sequential integer ids per table, so that ids depend only on file order."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def __call__(self, table: str) -> int:
        self._next[table] = self._next.get(table, 0) + 1
        return self._next[table]


def corpus_rows(corpus: Corpus, on_study: Callable[[str], None] | None = None) -> Iterator[Rows]:
    """Translate the validated corpus into rows, in a fixed order, in batches: the sources and
    vocabularies, then one study at a time (a load never holds the whole corpus as rows)."""
    rows: Rows = {}

    def batch() -> Rows:
        """The rows gathered since the last batch; gathering starts anew."""
        nonlocal rows
        done, rows = rows, {}
        return done

    def add(table: str, **values: Any) -> None:
        """One row; columns not given (such as the text of an absent number) are NULL."""
        rows.setdefault(table, []).append(values)

    for s in corpus.sources:
        add("source", **_fields(s, "id", "kind", "citation", "year", "doi", "pmid", "url", "notes"))
    for e in corpus.endpoints:
        add("endpoint", **_fields(e, "code", "label", "definition"))
    for d in corpus.drugs:
        add("drug", id=d.id, name=d.name, drug_class=d.drug_class,
            synonyms="; ".join(d.synonyms) or None)
    for t in corpus.ae_terms:
        add("ae_term", **_fields(t, "term", "label", "group"))
    for r in corpus.releases:
        add("release", **_fields(r, "version", "date", "studies", "results", "comparisons",
                                      "adverse_events", "notes"))

    yield batch()
    ids = _Ids()
    for entry in sorted(corpus.studies, key=lambda e: e.study.id):
        study = entry.study
        if on_study:
            on_study(study.id)
        add("study", **_fields(study, "id", "acronym", "title", "kind", "phase", "setting", "line",
                                    "design", "registry_id", "sponsor", "period_start", "period_end",
                                    "status", "summary", "role_in_review", "notes"),
            countries="; ".join(study.countries) or None)
        for name, field_basis in sorted(study.field_basis.items()):
            add("study_field_basis", study_id=study.id, field=name, basis=field_basis.basis,
                basis_note=field_basis.note)
        for position, source_id in enumerate(study.references):
            add("study_source", study_id=study.id, source_id=source_id, position=position)
        key_ids: dict[str, dict[str, int]] = {}
        for section, table, names in (
            ("analyses", "analysis", ("key", "label", "data_cutoff", "median_follow_up_months", "notes")),
            ("populations", "population", ("key", "label", "n", "definition", "enrolled", "notes")),
            ("arms", "arm", ("key", "label", "role", "regimen", "n_randomized", "n_treated", "notes")),
            ("subgroups", "subgroup", ("key", "category", "level", "n", "notes")),
        ):
            key_ids[section] = {}
            for record in getattr(study, section):
                row_id = ids(table)
                key_ids[section][record.key] = row_id
                add(table, id=row_id, study_id=study.id, **_fields(record, *names), **_provenance(record))
        arm_ids = key_ids["arms"]
        for arm in study.arms:
            for position, drug in enumerate(arm.drugs):
                add("intervention", arm_id=arm_ids[arm.key], drug_id=drug, position=position)

        def links(record: Any) -> dict[str, int | None]:
            """Resolve a record's analysis / population / subgroup keys to row ids."""
            out: dict[str, int | None] = {}
            for attr, section in (("analysis", "analyses"), ("population", "populations"),
                                  ("subgroup", "subgroups")):
                if hasattr(record, attr):
                    key = getattr(record, attr)
                    out[f"{attr}_id"] = key_ids[section][key] if key is not None else None
            return out

        for e in study.endpoints:
            add("study_endpoint", id=ids("study_endpoint"), study_id=study.id,
                **_fields(e, "endpoint", "role", "assessor", "definition", "notes"), **_provenance(e))
        for r in study.results:
            add("arm_result", id=ids("arm_result"), study_id=study.id, arm_id=arm_ids[r.arm],
                **links(r), **_fields(r, "endpoint", "category", "breakdown", "statistic", "value",
                                      "qualifier", "value_upper", "unit", "ci_low", "ci_high", "ci_level", "timepoint_months", "n", "denominator",
                                      "not_reached", "not_estimable", "notes"), **_provenance(r))
        for c in study.comparisons:
            add("comparison", id=ids("comparison"), study_id=study.id,
                experimental_arm_id=arm_ids[c.experimental], control_arm_id=arm_ids[c.control],
                **links(c), **_fields(c, "endpoint", "measure", "estimate", "unit", "ci_low", "ci_high",
                                      "ci_level", "p_value", "p_operator", "method", "notes"),
                **_provenance(c))
        for a in study.adverse_events:
            add("adverse_event", id=ids("adverse_event"), study_id=study.id, arm_id=arm_ids[a.arm],
                p_versus_arm_id=arm_ids[a.p_versus] if a.p_versus else None,
                **links(a), **_fields(a, "term", "category", "grade", "n", "pct", "qualifier", "n_at_risk",
                                      "p_value", "p_operator", "notes"),
                **_provenance(a))
        for ch in study.characteristics:
            add("characteristic", id=ids("characteristic"), study_id=study.id,
                arm_id=arm_ids[ch.arm] if ch.arm else None, **links(ch),
                **_fields(ch, "name", "category", "statistic", "value", "value_text", "qualifier",
                          "value_upper", "unit", "n",
                          "denominator", "notes"), **_provenance(ch))
        yield batch()
