"""The CLI as a user meets it: output, formats, exit codes, and a database it cannot change."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from her2db.cli import cli
from her2db.curate.load import load


def _query(runner: CliRunner, db: Path, sql: str, *extra: str):
    return runner.invoke(cli, ["query", sql, "--db", str(db), *extra])


def _her2db(*args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    """her2db in a process of its own: for what CliRunner cannot give (a full or closed stream)."""
    return subprocess.run([sys.executable, "-c", "from her2db.cli import cli; cli(prog_name='her2db')", *args],
                          capture_output=True, text=True, timeout=60, **options)


def test_load_summarises_what_it_loaded(corpus: Path, tmp_path: Path, runner: CliRunner) -> None:
    db = tmp_path / "out" / "her2db.sqlite"
    result = runner.invoke(cli, ["load", "--sources", str(corpus), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "Loaded 1 studies, 3 arm results, 2 comparisons, 2 adverse events" in result.output
    assert db.exists()


def test_query_table_csv_json_markdown(mini_db: Path, runner: CliRunner) -> None:
    sql = "select arm, term, grade, n, pct from v_adverse_events order by adverse_event_id"
    table = _query(runner, mini_db, sql)
    assert table.exit_code == 0
    assert table.output.splitlines()[0].split() == ["arm", "term", "grade", "n", "pct"]
    assert "T-DXd + pertuzumab  nausea  any      271  71.1" in table.output
    csv_out = _query(runner, mini_db, sql, "--format", "csv").output.splitlines()
    assert csv_out == ["arm,term,grade,n,pct", "T-DXd + pertuzumab,nausea,any,271,71.1", "THP,nausea,>=3,1,0.3"]
    data = json.loads(_query(runner, mini_db, sql, "--format", "json").output)
    assert data[1] == {"arm": "THP", "term": "nausea", "grade": ">=3", "n": 1, "pct": 0.3}
    markdown = _query(runner, mini_db, sql, "--format", "markdown").output
    assert markdown.splitlines()[1].startswith("|--")


def test_write_statements_fail_and_leave_the_file_unchanged(mini_db: Path, runner: CliRunner) -> None:
    before = mini_db.read_bytes()
    for sql in ("delete from study", "drop table arm", "insert into endpoint values ('X', 'x', 'x')",
                "attach database 'other.sqlite' as other"):
        result = _query(runner, mini_db, sql)
        assert result.exit_code == 1, sql
        assert "Error:" in result.output
    assert not Path("other.sqlite").exists()
    assert "read-only" in _query(runner, mini_db, "delete from study").output
    assert mini_db.read_bytes() == before


def test_row_cap_says_when_rows_were_cut(mini_db: Path, runner: CliRunner) -> None:
    result = _query(runner, mini_db, "select term from ae_term order by term", "--max-rows", "3",
                    "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["term", "alanine aminotransferase increased", "alopecia", "anemia"]
    assert "output cut at 3 rows" in result.stderr


def test_time_limit_stops_a_runaway_query(mini_db: Path, runner: CliRunner) -> None:
    endless = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    result = _query(runner, mini_db, endless, "--time-limit", "0.3")
    assert result.exit_code == 1
    assert "time limit of 0.3 s" in result.output


@pytest.mark.parametrize("limit", ["nan", "inf"])
def test_a_time_limit_is_a_number_of_seconds(mini_db: Path, runner: CliRunner, limit: str) -> None:
    """``nan`` passes a range check (no comparison holds) and would have turned the limit off."""
    result = _query(runner, mini_db, "select 1", "--time-limit", limit)
    assert result.exit_code == 2 and f"{limit} is not a number of seconds" in result.output, result.output


def test_sql_on_standard_input_is_read_up_to_a_limit_and_as_utf8(mini_db: Path, runner: CliRunner) -> None:
    """A stream that never ends (/dev/zero) or is not text (/dev/urandom) is refused, not waited for."""
    endless = runner.invoke(cli, ["query", "-", "--db", str(mini_db)], input=b"\0" * 1_000_001)
    assert endless.exit_code == 2 and "longer than 1,000,000 bytes" in endless.output, endless.output
    binary = runner.invoke(cli, ["query", "-", "--db", str(mini_db)], input=b"select '\xff'")
    assert binary.exit_code == 2 and "not UTF-8 text (byte 8)" in binary.output, binary.output


@pytest.mark.parametrize("args", [["query", "select '\udcff'"], ["show", "cl\udcff"],
                                  ["check", "mini-trial", "arms[exp]", "--by", "A\udcff"]])
def test_an_argument_that_is_not_utf8_is_a_usage_error(mini_db: Path, runner: CliRunner, args: list[str]) -> None:
    """Bytes the terminal's encoding cannot decode reach Python as lone surrogates: refused by
    name before any command runs, never a traceback from a file, database or terminal."""
    result = runner.invoke(cli, [*args, "--db", str(mini_db)])
    assert result.exit_code == 2, result.output
    assert "is not UTF-8 text" in result.output and "\\xff" in result.output
    assert "Traceback" not in result.output


def test_query_syntax_error_is_reported(mini_db: Path, runner: CliRunner) -> None:
    result = _query(runner, mini_db, "selec 1")
    assert result.exit_code == 1
    assert 'near "selec": syntax error' in result.output


def test_query_sql_may_open_with_a_comment(mini_db: Path, runner: CliRunner) -> None:
    """A saved query usually starts with a `-- comment`: it is the SQL, not an option, before
    or after the options; `-` reads the SQL from standard input."""
    sql = "-- enrolled patients\nselect n_enrolled from v_studies"
    for args in (["query", sql, "--db", str(mini_db), "--format", "csv"],
                 ["query", "--format", "csv", "--db", str(mini_db), sql],
                 ["query", "--format", "csv", "--db", str(mini_db), "--", sql]):
        result = runner.invoke(cli, args)
        assert (result.exit_code, result.output) == (0, "n_enrolled\n770\n"), args
    piped = runner.invoke(cli, ["query", "-", "--db", str(mini_db), "--format", "csv"], input=sql)
    assert (piped.exit_code, piped.output) == (0, "n_enrolled\n770\n")
    empty = runner.invoke(cli, ["query", "-", "--db", str(mini_db)], input="")
    assert empty.exit_code == 2 and "no SQL given (standard input was empty)" in empty.output
    blank = runner.invoke(cli, ["query", "", "--db", str(mini_db)])
    assert blank.exit_code == 2 and "Error: no SQL given\n" in blank.output  # standard input not read
    comment = runner.invoke(cli, ["query", "-- only a comment", "--db", str(mini_db)])
    assert (comment.exit_code, comment.stdout) == (0, "")
    assert comment.stderr == "(the SQL returns no rows: nothing to show)\n"
    typo = runner.invoke(cli, ["query", "--fromat", "csv", "--db", str(mini_db), "select 1"])
    assert typo.exit_code == 2 and "No such option '--fromat'" in typo.output


def test_query_without_database(tmp_path: Path, runner: CliRunner) -> None:
    result = _query(runner, tmp_path / "none.sqlite", "select 1")
    assert result.exit_code == 1
    assert "run `her2db load` first" in result.output
    assert not (tmp_path / "none.sqlite").exists()


def test_studies_and_show(mini_db: Path, runner: CliRunner) -> None:
    listing = runner.invoke(cli, ["studies", "--db", str(mini_db)])
    assert listing.exit_code == 0
    assert "mini-trial" in listing.output and "770" in listing.output
    shown = runner.invoke(cli, ["show", "mini-trial", "--db", str(mini_db)])
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("MINI: A small randomized trial used by the tests")
    for section in ("Arms", "Results by arm", "Comparisons", "Adverse events"):
        assert f"\n{section}\n" in shown.output
    assert "trastuzumab deruxtecan + pertuzumab" in shown.output
    assert "  p < 0.00001  " in shown.output


def test_show_escapes_control_characters_a_database_holds(mini_db: Path, runner: CliRunner) -> None:
    """Curated text holds none (refused as read), but a database is a file anyone may change:
    the terminal never gets a raw escape, bell or right-to-left override from `show`."""
    conn = sqlite3.connect(mini_db)
    with conn:
        conn.execute("UPDATE study SET title = title || ?, notes = ?", ("\x1b[2J", "a bell\x07\nand \u202eRTL"))
    conn.close()
    shown = runner.invoke(cli, ["show", "mini-trial", "--db", str(mini_db)])
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.output and "\x07" not in shown.output and "\u202e" not in shown.output
    assert "\\x1b[2J" in shown.output and "a bell\\x07" in shown.output and "\\u202eRTL" in shown.output


def test_show_unknown_study_is_a_usage_error(mini_db: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["show", "nope", "--db", str(mini_db)])
    assert result.exit_code == 2
    assert "no study 'nope' (known: mini-trial)" in result.output
    pasted = runner.invoke(cli, ["show", "x" * 5_000, "--db", str(mini_db)])
    assert pasted.exit_code == 2 and f"no study '{'x' * 60}…' (5,000 characters)" in pasted.output


def _command_paths(group: click.Group, ctx: click.Context, prefix: tuple[str, ...] = ()
                   ) -> list[tuple[str, ...]]:
    paths = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, ctx, (*prefix, name)))
    return paths


def test_every_command_has_help_with_an_example(runner: CliRunner) -> None:
    commands = _command_paths(cli, click.Context(cli))
    assert {("export",), ("release",), ("site", "build"), ("add", "ae")} <= set(commands)
    for command in commands:
        result = runner.invoke(cli, [*command, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.output, command


def test_every_command_is_listed_with_its_module() -> None:
    """The top-level group imports a command's module only when it runs: its list of
    command modules names every command of every module, and nothing else."""
    import importlib

    from her2db.cli import COMMAND_MODULES

    found = {command.name: module for module in set(COMMAND_MODULES.values())
             for command in importlib.import_module(f"her2db.cli.{module}").COMMANDS}
    assert found == COMMAND_MODULES
    assert CliRunner().invoke(cli, ["nope"]).exit_code == 2

_THRESHOLDS_AFTER = """
import gc, sys
from her2db.cli import main
sys.argv = ["her2db", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("THRESHOLDS:" + repr(gc.get_threshold()) + " " + repr(gc.isenabled()))
"""


@pytest.mark.parametrize(("args", "fewer"), [(["studies", "--db", "{db}"], True), (["export", "--help"], False)])
def test_the_console_script_collects_cycles_less_often_for_quick_commands(mini_db: Path, args: list[str],
                                                                          fewer: bool) -> None:
    """A quick command (an edit, a query, a load) runs with the cycle collector on but looking
    less often, one that may make many reference cycles (the site, exports) at Python's
    defaults; only names of commands are listed."""
    import gc

    from her2db.cli import COLLECTION_THRESHOLDS, COMMAND_MODULES, FEWER_COLLECTIONS

    assert FEWER_COLLECTIONS < set(COMMAND_MODULES)
    done = subprocess.run([sys.executable, "-c", _THRESHOLDS_AFTER, *(a.format(db=mini_db) for a in args)],
                          capture_output=True, text=True, check=True)
    expected = COLLECTION_THRESHOLDS if fewer else gc.get_threshold()
    assert done.stdout.splitlines()[-1] == f"THRESHOLDS:{expected!r} True"
    assert "mini-trial" in done.stdout or not fewer


def test_help_names_every_public_view(runner: CliRunner, mini_db: Path) -> None:
    """The first help an analyst reads lists the views they can query."""
    conn = sqlite3.connect(mini_db)
    views = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")]
    conn.close()
    text = " ".join(runner.invoke(cli, ["--help"]).output.split())
    assert views and [v for v in views if v not in text] == []


_HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "pydantic_core", "yaml", "ruamel", "mkdocs", "matplotlib", "importlib.metadata",
          "asyncio")
_MODULES_AFTER = """
import json, sys
from her2db.cli import cli
try:
    cli(sys.argv[1:], prog_name="her2db")
except SystemExit:
    pass
heavy = sorted(({m.split(".")[0] for m in sys.modules} | set(sys.modules)) & set(json.loads(sys.stdin.read())))
print("HEAVY:" + json.dumps(heavy))
"""


def _heavy_modules(*args: str) -> list[str]:
    """The heavy packages a fresh interpreter imported to run ``her2db ARGS``."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _MODULES_AFTER, *args], input=json.dumps(_HEAVY),
                          capture_output=True, text=True, check=True)
    marker = next(line for line in done.stdout.splitlines() if line.startswith("HEAVY:"))
    return json.loads(marker.removeprefix("HEAVY:"))


