"""Replace one study's rows in a loaded SQLite database, in place and in one transaction: what a
curator's edit of one study file needs, at the cost of that study rather than of the corpus.

The result is the database a full load of the same files writes, to the byte of its ``sqlite3
.dump``. A load inserts the rows a study at a time, in study id order. A table whose key is an
integer ``id`` numbers each study's rows in a block of their own: the n-th study (from 0) has
ids ``n * BLOCK + 1``, ``+ 2``, ... so an edit that adds a record to one study moves no other
study's rows (at 1,000 studies, moving the later studies' rows was a quarter of an edit's time).
The other tables (a study's sources, drugs, field notes) number their rows 1, 2, ... across
the corpus. In each table the study's run of rows is deleted, the runs after it move by the
difference in length (a new study: by a block; every reference to a moved id with them), and
the new rows take the run's place.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from .sqlite import APPLICATION_ID, BLOCK, STAMP_TABLE, schema_stamp
from .write import Rows, insert_sql, table_columns

StudyRows = Callable[[dict[str, int], dict[str, set[str]]], Rows]
"""Given each table's first id for the study and each table's columns, the study's rows."""

STUDY_TABLE = "study"
CACHE_KIB = 65536


def replace_study(db_path: Path, study_id: str, rows_for: StudyRows, loaded_from: str, digest: str) -> bool:
    """Replace the rows of ``study_id`` (none: a new study) with ``rows_for``'s and stamp the
    database with ``digest``, if it is a database of this schema loaded from the files whose
    digest is ``loaded_from``; False (nothing changed) if not, and the caller loads in full."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB:d}")  # the moved rows' index pages, read once
        conn.execute("BEGIN IMMEDIATE")
        if not _loaded_from(conn, loaded_from):
            conn.execute("ROLLBACK")
            return False
        tables = table_columns(conn)
        foreign, integer = _keys(conn, tables)
        owners = _owners(tables, foreign)
        place, new = conn.execute(f'SELECT count(*), NOT EXISTS (SELECT 1 FROM "{STUDY_TABLE}" WHERE id = ?) '
                                  f'FROM "{STUDY_TABLE}" WHERE id < ?', (study_id, study_id)).fetchone()
        runs = {table: _run(conn, table, owner, study_id, place * BLOCK if integer[table] else None)
                for table, owner in owners.items()}
        if any(run is None for run in runs.values()):
            conn.execute("ROLLBACK")  # not numbered as a load numbers: load in full
            return False
        first = {table: run[0] for table, run in runs.items() if run is not None}
        rows = rows_for(first, {name: set(columns) for name, columns in tables.items()})
        references = _references(foreign, integer)
        for table, run in runs.items():
            assert run is not None
            start, count = run
            if count:
                conn.execute(f'DELETE FROM "{table}" WHERE rowid BETWEEN ? AND ?', (start, start + count - 1))
        for table, run in runs.items():
            assert run is not None
            start, count = run
            delta = (BLOCK if new else 0) if integer[table] else len(rows.get(table, [])) - count
            if delta:
                _move(conn, table, tables[table], integer[table], start + count - 1, delta)
                for name, column in references.get(table, []):
                    _shift(conn, name, column, start + count - 1, delta)
        for table, columns in tables.items():
            if not (table_rows := rows.get(table)):
                continue
            if "id" in columns and integer[table]:  # the rows' ids are their rowids
                conn.executemany(insert_sql(table, columns), ([row.get(c) for c in columns] for row in table_rows))
            else:
                conn.executemany(insert_sql(table, ["rowid", *columns]),
                                 ([first[table] + i, *(row.get(c) for c in columns)]
                                  for i, row in enumerate(table_rows)))
        conn.execute(f'UPDATE "{STAMP_TABLE}" SET sources_digest = ?', (digest,))
        conn.execute("COMMIT")
        return True
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


def _loaded_from(conn: sqlite3.Connection, digest: str) -> bool:
    application_id = conn.execute("PRAGMA application_id").fetchone()[0]
    user_version = conn.execute("PRAGMA user_version").fetchone()[0]
    if application_id != APPLICATION_ID or user_version != schema_stamp():
        return False
    row = conn.execute(f'SELECT sources_digest FROM "{STAMP_TABLE}"').fetchone()
    return row is not None and row[0] == digest


Foreign = dict[str, list[tuple[str, str, str]]]
"""Each table's foreign keys: (the table it refers to, the column, the column referred to)."""


