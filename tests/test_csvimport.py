"""CSV import: a table from a paper lands whole, or the file is refused with row and column."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from her2db.cli import cli
from her2db.curate import csvimport
from her2db.curate.yamlfile import read_document

HEADER = "arm,term,category,grade,n,pct,n_at_risk,source_id,locator"
ROW_1 = "exp,vomiting,treatment-related,any,100,26.2,381,huober-review,Table 1"
ROW_2 = "ctl,vomiting,treatment-related,>=3,2,0.5,382,huober-review,Table 1"


def _write(tmp_path: Path, text: str, name: str = "table.csv", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def _import(runner: CliRunner, corpus: Path, db: Path, csv_path: Path, *extra: str):
    return runner.invoke(
        cli,
        [
            "import-csv",
            "mini-trial",
            str(csv_path),
            "--kind",
            "ae",
            "--sources",
            str(corpus),
            "--db",
            str(db),
            *extra,
        ],
    )


def test_template_has_every_column_required_first(runner: CliRunner, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a template needs no sources folder (there is no db/ here)
    result = runner.invoke(cli, ["import-csv", "--kind", "ae", "--template"])
    assert result.exit_code == 0
    assert result.stdout == (
        "arm,term,category,grade,source_id,locator,n,pct,qualifier,n_at_risk,p_value,p_operator,p_versus,population,"
        "notes,cites,quote,basis,basis_note,caution,read_at,preferred\n"
    )
    assert "# grade (required, str; one of: any, >=3, 3-4, >=4, 5, <=2)" in result.stderr
    for kind in csvimport.KINDS:
        assert "source_id" in csvimport.template(kind)


@pytest.mark.parametrize(("separator", "bom"), [(",", False), (";", True)])
def test_import_adds_every_row_in_the_section_style(
    corpus: Path, mini_db: Path, runner: CliRunner, tmp_path: Path, separator: str, bom: bool
) -> None:
    study = corpus / "studies" / "mini-trial.yaml"
    before = study.read_text()
    text = "\n".join(line.replace(",", separator) for line in (HEADER, ROW_1, ROW_2)) + "\n"
    result = _import(runner, corpus, mini_db, _write(tmp_path, text, bom=bom))
    assert result.exit_code == 0, result.output
    assert "add mini-trial › adverse_events[2–3]" in result.output
    added = [
        line[1:]
        for line in difflib.unified_diff(
            before.splitlines(), study.read_text().splitlines(), lineterm="", n=0
        )
        if line[:1] == "+" and line[:3] != "+++"
    ]
    assert added == [
        '  - {arm: exp, term: vomiting, category: treatment-related, grade: "any", n: 100, pct: 26.2, '
        "n_at_risk: 381, source_id: huober-review, locator: Table 1}",
        '  - {arm: ctl, term: vomiting, category: treatment-related, grade: ">=3", n: 2, pct: 0.5, '
        "n_at_risk: 382, source_id: huober-review, locator: Table 1}",
    ]
    counted = runner.invoke(
        cli, ["query", "select count(*) as n from v_adverse_events", "--db", str(mini_db), "--format", "csv"]
    )
    assert counted.output.splitlines() == ["n", "4"]


def test_dry_run_prints_and_writes_nothing(
    corpus: Path, mini_db: Path, runner: CliRunner, tmp_path: Path
) -> None:
    files = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    result = _import(runner, corpus, mini_db, _write(tmp_path, f"{HEADER}\n{ROW_1}\n"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would add 1 record(s)" in result.output
    assert "row 2: arm: exp, term: vomiting" in result.output
    assert all(p.read_bytes() == b for p, b in files.items())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "table.csv: the file is empty (expected a header row with at least: arm, term, category, grade"),
        (
            "arm,term,category,n,source_id,locator\nexp,nausea,teae,3,huober-review,x\n",
            "table.csv: row 1: missing required column(s) grade",
        ),
        (f"{HEADER},colour\n{ROW_1},red\n", "table.csv: row 1: unknown column(s) 'colour'"),
        (
            f"{HEADER}\n{ROW_1}\n{ROW_2.replace(',2,', ',two,')}\n",
            "table.csv: row 3, column n: 'two' is not a whole number",
        ),
        (
            f"{HEADER}\n{ROW_1.replace('26.2', 'n/a')}\n",
            "table.csv: row 2, column pct: 'n/a' is not a number",
        ),
        (f"{HEADER}\n{ROW_1}\n{ROW_2}\n{ROW_1}\n", "table.csv: row 4: duplicates row 2"),
        (
            f"{HEADER}\n{ROW_1}\n{ROW_2.replace('ctl,', 'placebo,', 1)}\n",
            "table.csv: row 3, column arm: unknown arm 'placebo'",
        ),
        (
            f"{HEADER}\n{ROW_1.replace('26.2', '126.2')}\n",
            "table.csv: row 2, column pct: percent 126.2 is outside 0–100",
        ),
        (
            f"{HEADER}\n{ROW_1.replace(',any,', ',mild,')}\n",
            "table.csv: row 2, column grade: 'mild' is not one of",
        ),
        (f"{HEADER}\n{ROW_1}\nexp,nausea\n", "table.csv: row 3: 2 cells for 9 columns"),
        (f"{HEADER}\n", "table.csv: no data rows under the header"),
        (
            f"{HEADER}\nexp,nausea,treatment-related,any,271,71.1,381,huober-review,Table 1\n",
            "table.csv: row 2: already in mini-trial as adverse_events[0]",
        ),
    ],
)
def test_bad_files_are_refused_whole(
    corpus: Path, mini_db: Path, runner: CliRunner, tmp_path: Path, text: str, message: str
) -> None:
    files = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    result = _import(runner, corpus, mini_db, _write(tmp_path, text))
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert all(p.read_bytes() == b for p, b in files.items())
    assert len(read_document(corpus / "studies" / "mini-trial.yaml").data["adverse_events"]) == 2


def test_not_utf8_is_refused(corpus: Path, mini_db: Path, runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{HEADER}\n{ROW_1.replace('vomiting', 'vómiting')}\n".encode("latin-1"))
    result = _import(runner, corpus, mini_db, path)
    assert result.exit_code == 1
    assert "latin1.csv: not UTF-8 text" in result.output


@pytest.mark.parametrize("source", ["pipe", "/dev/zero"])
def test_a_pipe_or_a_device_is_refused_unread(corpus: Path, mini_db: Path, runner: CliRunner, tmp_path: Path,
                                              source: str) -> None:
    """A pipe would wait for a writer, /dev/zero would fill the memory: neither is read."""
    path = Path(source) if source.startswith("/") else tmp_path / "table.csv"
    if not source.startswith("/"):
        os.mkfifo(path)
    before = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    result = _import(runner, corpus, mini_db, path, "--dry-run")
    assert result.exit_code == 1, result.output
    assert f"{path.name}: not a plain file (a pipe, a socket or a device)" in result.output
    assert {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()} == before


def test_a_cell_too_large_for_csv_is_refused_by_line(corpus: Path, mini_db: Path, runner: CliRunner,
                                                     tmp_path: Path) -> None:
    path = _write(tmp_path, f"{HEADER}\n{ROW_1}\n" + ROW_1.replace("vomiting", "x" * 200_000) + "\n")
    result = _import(runner, corpus, mini_db, path)
    assert result.exit_code == 1, result.output
    assert "table.csv: line 3: cannot be read as CSV (field larger than field limit" in result.output
    assert "Traceback" not in result.output


def test_a_cell_a_spreadsheet_broke_over_lines_keeps_its_line_breaks(corpus: Path, mini_db: Path,
                                                                      runner: CliRunner, tmp_path: Path) -> None:
    """A CSV saved on Windows ends its rows and the lines of a multi-line cell with CR LF: the
    cell is imported with plain line breaks, not refused for a control character."""
    row = ROW_1 + ',"line one\r\nline two"'
    path = tmp_path / "table.csv"
    path.write_bytes(f"{HEADER},notes\r\n{row}\r\n".encode())
    result = _import(runner, corpus, mini_db, path)
    assert result.exit_code == 0, result.output
    added = read_document(corpus / "studies" / "mini-trial.yaml").data["adverse_events"][-1]
    assert added["notes"] == "line one\nline two"


def test_a_huge_cell_is_quoted_by_its_start(corpus: Path, mini_db: Path, runner: CliRunner, tmp_path: Path) -> None:
    """A count of 5,000 digits and a pasted column in the arm cell: each refused by row and
    column, quoting the cell's start and length (not Python's advice, not the whole cell)."""
    files = {p: p.read_bytes() for p in [*corpus.rglob("*.yaml"), mini_db]}
    row = ROW_1.replace("exp,", "e" * 3000 + ",", 1).replace(",100,", "," + "9" * 5000 + ",", 1)
    result = _import(runner, corpus, mini_db, _write(tmp_path, f"{HEADER}\n{row}\n"))
    assert result.exit_code == 1, result.output
    assert f"table.csv: row 2, column n: '{'9' * 60}…' (5,000 characters) has too many digits" in result.output
    assert f"table.csv: row 2, column arm: unknown arm '{'e' * 60}…' (3,000 characters)" in result.output
    assert "set_int_max_str_digits" not in result.output and "Traceback" not in result.output
    assert max(len(line) for line in result.output.splitlines()) < 300
    assert {p: p.read_bytes() for p in files} == files


def _added(runner: CliRunner, corpus: Path, db: Path, csv_path: Path, kind: str, *extra: str) -> list[str]:
    """The lines the import adds to the study file (the command must succeed)."""
    study = corpus / "studies" / "mini-trial.yaml"
    before = study.read_text()
    result = runner.invoke(cli, ["import-csv", "mini-trial", str(csv_path), "--kind", kind, "--sources",
                                 str(corpus), "--db", str(db), *extra])
    assert result.exit_code == 0, result.output
    return [line[1:] for line in difflib.unified_diff(before.splitlines(), study.read_text().splitlines(),
                                                       lineterm="", n=0)
            if line[:1] == "+" and line[:3] != "+++"]


def test_every_problem_of_a_file_in_one_run(
    corpus: Path, mini_db: Path, runner: CliRunner, tmp_path: Path
) -> None:
    files = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    text = (f"{HEADER}\n"
            "exp,nausia,teae,any,100,26.2,381,huober-review,Table 1\n"
            "Exp,vomiting,teae,>=3,2,\"0,5\",382,huober-review,Table 1\n"
            "ctl,diarrhea,teae,any,12,3.1,382,huober-revew,Table 1\n")
    result = _import(runner, corpus, mini_db, _write(tmp_path, text))
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("table.csv")]
    assert lines == [
        "table.csv: row 2, column term: unknown adverse-event term 'nausia' (expected one of: a term in "
        "vocabulary/ae_terms.yaml); did you mean nausea?",
        "table.csv: row 3, column pct: '0,5' is not a number; write 0.5, or use --decimal-comma",
        "table.csv: row 3, column arm: unknown arm 'Exp' (expected one of: ctl, exp); did you mean exp?",
        "table.csv: row 4, column source_id: unknown source 'huober-revew' (expected one of: an id in "
        "sources.yaml); "
        "did you mean huober-review?",
    ]
    assert "Error: table.csv: refused, 4 error(s); nothing was written" in result.output
    assert all(p.read_bytes() == b for p, b in files.items())


@pytest.mark.parametrize(
    ("kind", "header", "row", "record"),
    [
        ("ae", "arm,term,category,grade,pct", "exp,Nausea,teae,Grade 3–4,60 (20.3)",
         '{arm: exp, term: nausea, category: teae, grade: "3-4", n: 60, pct: 20.3'),
        ("ae", "arm,term,category,grade,n (%)", "exp,nausea,teae,≥3,2 (<1)",
         '{arm: exp, term: nausea, category: teae, grade: ">=3", n: 2, pct: 1, qualifier: less than'),
        ("ae", "arm,term,category,grade,n,pct", "exp,nausea,teae,>=3,2,<1",
         '{arm: exp, term: nausea, category: teae, grade: ">=3", n: 2, pct: 1, qualifier: less than'),
        ("ae", "arm,term,category,grade,n,pct", "ctl,nausea,TEAE,grade 3-4,—,40.7%",
         '{arm: ctl, term: nausea, category: teae, grade: "3-4", pct: 40.7'),
        ("ae", "arm,term,category,grade,n,pct", "ctl,nausea,teae,All grades,12,n.r.",
         '{arm: ctl, term: nausea, category: teae, grade: "any", n: 12'),
        ("ae", "arm,term,category,grade,n,pct", "ctl,nausea,teae,Grade ≤2,12,-",
         '{arm: ctl, term: nausea, category: teae, grade: "<=2", n: 12'),
        ("result", "endpoint,arm,statistic,value,unit", "OS,exp,median,NR,months",
         "{endpoint: OS, arm: exp, statistic: median, unit: months, not_reached: true"),
        ("result", "endpoint,arm,statistic,value,unit", "OS,ctl,median,NE,months",
         "{endpoint: OS, arm: ctl, statistic: median, unit: months, not_estimable: true"),
        ("result", "endpoint,arm,statistic,value,unit,95% CI", "OS,ctl,median,2.10,months,1.25–2.60",
         "{endpoint: OS, arm: ctl, statistic: median, value: 2.10, unit: months, ci_low: 1.25, ci_high: 2.60, "
         "ci_level: 95"),
        ("result", "endpoint,arm,statistic,value,unit,95% CI", "OS,ctl,median,2.10,months,1.25-2.60",
         "value: 2.10, unit: months, ci_low: 1.25, ci_high: 2.60, ci_level: 95"),
        ("result", "endpoint,arm,statistic,value,unit,95% CI", 'OS,ctl,median,2.10,months,"(1.25, 2.60)"',
         "value: 2.10, unit: months, ci_low: 1.25, ci_high: 2.60, ci_level: 95"),
        ("result", "endpoint,arm,statistic,value,unit,ci", "OS,ctl,median,2.10,months,1.25 to 2.60",
         "value: 2.10, unit: months, ci_low: 1.25, ci_high: 2.60, source_id"),
        ("result", "endpoint,arm,statistic,value,n,denominator", "ORR,exp,proportion,40.7%,156,383",
         "{endpoint: ORR, arm: exp, statistic: proportion, value: 40.7, unit: \"%\", n: 156, denominator: 383"),
        ("result", "endpoint,arm,statistic,value,qualifier,unit", "OS,exp,Median,~29.0,approximately,months",
         "{endpoint: OS, arm: exp, statistic: median, value: 29.0, qualifier: approximately, unit: months"),
        ("comparison", "endpoint,measure,experimental,control,estimate,95% CI,p_value",
         "OS,HR,exp,ctl,0.70,0.55–0.90,<0.001",
         "{endpoint: OS, measure: HR, experimental: exp, control: ctl, estimate: 0.70, ci_low: 0.55, "
         'ci_high: 0.90, p_value: 0.001, p_operator: "<"'),
        ("characteristic", "name,statistic,n (%)", "ECOG 0,proportion,291 (75.2)",
         '{name: ECOG 0, statistic: proportion, value: 75.2, unit: "%", n: 291'),
        ("population", "key,label,n", "pp,per protocol,700", "{key: pp, label: per protocol, n: 700"),
        ("analysis", "key,label,data_cutoff", "final,final,2026-01-01",
         '{key: final, label: final, data_cutoff: "2026-01-01"'),
    ],
)
def test_printed_forms_convert_to_the_curated_fields(
    corpus: Path, mini_db: Path, runner: CliRunner, tmp_path: Path, kind: str, header: str, row: str,
    record: str
) -> None:
    text = f"{header},source_id,locator\n{row},huober-review,Table 2\n"
    added = _added(runner, corpus, mini_db, _write(tmp_path, text), kind)
    assert len(added) == 1
    assert record in added[0]
    assert added[0].endswith("source_id: huober-review, locator: Table 2}")


def test_decimal_commas_are_read_on_request(
    corpus: Path, mini_db: Path, runner: CliRunner, tmp_path: Path
) -> None:
    text = ("endpoint;arm;statistic;value;unit;95% CI;source_id;locator\n"
            'OS;ctl;median;29,0;months;"(25,3; 33,10)";huober-review;text\n')
    path = _write(tmp_path, text)
    refused = _import(runner, corpus, mini_db, path)
    assert refused.exit_code == 1
    added = _added(runner, corpus, mini_db, path, "result", "--decimal-comma")
    assert added == ['  - {endpoint: OS, arm: ctl, statistic: median, value: 29.0, unit: months, ci_low: 25.3, '
                     "ci_high: 33.10, ci_level: 95, source_id: huober-review, locator: text}"]


def test_decimal_comma_refused_without_the_option(
    corpus: Path, mini_db: Path, runner: CliRunner, tmp_path: Path
) -> None:
    text = ("endpoint;arm;statistic;value;unit;95% CI;source_id;locator\n"
            'OS;ctl;median;29,0;months;"(25,3; 33,1)";huober-review;text\n')
    result = runner.invoke(cli, ["import-csv", "mini-trial", str(_write(tmp_path, text)), "--kind", "result",
                                 "--sources", str(corpus), "--db", str(mini_db)])
    assert result.exit_code == 1
    assert "table.csv: row 2, column value: '29,0' is not a number; write 29.0, or use --decimal-comma" \
        in result.output
    assert "table.csv: row 2, column 95% CI: '(25,3; 33,1)' is not a confidence interval; write 1.25–2.60, " \
        "or use --decimal-comma" in result.output


def test_wide_layout_gives_one_record_per_arm_and_grade(
    corpus: Path, mini_db: Path, runner: CliRunner, tmp_path: Path
) -> None:
    text = ("term,category,exp any,exp >=3,ctl Any,ctl Grade ≥3,exp n_at_risk,ctl n_at_risk,source_id,locator\n"
            "Vomiting,teae,100 (26.2),2 (<1),80 (20.9),—,381,382,huober-review,Table 2\n"
            "fatigue,teae,50,,,,381,382,huober-review,Table 2\n")
    added = _added(runner, corpus, mini_db, _write(tmp_path, text), "ae", "--wide")
    tail = "source_id: huober-review, locator: Table 2}"
    assert added == [
        f'  - {{arm: exp, term: vomiting, category: teae, grade: "any", n: 100, pct: 26.2, n_at_risk: 381, {tail}',
        f'  - {{arm: exp, term: vomiting, category: teae, grade: ">=3", n: 2, pct: 1, qualifier: less than, '
        f"n_at_risk: 381, {tail}",
        f'  - {{arm: ctl, term: vomiting, category: teae, grade: "any", n: 80, pct: 20.9, n_at_risk: 382, {tail}',
        f'  - {{arm: exp, term: fatigue, category: teae, grade: "any", n: 50, n_at_risk: 381, {tail}',
    ]


def test_wide_header_problems_are_named(
    corpus: Path, mini_db: Path, runner: CliRunner, tmp_path: Path
) -> None:
    text = "term,category,arm,placebo any,exp any,source_id,locator\nnausea,teae,exp,1,2,huober-review,x\n"
    result = _import(runner, corpus, mini_db, _write(tmp_path, text), "--wide")
    assert result.exit_code == 1
    assert "'placebo any': placebo is not an arm of the study, arms: exp, ctl" in result.output
    assert "table.csv: row 1: column(s) arm cannot be used with --wide" in result.output


def test_warnings_name_the_csv_row(corpus: Path, mini_db: Path, runner: CliRunner, tmp_path: Path) -> None:
    text = (f"{HEADER}\n{ROW_1}\n"
            "exp,diarrhea,teae,any,60 (20.3),,382,huober-review,Table 1\n")
    result = _import(runner, corpus, mini_db, _write(tmp_path, text))
    assert result.exit_code == 0, result.output
    assert ("table.csv: row 3, column n: warning: 20.3% disagrees with n/n_at_risk = 60/382 = 15.71% beyond "
            "rounding (cell: 60 (20.3))") in result.output
    assert "mini-trial.yaml:" not in result.output
