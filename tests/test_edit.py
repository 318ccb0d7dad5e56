"""Curator edits: only the intended lines change, bad edits change nothing, writes are atomic
and concurrent edits all land."""

from __future__ import annotations

import difflib
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from her2db.cli import cli
from her2db.curate import fields, transaction, yamledit
from her2db.curate.load import load
from her2db.curate.yamlfile import read_document

STUDY = "mini-trial"
PROV = ["--source-id", "huober-review", "--locator", "Table 9 (test)"]


def _study(corpus: Path) -> Path:
    return corpus / "studies" / f"{STUDY}.yaml"


def _opcodes(before: str, after: str) -> set[str]:
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    return {tag for tag, *_ in matcher.get_opcodes() if tag != "equal"}


def _added_lines(before: str, after: str) -> list[str]:
    return [
        line[1:]
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line.startswith("+") and not line.startswith("+++")
    ]


def _numbers_unquoted(text: str) -> str:
    """Printed numbers may be written quoted ("0.70") where the model keeps their text."""
    return re.sub(r'"(\d+\.\d+)"', r"\1", text)


def _add(runner: CliRunner, corpus: Path, db: Path, kind: str, *args: str):
    return runner.invoke(
        cli, ["add", kind, STUDY, *args, "--sources", str(corpus), "--db", str(db), "--no-interactive"]
    )


def test_add_comparison_appends_one_flow_line_and_reloads(
    corpus: Path, mini_db: Path, runner: CliRunner
) -> None:
    before = _study(corpus).read_text()
    result = _add(
        runner,
        corpus,
        mini_db,
        "comparison",
        "--endpoint",
        "PFS",
        "--measure",
        "HR",
        "--experimental",
        "exp",
        "--control",
        "ctl",
        "--subgroup",
        "hr-pos",
        "--analysis",
        "interim",
        "--estimate",
        "0.70",
        "--ci-low",
        "0.50",
        "--ci-high",
        "0.98",
        *PROV,
    )
    assert result.exit_code == 0, result.output
    assert "add mini-trial › comparisons[2]" in result.output
    after = _study(corpus).read_text()
    assert _opcodes(before, after) == {"insert"}
    assert [_numbers_unquoted(line) for line in _added_lines(before, after)] == [
        "  - {endpoint: PFS, measure: HR, experimental: exp, control: ctl, estimate: 0.70, ci_low: 0.50, "
        "ci_high: 0.98, analysis: interim, subgroup: hr-pos, source_id: huober-review, locator: Table 9 (test)}"
    ]
    shown = runner.invoke(
        cli,
        [
            "query",
            "select estimate, ci_low from v_comparisons where estimate = 0.7",
            "--db",
            str(mini_db),
            "--format",
            "csv",
        ],
    )
    assert shown.output.splitlines() == ["estimate,ci_low", "0.7,0.5"]


def test_add_arm_follows_the_block_style_of_the_section(
    corpus: Path, mini_db: Path, runner: CliRunner
) -> None:
    before = _study(corpus).read_text()
    result = _add(
        runner,
        corpus,
        mini_db,
        "arm",
        "--key",
        "extra",
        "--label",
        "T-DXd alone",
        "--role",
        "experimental",
        "--drugs",
        "trastuzumab-deruxtecan",
        "--n-randomized",
        "12",
        *PROV,
    )
    assert result.exit_code == 0, result.output
    after = _study(corpus).read_text()
    assert _opcodes(before, after) == {"insert"}
    assert _added_lines(before, after) == [
        "  - key: extra",
        "    label: T-DXd alone",
        "    role: experimental",
        "    drugs: [trastuzumab-deruxtecan]",
        "    n_randomized: 12",
        "    source_id: huober-review",
        "    locator: Table 9 (test)",
    ]
    assert after.index("key: extra") < after.index("subgroups:")


def test_new_study_then_records_into_missing_sections(
    corpus: Path, tmp_path: Path, runner: CliRunner
) -> None:
    db = tmp_path / "x.sqlite"
    made = runner.invoke(
        cli,
        [
            "new-study",
            "new-trial",
            "--acronym",
            "NEW",
            "--title",
            "A new trial",
            "--kind",
            "single-arm trial",
            "--setting",
            "metastatic",
            "--sources",
            str(corpus),
            "--db",
            str(db),
        ],
    )
    assert made.exit_code == 0, made.output
    path = corpus / "studies" / "new-trial.yaml"
    assert "kind: single-arm trial\n" in path.read_text()
    again = runner.invoke(
        cli,
        [
            "new-study",
            "new-trial",
            "--acronym",
            "N",
            "--title",
            "T",
            "--kind",
            "registry",
            "--setting",
            "early",
            "--sources",
            str(corpus),
            "--db",
            str(db),
        ],
    )
    assert again.exit_code == 2 and "already exists" in again.output
    bad = runner.invoke(
        cli,
        [
            "new-study",
            "New_Trial",
            "--acronym",
            "N",
            "--title",
            "T",
            "--kind",
            "registry",
            "--setting",
            "early",
            "--sources",
            str(corpus),
            "--db",
            str(db),
        ],
    )
    assert bad.exit_code == 2 and "is not a slug" in bad.output
    long = runner.invoke(cli, ["new-study", "a" * 300, "--acronym", "N", "--title", "T", "--kind", "registry",
                               "--setting", "early", "--sources", str(corpus), "--db", str(db)])
    assert long.exit_code == 2 and "is longer than 100 characters" in long.output, long.output  # was OSError
    for kind, args in (
        (
            "result",
            [
                "--endpoint",
                "ORR",
                "--arm",
                "c1",
                "--statistic",
                "proportion",
                "--value",
                "40.0",
                "--unit",
                "%",
            ],
        ),
        ("arm", ["--key", "c1", "--label", "Cohort 1", "--role", "cohort"]),
    ):
        result = runner.invoke(
            cli,
            [
                "add",
                kind,
                "new-trial",
                *args,
                *PROV,
                "--sources",
                str(corpus),
                "--db",
                str(db),
                "--no-interactive",
            ],
        )
        if kind == "result":  # the arm does not exist yet: refused
            assert result.exit_code == 1 and "unknown arm 'c1'" in result.output
    again = runner.invoke(
        cli,
        [
            "add",
            "result",
            "new-trial",
            "--endpoint",
            "ORR",
            "--arm",
            "c1",
            "--statistic",
            "proportion",
            "--value",
            "40.0",
            "--unit",
            "%",
            *PROV,
            "--sources",
            str(corpus),
            "--db",
            str(db),
            "--no-interactive",
        ],
    )
    assert again.exit_code == 0, again.output
    data = read_document(path).data
    assert [a["key"] for a in data["arms"]] == ["c1"] and data["results"][0]["value"] == 40.0
    assert "value: 40.0\n" in path.read_text()
    assert list(data)[-2:] == ["arms", "results"]


