"""The real curated data: complete, valid, and able to answer the questions readers ask."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from her2db_testing import REAL_SOURCES

from her2db.curate.validate import validate

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
    # the publications' reports are preferred over the review's (issue 17)
    assert set(rows) >= {("destiny-breast09", 0.56, 0.44, 0.71), ("patina", 0.75, 0.59, 0.96),
                         ("her2climb-05", 0.641, 0.514, 0.799)}
    reports = conn.execute(
        "SELECT study_id, source_id, preferred, value_text, ci_low_text, ci_high_text FROM v_reports "
        "WHERE study_id IN ('patina', 'her2climb-05') AND kind = 'comparison' AND record_id LIKE '%.pfs.hr.%' "
        "AND record_id LIKE '%analysis-primary.population-itt'").fetchall()
    assert set(reports) == {("patina", "huober-review", 0, "0.75", "0.59", "0.94"),
                            ("patina", "metzger-2026", 1, "0.75", "0.59", "0.96"),
                            ("her2climb-05", "huober-review", 0, "0.64", "0.51", "0.80"),
                            ("her2climb-05", "dieras-2025", 1, "0.641", "0.514", "0.799")}


def test_attrition_with_its_definition(real_db: Path) -> None:
    conn = sqlite3.connect(real_db)
    rows = dict(conn.execute(
        "SELECT r.study_id, r.value FROM v_arm_results r JOIN v_study_endpoints d "
        "ON d.study_id = r.study_id AND d.endpoint = 'ATTRITION' WHERE r.endpoint = 'ATTRITION' "
        "AND d.definition IS NOT NULL").fetchall())
    assert rows == {"cottu-2025": 29.6, "praegnant": 31.3, "italian-ambispective": 7.1, "flatiron": 25}


def test_every_number_has_provenance(real_db: Path) -> None:
    conn = sqlite3.connect(real_db)
    for view in ("v_arm_results", "v_comparisons", "v_adverse_events", "v_characteristics"):
        missing = conn.execute(
            f"SELECT count(*) FROM {view} WHERE source_id IS NULL OR trim(locator) = ''").fetchone()[0]
        assert missing == 0, view


# --- issue 8: numbers as printed, qualifiers, ranges, statements without an estimate --------

def _show(real_db: Path, study_id: str) -> str:
    from click.testing import CliRunner

    from her2db.cli import cli

    result = CliRunner().invoke(cli, ["show", study_id, "--db", str(real_db)])
    assert result.exit_code == 0, result.output
    return result.output


def test_show_patina_prints_what_the_review_printed(real_db: Path) -> None:
    shown = _show(real_db, "patina")
    assert "0.543–1.07" in shown  # the misprint-suspect bound, as printed
    assert "  NE  " in shown  # median OS not estimable in the palbociclib arm
    orr = next(line for line in shown.splitlines() if line.startswith("ORR ") and "p = 0.046" in line)
    assert "not reported" in orr and "difference" not in orr  # no invented measure
    grade4 = next(line for line in shown.splitlines() if ">=4" in line and "12.3" in line)
    assert "p = 0.21 vs Trastuzumab (± pertuzumab) + ET" in grade4
    assert "more than 97" in shown and "approximately 53" in shown and "up to 20" in shown


def test_printed_text_of_key_numbers(real_db: Path) -> None:
    conn = sqlite3.connect(real_db)
    assert conn.execute("SELECT value_text, source_id, reports FROM v_arm_results WHERE study_id = 'destiny-breast03' "
                        "AND endpoint = 'PFS' AND arm_key = 'tdxd' AND statistic = 'median'").fetchall() == [
        ("29.0", "cortes-2024", 2)]
    assert set(conn.execute("SELECT source_id, preferred, value_text FROM v_reports WHERE record_id = "
                            "'destiny-breast03.result.pfs.tdxd.median.analysis-updated'").fetchall()) == {
        ("huober-review", 0, "29.0"), ("cortes-2024", 1, "29.0")}
    assert "  29.0     months" in _show(real_db, "destiny-breast03")
    assert conn.execute("SELECT value_text, value_upper_text, unit, statistic FROM v_arm_results WHERE "
                        "study_id = 'sonabre' AND endpoint = 'NEXT_LINE'").fetchall() == [("61", "80", "%", "proportion")]
    assert "61–80" in _show(real_db, "sonabre")
    assert conn.execute("SELECT qualifier, value_text FROM v_characteristics WHERE study_id = 'destiny-breast09' "
                        "AND characteristic = 'OS data maturity'").fetchone() == ("approximately", "16")
    assert conn.execute("SELECT estimate_text, unit FROM v_comparisons WHERE study_id = 'patina' AND "
                        "measure = 'difference'").fetchone() == ("15.2", "months")


def test_cleopatra_analyses_are_labelled_as_the_review_names_them(real_db: Path) -> None:
    conn = sqlite3.connect(real_db)
    rows = set(conn.execute("SELECT value_text, analysis, source_id FROM v_arm_results WHERE study_id = 'cleopatra' "
                            "AND endpoint = 'OS'").fetchall())
    # the review's introduction figures are read as the 2015 final OS analysis, whose publication is preferred
    assert rows == {("49", "final", "huober-review"), ("37", "final", "huober-review"),
                    ("56.5", "final OS", "swain-2015"), ("40.8", "final OS", "swain-2015")}
    reports = set(conn.execute("SELECT record_id, source_id, preferred, value_text FROM v_reports WHERE study_id = "
                               "'cleopatra' AND record_id LIKE 'cleopatra.result.os.%.median.analysis-final-os'"))
    assert reports == {("cleopatra.result.os.thp.median.analysis-final-os", "huober-review", 0, "56.6"),
                       ("cleopatra.result.os.thp.median.analysis-final-os", "swain-2015", 1, "56.5"),
                       ("cleopatra.result.os.th.median.analysis-final-os", "huober-review", 0, "40.8"),
                       ("cleopatra.result.os.th.median.analysis-final-os", "swain-2015", 1, "40.8")}
    assert conn.execute("SELECT basis FROM v_reports WHERE source_id = 'huober-review' AND record_id = "
                        "'cleopatra.result.os.thp.median.analysis-final-os'").fetchone() == ("curator",)
    assert conn.execute("SELECT basis FROM analysis WHERE study_id = 'cleopatra' AND key = 'unnamed'").fetchone() == (
        "curator",)


def test_curator_readings_are_marked(real_db: Path) -> None:
    conn = sqlite3.connect(real_db)
    fields = conn.execute("SELECT field FROM v_study_field_basis WHERE study_id = 'destiny-breast01' "
                          "ORDER BY field").fetchall()
    assert [f for (f,) in fields] == ["kind", "line", "setting", "status", "title"]
    assert conn.execute("SELECT basis, basis_note IS NOT NULL FROM v_arm_results WHERE study_id = 'cleopatra' "
                        "AND value_text = '18.7'").fetchone() == ("curator", 1)
    assert conn.execute("SELECT basis FROM analysis WHERE study_id = 'sonabre'").fetchone() == ("curator",)
    missing = conn.execute("SELECT count(*) FROM v_comparisons WHERE basis IS NULL").fetchone()[0]
    assert missing == 0


def test_validate_warns_about_patinas_asymmetric_ci() -> None:
    report = validate(REAL_SOURCES)
    asymmetric = [w for w in report.warnings if "log scale" in w.message]
    assert [w.path for w in asymmetric] == ["patina › comparisons[5] › ci_low"]
    assert "CI 0.543–1.07 is not symmetric around 0.68 on the log scale (its centre is 0.76)" in str(asymmetric[0])


REVIEW = "huober-review"


def test_endpoint_roles_and_arm_roles_the_review_does_not_state_are_curator_readings(real_db: Path) -> None:
    conn = sqlite3.connect(real_db)
    # the review calls no endpoint of these studies "primary"
    roles = conn.execute("SELECT study_id, endpoint, basis, basis_note IS NOT NULL FROM study_endpoint "
                         "WHERE role = 'primary' AND source_id = ? AND study_id IN "
                         "('her2climb-05', 'cottu-2025', 'italian-ambispective', 'praegnant')", (REVIEW,)).fetchall()
    assert len(roles) == 5
    assert {(basis, noted) for _, _, basis, noted in roles} == {("curator", 1)}
    fields = set(conn.execute("SELECT study_id, field FROM study_field_basis WHERE basis = 'curator' "
                              "AND basis_note IS NOT NULL"))
    assert {("sci-tdxd-maintenance", "line"), ("sci-tdxd-maintenance", "setting"), ("her2climb", "line")} <= fields
    arms = conn.execute("SELECT DISTINCT basis FROM arm WHERE study_id = 'sci-tdxd-maintenance' "
                        "AND basis_note LIKE '%Role%'").fetchall()
    assert arms == [("curator",)]
    assert len(conn.execute("SELECT 1 FROM arm WHERE study_id = 'sci-tdxd-maintenance'").fetchall()) == 2


def test_readings_are_marked_like_their_twins(real_db: Path) -> None:
    conn = sqlite3.connect(real_db)

    def bases(sql: str) -> set[tuple[str, int]]:
        return set(conn.execute(sql))

    # DESTINY-Breast09: concurrent ET shares read as of HR-positive patients
    assert bases("SELECT basis, basis_note IS NOT NULL FROM arm_result WHERE study_id = 'destiny-breast09' "
                 "AND category = 'concurrent endocrine therapy'") == {("curator", 1)}
    # the grade >= 3 text figures (54.9% and 62.3%) are both read as TEAEs
    assert bases("SELECT basis, basis_note IS NOT NULL FROM adverse_event WHERE study_id = 'destiny-breast09' "
                 "AND term = 'any adverse event' AND category = 'teae' AND grade = '>=3' "
                 f"AND source_id = '{REVIEW}'") == {("curator", 1)}
    # 43.5% and its parts 40.4 / 28.3 / 7.1% are read alike
    assert bases("SELECT basis, basis_note IS NOT NULL FROM characteristic WHERE study_id = 'destiny-breast09' "
                 "AND category = 'prior (neo)adjuvant therapy'") == {("curator", 1)}
    # SystHERs: which group is the HR's reference is the curator's reading
    assert bases("SELECT basis, basis_note IS NOT NULL FROM comparison WHERE study_id = 'systhers' "
                 f"AND source_id = '{REVIEW}'") == {("curator", 1)}
    # SONABRE: "respective" places both medians, the reached and the not reached
    assert bases("SELECT basis, basis_note IS NOT NULL FROM arm_result WHERE study_id = 'sonabre' "
                 f"AND endpoint = 'OS' AND source_id = '{REVIEW}'") == {("curator", 1)}


def test_an_analysis_the_review_does_not_name_is_labelled_so(real_db: Path) -> None:
    conn = sqlite3.connect(real_db)
    analyses = conn.execute("SELECT study_id, key, label, basis, basis_note, quote FROM analysis "
                            "WHERE source_id = ?", (REVIEW,)).fetchall()
    for study_id, key, label, basis, _note, quote in analyses:
        if basis == "reported":  # the label's name is the review's own word for the analysis
            assert label.split()[0].lower() in quote.lower(), (study_id, key, label)
    unnamed = {(s, k): (label, basis, note) for s, k, label, basis, note, _ in analyses if label == "unnamed"}
    assert set(unnamed) == {("cleopatra", "unnamed"), ("flatiron", "main"), ("patina", "primary"),
                            ("sonabre", "main")}
    for _label, basis, note in unnamed.values():
        assert basis == "curator" and "does not name" in note


def test_non_baseline_characteristics_say_what_they_are(real_db: Path) -> None:
    conn = sqlite3.connect(real_db)
    found = dict(conn.execute("SELECT study_id || ':' || CAST(value AS TEXT), category FROM characteristic "
                              "WHERE (study_id, value) IN (VALUES ('patina', 20), ('destiny-breast09', 16), "
                              "('her2climb-05', 20.2)) AND source_id = ?", (REVIEW,)))
    assert found == {"patina:20.0": "protocol limit", "destiny-breast09:16.0": "data maturity",
                     "her2climb-05:20.2": "data maturity"}


def test_flatiron_is_in_the_attrition_comparison(real_db: Path) -> None:
    from her2db.read.named import attrition

    conn = sqlite3.connect(real_db)
    conn.row_factory = sqlite3.Row
    rows = [r for r in attrition(conn) if r["endpoint"] == "ATTRITION" and r["study_id"] == "flatiron"]
    assert [(r["value"], r["qualifier"], r["basis"]) for r in rows] == [(25, "approximately", "curator")]


def test_cleopatra_placebo_arm_names_its_source(real_db: Path) -> None:
    conn = sqlite3.connect(real_db)
    basis, note, notes = conn.execute("SELECT basis, basis_note, notes FROM arm WHERE study_id = 'cleopatra' "
                                      "AND key = 'th'").fetchone()
    assert basis == "curator"
    assert "reference metadata" in note and "trastuzumab and docetaxel alone" in note
    assert "reference metadata" in notes
