"""SQLite: the read-only connection queries use, the schema stamp a load writes, and the
mark that tells a database this tool built from any other file.

Kept light (no SQLAlchemy at import time) because ``her2db query`` imports it on start-up.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from .target import DatabaseMissing

VIEWS_SQL = Path(__file__).with_name("sql") / "views.sql"
"""The public views, shipped inside the package so an installed wheel can load."""
TABLES_SQL = Path(__file__).with_name("sql") / "tables.sql"
"""The tables' DDL, generated from model/tables.py by ``her2db schema``
and shipped inside the package: a load creates the tables without importing the ORM."""

APPLICATION_ID = 0x48455232
"""``PRAGMA application_id`` of every database ``her2db load`` writes: the bytes of "HER2".
A load replaces a file only when it carries this mark (or is an earlier her2db database), so
``--db db/sources.yaml`` can never turn curated data into a database."""

_SQLITE_HEADER = b"SQLite format 3\x00"


BLOCK = 100_000
"""Ids a study's rows take in a table of integer ids (``store/update.py``): hundreds of times
what the largest study holds, and few enough for PostgreSQL's 32-bit integers up to
``MAX_STUDIES`` studies."""
MAX_STUDIES = (2**31 - 1) // BLOCK - 1


def schema_stamp() -> int:
    """A 31-bit digest of the tables' and views' SQL and of how rows are numbered, which every
    load keeps as ``PRAGMA user_version``: a database built by a her2db with another schema or
    numbering is then rebuilt before it is read or edited, instead of failing on a missing
    table or column, or keeping ids the views no longer describe."""
    import hashlib  # here: loading OpenSSL costs `her2db query` more than the query itself

    numbering = f"row ids: a block of {BLOCK} per study".encode()
    digest = hashlib.sha256(TABLES_SQL.read_bytes() + VIEWS_SQL.read_bytes() + numbering).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


STAMP_TABLE = "build_stamp"
"""The table holding the digest of the curated files a load read (``model/tables.BuildStamp``)."""


def stored_sources_digest(path: Path) -> str | None:
    """The digest of the curated files the database was loaded from; None when it has none (not
    a her2db database, or one loaded before the stamp existed)."""
    try:
        conn = connect_readonly(path)
    except DatabaseMissing:
        return None
    try:
        row = conn.execute(f"SELECT sources_digest FROM {STAMP_TABLE}").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return row[0] if row else None


def stored_schema_stamp(path: Path) -> int | None:
    """The ``user_version`` in the file's header (bytes 60–63), read without opening SQLite;
    None for no file (a pipe is never opened: it would wait for a writer)."""
    if not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError:
        return None
    if len(header) < 100 or not header.startswith(_SQLITE_HEADER):
        return None
    return int.from_bytes(header[60:64], "big")
_OUR_TABLES = {"study", "arm_result", "comparison", "source"}


class NotOurDatabase(Exception):
    """The file a load would replace is not a database her2db built."""


def readonly_uri(path: Path) -> str:
    """The ``file:`` URI that opens ``path`` read-only. ``Path.as_uri`` percent-encodes the
    path, so a folder named ``a #?% b`` cannot end the path early and drop ``mode=ro`` (which
    would open, or create, another file)."""
    return f"{path.resolve().as_uri()}?mode=ro"


def connect_readonly(path: Path) -> sqlite3.Connection:
    """Open the database so that no statement can change it (SQLite ``mode=ro``). Used by
    ``query``, ``studies``, ``show`` and the site."""
    if not path.is_file():
        if path.exists():  # a folder, a pipe, a device: never opened (a pipe would wait for a writer)
            raise DatabaseMissing(f"{path} is not a database file (a folder, a pipe or a device); name the "
                                  "file `her2db load` wrote")
        if path.is_symlink():
            raise DatabaseMissing(f"{path} is a link to nothing ({os.readlink(path)}): name the database file")
        raise DatabaseMissing(f"database {path} does not exist; run `her2db load` first")
    with path.open("rb") as handle:
        header = handle.read(len(_SQLITE_HEADER))
    if header and header != _SQLITE_HEADER:  # (SQLite reads an empty file as an empty database)
        raise DatabaseMissing(f"{path} is not a SQLite database; name the file `her2db load` wrote")
    conn = sqlite3.connect(readonly_uri(path), uri=True)
    conn.execute("PRAGMA query_only=ON")
    conn.row_factory = sqlite3.Row
    return conn


def check_replaceable(path: Path) -> None:
    """Raise ``NotOurDatabase`` unless ``path`` is absent, empty, or a database her2db built
    (marked with ``APPLICATION_ID``; unmarked ones from before the mark have our tables)."""
    if not path.exists() and not path.is_symlink():
        return
    if not path.is_file():
        raise NotOurDatabase(f"{path} is not a file; refusing to replace it with a database")
    with path.open("rb") as handle:
        header = handle.read(100)
    if not header:
        return
    refuse = NotOurDatabase(f"{path} is not a database built by her2db; refusing to replace it "
                            "(choose another --db path, or move the file away)")
    if len(header) < 100 or not header.startswith(_SQLITE_HEADER):
        raise refuse
    if int.from_bytes(header[68:72], "big") == APPLICATION_ID:
        return
    try:
        conn = connect_readonly(path)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise refuse from exc
    if not _OUR_TABLES <= tables:
        raise refuse
