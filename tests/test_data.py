"""The real curated data: complete, valid, and able to answer the questions readers ask."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from her2db.validate import validate

from conftest import REAL_SOURCES

STUDY_IDS = {
    "cleopatra", "destiny-breast01", "destiny-breast02", "destiny-breast03", "destiny-breast05",
    "destiny-breast09", "destiny-breast11", "destiny-breast12", "her2climb", "her2climb-05", "patina",
    "sci-tdxd-maintenance", "cottu-2025", "sonabre", "flatiron", "praegnant", "italian-ambispective",
    "systhers", "panher",
}


def test_real_corpus_has_no_errors() -> None:
    report = validate(REAL_SOURCES)
    assert report.errors == [], "\n".join(map(str, report.errors))
    assert {s.study.id for s in report.corpus.studies} == STUDY_IDS


def test_destiny_breast09_table_1_is_complete(real_db: Path) -> None:
    conn = sqlite3.connect(real_db)
    rows = conn.execute(
        "SELECT arm_key, term, grade, n, pct, n_at_risk FROM v_adverse_events "
        "WHERE study_id = 'destiny-breast09' AND locator = 'Table 1'").fetchall()
    assert len(rows) == 64  # 16 rows x 2 arms x (all grades, grade >= 3)
    by_cell = {(arm, term, grade): (n, pct, at_risk) for arm, term, grade, n, pct, at_risk in rows}
    assert by_cell[("tdxd-p", "nausea", "any")] == (271, 71.1, 381)
    assert by_cell[("thp", "neutropenia", ">=3")] == (127, 33.2, 382)
    assert by_cell[("thp", "peripheral sensory neuropathy", "any")] == (109, 28.5, 382)
    assert by_cell[("tdxd-p", "alopecia", ">=3")] == (0, None, 381)  # printed "0", no percent


def test_first_line_pfs_hazard_ratios(real_db: Path) -> None:
    conn = sqlite3.connect(real_db)
    rows = conn.execute(
        "SELECT c.study_id, c.estimate, c.ci_low, c.ci_high FROM v_comparisons c JOIN v_studies s "
        "USING (study_id) WHERE s.line IN ('first line', 'first-line maintenance') AND c.endpoint = 'PFS' "
        "AND c.measure = 'HR' AND c.subgroup IS NULL").fetchall()
    assert set(rows) >= {("destiny-breast09", 0.56, 0.44, 0.71), ("patina", 0.75, 0.59, 0.94),
                         ("her2climb-05", 0.64, 0.51, 0.80)}


def test_attrition_with_its_definition(real_db: Path) -> None:
    conn = sqlite3.connect(real_db)
    rows = dict(conn.execute(
        "SELECT r.study_id, r.value FROM v_arm_results r JOIN v_study_endpoints d "
        "ON d.study_id = r.study_id AND d.endpoint = 'ATTRITION' WHERE r.endpoint = 'ATTRITION' "
        "AND d.definition IS NOT NULL").fetchall())
    assert rows == {"cottu-2025": 29.6, "praegnant": 31.3, "italian-ambispective": 7.1}


def test_every_number_has_provenance(real_db: Path) -> None:
    conn = sqlite3.connect(real_db)
    for view in ("v_arm_results", "v_comparisons", "v_adverse_events", "v_characteristics"):
        missing = conn.execute(
            f"SELECT count(*) FROM {view} WHERE source_id IS NULL OR trim(locator) = ''").fetchone()[0]
        assert missing == 0, view