def test_help_and_query_start_without_the_orm(corpus: Path, mini_db: Path) -> None:
    """`her2db --help` and `her2db query` stay quick: no SQLAlchemy, SQLModel, pydantic, YAML
    or site libraries are imported for them (the commands that need those import them), and no
    package metadata is read."""
    assert _heavy_modules("--help") == []
    assert _heavy_modules("query", "select count(*) from v_studies", "--db", str(mini_db)) == []
    assert _heavy_modules("studies", "--db", str(mini_db)) == []
    # a command that reads the corpus imports YAML and pydantic-core (the check can see them),
    # but not pydantic: the records are validated by the schemas stored in validators.json
    read = set(_heavy_modules("validate", "--sources", str(corpus)))
    assert {"pydantic_core", "yaml"} <= read and "pydantic" not in read


@pytest.mark.parametrize("command", [["studies"], ["show", "cleopatra"]])
def test_reading_a_file_that_is_not_our_database_is_a_clean_error(command: list[str], runner: CliRunner,
                                                                 tmp_path: Path) -> None:
    """A text file or another program's SQLite database gets a message, never a traceback,
    and is left as it was."""
    text_file = tmp_path / "notes.sqlite"
    text_file.write_text("my notes", encoding="utf-8")
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE x (a)")
    conn.commit()
    conn.close()
    for path in (text_file, other):
        before = path.read_bytes()
        result = runner.invoke(cli, [*command, "--db", str(path)])
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
        assert f"{path} is not a database built by this version of her2db: rebuild it with `her2db load`" \
            in result.output
        assert path.read_bytes() == before


