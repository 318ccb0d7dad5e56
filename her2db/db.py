"""Connections: the engine a load writes through, and the read-only connection queries use."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

DEFAULT_DB = Path("db/her2db.sqlite")
DEFAULT_SOURCES = Path("db")
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"
VIEWS_SQL = SCHEMA_DIR / "views.sql"


def _enforce_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def sqlite_engine(path: Path) -> Engine:
    """An engine on a SQLite file with foreign keys enforced on every connection."""
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _enforce_foreign_keys)
    return engine


class DatabaseMissing(Exception):
    pass


def connect_readonly(path: Path) -> sqlite3.Connection:
    """Open the database so that no statement can change it (SQLite ``mode=ro``)."""
    if not path.exists():
        raise DatabaseMissing(f"database {path} does not exist; run `her2db load` first")
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    conn.execute("PRAGMA query_only=ON")
    conn.row_factory = sqlite3.Row
    return conn