def test_set_changes_one_line_flow_block_and_study_level(
    corpus: Path, mini_db: Path, runner: CliRunner
) -> None:
    path = _study(corpus)
    for record_path, field, value, changed in (
        ("results[0]", "value", "40.70", "value: 40.70, unit: months"),
        ("arms[ctl]", "n_treated", "380", "    n_treated: 380"),
        ("results[endpoint=PFS,arm=ctl]", "timepoint_months", "12", "timepoint_months: 12,"),
        ("comparisons[1]", "method", "stratified Cox", "locator: text, method: stratified Cox}"),
        (".", "phase", "3", 'phase: "3"'),
        ("arms[exp]", "notes", "Dose: 5.4 mg/kg", '    notes: "Dose: 5.4 mg/kg"'),
    ):
        before = path.read_text()
        result = runner.invoke(
            cli, ["set", STUDY, record_path, field, value, "--sources", str(corpus), "--db", str(mini_db)]
        )
        assert result.exit_code == 0, (record_path, result.output)
        after = path.read_text()
        if record_path == ".":
            assert after == before  # same value: nothing to change
            continue
        diff = [d for d in difflib.ndiff(before.splitlines(), after.splitlines()) if d[:1] in "+-"]
        assert len([d for d in diff if d.startswith("+")]) == 1, diff
        assert changed in _numbers_unquoted(after)
    assert read_document(path).data["comparisons"][1]["method"] == "stratified Cox"


def test_unset_removes_one_field(corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    path = _study(corpus)
    for record_path, field, gone in (
        ("results[0]", "analysis", "arm: exp, analysis: interim, population"),
        ("comparisons[0]", "cites", ", cites: tolaney-2025}"),
        ("arms[ctl]", "n_treated", "n_treated: 382"),
        (".", "line", "line: first line"),
    ):
        before = path.read_text()
        assert gone in before
        result = runner.invoke(
            cli, ["set", STUDY, record_path, field, "--unset", "--sources", str(corpus), "--db", str(mini_db)]
        )
        assert result.exit_code == 0, (record_path, result.output)
        after = path.read_text()
        assert gone not in after
        assert len([d for d in difflib.ndiff(before.splitlines(), after.splitlines()) if d[:1] == "-"]) == 1
    data = read_document(path).data
    assert "analysis" not in data["results"][0] and data["results"][0]["population"] == "itt"
    assert "cites" not in data["comparisons"][0] and "line" not in data
    again = runner.invoke(
        cli, ["set", STUDY, ".", "line", "--unset", "--sources", str(corpus), "--db", str(mini_db)]
    )
    assert again.exit_code == 2 and "mini-trial › line is not set; nothing to unset" in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["set", "nope", "results[0]", "value", "1"], "unknown study 'nope' (known: mini-trial)"),
        (
            ["set", STUDY, "results[9]", "value", "1"],
            "mini-trial › results[9] does not exist (mini-trial has 3 results: indexes 0–2)",
        ),
        (["set", STUDY, "arms[nope]", "n_treated", "1"], "no record with key=nope (keys: exp, ctl)"),
        (["set", STUDY, "results[endpoint=PFS]", "value", "1"], "2 records match endpoint=PFS"),
        (["set", STUDY, "results[0]", "colour", "1"], "'colour' is not a field of results"),
        (
            ["set", STUDY, "results[0]", "value", "forty"],
            "mini-trial › results[0] › value: 'forty' is not a number",
        ),
        (["set", STUDY, "adverse_events[0]", "n", "2.5"], "'2.5' is not a whole number"),
        (["set", STUDY, "adverse_events[0]", "grade", "severe"], "'severe' is not one of: any, >=3"),
        (["set", STUDY, "rows[0]", "value", "1"], "mini-trial has no section 'rows'"),
        (["set", STUDY, "results[0]", "arm", "ghost"], "mini-trial › results[0] › arm: unknown arm 'ghost'"),
        (
            ["set", STUDY, "results[1]", "value", "120"],
            "mini-trial › results[1] › value: percent 120 is outside 0–100",
        ),
        (
            ["set", STUDY, "comparisons[0]", "estimate", "0.9"],
            "CI 0.44–0.71 does not contain the estimate 0.9",
        ),
        (["remove", STUDY, "results[7]", "--yes"], "mini-trial › results[7] does not exist"),
        (["remove", STUDY, "arms[exp]", "--yes"], "mini-trial › arms[0] is referred to by 5 record(s)"),
        (["add", "ae", "nope", "--arm", "exp"], "unknown study 'nope'"),
        (
            [
                "add",
                "ae",
                STUDY,
                "--arm",
                "exp",
                "--term",
                "nausea",
                "--category",
                "teae",
                "--grade",
                "any",
                "--n",
                "many",
                *PROV,
            ],
            "n: 'many' is not a whole number",
        ),
        (
            [
                "add",
                "ae",
                STUDY,
                "--arm",
                "exp",
                "--term",
                "hiccups of doom",
                "--category",
                "teae",
                "--grade",
                "any",
                *PROV,
            ],
            "mini-trial › adverse_events[2] › term: unknown adverse-event term 'hiccups of doom'",
        ),
        (
            [
                "add",
                "ae",
                STUDY,
                "--arm",
                "exp",
                "--term",
                "nausea",
                "--category",
                "teae",
                "--grade",
                "any",
                "--pct",
                "101",
                *PROV,
            ],
            "percent 101 is outside 0–100",
        ),
        (
            [
                "add",
                "ae",
                STUDY,
                "--arm",
                "exp",
                "--term",
                "nausea",
                "--category",
                "mild",
                "--grade",
                "any",
                *PROV,
            ],
            "'mild' is not one of",
        ),
        (
            [
                "add",
                "comparison",
                STUDY,
                "--endpoint",
                "PFS",
                "--measure",
                "HR",
                "--experimental",
                "exp",
                "--control",
                "ctl",
                "--subgroup",
                "hr-neg",
                "--estimate",
                "0.5",
                *PROV,
            ],
            "unknown subgroup 'hr-neg' (expected one of: hr-pos)",
        ),
        (
            [
                "add",
                "comparison",
                STUDY,
                "--endpoint",
                "XYZ",
                "--measure",
                "HR",
                "--experimental",
                "exp",
                "--control",
                "ctl",
                "--estimate",
                "0.5",
                *PROV,
            ],
            "unknown endpoint 'XYZ'",
        ),
        (
            [
                "add",
                "comparison",
                STUDY,
                "--endpoint",
                "PFS",
                "--measure",
                "HR",
                "--experimental",
                "exp",
                "--control",
                "ctl",
                "--estimate",
                "0.5",
                "--ci-low",
                "0.6",
                "--ci-high",
                "0.9",
                *PROV,
            ],
            "mini-trial › comparisons[2] › ci_low: CI 0.6–0.9 does not contain the estimate 0.5",
        ),
        (
            ["add", "ae", STUDY, "--arm", "exp", "--term", "nausea"],
            "missing required field(s): --category, --grade",
        ),
        (["set", STUDY, "results[endpoint=PFS,]", "value", "1"],
         "record path 'results[endpoint=PFS,]': each part between [ ] must be field=value"),
        (["set", STUDY, "results[=PFS]", "value", "1"], "record path 'results[=PFS]': each part between [ ]"),
        (["set", STUDY, "results[0]", "value", "４０.７"],
         "mini-trial › results[0] › value: '４０.７' is not a number (write it with the digits 0-9)"),
        (["set", STUDY, "adverse_events[0]", "n", "٤٠"],
         "mini-trial › adverse_events[0] › n: '٤٠' is not a whole number (write it with the digits 0-9)"),
        (["set", STUDY, "results[٠]", "value", "1"], "no record with key=٠"),
        (["set", STUDY, "results[0]", "notes", "a bell\x07 and \u202ereversed"],
         "holds the character U+0007 (a control or invisible character): write plain text"),
        (["add", "arm", STUDY, "--key", "EXP", "--label", "x", "--role", "control", *PROV],
         "mini-trial › arms[2] › key: string should match pattern '^[a-z0-9]+(-[a-z0-9]+)*$', got 'EXP' "
         "(expected a key of lowercase letters, digits and hyphens, e.g. thp: it becomes part of the record's id)"),
        (["rename", STUDY, "arms[exp]", "Bad Key"], "key: string should match pattern"),
        (["check", STUDY, "results[0]", "--by", "A\u202e Curator"],
         "--by 'A\\u202e Curator' holds the character U+202E (a control or invisible character)"),
        (["check", STUDY, "results[0]", "--by", "A. Curator", "--on", "2026-13-45"],
         "--on '2026-13-45' is not a date that exists, written YYYY-MM-DD"),
    ],
)
def test_bad_edits_change_nothing(
    corpus: Path, mini_db: Path, runner: CliRunner, args: list[str], message: str
) -> None:
    files = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    result = runner.invoke(
        cli, [*args, "--sources", str(corpus), "--db", str(mini_db)], input="" if args[0] != "add" else None
    )
    assert result.exit_code in (1, 2), result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file() and p.name != transaction.LOCK_FILE} == {
        p: b for p, b in files.items()
    }


