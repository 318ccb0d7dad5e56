"""The suite's pytest plugin (loaded with ``-p her2db_testing``, see pyproject.toml): shared
fixtures (small real corpora and databases built in tmp_path, the real site built once per
session, one headless Chromium, Debian's, never a downloaded browser) and the helpers the test
modules import from here, never from a conftest."""

from __future__ import annotations

import functools
import http.server
import os
import pickle
import shutil
import sqlite3
import subprocess
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from click.testing import CliRunner
from filelock import FileLock
from playwright.sync_api import Browser, BrowserContext, Page, Request, sync_playwright
from sitebuild import Built, build_copy

from her2db.curate.load import load

CHROMIUM = "/usr/bin/chromium"
# Chromium keeps only the last --disable-features it is given, and Playwright passes one of its
# own; so this one names both. Playwright's: no beforeunload check on close, no profile torn down
# on close, no HTTPS upgrade of our http://127.0.0.1 pages, no Lens, no cast discovery, no paint
# holding, no partitioned storage, no CORS restart under request routing, and none of the
# start-up calls to Google (hints, network time, AI mode, preconnect). Ours: the omnibox popups.
# Headless Chromium builds each new context's address-bar popups as two pages of browser UI,
# never shown here: half of the CPU a page open of this site costs (10 opens: 22.6 → 11.2 CPU-s).
DISABLED_FEATURES = [
    "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter", "PaintHolding",
    "ThirdPartyStoragePartitioning", "AvoidCorsURLLoaderRestartOnRedirect", "OptimizationHints",
    "NetworkTimeServiceQuerying", "AimEnabled", "PreconnectToSearch",
    "WebUIOmniboxPopup", "WebUIOmniboxAimPopup", "WebUIOmniboxFullPopup",
]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-features=" + ",".join(DISABLED_FEATURES)]

T = TypeVar("T")

AXE = Axe()
# Axe reports the violations only (what the tests assert on): its passes and inapplicable nodes
# are neither collected nor sent back, a third of its time on a large page.
ALL_RULES: dict[str, object] = {"resultTypes": ["violations"]}
# The dark scheme (Material's "slate") changes the colours and nothing else: the same markup,
# names, roles and order. So in it axe runs the rules that read colours; every rule runs in light.
COLOUR_RULES = {**ALL_RULES, "runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]}}

ROOT = Path(__file__).resolve().parent.parent
REAL_SOURCES = ROOT / "db"
ARTIFACTS = ROOT / "test-artifacts"  # screenshots and measurements, kept for people (ignored by git)
REVIEW_TEXT_ENV = "HER2DB_REVIEW_TEXT"
REVIEW_TEXT_HOWTO = ("run pytest with --review-text PATH or set HER2DB_REVIEW_TEXT=PATH (the review's "
                     "file or its folder; in the project, shared/sources/)")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--review-text", metavar="PATH",
                     help="The review's full text (its file or folder) for the coverage tests; "
                          "the same as setting HER2DB_REVIEW_TEXT.")


def pytest_configure(config: pytest.Config) -> None:
    """``--review-text`` reaches the code under test the way a user's setting would."""
    named = config.getoption("--review-text")
    if named:
        os.environ[REVIEW_TEXT_ENV] = str(Path(named).resolve())


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: one worker per core this process may use (unless PYTEST_XDIST_AUTO_NUM_WORKERS
    says otherwise). Two workers already keep both cores of a 2-core machine busy (96%); four
    ran the suite slower (195 s against 154 s), each with its own Chromium and fixtures."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    return len(os.sched_getaffinity(0))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that read the session's site after the others (the order is otherwise kept):
    pytest-xdist's work stealing hands each worker a run of tests in this order, so the worker
    that builds the site is the one that needs it, and the others have work meanwhile."""
    items.sort(key=lambda item: "built" in getattr(item, "fixturenames", ()))


# A small but complete study file: every section, the way curators write them.
MINI_STUDY = """\
# A test trial (not real data).
id: mini-trial
acronym: MINI
title: A small randomized trial used by the tests
kind: randomized trial
phase: "3"
setting: metastatic
line: first line
references: [tolaney-2025]
analyses:
  - {key: interim, label: interim, median_follow_up_months: 29.2, source_id: huober-review, locator: text}
