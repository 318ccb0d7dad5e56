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
import tempfile
import typing
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from . import curated
from .db import (
    APPLICATION_ID,
    TABLES_SQL,
    VIEWS_SQL,
    NotOurDatabase,
    check_replaceable,
    is_postgres,
    schema_stamp,
    sqlite_path,
    stored_schema_stamp,
)
from .files import replacement_mode
from .numbers import Printed
from .validate import Corpus, Report, validate

try:
    import fcntl
except ImportError:  # not POSIX: leftovers are not swept
    fcntl = None  # type: ignore[assignment]

Rows = dict[str, list[dict[str, Any]]]
"""Rows by table name; each row holds the columns it fills (the others are NULL)."""


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


@contextmanager
def _locked_temp(db_path: Path) -> Iterator[Path]:
    """A temporary file beside ``db_path``, locked while the load writes it, removed on failure."""
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=db_path.parent, prefix=f".{db_path.name}.", suffix=".tmp")
    except OSError as exc:
        blocker = next((p for p in db_path.parents if p.exists() and not p.is_dir()), None)
        reason = f"{blocker} is a file, not a folder" if blocker else exc.strerror or str(exc)
        raise DatabasePathError(f"cannot write the database {db_path}: {reason}") from exc
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


def source_files(sources: Path, db_path: Path | None = None) -> Iterator[Path]:
    """The curated files under ``sources``: not the database, its temporary files or dotfiles."""
    target = db_path.resolve() if db_path is not None else None
    for path in sources.rglob("*"):
        if path.is_file() and not path.name.startswith(".") and ".sqlite" not in path.name \
                and path.resolve() != target:
            yield path


def sources_digest(sources: Path) -> str:
    """What a PostgreSQL load records of its sources (each file's name and content), so
    ``site build`` knows when to reload."""
    from .buildcache import digest

    files = sorted((p.relative_to(sources).as_posix(), p) for p in source_files(sources))
    return digest(*(part for name, path in files for part in (name, path.read_bytes())))


def load(sources: Path, db_path: Path, on_study: Callable[[str], None] | None = None,
         allow_empty: bool = False, review_text: Path | None = None,
         database_url: str | None = None) -> LoadResult:
    """Validate ``sources`` and (re)build ``db_path`` from them atomically, or the database of
    ``database_url`` (PostgreSQL, in one transaction; a ``sqlite:///`` URL names a file)."""
    if database_url is not None and not is_postgres(database_url):
        db_path, database_url = sqlite_path(database_url), None
    if database_url is not None:
        return _load_postgres(sources, database_url, on_study, allow_empty, review_text)
    _check_target(db_path)
    report = validate(sources, allow_empty=allow_empty, review_text=review_text)
    if report.errors:
        raise LoadError(report)
    sweep_leftovers(db_path)
    mode = replacement_mode(db_path)
    with _locked_temp(db_path) as tmp:
        counts = write_database(report.corpus, tmp, on_study)
        os.chmod(tmp, mode)
        _check_target(db_path)  # again: the file may have changed while we wrote
        os.replace(tmp, db_path)
    return LoadResult(report, db_path, counts)


def _load_postgres(sources: Path, url: str, on_study: Callable[[str], None] | None,
                   allow_empty: bool, review_text: Path | None) -> LoadResult:
    from . import pg

    try:
        pg.check_target(url)
        report = validate(sources, allow_empty=allow_empty, review_text=review_text)
        if report.errors:
            raise LoadError(report)
        rows = _table_rows(report.corpus, on_study)
        pg.write_database(rows, url, sources_digest(sources))
    except pg.NotOurSchema as exc:
        raise DatabasePathError(str(exc)) from exc
    counts = {table.name: len(table_rows) for table, table_rows in rows.items()}
    return LoadResult(report, Path(pg.mask(url)), counts)


def ensure_database(db_path: Path, sources: Path, database_url: str | None = None) -> bool:
    """(Re)load the database if it is missing, older than any curated file or built for
    another schema (an upgraded her2db); True if loaded.
    The site commands call it before a build, so a build always shows the current sources.
    A PostgreSQL database (``database_url``) is reloaded when it was loaded from other sources
    (the digest its load stored) or never."""
    if database_url is not None:
        from . import pg

        if pg.stored_digest(database_url) == sources_digest(sources):
            return False
        load(sources, db_path, database_url=database_url)
        return True
    newest = max((p.stat().st_mtime for p in source_files(sources, db_path)), default=0.0)
    if db_path.exists() and db_path.stat().st_mtime >= newest \
            and stored_schema_stamp(db_path) == schema_stamp():
        return False
    load(sources, db_path)
    return True


