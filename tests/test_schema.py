"""The committed schema artefacts match what the models generate."""

from __future__ import annotations

import json
from pathlib import Path

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