populations:
  - {key: itt, label: ITT, n: 770, enrolled: true, source_id: huober-review, locator: text}
  - {key: safety, label: safety, n: 763, source_id: huober-review, locator: text}
arms:
  - key: exp
    label: T-DXd + pertuzumab
    role: experimental
    drugs: [trastuzumab-deruxtecan, pertuzumab]
    n_randomized: 383
    n_treated: 381
    source_id: huober-review
    locator: text
  - key: ctl
    label: THP
    role: control
    drugs: [taxane, trastuzumab, pertuzumab]
    n_randomized: 387
    n_treated: 382
    source_id: huober-review
    locator: text
subgroups:
  - {key: hr-pos, category: hormone receptor status, level: HR-positive, source_id: huober-review, locator: text}
endpoints:
  - {endpoint: PFS, role: primary, assessor: BICR, source_id: huober-review, locator: text}
results:
  - {endpoint: PFS, arm: exp, analysis: interim, population: itt, statistic: median, value: 40.7, unit: months, source_id: huober-review, locator: text}
  - {endpoint: PFS, arm: ctl, analysis: interim, statistic: rate, value: 52.1, unit: "%", timepoint_months: 24, source_id: huober-review, locator: text}
  - {endpoint: PFS2, arm: exp, statistic: median, not_reached: true, source_id: huober-review, locator: text}
comparisons:
  - {endpoint: PFS, measure: HR, experimental: exp, control: ctl, analysis: interim, estimate: 0.56, ci_low: 0.44, ci_high: 0.71, p_value: 0.00001, p_operator: "<", source_id: huober-review, locator: text, cites: tolaney-2025}
  - {endpoint: PFS, measure: HR, experimental: exp, control: ctl, subgroup: hr-pos, estimate: 0.61, ci_low: 0.44, ci_high: 0.84, source_id: huober-review, locator: text}
adverse_events:
  - {arm: exp, term: nausea, category: treatment-related, grade: any, n: 271, pct: 71.1, n_at_risk: 381, source_id: huober-review, locator: Table 1}
  - {arm: ctl, term: nausea, category: treatment-related, grade: ">=3", n: 1, pct: 0.3, n_at_risk: 382, source_id: huober-review, locator: Table 1}
characteristics:
  - {name: median age, statistic: median, value: 54, unit: years, population: itt, source_id: huober-review, locator: text}
"""


def fresh_checkout(folder: Path) -> Path:
    """The checkout's files as a clone would have them (uncommitted edits included, nothing
    git ignores: no .venv, node_modules or built database), copied into ``folder``."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, folder / name)
    return folder


def make_corpus(root: Path) -> Path:
    """A corpus folder with the real sources and vocabularies and one test study."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REAL_SOURCES / "sources.yaml", root / "sources.yaml")
    shutil.copytree(REAL_SOURCES / "vocabulary", root / "vocabulary")
    (root / "studies").mkdir()
    (root / "studies" / "mini-trial.yaml").write_text(MINI_STUDY, encoding="utf-8")
    return root


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return make_corpus(tmp_path / "db")


@pytest.fixture
def mini_db(corpus: Path) -> Path:
    path = corpus / "her2db.sqlite"
    load(corpus, path)
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database built from the real curated data in db/."""
    path = tmp_path_factory.mktemp("real") / "her2db.sqlite"
    load(REAL_SOURCES, path)
    return path


def once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], T]) -> T:
    """``make(folder)`` done once for the whole run, however many pytest-xdist workers ask:
    the first builds it under a file lock in the folder all workers of this run share, the
    others read what it made (for things the tests only read)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    record = shared / f"{name}.pickle"
    with FileLock(shared / f"{name}.lock"):
        if record.exists():
            made: T = pickle.loads(record.read_bytes())
            return made
        shutil.rmtree(shared / name, ignore_errors=True)  # a worker's attempt that failed half-way
        made = make(shared / name)
        record.write_bytes(pickle.dumps(made))
        return made


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The real data, built once for the whole run (the tests only read it; those that edit
    a site build their own copy)."""
    return once_per_run(tmp_path_factory, "site", build_copy)


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


