"""The Query page in a real headless Chromium (Debian's): the built site served from
127.0.0.1, SQL typed and run the way a reader would, answers compared with `her2db query` on
the same database file. Times and the page weight are measured and written to
test-artifacts/, never asserted."""

from __future__ import annotations

import csv
import gzip
import io
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from click.testing import CliRunner
from her2db_testing import ALL_RULES, ARTIFACTS, AXE, CHROMIUM, COLOUR_RULES, dump, new_context, settle
from playwright.sync_api import Browser, BrowserContext, Page
from sitebuild import Built

from her2db.cli import cli
from her2db.publish import query_page as querypage
from her2db.publish import render

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")

SETTLE_MS = 30_000  # the endless query needs the 5 s limit, plus loading on a busy machine
NORMAL = "SELECT study_id, acronym FROM v_studies ORDER BY study_id"
ENDLESS = "with recursive r(x) as (select 1 union all select x+1 from r) select count(*) from r"


@pytest.fixture(scope="module")
def base(site_url: str) -> str:
    return site_url


class Reader:
    """One browser context on the site, with every request and every error it saw."""

    def __init__(self, context: BrowserContext, base: str) -> None:
        self.context = context
        self.base = base
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.page = context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.problems.append(f"script error {e}"))
        self.page.on("console", lambda m: self.problems.append(f"console {m.text} {m.location.get('url')}")
                     if m.type == "error" else None)
        self.page.on("response", lambda r: self.problems.append(f"HTTP {r.status} {r.url}")
                     if r.status >= 400 else None)

    def open(self, fragment: str = "") -> Page:
        self.page.goto(self.base + "query/" + fragment)
        self.page.wait_for_selector("#query-sql")
        return self.page

    def settle(self) -> None:
        """Wait until the page has finished the query it is running."""
        self.page.wait_for_function("() => !document.getElementById('query-run').disabled "
                                    "&& document.getElementById('query-status').textContent !== ''",
                                    timeout=SETTLE_MS)

    def run(self, sql: str) -> None:
        self.page.fill("#query-sql", sql)
        self.page.click("#query-run")
        self.settle()

    def table(self) -> list[list[str]]:
        """The result table as the reader sees it: the header row, then the rows."""
        return self.page.evaluate("""() => {
            const table = document.querySelector('#query-result table');
            if (!table) return [];
            return Array.from(table.rows).map(r => Array.from(r.cells).map(c => c.textContent));
        }""")

    def error(self) -> str:
        return self.page.inner_text("#query-error")

    def wait_for_indexes(self, download: Path) -> None:
        """Run queries until the page's database has every index of ``download`` (the packed
        copy ships without them; the page builds them after its first result)."""
        expected = [[name] for name in sorted(querypage.index_statements(download))]
        assert expected
        sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
        deadline = time.monotonic() + SETTLE_MS / 1000
        while True:
            self.run(sql)
            if self.table()[1:] == expected or time.monotonic() > deadline:
                break
        assert self.table()[1:] == expected


@pytest.fixture
def reader(browser: Browser, base: str) -> Iterator[Reader]:
    context = new_context(browser, viewport={"width": 1280, "height": 900}, accept_downloads=True)
    try:
        yield Reader(context, base)
    finally:
        context.close()


def cli_rows(db: Path, sql: str) -> list[list[str]]:
    """What `her2db query --format csv` answers on the same database: header, then rows."""
    result = CliRunner().invoke(cli, ["query", "--db", str(db), "--format", "csv", "--", sql])
    assert result.exit_code == 0, result.output
    return [row for row in csv.reader(io.StringIO(result.stdout))]


def record(name: str, data: dict[str, object]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


# --- answers -----------------------------------------------------------------------------


def test_each_example_returns_the_same_rows_as_the_cli(built: Built, reader: Reader) -> None:
    page = reader.open()
    timings = {}
    for example in querypage.examples():
        started = time.monotonic()
        page.click(f"[data-example='{example.name}']")
        reader.settle()
        timings[example.name] = round(time.monotonic() - started, 3)
        expected = cli_rows(built.db, example.sql)
        assert len(expected) > 1, f"{example.name} returns no rows on the real data"
        assert reader.error() == ""
        assert reader.table() == expected, example.name
        assert page.input_value("#query-sql") == example.sql
        rows = len(expected) - 1
        assert page.inner_text("#query-result caption") == (f"{rows} rows" if rows != 1 else "1 row")
        if example.name == querypage.EXAMPLES[0]:
            ARTIFACTS.mkdir(exist_ok=True)
            page.locator("#query-result").scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "query-page-result.png"))
    record("query-page-timing.json", {
        "seconds_to_first_result (engine and database loaded, first example run)":
            timings[querypage.EXAMPLES[0]],
        "seconds_per_example": timings})
    reader.wait_for_indexes(built.public / "downloads" / "her2db-dev.sqlite")
    assert reader.problems == []


