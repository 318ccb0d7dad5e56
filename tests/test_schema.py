"""The committed schema artefacts match what the models generate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from her2db_testing import ROOT

from her2db.cli import cli
from her2db.store import schema


def test_committed_artefacts_are_up_to_date() -> None:
    assert schema.stale_artefacts(ROOT / "schema") == [], "run `her2db schema` and commit schema/"


def test_drift_is_detected(tmp_path: Path) -> None:
    schema.write_artefacts(tmp_path)
    assert schema.stale_artefacts(tmp_path) == []
    er = tmp_path / "er.md"
    er.write_text(er.read_text().replace("arm_result {", "arm_results {"))
    assert schema.stale_artefacts(tmp_path) == ["er.md"]


def test_schema_check_command(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["schema", "--check"])
    assert result.exit_code == 0
    assert "up to date" in result.output


def test_json_schema_describes_a_study_file() -> None:
    doc = json.loads(schema.study_json_schema())
    assert {"id", "acronym", "title", "kind", "setting"} <= set(doc["required"])
    result = doc["$defs"]["ArmResult"]
    assert {"source_id", "locator", "endpoint", "arm", "statistic"} <= set(result["required"])
    assert result["additionalProperties"] is False


def test_ddl_has_provenance_on_numeric_tables() -> None:
    ddl = schema.ddl()
    for table in ("arm_result", "comparison", "adverse_event", "characteristic"):
        block = ddl.split(f"CREATE TABLE {table} (")[1].split(");")[0]
        assert "source_id VARCHAR NOT NULL" in block and "locator VARCHAR NOT NULL" in block
        assert "FOREIGN KEY(source_id) REFERENCES source (id)" in block


def test_every_public_view_and_column_is_declared_once(real_db: Path) -> None:
    """model/views.yaml describes exactly the columns the loaded views have: a column added to
    views.sql without its description (or a description left behind) is named."""
    from her2db.model.views import public_views, undocumented
    from her2db.read import named
    from her2db.store.sqlite import connect_readonly

    conn = connect_readonly(real_db)
    try:
        actual = {view: [c["name"] for c in named.view_columns(conn, view)] for view in named.public_views(conn)}
    finally:
        conn.close()
    assert undocumented(actual) == []
    assert set(public_views()) == set(actual)
    drifted = {**actual, "v_studies": [*actual["v_studies"], "new_column"]}
    drifted.pop("v_sources")
    assert undocumented(drifted) == ["view v_sources is declared but the database has no such view",
                                     "v_studies: columns without a description: new_column"]


def test_schema_outside_a_checkout_writes_only_its_folder(tmp_path: Path, runner: CliRunner,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Run elsewhere: schema/ is written there, through no link, and the installed package's
    DDL file is left alone (said so)."""
    (tmp_path / "schema").mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("mine\n", encoding="utf-8")
    (tmp_path / "schema" / "er.md").symlink_to(victim)
    package_files = [path.stat().st_mtime_ns for path in schema.PACKAGE_ARTEFACTS]
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["schema"])
    assert result.exit_code == 0, result.output
    assert "tables.sql and validators.json are the installed package's, outside this folder: not written" \
        in result.output
    assert victim.read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "schema" / "er.md").is_symlink()
    assert schema.stale_artefacts(Path("schema")) == []
    assert [path.stat().st_mtime_ns for path in schema.PACKAGE_ARTEFACTS] == package_files


def test_a_schema_path_that_is_a_file_is_a_clean_error(tmp_path: Path, runner: CliRunner,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "schema").write_text("notes\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["schema"])
    assert result.exit_code == 1 and "cannot write the schema artefacts: File exists (schema)" in result.output
    assert "Traceback" not in result.output
    assert (tmp_path / "schema").read_text(encoding="utf-8") == "notes\n"
