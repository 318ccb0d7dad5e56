"""The one exporter: site downloads, ``her2db export`` and ``her2db query`` print numbers alike."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from her2db import export
from her2db.cli import cli
from her2db.db import connect_readonly
from her2db.files import UnsafePath
from her2db.load import load


def _write(db: Path, out: Path, fmt: str) -> dict[str, Path]:
    conn = connect_readonly(db)
    try:
        return {p.stem: p for p in export.write_views(conn, out, fmt, lambda view: view)}
    finally:
        conn.close()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_view_file_and_a_query_print_the_same_bytes(mini_db: Path, tmp_path: Path, runner: CliRunner,
                                                      fmt: str) -> None:
    files = _write(mini_db, tmp_path, fmt)
    text = files["v_comparisons"].read_text(encoding="utf-8")
    assert "0.00001" in text and "1e-05" not in text
    result = runner.invoke(cli, ["query", "--db", str(mini_db), "--format", fmt, "--max-rows", "100000",
                                 "select * from v_comparisons"])
    assert result.exit_code == 0, result.output
    assert result.output == text


def test_numbers_print_as_printed_where_the_view_has_the_text(corpus: Path, tmp_path: Path) -> None:
    study = corpus / "studies" / "mini-trial.yaml"
    study.write_text(study.read_text(encoding="utf-8").replace("estimate: 0.56", 'estimate: "0.70"')
                     .replace("value: 54, unit: years", "value: 49, unit: years"), encoding="utf-8")
    db = tmp_path / "x.sqlite"
    load(corpus, db)
    (tmp_path / "csv").mkdir()
    files = _write(db, tmp_path / "csv", "csv")
    with files["v_comparisons"].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["estimate"] for r in rows] == ["0.70", "0.61"]  # not 0.7: the printed text
    assert rows[0]["p_value"] == "0.00001"
    (tmp_path / "json").mkdir()
    text = _write(db, tmp_path / "json", "json")["v_comparisons"].read_text(encoding="utf-8")
    assert '"estimate": 0.70,' in text  # a JSON number, written as printed
    assert json.loads(text)[0]["estimate"] == 0.7
    characteristics = _write(db, tmp_path / "json", "json")["v_characteristics"].read_text(encoding="utf-8")
    assert '"value": 49,' in characteristics  # not 49.0


def test_values_without_a_printed_text_are_plain_and_json_stays_valid() -> None:
    columns = ["a", "b", "c", "d", "e", "f_text", "f"]
    rows = [(1e-05, 49.0, float("inf"), b"\x0a\x1b", None, "07", 7.0)]
    assert export.csv_text(columns, rows) == "a,b,c,d,e,f_text,f\n0.00001,49,Infinity,X'0A1B',,07,07\n"
    data = json.loads(export.json_text(columns, rows))  # "07" is no JSON number: 7 is written
    assert data == [{"a": 0.00001, "b": 49, "c": "Infinity", "d": "X'0A1B'", "e": None, "f_text": "07", "f": 7}]
    assert export.csv_text(columns, [], bom=True) == "\ufeffa,b,c,d,e,f_text,f\n"
    assert export.json_text(columns, []) == "[]"


def test_file_names_cannot_leave_the_folder(mini_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    conn = connect_readonly(mini_db)
    with pytest.raises(UnsafePath, match="not a safe file name"):
        export.write_views(conn, out, "csv", lambda view: f"../{view}")
    conn.close()
    assert not list(tmp_path.rglob("*.csv"))
