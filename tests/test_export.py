"""The one exporter: site downloads, ``her2db export`` and ``her2db query`` print numbers alike."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from her2db.cli import cli
from her2db.curate.load import load
from her2db.read import export, export_folder
from her2db.store.sqlite import connect_readonly
from her2db.util.paths import UnsafePath


def _write(db: Path, out: Path, fmt: str) -> dict[str, Path]:
    conn = connect_readonly(db)
    try:
        return {p.stem: p for p in export.write_views(out, export.view_texts(conn, fmt), fmt, lambda view: view)}
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
    assert '"estimate":0.70,' in text  # a JSON number, written as printed
    assert json.loads(text)[0]["estimate"] == 0.7
    characteristics = _write(db, tmp_path / "json", "json")["v_characteristics"].read_text(encoding="utf-8")
    assert '"value":49,' in characteristics  # not 49.0


def test_values_without_a_printed_text_are_plain_and_json_stays_valid() -> None:
    columns = ["a", "b", "c", "d", "e", "f_text", "f"]
    rows = [(1e-05, 49.0, float("inf"), b"\x0a\x1b", None, "07", 7.0)]
    assert export.csv_text(columns, rows) == "a,b,c,d,e,f_text,f\n0.00001,49,Infinity,X'0A1B',,07,07\n"
    data = json.loads(export.json_text(columns, rows))  # "07" is no JSON number: 7 is written
    assert data == [{"a": 0.00001, "b": 49, "c": "Infinity", "d": "X'0A1B'", "e": None, "f_text": "07", "f": 7}]
    assert export.csv_text(columns, [], bom=True) == "\ufeffa,b,c,d,e,f_text,f\n"
    assert export.json_text(columns, []) == "[]"
    # one record a line, no indentation or spaces: still read and diffed row by row
    assert export.json_text(["a", "b"], [(1, "x"), (0.5, None)]) == '[\n{"a":1,"b":"x"},\n{"a":0.5,"b":null}\n]'


def test_file_names_cannot_leave_the_folder(mini_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    conn = connect_readonly(mini_db)
    with pytest.raises(UnsafePath, match="not a safe file name"):
        export.write_views(out, export.view_texts(conn, "csv"), "csv", lambda view: f"../{view}")
    conn.close()
    assert not list(tmp_path.rglob("*.csv"))


# --- her2db export ---------------------------------------------------------------------------



def _export(runner: CliRunner, db: Path, out: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(cli, ["export", str(out), "--db", str(db), *args])


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_export_files_are_the_site_downloads_byte_for_byte(real_db: Path, tmp_path: Path,
                                                            runner: CliRunner) -> None:
    from her2db.publish import generated, virtual

    conn = connect_readonly(real_db)
    try:
        downloads = {f.src_uri: f.content for f in generated.downloads(conn, real_db, "dev")}
    finally:
        conn.close()
    for fmt in ("csv", "json"):
        result = _export(runner, real_db, tmp_path / fmt, "--format", fmt)
        assert result.exit_code == 0, result.output
        exported = sorted((tmp_path / fmt).glob(f"v_*.{fmt}"))
        assert len(exported) >= 8
        for path in exported:
            assert path.read_bytes() == downloads[f"{virtual.DOWNLOADS_DIR}/her2db-dev-{path.name}"], path.name


def test_datapackage_passes_frictionless_validate(real_db: Path, tmp_path: Path, runner: CliRunner) -> None:
    import frictionless  # a test dependency (pyproject.toml, test extras)

    out = tmp_path / "package"
    result = _export(runner, real_db, out, "--format", "datapackage")
    assert result.exit_code == 0, result.output
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in package["resources"]}
    comparisons = resources["v_comparisons"]
    assert comparisons["path"] == "v_comparisons.csv" and comparisons["description"] == \
        "An effect between two arms, in the whole population or in a subgroup."
    fields = {f["name"]: f for f in comparisons["schema"]["fields"]}
    assert fields["estimate"]["type"] == "number" and fields["estimate_text"]["type"] == "string"
    assert fields["estimate"]["description"] == "The effect estimate as printed."
    assert comparisons["schema"]["primaryKey"] == ["comparison_id"]
    assert {"fields": ["study_id"], "reference": {"resource": "v_studies", "fields": ["study_id"]}} \
        in comparisons["schema"]["foreignKeys"]
    not_reached = next(f for f in resources["v_arm_results"]["schema"]["fields"] if f["name"] == "not_reached")
    assert not_reached == {"name": "not_reached", "type": "boolean", "title": "Not reached",
                           "trueValues": ["1"], "falseValues": ["0"], "description":
                           "True if the source reports the value as not reached (the value is then empty)."}
    # the data's licence (model/licence.py), not the code's MIT
    assert package["licenses"] == [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0 International",
                                    "path": "https://creativecommons.org/licenses/by/4.0/"}] and package["sources"]
    assert all(r["encoding"] == "utf-8-sig" for r in package["resources"])  # CSV with a BOM by default
    assert set(resources) == {p.stem for p in out.glob("*.csv")}


def test_datapackage_names_the_release(corpus: Path, runner: CliRunner, tmp_path: Path) -> None:
    db = corpus / "her2db.sqlite"
    assert runner.invoke(cli, ["release", "2026.03", "--sources", str(corpus), "--db", str(db)]).exit_code == 0
    assert _export(runner, db, tmp_path / "p", "--format", "datapackage").exit_code == 0
    assert json.loads((tmp_path / "p" / "datapackage.json").read_text(encoding="utf-8"))["version"] == "2026.03"


def test_bom_makes_spreadsheets_read_utf8(mini_db: Path, tmp_path: Path, runner: CliRunner) -> None:
    assert _export(runner, mini_db, tmp_path / "bom", "--bom").exit_code == 0
    raw = (tmp_path / "bom" / "v_comparisons.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfstudy_id,")
    assert raw[3:] == export.csv_text(*_view(mini_db, "v_comparisons")).encode("utf-8")


def _view(db: Path, view: str) -> tuple[list[str], list[tuple[object, ...]]]:
    from her2db.read import named as sitequeries

    conn = connect_readonly(db)
    try:
        return sitequeries.view_rows(conn, view)
    finally:
        conn.close()


def test_a_folder_it_did_not_write_is_refused(mini_db: Path, tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "v_studies.csv").write_text("my own analysis\n", encoding="utf-8")
    before = _files(tmp_path)
    result = _export(runner, mini_db, out)
    assert result.exit_code == 1
    assert "is not empty and was not written by `her2db export`" in result.output
    assert _files(tmp_path) == before


def test_an_earlier_export_is_replaced_but_not_files_added_to_it(mini_db: Path, tmp_path: Path,
                                                                   runner: CliRunner) -> None:
    out = tmp_path / "exported"
    assert _export(runner, mini_db, out).exit_code == 0
    first = _files(out)
    assert _export(runner, mini_db, out).exit_code == 0  # csv again: the same files
    assert _files(out) == first
    assert _export(runner, mini_db, out, "--format", "json").exit_code == 0  # csv files go, json come
    views = len(_files(out)) - 1  # one file per view, and the marker
    assert sorted(p.suffix for p in out.iterdir() if p.name != export_folder.MARKER) == [".json"] * views
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    before = _files(tmp_path)
    result = _export(runner, mini_db, out)
    assert result.exit_code == 1 and "holds files `her2db export` did not write: notes.txt" in result.output
    assert _files(tmp_path) == before


def test_the_temporary_file_of_an_export_killed_mid_write_is_swept_by_the_next(
        mini_db: Path, tmp_path: Path, runner: CliRunner) -> None:
    """A power cut between a file's write and its rename leaves ``.NAME.<8 characters>.tmp``:
    the export's own, so the next export removes it; a look-alike of a file not listed stays."""
    out = tmp_path / "exported"
    assert _export(runner, mini_db, out, "--format", "xlsx").exit_code == 0
    (out / ".her2db.xlsx.k3j4l5m6.tmp").write_bytes(b"half a workbook")
    result = _export(runner, mini_db, out, "--format", "xlsx")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [export_folder.MARKER, "her2db.xlsx"]
    (out / ".notes.txt.k3j4l5m6.tmp").write_text("mine\n", encoding="utf-8")
    before = _files(tmp_path)
    result = _export(runner, mini_db, out, "--format", "xlsx")
    assert result.exit_code == 1 and "did not write: .notes.txt.k3j4l5m6.tmp" in result.output
    assert _files(tmp_path) == before


