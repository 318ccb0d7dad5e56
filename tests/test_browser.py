"""The published site in a real headless Chromium (Debian's, never a downloaded browser):
two releases deployed with `her2db site deploy` into a temporary git repository (the
project's own first release, 2026.12, as committed, and a next one cut by the deploy), the
gh-pages branch checked out and served from 127.0.0.1, then read the way a reader would."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from her2db_testing import ARTIFACTS, CHROMIUM, once_per_run, search, serve, settle
from playwright.sync_api import Page
from ruamel.yaml import YAML
from sitebuild import FEW_STUDIES, copy_project

from her2db.cli import cli
from her2db.model import curated
from her2db.model.notation import NOT_REPORTED
from her2db.publish import virtual

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")

# The studies deployed: the few that show every page part (a deploy builds the site; two deploys
# of the real 19 would take most of this module's time). Search across all 19 studies is
# tested on the session's site (test_search.py); here, that it works inside a version's folder.
DEPLOYED_STUDIES = FEW_STUDIES


FIRST, NEXT = "2026.12", "2027.01"  # the project's first release, recorded in db/releases.yaml; the next


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@dataclass
class Deployed:
    repo: Path
    served: Path
    releases: list[curated.ReleaseEntry]


@pytest.fixture(scope="session")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    """Deployed once for the whole run, however many workers run this module's tests (they
    only read it)."""
    return once_per_run(tmp_path_factory, "deployed", _deploy)


def _deploy(repo: Path) -> Deployed:
    """Two releases deployed into a fresh repository; gh-pages checked out to be served. The
    copy holds the project's recorded releases (db/releases.yaml): the first is deployed as
    it was cut, the next one is cut by the deploy and becomes latest, the default version."""
    config = copy_project(repo, DEPLOYED_STUDIES)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "tests@her2db.invalid")
    git(repo, "config", "user.name", "her2db tests")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "project")
    db, sources = repo / "db" / "her2db.sqlite", repo / "db"
    with pytest.MonkeyPatch.context() as env:
        # as a real deploy names its published address (README): the sitemap then lets the
        # version selector keep the reader on the same page (any host: Material reads the paths)
        env.setenv("HER2DB_SITE_URL", "https://her2db.example.org/")
        for args in ([FIRST], [NEXT, "--alias", "latest"]):
            result = CliRunner().invoke(cli, ["site", "deploy", *args, "--sources", str(sources),
                                              "--db", str(db), "--config", str(config)])
            assert result.exit_code == 0, result.output
    text = (sources / "releases.yaml").read_text(encoding="utf-8")
    releases = curated.ReleasesFile.model_validate(YAML(typ="safe").load(text)).releases
    served = repo.with_name(repo.name + "-gh-pages")
    git(repo, "worktree", "add", "-q", str(served), "gh-pages")
    return Deployed(repo, served, releases)


@pytest.fixture(scope="module")
def base(deployed: Deployed) -> Iterator[str]:
    with serve(deployed.served) as url:
        yield url + NEXT + "/"


def test_pages_open_without_errors(base: str, page: tuple[Page, list[str]]) -> None:
    tab, problems = page
    for path, heading in (("", "her2db"), ("studies/destiny-breast09/", "DESTINY-Breast09"),
                          ("comparisons/first-line/", "First-line and maintenance strategies")):
        tab.goto(base + path)
        settle(tab)
        assert tab.locator("article h1").first.inner_text().rstrip("¶") == heading
    assert not problems, problems


def test_study_page_screenshot(base: str, page: tuple[Page, list[str]]) -> None:
    tab, problems = page
    tab.set_viewport_size({"width": 1280, "height": 2400})
    tab.goto(base + "studies/destiny-breast09/")
    settle(tab)
    figure = tab.locator("figure svg.her2db-forest__svg").first
    figure.scroll_into_view_if_needed()
    assert figure.bounding_box()["width"] > 300, "the forest plot is not drawn"
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "study-destiny-breast09.png"))
    assert not problems, problems


def test_search_works_inside_a_version_folder(base: str, page: tuple[Page, list[str]]) -> None:
    tab, problems = page
    assert search(tab, base, "PATINA")[0] == "studies/patina/"
    assert not problems, problems


def test_version_selector_switches_between_the_releases(base: str, page: tuple[Page, list[str]]) -> None:
    tab, problems = page
    root = base.removesuffix(NEXT + "/")
    tab.goto(root)  # the site's address opens the default version, latest
    tab.wait_for_url(f"{root}latest/")
    settle(tab)
    tab.goto(base + "releases/")
    settle(tab)
    selector = tab.locator(".md-version")
    selector.wait_for()
    assert NEXT in tab.locator(".md-version__current").inner_text()
    # the releases page of the newest version lists both releases and names the selector
    releases = tab.locator("article table").first.inner_text()
    assert FIRST in releases and NEXT in releases
    assert "version selector beside the site name" in tab.locator("article").inner_text()
    selector.hover()
    versions = tab.locator(".md-version__link").all_inner_texts()
    assert any(FIRST in v for v in versions) and any(NEXT in v for v in versions), versions
    aliases = tab.locator(".md-version__link", has_text=NEXT).locator(".md-version__alias").all_inner_texts()
    assert aliases == ["latest"], aliases  # the alias beside the version it points at
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "version-selector.png"))
    # choosing the older release opens the same page in it, and back
    tab.locator(".md-version__link", has_text=FIRST).click()
    tab.wait_for_url(f"{root}{FIRST}/releases/")
    settle(tab)
    assert FIRST in tab.locator(".md-version__current").inner_text()
    older = tab.locator("article table").first.inner_text()
    assert FIRST in older and NEXT not in older
    tab.locator(".md-version").hover()
    tab.locator(".md-version__link", has_text=NEXT).click()
    tab.wait_for_url(f"{root}{NEXT}/releases/")
    assert NEXT in tab.locator(".md-version__current").inner_text()
    assert not problems, problems


def test_deploy_records_each_release(deployed: Deployed) -> None:
    text = (deployed.repo / "db" / "releases.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Data releases")  # the file's comment survives the second write
    versions = [r.version for r in curated.ReleasesFile.model_validate(YAML(typ="safe").load(text)).releases]
    assert versions == [FIRST, NEXT]
    assert [r.version for r in deployed.releases] == versions
    assert deployed.releases[1].studies == len(DEPLOYED_STUDIES)
    assert (deployed.repo / "db" / "releases" / f"{NEXT}.yaml").is_file()  # its changelog since FIRST
    downloads = deployed.served / NEXT / virtual.DOWNLOADS_DIR
    assert (downloads / f"her2db-{NEXT}.sqlite").is_file()
    assert (downloads / f"her2db-{NEXT}-v_comparisons.csv").is_file()
    assert (deployed.served / FIRST / virtual.DOWNLOADS_DIR / f"her2db-{FIRST}.sqlite").is_file()
    assert (deployed.served / "latest").exists()


def test_tables_sort_on_click(site_url: str, page: tuple[Page, list[str]]) -> None:
    tab, problems = page
    tab.goto(site_url + "studies/")
    settle(tab)
    header = tab.locator("article table").first.locator("th").nth(5)
    assert header.text_content() == "N"
    header.click()
    column = tab.locator("article table").first.evaluate(
        "t => Array.from(t.tBodies[0].rows).map(r => r.cells[5].textContent.trim())")
    numbers = [int(v) for v in column if v != NOT_REPORTED.text]
    assert numbers == sorted(numbers) and len(numbers) >= 5
    assert column[len(numbers):] == [NOT_REPORTED.text] * (len(column) - len(numbers)), "empty cells sort last"
    assert not problems, problems
