"""The FHIR R5 export: valid against the R5 models of fhir.resources, every number as printed,
qualifiers kept, and read back it gives the numbers the views give."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fhir.resources.bundle import Bundle
from her2db_testing import edit_study
from sitebuild import Built

from her2db.cli import cli
from her2db.curate.load import load
from her2db.model.licence import DATA_LICENCE_NAME, licence_statement
from her2db.read import export_folder, fhir
from her2db.store.sqlite import connect_readonly
from her2db.util.terminal import printable


def _export(runner: CliRunner, db: Path, out: Path) -> dict[str, Any]:
    result = runner.invoke(cli, ["export", "--format", "fhir", "--db", str(db), str(out)])
    assert result.exit_code == 0, result.output
    [path] = out.glob("*.fhir.json")
    data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    Bundle.model_validate(data)  # valid R5
    return data


def _text(value: Decimal | int | None) -> str | None:
    """A JSON number as it is written in the file (read with ``parse_float=Decimal``)."""
    return None if value is None else str(value) if isinstance(value, int) else format(value, "f")


def _read_back(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each Evidence's numbers by record id, as a FHIR reader finds them."""
    out = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] != "Evidence":
            continue
        [identifier] = resource["identifier"]
        assert identifier["system"] == fhir.RECORD_SYSTEM
        [statistic] = resource["statistic"]
        estimates = {e["type"]["text"]: e for e in statistic.get("attributeEstimate", [])}
        ci = estimates.get("confidence interval", {}).get("range", {})
        p = estimates.get("p-value", {}).get("quantity", {})
        quantity = statistic.get("quantity", {})
        out[identifier["value"]] = {
            "value": _text(quantity.get("value")), "comparator": quantity.get("comparator"),
            "ci_low": _text(ci.get("low", {}).get("value")), "ci_high": _text(ci.get("high", {}).get("value")),
            "p": _text(p.get("value")), "p_comparator": p.get("comparator"),
            "printed": statistic["description"], "notes": [n["text"] for n in resource["note"]],
            "source": resource["citeAsReference"]["display"], "links": resource.get("relatedArtifact", []),
        }
    return out


def _rows(db: Path, sql: str) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def test_the_bundle_of_the_real_data_reads_back_as_the_views(real_db: Path, tmp_path: Path, runner: CliRunner) -> None:
    bundle = _export(runner, real_db, tmp_path / "fhir")
    found = _read_back(bundle)
    comparisons = _rows(real_db, "SELECT * FROM v_comparisons")
    results = _rows(real_db, "SELECT * FROM v_arm_results")
    assert len(found) == len(comparisons) + len(results)
    for row in comparisons:
        got = found[row["record_id"]]
        assert (got["value"], got["ci_low"], got["ci_high"]) == (row["estimate_text"], row["ci_low_text"],
                                                                 row["ci_high_text"]), row["record_id"]
        assert got["p"] == row["p_value_text"]
        assert got["p_comparator"] == (row["p_operator"] if row["p_operator"] in ("<", "<=", ">", ">=") else None)
        assert got["source"] == row["source_id"]
        assert f"Printed: {got['printed']}" in got["notes"]
        assert f"Record: {row['record_id']}" in got["notes"]
        assert f"Read in: {row['source_id']}, {row['locator']}" in got["notes"]
        if row["quote"]:
            assert f"Quote: “{row['quote']}”" in got["notes"]
    for row in results:
        got = found[row["record_id"]]
        expected = None if row["not_reached"] or row["not_estimable"] else row["value_text"]
        assert got["value"] == expected, row["record_id"]
        assert (got["ci_low"], got["ci_high"]) == (row["ci_low_text"], row["ci_high_text"])
        if row["qualifier"]:  # the review's "approximately": never dropped
            assert got["printed"].startswith(row["qualifier"] + " ")
            assert f"Qualifier: {row['qualifier']}" in got["notes"]
    # every decimal in the file is written as printed: no 0.7 for "0.70", no exponent
    text = next((tmp_path / "fhir").glob("*.fhir.json")).read_text(encoding="utf-8")
    printed = {r["estimate_text"] for r in comparisons} | {r["value_text"] for r in results if r["value_text"]}
    assert all(f'"value": {t}' in text for t in printed if t)
    assert "E-" not in text


