"""Data points and their reports: record ids, the preferred report, and the checks between
reports (curate/reports.py, model/identity.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from her2db_testing import rows_of

from her2db.cli import cli
from her2db.curate.load import LoadError, load
from her2db.curate.validate import validate
from her2db.model.identity import record_id, slug
from her2db.read import named
from her2db.store.sqlite import connect_readonly

STUDY = Path("studies") / "mini-trial.yaml"
PFS_HR = ("  - {endpoint: PFS, measure: HR, experimental: exp, control: ctl, analysis: interim, estimate: 0.56, "
          "ci_low: 0.44, ci_high: 0.71, p_value: 0.00001, p_operator: \"<\", source_id: huober-review, locator: text, "
          "cites: tolaney-2025}\n")


def _add_comparison(corpus: Path, line: str) -> None:
    path = corpus / STUDY
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(PFS_HR, PFS_HR + line), encoding="utf-8")


def test_record_ids_are_readable_and_name_only_what_is_set() -> None:
    class Result:
        endpoint, arm, statistic, category = "OS", "thp", "rate", None
        timepoint_months, analysis, population, subgroup = 60.0, "final", None, "hr-pos"

    assert record_id("cleopatra", "results", Result()) == \
        "cleopatra.result.os.thp.rate.timepoint-months-60.analysis-final.subgroup-hr-pos"
    assert slug(">=3") == "ge-3" and slug("interstitial lung disease/pneumonitis") == \
        "interstitial-lung-disease-pneumonitis"
    # a look-alike letter never gives another key's id: it stands as its code point
    assert slug("e\u0445p") == "e-u0445-p" != slug("exp") and slug("\u00c9T") == "u00e9-t"


def test_the_same_data_point_twice_from_one_source_is_an_error_at_both(corpus: Path) -> None:
    _add_comparison(corpus, PFS_HR.replace("0.56", "0.58"))
    report = validate(corpus)
    errors = [p for p in report.errors if "one report per source" in p.message]
    assert [p.path for p in errors] == ["mini-trial › comparisons[0]", "mini-trial › comparisons[1]"]
    assert len({p.line for p in errors}) == 2 and None not in {p.line for p in errors}
    assert "mini-trial.comparison.pfs.hr.exp.ctl.analysis-interim" in errors[0].message
    db = corpus / "her2db.sqlite"
    with pytest.raises(LoadError):
        load(corpus, db)
    assert not db.exists()


def test_a_second_source_is_a_second_report_the_primary_one_preferred(corpus: Path, runner: CliRunner) -> None:
    """The trial's publication beside the review: views show the publication's number, v_reports
    both, and validation warns with both values and sources."""
    _add_comparison(corpus, PFS_HR.replace("0.56", "0.57").replace("huober-review", "tolaney-2025")
                    .replace(", cites: tolaney-2025", ", read_at: https://example.org/abstract"))
    report = validate(corpus)
    assert not report.errors
    warning = next(p for p in report.warnings if "is reported as" in p.message)
    assert warning.path == "mini-trial › comparisons[0]"
    assert ("estimate 0.56 by huober-review and as estimate 0.57 by tolaney-2025 (the preferred report, "
            "comparisons[1])") in warning.message
    db = corpus / "her2db.sqlite"
    load(corpus, db)
    shown = rows_of(db, "select estimate_text, source_id, reports, read_at from v_comparisons "
                      "where record_id = 'mini-trial.comparison.pfs.hr.exp.ctl.analysis-interim'")
    assert shown == [("0.57", "tolaney-2025", 2, "https://example.org/abstract")]
    both = rows_of(db, "select source_id, value_text, preferred from v_reports where kind = 'comparison' "
                     "and record_id like '%analysis-interim' order by source_id")
    assert both == [("huober-review", "0.56", 0), ("tolaney-2025", "0.57", 1)]
    conn = connect_readonly(db)
    try:  # the home page counts the data point once, and says one more report stands beside it
        totals = named.totals(conn)
    finally:
        conn.close()
    assert (totals["comparisons"], totals["other_reports"]) == (2, 1)


def test_preferred_true_overrides_the_rule_and_only_once(corpus: Path) -> None:
    _add_comparison(corpus, PFS_HR.replace("huober-review", "tolaney-2025").replace(", cites: tolaney-2025", ""))
    path = corpus / STUDY
    path.write_text(path.read_text().replace("cites: tolaney-2025}", "cites: tolaney-2025, preferred: true}"))
    db = corpus / "her2db.sqlite"
    load(corpus, db)
    assert rows_of(db, "select source_id from v_comparisons where analysis = 'interim'") == [("huober-review",)]
    text = path.read_text()
    second = text.index("source_id: tolaney-2025, locator: text}")
    path.write_text(text[:second] + "source_id: tolaney-2025, locator: text, preferred: true}" +
                    text[second + len("source_id: tolaney-2025, locator: text}"):])
    errors = [p.message for p in validate(corpus).errors]
    assert any("2 reports of mini-trial.comparison.pfs.hr.exp.ctl.analysis-interim are marked preferred" in m
               for m in errors), errors


def test_record_ids_reach_every_view_and_show(mini_db: Path, runner: CliRunner) -> None:
    for view in ("v_arm_results", "v_comparisons", "v_adverse_events", "v_characteristics", "v_populations",
                 "v_analyses", "v_study_endpoints"):
        ids = rows_of(mini_db, f"select record_id from {view}")
        assert ids and all(isinstance(i, str) and i.startswith("mini-trial.") for (i,) in ids), view
    assert rows_of(mini_db, "select count(*) from v_reports")[0][0] == 8
    result = runner.invoke(cli, ["query", "select record_id from v_adverse_events order by 1", "--db", str(mini_db),
                                 "--format", "csv"])
    assert result.output.splitlines() == [
        "record_id", "mini-trial.ae.ctl.nausea.treatment-related.ge-3", "mini-trial.ae.exp.nausea.treatment-related.any"]