def test_csv_download_matches_the_cli(built: Built, reader: Reader) -> None:
    page = reader.open()
    example = querypage.examples()[0]
    page.click(f"[data-example='{example.name}']")
    reader.settle()
    with page.expect_download() as download:
        page.click("#query-csv")
    assert download.value.suggested_filename == "her2db-dev-query.csv"
    raw = Path(download.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a byte order mark, as the CSV downloads have
    text = raw.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == cli_rows(built.db, example.sql)


def test_result_table_sorts_on_click(reader: Reader) -> None:
    reader.open()
    reader.run("SELECT study_id, n_enrolled FROM v_studies WHERE n_enrolled IS NOT NULL ORDER BY study_id")
    printed = [float(row[1]) for row in reader.table()[1:]]
    assert printed != sorted(printed)  # ordered by study, so clicking must change the order
    reader.page.click("#query-result th:nth-child(2)")
    assert [float(row[1]) for row in reader.table()[1:]] == sorted(printed)
    assert reader.page.get_attribute("#query-result th:nth-child(2)", "aria-sort") == "ascending"


def test_row_cap_says_rows_were_cut(reader: Reader) -> None:
    reader.open()
    reader.run("with recursive r(x) as (select 1 union all select x+1 from r where x < 5000) select x from r")
    assert len(reader.table()) == 1 + querypage.DEFAULT_MAX_ROWS
    assert "row cap" in reader.page.inner_text("#query-result caption")


def test_permalink_reproduces_its_query(built: Built, reader: Reader) -> None:
    sql = ("SELECT study_id, arm, pct\nFROM v_adverse_events\n"
           "WHERE term = 'neutropenia' AND grade = '>=3'\nORDER BY 1, 2")
    page = reader.open("#sql=" + quote(sql, safe=""))
    reader.settle()
    assert page.input_value("#query-sql") == sql
    assert reader.table() == cli_rows(built.db, sql)
    # running a query puts it in the address and in the "Link to this query" anchor
    reader.run(NORMAL)
    link = page.evaluate("() => location.href")
    assert link == page.evaluate("() => document.getElementById('query-link').href")
    other = reader.context.new_page()
    other.goto(link)
    other.wait_for_function("() => document.querySelector('#query-result table')", timeout=SETTLE_MS)
    assert other.input_value("#query-sql") == NORMAL
    assert other.locator("#query-result tbody tr").count() == len(cli_rows(built.db, NORMAL)) - 1


# --- bad queries -------------------------------------------------------------------------


BAD_QUERIES = [  # (sql, what the message says, where it points)
    ("DELETE FROM study", "Only SELECT queries", "line 1, column 1"),
    ("-- tidy up\nDROP VIEW v_studies", "Only SELECT queries", "line 2, column 1"),
    ("WITH x(a) AS (SELECT 'new') INSERT INTO source (id) SELECT a FROM x RETURNING id",
     "read-only", None),
    ("SELECT 1;\n  SELECT 2", "Only one statement at a time", "line 2, column 3"),
    ("SELECT study_id\nFROM v_studies\nWHERE AND study_id = 'x'", 'near "AND": syntax error',
     "line 3, column 7"),
    ("SELECT nonsense FROM v_studies", "no such column: nonsense", "line 1, column 8"),
]


def test_bad_queries_give_a_clear_message_and_the_page_stays_usable(built: Built, reader: Reader) -> None:
    """Writes, two statements, syntax errors; the endless query is in the offline test."""
    reader.open()
    expected = cli_rows(built.db, "SELECT count(*) AS sources FROM source")
    for sql, message, where in BAD_QUERIES:
        reader.run(sql)
        error = reader.error()
        assert message in error, sql
        # one message, said once: a write is refused in the same words whoever stops it
        assert error.count(message) == 1 and error.count("read-only") <= 1, error
        assert message not in reader.page.inner_text("#query-status"), sql
        if where:
            assert f"At {where}:" in error, sql
        assert reader.table() == [], sql
        assert reader.page.is_disabled("#query-csv")
        # the page still answers, and the database is as it was
        reader.run("SELECT count(*) AS sources FROM source")
        assert reader.error() == ""
        assert reader.table() == expected, sql
    assert reader.problems == []


# --- the page itself ---------------------------------------------------------------------


def _is_local(url: str) -> bool:
    return url.startswith(("blob:", "data:")) or urlsplit(url).hostname == "127.0.0.1"


def test_no_request_leaves_the_site_and_the_engine_loads_only_here(built: Built, reader: Reader) -> None:
    page = reader.page
    page.goto(reader.base)
    settle(page)
    assert not [u for u in reader.requests if u.endswith((".wasm", ".sqlite", "query.js"))]
    # the nav link (Material's instant navigation swaps the content without a reload)
    page.locator("a.md-nav__link[href$='/query/']:visible").first.click()
    page.wait_for_selector("#query-sql")
    page.click(f"[data-example='{querypage.EXAMPLES[1]}']")
    reader.settle()
    assert reader.table()[1:], "no rows after instant navigation"
    foreign = [u for u in reader.requests if not _is_local(u)]
    assert foreign == []
    weights = {}
    for url in reader.requests:
        name = urlsplit(url).path.rsplit("/", 1)[-1]
        if name.startswith(("sql-wasm.", "her2db-dev.sqlite")):
            weights[name] = (built.public / urlsplit(url).path.lstrip("/")).stat().st_size
    # the engine and the database, compressed; never the originals
    assert set(weights) == {"sql-wasm.wasm.gz", "sql-wasm.js.gz", "her2db-dev.sqlite.gz"}
    record("query-page-weight.json", {"bytes": weights, "total_bytes": sum(weights.values())})
    # the page states what it loads
    stated = page.inner_text(".her2db-query-weight")
    database = built.public / "downloads" / "her2db-dev.sqlite"
    assert render.filesize(database.stat().st_size) in stated
    assert render.filesize(weights["her2db-dev.sqlite.gz"]) in stated
    assert render.filesize(weights["sql-wasm.wasm.gz"] + weights["sql-wasm.js.gz"]) in stated


TRANSFERRED = """() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
    .map(e => [new URL(e.name).pathname, e.transferSize])"""


def test_page_opened_at_a_link_loads_only_what_its_query_needs(built: Built, reader: Reader) -> None:
    """Opened directly (no instant navigation), at a link holding a query: the engine and the
    database come compressed, the site's search index only once the reader opens the search."""
    page = reader.open("#sql=" + quote(NORMAL, safe=""))
    reader.settle()
    assert reader.table() == cli_rows(built.db, NORMAL)
    loaded = dict(page.evaluate(TRANSFERRED))
    assert not [path for path in loaded if path.endswith("search_index.json")], "search index loaded unasked"
    database = (built.public / "downloads" / "her2db-dev.sqlite").stat().st_size
    packed = loaded[urlsplit(reader.base).path + "downloads/her2db-dev.sqlite.gz"]
    assert 0 < packed < database / 3
    engine = sum((built.public / "javascripts/vendor/sql.js" / name).stat().st_size
                 for name in ("sql-wasm.wasm", "sql-wasm.js"))
    total = sum(loaded.values())
    # less than the two files the page used to load alone, everything else of the page included
    assert total < database + engine, loaded
    record("query-page-first-result.json", {"bytes_before_first_result": total, "database_file": database,
                                            "requests": loaded})
    # searching still works on this page: the index comes when the search box opens
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator(".md-search__input").fill("PFS")
    page.locator(".md-search__input").press("End")
    page.locator(".md-search-result__item").first.wait_for()
    assert [path for path, _ in page.evaluate(TRANSFERRED) if path.endswith("search/search_index.json")]
    assert reader.problems == []


def test_endless_query_is_stopped_and_the_page_works_on_offline(built: Built, reader: Reader) -> None:
    """The page's own time limit stops the query; the test's clock jumps over the five seconds
    the reader would wait (Playwright's fake timers: time otherwise flows as usual)."""
    reader.context.clock.install()
    page = reader.open()
    reader.run(NORMAL)
    reader.context.set_offline(True)
    page.fill("#query-sql", ENDLESS)
    page.click("#query-run")
    page.wait_for_function("() => document.getElementById('query-run').disabled")
    reader.context.clock.fast_forward(int(querypage.TIME_LIMIT * 1000))
    reader.settle()  # stopped the worker; a new one starts from the bytes already loaded
    assert "The query was stopped after the time limit of 5 seconds" in reader.error()
    assert reader.table() == []
    reader.run(NORMAL)
    assert reader.error() == ""
    assert reader.table() == cli_rows(built.db, NORMAL)


def test_keyboard_runs_indents_and_leaves_the_editor(reader: Reader) -> None:
    page = reader.open()
    page.fill("#query-sql", "")
    page.focus("#query-sql")
    page.keyboard.type("SELECT 1 AS one")
    page.keyboard.press("Tab")
    assert page.input_value("#query-sql") == "SELECT 1 AS one  "
    page.keyboard.press("Control+Enter")
    reader.settle()
    assert reader.table() == [["one"], ["1"]]
    page.focus("#query-sql")
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "query-run"
    # schema names insert at the cursor
    page.fill("#query-sql", "SELECT * FROM ")
    page.click("summary:text-is('v_sources')")
    page.click("#her2db-query [data-insert='v_sources']")
    assert page.input_value("#query-sql") == "SELECT * FROM v_sources"


def test_schema_panel_lists_every_public_view_with_descriptions(built: Built, reader: Reader) -> None:
    page = reader.open()
    views = [r["name"] for r in built.query(
        "SELECT name FROM sqlite_master WHERE type = 'view' AND name LIKE 'v\\_%' ESCAPE '\\' ORDER BY name")]
    assert page.locator(".her2db-query-schema summary").all_inner_texts() == views
    page.click("summary:text-is('v_comparisons')")
    assert "An effect between two arms" in page.inner_text("details[open]")
    item = page.locator(".her2db-query-schema li", has=page.locator("[data-insert='estimate']")).first
    assert "The effect estimate as printed." in item.inner_text()


def test_axe_finds_no_violations(reader: Reader) -> None:
    """The page's own content (editor, results, errors, schema, examples): every axe rule in
    the light scheme, then the colour rules in the dark one, which the palette takes from the
    reader's system preference when the page opens (the markup is the same; see test_pages.py);
    the theme around it is the same on every page and checked with them."""
    page = reader.open()
    for scheme, expected, options in (("light", "default", ALL_RULES), ("dark", "slate", COLOUR_RULES)):
        if scheme == "dark":  # a first visit with a dark system preference: Material keeps the
            page.emulate_media(color_scheme="dark")  # palette it chose (stored as the page unloads)
            page.add_init_script("localStorage.clear()")  # so it is forgotten as the page opens again
            page.reload()
            page.wait_for_selector("#query-sql")
        # the theme's script applies the preferred palette once it runs
        page.wait_for_function("s => document.body.getAttribute('data-md-color-scheme') === s", arg=expected)
        for sql in (NORMAL, "SELECT 1;SELECT 2"):  # a result, then an error
            reader.run(sql)  # leaves the focus on the Run button, as a reader's click does
            violations = AXE.run(page, context="#her2db-query", options=options).response["violations"]
            assert violations == [], json.dumps(violations, indent=1)[:3000]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"query-page-{scheme}-1280.png"))