@pytest.mark.parametrize("command", [["studies"], ["show", "mini-trial"]])
def test_a_damaged_database_is_said_not_a_traceback(mini_db: Path, tmp_path: Path, runner: CliRunner,
                                                    command: list[str]) -> None:
    """A database cut short (a full disk, a copy interrupted) reads as damaged, by name."""
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(mini_db.read_bytes()[: mini_db.stat().st_size // 2])
    result = runner.invoke(cli, [*command, "--db", str(damaged)])
    assert result.exit_code == 1, result.output
    assert f"cannot read {damaged}: database disk image is malformed" in result.output
    assert "Traceback" not in result.output


def _stale(corpus: Path) -> None:
    """A study changed behind the database's back (a git pull)."""
    study = corpus / "studies" / "mini-trial.yaml"
    study.write_text(study.read_text(encoding="utf-8").replace("value: 40.7", "value: 41.9"), encoding="utf-8")


PFS_MEDIAN = "select value_text from v_arm_results where endpoint = 'PFS' and statistic = 'median'"


def test_a_stale_database_of_a_curated_folder_is_reloaded_before_it_answers(
        corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    _stale(corpus)
    result = runner.invoke(cli, ["query", PFS_MEDIAN, "--db", str(mini_db), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["value_text", "41.9"]
    assert f"note: {mini_db} was loaded from other versions of the files in {corpus}; reloaded" in result.stderr


@pytest.mark.parametrize("command", [["query", PFS_MEDIAN, "--format", "csv"], ["show", "mini-trial"]])
def test_another_database_kept_in_a_curated_folder_is_read_as_it_is_never_rebuilt(
        corpus: Path, mini_db: Path, runner: CliRunner, command: list[str]) -> None:
    """An older database kept beside the files (a release, a download) answers for itself."""
    kept = corpus / "her2db-2026.06.sqlite"
    kept.write_bytes(mini_db.read_bytes())
    _stale(corpus)
    before = kept.read_bytes()
    result = runner.invoke(cli, [*command, "--db", str(kept)])
    assert result.exit_code == 0, result.output
    assert "40.7" in result.stdout and "41.9" not in result.stdout and "reloaded" not in result.stderr
    assert kept.read_bytes() == before


def test_a_downloaded_database_in_a_folder_with_a_studies_folder_is_read(tmp_path: Path, mini_db: Path,
                                                                         runner: CliRunner) -> None:
    """A folder that happens to hold a ``studies`` folder is no curated folder without sources.yaml."""
    folder = tmp_path / "downloads"
    (folder / "studies").mkdir(parents=True)
    (folder / "studies" / "notes.txt").write_text("mine\n", encoding="utf-8")
    db = folder / "her2db.sqlite"
    db.write_bytes(mini_db.read_bytes())
    result = runner.invoke(cli, ["query", PFS_MEDIAN, "--db", str(db), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["value_text", "40.7"]
    assert db.read_bytes() == mini_db.read_bytes()


def test_a_stale_database_that_cannot_be_reloaded_is_refused_cleanly(
        corpus: Path, mini_db: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """A shared read-only checkout after a pull (the database cannot be replaced), or a file
    in the folder nobody may read: said in one line, the database kept as it was."""
    _stale(corpus)
    before = mini_db.read_bytes()
    replace, read_bytes = os.replace, Path.read_bytes
    secret = corpus / "private.txt"

    def refuse(src: str, dst: str) -> None:
        if Path(dst) == mini_db:
            raise PermissionError(13, "Permission denied")
        replace(src, dst)

    def unreadable(path: Path) -> bytes:
        if path == secret:
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", refuse)
        result = runner.invoke(cli, ["query", PFS_MEDIAN, "--db", str(mini_db)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {mini_db} was loaded from other versions of the files in {corpus} "
                                    f"and cannot be reloaded: cannot write the database {mini_db}")
    assert "Traceback" not in result.output and mini_db.read_bytes() == before
    secret.write_text("mine\n", encoding="utf-8")
    monkeypatch.setattr(Path, "read_bytes", unreadable)
    result = runner.invoke(cli, ["studies", "--db", str(mini_db)])
    assert result.exit_code == 1
    assert f"Error: cannot check {mini_db} against the files in {corpus}: Permission denied ({secret})" \
        in result.output
    assert "Traceback" not in result.output and mini_db.read_bytes() == before


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full (a device that is always full)")
@pytest.mark.parametrize("command", [["query", "select 1"], ["show", "mini-trial"], ["studies"]])
def test_an_output_that_cannot_be_written_is_said_in_one_line(mini_db: Path, command: list[str]) -> None:
    """Standard output on a full disk: one line on standard error, no traceback, exit 1."""
    before = mini_db.read_bytes()
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-c", "from her2db.cli import cli; cli(prog_name='her2db')",
                               *command, "--db", str(mini_db)], stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=60)  # not _her2db: standard output is the full device, not captured
    assert done.returncode == 1
    assert done.stderr == "Error: cannot write the output: No space left on device\n"
    assert mini_db.read_bytes() == before


@pytest.mark.skipif(not Path("/proc/self/mem").exists() or not Path("/dev/full").exists(),
                    reason="needs Linux's /proc/self/mem and /dev/full")
def test_a_file_that_fails_to_read_is_not_blamed_on_the_output(mini_db: Path) -> None:
    """A read that fails (a file the system refuses, standard input opened for writing) is said
    as what it is, not as an output that cannot be written."""
    done = _her2db("diff", "/proc/self/mem", str(mini_db))
    assert (done.returncode, done.stderr) == (1, "Error: Input/output error\n")
    with open("/dev/full", "w") as write_only:
        done = _her2db("query", "-", "--db", str(mini_db), stdin=write_only)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "Error: cannot read the SQL from standard input: Bad file descriptor" in done.stderr


def test_a_stale_linked_database_is_not_written_through_by_a_reading_command(
        corpus: Path, tmp_path: Path, runner: CliRunner) -> None:
    """A download kept elsewhere and linked as db/her2db.sqlite: a reading command writes
    nothing outside the folder, so it says how to bring it up to date; an empty database file
    is called empty (then reloaded)."""
    shared = tmp_path / "downloads" / "her2db-2026.06.sqlite"
    shared.parent.mkdir()
    load(corpus, shared)
    link = corpus / "her2db.sqlite"
    link.symlink_to(shared)
    _stale(corpus)
    before = shared.read_bytes()
    result = runner.invoke(cli, ["query", PFS_MEDIAN, "--db", str(link)])
    assert result.exit_code == 1
    assert (f"Error: {link} was loaded from other versions of the files in {corpus}; it is a link, which a "
            f"reading command does not write through: bring it up to date with `her2db load --db {link}`"
            ) in result.output
    assert shared.read_bytes() == before and link.is_symlink()
    link.unlink()
    link.write_bytes(b"")
    result = runner.invoke(cli, ["query", PFS_MEDIAN, "--db", str(link), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert f"note: {link} is empty; reloaded" in result.stderr and "41.9" in result.stdout


@pytest.mark.parametrize("command", [["query", PFS_MEDIAN, "--format", "csv"], ["show", "mini-trial"]])
def test_the_database_of_a_curated_folder_built_by_another_version_is_reloaded(
        corpus: Path, mini_db: Path, runner: CliRunner, command: list[str]) -> None:
    """After an upgrade: answered from the files by this version's tables, never from the old ones."""
    _stale(corpus)
    conn = sqlite3.connect(mini_db)
    conn.execute("PRAGMA user_version = 1")  # the stamp of another schema
    conn.close()
    result = runner.invoke(cli, [*command, "--db", str(mini_db)])
    assert result.exit_code == 0, result.output
    assert "41.9" in result.stdout and "40.7" not in result.stdout
    assert f"note: {mini_db} was built by another version of her2db; reloaded" in result.stderr


def test_a_foreign_database_of_that_name_in_a_curated_folder_is_read_as_it_is(
        corpus: Path, runner: CliRunner) -> None:
    """A SQLite file her2db did not build is never replaced by a reload."""
    db = corpus / "her2db.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("create table notes (text)")
    conn.execute("insert into notes values ('mine')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    result = runner.invoke(cli, ["query", "select text from notes", "--db", str(db), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["text", "mine"] and db.read_bytes() == before


def test_sql_from_a_closed_standard_input_is_a_usage_error(mini_db: Path) -> None:
    """``her2db query - <&-``: started with no standard input at all."""
    done = _her2db("query", "-", "--db", str(mini_db), preexec_fn=lambda: os.close(0))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "Error: standard input is closed: give the SQL as the argument, or pipe it in" in done.stderr


@pytest.mark.parametrize("args", [["export", ""], ["validate", "--sources", ""], ["query", "select 1", "--db", ""],
                                  ["import-csv", "mini-trial", "", "--kind", "ae"], ["site", "build", "--config", ""]])
def test_an_empty_name_is_a_usage_error_not_the_current_folder(tmp_path: Path, runner: CliRunner,
                                                               monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    """``""`` (an unset variable in a script) would otherwise mean the folder the command runs in."""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "an empty name: give a file or folder (use . for the current folder)" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["pipe", "/dev/null"])
def test_a_database_that_is_no_file_is_said_as_such_never_opened(tmp_path: Path, runner: CliRunner,
                                                                 name: str) -> None:
    """A pipe is never opened (reading it would wait for a writer forever), nor a device; a link
    to nothing is said as one, not as a database to load."""
    path = tmp_path / name
    if name == "pipe":
        os.mkfifo(path)
    result = runner.invoke(cli, ["query", "select 1", "--db", str(path)])
    assert result.exit_code == 1
    assert f"Error: {path} is not a database file (a folder, a pipe or a device)" in result.output
    link = tmp_path / "link.sqlite"
    link.symlink_to(tmp_path / "nowhere.sqlite")
    result = runner.invoke(cli, ["query", "select 1", "--db", str(link)])
    assert result.exit_code == 1
    assert f"Error: {link} is a link to nothing ({tmp_path / 'nowhere.sqlite'}): name the database file" in result.output


def test_a_full_disk_during_the_reload_of_a_reading_command_is_one_line(
        corpus: Path, mini_db: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's "database or disk is full" while the new database is written: said, the old
    database kept, no temporary file left."""
    from her2db.store import write

    _stale(corpus)
    before = mini_db.read_bytes()

    def full(path: Path, rows_for: object) -> dict[str, int]:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(write, "write_database", full)
    result = runner.invoke(cli, ["query", PFS_MEDIAN, "--db", str(mini_db)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (f"and cannot be reloaded: cannot write the database {mini_db}: database or disk is full; "
            "run `her2db load`") in result.output, result.output
    assert mini_db.read_bytes() == before
    assert [p.name for p in corpus.iterdir() if p.name.startswith(f".{mini_db.name}.")] == []
