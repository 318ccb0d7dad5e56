"""The documented format is the real one: the example of the Curated format page validates and
loads, and numbers keep the text they were printed as."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from her2db_testing import ROOT

from her2db.curate.load import load


def test_documented_example_study_loads(corpus: Path, tmp_path: Path) -> None:
    page = (ROOT / "site" / "reference" / "curated-format.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(id: destiny-breast09\n.*?)```", page, re.S)
    assert example, "the Curated format page lost its complete example"
    (corpus / "studies" / "destiny-breast09.yaml").write_text(example.group(1), encoding="utf-8")
    result = load(corpus, tmp_path / "x.sqlite")
    assert result.counts["study"] == 2
    assert result.counts["comparison"] == 2 + 2  # the example's two, the fixture study's two
    assert result.report.warnings == []


def test_numbers_keep_the_text_they_were_printed_as(corpus: Path, tmp_path: Path) -> None:
    import sqlite3

    study = corpus / "studies" / "mini-trial.yaml"
    text = study.read_text(encoding="utf-8")
    text = text.replace("value: 40.7, unit: months", "value: 29.0, unit: months")
    text = text.replace("estimate: 0.61, ci_low: 0.44, ci_high: 0.84", 'estimate: "0.70", ci_low: 0.543, ci_high: 0.90')
    study.write_text(text, encoding="utf-8")
    db = tmp_path / "x.sqlite"
    load(corpus, db)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT value, value_text FROM v_arm_results WHERE result_id = 1").fetchone() == (
        29.0, "29.0")
    assert conn.execute("SELECT estimate, estimate_text, ci_low_text, ci_high_text FROM v_comparisons "
                        "WHERE comparison_id = 2").fetchone() == (0.7, "0.70", "0.543", "0.90")
    # every number has its printed text, and the two agree
    for view, column in (("v_arm_results", "value"), ("v_comparisons", "estimate"), ("v_comparisons", "p_value"),
                         ("v_adverse_events", "pct"), ("v_characteristics", "value")):
        rows = conn.execute(f"SELECT {column}, {column}_text FROM {view} WHERE {column} IS NOT NULL").fetchall()
        assert rows and all(text is not None and float(text) == value for value, text in rows), view


def test_printed_number_parsing() -> None:
    from her2db.model.numbers import NotANumber, display, parse

    assert parse("0.70").text == "0.70" and parse("0.70") == 0.7
    assert parse(77).text == "77" and parse(1e-05).text == "0.00001"
    for bad in ("NaN", "Infinity", "1e309", "0,70", "", "7O", float("nan"), True, 2**64):
        with pytest.raises(NotANumber):
            parse(bad)
    assert display("16", "approximately", unit="%") == "approximately 16%"
    assert display("61", upper_text="80", unit="%") == "61–80%"
    assert display("29.0", unit="months") == "29.0 months"


def test_json_schema_accepts_a_number_or_its_printed_text() -> None:
    import json

    schema = json.loads((ROOT / "schema" / "study.schema.json").read_text(encoding="utf-8"))
    value = schema["$defs"]["ArmResult"]["properties"]["value"]
    options = value["anyOf"][0]["anyOf"] if "anyOf" in value["anyOf"][0] else value["anyOf"]
    assert {"type": "number"} in options
    assert any(o.get("type") == "string" and o.get("pattern") for o in options)
