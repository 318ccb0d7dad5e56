"""Named queries of the CLI, and the guarded runner behind ``her2db query``.

Analysts' SQL runs on a read-only connection with a time limit and a row cap, so a query can
neither change the database nor hang the terminal. Output formats are rendered here too,
so the CLI stays a thin layer.
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from tabulate import tabulate

from . import export
from .files import printable

FORMATS = ("table", "csv", "json", "markdown")
DEFAULT_MAX_ROWS = 1000
DEFAULT_TIME_LIMIT = 10.0
MAX_VALUE_BYTES = 10_000_000
"""Largest string or BLOB a query may build (SQLite's length limit): ``zeroblob(1e9)`` or a
``group_concat`` over a runaway CTE stop with an error instead of exhausting memory."""
MAX_RESULT_BYTES = 50_000_000
"""Largest result kept, all values together: many large rows stop as one huge value does."""
FORMAT_HELP = ("Output format. JSON prints non-finite numbers as the strings \"Infinity\", "
               "\"-Infinity\", \"NaN\"; every format prints a BLOB as an SQL hex literal, X'0A1B'.")


class QueryError(Exception):
    """The SQL could not run: a syntax error, a write attempt, a time-out, a result too large."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool = False


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
    (``pg.Connection``) the server enforces the same (``pg.run_query``)."""
    if not isinstance(conn, sqlite3.Connection):
        from . import pg

        return pg.run_query(conn, sql, params, max_rows, time_limit, max_bytes)
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
        while columns and len(rows) <= max_rows:
            batch = cursor.fetchmany(min(500, max_rows + 1 - len(rows)))
            if not batch:
                break
            for row in batch:
                total += sum(_size(v) for v in row)
                if total > max_bytes:
                    raise QueryError(f"the result is larger than {max_bytes / 1e6:g} MB: select fewer "
                                     "rows or columns (--max-rows)")
                rows.append(tuple(row))
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


_MARKDOWN_BREAKS = re.compile(r"\r\n|\r|\n")


def _markdown(value: Any) -> Any:
    """A cell that cannot break a Markdown table row: '|' escaped, line breaks as <br>."""
    if not isinstance(value, str):
        return value
    return printable(_MARKDOWN_BREAKS.sub("<br>", value.replace("|", "\\|")))


def render(result: QueryResult, fmt: str) -> str:
    """The result as text in one of ``FORMATS``. CSV and JSON come from the exporter of the
    site's downloads (``export``), so a number prints the same in both: as printed where the
    result has its ``X_text`` column; JSON is always valid JSON (see ``FORMAT_HELP``)."""
    if fmt == "json":
        return export.json_text(result.columns, result.rows)
    if fmt == "csv":
        return export.csv_text(result.columns, result.rows).rstrip("\n")
    # every format prints a number as the exporter does: as printed where the row has it
    cells = [[export.cell(value, text) for value, text in row]
             for row in export.printed_cells(result.columns, result.rows)]
    if fmt == "markdown":
        return tabulate([[_markdown(v) for v in row] for row in cells],
                        headers=[_markdown(c) for c in result.columns], tablefmt="github",
                        missingval="", disable_numparse=True)
    rows = [[printable_lines(v) for v in row] for row in cells]
    return tabulate(rows, headers=[printable_lines(c) for c in result.columns], tablefmt="simple",
                    missingval="", disable_numparse=True)


def printable_lines(value: Any) -> Any:
    """Text for the terminal: control characters escaped, except the line breaks a cell may hold."""
    if not isinstance(value, str):
        return value
    return "\n".join(printable(line) for line in value.split("\n"))


# --- named queries -----------------------------------------------------------------------

STUDIES_SQL = """
SELECT study_id, acronym, kind, phase, setting, line, n_enrolled
FROM v_studies ORDER BY study_id
"""

STUDY_SQL = "SELECT * FROM study WHERE id = :study_id"

ARMS_SQL = """
SELECT a.key, a.label, a.role, a.n_randomized, a.n_treated,
       (SELECT group_concat(name, ' + ') FROM (
            SELECT d.name FROM intervention i JOIN drug d ON d.id = i.drug_id
            WHERE i.arm_id = a.id ORDER BY i.position) AS regimen) AS drugs
FROM arm a WHERE a.study_id = :study_id ORDER BY a.id
"""

POPULATIONS_SQL = """
SELECT label, n, definition FROM population WHERE study_id = :study_id ORDER BY id
"""

# Numbers are shown as printed (X_text), prefixed by their qualifier, with ranges as low–high.
ARM_RESULTS_SQL = """
SELECT endpoint, arm, subgroup, category, statistic,
       CASE WHEN not_reached THEN 'NR' WHEN not_estimable THEN 'NE'
            ELSE coalesce(qualifier || ' ', '') || value_text || coalesce('–' || value_upper_text, '')
       END AS value,
       unit, timepoint_months, ci_low_text || '–' || ci_high_text AS ci, basis, locator
FROM v_arm_results WHERE study_id = :study_id ORDER BY result_id
"""

COMPARISONS_SQL = """
SELECT endpoint, subgroup, measure, experimental_arm, control_arm, estimate_text AS estimate, unit,
       ci_low_text || '–' || ci_high_text AS ci, 'p ' || p_operator || ' ' || p_value_text AS p,
       basis, locator
FROM v_comparisons WHERE study_id = :study_id ORDER BY comparison_id
"""

ADVERSE_EVENTS_SQL = """
SELECT term, category, grade, arm, n, coalesce(qualifier || ' ', '') || pct_text AS pct, n_at_risk,
       'p ' || p_operator || ' ' || p_value_text || ' vs ' || p_versus_arm AS p, basis, locator
FROM v_adverse_events WHERE study_id = :study_id ORDER BY adverse_event_id
"""

CHARACTERISTICS_SQL = """
SELECT characteristic, population, arm, statistic,
       coalesce(qualifier || ' ', '') || value_text || coalesce('–' || value_upper_text, '') AS value,
       unit, n, basis, locator
FROM v_characteristics WHERE study_id = :study_id ORDER BY characteristic_id
"""

ANALYSES_SQL = """
SELECT key, label, data_cutoff, median_follow_up_months_text AS median_follow_up_months, basis, basis_note
FROM analysis WHERE study_id = :study_id ORDER BY id
"""

FIELD_BASIS_SQL = """
SELECT field, basis, basis_note FROM v_study_field_basis WHERE study_id = :study_id ORDER BY field
"""

STUDY_SECTIONS = (
    ("Study fields that are not simply reported", FIELD_BASIS_SQL),
    ("Analyses", ANALYSES_SQL),
    ("Populations", POPULATIONS_SQL),
    ("Arms", ARMS_SQL),
    ("Baseline and cohort characteristics", CHARACTERISTICS_SQL),
    ("Results by arm", ARM_RESULTS_SQL),
    ("Comparisons", COMPARISONS_SQL),
    ("Adverse events", ADVERSE_EVENTS_SQL),
)


def studies(conn: sqlite3.Connection) -> QueryResult:
    return run_query(conn, STUDIES_SQL, max_rows=10_000)


def study(conn: sqlite3.Connection, study_id: str) -> dict[str, Any] | None:
    row = conn.execute(STUDY_SQL, {"study_id": study_id}).fetchone()
    return dict(row) if row is not None else None


def study_sections(conn: sqlite3.Connection, study_id: str) -> list[tuple[str, QueryResult]]:
    """The non-empty sections of ``her2db show STUDY``, in reading order."""
    sections = []
    for title, sql in STUDY_SECTIONS:
        result = run_query(conn, sql, {"study_id": study_id}, max_rows=100_000)
        if result.rows:
            sections.append((title, result))
    return sections


def study_ids(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT id FROM study ORDER BY id")]
