"""The browser assets the site ships from npm packages (sql.js for the Query page)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sitebuild import Built, copy_project

from her2db.cli import cli
from her2db.publish import assets

pytestmark = pytest.mark.skipif(not (assets.PACKAGE_ROOT / assets.SQLJS_PACKAGE).is_dir(),
                                reason="node_modules is not installed (run `npm ci`)")


def test_sql_js_ships_as_it_is_in_node_modules_and_never_enters_the_docs_folder(built: Built) -> None:
    source = assets.PACKAGE_ROOT / assets.SQLJS_PACKAGE
    for name in assets.SQLJS_FILES:
        assert (built.public / assets.VENDOR_DIR / Path(name).name).read_bytes() == (source / name).read_bytes()
    assert not (built.project / "site" / "javascripts" / "vendor").exists()


def test_site_build_without_node_modules_says_how_to_install(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    config = copy_project(tmp_path / "project")
    monkeypatch.setattr(assets, "PACKAGE_ROOT", tmp_path / "elsewhere")
    result = CliRunner().invoke(cli, ["site", "build", "--config", str(config),
                                      "--sources", str(tmp_path / "project" / "db"),
                                      "--db", str(tmp_path / "project" / "db" / "her2db.sqlite")])
    assert result.exit_code == 1
    assert "sql.js" in result.output and "npm ci" in result.output and "make site" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "project" / "public").exists()
