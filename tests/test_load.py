"""Loading: atomic, deterministic, with the public views of DESIGN.md."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from her2db.load import LoadError, load

# The public contract (DESIGN.md "Public SQL views"): these columns, in this order, first.
VIEW_COLUMNS = {
    "v_studies": "study_id acronym title kind phase setting line registry_id n_enrolled",
    "v_arm_results": "study_id analysis population subgroup arm endpoint category statistic value unit "
                     "ci_low ci_high timepoint_months n denominator source_id locator",
    "v_comparisons": "study_id analysis population subgroup endpoint measure experimental_arm control_arm "
                     "estimate ci_low ci_high p_value p_operator source_id locator",
    "v_adverse_events": "study_id population arm n_at_risk term category grade n pct source_id locator",
    "v_characteristics": "study_id population arm characteristic category statistic value unit n "
                         "source_id locator",
    "v_sources": "source_id kind citation year doi pmid url",
    "v_study_endpoints": "study_id endpoint endpoint_label role assessor definition source_id locator",
}


def _dump(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


@pytest.mark.parametrize("view", sorted(VIEW_COLUMNS))
def test_public_views_keep_their_columns(mini_db: Path, view: str) -> None:
    conn = sqlite3.connect(mini_db)
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({view})")]
    expected = VIEW_COLUMNS[view].split()
    assert columns[: len(expected)] == expected


def test_views_return_the_curated_numbers(mini_db: Path) -> None:
    conn = sqlite3.connect(mini_db)
    rows = conn.execute(
        "SELECT subgroup, estimate, ci_low, ci_high, p_value, p_operator, experimental_arm, control_arm "
        "FROM v_comparisons WHERE study_id = 'mini-trial' ORDER BY comparison_id").fetchall()
    assert rows == [(None, 0.56, 0.44, 0.71, 0.00001, "<", "T-DXd + pertuzumab", "THP"),
                    ("HR-positive", 0.61, 0.44, 0.84, None, None, "T-DXd + pertuzumab", "THP")]
    assert conn.execute("SELECT n_enrolled FROM v_studies").fetchone() == (770,)
    assert conn.execute(
        "SELECT not_reached, value FROM v_arm_results WHERE endpoint = 'PFS2'").fetchone() == (1, None)


def test_loading_twice_gives_an_identical_dump(corpus: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    load(corpus, first)
    load(corpus, second)
    assert _dump(first) == _dump(second)
    assert "mini-trial" in _dump(first)


def test_foreign_keys_are_enforced(mini_db: Path) -> None:
    from her2db.db import sqlite_engine

    engine = sqlite_engine(mini_db)
    with pytest.raises(Exception, match="FOREIGN KEY"):
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO arm_result (id, study_id, arm_id, endpoint, statistic, source_id, locator, "
                "not_reached, not_estimable) VALUES (999, 'mini-trial', 999, 'PFS', 'median', "
                "'huober-review', 'x', 0, 0)")
    engine.dispose()


def test_failed_load_keeps_previous_database(corpus: Path, mini_db: Path) -> None:
    before = mini_db.read_bytes()
    study = corpus / "studies" / "mini-trial.yaml"
    study.write_text(study.read_text().replace("pct: 71.1", "pct: 171.1"))
    with pytest.raises(LoadError) as info:
        load(corpus, mini_db)
    assert [p.path for p in info.value.report.errors] == ["mini-trial › adverse_events[0] › pct"]
    assert mini_db.read_bytes() == before


def test_load_reports_progress_per_study(corpus: Path, tmp_path: Path) -> None:
    seen: list[str] = []
    load(corpus, tmp_path / "x.sqlite", on_study=seen.append)
    assert seen == ["mini-trial"]
