"""Named queries of the CLI, and the guarded runner behind ``her2db query``.

Analysts' SQL runs on a read-only connection with a time limit and a row cap, so a query can
neither change the database nor hang the terminal. Output formats are rendered here too,
so the CLI stays a thin layer.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from tabulate import tabulate

from .numbers import plain

FORMATS = ("table", "csv", "json", "markdown")
DEFAULT_MAX_ROWS = 1000
DEFAULT_TIME_LIMIT = 10.0


class QueryError(Exception):
    """The SQL could not run: a syntax error, a write attempt, a time-out."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool = False


def _deny_attach(action: int, *_args: object) -> int:
    """SQLite authorizer: ATTACH would open (and create) another file, so it is refused."""
    return sqlite3.SQLITE_DENY if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH) else sqlite3.SQLITE_OK


def run_query(conn: sqlite3.Connection, sql: str, params: dict[str, Any] | tuple[Any, ...] = (),
              max_rows: int = DEFAULT_MAX_ROWS, time_limit: float = DEFAULT_TIME_LIMIT) -> QueryResult:
    """Run one SQL statement; stop it after ``time_limit`` seconds; keep ``max_rows`` rows."""
    deadline = time.monotonic() + time_limit
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    conn.set_authorizer(_deny_attach)
    try:
        cursor = conn.execute(sql, params)
        columns = [d[0] for d in cursor.description] if cursor.description else []
        rows = [tuple(row) for row in cursor.fetchmany(max_rows + 1)] if columns else []
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if text == "interrupted":
            raise QueryError(f"query stopped after the time limit of {time_limit:g} s") from exc
        if "not authorized" in text:
            raise QueryError("ATTACH and DETACH are not allowed: query the database as it is") from exc
        if "readonly" in text or "read-only" in text:
            raise QueryError("the database is opened read-only: only SELECT queries are allowed") from exc
        raise QueryError(text) from exc
    except (sqlite3.DatabaseError, sqlite3.ProgrammingError, sqlite3.Warning) as exc:
        raise QueryError(str(exc)) from exc
    finally:
        conn.set_progress_handler(None, 0)
        conn.set_authorizer(None)
    truncated = len(rows) > max_rows
    return QueryResult(columns, rows[:max_rows], truncated)


def plain_number(value: Any) -> Any:
    """Floats as written (0.00001, not 1e-05; 49, not 49.0); other values unchanged."""
    if isinstance(value, float) and math.isfinite(value):
        return plain(value)
    return value


def render(result: QueryResult, fmt: str) -> str:
    """The result as text in one of ``FORMATS``; JSON keeps numbers as numbers."""
    if fmt == "json":
        return json.dumps([dict(zip(result.columns, row)) for row in result.rows], indent=2,
                          ensure_ascii=False)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([plain_number(v) for v in row] for row in result.rows)
        return buffer.getvalue().rstrip("\n")
    tablefmt = "github" if fmt == "markdown" else "simple"
    rows = [[plain_number(v) for v in row] for row in result.rows]
    return tabulate(rows, headers=result.columns, tablefmt=tablefmt, missingval="",
                    disable_numparse=True)


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
            WHERE i.arm_id = a.id ORDER BY i.position)) AS drugs
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
