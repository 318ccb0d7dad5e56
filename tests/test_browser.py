"""The published site in a real headless Chromium (Debian's, never a downloaded browser):
two releases deployed with `her2db site deploy` into a temporary git repository, the
gh-pages branch checked out and served from 127.0.0.1, then read the way a reader would."""

from __future__ import annotations

import functools
import http.server
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, Page, sync_playwright
from ruamel.yaml import YAML
from test_site import ROOT, copy_project

from her2db import curated, site
from her2db.cli import cli

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on a free port of 127.0.0.1; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def watch(page: Page) -> list[str]:
    """Everything a reader's browser would complain about: console errors, script errors,
    failed or refused requests, and any request to a host other than 127.0.0.1."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.text} {m.location.get('url', '')}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"script error {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed {r.url}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    page.on("request", lambda r: problems.append(f"other host {r.url}")
            if urlsplit(r.url).hostname not in ("127.0.0.1", None) and not r.url.startswith("data:") else None)
    return problems


@contextmanager
def browser_page() -> Iterator[tuple[Page, list[str]]]:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        yield page, watch(page)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@dataclass
class Deployed:
    repo: Path
    served: Path
    releases: list[curated.ReleaseEntry]


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    """Two releases deployed into a fresh repository; gh-pages checked out to be served."""
    repo = tmp_path_factory.mktemp("repo")
    config = copy_project(repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "tests@her2db.invalid")
    git(repo, "config", "user.name", "her2db tests")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "project")
    db, sources = repo / "db" / "her2db.sqlite", repo / "db"
    for args in (["2026.01"], ["2026.02", "--alias", "latest"]):
        result = CliRunner().invoke(cli, ["site", "deploy", *args, "--sources", str(sources),
                                          "--db", str(db), "--config", str(config)])
        assert result.exit_code == 0, result.output
    text = (sources / "releases.yaml").read_text(encoding="utf-8")
    releases = curated.ReleasesFile.model_validate(YAML(typ="safe").load(text)).releases
    served = tmp_path_factory.mktemp("gh-pages") / "checkout"
    git(repo, "worktree", "add", "-q", str(served), "gh-pages")
    return Deployed(repo, served, releases)


@pytest.fixture(scope="module")
def base(deployed: Deployed) -> Iterator[str]:
    with serve(deployed.served) as url:
        yield url + "2026.02/"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # module scope: the sync API allows one running Playwright per thread, and other test
    # modules start their own
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab, watch(tab)
    context.close()


def test_pages_open_without_errors(base: str, page: tuple[Page, list[str]]) -> None:
    tab, problems = page
    for path, heading in (("", "her2db"), ("studies/destiny-breast09/", "DESTINY-Breast09"),
                          ("comparisons/first-line/", "First-line and maintenance strategies")):
        tab.goto(base + path)
        tab.wait_for_load_state("networkidle")
        assert tab.locator("article h1").first.inner_text().rstrip("¶") == heading
    assert not problems, problems


def test_study_page_screenshot(base: str, page: tuple[Page, list[str]]) -> None:
    tab, problems = page
    tab.set_viewport_size({"width": 1280, "height": 2400})
    tab.goto(base + "studies/destiny-breast09/")
    tab.wait_for_load_state("networkidle")
    figure = tab.locator("figure img").first
    figure.scroll_into_view_if_needed()
    assert figure.evaluate("img => img.complete && img.naturalWidth > 0"), "forest plot did not load"
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "study-destiny-breast09.png"))
    assert not problems, problems


def search(tab: Page, base: str, query: str) -> list[str]:
    """Type ``query`` into the search box; return the paths of the result pages."""
    tab.goto(base)
    tab.wait_for_load_state("networkidle")
    tab.locator("label.md-search__icon, .md-search__input").first.click()
    tab.locator(".md-search__input").press_sequentially(query, delay=20)  # Material reads keys
    tab.locator(".md-search-result__item").first.wait_for()
    hrefs = tab.locator(".md-search-result__item > a").evaluate_all("links => links.map(a => a.href)")
    return [urlsplit(h).path for h in hrefs]


# What each query must find: the study pages the issue names, and every study page the
# deployed database says belongs to the query (arms giving the drug, the endpoint reported).
EXPECTED = {
    "tucatinib": ({"her2climb", "her2climb-05"}, """SELECT DISTINCT a.study_id FROM arm a
                  JOIN intervention i ON i.arm_id = a.id WHERE i.drug_id = 'tucatinib'"""),
    "PATINA": ({"patina"}, "SELECT id FROM study WHERE acronym = 'PATINA'"),
    "CNS-PFS": ({"her2climb"}, """SELECT study_id FROM arm_result WHERE endpoint = 'CNS_PFS'
                UNION SELECT study_id FROM comparison WHERE endpoint = 'CNS_PFS'"""),
}


@pytest.mark.parametrize("query", EXPECTED)
def test_search_finds_study_pages(deployed: Deployed, base: str, page: tuple[Page, list[str]],
                                  query: str) -> None:
    tab, problems = page
    named, sql = EXPECTED[query]
    with sqlite3.connect(deployed.repo / "db" / "her2db.sqlite") as conn:
        expected = named | {row[0] for row in conn.execute(sql)}
    found = {p.split("/2026.02/", 1)[-1] for p in search(tab, base, query)}
    assert {f"studies/{study}/" for study in expected} <= found, found
    assert not problems, problems


def test_version_selector_shows_both_releases(base: str, page: tuple[Page, list[str]]) -> None:
    tab, problems = page
    tab.goto(base + "releases/")
    tab.wait_for_load_state("networkidle")
    selector = tab.locator(".md-version")
    selector.wait_for()
    assert "2026.02" in tab.locator(".md-version__current").inner_text()
    selector.hover()
    versions = tab.locator(".md-version__link").all_inner_texts()
    assert any("2026.01" in v for v in versions) and any("2026.02" in v for v in versions), versions
    # the releases page of the newest version lists both releases
    releases = tab.locator("article table").first.inner_text()
    assert "2026.01" in releases and "2026.02" in releases
    assert not problems, problems


def test_deploy_records_each_release(deployed: Deployed) -> None:
    text = (deployed.repo / "db" / "releases.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Data releases")  # the file's comment survives the second write
    versions = [r.version for r in curated.ReleasesFile.model_validate(YAML(typ="safe").load(text)).releases]
    assert versions == ["2026.01", "2026.02"]
    assert [r.version for r in deployed.releases] == versions
    assert deployed.releases[1].studies >= 19
    downloads = deployed.served / "2026.02" / site.DOWNLOADS_DIR
    assert (downloads / "her2db-2026.02.sqlite").is_file()
    assert (downloads / "her2db-2026.02-v_comparisons.csv").is_file()
    assert (deployed.served / "latest").exists()


def test_tables_sort_on_click(base: str, page: tuple[Page, list[str]]) -> None:
    tab, problems = page
    tab.goto(base + "studies/")
    tab.wait_for_load_state("networkidle")
    header = tab.locator("article table").first.locator("th").nth(5)
    assert header.text_content() == "N"
    header.click()
    column = tab.locator("article table").first.evaluate(
        "t => Array.from(t.tBodies[0].rows).map(r => r.cells[5].textContent.trim())")
    numbers = [int(v) for v in column if v != "—"]
    assert numbers == sorted(numbers) and len(numbers) >= 5
    assert column[len(numbers):] == ["—"] * (len(column) - len(numbers)), "empty cells sort last"
    assert not problems, problems
