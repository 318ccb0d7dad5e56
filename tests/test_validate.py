"""Bad input: every error is reported clearly, and a failed load changes nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from her2db.cli import cli
from her2db.curate.validate import validate

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
    # numbers that cannot be stored faithfully (issue 7): each a located error
    ("nan", "value: 40.7, unit: months", "value: .nan, unit: months",
     ["studies/mini-trial.yaml:{line}", "mini-trial › results[0] › value", "a finite number (not NaN or infinity)"]),
    ("infinity", "estimate: 0.56, ci_low: 0.44", "estimate: .inf, ci_low: 0.44",
     ["studies/mini-trial.yaml:{line}", "mini-trial › comparisons[0] › estimate", "a finite number"]),
    ("1e309", "n: 271, pct: 71.1", "n: 271, pct: 1e309",
     ["studies/mini-trial.yaml:{line}", "mini-trial › adverse_events[0] › pct", "a finite number"]),
    ("nan-as-text", "value: 40.7, unit: months", 'value: "NaN", unit: months',
     ["mini-trial › results[0] › value", "a quoted number as printed", "'NaN'"]),
    ("negative-n", "n: 271, pct: 71.1", "n: -271, pct: 71.1",
     ["studies/mini-trial.yaml:{line}", "mini-trial › adverse_events[0] › n", "greater than or equal to 0"]),
    ("negative-timepoint", "timepoint_months: 24,", "timepoint_months: -24,",
     ["studies/mini-trial.yaml:{line}", "mini-trial › results[1] › timepoint_months", "greater than or equal to 0"]),
    ("ci-level-100", "ci_high: 0.71, p_value", "ci_high: 0.71, ci_level: 100, p_value",
     ["studies/mini-trial.yaml:{line}", "mini-trial › comparisons[0] › ci_level", "less than 100"]),
    ("ci-level-0", "ci_high: 0.71, p_value", "ci_high: 0.71, ci_level: 0, p_value",
     ["mini-trial › comparisons[0] › ci_level", "greater than 0"]),
    ("int-too-large", "n_randomized: 383", "n_randomized: 99999999999999999999",
     ["studies/mini-trial.yaml:{line}", "mini-trial › arms[0] › n_randomized",
      "less than or equal to 9223372036854775807"]),
    ("value-too-large", "value: 40.7, unit: months", "value: 99999999999999999999, unit: months",
     ["mini-trial › results[0] › value", "at most 2^63 - 1"]),
    # a number in other digits is no number a source printed; a key is part of record ids
    ("other-digits", "value: 40.7, unit: months", 'value: "٤٠.٧", unit: months',
     ["studies/mini-trial.yaml:{line}", "mini-trial › results[0] › value", "a quoted number as printed", "'٤٠.٧'"]),
    ("key-not-slug", "  - key: ctl\n", "  - key: Control Arm\n",
     ["studies/mini-trial.yaml:{line}", "mini-trial › arms[1] › key", "got 'Control Arm'",
      "a key of lowercase letters, digits and hyphens"]),
    ("invisible-plain", "    label: THP\n", "    label: TH\u200bP\n",
     ["studies/mini-trial.yaml:{line}", "the character U+200B (a control or invisible character) is not allowed"]),
    ("invisible-single-quoted", "    label: THP\n", "    label: 'THP\u202e'\n",
     ["studies/mini-trial.yaml:{line}", "the character U+202E (a control or invisible character) is not allowed"]),
    ("control-character-escape", "    label: THP\n", '    label: "THP\\u202e"\n',
     ["studies/mini-trial.yaml:{line}", "the character U+202E (a control or invisible character) is not allowed"]),
    # meaning checks of issue 8
    ("rate-without-timepoint", ', timepoint_months: 24,', ',',
     ["mini-trial › results[1] › timepoint_months", "a rate without its timepoint"]),
    ("p-value-under-invented-measure", "estimate: 0.56, ci_low: 0.44, ci_high: 0.71, p_value",
     "measure: difference, unit: months, p_value", None),
    ("difference-without-unit", "measure: HR, experimental: exp, control: ctl, analysis: interim, estimate: 0.56, "
     "ci_low: 0.44, ci_high: 0.71,", "measure: difference, experimental: exp, control: ctl, analysis: interim, "
     "estimate: 0.56, ci_low: 0.44, ci_high: 0.71,",
     ["mini-trial › comparisons[0] › unit", "a difference without its unit"]),
    ("not-reported-with-estimate", "measure: HR, experimental: exp, control: ctl, analysis: interim,",
     "measure: not reported, experimental: exp, control: ctl, analysis: interim,",
     ["mini-trial › comparisons[0] › estimate", "estimate given for measure 'not reported'"]),
    ("value-text-disagrees", "value: 54, unit: years", "value: 54, value_text: fifty-five, unit: years",
     ["mini-trial › characteristics[0] › value_text", "value_text 'fifty-five' does not say the value 54"]),
    ("range-that-falls", "value: 54, unit: years", "value: 54, value_upper: 50, unit: years",
     ["mini-trial › characteristics[0] › value_upper", "range 54–50 does not rise"]),
    ("curator-basis-without-note", "value: 54, unit: years", "value: 54, basis: curator, unit: years",
     ["mini-trial › characteristics[0] › basis", "basis 'curator' without a basis_note"]),
    ("unknown-study-field", "references: [tolaney-2025]",
     "references: [tolaney-2025]\nfield_basis:\n  statu: {basis: curator, note: summarised}",
     ["mini-trial › field_basis › statu", "'statu' is not a study-level field"]),
    ("ae-p-value-against-itself", "n: 271, pct: 71.1, n_at_risk: 381,",
     'n: 271, pct: 71.1, n_at_risk: 381, p_value: 0.2, p_operator: "=", p_versus: exp,',
     ["mini-trial › adverse_events[0] › p_versus", "unknown arm 'exp'", "one of: ctl"]),
]
BAD_INPUTS = [case for case in BAD_INPUTS if case[3] is not None] + [
    ("p-value-under-invented-measure", "measure: HR, experimental: exp, control: ctl, analysis: interim, "
     "estimate: 0.56, ci_low: 0.44, ci_high: 0.71,",
     "measure: difference, unit: points, experimental: exp, control: ctl, analysis: interim,",
     ["mini-trial › comparisons[0] › measure", "a p-value without an estimate under measure 'difference'",
      "measure: not reported"]),
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


def _warnings(corpus: Path) -> list[str]:
    report = validate(corpus)
    assert not report.errors, report.errors
    return [str(p) for p in report.warnings]


def test_ci_not_symmetric_on_the_log_scale_is_a_warning(corpus: Path) -> None:
    # PATINA's "HR: 0.68 [95% CI: 0.543–1.07]": centred on 0.76, most likely a misprint
    _replace(corpus, "estimate: 0.61, ci_low: 0.44, ci_high: 0.84", "estimate: 0.68, ci_low: 0.543, ci_high: 1.07")
    line = _line_of(corpus, "ci_low: 0.543")
    assert _warnings(corpus) == [
        f"studies/mini-trial.yaml:{line}: warning: mini-trial › comparisons[1] › ci_low: CI 0.543–1.07 is not "
        "symmetric around 0.68 on the log scale (its centre is 0.76): a misprint? (expected a CI centred on "
        "the estimate; if the source prints it so, say so in notes)"]


def test_ci_symmetric_within_rounding_is_not_flagged(corpus: Path) -> None:
    # DESTINY-Breast09's brain-metastases HR 0.30 [0.12–0.68] is asymmetric only within rounding
    _replace(corpus, "estimate: 0.61, ci_low: 0.44, ci_high: 0.84", "estimate: 0.30, ci_low: 0.12, ci_high: 0.68")
    assert _warnings(corpus) == []


def test_arm_larger_than_its_population_is_a_warning(corpus: Path) -> None:
    _replace(corpus, "n_randomized: 383", "n_randomized: 800")
    assert any("mini-trial › arms[0] › n_randomized: arm exp has n_randomized 800, more than the 770 of its "
               "study population 'itt'" in w for w in _warnings(corpus))


def test_breakdown_parts_above_100_percent_is_a_warning(corpus: Path) -> None:
    parts = "".join(
        f"  - {{endpoint: ATTRITION_REASON, arm: exp, category: {name}, breakdown: reasons, statistic: proportion, "
        f"value: {value}, unit: \"%\", source_id: huober-review, locator: text}}\n"
        for name, value in (("death", "60.4"), ("other", "40.0")))
    _replace(corpus, "comparisons:\n", parts + "comparisons:\n")
    assert any("results[4] › value: the parts of breakdown 'reasons' add up to more than 100%: 60.4 + 40.0 = "
               "100.4%" in w for w in _warnings(corpus))


def test_breakdown_within_rounding_of_100_percent_passes(corpus: Path) -> None:
    parts = "".join(
        f"  - {{endpoint: ATTRITION_REASON, arm: exp, category: {name}, breakdown: reasons, statistic: proportion, "
        f"value: {value}, unit: \"%\", source_id: huober-review, locator: text}}\n"
        for name, value in (("death", "60.1"), ("other", "40.0")))
    _replace(corpus, "comparisons:\n", parts + "comparisons:\n")
    assert _warnings(corpus) == []


def test_p_value_without_estimate_is_data_under_not_reported(corpus: Path) -> None:
    _replace(corpus, "measure: HR, experimental: exp, control: ctl, analysis: interim, estimate: 0.56, "
             "ci_low: 0.44, ci_high: 0.71,", "measure: not reported, experimental: exp, control: ctl, "
             "analysis: interim,")
    assert _warnings(corpus) == []


def test_number_not_printed_in_its_quote_is_a_warning(corpus: Path) -> None:
    # the quote says 0.56; a typing slip (0.57) or a dropped zero must not pass silently
    _replace(corpus, "estimate: 0.56, ci_low: 0.44, ci_high: 0.71,",
             'estimate: 0.57, ci_low: 0.44, ci_high: 0.71, quote: "HR: 0.56 [95% CI: 0.44–0.71]; p<0.00001",')
    _replace(corpus, "value: 40.7, unit: months", 'value: 29, unit: months, quote: "median PFS of 29.0 months"')
    assert [w.split(": warning: ")[1] for w in _warnings(corpus)] == [
        "mini-trial › results[0] › value: value printed as '29' does not appear in the record's quote "
        "(expected the number exactly as the quote prints it, or the quote that holds it)",
        "mini-trial › comparisons[0] › estimate: estimate printed as '0.57' does not appear in the record's quote "
        "(expected the number exactly as the quote prints it, or the quote that holds it)",
    ]


# --- finding the corpus: links, folders, other suffixes, bad paths ---------------------------


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _load(runner: CliRunner, corpus: Path, db: Path):
    return runner.invoke(cli, ["load", "--sources", str(corpus), "--db", str(db)])


def test_study_linked_from_outside_the_sources_folder_is_an_error(corpus: Path, mini_db: Path,
                                                                 runner: CliRunner, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text((corpus / STUDY).read_text(encoding="utf-8").replace("mini-trial", "linked"))
    (corpus / "studies" / "linked.yaml").symlink_to(outside)
    (corpus / "vocabulary" / "drugs.yaml").rename(tmp_path / "drugs.yaml")
    (corpus / "vocabulary" / "drugs.yaml").symlink_to(tmp_path / "drugs.yaml")
    before = _snapshot(tmp_path)
    result = _load(runner, corpus, mini_db)
    assert result.exit_code == 1, result.output
    assert (f"studies/linked.yaml: error: linked: is a symbolic link to {outside}, outside the sources "
            f"folder {corpus}") in result.output
    assert f"vocabulary/drugs.yaml: error: is a symbolic link to {tmp_path / 'drugs.yaml'}" in result.output
    assert _snapshot(tmp_path) == before


def test_link_inside_the_sources_folder_is_read(corpus: Path, tmp_path: Path) -> None:
    (corpus / "drafts").mkdir()
    (corpus / STUDY).rename(corpus / "drafts" / "mini-trial.yaml")
    (corpus / STUDY).symlink_to(corpus / "drafts" / "mini-trial.yaml")
    report = validate(corpus)
    assert not report.errors
    assert [s.study.id for s in report.corpus.studies] == ["mini-trial"]


def test_folder_named_like_a_study_is_an_error(corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    (corpus / "studies" / "x.yaml").mkdir()
    before = _snapshot(corpus.parent)
    result = _load(runner, corpus, mini_db)
    assert result.exit_code == 1, result.output
    assert "studies/x.yaml: error: x: is a folder, not a study file" in result.output
    assert _snapshot(corpus.parent) == before


def test_a_pipe_named_like_a_curated_file_is_an_error_not_a_wait(corpus: Path, mini_db: Path,
                                                                 runner: CliRunner) -> None:
    """Reading a pipe waits for a writer that never comes: it is refused unread, like a folder."""
    os.mkfifo(corpus / "studies" / "x.yaml")
    before = _snapshot(corpus.parent)
    result = _load(runner, corpus, mini_db)
    assert result.exit_code == 1, result.output
    assert "studies/x.yaml: error: x: is not a plain file (a pipe, a socket or a device)" in result.output
    assert _snapshot(corpus.parent) == before


def test_yml_study_is_ignored_with_a_warning(corpus: Path, runner: CliRunner) -> None:
    (corpus / "studies" / "other.yml").write_text("id: other\n", encoding="utf-8")
    result = runner.invoke(cli, ["validate", "--sources", str(corpus)])
    assert result.exit_code == 0, result.output
    assert ("studies/other.yml: warning: ignored: study files end in .yaml (expected the file renamed "
            "to other.yaml)") in result.output
    assert "OK: 1 studies" in result.output


@pytest.mark.parametrize("command", [["load"], ["validate"]])
def test_sources_folder_that_does_not_exist_is_a_usage_error(tmp_path: Path, runner: CliRunner,
                                                             command: list[str]) -> None:
    extra = ["--db", str(tmp_path / "x.sqlite")] if command == ["load"] else []
    result = runner.invoke(cli, [*command, "--sources", str(tmp_path / "nope"), *extra])
    assert result.exit_code == 2
    assert "Invalid value for '--sources'" in result.output and "does not exist" in result.output
    assert list(tmp_path.iterdir()) == []


def test_db_whose_parent_is_a_file_is_a_clean_error(corpus: Path, runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("my notes", encoding="utf-8")
    before = _snapshot(tmp_path)
    result = _load(runner, corpus, tmp_path / "afile" / "her2db.sqlite")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "Invalid value for --db: cannot write the database" in result.output
    assert f"{tmp_path / 'afile'} is a file, not a folder" in result.output
    assert _snapshot(tmp_path) == before


def test_read_only_sources_folder_is_a_clean_error(corpus: Path) -> None:
    """A real read-only folder: as root (who may write anywhere) the command runs as nobody."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv to drop privileges")
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    folder = Path(tempfile.mkdtemp())
    try:
        shutil.copytree(corpus, folder / "db")
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        (folder / "db").chmod(0o555)
        before = _snapshot(folder)
        her2db = Path(sys.executable).with_name("her2db")
        result = subprocess.run([*prefix, str(her2db), "load", "--sources", str(folder / "db"), "--db",
                                 str(folder / "db" / "her2db.sqlite")], capture_output=True, text=True,
                                cwd=folder, check=False)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert (f"Invalid value for --db: cannot write the database {folder / 'db' / 'her2db.sqlite'}: "
                "Permission denied") in result.stderr
        assert _snapshot(folder) == before
    finally:
        (folder / "db").chmod(0o755)
        shutil.rmtree(folder)


