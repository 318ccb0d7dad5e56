"""The guarded query runner on PostgreSQL: the same caps and refusals as on SQLite, enforced
by the server (a statement timeout, a read-only transaction, and a wrapper that stops a result
before it grows past the limits)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..store.postgres import Connection, _psycopg, _row_factory, paramstyle
from .results import MAX_VALUE_BYTES, QueryError, QueryResult

_FIRST_WORD = re.compile(r"^(?:\s+|--[^\n]*\n?|/\*.*?\*/|\()*([A-Za-z]*)", re.DOTALL)
_WRAPPABLE = {"select", "with", "values", "table"}
_READING = _WRAPPABLE | {"explain", "show"}
READ_ONLY_MESSAGE = "the database is opened read-only: only SELECT queries are allowed"


_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\$(\w*)\$.*?\$\1\$|--[^\n]*|/\*.*?\*/|\s+"
                    r"|[^'\"$\s;-]+|.", re.DOTALL)


def _statement(sql: str) -> str:
    """``sql`` without the semicolons, comments and blank space after its last word, so that it
    can be wrapped in a subquery (``select 1; -- done`` is ``select 1``)."""
    end = 0
    for match in _TOKEN.finditer(sql):
        token = match.group()
        if token != ";" and not token.isspace() and not token.startswith(("--", "/*")):
            end = match.end()
    return sql[:end]


def _guarded(sql: str) -> str:
    """``sql`` wrapped so the server enforces the caps before a row is sent: a row larger than
    ``max_value`` or a running total over ``max_bytes`` raises an error (``her2db_fits``), and
    no more than ``limit`` rows leave the server. The extra total column is dropped by the caller."""
    body = paramstyle(_statement(sql))
    return ("SELECT * FROM (SELECT q.*, sum(pg_column_size(q.*)) OVER (ROWS UNBOUNDED PRECEDING) "
            "AS her2db_running_total FROM (\n" + body + "\n) AS q "
            "WHERE her2db_fits(pg_column_size(q.*), %(her2db_max_value)s, 'value') "
            "LIMIT %(her2db_limit)s) AS w "
            "WHERE her2db_fits(her2db_running_total, %(her2db_max_bytes)s, 'result')")


def _keywords(conn: Connection) -> set[str]:
    """The server's SQL keywords: every statement starts with one."""
    return {row[0] for row in conn.execute("SELECT word FROM pg_get_keywords()")}


def run_query(conn: Connection, sql: str, params: dict[str, Any] | Sequence[Any], max_rows: int,
              time_limit: float, max_bytes: int) -> QueryResult:
    """``runner.run_query`` on PostgreSQL: one read-only transaction with a statement timeout;
    SELECT-like statements run wrapped by ``_guarded``, EXPLAIN and SHOW as they are."""
    psycopg = _psycopg()

    match = _FIRST_WORD.match(sql)
    first = (match.group(1) if match else "").lower()
    if not sql.strip():
        raise QueryError("the query is empty")
    if first not in _READING and first in _keywords(conn):
        raise QueryError(READ_ONLY_MESSAGE)  # any statement but a query (a typo goes on to a syntax error)
    if isinstance(params, Sequence) and params:
        raise QueryError("positional parameters are not supported on PostgreSQL; use :name")
    wrapped = first in _WRAPPABLE
    cursor = conn.raw.cursor(row_factory=_row_factory)
    try:
        cursor.execute("SELECT set_config('statement_timeout', %(ms)s, true)",
                       {"ms": str(max(1, round(time_limit * 1000)))})
        if wrapped:
            cursor.execute(_guarded(sql), {**dict(params), "her2db_max_value": MAX_VALUE_BYTES,
                                           "her2db_limit": max_rows + 1, "her2db_max_bytes": max_bytes})
        else:
            cursor.execute(paramstyle(sql) if params else sql, dict(params) or None)
        columns = [d.name for d in cursor.description or []]
        fetched = cursor.fetchmany(max_rows + 1) if columns else []
    except psycopg.Error as exc:
        raise QueryError(_explain(exc, time_limit, max_bytes)) from exc
    except KeyError as exc:
        raise QueryError(f"the query names a parameter that was not given: {exc}") from exc
    finally:
        conn.raw.rollback()
    if wrapped:
        columns = columns[:-1]
        fetched = [row[:-1] for row in fetched]
    return QueryResult(columns, [tuple(r) for r in fetched[:max_rows]], len(fetched) > max_rows)


def _explain(exc: Any, time_limit: float, max_bytes: int) -> str:
    """What a user should read for PostgreSQL's error ``exc`` (its primary message, without
    the wrapped statement the server quotes back)."""
    state = exc.sqlstate or ""
    text = (exc.diag.message_primary if exc.diag else None) or str(exc)
    if state == "57014":
        return f"query stopped after the time limit of {time_limit:g} s"
    if state == "25006" or "data-modifying" in text:
        return READ_ONLY_MESSAGE
    if text == "her2db: value too large":
        return f"a row of the result would be larger than {MAX_VALUE_BYTES / 1e6:g} MB: the query was stopped"
    if text == "her2db: result too large":
        return f"the result is larger than {max_bytes / 1e6:g} MB: select fewer rows or columns (--max-rows)"
    hint = exc.diag.message_hint if exc.diag else None
    return text + (f" ({hint})" if hint else "")
