"""CSV import: a table from a paper lands whole, or the file is refused with row and column."""

from __future__ import annotations

import difflib
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


def test_template_has_every_column_required_first(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["import-csv", "--kind", "ae", "--template"])
    assert result.exit_code == 0
    assert result.stdout == (
        "arm,term,category,grade,source_id,locator,n,pct,qualifier,n_at_risk,p_value,p_operator,p_versus,population,"
        "notes,cites,quote,basis,basis_note,read_at,preferred\n"
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