def test_endpoint_code_that_would_name_a_file_outside_is_a_located_error(corpus: Path, runner: CliRunner,
                                                                        tmp_path: Path) -> None:
    _replace(corpus, "- code: PFS2\n", "- code: ../../PFS2\n", Path("vocabulary/endpoints.yaml"))
    _replace(corpus, "- {endpoint: PFS2,", "- {endpoint: ../../PFS2,")
    line = _line_of(corpus, "code: ../../PFS2", Path("vocabulary/endpoints.yaml"))
    (tmp_path / "mkdocs.yml").write_text("site_name: t\ndocs_dir: site\nsite_dir: public\n", encoding="utf-8")
    before = _snapshot(tmp_path)
    result = runner.invoke(cli, ["site", "build", "--sources", str(corpus), "--db",
                                 str(tmp_path / "x.sqlite"), "--config", str(tmp_path / "mkdocs.yml")])
    assert result.exit_code == 1, result.output
    assert (f"vocabulary/endpoints.yaml:{line}: error: endpoints › endpoints[6] › code: string should match "
            "pattern '^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$', got '../../PFS2'") in result.output
    assert "(expected a safe identifier (it becomes part of file names and links))" in result.output
    assert _snapshot(tmp_path) == before
    assert not (tmp_path.parent / "PFS2").exists()