def test_results_use_the_full_content_width(reader: Reader) -> None:
    """At 1280 px the widest example's table, source columns included, is in view without
    scrolling sideways: the page gives its content the table of contents' width."""
    page = reader.open()
    page.click(f"[data-example='{querypage.EXAMPLES[0]}']")
    reader.settle()
    widths = page.evaluate("""() => {
        const wrap = document.querySelector('#query-result .md-typeset__scrollwrap');
        const table = wrap.querySelector('table');
        return {content: document.querySelector('article.md-content__inner').clientWidth,
                result: wrap.getBoundingClientRect().width, table: table.scrollWidth,
                shown: table.clientWidth};
    }""")
    assert widths["result"] >= widths["content"] - 1 and widths["content"] > 900, widths
    assert widths["table"] <= widths["shown"] + 1, widths
    assert page.locator("#query-result th", has_text="locator").is_visible()


def test_compressed_database_holds_what_the_download_holds(built: Built, tmp_path: Path) -> None:
    """The page's gzip copy unpacks to a database with the download's schema, indexes and rows."""
    downloads = built.public / "downloads"
    unpacked = tmp_path / "unpacked.sqlite"
    unpacked.write_bytes(gzip.decompress((downloads / "her2db-dev.sqlite.gz").read_bytes()))

    def split(lines: list[str]) -> tuple[list[str], list[str]]:
        """The dump but for its index statements, and those statements, in name order."""
        return ([line for line in lines if not line.startswith("CREATE INDEX ")],
                sorted(line for line in lines if line.startswith("CREATE INDEX ")))

    download = downloads / "her2db-dev.sqlite"
    statements = querypage.index_statements(download)
    conn = sqlite3.connect(unpacked)
    try:
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                            ).fetchone() == (0,)  # shipped without them: the page builds them
        for name in sorted(statements):
            conn.execute(statements[name])
        conn.commit()
    finally:
        conn.close()
    assert statements and split(dump(unpacked)) == split(dump(download))
    vendor = built.public / "javascripts/vendor/sql.js"
    for name in querypage.ENGINE:
        assert gzip.decompress((vendor / f"{name}.gz").read_bytes()) == (vendor / name).read_bytes()


def test_a_browser_that_cannot_unpack_loads_the_originals(built: Built, reader: Reader) -> None:
    reader.page.add_init_script("delete window.DecompressionStream")
    reader.open()
    reader.run(NORMAL)
    assert reader.error() == ""
    assert reader.table() == cli_rows(built.db, NORMAL)
    reader.wait_for_indexes(built.public / "downloads" / "her2db-dev.sqlite")  # the original has them all
    names = {urlsplit(url).path.rsplit("/", 1)[-1] for url in reader.requests}
    assert {"her2db-dev.sqlite", "sql-wasm.wasm", "sql-wasm.js"} <= names
    assert not [name for name in names if name.endswith(".gz")]
