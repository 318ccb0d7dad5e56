"""The package as a user gets it: a wheel installed in a new virtual environment works from
any folder (every runtime file ships inside the package), and the code is lint- and type-clean."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from her2db_testing import ROOT, fresh_checkout, once_per_run
from sitebuild import FEW_STUDIES

SQLJS = ROOT / "node_modules" / "sql.js"
PROJECT_FILES = ("db", "site", "mkdocs.yml", "package.json", "package-lock.json")


def _run(command: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
    return result.stdout


def _build_wheel(folder: Path) -> Path:
    """Build the wheel from a clean copy of the checkout, offline (this environment's setuptools)."""
    folder.mkdir()
    source = fresh_checkout(folder / "source")
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-index", "--no-build-isolation",
          "-w", folder / "wheels", source], cwd=folder)
    (wheel,) = (folder / "wheels").glob("her2db-*.whl")
    return wheel


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built once for the run (the tests only read it)."""
    return once_per_run(tmp_path_factory, "wheel", _build_wheel)


def _venv_with(wheel: Path, folder: Path) -> Path:
    """A new virtual environment holding the wheel. Its dependencies come from this
    environment's site-packages, added after its own by a .pth line (offline and fast); .pth
    files in there (such as an editable install of the checkout) are not run, so `her2db`
    can only be imported from the wheel."""
    _run([sys.executable, "-m", "venv", "--without-pip", folder], cwd=folder.parent)
    python = folder / "bin" / "python"
    own = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                    cwd=folder).strip())
    (own / "zz_her2db_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n",
                                                         encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index",
          wheel], cwd=folder)
    return folder / "bin"


def test_wheel_ships_every_runtime_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "her2db"
    needed = {f"her2db/{path.relative_to(package).as_posix()}" for path in package.rglob("*")
              if path.is_file() and "__pycache__" not in path.parts}
    assert "her2db/store/sql/views.sql" in needed and "her2db/publish/macros.py" in needed
    assert any(name.startswith("her2db/publish/templates/") for name in needed)
    assert needed - names == set()


@pytest.mark.skipif(not SQLJS.is_dir(), reason="sql.js is not installed: run `npm ci` (make test does)")
def test_installed_wheel_loads_queries_and_builds_the_site_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    bin_dir = _venv_with(wheel, tmp_path / "venv")
    project = tmp_path / "elsewhere"
    checkout = fresh_checkout(tmp_path / "clone")
    for name in PROJECT_FILES:
        (shutil.copytree if (checkout / name).is_dir() else shutil.copy2)(checkout / name, project / name)
    for study in (project / "db" / "studies").glob("*.yaml"):  # a few studies build the site sooner
        if study.stem not in (*FEW_STUDIES, "praegnant"):
            study.unlink()
    shutil.copytree(SQLJS, project / "node_modules" / "sql.js")  # what `npm ci` puts there
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HER2DB_", "PYTHON"))}
    her2db = bin_dir / "her2db"

    imported = _run([bin_dir / "python", "-c", "import her2db.publish.macros as m; print(m.__file__)"], project, env)
    assert Path(imported.strip()).is_relative_to(tmp_path / "venv")
    assert "Loaded 3 studies" in _run([her2db, "load"], project, env)
    answer = json.loads(_run([her2db, "query", "--format", "json",
                              "-- HER2-positive patients PRAEGNANT analysed\n"
                              "select n from v_populations where study_id = 'praegnant' "
                              "and population = 'her2pos-1l'"], project, env))
    assert answer == [{"n": 879}]
    assert "Built" in _run([her2db, "site", "build"], project, env)
    page = (project / "public" / "data-model" / "index.html").read_text(encoding="utf-8")
    assert "v_populations" in page and "median_follow_up_months_text" in page
    assert (project / "public" / "javascripts" / "vendor" / "sql.js" / "sql-wasm.wasm").is_file()


def test_make_test_runs_ruff_and_mypy_first_and_they_are_clean() -> None:
    """`make test` depends on `make lint`; the lint half (ruff, fast) is clean here too."""
    plan = _run(["make", "-n", "-B", "test", "PYTHON=true"], ROOT).splitlines()
    ruff = next(i for i, line in enumerate(plan) if line.endswith("/ruff check"))
    mypy = next(i for i, line in enumerate(plan) if line.endswith("/mypy"))
    pytest_run = next(i for i, line in enumerate(plan) if "-m pytest" in line)
    assert ruff < pytest_run and mypy < pytest_run
    _run([Path(sys.executable).parent / "ruff", "check"], ROOT)