def _table_rows(corpus: Corpus, on_study: Callable[[str], None] | None = None) -> dict[Any, list[dict[str, Any]]]:
    """All rows by SQLAlchemy table, every column in every row: what the PostgreSQL writer
    inserts through the ORM (the SQLite load needs neither the ORM nor the whole corpus's rows)."""
    from sqlmodel import SQLModel

    from . import models  # noqa: F401  (registers the tables)

    tables = {table.name: table for table in SQLModel.metadata.sorted_tables}
    columns = {name: list(table.columns.keys()) for name, table in tables.items()}
    out: dict[Any, list[dict[str, Any]]] = {table: [] for table in tables.values()}
    for batch in corpus_rows(corpus, {name: set(cols) for name, cols in columns.items()}, on_study):
        for name, rows in batch.items():
            out[tables[name]].extend({**dict.fromkeys(columns[name]), **row} for row in rows)
    return out


def table_columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """The tables of ``conn`` in the order they were created (parents before children), each
    with its columns."""
    names = [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")]
    return {name: [row[1] for row in conn.execute("SELECT * FROM pragma_table_info(?)", (name,))]
            for name in names}


def _quoted(name: str) -> str:
    return f'"{name}"'


def write_database(corpus: Corpus, path: Path, on_study: Callable[[str], None] | None = None
                   ) -> dict[str, int]:
    """Create the tables (``her2db/sql/tables.sql``, generated from models.py) and views in a
    new SQLite file, insert the corpus's rows study by study in one transaction, and mark the
    file as ours (``PRAGMA application_id``); return the rows written per table. Plain
    ``sqlite3.executemany``: importing and running the ORM would cost more than the rest of
    the load, and one study's rows at a time keep the memory of a large corpus small."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        # the tables with the rows, then the views, each in one transaction: one sync to disk
        # each, not one per statement
        conn.executescript("BEGIN;\n" + TABLES_SQL.read_text(encoding="utf-8"))
        tables = table_columns(conn)
        counts = dict.fromkeys(tables, 0)
        inserts = {name: f'INSERT INTO "{name}" ({", ".join(map(_quoted, columns))}) '
                         f'VALUES ({", ".join("?" * len(columns))})' for name, columns in tables.items()}
        for batch in corpus_rows(corpus, {name: set(columns) for name, columns in tables.items()}, on_study):
            for name, columns in tables.items():
                if rows := batch.get(name):
                    conn.executemany(inserts[name], ([row.get(c) for c in columns] for row in rows))
                    counts[name] += len(rows)
        conn.execute("COMMIT")
        conn.executescript(f"BEGIN;\n{VIEWS_SQL.read_text(encoding='utf-8')}\n"
                           f"PRAGMA application_id = {APPLICATION_ID:d};\n"
                           f"PRAGMA user_version = {schema_stamp():d};\nCOMMIT;")
    finally:
        conn.close()
    return counts


# The curated model (curated.py) and the tables (models.py) describe the same fields once each:
# a record's field fills the table column of the same name. The exceptions, all listed here,
# are kept in step by tests/test_load.py (``model_drift``).
# Tables by name (models.py's ``__tablename__``s): the SQLite load does not import the ORM.
TABLE_OF: dict[type[BaseModel], str] = {
    curated.Source: "source",
    curated.EndpointTerm: "endpoint",
    curated.DrugTerm: "drug",
    curated.AeTermEntry: "ae_term",
    curated.ReleaseEntry: "release",
    curated.StudyFile: "study",
    curated.Analysis: "analysis",
    curated.Population: "population",
    curated.Arm: "arm",
    curated.Subgroup: "subgroup",
    curated.StudyEndpoint: "study_endpoint",
    curated.ArmResult: "arm_result",
    curated.Comparison: "comparison",
    curated.AdverseEvent: "adverse_event",
    curated.Characteristic: "characteristic",
}
KEY_COLUMNS = {
    # a key naming another record of the study -> (its id column, the section it names)
    "arm": ("arm_id", "arms"),
    "experimental": ("experimental_arm_id", "arms"),
    "control": ("control_arm_id", "arms"),
    "p_versus": ("p_versus_arm_id", "arms"),
    "analysis": ("analysis_id", "analyses"),
    "population": ("population_id", "populations"),
    "subgroup": ("subgroup_id", "subgroups"),
}
KEYED_SECTIONS = ("analyses", "populations", "arms", "subgroups")
ROW_SECTIONS = ("endpoints", "results", "comparisons", "adverse_events", "characteristics")
NOT_COLUMNS = {
    # curated fields that are not a column of their record's table, and where they go instead
    "Source.text": "the review text's path: read by coverage, never stored",
    "StudyFile.references": "table study_source",
    "StudyFile.field_basis": "table study_field_basis",
    "Arm.drugs": "table intervention",
    **{f"StudyFile.{section}": "its own table" for section in KEYED_SECTIONS + ROW_SECTIONS},
}
GENERATED_COLUMNS = {
    # columns no curated field names: row ids and the parent study, assigned by the load
    "id": "row id in file order", "study_id": "the study the record belongs to",
    "position": "order in its file (endpoints: the vocabulary order pages follow on every engine)",
    "changes_since": "release: the release its changelog (releases/<version>.yaml) compares with",
}
DERIVED_TABLES = {"study_source", "study_field_basis", "intervention",
                  "release_change"}  # the last: from the changelogs of `her2db release`


def _printed_fields(model: type[BaseModel]) -> set[str]:
    """Fields holding a printed number: each also fills the column ``<field>_text``."""
    return {name for name, info in model.model_fields.items() if Printed in _types_in(info.annotation)}


def _types_in(annotation: Any) -> Iterator[Any]:
    """The annotation and every type inside it (``Printed | None`` gives both)."""
    yield annotation
    for arg in typing.get_args(annotation):
        yield from _types_in(arg)


def model_drift(model: type[BaseModel], columns: set[str]) -> tuple[set[str], set[str]]:
    """(curated fields with no column, columns with no curated field) beyond the documented
    exceptions: both empty while the two models describe the same fields."""
    name = model.__name__
    fields = {f for f in model.model_fields if f"{name}.{f}" not in NOT_COLUMNS}
    keyed = {f for f in fields if f in KEY_COLUMNS and f not in columns}
    derived = {f"{f}_text" for f in _printed_fields(model)} | {KEY_COLUMNS[f][0] for f in keyed}
    return fields - keyed - columns, columns - fields - derived - set(GENERATED_COLUMNS)


def record_values(record: BaseModel, columns: Collection[str],
                  keys: dict[str, dict[str, int]] | None = None) -> dict[str, Any]:
    """The columns ``record`` fills: each field its namesake column, a printed number ``X``
    also ``X_text``, a list of names one ``; ``-separated text, a key of another record (arm,
    analysis, ...) that record's row id from ``keys``."""
    out: dict[str, Any] = {}
    for name in type(record).model_fields:
        value = getattr(record, name)
        if name in KEY_COLUMNS and name not in columns:
            column, section = KEY_COLUMNS[name]
            if column in columns:
                out[column] = None if value is None else (keys or {})[section][value]
        elif name not in columns:
            continue
        elif isinstance(value, Printed):
            out[name] = float(value)
            if out.get(f"{name}_text") is None:  # a curated X_text (words: "six") stays
                out[f"{name}_text"] = value.text
        elif isinstance(value, list):
            out[name] = "; ".join(value) or None
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


def corpus_rows(corpus: Corpus, columns: dict[str, set[str]],
                on_study: Callable[[str], None] | None = None) -> Iterator[Rows]:
    """Translate the validated corpus into rows (``columns``: each table's), in a fixed order,
    in batches: the sources, vocabularies and releases, then one study at a time."""
    rows: Rows = {}

    def add(table: str, record: BaseModel | None = None,
            keys: dict[str, dict[str, int]] | None = None, **values: Any) -> None:
        """One row: the record's fields, then ``values``; columns not given are NULL."""
        given = {**(record_values(record, columns[table], keys) if record is not None else {}), **values}
        if not given.keys() <= columns[table]:
            raise ValueError(f"table {table} has no column {sorted(given.keys() - columns[table])}")
        rows.setdefault(table, []).append(given)

    def batch() -> Rows:
        """The rows added since the last batch; adding starts anew."""
        nonlocal rows
        done, rows = rows, {}
        return done

    since = {log.version: log.previous for log in corpus.changelogs}
    for vocabulary in (corpus.sources, corpus.drugs, corpus.ae_terms):
        for term in vocabulary:
            add(TABLE_OF[type(term)], term)
    for position, endpoint in enumerate(corpus.endpoints):  # pages list endpoints in this order
        add("endpoint", endpoint, position=position)
    for release in corpus.releases:
        add("release", release, changes_since=since.get(release.version))
    changes = [(log.version, change) for log in corpus.changelogs for change in log.changes]
    for row_id, (version, change) in enumerate(changes, start=1):
        add("release_change", id=row_id, version=version, kind=change.kind, study_id=change.study_id,
            record_table=change.table, label=change.record, detail=change.detail)
    yield batch()

    ids = _Ids()
    for entry in sorted(corpus.studies, key=lambda e: e.study.id):
        study = entry.study
        if on_study:
            on_study(study.id)
        add("study", study)
        for name, field_basis in sorted(study.field_basis.items()):
            add("study_field_basis", study_id=study.id, field=name, basis=field_basis.basis,
                basis_note=field_basis.note)
        for position, source_id in enumerate(study.references):
            add("study_source", study_id=study.id, source_id=source_id, position=position)
        keys: dict[str, dict[str, int]] = {section: {} for section in KEYED_SECTIONS}
        for section in KEYED_SECTIONS:
            for record in getattr(study, section):
                table = TABLE_OF[type(record)]
                keys[section][record.key] = row_id = ids(table)
                add(table, record, id=row_id, study_id=study.id)
        for arm in study.arms:
            for position, drug in enumerate(arm.drugs):
                add("intervention", arm_id=keys["arms"][arm.key], drug_id=drug, position=position)
        for section in ROW_SECTIONS:
            for record in getattr(study, section):
                table = TABLE_OF[type(record)]
                add(table, record, keys, id=ids(table), study_id=study.id)
        yield batch()