@pytest.fixture(scope="session")
def site_url(built: Built) -> Iterator[str]:
    """The session's built site, served from 127.0.0.1."""
    with serve(built.public) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the session (the sync API allows one running Playwright per thread)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class _Traffic:
    """The requests of one browser context still in flight, and when the last one started or
    ended: what ``settle`` waits on."""

    def __init__(self, context: BrowserContext) -> None:
        self.pending: set[Request] = set()
        self.last = time.monotonic()
        context.on("request", self._started)
        context.on("requestfinished", self._ended)
        context.on("requestfailed", self._ended)

    def _started(self, request: Request) -> None:
        self.pending.add(request)
        self.last = time.monotonic()

    def _ended(self, request: Request) -> None:
        self.pending.discard(request)
        self.last = time.monotonic()


_TRAFFIC: weakref.WeakKeyDictionary[BrowserContext, _Traffic] = weakref.WeakKeyDictionary()
QUIET_S = 0.1


def new_context(browser: Browser, **options: object) -> BrowserContext:
    """A browser context whose requests ``settle`` can wait on (every test's tabs come from one)."""
    context = browser.new_context(**options)  # type: ignore[arg-type]
    _TRAFFIC[context] = _Traffic(context)
    return context


def settle(tab: Page) -> None:
    """Wait until the page has loaded (its load event and its web fonts) and no request of its
    context has been in flight for ``QUIET_S``: Playwright's "networkidle", which waits half a
    second on every page, with a tenth of that, so requests a page makes after its load event
    (Material's search index) still end before a test moves on or counts problems."""
    tab.wait_for_load_state("load")
    tab.evaluate("document.fonts.ready.then(() => true)")
    traffic = _TRAFFIC[tab.context]
    while traffic.pending or time.monotonic() - traffic.last < QUIET_S:
        tab.wait_for_timeout(20)  # Playwright delivers the request events while it waits


def open_page(tab: Page, url: str) -> Page:
    """Go to ``url`` and ``settle``."""
    tab.goto(url)
    settle(tab)
    return tab


def _superseded(request: Request) -> bool:
    """A page left for another before its own document finished arriving (mike's root page
    redirects at once, while Chromium may still count its few bytes as in flight): the reader
    sees the next page, not an error. Any other failed request is a problem."""
    return request.is_navigation_request() and request.failure == "net::ERR_ABORTED"


def watch(page: Page) -> list[str]:
    """Everything a reader's browser would complain about: console errors, script errors,
    failed or refused requests, and any request to a host other than 127.0.0.1."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.text} {m.location.get('url', '')}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"script error {e}"))
    page.on("requestfailed", lambda r: None if _superseded(r) else problems.append(f"failed {r.url} {r.failure}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    page.on("request", lambda r: problems.append(f"other host {r.url}")
            if urlsplit(r.url).hostname not in ("127.0.0.1", None) and not r.url.startswith("data:") else None)
    return problems


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A fresh tab at 1280 x 900, with the problems it saw."""
    context = new_context(browser, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab, watch(tab)
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A fresh tab on a phone: 390 x 844, touch."""
    context = new_context(browser, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    yield context.new_page()
    context.close()


def search(tab: Page, base: str, query: str) -> list[str]:
    """Search ``query`` with Material's own search box; the result pages (relative to
    ``base``) in their ranked order. The query is filled in whole, then a key is pressed
    (Material reads keys), so the first results shown are those of the whole query. A tab
    already on ``base`` is reused: the earlier query and its results are cleared first."""
    if tab.url != base:
        open_page(tab, base)
    tab.locator("label.md-search__icon, .md-search__input").first.click()
    box = tab.locator(".md-search__input")
    if box.input_value():
        box.fill("")
        box.press("End")
        tab.locator(".md-search-result__item").first.wait_for(state="detached")
    box.fill(query)
    box.press("End")
    tab.locator(".md-search-result__item").first.wait_for()
    hrefs = tab.locator(".md-search-result__item > a").evaluate_all("links => links.map(a => a.href)")
    return list(dict.fromkeys(urlsplit(h).path.removeprefix(urlsplit(base).path) for h in hrefs))


def rows_of(db: Path, sql: str) -> list[tuple[object, ...]]:
    """The rows of one query on a database file, the connection closed again."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def dump(db: Path) -> list[str]:
    """A database's ``sqlite3 .dump``, line by line (what "byte-identical" compares)."""
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def edit_study(corpus: Path, *replacements: tuple[str, str]) -> None:
    """Replace text in the corpus' test study (each ``old`` must be there)."""
    study = corpus / "studies" / "mini-trial.yaml"
    text = study.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    study.write_text(text, encoding="utf-8")
