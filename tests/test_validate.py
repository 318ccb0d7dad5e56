"""Bad input: every error is reported clearly, and a failed load changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from her2db.cli import cli
from her2db.validate import validate

STUDY = Path("studies/mini-trial.yaml")


def _replace(corpus: Path, old: str, new: str, rel: Path = STUDY) -> None:
    path = corpus / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture no longer contains {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(corpus: Path, needle: str, rel: Path = STUDY) -> int:
    lines = (corpus / rel).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


# (id, old text, new text, pieces the error message must contain; {line} = line of new text)
BAD_INPUTS = [
    ("malformed-yaml", "  - {endpoint: PFS, role: primary", "  - {endpoint: PFS, role: [primary",
     ["studies/mini-trial.yaml:{line}", "malformed YAML"]),
    ("missing-field", "  - {key: interim, label: interim, ", "  - {key: interim, ",
     ["studies/mini-trial.yaml:{line}", "mini-trial › analyses[0]", "required field 'label' is missing"]),
    ("unknown-arm", "- {endpoint: PFS2, arm: exp,", "- {endpoint: PFS2, arm: exq,",
     ["studies/mini-trial.yaml:{line}", "mini-trial › results[2] › arm", "unknown arm 'exq'", "ctl, exp"]),
    ("unknown-subgroup", "subgroup: hr-pos, estimate", "subgroup: hr-neg, estimate",
     ["mini-trial › comparisons[1] › subgroup", "unknown subgroup 'hr-neg'", "hr-pos"]),
    ("unknown-source", "locator: text, cites: tolaney-2025}", "locator: text, cites: tolaney-2099}",
     ["mini-trial › comparisons[0] › cites", "unknown source 'tolaney-2099'", "sources.yaml"]),
    ("unknown-endpoint", "- {endpoint: PFS2,", "- {endpoint: PFS3,",
     ["mini-trial › results[2] › endpoint", "unknown endpoint 'PFS3'", "vocabulary/endpoints.yaml"]),
    ("duplicate-id", "  - key: ctl\n", "  - key: exp\n",
     ["mini-trial › arms[1] › key", "duplicate arm key 'exp'"]),
    ("ci-excludes-estimate", "estimate: 0.56, ci_low: 0.44, ci_high: 0.71", "estimate: 0.86, ci_low: 0.44, ci_high: 0.71",
     ["studies/mini-trial.yaml:{line}", "mini-trial › comparisons[0] › ci_high",
      "CI 0.44–0.71 does not contain the estimate 0.86"]),
    ("percent-140", "n: 271, pct: 71.1", "n: 271, pct: 140",
     ["mini-trial › adverse_events[0] › pct", "percent 140 is outside 0–100"]),
    ("n-over-denominator", "n: 1, pct: 0.3, n_at_risk: 382", "n: 400, pct: 0.3, n_at_risk: 382",
     ["mini-trial › adverse_events[1] › n", "n 400 is larger than its n_at_risk 382"]),
    ("string-for-number", "value: 40.7, unit: months", 'value: "forty", unit: months',
     ["studies/mini-trial.yaml:{line}", "mini-trial › results[0] › value", "'forty'", "expected a number"]),
    ("ratio-not-positive", "estimate: 0.61, ci_low: 0.44", "estimate: -0.61, ci_low: 0.44",
     ["mini-trial › comparisons[1] › estimate", "HR estimate -0.61 is not positive"]),
    ("id-not-file-name", "id: mini-trial\n", "id: other-trial\n",
     ["studies/mini-trial.yaml:{line}", "study id 'other-trial' does not match the file name 'mini-trial.yaml'"]),
    ("unknown-field", "  - {key: itt, label: ITT,", "  - {key: itt, lable: ITT, label: ITT,",
     ["mini-trial › populations[0] › lable", "unknown field 'lable'"]),
]


@pytest.mark.parametrize("old,new,pieces", [case[1:] for case in BAD_INPUTS],
                         ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_is_reported_and_database_unchanged(corpus: Path, mini_db: Path, runner: CliRunner,
                                                      old: str, new: str, pieces: list[str]) -> None:
    before = mini_db.read_bytes()
    _replace(corpus, old, new)
    line = _line_of(corpus, new.strip().splitlines()[0])
    result = runner.invoke(cli, ["load", "--sources", str(corpus), "--db", str(mini_db)])
    assert result.exit_code == 1, result.output
    for piece in pieces:
        assert piece.format(line=line) in result.output
    assert "was not changed" in result.output
    assert mini_db.read_bytes() == before
    assert not list(mini_db.parent.glob(".her2db.sqlite.*")), "temporary file left behind"


def test_empty_file(corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    before = mini_db.read_bytes()
    (corpus / STUDY).write_text("", encoding="utf-8")
    result = runner.invoke(cli, ["load", "--sources", str(corpus), "--db", str(mini_db)])
    assert result.exit_code == 1
    assert "studies/mini-trial.yaml: error: mini-trial: the file is empty" in result.output
    assert mini_db.read_bytes() == before


def test_every_problem_is_reported_not_only_the_first(corpus: Path, runner: CliRunner) -> None:
    _replace(corpus, "n: 271, pct: 71.1", "n: 271, pct: 140")
    _replace(corpus, "- {endpoint: PFS2, arm: exp,", "- {endpoint: PFS2, arm: exq,")
    _replace(corpus, "value: 40.7, unit: months", 'value: "forty", unit: months')
    result = runner.invoke(cli, ["validate", "--sources", str(corpus)])
    assert result.exit_code == 1
    assert "percent 140" in result.output
    assert "unknown arm 'exq'" in result.output
    assert "'forty'" in result.output
    assert "3 errors" in result.output


def test_missing_vocabulary_file_is_an_error(corpus: Path) -> None:
    (corpus / "vocabulary" / "ae_terms.yaml").unlink()
    report = validate(corpus)
    assert any(p.file == "vocabulary/ae_terms.yaml" and "file is missing" in p.message for p in report.errors)
    # the AE terms are unknown now, and that is said for each record that uses one
    assert sum("unknown adverse-event term" in p.message for p in report.errors) == 2


def test_percent_disagreeing_with_counts_is_a_warning(corpus: Path, runner: CliRunner) -> None:
    _replace(corpus, "n: 271, pct: 71.1", "n: 271, pct: 72.1")
    result = runner.invoke(cli, ["validate", "--sources", str(corpus)])
    assert result.exit_code == 0
    assert "warning: mini-trial › adverse_events[0] › pct: 72.1% disagrees with n/n_at_risk = 271/381" in result.output


def test_p_value_inconsistent_with_ci_is_a_warning(corpus: Path) -> None:
    _replace(corpus, "ci_high: 0.84, source_id", "ci_high: 0.84, p_value: 0.3, p_operator: \"=\", source_id")
    report = validate(corpus)
    assert not report.errors
    assert [p.path for p in report.warnings] == ["mini-trial › comparisons[1] › p_value"]
    assert "excludes 1" in report.warnings[0].message


def test_valid_corpus_has_no_problems(corpus: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["validate", "--sources", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "OK: 1 studies, 0 errors, 0 warnings" in result.output
