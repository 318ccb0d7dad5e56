"""Write a SQLite database from rows, all or nothing.

The database is written to a temporary file beside the target and renamed over it only when
complete, so a failed load leaves the previous database byte for byte as it was. The target is
replaced only if it is a database this tool built (``sqlite.APPLICATION_ID``), and keeps its
permissions. A writing load holds a lock on its temporary file, so the next load can tell the
leftovers of a killed load from a load still running, and removes them.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..util.atomic import TEMP_SUFFIX, leftover_pattern, replacement_mode, temp_prefix
from ..util.digest import digest
from .digestcache import cached_digests
from .sqlite import (
    APPLICATION_ID,
    TABLES_SQL,
    VIEWS_SQL,
    NotOurDatabase,
    check_replaceable,
    schema_stamp,
    stored_schema_stamp,
    stored_sources_digest,
)

try:
    import fcntl
except ImportError:  # not POSIX: leftovers are not swept
    fcntl = None  # type: ignore[assignment]

Rows = dict[str, list[dict[str, Any]]]
"""Rows by table name; each row holds the columns it fills (the others are NULL)."""


RowsFor = Callable[[dict[str, set[str]]], Iterable[Rows]]
"""Given each table's columns, the rows to insert, in batches."""


class DatabasePathError(Exception):
    """The database cannot be written where ``--db`` says: not ours, or not writable."""


def sweep_leftovers(db_path: Path) -> list[Path]:
    """Remove the temporary files of killed loads beside ``db_path``: only names of our own
    pattern, and only those no running load holds locked."""
    if fcntl is None or not db_path.parent.is_dir():
        return []
    pattern = leftover_pattern(db_path)
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
        import tempfile  # here: every command that checks the database is current imports this module

        fd, name = tempfile.mkstemp(dir=db_path.parent, prefix=temp_prefix(db_path), suffix=TEMP_SUFFIX)
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


def check_target(db_path: Path) -> None:
    try:
        check_replaceable(db_path)
    except NotOurDatabase as exc:
        raise DatabasePathError(str(exc)) from exc
    except OSError as exc:
        raise DatabasePathError(f"cannot read {db_path}: {exc.strerror or exc}") from exc


def source_files(sources: Path, db_path: Path | None = None) -> Iterator[tuple[str, str, os.stat_result]]:
    """The curated files under ``sources``, each with its path relative to it, its path and its
    status (one ``stat`` a file: at 1,000 studies every command walks them): not the database,
    its temporary files or dotfiles."""
    target = db_path.resolve() if db_path is not None else None
    walked: set[tuple[int, int]] = set()
    for folder, folders, names in os.walk(sources, followlinks=True):
        where = os.stat(folder)
        if (where.st_dev, where.st_ino) in walked:  # a link back up: each folder once, never a loop
            folders.clear()
            continue
        walked.add((where.st_dev, where.st_ino))
        rel = Path(folder).relative_to(sources).as_posix()
        prefix = "" if rel == "." else f"{rel}/"
        for name in names:
            if name.startswith(".") or ".sqlite" in name:
                continue
            path = os.path.join(folder, name)
            try:
                status = os.stat(path)
            except (OSError, ValueError):
                continue  # a link to nothing, or a file gone meanwhile: no curated file
            if not stat.S_ISREG(status.st_mode):
                continue
            if target is None or name != target.name or Path(path).resolve() != target:
                yield prefix + name, path, status


FileDigests = dict[str, bytes]
"""Each curated file's content digest by its path relative to the sources folder."""


def file_digests(sources: Path, remember: bool = False) -> FileDigests:
    """Each curated file's digest; a file unchanged since an edit last hashed it is not read
    again (``digestcache``; ``remember``: an edit's, which writes to the folder anyway)."""
    return cached_digests(sources, source_files(sources), remember)


