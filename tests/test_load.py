"""Loading: atomic, deterministic, with the public views of DESIGN.md."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import create_model
from sqlmodel import SQLModel

from her2db.cli import cli
from her2db.curate.load import LoadError, ensure_database, is_current, load
from her2db.store import write
from her2db.store.sqlite import schema_stamp, stored_schema_stamp

# The public contract (DESIGN.md "Public SQL views"): these columns, in this order, first.
VIEW_COLUMNS = {
    "v_studies": "study_id acronym title kind phase setting line registry_id n_enrolled",
    "v_arm_results": "study_id analysis population subgroup arm endpoint category statistic value unit "
                     "ci_low ci_high timepoint_months n denominator source_id locator",
    "v_comparisons": "study_id analysis population subgroup endpoint measure experimental_arm control_arm "
                     "estimate ci_low ci_high p_value p_operator source_id locator",
    "v_adverse_events": "study_id population arm n_at_risk term category grade n pct source_id locator",
    "v_characteristics": "study_id population arm characteristic category statistic value unit n "
                         "source_id locator",
    "v_sources": "source_id kind citation year doi pmid url",
    "v_study_endpoints": "study_id endpoint endpoint_label role assessor definition source_id locator",
    "v_populations": "study_id population label n definition enrolled source_id locator",
    "v_analyses": "study_id analysis label data_cutoff median_follow_up_months source_id locator "
                  "median_follow_up_months_text",
}


def _dump(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


@pytest.mark.parametrize("view", sorted(VIEW_COLUMNS))
def test_public_views_keep_their_columns(mini_db: Path, view: str) -> None:
    conn = sqlite3.connect(mini_db)
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({view})")]
    expected = VIEW_COLUMNS[view].split()
    assert columns[: len(expected)] == expected


def test_views_return_the_curated_numbers(mini_db: Path) -> None:
    conn = sqlite3.connect(mini_db)
    rows = conn.execute(
        "SELECT subgroup, estimate, ci_low, ci_high, p_value, p_operator, experimental_arm, control_arm "
        "FROM v_comparisons WHERE study_id = 'mini-trial' ORDER BY comparison_id").fetchall()
    assert rows == [(None, 0.56, 0.44, 0.71, 0.00001, "<", "T-DXd + pertuzumab", "THP"),
                    ("HR-positive", 0.61, 0.44, 0.84, None, None, "T-DXd + pertuzumab", "THP")]
    assert conn.execute("SELECT n_enrolled FROM v_studies").fetchone() == (770,)
    assert conn.execute(
        "SELECT not_reached, value FROM v_arm_results WHERE endpoint = 'PFS2'").fetchone() == (1, None)


def test_loading_twice_gives_an_identical_dump(corpus: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    load(corpus, first)
    load(corpus, second)
    assert _dump(first) == _dump(second)
    assert "mini-trial" in _dump(first)


def test_foreign_keys_are_enforced(mini_db: Path) -> None:
    conn = sqlite3.connect(mini_db)
    conn.execute("PRAGMA foreign_keys=ON")
    try:
        with pytest.raises(Exception, match="FOREIGN KEY"), conn:
            conn.execute(
                "INSERT INTO arm_result (id, study_id, arm_id, endpoint, statistic, source_id, locator, "
                "not_reached, not_estimable, record_id) VALUES (999, 'mini-trial', 999, 'PFS', 'median', "
                "'huober-review', 'x', 0, 0, 'mini-trial.result.pfs.x.median')")
    finally:
        conn.close()


def test_failed_load_keeps_previous_database(corpus: Path, mini_db: Path) -> None:
    before = mini_db.read_bytes()
    study = corpus / "studies" / "mini-trial.yaml"
    study.write_text(study.read_text().replace("pct: 71.1", "pct: 171.1"))
    with pytest.raises(LoadError) as info:
        load(corpus, mini_db)
    assert [p.path for p in info.value.report.errors] == ["mini-trial › adverse_events[0] › pct"]
    assert mini_db.read_bytes() == before


def test_load_reports_progress_per_study(corpus: Path, tmp_path: Path) -> None:
    seen: list[str] = []
    load(corpus, tmp_path / "x.sqlite", on_study=seen.append)
    assert seen == ["mini-trial"]


# --- never lose or expose data ------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_database_is_marked_as_ours(mini_db: Path) -> None:
    from her2db.store.sqlite import APPLICATION_ID

    conn = sqlite3.connect(mini_db)
    assert conn.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)


@pytest.mark.parametrize("victim,message", [
    ("sources.yaml", "sources.yaml is not a database built by her2db; refusing to replace it"),
    ("notes.sqlite", "notes.sqlite is not a database built by her2db; refusing to replace it"),
    ("folder", "folder' is a directory"),
])
def test_load_refuses_to_replace_a_file_it_did_not_build(corpus: Path, runner: CliRunner,
                                                         victim: str, message: str) -> None:
    target = corpus / victim
    if victim == "folder":
        target.mkdir()
    elif victim.endswith(".sqlite"):
        other = sqlite3.connect(target)
        other.execute("CREATE TABLE notes (text TEXT)")
        other.execute("INSERT INTO notes VALUES ('my work')")
        other.commit()
        other.close()
    before = _snapshot(corpus.parent)
    result = runner.invoke(cli, ["load", "--sources", str(corpus), "--db", str(target)])
    assert result.exit_code == 2, result.output
    assert "Invalid value for" in result.output and "--db" in result.output
    assert message in result.output
    assert _snapshot(corpus.parent) == before
    assert not list(corpus.glob(f".{victim}.*"))


def test_a_linked_database_is_reloaded_where_the_link_points_and_stays_a_link(corpus: Path, tmp_path: Path,
                                                                            runner: CliRunner) -> None:
    """A database shared from elsewhere through a link: the link is the user's and stays; the
    database it points to is the one brought up to date. A link to nothing is refused."""
    shared = tmp_path / "shared" / "her2db.sqlite"
    shared.parent.mkdir()
    load(corpus, shared)
    link = corpus / "her2db.sqlite"
    link.symlink_to(shared)
    study = corpus / "studies" / "mini-trial.yaml"
    study.write_text(study.read_text(encoding="utf-8").replace("value: 40.7", "value: 41.9"), encoding="utf-8")
    result = runner.invoke(cli, ["load", "--sources", str(corpus), "--db", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and is_current(shared, corpus)
    assert sorted(p.name for p in shared.parent.iterdir()) == ["her2db.sqlite"]
    link.unlink()
    link.symlink_to(tmp_path / "nowhere" / "her2db.sqlite")
    result = runner.invoke(cli, ["load", "--sources", str(corpus), "--db", str(link)])
    assert result.exit_code == 2 and "is not a file; refusing to replace it" in result.output, result.output
    with pytest.raises(write.DatabasePathError, match="is not a file; refusing"):  # a reading command's reload
        load(corpus, link)
    assert not (tmp_path / "nowhere").exists() and link.is_symlink()


def test_a_journal_left_by_an_edit_killed_mid_transaction_is_not_played_into_the_new_database(
        corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    """A set killed while SQLite commits leaves a hot journal beside the database; the load
    that replaces the database removes it, or the next connection that may write plays it
    back into the new file (a malformed database, or the old rows back)."""
    journal = mini_db.with_name(f"{mini_db.name}-journal")
    conn = sqlite3.connect(mini_db, isolation_level=None)
    conn.execute("PRAGMA cache_size = 1")  # pages spill to the file: the journal holds the old ones
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("DELETE FROM adverse_event")
    conn.execute("UPDATE study SET title = 'half-way'")
    hot = journal.read_bytes()  # what a process killed here leaves
    conn.execute("ROLLBACK")
    conn.close()
    journal.write_bytes(hot)
    study = corpus / "studies" / "mini-trial.yaml"
    study.write_text(study.read_text(encoding="utf-8").replace("value: 40.7", "value: 41.9"), encoding="utf-8")
    result = runner.invoke(cli, ["load", "--sources", str(corpus), "--db", str(mini_db)])
    assert result.exit_code == 0, result.output
    assert not journal.exists()
    conn = sqlite3.connect(mini_db)  # read-write: a journal there would be played back now
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT value_text FROM v_arm_results WHERE endpoint = 'PFS' AND statistic = 'median'"
                            ).fetchall() == [("41.9",)]
    finally:
        conn.close()


def test_load_replaces_its_own_and_unmarked_earlier_databases(corpus: Path, mini_db: Path) -> None:
    load(corpus, mini_db)  # marked: replaced
    conn = sqlite3.connect(mini_db)
    conn.execute("PRAGMA application_id = 0")  # as built before the mark existed
    conn.commit()
    conn.close()
    load(corpus, mini_db)
    empty = corpus / "empty.sqlite"
    empty.touch()
    load(corpus, empty)
    assert sqlite3.connect(empty).execute("SELECT count(*) FROM study").fetchone() == (1,)


@pytest.mark.parametrize("case", ["missing", "empty", "only-yml"])
def test_corpus_without_studies_is_an_error(corpus: Path, mini_db: Path, runner: CliRunner,
                                            case: str) -> None:
    study = corpus / "studies" / "mini-trial.yaml"
    if case == "missing":
        study.unlink()
        (corpus / "studies").rmdir()
    elif case == "empty":
        study.unlink()
    else:
        study.rename(study.with_suffix(".yml"))
    before = _snapshot(corpus.parent)
    result = runner.invoke(cli, ["load", "--sources", str(corpus), "--db", str(mini_db)])
    assert result.exit_code == 1, result.output
    assert "studies: error: no study files (*.yaml) in" in result.output
    assert "--allow-empty" in result.output
    assert "was not changed" in result.output
    assert _snapshot(corpus.parent) == before
    allowed = runner.invoke(cli, ["load", "--sources", str(corpus), "--db", str(mini_db), "--allow-empty"])
    assert allowed.exit_code == 0, allowed.output
    assert "Loaded 0 studies" in allowed.output


def test_load_keeps_the_permissions_of_the_database(corpus: Path, mini_db: Path) -> None:
    mini_db.chmod(0o644)
    load(corpus, mini_db)
    assert stat.S_IMODE(mini_db.stat().st_mode) == 0o644
    mini_db.chmod(0o640)
    load(corpus, mini_db)
    assert stat.S_IMODE(mini_db.stat().st_mode) == 0o640


def test_new_database_gets_the_umask_mode_not_0600(corpus: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        load(corpus, tmp_path / "new.sqlite")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.sqlite").stat().st_mode) == 0o644


def test_leftovers_of_a_killed_load_are_swept(corpus: Path, mini_db: Path) -> None:
    import fcntl

    folder = mini_db.parent
    killed = folder / ".her2db.sqlite.k1ll3d_x.tmp"
    killed.write_bytes(b"half a database")
    (folder / ".her2db.sqlite.k1ll3d_x.tmp-journal").write_bytes(b"journal")
    running = folder / ".her2db.sqlite.running1.tmp"
    running.write_bytes(b"being written")
    keep = [folder / ".her2db.sqlite.notes.txt", folder / ".her2db.sqlite.toolongname.tmp",
            folder / ".other.sqlite.abcdefgh.tmp", folder / "her2db.sqlite.abcdefgh.tmp"]
    for path in keep:
        path.write_bytes(b"not ours")
    with running.open("rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # a load still writing holds this lock
        load(corpus, mini_db)
    assert not killed.exists() and not (folder / ".her2db.sqlite.k1ll3d_x.tmp-journal").exists()
    assert running.exists()
    assert all(path.read_bytes() == b"not ours" for path in keep)


def test_load_killed_half_way_is_cleaned_up_by_the_next(corpus: Path, mini_db: Path,
                                                         runner: CliRunner) -> None:
    before = mini_db.read_bytes()
    killer = ("import os, signal, sys; from pathlib import Path; from her2db.curate.load import load; "
              "load(Path(sys.argv[1]), Path(sys.argv[2]), "
              "on_study=lambda _s: os.kill(os.getpid(), signal.SIGKILL))")
    killed = subprocess.run([sys.executable, "-c", killer, str(corpus), str(mini_db)], check=False)
    assert killed.returncode == -signal.SIGKILL
    leftovers = list(mini_db.parent.glob(".her2db.sqlite.*.tmp"))
    assert len(leftovers) == 1
    assert mini_db.read_bytes() == before  # the kill did not touch the database
    result = runner.invoke(cli, ["load", "--sources", str(corpus), "--db", str(mini_db)])
    assert result.exit_code == 0, result.output
    assert not list(mini_db.parent.glob(".her2db.sqlite.*"))


def test_ensure_database_reloads_only_when_sources_changed(corpus: Path) -> None:
    """What reading commands and the site run first: a load when the database is missing or was
    loaded from other files than those of now (by content, not by time), nothing otherwise."""
    db = corpus / "her2db.sqlite"
    assert ensure_database(db, corpus)
    assert not ensure_database(db, corpus)
    study = next((corpus / "studies").glob("*.yaml"))
    later = db.stat().st_mtime + 1
    os.utime(study, (later, later))
    assert not ensure_database(db, corpus)  # touched, not changed
    study.write_text(study.read_text().replace("value: 40.7", "value: 40.8"), encoding="utf-8")
    earlier = db.stat().st_mtime - 100
    os.utime(study, (earlier, earlier))  # an edit whose time stamp says nothing (a checkout, a copy)
    assert ensure_database(db, corpus)
    assert not ensure_database(db, corpus)


def test_a_database_left_stale_by_an_interrupted_edit_is_reloaded(corpus: Path, mini_db: Path,
                                                                   runner: CliRunner) -> None:
    """An edit killed between its YAML write and its reload leaves the old database; the stamp
    says so, and the next reading command answers from the files as they are."""
    study = corpus / "studies" / "mini-trial.yaml"
    study.write_text(study.read_text().replace("value: 40.7", "value: 41.9"), encoding="utf-8")
    assert not is_current(mini_db, corpus)
    assert ensure_database(mini_db, corpus)
    conn = sqlite3.connect(mini_db)
    assert conn.execute("select value_text from v_arm_results where endpoint = 'PFS' and statistic = 'median'"
                        ).fetchall() == [("41.9",)]
    conn.close()
    assert is_current(mini_db, corpus)


def test_ensure_database_rebuilds_a_database_of_another_schema(corpus: Path) -> None:
    """After an upgrade changes the tables or views, the site's reload must not trust an
    up-to-date file built for the old schema: it would fail on a missing table."""
    db = corpus / "her2db.sqlite"
    load(corpus, db)
    assert stored_schema_stamp(db) == schema_stamp()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 7")
    conn.close()
    later = db.stat().st_mtime + 10
    os.utime(db, (later, later))
    assert ensure_database(db, corpus)
    assert stored_schema_stamp(db) == schema_stamp()
    assert not ensure_database(db, corpus)


def test_loads_in_processes_with_different_hash_seeds_give_the_same_dump(corpus: Path,
                                                                         tmp_path: Path) -> None:
    """Python randomizes set order per process: two loads must still create the tables and
    indexes in the same order, so ``sqlite3 .dump`` of two builds of one corpus is identical."""
    dumps = []
    for seed in ("1", "2"):
        path = tmp_path / f"seed{seed}.sqlite"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        loaded = subprocess.run([sys.executable, "-c", "from her2db.cli import cli; cli()", "load", "--sources",
                                 str(corpus), "--db", str(path)], env=env, capture_output=True, text=True)
        assert loaded.returncode == 0, f"seed {seed}: {loaded.stdout}{loaded.stderr}"
        dumps.append(_dump(path))
    assert "CREATE INDEX" in dumps[0] and "mini-trial" in dumps[0]
    assert dumps[0] == dumps[1]


def test_curated_model_and_tables_describe_the_same_fields() -> None:
    """Every curated field has its column and every column its curated field, but for the
    exceptions load.py documents (row ids, printed texts, resolved keys, fields that become
    rows of another table)."""
    from her2db.model import tables as models  # noqa: F401  (the tables register themselves on import
    from her2db.model.registry import DERIVED_TABLES, TABLE_OF, model_drift

    drift = {model.__name__: model_drift(model, _columns(table)) for model, table in TABLE_OF.items()}
    assert {name: d for name, d in drift.items() if d != (set(), set())} == {}
    assert set(TABLE_OF.values()) | DERIVED_TABLES == set(SQLModel.metadata.tables)


def _columns(table: str) -> set[str]:
    from her2db.model import tables as models  # noqa: F401  (the tables register themselves on import

    return set(SQLModel.metadata.tables[table].columns.keys())


def test_drift_between_the_models_is_reported() -> None:
    """A field added to one model only is caught, in either direction."""
    from her2db.model import curated
    from her2db.model import tables as models
    from her2db.model.registry import model_drift

    class Widened(curated.Population):
        screened: int | None = None

    kept = {name: (info.annotation, info) for name, info in curated.Analysis.model_fields.items()
            if name != "data_cutoff"}
    Narrowed = create_model("Narrowed", __base__=curated.Strict, **kept)  # type: ignore[call-overload]
    assert model_drift(Widened, _columns(models.Population.__tablename__)) == ({"screened"}, set())
    assert model_drift(Narrowed, _columns(models.Analysis.__tablename__)) == (set(), {"data_cutoff"})


def test_populations_and_analyses_views_answer_from_the_real_data(real_db: Path) -> None:
    """"How many HER2-positive patients did PRAEGNANT analyse?" needs no raw table, and a
    follow-up keeps the text the source printed ("26.0", not 26)."""
    conn = sqlite3.connect(real_db)
    praegnant = conn.execute(
        "SELECT population, label, n, enrolled, source_id, locator FROM v_populations "
        "WHERE study_id = 'praegnant' ORDER BY population_id").fetchall()
    assert [(p, n, enrolled) for p, _label, n, enrolled, _s, _l in praegnant] == [("all", 5012, 1),
                                                                                ("her2pos-1l", 879, 0)]
    assert praegnant[1][1] == "HER2-positive, initiating first-line therapy"
    assert praegnant[1][4:] == ("huober-review", "text, first-to-second-line attrition section (PRAEGNANT paragraph)")
    enrolled = conn.execute("SELECT s.study_id, s.n_enrolled, p.n FROM v_studies s JOIN v_populations p "
                            "ON p.study_id = s.study_id AND p.enrolled").fetchall()
    assert enrolled and all(n_enrolled == n for _s, n_enrolled, n in enrolled)
    follow_up = dict(((s, a), (m, t)) for s, a, m, t in conn.execute(
        "SELECT study_id, analysis, median_follow_up_months, median_follow_up_months_text FROM v_analyses"))
    assert follow_up[("destiny-breast09", "interim")] == (29.2, "29.2")
    assert follow_up[("flatiron", "main")] == (26.0, "26.0")
    labels = {row[0] for row in conn.execute("SELECT label FROM v_analyses")}
    assert {row[0] for row in conn.execute("SELECT DISTINCT analysis FROM v_comparisons "
                                           "WHERE analysis IS NOT NULL")} <= labels


def test_load_writes_where_a_path_with_url_characters_says(corpus: Path, tmp_path: Path,
                                                          runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """`?`, `#` and `%` in --db are part of the path: the database is written there, and
    nothing beside it (no `a #` file cut off at the `?`)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a #?% b").mkdir()
    before = set(tmp_path.iterdir())
    db = Path("a #?% b") / "x.sqlite"
    result = runner.invoke(cli, ["load", "--sources", str(corpus), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert set(tmp_path.iterdir()) == before
    assert [p.name for p in (tmp_path / "a #?% b").iterdir()] == ["x.sqlite"]
    query = runner.invoke(cli, ["query", "--db", str(db), "--format", "csv", "select study_id from v_studies"])
    assert query.output == "study_id\nmini-trial\n"


def test_links_back_up_the_sources_folder_are_walked_once(corpus: Path) -> None:
    """Two links to a folder above (a loop each) made the walk of the curated files branch at
    every level: a diff of such a revision never returned. Each real folder is read once."""
    (corpus / "studies" / "loop").symlink_to("..")
    (corpus / "studies" / "up").symlink_to("../../db")
    names = [rel for rel, _, _ in write.source_files(corpus)]
    assert sorted(names) == sorted(set(names)) and "studies/mini-trial.yaml" in names