def test_a_symlink_in_an_export_folder_is_not_followed(mini_db: Path, tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "exported"
    assert _export(runner, mini_db, out).exit_code == 0
    target = tmp_path / "precious.txt"
    target.write_text("keep\n", encoding="utf-8")
    (out / "v_studies.csv").unlink()
    (out / "v_studies.csv").symlink_to(target)
    result = _export(runner, mini_db, out)
    assert result.exit_code == 1 and "did not write: v_studies.csv" in result.output
    assert target.read_text(encoding="utf-8") == "keep\n"


def test_a_marker_that_is_not_text_is_not_taken_for_ours(mini_db: Path, tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "exported"
    assert _export(runner, mini_db, out).exit_code == 0
    (out / ".her2db-export").write_bytes(b"\xff\xfe v_studies.csv\n")
    before = _files(out)
    result = _export(runner, mini_db, out)
    assert result.exit_code == 1 and "that `her2db export` did not write (not UTF-8 text)" in result.output
    assert "Traceback" not in result.output and _files(out) == before


@pytest.mark.parametrize(("name", "message"), [
    ("a-file", "exists and is not a folder"),
    ("missing/out", "does not exist: create it"),
    ("a-file/out", "a-file is a file, not a folder: name another folder"),
    ("dangling", "dangling is a link to nothing: name a new or empty folder"),
])
def test_bad_output_paths_are_clean_errors(mini_db: Path, tmp_path: Path, runner: CliRunner,
                                           name: str, message: str) -> None:
    (tmp_path / "a-file").write_text("x\n", encoding="utf-8")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    before = _files(tmp_path)
    result = _export(runner, mini_db, tmp_path / name)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    assert _files(tmp_path) == before


def test_a_database_from_an_older_her2db_is_named(mini_db: Path, tmp_path: Path, runner: CliRunner) -> None:
    conn = sqlite3.connect(mini_db)
    conn.execute("DROP TABLE release_change")  # as built before releases had changelogs
    conn.commit()
    conn.close()
    result = _export(runner, mini_db, tmp_path / "p", "--format", "datapackage")
    assert result.exit_code == 1 and "was it built by an older her2db? Rebuild it with `her2db load`" \
        in result.output and "Traceback" not in result.output
    assert not (tmp_path / "p").exists()


def test_another_programs_database_is_refused_not_exported_empty(tmp_path: Path, runner: CliRunner) -> None:
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (text)")
    conn.commit()
    conn.close()
    result = _export(runner, other, tmp_path / "out")
    assert result.exit_code == 1 and "is not a database built by this version of her2db" in result.output
    assert not (tmp_path / "out").exists()  # was: "wrote 0 files", exit 0


def test_a_failed_export_leaves_the_earlier_export_as_it_was(mini_db: Path, tmp_path: Path,
                                                            runner: CliRunner) -> None:
    """Every view is read before the folder is touched: a database that breaks half-way
    through (here a view whose table is gone) costs the earlier export nothing."""
    out = tmp_path / "export"
    assert _export(runner, mini_db, out, "--format", "csv").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    conn = sqlite3.connect(mini_db)
    conn.execute("DROP TABLE adverse_event")
    conn.commit()
    conn.close()
    result = _export(runner, mini_db, out, "--format", "csv")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_datapackage_needs_no_mkdocs(real_db: Path, tmp_path: Path) -> None:
    """The column descriptions come from the model, not from a site page: an export runs with
    MkDocs (and the rest of the site's stack) made unimportable."""
    script = ("import sys; from pathlib import Path\n"
              "for name in ('mkdocs', 'material', 'mkdocs_macros', 'mike', 'jinja2'): sys.modules[name] = None\n"
              "from her2db.cli import cli\n"
              "cli(['export', '--format', 'datapackage', '--db', sys.argv[1], sys.argv[2]])\n")
    out = tmp_path / "pkg"
    done = subprocess.run([sys.executable, "-c", script, str(real_db), str(out)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    studies = next(r for r in package["resources"] if r["name"] == "v_studies")
    assert studies["description"] == "One row per study."
    assert studies["schema"]["primaryKey"] == ["study_id"]
    assert next(f for f in studies["schema"]["fields"] if f["name"] == "acronym")["description"].startswith("The name")
