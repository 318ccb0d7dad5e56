"""The named queries of ``her2db studies`` and ``her2db show STUDY``."""

from __future__ import annotations

import sqlite3
from typing import Any

from .results import QueryResult
from .runner import run_query

# the data point of each row, and how many sources report it (all in v_reports)
RECORD_ID = "record_id || CASE WHEN reports > 1 THEN ' (' || reports || ' reports)' ELSE '' END AS record_id"

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
ARM_RESULTS_SQL = f"""
SELECT endpoint, arm, subgroup, category, statistic,
       CASE WHEN not_reached THEN 'NR' WHEN not_estimable THEN 'NE'
            ELSE coalesce(qualifier || ' ', '') || value_text || coalesce('–' || value_upper_text, '')
       END AS value,
       unit, timepoint_months, ci_low_text || '–' || ci_high_text AS ci, basis, locator,
       {RECORD_ID}
FROM v_arm_results WHERE study_id = :study_id ORDER BY result_id
"""

COMPARISONS_SQL = f"""
SELECT endpoint, subgroup, measure, experimental_arm, control_arm, estimate_text AS estimate, unit,
       ci_low_text || '–' || ci_high_text AS ci, 'p ' || p_operator || ' ' || p_value_text AS p,
       basis, locator, {RECORD_ID}
FROM v_comparisons WHERE study_id = :study_id ORDER BY comparison_id
"""

ADVERSE_EVENTS_SQL = f"""
SELECT term, category, grade, arm, n, coalesce(qualifier || ' ', '') || pct_text AS pct, n_at_risk,
       'p ' || p_operator || ' ' || p_value_text || ' vs ' || p_versus_arm AS p, basis, locator,
       {RECORD_ID}
FROM v_adverse_events WHERE study_id = :study_id ORDER BY adverse_event_id
"""

CHARACTERISTICS_SQL = f"""
SELECT characteristic, population, arm, statistic,
       coalesce(qualifier || ' ', '') || value_text || coalesce('–' || value_upper_text, '') AS value,
       unit, n, basis, locator,
       {RECORD_ID}
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
