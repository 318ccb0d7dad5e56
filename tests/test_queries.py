"""``her2db query`` on hostile SQL and awkward paths: valid output in every format, bounded
memory, refusals that say what was refused, a database it can neither change nor mistake."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from her2db_testing import make_corpus

from her2db.cli import cli
from her2db.curate.load import load
from her2db.read.formats import render
from her2db.read.runner import MAX_RESULT_BYTES, QueryError, QueryResult, run_query
from her2db.store.sqlite import connect_readonly, readonly_uri


@pytest.fixture(scope="module")
def mini_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small database for the module: no test here may change it (each checks that)."""
    corpus = make_corpus(tmp_path_factory.mktemp("queries") / "db")
    load(corpus, corpus / "her2db.sqlite")
    return corpus / "her2db.sqlite"


def _query(runner: CliRunner, db: Path, sql: str, *extra: str):
    return runner.invoke(cli, ["query", sql, "--db", str(db), *extra])


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_database_in_a_folder_named_with_uri_characters(mini_db: Path, tmp_path: Path,
                                                        runner: CliRunner) -> None:
    folder = tmp_path / "a #?% b"
    folder.mkdir()
    db = folder / "her2db.sqlite"
    shutil.copy(mini_db, db)
    assert "%23%3F%25" in readonly_uri(db) and readonly_uri(db).endswith("?mode=ro")
    before, around = _files(folder), sorted(p.name for p in tmp_path.iterdir())
    result = _query(runner, db, "select study_id from v_studies", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["study_id", "mini-trial"]
    assert runner.invoke(cli, ["studies", "--db", str(db)]).exit_code == 0
    assert runner.invoke(cli, ["show", "mini-trial", "--db", str(db)]).exit_code == 0
    refused = _query(runner, db, "delete from study")
    assert refused.exit_code == 1 and "read-only" in refused.output
    assert _files(folder) == before  # unchanged, and no empty file created beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == around
    conn = connect_readonly(db)
    try:
        assert conn.execute("PRAGMA query_only").fetchone()[0] == 1
    finally:
        conn.close()


def test_json_is_always_valid(mini_db: Path, runner: CliRunner) -> None:
    result = _query(runner, mini_db, "select 1e999 as up, -1e999 as down, x'00ff10' as raw, "
                                     "'line\nbreak \"q\"' as text, null as nil, 0.00001 as p",
                    "--format", "json")
    assert result.exit_code == 0, result.output

    def strict(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")

    assert json.loads(result.output, parse_constant=strict) == [
        {"up": "Infinity", "down": "-Infinity", "raw": "X'00FF10'", "text": 'line\nbreak "q"',
         "nil": None, "p": 0.00001}]
    assert render(QueryResult(["x"], [(float("nan"),)]), "json") == '[\n{"x":"NaN"}\n]'


def test_blobs_print_as_hex_literals_in_text_formats(mini_db: Path, runner: CliRunner) -> None:
    for fmt in ("table", "csv", "markdown"):
        result = _query(runner, mini_db, "select x'CAFE' as b", "--format", fmt)
        assert "X'CAFE'" in result.output and "b'" not in result.output, fmt


def test_markdown_rows_never_break(mini_db: Path, runner: CliRunner) -> None:
    sql = ("select 'a|b' as \"x|y\", 'one\ntwo\r\nthree' as lines, 'plain' as p "
           "union all select '|', '', 'x'")
    result = _query(runner, mini_db, sql, "--format", "markdown")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 4  # header, rule, two rows
    assert lines[0].startswith("| x\\|y")
    assert "a\\|b" in lines[2] and "one<br>two<br>three" in lines[2]
    unescaped = [line.replace("\\|", "").count("|") for line in lines]
    assert unescaped == [4, 4, 4, 4]


@pytest.mark.parametrize("sql", [
    "select zeroblob(1e9)",
    "select length(zeroblob(1e9))",
    "with recursive r(x) as (select 1 union all select x + 1 from r limit 100000) "
    "select group_concat(printf('%0500d', x)) from r",
])
def test_a_huge_value_stops_cleanly(mini_db: Path, runner: CliRunner, sql: str) -> None:
    before = mini_db.read_bytes()
    result = _query(runner, mini_db, sql)
    assert result.exit_code == 1
    assert "Error: a value of the result would be larger than 10 MB: the query was stopped" in result.output
    assert mini_db.read_bytes() == before


def test_a_huge_result_stops_cleanly(mini_db: Path, runner: CliRunner) -> None:
    rows = MAX_RESULT_BYTES // 5_000_000 + 1
    sql = ("with recursive r(x) as (select 1 union all select x + 1 from r limit "
           f"{rows}) select zeroblob(5000000) from r")
    result = _query(runner, mini_db, sql, "--format", "csv")
    assert result.exit_code == 1
    assert ("Error: the result is larger than 50 MB: select fewer rows or columns (--max-rows)"
            in result.output)


def test_a_huge_result_is_stopped_at_the_row_that_crosses_the_cap() -> None:
    """Rows are read one at a time and counted as they come: a result of 600 rows of 9 MB stops
    at its sixth row, never holding hundreds of them (gigabytes) before it is measured."""
    conn = sqlite3.connect(":memory:")
    produced: list[int] = []
    conn.create_function("produced", 1, lambda x: produced.append(x) or x)
    sql = ("with recursive r(x) as (select 1 union all select x + 1 from r limit 600) "
           "select produced(x), zeroblob(9000000) from r")
    with pytest.raises(QueryError, match="the result is larger than 50 MB"):
        run_query(conn, sql)
    assert len(produced) <= MAX_RESULT_BYTES // 9_000_000 + 2  # Python's sqlite3 steps one row ahead


@pytest.mark.parametrize("sql,message", [
    ("select load_extension('x')", "load_extension is not allowed"),
    ("select load_extension('/usr/lib/x86_64-linux-gnu/libsqlite3.so.0', 'x')",
     "load_extension is not allowed"),
    ("attach database 'other.sqlite' as other", "ATTACH and DETACH are not allowed"),
    ("detach database main", "ATTACH and DETACH are not allowed"),
])
def test_refusals_say_what_was_refused(mini_db: Path, runner: CliRunner, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch, sql: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    before = _files(mini_db.parent)
    result = _query(runner, mini_db, sql)
    assert result.exit_code == 1
    assert f"Error: {message}" in result.output
    assert "not authorized" not in result.output
    assert not (tmp_path / "other.sqlite").exists()
    assert _files(mini_db.parent) == before


def test_ordinary_functions_still_work(mini_db: Path, runner: CliRunner) -> None:
    result = _query(runner, mini_db, "select upper(acronym), length(title), group_concat(study_id) "
                                     "from v_studies", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == "MINI,42,mini-trial"


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json"])
def test_every_format_prints_a_number_as_printed(fmt: str) -> None:
    """With its printed text in the result, 0.70 stays 0.70 in every format, not only in CSV."""
    text = render(QueryResult(["estimate", "estimate_text"], [(0.7, "0.70")]), fmt)
    assert "0.70" in text.replace("0.70", "", 1), text  # the value, and its text beside it
    assert "0.7 " not in text + " " and "0.7|" not in text.replace(" ", "")


def test_json_refuses_a_column_name_given_twice(mini_db: Path, runner: CliRunner) -> None:
    """A JSON object holds a key once (most readers keep the last value): refused, with how to
    name the columns; CSV and the table keep both columns."""
    sql = "select 1 as a, 2 as a"
    result = runner.invoke(cli, ["query", "--db", str(mini_db), "--format", "json", sql])
    assert result.exit_code == 1, result.output
    assert ("the column name(s) 'a' appear more than once: name each column (… AS other_name) "
            "for JSON output") in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(cli, ["query", "--db", str(mini_db), "--format", "csv", sql])
    assert result.exit_code == 0 and result.output.splitlines()[:2] == ["a,a", "1,2"], result.output


def test_a_file_that_is_no_sqlite_database_is_named(tmp_path: Path, runner: CliRunner) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database\n", encoding="utf-8")
    for sql in ("select 1", "select * from v_studies"):
        result = runner.invoke(cli, ["query", "--db", str(junk), sql])
        assert result.exit_code == 1, result.output
        assert f"{junk} is not a SQLite database; name the file `her2db load` wrote" in result.output
    assert junk.read_text(encoding="utf-8") == "not a database\n"
