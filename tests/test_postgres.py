"""The PostgreSQL backend against a real server: a throwaway cluster (initdb, pg_ctl) in a
temporary folder on a free loopback port, started once for the session and removed at the end.

The real corpus is loaded into SQLite and into PostgreSQL, and every public view, every named
query of the site and of ``her2db show`` must give the same rows on both. Then what a user of
``--database-url`` would notice: read-only queries with a time limit and caps, clean messages
that never show the password, loads that replace only our own schema and leave the previous
data intact when they fail, and the site built from PostgreSQL.

As root the server refuses to run, so the cluster is run as the ``postgres`` user (runuser).
Without PostgreSQL the tests skip, except on CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import math
import os
import pwd
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from her2db_testing import REAL_SOURCES, make_corpus
from sitebuild import Built, copy_project

from her2db.cli import cli
from her2db.curate.load import ensure_database, load
from her2db.read import named as sitequeries
from her2db.read import results as queries
from her2db.read import runner_pg
from her2db.store import connect as db
from her2db.store import postgres as pg
from her2db.store.sqlite import VIEWS_SQL

try:
    import psycopg
except ImportError:  # the test extras install it
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("psycopg is not installed: pip install -e '.[test]'", allow_module_level=True)

ADMIN = "her2db_test"
PASSWORD = "s3cr#t:p@ss/" + secrets.token_hex(4)  # characters a URL must percent-encode
STUDY_IDS = sorted(p.stem for p in (REAL_SOURCES / "studies").glob("*.yaml"))


def _bindir() -> Path | None:
    """The folder of initdb and pg_ctl: Debian's /usr/lib/postgresql/<major>/bin (newest), or PATH."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    port: int
    folder: Path

    def url(self, database: str, password: str = PASSWORD, user: str = ADMIN) -> str:
        return f"postgresql://{user}:{quote(password, safe='')}@127.0.0.1:{self.port}/{database}"

    def admin(self, database: str = "postgres") -> Any:
        return psycopg.connect(host="127.0.0.1", port=self.port, user=ADMIN, password=PASSWORD,
                               dbname=database, autocommit=True)

    def create_database(self, name: str) -> str:
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    bindir = _bindir()
    if bindir is None:
        message = "PostgreSQL is not installed (Debian: apt-get install postgresql; `make test` does it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    folder = Path(tempfile.mkdtemp(prefix="her2db-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # postgres refuses to run as root: run it as the postgres user
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root, and there is no `postgres` user to run the server as")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    password_file = folder / "password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    if prefix:
        os.chown(password_file, owner.pw_uid, owner.pw_gid)
    data, log, port = folder / "data", folder / "server.log", _free_port()

    def run(*command: str) -> None:
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            extra = log.read_text(errors="replace") if log.exists() else ""
            pytest.fail(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}{extra}")

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", ADMIN, f"--pwfile={password_file}",
            "--auth=scram-sha-256", "-E", "UTF8", "--no-locale")
        run(str(bindir / "pg_ctl"), "start", "-w", "-t", "120", "-D", str(data), "-l", str(log), "-o",
            f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off")
        yield Server(port, folder)
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([*prefix, str(bindir / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(data)],
                           capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def loaded(server: Server) -> str:
    """A database holding the real corpus; tests that use it only read."""
    url = server.create_database("real")
    load(REAL_SOURCES, Path("unused.sqlite"), database_url=url)
    return url


@pytest.fixture
def fresh(server: Server) -> str:
    """An empty database of its own for one test."""
    return server.create_database(f"t_{secrets.token_hex(6)}")


@pytest.fixture(scope="session")
def engines(real_db: Path, loaded: str) -> Iterator[tuple[sqlite3.Connection, pg.Connection]]:
    lite, post = db.connect(real_db), db.connect(Path("unused"), loaded)
    yield lite, post
    lite.close()
    post.close()


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), env=env)


def secret_free(text: str, password: str = PASSWORD) -> bool:
    return password not in text and quote(password, safe="") not in text


def _same(value: Any) -> Any:
    """A value compared across engines: floats exactly (both store IEEE doubles; NaN equal to
    itself), everything else as it is (booleans already read as 0/1 from both)."""
    if isinstance(value, float):
        return ("float", "nan") if math.isnan(value) else ("float", value)
    return (type(value).__name__, value)


def _rows(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [tuple(_same(v) for v in row) for row in rows]


def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((value is not None, repr(value)) for value in row)


# --- the same rows on both engines -----------------------------------------------------------


def test_every_public_view_returns_the_same_rows(engines: tuple[Any, Any]) -> None:
    lite, post = engines
    views = sitequeries.public_views(lite)
    assert views == sitequeries.public_views(post)
    assert {"v_studies", "v_arm_results", "v_comparisons", "v_adverse_events", "v_characteristics",
            "v_sources"} <= set(views)
    for view in views:
        lite_rows = lite.execute(f'SELECT * FROM "{view}"')
        post_rows = post.execute(f'SELECT * FROM "{view}"')
        assert [d[0] for d in lite_rows.description] == [d.name for d in post_rows.description], view
        expected = sorted(_rows(lite_rows.fetchall()), key=_sort_key)
        assert expected, view
        assert sorted(_rows(post_rows.fetchall()), key=_sort_key) == expected, view
        # the downloads read each view in one fixed order on both engines
        assert sitequeries.view_rows(post, view) == sitequeries.view_rows(lite, view), view


def test_printed_numbers_are_identical_text(engines: tuple[Any, Any]) -> None:
    lite, post = engines
    sql = ("SELECT result_id, value_text, ci_low_text, ci_high_text, value_upper_text FROM v_arm_results "
           "ORDER BY result_id")
    lite_rows = [tuple(r) for r in lite.execute(sql)]
    assert [tuple(r) for r in post.execute(sql)] == lite_rows
    assert any(r[1] == "40.7" for r in lite_rows)


@pytest.mark.parametrize("name", sorted(p.stem for p in sitequeries.SQL_DIR.glob("*.sql")
                                        if "." not in p.stem and p.stem.startswith(("site_", "example_", "fhir_"))))
def test_every_named_query_gives_the_same_rows_in_the_same_order(engines: tuple[Any, Any], name: str) -> None:
    lite, post = engines
    text = sitequeries.sql(name)
    cases: list[dict[str, str]] = [{}]
    if ":study_id" in text:
        cases = [{"study_id": sid} for sid in STUDY_IDS]
    elif ":view" in text:
        cases = [{"view": view} for view in sitequeries.public_views(lite)]
    for params in cases:
        expected = sitequeries.rows(lite, name, **params)
        assert sitequeries.rows(post, name, **params) == expected, (name, params)


def test_show_and_studies_print_the_same_on_both_engines(real_db: Path, loaded: str) -> None:
    for args in [["studies"], ["studies", "--format", "json"]] + [["show", sid] for sid in STUDY_IDS]:
        on_sqlite = run(*args, "--db", str(real_db))
        on_postgres = run(*args, "--database-url", loaded)
        assert on_sqlite.exit_code == 0, on_sqlite.output
        assert on_postgres.output == on_sqlite.output, args


def test_the_catalogue_variants_stay_in_step() -> None:
    """Only the catalogue queries have a PostgreSQL variant; each has its SQLite original."""
    variants = sorted(sitequeries.SQL_DIR.glob("*.postgresql.sql"))
    assert [p.name for p in variants] == ["site_view_columns.postgresql.sql", "site_views.postgresql.sql"]
    for variant in variants:
        assert (sitequeries.SQL_DIR / variant.name.replace(".postgresql", "")).is_file()


# --- her2db query on PostgreSQL --------------------------------------------------------------


def _count(server: Server, database: str = "real") -> int:
    with server.admin(database) as conn:
        return conn.execute("SELECT count(*) FROM her2db.study").fetchone()[0]


@pytest.mark.parametrize(("sql", "message"), [
    ("insert into study (id, acronym, title, kind, setting) values ('x', 'x', 'x', 'x', 'x')",
     runner_pg.READ_ONLY_MESSAGE),
    ("update study set acronym = 'changed'", runner_pg.READ_ONLY_MESSAGE),
    ("delete from study", runner_pg.READ_ONLY_MESSAGE),
    ("drop table study", runner_pg.READ_ONLY_MESSAGE),
    ("create table scratch (a int)", runner_pg.READ_ONLY_MESSAGE),
    ("copy study to stdout", runner_pg.READ_ONLY_MESSAGE),
    ("  -- a comment first\n(delete from study)", runner_pg.READ_ONLY_MESSAGE),
    ("with gone as (delete from study returning id) select * from gone", runner_pg.READ_ONLY_MESSAGE),
    ("explain analyze delete from study", runner_pg.READ_ONLY_MESSAGE),
    ("select set_config('transaction_read_only', 'off', false)",
     "transaction read-write mode must be set before any query"),
])
def test_query_is_read_only(server: Server, loaded: str, sql: str, message: str) -> None:
    before = _count(server)
    result = run("query", sql, "--database-url", loaded)
    assert result.exit_code == 1, result.output
    assert result.output == f"Error: {message}\n"
    assert _count(server) == before


def test_query_time_limit_is_a_statement_timeout(loaded: str) -> None:
    result = run("query", "select pg_sleep(30)", "--time-limit", "0.2", "--database-url", loaded)
    assert result.exit_code == 1
    assert result.output.strip() == "Error: query stopped after the time limit of 0.2 s"


def test_query_caps_on_postgresql(loaded: str) -> None:
    too_big = run("query", "select repeat('x', 20000000) as big", "--database-url", loaded)
    assert too_big.exit_code == 1
    assert "larger than 10 MB" in too_big.output
    many = run("query", "select repeat('x', 5000000) from generate_series(1, 20)", "--database-url", loaded)
    assert many.exit_code == 1
    assert "larger than 50 MB" in many.output
    capped = run("query", "select study_id from v_studies order by study_id", "--max-rows", "3",
                 "--format", "csv", "--database-url", loaded)
    assert capped.exit_code == 0
    assert capped.stdout.splitlines() == ["study_id", *STUDY_IDS[:3]]
    assert "output cut at 3 rows" in capped.stderr


def test_query_output_matches_sqlite(real_db: Path, loaded: str) -> None:
    sql = ("select study_id, endpoint, subgroup, estimate, ci_low, ci_high, estimate_text, p_value "
           "from v_comparisons order by comparison_id")
    for fmt in queries.FORMATS:
        on_sqlite = run("query", sql, "--format", fmt, "--db", str(real_db))
        assert on_sqlite.exit_code == 0
        assert run("query", sql, "--format", fmt, "--database-url", loaded).output == on_sqlite.output


def test_query_from_a_file_opening_with_a_comment(loaded: str) -> None:
    sql = "-- how many studies?\nselect count(*) as n from v_studies; -- all of them\n"
    result = CliRunner().invoke(cli, ["query", "-", "--format", "csv", "--database-url", loaded], input=sql)
    assert result.output == f"n\n{len(STUDY_IDS)}\n"


def test_query_errors_are_clean(loaded: str) -> None:
    result = run("query", "selec 1", "--database-url", loaded)
    assert result.exit_code == 1
    assert result.output.startswith('Error: syntax error at or near "selec"')
    assert "Traceback" not in result.output and "her2db_fits" not in result.output
    assert run("query", "select '100%' as share, ':kept' as colon", "--format", "csv",
               "--database-url", loaded).output == "share,colon\n100%,:kept\n"


# --- connections: clean messages, the password never shown -------------------------------------


def test_wrong_password(server: Server, loaded: str) -> None:
    wrong = "Wr0ng-" + secrets.token_hex(6)
    result = run("studies", "--database-url", server.url("real", password=wrong))
    assert result.exit_code == 1
    assert "password authentication failed" in result.output
    assert f"postgresql://{ADMIN}:***@127.0.0.1:{server.port}/real" in result.output
    assert secret_free(result.output, wrong) and "Traceback" not in result.output


@pytest.mark.parametrize("command", [["query", "select 1"], ["studies"], ["show", "patina"], ["load"],
                                     ["site", "build"]])
def test_unreachable_server(server: Server, command: list[str]) -> None:
    closed = _free_port()
    result = run(*command, "--database-url", server.url("real").replace(str(server.port), str(closed)))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: cannot connect to postgresql://{ADMIN}:***@127.0.0.1:{closed}/real")
    assert secret_free(result.output) and "Traceback" not in result.output


@pytest.mark.parametrize(("url", "expected"), [
    ("mysql://user:Hunter2pw@localhost/db", "mysql://user:***@localhost/db is not a URL of a supported engine"),
    ("sqlite://", "is not a SQLite URL of a file"),
    ("postgresql://user:Hunter2pw@localhost:notaport/db", "postgresql://user:***@localhost:notaport/db"),
])
def test_bad_urls(url: str, expected: str) -> None:
    result = run("query", "select 1", "--database-url", url)
    assert result.exit_code in (1, 2), result.output
    assert expected in " ".join(result.output.split())
    assert "Hunter2pw" not in result.output and "Traceback" not in result.output


def test_a_database_without_her2db(server: Server, fresh: str) -> None:
    result = run("studies", "--database-url", fresh)
    assert result.exit_code == 1
    assert "has no her2db schema; run `her2db load --database-url ...` first" in result.output
    assert secret_free(result.output)


def test_db_and_database_url_exclude_each_other(loaded: str, real_db: Path) -> None:
    given = run("query", "select 1", "--db", str(real_db), "--database-url", loaded)
    assert given.exit_code == 2
    assert "--db and --database-url name two databases: give only one" in given.output
    from_env = run("studies", "--db", str(real_db), env={"HER2DB_DATABASE_URL": loaded})
    assert from_env.exit_code == 2
    assert "--db and HER2DB_DATABASE_URL name two databases" in from_env.output
    assert secret_free(given.output + from_env.output)
    # the variable alone is enough
    assert run("query", "select count(*) as n from v_studies", "--format", "csv",
               env={"HER2DB_DATABASE_URL": loaded}).output == f"n\n{len(STUDY_IDS)}\n"


def test_mask() -> None:
    assert pg.mask("postgresql://u:p%40ss@h:5432/d?sslmode=require") == "postgresql://u:***@h:5432/d?sslmode=require"
    assert pg.mask("postgresql://h/d?user=u&password=pw") == "postgresql://h/d?user=u&password=***"
    assert pg.mask("postgresql://u@h/d") == "postgresql://u@h/d"
    assert pg.scrub("FATAL: p@ss and p%40ss", "postgresql://u:p%40ss@h/d") == "FATAL: *** and ***"


# --- loading ---------------------------------------------------------------------------------


def test_load_prints_the_masked_url_and_builds_tables_and_views(server: Server, fresh: str) -> None:
    result = run("load", "-q", "--database-url", fresh)
    assert result.exit_code == 0, result.output
    name = fresh.rsplit("/", 1)[1]
    assert result.output.startswith(f"Loaded {len(STUDY_IDS)} studies")
    assert f"into postgresql://{ADMIN}:***@127.0.0.1:{server.port}/{name}" in result.output
    assert secret_free(result.output)
    with server.admin(name) as conn:
        schemas = [r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'her2db%'")]
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'her2db'")}
        views = {r[0] for r in conn.execute("SELECT viewname FROM pg_views WHERE schemaname = 'her2db'")}
    assert schemas == ["her2db"]
    from sqlmodel import SQLModel

    assert tables == {t.name for t in SQLModel.metadata.sorted_tables}
    assert views == {line.split()[2] for line in VIEWS_SQL.read_text(encoding="utf-8").splitlines()
                     if line.startswith("CREATE VIEW")}


def test_failed_load_leaves_the_previous_data(server: Server, fresh: str, tmp_path: Path) -> None:
    """A load that fails at its very end (the old schema cannot be dropped because another
    session holds a lock on it) rolls everything back: the old rows, no half-built schema."""
    name = fresh.rsplit("/", 1)[1]
    assert run("load", "-q", "--database-url", fresh).exit_code == 0
    corpus = make_corpus(tmp_path / "db")  # one study only
    with server.admin(name) as holder:
        holder.autocommit = False
        holder.execute("LOCK TABLE her2db.study IN ACCESS SHARE MODE")
        result = run("load", "-q", "--sources", str(corpus),
                     "--database-url", fresh + "?options=-c%20lock_timeout%3D200")
        holder.rollback()
    assert result.exit_code == 1
    assert "nothing was changed" in result.output and "lock timeout" in result.output
    assert secret_free(result.output) and "Traceback" not in result.output
    with server.admin(name) as conn:
        assert conn.execute("SELECT count(*) FROM her2db.study").fetchone()[0] == len(STUDY_IDS)
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'her2db_new'").fetchone()[0] == 0
    # and the next load, unhindered, replaces the data
    assert run("load", "-q", "--sources", str(corpus), "--database-url", fresh).exit_code == 0
    assert run("studies", "--format", "csv", "--database-url", fresh).output.splitlines()[1:] == \
        ["mini-trial,MINI,randomized trial,3,metastatic,first line,770"]


def test_invalid_corpus_leaves_the_previous_data(server: Server, fresh: str, tmp_path: Path) -> None:
    assert run("load", "-q", "--database-url", fresh).exit_code == 0
    corpus = make_corpus(tmp_path / "db")
    study = corpus / "studies" / "mini-trial.yaml"
    study.write_text(study.read_text(encoding="utf-8").replace("ci_high: 0.71", "ci_high: 0.50"), encoding="utf-8")
    result = run("load", "--sources", str(corpus), "--database-url", fresh)
    assert result.exit_code == 1
    assert "does not contain the estimate" in result.output
    assert "was not changed" in result.output and secret_free(result.output)
    assert _count(server, fresh.rsplit("/", 1)[1]) == len(STUDY_IDS)


@pytest.mark.parametrize("schema", ["her2db", "her2db_new"])
def test_load_refuses_a_schema_it_did_not_create(server: Server, fresh: str, schema: str) -> None:
    name = fresh.rsplit("/", 1)[1]
    with server.admin(name) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"CREATE TABLE {schema}.precious (a int)")
        conn.execute(f"INSERT INTO {schema}.precious VALUES (42)")
    result = run("load", "-q", "--database-url", fresh)
    assert result.exit_code == 2
    assert f"schema {schema} in postgresql://{ADMIN}:***@" in result.output
    assert "was not created by her2db; refusing to replace it" in result.output
    with server.admin(name) as conn:
        assert conn.execute(f"SELECT a FROM {schema}.precious").fetchall() == [(42,)]


def test_text_sorts_alike_whatever_the_server_locale(engines: tuple[Any, Any]) -> None:
    """Text columns are created with the "C" collation: ORDER BY sorts as SQLite does."""
    lite, post = engines
    sql = "SELECT label FROM arm ORDER BY label"
    assert [r[0] for r in post.execute(sql)] == [r[0] for r in lite.execute(sql)]
    collations = post.execute("SELECT DISTINCT collation_name FROM information_schema.columns "
                              "WHERE table_schema = 'her2db' AND data_type = 'character varying'")
    assert [r[0] for r in collations] == ["C"]


def test_sqlite_url_names_a_file(tmp_path: Path, corpus: Path) -> None:
    target = tmp_path / "via-url.sqlite"
    loaded = run("load", "-q", "--sources", str(corpus), "--database-url", f"sqlite:///{target}")
    assert loaded.exit_code == 0 and f"into {target} " in loaded.output  # the file, as written
    assert run("studies", "--format", "csv", "--database-url", f"sqlite:///{target}").output.splitlines()[1] \
        .startswith("mini-trial,MINI")


# --- the site, read from PostgreSQL ----------------------------------------------------------


def test_site_built_from_postgresql_equals_the_sqlite_build(server: Server, tmp_path: Path, built: Built) -> None:
    """Every page built from PostgreSQL is the page the session built from SQLite, byte for byte."""
    url = server.create_database("site")
    config = copy_project(tmp_path / "postgresql")
    result = run("site", "build", "--config", str(config), "--sources", str(config.parent / "db"),
                 "--database-url", url)
    assert result.exit_code == 0, result.output
    public = {"sqlite": built.public, "postgresql": config.parent / "public"}
    pages = sorted(p.relative_to(public["sqlite"]) for p in public["sqlite"].rglob("*.html"))
    assert len(pages) > 30
    for page in pages:
        assert (public["postgresql"] / page).read_bytes() == (public["sqlite"] / page).read_bytes(), page
    downloads = public["sqlite"] / "downloads"
    for csv_file in downloads.glob("*.csv"):
        assert (public["postgresql"] / "downloads" / csv_file.name).read_bytes() == csv_file.read_bytes()
    # the site loaded the database it needed; a second build finds it current, an edit does not
    sources = public["postgresql"].parent / "db"
    assert pg.stored_digest(url) is not None
    assert not ensure_database(sources / "her2db.sqlite", sources, url)
    study = sources / "studies" / "patina.yaml"
    study.write_text(study.read_text(encoding="utf-8") + "# a curator's comment\n", encoding="utf-8")
    assert ensure_database(sources / "her2db.sqlite", sources, url)
    assert not ensure_database(sources / "her2db.sqlite", sources, url)


def test_query_on_postgresql_starts_without_the_orm(loaded: str) -> None:
    """`her2db query --database-url` imports psycopg, not SQLAlchemy, SQLModel or pydantic."""
    code = ("import sys; from her2db.cli import cli; "
            "cli(['query', 'select 1 as one', '--format', 'csv', '--database-url', sys.argv[1]], standalone_mode=False); "
            "print([m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'psycopg') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code, loaded], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == ["one", "1", "['psycopg']"]