def test_qualifiers_and_p_operators_are_carried_not_dropped(corpus: Path, tmp_path: Path, runner: CliRunner) -> None:
    edit_study(corpus, ("statistic: median, value: 40.7,", 'statistic: median, value: "40.70", qualifier: less than,'),
               ("statistic: rate, value: 52.1,", "statistic: rate, value: 52.1, qualifier: approximately,"))
    db = tmp_path / "x.sqlite"
    load(corpus, db)
    found = _read_back(_export(runner, db, tmp_path / "out"))
    less = next(v for v in found.values() if v["value"] == "40.70")
    assert less["comparator"] == "<" and less["printed"] == "less than 40.70 months"
    assert "Qualifier: less than" in less["notes"]
    about = next(v for v in found.values() if v["value"] == "52.1")
    assert about["comparator"] is None  # FHIR has no comparator for "approximately" ...
    assert about["printed"] == "approximately 52.1%" and "Qualifier: approximately" in about["notes"]  # ... so it is said
    hr = next(v for v in found.values() if v["value"] == "0.56")
    assert (hr["p"], hr["p_comparator"], hr["ci_low"], hr["ci_high"]) == ("0.00001", "<", "0.44", "0.71")
    assert hr["printed"] == "HR 0.56 (0.44–0.71); p < 0.00001"
    assert any(v["printed"] == "not reached" and v["value"] is None for v in found.values())


def test_the_bundle_is_named_for_the_release_carries_the_licence_and_links_records(corpus: Path, tmp_path: Path,
                                                                                     runner: CliRunner) -> None:
    (corpus / "releases.yaml").write_text(
        'releases:\n  - {version: "2026.12", date: "2026-12-01", studies: 1, results: 3, comparisons: 2, '
        'adverse_events: 2, doi: "10.5281/zenodo.1234567"}\n', encoding="utf-8")
    db = tmp_path / "x.sqlite"
    load(corpus, db)
    bundle = _export(runner, db, tmp_path / "out")
    assert (tmp_path / "out" / "her2db-2026.12.fhir.json").is_file()
    assert bundle["identifier"]["value"] == "2026.12" and bundle["timestamp"] == "2026-12-01T00:00:00Z"
    release = bundle["entry"][0]["resource"]
    assert (release["resourceType"], release["version"]) == ("Citation", "2026.12")
    assert release["copyright"] == licence_statement() and release["copyrightLabel"] == DATA_LICENCE_NAME
    assert release["identifier"][0]["value"] == "https://doi.org/10.5281/zenodo.1234567"
    conn = connect_readonly(db)
    try:
        linked = fhir.bundle(conn, "https://example.org/her2db/")
    finally:
        conn.close()
    evidence = next(e["resource"] for e in linked["entry"] if e["resource"]["resourceType"] == "Evidence")
    record = evidence["identifier"][0]["value"]
    [link] = [a for a in evidence["relatedArtifact"] if a["type"] == "documentation"]
    assert link["document"]["url"] == f"https://example.org/her2db/studies/mini-trial/#{record}"


def test_an_export_into_a_foreign_folder_writes_nothing(mini_db: Path, tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    result = runner.invoke(cli, ["export", "--format", "fhir", "--db", str(mini_db), str(out)])
    assert result.exit_code == 1
    assert "was not written by `her2db export`" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "not a url", "ftp://example.org/", "https://",
                                 "https://example.org/\n", "https://exa mple.org/", "https://example.org:99999/"])
def test_a_site_address_that_is_no_web_address_is_refused(mini_db: Path, tmp_path: Path, runner: CliRunner,
                                                          url: str) -> None:
    """It would be written as every Evidence's link: refused before anything is written."""
    out = tmp_path / "fhir"
    result = runner.invoke(cli, ["export", str(out), "--format", "fhir", "--db", str(mini_db)],
                           env={"HER2DB_SITE_URL": url})
    assert result.exit_code == 2
    assert f"Error: HER2DB_SITE_URL='{printable(url)}' is not the address of a site" in result.output
    assert not out.exists()
    plain = runner.invoke(cli, ["export", str(out), "--db", str(mini_db)], env={"HER2DB_SITE_URL": url})
    assert plain.exit_code == 0, plain.output  # CSV files link to no page: the variable is not theirs


def test_the_site_offers_the_bundle_the_export_writes(built: Built) -> None:
    download = built.public / "downloads" / "her2db-dev.fhir.json"
    conn = connect_readonly(built.db)
    try:
        assert download.read_bytes() == export_folder.fhir_bytes(conn)
    finally:
        conn.close()
    assert "her2db-dev.fhir.json" in built.page("downloads").text
    assert "FHIR R5 Bundle" in built.page("downloads").text