def _keys(conn: sqlite3.Connection, tables: dict[str, list[str]]) -> tuple[Foreign, dict[str, bool]]:
    """Each table's foreign keys, and whether its key is an integer ``id`` (then the rowid
    itself), read from the schema in one query each."""
    foreign: Foreign = {}
    for table, parent, column, to in conn.execute(
            "SELECT m.name, f.\"table\", f.\"from\", f.\"to\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f "
            "WHERE m.type = 'table' ORDER BY m.rowid, f.id, f.seq"):
        foreign.setdefault(table, []).append((parent, column, to))
    keys: dict[str, list[tuple[str, str]]] = {}
    for table, name, kind in conn.execute(
            "SELECT m.name, p.name, p.type FROM sqlite_master m, pragma_table_info(m.name) p "
            "WHERE m.type = 'table' AND p.pk ORDER BY m.rowid, p.pk"):
        keys.setdefault(table, []).append((name, kind))
    return foreign, {table: keys.get(table) == [("id", "INTEGER")] for table in tables}


def _owners(tables: dict[str, list[str]], foreign: Foreign) -> dict[str, tuple[str, str]]:
    """The tables that hold a study's rows, each with how a row names its study: (the join that
    reaches the study's id, the column holding it). The study itself, the tables whose
    ``study_id`` refers to it, and the tables that refer by id to one of those (an arm's drugs)."""
    owners = {STUDY_TABLE: ("", f'"{STUDY_TABLE}".id')}
    for table in tables:
        if any(parent == STUDY_TABLE and column == "study_id" for parent, column, _ in foreign.get(table, [])):
            owners[table] = ("", f'"{table}".study_id')
    for table in tables:
        for parent, column, to in foreign.get(table, []):
            if table not in owners and parent in owners and parent != STUDY_TABLE and to == "id":
                owners[table] = (f'JOIN "{parent}" ON "{parent}".id = "{table}"."{column}"',
                                 f'"{parent}".study_id')
    return {table: owners[table] for table in tables if table in owners}


def _run(conn: sqlite3.Connection, table: str, owner: tuple[str, str], study_id: str,
         block: int | None) -> tuple[int, int] | None:
    """The first rowid of the study's rows in ``table`` (where they would go if it has none)
    and how many there are; None if they are not numbered as a load numbers them: from
    ``block`` + 1 (a table of integer ids), else 1, 2, ... across the table."""
    join, column = owner
    count, low, high = conn.execute(f'SELECT count(*), min("{table}".rowid), max("{table}".rowid) '
                                    f'FROM "{table}" {join} WHERE {column} = ?', (study_id,)).fetchone()
    if block is not None:
        return (block + 1, count) if not count or (low, high) == (block + 1, block + count) else None
    before = conn.execute(f'SELECT count(*) FROM "{table}" {join} WHERE {column} < ?', (study_id,)).fetchone()[0]
    if count and (low, high) != (before + 1, before + count):
        return None
    total, last = conn.execute(f'SELECT count(*), coalesce(max(rowid), 0) FROM "{table}"').fetchone()
    return (before + 1, count) if total == last else None


def _references(foreign: Foreign, integer: dict[str, bool]) -> dict[str, list[tuple[str, str]]]:
    """For each table, the (table, column) pairs that refer to its integer ids."""
    out: dict[str, list[tuple[str, str]]] = {}
    for table, keys in foreign.items():
        for parent, column, to in keys:
            if to == "id" and integer.get(parent):
                out.setdefault(parent, []).append((table, column))
    return out


def _move(conn: sqlite3.Connection, table: str, columns: list[str], integer_key: bool, after: int,
          delta: int) -> None:
    """Add ``delta`` to the rowids (ids) above ``after``: the rows are copied aside, deleted, and
    inserted again with their new ids, one pass over the table's indexes each way. (Changing the
    ids in place takes two passes, through the negative numbers: see ``_shift``.) The copy's
    columns have the table's affinities, so every value comes back as it was stored."""
    key = "id" if "id" in columns and integer_key else "rowid"
    names = ", ".join(f'"{column}"' for column in columns if column != key)
    conn.execute(f'CREATE TEMP TABLE "{_MOVED}" AS SELECT rowid AS "{_MOVED}", {names} FROM "{table}" '
                 "WHERE rowid > ?", (after,))
    conn.execute(f'DELETE FROM "{table}" WHERE rowid > ?', (after,))
    conn.execute(f'INSERT INTO "{table}" ("{key}", {names}) SELECT "{_MOVED}" + ?, {names} '
                 f'FROM temp."{_MOVED}" ORDER BY "{_MOVED}"', (delta,))
    conn.execute(f'DROP TABLE temp."{_MOVED}"')


_MOVED = "her2db_moved_rowid"


def _shift(conn: sqlite3.Connection, table: str, column: str, after: int, delta: int) -> None:
    """Add ``delta`` to the ids above ``after`` in ``column``. Through the negative numbers:
    SQLite checks a key's uniqueness row by row, and ``id + 1`` is taken until the last row moves."""
    conn.execute(f'UPDATE "{table}" SET "{column}" = -("{column}" + ?) WHERE "{column}" > ?', (delta, after))
    conn.execute(f'UPDATE "{table}" SET "{column}" = -"{column}" WHERE "{column}" < 0')