def test_a_study_id_is_never_a_path(corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    """A study named with '../' is an unknown study: a file outside the sources folder is
    neither read nor written, however it resolves."""
    outside = corpus.parent / "outside"
    outside.mkdir()
    (outside / "evil.yaml").write_bytes(_study(corpus).read_bytes())
    files = {p: p.read_bytes() for p in [*corpus.rglob("*.yaml"), *outside.rglob("*"), mini_db]}
    for study, shown in [(name, f"'{name}'") for name in ("../../outside/evil", "../sources", "Mini-Trial")] + [
            ("x" * 300, f"'{'x' * 60}…' (300 characters)")]:  # too long a name for a file: no OSError
        result = runner.invoke(cli, ["set", study, "results[0]", "notes", "x", "--sources", str(corpus),
                                     "--db", str(mini_db)])
        assert result.exit_code == 2, result.output
        assert f"unknown study {shown} (known: mini-trial)" in result.output
    assert {p: p.read_bytes() for p in files} == files


def test_a_database_that_cannot_be_replaced_is_said_with_the_files_written(
        corpus: Path, mini_db: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """The files are written, the database cannot take the reload (a file made immutable, a
    sticky folder not ours): said in one line, the old database kept, no temporary file left."""
    other = corpus / "sources.yaml"  # changed by hand: the database no longer matches the files,
    other.write_text(other.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")  # so a full reload

    replace = os.replace

    def refuse(src: str, dst: str) -> None:  # the database only: the study file is replaced as usual
        if Path(dst) == mini_db:
            raise PermissionError(1, "Operation not permitted")
        replace(src, dst)

    monkeypatch.setattr(os, "replace", refuse)
    before = mini_db.read_bytes()
    result = runner.invoke(cli, ["set", STUDY, "results[0]", "notes", "x", "--sources", str(corpus),
                                 "--db", str(mini_db)])
    assert result.exit_code == 0, result.output
    assert (f"database not reloaded: cannot write the database {mini_db}: Operation not permitted "
            "(the files are written; run `her2db load` once it can be)") in result.output
    assert "Traceback" not in result.output and "notes: x" in _study(corpus).read_text(encoding="utf-8")
    assert mini_db.read_bytes() == before
    assert sorted(p.name for p in mini_db.parent.iterdir() if p.name.startswith(f".{mini_db.name}")) == []


def test_one_bad_source_is_one_error_not_one_per_study(corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    """The studies are checked against the sources that are right: a source with a bad id is
    its own error, not an "unknown source" in every study that cites the others."""
    files = {p: p.read_bytes() for p in [*corpus.rglob("*.yaml"), mini_db]}
    result = runner.invoke(cli, ["add", "source", "--id", "Bad Id", "--kind", "article", "--citation", "x",
                                 "--year", "2026", "--sources", str(corpus), "--db", str(mini_db)])
    assert result.exit_code == 1, result.output
    assert "› id: string should match pattern '^[a-z0-9]+(-[a-z0-9]+)*$', got 'Bad Id'" in result.output
    assert "refused, 1 error(s)" in result.output and "unknown source" not in result.output
    assert {p: p.read_bytes() for p in files} == files
    sources = corpus / "sources.yaml"  # a source the study cites, its kind misspelt: one error still
    text = sources.read_text(encoding="utf-8")
    cited = text.index("id: huober-review")
    sources.write_text(text[:cited] + text[cited:].replace("kind: review", "kind: reveiw", 1), encoding="utf-8")
    result = runner.invoke(cli, ["validate", "--sources", str(corpus)])
    assert result.exit_code == 1, result.output
    assert "got 'reveiw'" in result.output and "1 errors" in result.output, result.output
    assert "unknown source" not in result.output


def test_a_dry_run_removal_asks_nothing(corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    files = {p: p.read_bytes() for p in [*corpus.rglob("*.yaml"), mini_db]}
    result = runner.invoke(cli, ["remove", STUDY, "adverse_events[0]", "--dry-run", "--sources", str(corpus),
                                 "--db", str(mini_db)], input="")
    assert result.exit_code == 0, result.output
    assert "Remove this record?" not in result.output and "Aborted" not in result.output
    assert {p: p.read_bytes() for p in files} == files


@pytest.mark.parametrize(("path", "field", "value", "code", "message"), [
    ("adverse_events[0]", "n", "9" * 5000, 2, "'{shown}' (5,000 characters) has too many digits for a number"),
    ("results[0]", "value", "9" * 4000, 1, "got {shown} (4,000 characters)"),
    ("results[0]", "value", "9" * 5000, 2, "'{shown}' (5,000 characters) has too many digits for a number"),
    ("results[0]", "value", "x" * 5000, 2, "'{shown}' (5,000 characters) is not a number"),
    ("results[0]", "arm", "a" * 5000, 1, "unknown arm '{shown}' (5,000 characters)"),
])
def test_a_huge_value_is_refused_quoted_by_its_start(corpus: Path, mini_db: Path, runner: CliRunner, path: str,
                                                     field: str, value: str, code: int, message: str) -> None:
    """A number of 5,000 digits (more than Python reads) or a pasted column: refused in our
    words, quoting the value's start and length, never Python's advice or the whole value."""
    files = {p: p.read_bytes() for p in [*corpus.rglob("*.yaml"), mini_db]}
    result = runner.invoke(cli, ["set", STUDY, path, field, value, "--sources", str(corpus), "--db", str(mini_db)])
    assert result.exit_code == code, result.output  # 2: the value given is no number; 1: the record would be wrong
    assert message.format(shown=value[:60] + "…") in result.output, result.output
    assert "set_int_max_str_digits" not in result.output and "Traceback" not in result.output
    assert max(len(line) for line in result.output.splitlines()) < 300
    assert {p: p.read_bytes() for p in files} == files


@pytest.mark.parametrize("args", [["set", STUDY, "results[0]", "value", "40.8"],
                                  ["set", STUDY, "results[0]", "value", "40.8", "--dry-run"],
                                  ["set", "no-such-study", "results[0]", "value", "40.8"],
                                  ["import-csv", STUDY, "rows.csv", "--kind", "ae"]])
def test_a_sources_folder_that_cannot_be_locked_is_a_clean_error(corpus: Path, mini_db: Path, runner: CliRunner,
                                                                 args: list[str]) -> None:
    """Every edit, a dry run and a refused one included, first locks the sources folder; a lock
    that cannot be taken (here its path is a folder, which even root cannot open as a file) is
    said as such, with nothing written."""
    (corpus / transaction.LOCK_FILE).mkdir()
    (corpus.parent / "rows.csv").write_text("arm,term,category,grade,n,source_id,locator\n"
                                            "exp,vomiting,teae,any,3,huober-review,Table 1\n", encoding="utf-8")
    files = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    database = mini_db.read_bytes()
    result = runner.invoke(cli, [*[str(corpus.parent / a) if a == "rows.csv" else a for a in args],
                                 "--sources", str(corpus), "--db", str(mini_db)])
    assert result.exit_code == 1, result.output
    assert f"cannot lock the sources folder {corpus} for the edit" in result.output
    assert "Traceback" not in result.output
    assert {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()} == files
    assert mini_db.read_bytes() == database


@pytest.mark.parametrize(("target", "message"), [
    ("sources.yaml", "is not a database built by her2db"),
    ("dangling.sqlite", "is not a file"),
    ("sources.yaml/her2db.sqlite", "is a file, not a folder"),
])
@pytest.mark.parametrize("args", [["set", STUDY, "results[0]", "value", "40.8"],
                                  ["add", "ae", STUDY, "--arm", "exp", "--term", "vomiting", "--category", "teae",
                                   "--grade", "any", "--n", "3", "--source-id", "huober-review", "--locator", "T1"]])
def test_a_database_an_edit_cannot_update_is_refused_before_the_file_changes(
        corpus: Path, mini_db: Path, runner: CliRunner, target: str, message: str, args: list[str]) -> None:
    """``--db`` naming another file, a link to nothing or a path under a file: refused before
    the edit writes, so the curated file and the database never part ways."""
    (corpus / "dangling.sqlite").symlink_to(corpus / "nowhere")
    files = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    result = runner.invoke(cli, [*args, "--sources", str(corpus), "--db", str(corpus / target)])
    assert result.exit_code == 2, result.output
    assert message in result.output and "nothing was written" in result.output
    assert "Traceback" not in result.output
    assert {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file() and p.name != transaction.LOCK_FILE} == files


def test_a_file_that_takes_no_write_is_a_clean_refusal(corpus: Path, mini_db: Path, runner: CliRunner,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The study file (or its folder) cannot be replaced, as in an immutable folder: the edit
    is refused by name, the file and the database as they were."""
    def refused(path: Path, text: str) -> None:
        raise PermissionError(1, "Operation not permitted", str(path))

    monkeypatch.setattr(transaction, "write_atomic", refused)
    files = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    result = runner.invoke(cli, ["set", STUDY, "results[0]", "value", "40.8", "--sources", str(corpus),
                                 "--db", str(mini_db)])
    assert result.exit_code == 1, result.output
    assert (f"cannot write {corpus / 'studies' / 'mini-trial.yaml'} (Operation not permitted); nothing was "
            "written") in result.output
    assert "Traceback" not in result.output
    assert {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file() and p.name != transaction.LOCK_FILE} == files


def test_a_vocabulary_that_cannot_be_read_is_refused_and_look_alike_temp_files_are_kept(
        corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    """A pipe where drugs.yaml belongs (read for the edit's choices) is said by name, nothing
    written, no wait; an edit then sweeps only its own leftovers, not what is named like them."""
    drugs = corpus / "vocabulary" / "drugs.yaml"
    kept = drugs.read_bytes()
    drugs.unlink()
    os.mkfifo(drugs)
    files = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    piped = runner.invoke(cli, ["set", "drugs", "drugs[pertuzumab]", "notes", "x", "--sources", str(corpus),
                                "--db", str(mini_db)])
    assert piped.exit_code == 1 and f"{drugs}: is not a plain file" in piped.output, piped.output
    assert {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file() and p.name != transaction.LOCK_FILE} == files
    drugs.unlink()
    drugs.write_bytes(kept)
    # names like an interrupted edit's leftovers that no edit wrote (a folder, a file of the user's
    # own, a link) are kept; only write_atomic's own temporary files are swept
    theirs = [corpus / "studies" / name for name in (".mini-trial.yaml.abcd1234.tmp", ".mini-trial.yaml.left.tmp",
                                                     ".mini-trial.yaml.efgh5678.tmp")]
    theirs[0].mkdir()
    theirs[1].write_text("mine\n", encoding="utf-8")
    theirs[2].symlink_to(kept_elsewhere := corpus.parent / "kept.txt")
    kept_elsewhere.write_text("mine too\n", encoding="utf-8")
    swept = corpus / "studies" / ".mini-trial.yaml.k3j4l5m6.tmp"
    swept.write_text("half an edit\n", encoding="utf-8")
    stale = runner.invoke(cli, ["set", STUDY, "results[0]", "value", "40.8", "--sources", str(corpus),
                                "--db", str(mini_db)])
    assert stale.exit_code == 0, stale.output
    assert theirs[0].is_dir() and theirs[1].read_text(encoding="utf-8") == "mine\n" and theirs[2].is_symlink()
    assert kept_elsewhere.read_text(encoding="utf-8") == "mine too\n" and not swept.exists()
    assert "Traceback" not in piped.output + stale.output


def test_a_study_file_that_is_a_pipe_or_a_folder_is_said_as_such(corpus: Path, mini_db: Path,
                                                                   runner: CliRunner) -> None:
    """Not "unknown study": the study's file is there, but no file an edit could read (a pipe
    would make it wait for a writer forever). Said by name for set, add and import-csv, nothing
    written."""
    study = _study(corpus)
    study.unlink()
    table = corpus.parent / "rows.csv"
    table.write_text("arm,term,category,grade,n,source_id,locator\nexp,fatigue,teae,any,1,huober-review,x\n",
                     encoding="utf-8")
    where = ["--sources", str(corpus), "--db", str(mini_db)]
    commands = (["set", STUDY, "results[0]", "value", "1"], ["add", "ae", STUDY, "--arm", "exp", "--term", "fatigue",
                "--category", "teae", "--grade", "any", "--n", "1", "--source-id", "huober-review", "--locator", "x"],
                ["import-csv", STUDY, str(table), "--kind", "ae"])
    for make, what in ((os.mkfifo, "not a plain file (a pipe, a socket or a device)"), (Path.mkdir, "a folder")):
        make(study)
        files = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file() and p.name != transaction.LOCK_FILE}
        for args in commands:
            result = runner.invoke(cli, [*args, *where])
            assert result.exit_code == 1, (args, result.output)
            assert f"{study}: is {what}, not a YAML file; nothing was written" in result.output, (args, result.output)
            assert "unknown study" not in result.output and "Traceback" not in result.output
        assert {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file() and p.name != transaction.LOCK_FILE} \
            == files
        study.unlink() if not study.is_dir() else study.rmdir()


def test_missing_sources_folder_is_not_created(tmp_path: Path, runner: CliRunner) -> None:
    folder = tmp_path / "nowhere"
    result = runner.invoke(cli, ["set", STUDY, "results[0]", "value", "1", "--sources", str(folder)])
    assert result.exit_code == 2 and f"sources folder {folder} does not exist" in result.output
    assert not folder.exists()


def test_remove_asks_lists_and_keeps_the_rest(corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    path = _study(corpus)
    before = path.read_text()
    declined = runner.invoke(
        cli,
        ["remove", STUDY, "adverse_events[1]", "--sources", str(corpus), "--db", str(mini_db)],
        input="n\n",
    )
    assert declined.exit_code == 0 and "Nothing removed." in declined.output
    assert "arm: ctl, term: nausea, category: treatment-related" in declined.output
    assert path.read_text() == before
    done = runner.invoke(
        cli,
        ["remove", STUDY, "adverse_events[1]", "--sources", str(corpus), "--db", str(mini_db)],
        input="y\n",
    )
    assert done.exit_code == 0, done.output
    after = path.read_text()
    assert _opcodes(before, after) == {"delete"}
    assert 'grade: ">=3", n: 1' not in after
    last = runner.invoke(
        cli, ["remove", STUDY, "characteristics[0]", "--yes", "--sources", str(corpus), "--db", str(mini_db)]
    )
    assert last.exit_code == 0, last.output
    assert path.read_text().endswith("characteristics: []\n")
    assert read_document(path).data["characteristics"] == []


def test_referrers_are_listed(corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    result = runner.invoke(
        cli, ["remove", STUDY, "subgroups[hr-pos]", "--yes", "--sources", str(corpus), "--db", str(mini_db)]
    )
    assert result.exit_code == 1
    assert "mini-trial › comparisons[1] › subgroup" in result.output


def test_interactive_prompts_offer_the_study_arms(corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    result = runner.invoke(
        cli,
        [
            "add",
            "ae",
            STUDY,
            "--term",
            "nausea",
            "--n",
            "3",
            "--sources",
            str(corpus),
            "--db",
            str(mini_db),
            "--interactive",
        ],
        input="ghost\nctl\nteae\nany\nhuober-review\nTable 9 (test)\nsafety\n",
    )
    assert result.exit_code == 0, result.output
    assert "arm (exp, ctl):" in result.output
    assert "Error: 'ghost' is not one of 'exp', 'ctl'." in result.output
    assert "grade (any, >=3, 3-4, >=4, 5, <=2):" in result.output
    assert "population (itt, safety, -) [-]:" in result.output
    added = read_document(_study(corpus)).data["adverse_events"][-1]
    assert added == {
        "arm": "ctl",
        "term": "nausea",
        "category": "teae",
        "grade": "any",
        "n": 3,
        "population": "safety",
        "source_id": "huober-review",
        "locator": "Table 9 (test)",
    }


def test_add_source(corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    sources_file = corpus / "sources.yaml"
    before = sources_file.read_text()
    result = runner.invoke(
        cli,
        [
            "add",
            "source",
            "--id",
            "test-2026",
            "--kind",
            "article",
            "--citation",
            "Test A. A test citation. J Test. 2026;1:1-2.",
            "--year",
            "2026",
            "--sources",
            str(corpus),
            "--db",
            str(mini_db),
        ],
    )
    assert result.exit_code == 0, result.output
    assert _opcodes(before, sources_file.read_text()) == {"insert"}
    duplicate = runner.invoke(
        cli,
        [
            "add",
            "source",
            "--id",
            "test-2026",
            "--kind",
            "article",
            "--citation",
            "x",
            "--sources",
            str(corpus),
            "--db",
            str(mini_db),
        ],
    )
    assert duplicate.exit_code == 1 and "duplicate source id 'test-2026'" in duplicate.output


# Runs the command line in a process that SIGKILLs itself at the rename of a YAML file: after
# the edit was validated and its new text written to the temporary file, before it replaces
# the study file.
KILLED_BEFORE_RENAME = """
import os, signal, sys
rename = os.replace
def replace(src, dst, **kwargs):
    if os.fspath(dst).endswith(".yaml"):
        os.kill(os.getpid(), signal.SIGKILL)
    return rename(src, dst, **kwargs)
os.replace = replace
from her2db.cli import cli
cli(sys.argv[1:], prog_name="her2db")
"""


def _cli_process(corpus: Path, db: Path, *args: str, driver: str | None = None) -> subprocess.Popen:
    command = [str(Path(sys.executable).parent / "her2db")] if driver is None else [sys.executable, "-c", driver]
    return subprocess.Popen(
        [*command, *args, "--sources", str(corpus), "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _ae_args(term: str) -> list[str]:
    return [
        "add",
        "ae",
        STUDY,
        "--arm",
        "exp",
        "--term",
        term,
        "--category",
        "teae",
        "--grade",
        "any",
        "--n",
        "3",
        *PROV,
        "--no-interactive",
    ]


def test_interrupted_write_leaves_the_file_and_database_intact(corpus: Path, mini_db: Path) -> None:
    path = _study(corpus)
    before, db_before = path.read_bytes(), mini_db.read_bytes()
    process = _cli_process(corpus, mini_db, *_ae_args("nausea"), driver=KILLED_BEFORE_RENAME)
    process.communicate()
    assert process.returncode == -9
    assert path.read_bytes() == before and mini_db.read_bytes() == db_before
    assert sorted(p.name for p in (corpus / "studies").glob("*.yaml")) == ["mini-trial.yaml"]
    leftovers = [p.name for p in (corpus / "studies").iterdir() if p.name != "mini-trial.yaml"]
    assert leftovers and all(name.startswith(".") and name.endswith(".tmp") for name in leftovers)
    assert load(corpus, mini_db).counts["adverse_event"] == 2
    again = _cli_process(corpus, mini_db, *_ae_args("nausea"))
    again.communicate()
    assert again.returncode == 0
    assert [p.name for p in (corpus / "studies").iterdir()] == ["mini-trial.yaml"]


def test_two_concurrent_adds_both_land(corpus: Path, mini_db: Path) -> None:
    processes = [_cli_process(corpus, mini_db, *_ae_args(term)) for term in ("vomiting", "alopecia")]
    for process in processes:
        out, err = process.communicate()
        assert process.returncode == 0, err
    terms = [ae["term"] for ae in read_document(_study(corpus)).data["adverse_events"]]
    assert sorted(terms[2:]) == ["alopecia", "vomiting"]
    assert load(corpus, mini_db).counts["adverse_event"] == 4


def test_field_flags_follow_the_models() -> None:
    names = {spec.name for spec in fields.field_specs("comparison")}
    assert {"endpoint", "measure", "estimate", "ci_low", "source_id", "locator", "quote"} <= names
    assert [s.name for s in fields.field_specs("ae")][-9:] == ["source_id", "locator", "cites", "quote", "basis",
                                                           "basis_note", "caution", "read_at", "preferred"]
    assert fields.field_specs("study")[0].name == "id"
    assert "results" not in {s.name for s in fields.field_specs("study")}


def test_unset_of_a_first_field_keeps_the_item_dash(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("arms:\n  - notes: n\n    key: a\n  - {notes: n, key: b}\nresults: []\n")
    doc = read_document(path)
    text = yamledit.set_text(doc, yamledit.Target("arms", 0), "notes", None)
    assert text == "arms:\n  - key: a\n  - {notes: n, key: b}\nresults: []\n"
    text = yamledit.set_text(doc, yamledit.Target("arms", 1), "notes", None)
    assert text == "arms:\n  - notes: n\n    key: a\n  - {key: b}\nresults: []\n"


def test_add_study_and_dry_run(corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    made = runner.invoke(
        cli,
        [
            "add",
            "study",
            "--id",
            "other-trial",
            "--acronym",
            "OTHER",
            "--title",
            "Another trial",
            "--kind",
            "registry",
            "--setting",
            "metastatic",
            "--countries",
            "CH",
            "--countries",
            "DE",
            "--sources",
            str(corpus),
            "--db",
            str(mini_db),
        ],
    )
    assert made.exit_code == 0, made.output
    assert read_document(corpus / "studies" / "other-trial.yaml").data["countries"] == ["CH", "DE"]
    before = _study(corpus).read_bytes()
    dry = _add(
        runner,
        corpus,
        mini_db,
        "subgroup",
        "--key",
        "hr-neg",
        "--category",
        "hormone receptor status",
        "--level",
        "HR-negative",
        *PROV,
        "--dry-run",
    )
    assert dry.exit_code == 0, dry.output
    assert "add mini-trial › subgroups[1]: valid; dry run, nothing written" in dry.output
    assert _study(corpus).read_bytes() == before


def test_vocabulary_and_sources_are_edited_without_an_editor(corpus: Path, mini_db: Path,
                                                             runner: CliRunner) -> None:
    """A new drug with its synonyms, a corrected source, a relabelled term: the same validation,
    atomicity and minimal diffs as a study's records; a drug still in use is not removed."""
    drugs = corpus / "vocabulary" / "drugs.yaml"
    before = drugs.read_text()
    added = runner.invoke(cli, ["add", "drug", "--id", "zanidatamab", "--name", "zanidatamab", "--class",
                                "monoclonal antibody", "--synonyms", "ZW25", "--sources", str(corpus),
                                "--db", str(mini_db), "--no-interactive"])
    assert added.exit_code == 0, added.output
    assert _added_lines(before, drugs.read_text()) == [
        "  - {id: zanidatamab, name: zanidatamab, class: monoclonal antibody, synonyms: [ZW25]}"]
    fixed = runner.invoke(cli, ["set", "sources", "sources[tolaney-2025]", "notes", "PMID looked up again",
                                "--sources", str(corpus), "--db", str(mini_db)])
    assert fixed.exit_code == 0, fixed.output
    assert "notes: PMID looked up again" in (corpus / "sources.yaml").read_text()
    relabelled = runner.invoke(cli, ["set", "ae-terms", "terms[nausea]", "label", "Nausea (any)",
                                     "--sources", str(corpus), "--db", str(mini_db)])
    assert relabelled.exit_code == 0, relabelled.output
    conn = sqlite3.connect(mini_db)
    assert conn.execute("select label from ae_term where term = 'nausea'").fetchone() == ("Nausea (any)",)
    conn.close()
    now = drugs.read_bytes()
    used = runner.invoke(cli, ["remove", "drugs", "drugs[pertuzumab]", "-y", "--sources", str(corpus),
                               "--db", str(mini_db)])
    assert used.exit_code == 1
    assert "unknown drug 'pertuzumab'" in used.output and "nothing was written" in used.output
    assert drugs.read_bytes() == now


def test_rename_updates_every_reference_in_one_change(corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    study = _study(corpus)
    before = study.read_text()
    shown = runner.invoke(cli, ["rename", STUDY, "arms[ctl]", "thp", "--dry-run", "--sources", str(corpus),
                                "--db", str(mini_db)])
    assert shown.exit_code == 0, shown.output
    assert "-  - key: ctl\n+  - key: thp\n" in shown.output and "valid; dry run, nothing written" in shown.output
    assert study.read_text() == before
    done = runner.invoke(cli, ["rename", STUDY, "arms[ctl]", "thp", "--sources", str(corpus), "--db", str(mini_db)])
    assert done.exit_code == 0, done.output
    assert "rename mini-trial › arms[1] ctl → thp and 4 reference(s)" in done.output
    after = study.read_text()
    assert "ctl" not in after and after.count("thp") == before.count("thp") + 5
    conn = sqlite3.connect(mini_db)
    assert conn.execute("select count(*) from v_comparisons where control_arm = 'THP'").fetchone() == (2,)
    conn.close()
    for args, message in ((["arms[ctl]", "x"], "no record with key=ctl"),
                          (["results[0]", "x"], "only the keys of analyses, arms, populations, subgroups"),
                          (["arms[exp]", "thp"], "mini-trial › arms[1] already has the key thp; choose another")):
        refused = runner.invoke(cli, ["rename", STUDY, *args, "--sources", str(corpus), "--db", str(mini_db)])
        assert refused.exit_code in (1, 2) and message in refused.output, (args, refused.output)
    assert study.read_text() == after


BLOCK_RECORDS = """\
# a heading comment
id: zz-block
arms:
  - key: a  # the arm
    label: Arm A
  - key: b
    label: >-
      Arm B, a label folded
      over two lines
results:
  - endpoint: OS
    arm: a
    notes: "quoted, and
      over two lines"
  - {endpoint: PFS, arm: a, p_versus: b}
  - endpoint: ORR
    arm: b
    p_versus: a
"""


@pytest.mark.parametrize("edits", [
    [(("arms", 0), "key", "z"), (("results", 0), "arm", "z"), (("results", 1), "arm", "z"),
     (("results", 2), "p_versus", "z")],
    [(("arms", 1), "label", "B"), (("results", 0), "notes", "one line"), (("results", 2), "arm", "c")],
    [(("arms", 0), "label", "first"), (("arms", 1), "key", "second")],
    [(("results", 1), "arm", "z"), (("results", 1), "p_versus", None), (("results", 1), "notes", "n")],
    [(("results", 2), "notes", "n"), (("results", 2), "p_versus", None), (("results", 2), "checked_by", "X")],
    [(("results", 0), "endpoint", None), (("results", 0), "arm", "z")],
], ids=["a-rename", "multi-line-values", "adjacent-records", "one-flow-record", "one-block-record",
        "a-dash-moves-to-an-edited-field"])
def test_set_fields_is_set_text_field_by_field(tmp_path: Path, edits: list) -> None:
    """Several fields set from one read of the layout give the text that setting them one at a
    time (a parse of the file each) gives: what a rename of a key with many references, and a
    change that clears a record's check marks, rely on. The last case, where a removed first
    field hands its dash to an edited one, is made one field at a time."""
    path = tmp_path / "zz-block.yaml"
    path.write_text(BLOCK_RECORDS, encoding="utf-8")
    doc = read_document(path)
    targets = [(yamledit.Target(*where), field, value) for where, field, value in edits]
    one_by_one = BLOCK_RECORDS
    for target, field, value in targets:
        one_by_one = yamledit.set_text(read_document(path, one_by_one), target, field, value)
    assert yamledit.set_fields(doc, targets) == one_by_one != BLOCK_RECORDS


def test_rename_with_two_references_in_one_flow_record(corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    """An adverse event compared with its own arm (an error of its own): both references in
    the one flow record change (the edit is refused for the error, not for a text that parses
    to other data), and nothing is written."""
    study = _study(corpus)
    text = study.read_text(encoding="utf-8")
    study.write_text(text.replace("  - {arm: exp, term: nausea,", "  - {arm: exp, p_versus: exp, term: nausea,", 1),
                     encoding="utf-8")
    before = study.read_bytes()
    done = runner.invoke(cli, ["rename", STUDY, "arms[exp]", "tdxd", "--sources", str(corpus), "--db", str(mini_db)])
    assert done.exit_code == 1, done.output
    assert "adverse_events[0] › p_versus" in done.output and "would not parse" not in done.output, done.output
    assert "cannot be edited in place" not in done.output
    assert study.read_bytes() == before


FLOW_STUDY = """\
id: zz-test
acronym: ZZ
title: Test
kind: registry
setting: metastatic
arms:
  - key: a
    label: Arm A
    role: cohort
    n_treated: 100
    source_id: huober-review
    locator: text
"""


def test_a_section_written_as_one_flow_list_is_refused_cleanly(corpus: Path, runner: CliRunner) -> None:
    """Valid YAML that the in-place edit cannot rewrite: said, nothing written (a traceback before)."""
    results = ("results: [{endpoint: OS, arm: a, statistic: median, value: 12.5, unit: months, source_id: "
               'huober-review, locator: "text"}, {endpoint: PFS, arm: a, statistic: median, value: 7.0, '
               "unit: months, source_id: huober-review, locator: text}]\n")
    path = _zz_study(corpus, runner, FLOW_STUDY + results)
    before = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file() and not p.name.startswith(".")}
    result = runner.invoke(cli, ["set", "zz-test", "results[0]", "value", "12.0", "--sources", str(corpus),
                                 "--db", str(corpus / "her2db.sqlite")])
    assert result.exit_code in (1, 2) and "Traceback" not in result.output, result.output
    assert "cannot be edited in place; nothing written (edit it by hand)" in result.output
    assert {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file() and not p.name.startswith(".")} == before
    assert path.is_file()


FLOW_RECORDS = (
    "results:\n"
    "  - {endpoint: OS, # c1\n     arm: a, # c2\n     statistic: median, value: 12.5, unit: months, "
    'source_id: huober-review, locator: "text"  # c3\n    }\n'
    "  - {endpoint: PFS, arm: a, statistic: median, value: 7.0, unit: months, source_id: huober-review, "
    "locator: 'the curator''s text', notes: \"ends in a backslash \\\\\", checked_by: AC, "
    'checked_on: "2026-01-01"}  # see {Fig 2}\n'
    "  - {endpoint: PFS, arm: a, statistic: rate, timepoint_months: 12, value: 50.0, unit: \"%\", "
    "source_id: huober-review, locator: text  # a plain value, then a comment\n    }\n"
)


@pytest.mark.parametrize(("record", "args", "written"), [
    ("results[0]", ["value", "12.0"], "statistic: median, value: 12.0, unit: months"),
    ("results[1]", ["value", "7.5"], "value: 7.5, unit: months"),
    ("results[1]", ["caution", "small"], 'notes: "ends in a backslash \\\\", caution: small}  # see {Fig 2}'),
    ("results[2]", ["locator", "Table 3"], "locator: Table 3  # a plain value, then a comment\n    }"),
], ids=["comments-between-fields", "escapes-in-quoted-values", "a-brace-in-the-comment-after",
        "a-comment-after-a-plain-value"])
def test_flow_records_with_comments_and_escapes_are_edited_in_place(corpus: Path, runner: CliRunner, record: str,
                                                                    args: list[str], written: str) -> None:
    """Comments inside a flow record's braces, ``''`` and ``\\\\`` in quoted values, and a brace in the
    comment after the record: the field is found where YAML puts it, every comment stays, and a
    checked record loses its marks (a traceback or a wrong refusal before)."""
    _zz_study(corpus, runner, FLOW_STUDY + FLOW_RECORDS)
    text = _zz_set(corpus, runner, record, *args)
    assert all(comment in text for comment in ("# c1", "# c2", "# c3", "# see {Fig 2}", "# a plain value"))
    assert "'the curator''s text'" in text and (record != "results[1]" or "checked_by" not in text)
    assert written in text


def _zz_study(corpus: Path, runner: CliRunner, text: str) -> Path:
    """The study FLOW_STUDY (block arms), written as ``text`` says, loaded."""
    path = corpus / "studies" / "zz-test.yaml"
    path.write_bytes(text.encode("utf-8"))
    loaded = runner.invoke(cli, ["load", "--sources", str(corpus), "--db", str(corpus / "her2db.sqlite")])
    assert loaded.exit_code == 0, loaded.output
    return path


def _zz_set(corpus: Path, runner: CliRunner, record: str, field: str, value: str) -> str:
    """``her2db set zz-test RECORD FIELD VALUE``, which must succeed; the file's text after it."""
    done = runner.invoke(cli, ["set", "zz-test", record, field, value, "--sources", str(corpus),
                               "--db", str(corpus / "her2db.sqlite")])
    assert done.exit_code == 0, done.output
    return (corpus / "studies" / "zz-test.yaml").read_text(encoding="utf-8")


def test_set_keeps_the_comment_after_the_value_it_replaces(corpus: Path, runner: CliRunner) -> None:
    """A curator's note beside a number (``n_treated: 100  # Table 1``) stays when the number
    is corrected; DESIGN: comments are kept."""
    _zz_study(corpus, runner, FLOW_STUDY.replace("    n_treated: 100\n", "    n_treated: 100  # Table 1, not the text\n"))
    assert "    n_treated: 101  # Table 1, not the text\n" in _zz_set(corpus, runner, "arms[a]", "n_treated", "101")
    assert "  # Table 1, not the text\n" in _zz_set(corpus, runner, "arms[a]", "label", "Arm A, # not a comment")


def test_edits_of_a_file_saved_with_crlf_keep_crlf(corpus: Path, runner: CliRunner) -> None:
    """A file saved on Windows: the lines an edit writes end as the others do, never a mix."""
    path = _zz_study(corpus, runner, FLOW_STUDY.replace("\n", "\r\n"))
    where = ["--sources", str(corpus), "--db", str(corpus / "her2db.sqlite")]
    for args in (["set", "zz-test", "arms[a]", "n_treated", "101"], ["set", "zz-test", "arms[a]", "n_randomized", "102"],
                 ["add", "result", "zz-test", "--endpoint", "OS", "--arm", "a", "--statistic", "median",
                  "--value", "12.5", "--unit", "months", "--source-id", "huober-review", "--locator", "text"]):
        done = runner.invoke(cli, [*args, *where])
        assert done.exit_code == 0, (args, done.output)
    data = path.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") and b"n_randomized: 102\r\n" in data and b"12.5" in data



def test_an_added_record_ends_its_lines_as_the_record_above_it(corpus: Path, runner: CliRunner) -> None:
    """A file whose first lines end with CRLF and whose arms end with LF (edited on two
    systems): a new arm's lines end as its neighbours' do, not as line 1's."""
    text = FLOW_STUDY.replace("\n", "\r\n", 3)
    path = _zz_study(corpus, runner, text)
    done = runner.invoke(cli, ["add", "arm", "zz-test", "--key", "b", "--label", "Arm B", "--role", "cohort",
                               "--source-id", "huober-review", "--locator", "text", "--sources", str(corpus),
                               "--db", str(corpus / "her2db.sqlite")])
    assert done.exit_code == 0, done.output
    data = path.read_bytes()
    assert b"  - key: b\n    label: Arm B\n" in data and data.count(b"\r\n") == 3


def test_check_on_the_last_record_of_a_file_without_a_final_newline(corpus: Path, runner: CliRunner) -> None:
    """The marks go on lines of their own (they were glued to the last line, and the file blamed)."""
    path = _zz_study(corpus, runner, FLOW_STUDY.rstrip("\n"))
    done = runner.invoke(cli, ["check", "zz-test", "arms[a]", "--by", "AC", "--on", "2026-01-02", "--sources",
                               str(corpus), "--db", str(corpus / "her2db.sqlite")])
    assert done.exit_code == 0, done.output
    assert path.read_text(encoding="utf-8").endswith('    locator: text\n    checked_by: AC\n    checked_on: "2026-01-02"\n')


def test_a_removed_first_field_hands_its_dash_past_comment_lines(corpus: Path, runner: CliRunner) -> None:
    """A checked record whose marks come first, a comment line after them: the edit clears the
    marks and the dash goes to the next field, the comment staying above it (it went onto the
    comment line, leaving an item that later edits refused)."""
    text = FLOW_STUDY.replace("  - key: a\n", '  - checked_by: AC\n    checked_on: "2026-01-01"\n    # the arm\n    key: a\n')
    _zz_study(corpus, runner, text)
    assert "arms:\n    # the arm\n  - key: a\n    label: Arm A\n" in _zz_set(corpus, runner, "arms[a]", "n_treated", "101")
    assert "  - key: a\n    label: Arm A1\n" in _zz_set(corpus, runner, "arms[a]", "label", "Arm A1")


def test_set_keeps_the_comment_after_a_value_over_two_lines(corpus: Path, runner: CliRunner) -> None:
    _zz_study(corpus, runner, FLOW_STUDY.replace("    label: Arm A\n", '    label: "Arm\n      A"  # the label as printed\n'))
    assert '    label: "on"  # the label as printed\n    role: cohort\n' in _zz_set(corpus, runner, "arms[a]", "label", "on")


@pytest.mark.parametrize(("record", "field", "written"), [
    ("arms[a]", "label", '    label: "Arm B"\n'), ("results[0]", "locator", 'locator: "Arm B"  # c3'),
], ids=["block", "flow"])
def test_set_keeps_a_value_double_quoted_if_it_was(corpus: Path, runner: CliRunner, record: str, field: str,
                                                  written: str) -> None:
    """The curation page promises quoting kept: a double-quoted value stays double-quoted."""
    _zz_study(corpus, runner, FLOW_STUDY.replace("    label: Arm A\n", '    label: "Arm A"\n') + FLOW_RECORDS)
    assert written in _zz_set(corpus, runner, record, field, "Arm B")


@pytest.mark.parametrize(("notes", "written"), [
    ("    notes: >-  # the curator's wording\n      Folded\n      text.\n",
     "    notes: New note.  # the curator's wording\n    source_id:"),
    ("    notes:\n      # the curator's wording below\n      Plain text.\n",
     "    notes: New note.\n      # the curator's wording below\n    source_id:"),
], ids=["after-the-indicator", "a-line-before-the-value"])
def test_set_keeps_the_comments_between_a_key_and_its_value(corpus: Path, runner: CliRunner, notes: str,
                                                            written: str) -> None:
    _zz_study(corpus, runner, FLOW_STUDY.replace("    n_treated: 100\n", "    n_treated: 100\n" + notes))
    assert written in _zz_set(corpus, runner, "arms[a]", "notes", "New note.")


def test_ctrl_c_once_the_file_is_written_says_the_edit_stands(
        corpus: Path, mini_db: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """An interrupt while the database is updated: the file is written (the edit stands), the
    database rolled back; said as such, not as "Aborted!"."""
    from her2db.curate import incremental

    def interrupted(self: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(incremental.StudyEdit, "apply", interrupted)
    before = mini_db.read_bytes()
    result = runner.invoke(cli, ["set", STUDY, "results[0]", "notes", "after the interrupt", "--sources",
                                 str(corpus), "--db", str(mini_db)])
    assert result.exit_code == 0, result.output
    assert "written to" in result.output and "Aborted" not in result.output
    assert "database not updated: interrupted (the files are written; run `her2db load`)" in result.output
    assert "notes: after the interrupt" in _study(corpus).read_text(encoding="utf-8")
    assert mini_db.read_bytes() == before
