"""Review status and the curator's list (curate/review.py, cli/review.py), and addressing a
record by its id (curate/edit.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from her2db.cli import cli

STUDY = "mini-trial"
HR = "mini-trial.comparison.pfs.hr.exp.ctl.analysis-interim"


def _invoke(runner: CliRunner, corpus: Path, db: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(cli, [*args, "--sources", str(corpus), "--db", str(db)])


def _checked(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("select record_id, checked_by, checked_on from v_comparisons where checked_by is not null"
                            ).fetchall()
    finally:
        conn.close()


def test_check_marks_the_record_and_a_change_clears_the_mark(corpus: Path, mini_db: Path,
                                                             runner: CliRunner) -> None:
    result = _invoke(runner, corpus, mini_db, "check", STUDY, HR, "--by", "A. Curator", "--on", "2026-12-03")
    assert result.exit_code == 0, result.output
    assert "check mini-trial › comparisons[0] by A. Curator on 2026-12-03" in result.output
    text = (corpus / "studies" / "mini-trial.yaml").read_text()
    assert 'checked_by: A. Curator, checked_on: "2026-12-03"' in text
    assert _checked(mini_db) == [(HR, "A. Curator", "2026-12-03")]
    changed = _invoke(runner, corpus, mini_db, "set", STUDY, HR, "ci_high", "0.72")
    assert changed.exit_code == 0, changed.output
    assert "checked_by" not in (corpus / "studies" / "mini-trial.yaml").read_text()
    assert _checked(mini_db) == []


def test_check_refuses_bad_input_and_writes_nothing(corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    study = corpus / "studies" / "mini-trial.yaml"
    before, db_before = study.read_bytes(), mini_db.read_bytes()
    for args, message in (
        ((HR, "--by", " "), "--by names who checked the record"),
        ((HR, "--by", "AC", "--on", "yesterday"), "--on 'yesterday' is not a date that exists, written YYYY-MM-DD"),
        (("mini-trial.comparison.os.hr.exp.ctl", "--by", "AC"), "mini-trial has no record mini-trial.comparison.os"),
        (("mini-trial.nothing.x", "--by", "AC"), "is not a record id of mini-trial"),
        ((HR, "--by", "AC", "--on", "2999-01-01"), "--on 2999-01-01 is after today ("),
        ((HR, "--by", "A" * 100_000), "checked_by: string should have at most 200 characters, got 'AAAA"),
    ):
        result = _invoke(runner, corpus, mini_db, "check", STUDY, *args)
        assert result.exit_code in (1, 2) and message in result.output, (args, result.output)
        assert "A" * 1_000 not in result.output  # a pasted value is quoted by its start
    assert study.read_bytes() == before and mini_db.read_bytes() == db_before


def test_a_record_id_names_one_report_with_its_source(corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    study = corpus / "studies" / "mini-trial.yaml"
    line = next(x for x in study.read_text().splitlines(keepends=True) if "analysis: interim, estimate: 0.56" in x)
    study.write_text(study.read_text().replace(line, line + line.replace("huober-review", "tolaney-2025")
                                               .replace(", cites: tolaney-2025", "")))
    both = _invoke(runner, corpus, mini_db, "set", STUDY, HR, "notes", "x")
    assert both.exit_code == 2
    assert f"2 sources report {HR}: name one ({HR}@huober-review, {HR}@tolaney-2025)" in both.output
    one = _invoke(runner, corpus, mini_db, "set", STUDY, f"{HR}@tolaney-2025", "notes", "from the publication")
    assert one.exit_code == 0, one.output
    assert "set mini-trial › comparisons[1] › notes" in one.output


def test_todo_lists_what_needs_a_curator(corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    study = corpus / "studies" / "mini-trial.yaml"
    study.write_text(study.read_text().replace("locator: Table 1}", "locator: Table 1, notes: which arm?}", 1))
    assert _invoke(runner, corpus, mini_db, "check", STUDY, HR, "--by", "AC").exit_code == 0
    result = runner.invoke(cli, ["todo", "--sources", str(corpus), "--unchecked"])
    assert result.exit_code == 0, result.output
    assert "Checked by a second curator: 1 of " in result.output
    assert "  mini-trial: 1 of " in result.output
    assert "    mini-trial.ae.ctl.nausea.treatment-related.ge-3" in result.output
    assert f"    {HR}\n" not in result.output
    assert "mini-trial › adverse_events[0] (mini-trial.ae.exp.nausea.treatment-related.any): which arm?" in \
        result.output


def test_todo_names_a_study_whose_id_is_refused_by_its_file(corpus: Path, runner: CliRunner) -> None:
    """A study whose id fails the shape check is listed under its file's name, after the error;
    no traceback (record ids need the study's id)."""
    study = corpus / "studies" / "mini-trial.yaml"
    study.write_text(study.read_text(encoding="utf-8").replace("id: mini-trial", "id: 7", 1), encoding="utf-8")
    result = runner.invoke(cli, ["todo", "--sources", str(corpus), "--unchecked"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "Errors (" in result.output and "studies/mini-trial.yaml" in result.output
    assert "  mini-trial: 0 of " in result.output and "    mini-trial.ae.ctl.nausea" in result.output