def combined_digest(files: FileDigests) -> str:
    """The digest of a set of files: each one's name and content digest, in name order. Of the
    files' digests rather than their bytes, so that an edit of one file restamps the database
    without hashing the others twice (``store.update``)."""
    return digest(*(part for name in sorted(files) for part in (name, files[name])))


def sources_digest(sources: Path) -> str:
    """What a load stamps into the database of its sources (each file's name and content), so
    a reading command and ``site build`` know when to reload."""
    return combined_digest(file_digests(sources))


def table_columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """The tables of ``conn`` in the order they were created (parents before children), each
    with its columns."""
    names = [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")]
    return {name: [row[1] for row in conn.execute("SELECT * FROM pragma_table_info(?)", (name,))]
            for name in names}


def insert_sql(table: str, columns: list[str]) -> str:
    names = ", ".join(f'"{column}"' for column in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'


def write_database(path: Path, rows_for: RowsFor) -> dict[str, int]:
    """Create the tables (``store/sql/tables.sql``, generated from model/tables.py) and views in a
    new SQLite file, insert the rows batch by batch (a study at a time) in one transaction, and mark the
    file as ours (``PRAGMA application_id``); return the rows written per table. Plain
    ``sqlite3.executemany``: importing and running the ORM would cost more than the rest of
    the load, and one study's rows at a time keep the memory of a large corpus small."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # a new file no one else reads until it is renamed into place: no rollback journal, no
        # sync to disk at each commit, but one of the whole file at the end (``_sync``)
        conn.executescript("PRAGMA foreign_keys = ON; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        conn.executescript("BEGIN;\n" + TABLES_SQL.read_text(encoding="utf-8"))
        tables = table_columns(conn)
        counts = dict.fromkeys(tables, 0)
        inserts = {name: insert_sql(name, columns) for name, columns in tables.items()}
        for batch in rows_for({name: set(columns) for name, columns in tables.items()}):
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
    _sync(path)
    return counts


def _sync(path: Path) -> None:
    """Write the file's data to disk before it replaces a database (what SQLite's own syncs at
    each commit would have done)."""
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def write_sqlite(db_path: Path, rows_for: RowsFor) -> dict[str, int]:
    """Write a new database through a locked temporary file and rename it over ``db_path``
    (refused unless ``db_path`` is ours); return the rows written per table. A link (a database
    shared from elsewhere) stays a link: the database it points to is the one replaced (a link
    to nothing is no file, refused by ``check_target``)."""
    check_target(db_path)
    if db_path.is_symlink():
        db_path = Path(os.path.realpath(db_path))
    sweep_leftovers(db_path)
    mode = replacement_mode(db_path)
    with _locked_temp(db_path) as tmp:
        try:
            counts = write_database(tmp, rows_for)
        except sqlite3.OperationalError as exc:  # "database or disk is full", "disk I/O error"
            raise DatabasePathError(f"cannot write the database {db_path}: {exc}") from exc
        os.chmod(tmp, mode)
        check_target(db_path)  # again: the file may have changed while we wrote
        try:
            _drop_journal(db_path)
            os.replace(tmp, db_path)
        except OSError as exc:  # an immutable file, a folder in its place, a sticky folder not ours
            raise DatabasePathError(f"cannot write the database {db_path}: {exc.strerror or exc}") from exc
    return counts


def _drop_journal(db_path: Path) -> None:
    """Remove the rollback journal an edit killed mid-transaction left beside the database
    being replaced: it belongs to the old file, and the first connection that may write would
    play it back into the new one (a malformed database, or the old rows back)."""
    journal = db_path.with_name(f"{db_path.name}-journal")
    if journal.is_file() and not journal.is_symlink():
        journal.unlink()


def is_current(db_path: Path, sources: Path) -> bool:
    """Whether the SQLite database was loaded from the curated files as they are now, by a
    her2db of the same schema."""
    return stored_schema_stamp(db_path) == schema_stamp() \
        and stored_sources_digest(db_path) == sources_digest(sources)
