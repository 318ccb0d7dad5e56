"""The guarded runner behind ``her2db query``, the site and the show command.

Analysts' SQL runs on a read-only connection with a time limit and a row cap, so a query can
neither change the database nor hang the terminal.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from .results import (
    DEFAULT_MAX_ROWS,
    DEFAULT_TIME_LIMIT,
    MAX_RESULT_BYTES,
    MAX_VALUE_BYTES,
    QueryError,
    QueryResult,
)

_REFUSED = {
    sqlite3.SQLITE_ATTACH: "ATTACH and DETACH are not allowed: query the database as it is",
    sqlite3.SQLITE_DETACH: "ATTACH and DETACH are not allowed: query the database as it is",
    sqlite3.SQLITE_FUNCTION: "load_extension is not allowed: the query runs on SQLite's built-in functions",
}


class _Guard:
    """SQLite authorizer that refuses ATTACH (it would open, or create, another file) and
    ``load_extension``, remembering what it refused so the error can say so."""

    def __init__(self) -> None:
        self.refused: str | None = None

    def __call__(self, action: int, arg1: str | None, arg2: str | None, *_args: object) -> int:
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() != "load_extension":
            return sqlite3.SQLITE_OK
        if action in _REFUSED:
            self.refused = _REFUSED[action]
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes)) else 8


def run_query(conn: sqlite3.Connection, sql: str, params: dict[str, Any] | tuple[Any, ...] = (),
              max_rows: int = DEFAULT_MAX_ROWS, time_limit: float = DEFAULT_TIME_LIMIT,
              max_bytes: int = MAX_RESULT_BYTES) -> QueryResult:
    """Run one SQL statement; stop it after ``time_limit`` seconds; keep ``max_rows`` rows;
    refuse values over ``MAX_VALUE_BYTES`` and results over ``max_bytes``. On PostgreSQL
    (``postgres.Connection``) the server enforces the same (``runner_pg.run_query``)."""
    if not isinstance(conn, sqlite3.Connection):
        from . import runner_pg

        return runner_pg.run_query(conn, sql, params, max_rows, time_limit, max_bytes)
    deadline = time.monotonic() + time_limit
    guard = _Guard()
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    conn.set_authorizer(guard)
    old_length = conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    rows: list[tuple[Any, ...]] = []
    try:
        cursor = conn.execute(sql, params)
        columns = [d[0] for d in cursor.description] if cursor.description else []
        total = 0
        for row in cursor if columns else ():  # a row at a time: the size is checked before the next is read
            total += sum(_size(v) for v in row)
            if total > max_bytes:
                raise QueryError(f"the result is larger than {max_bytes / 1e6:g} MB: select fewer "
                                 "rows or columns (--max-rows)")
            rows.append(tuple(row))
            if len(rows) > max_rows:
                break
    except sqlite3.Error as exc:
        raise QueryError(_explain(exc, guard, time_limit)) from exc
    finally:
        conn.set_progress_handler(None, 0)
        conn.set_authorizer(None)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, old_length)
    truncated = len(rows) > max_rows
    return QueryResult(columns, rows[:max_rows], truncated)


def _explain(exc: sqlite3.Error, guard: _Guard, time_limit: float) -> str:
    """What a user should read for SQLite's error ``exc``."""
    text = str(exc)
    if guard.refused and "not authorized" in text:
        return guard.refused
    if text == "interrupted":
        return f"query stopped after the time limit of {time_limit:g} s"
    if "string or blob too big" in text:
        return (f"a value of the result would be larger than {MAX_VALUE_BYTES / 1e6:g} MB: "
                "the query was stopped")
    if "readonly" in text or "read-only" in text:
        return "the database is opened read-only: only SELECT queries are allowed"
    return text