@pytest.mark.parametrize(("bad_id", "shown"), [
    ("Probe-Trial", "got 'Probe-Trial'"),
    ("probe trial", "got 'probe trial'"),
    ("../../x", "got '../../x'"),
    ("сleopatra", "'с' (U+0441 CYRILLIC SMALL LETTER ES)"),
])
def test_a_bad_study_id_is_a_located_error_not_a_traceback(corpus: Path, runner: CliRunner, bad_id: str,
                                                           shown: str) -> None:
    study = corpus / "studies" / "mini-trial.yaml"
    before = study.read_bytes()
    study.write_text(study.read_text().replace("id: mini-trial", f'id: "{bad_id}"', 1), encoding="utf-8")
    result = runner.invoke(cli, ["validate", "--sources", str(corpus)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    line = next(line for line in result.output.splitlines() if "› id:" in line)
    assert line.startswith("studies/mini-trial.yaml:2: error: mini-trial › id: string should match pattern")
    assert shown in line
    assert "Traceback" not in result.output
    study.write_bytes(before)


def test_a_lookalike_arm_key_is_shown_with_its_character(corpus: Path) -> None:
    study = corpus / "studies" / "mini-trial.yaml"
    study.write_text(study.read_text().replace("{endpoint: PFS, arm: exp, analysis", "{endpoint: PFS, arm: eхp, analysis"))
    errors = [p for p in validate(corpus).errors]
    assert [p.path for p in errors] == ["mini-trial › results[0] › arm"]
    assert "unknown arm 'eхp' (it contains non-ASCII characters that look like letters: 'х' (U+0445 CYRILLIC " \
           "SMALL LETTER HA))" in errors[0].message


def test_an_adverse_event_with_neither_n_nor_pct_is_an_error(corpus: Path) -> None:
    study = corpus / "studies" / "mini-trial.yaml"
    study.write_text(study.read_text().replace("grade: any, n: 271, pct: 71.1, ", "grade: any, "))
    errors = [p for p in validate(corpus).errors]
    assert [(p.path, p.message) for p in errors] == [
        ("mini-trial › adverse_events[0]", "an adverse event with neither n nor pct reports nothing")]


def test_a_section_longer_than_a_block_of_row_ids_is_an_error(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A study's rows take one block of ids per table (store/update.py): a section with more
    records than a block holds is refused where it starts, before any row is written."""
    from her2db.curate import references

    monkeypatch.setattr(references, "BLOCK", 2)  # a million records would make the test slow, not truer
    report = validate(corpus)
    problems = [p for p in report.errors if "more than a study may hold" in p.message]
    assert problems and problems[0].file == "studies/mini-trial.yaml" and problems[0].line
    assert "at most 1: split the study" in (problems[0].expected or "")


def test_more_studies_than_blocks_of_row_ids_is_an_error(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each study's rows take a block of ids, and PostgreSQL's ids are 32-bit: a corpus with
    more studies than fit is refused before any row is written."""
    from her2db.curate import references

    monkeypatch.setattr(references, "MAX_STUDIES", 0)
    problems = [p for p in validate(corpus).errors if "more than a corpus may hold" in p.message]
    assert [(p.file, p.expected) for p in problems] == [("studies", "at most 0")]
