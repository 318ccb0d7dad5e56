"""The reference pages as a clinician reads them, in a real headless Chromium (Debian's): the
session's plain `her2db site build` served from 127.0.0.1. Page budgets (height, width),
the source panel of a number, search as clinicians type, and axe-core's
accessibility rules in the light and dark scheme. Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from her2db_testing import (
    ALL_RULES,
    ARTIFACTS,
    AXE,
    CHROMIUM,
    COLOUR_RULES,
    new_context,
    open_page,
    search,
    settle,
    watch,
)
from playwright.sync_api import Browser, Page
from sitebuild import Built

from her2db.publish import render

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")

DB09 = "studies/destiny-breast09/"
HEIGHT_BUDGET = 7200  # px at 1280 x 900: eight screens


def shot(tab: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / name))


# --- budgets -------------------------------------------------------------------------------


def test_destiny_breast09_fits_its_height_budget_with_every_number_reachable(
        built: Built, site_url: str, page: tuple[Page, list[str]]) -> None:
    tab, problems = page
    open_page(tab, site_url + DB09)
    height = tab.evaluate("document.documentElement.scrollHeight")
    (ARTIFACTS.mkdir(exist_ok=True), (ARTIFACTS / "page-heights.json").write_text(
        json.dumps({DB09: height}) + "\n", encoding="utf-8"))
    assert height <= HEIGHT_BUDGET, height
    # every number of the study is on the page (collapsed sections count: one click away)
    text = " ".join(tab.locator("article").text_content().split())
    study = "destiny-breast09"
    for r in built.query("SELECT * FROM v_arm_results WHERE study_id = ?", study):
        assert render.result_value(dict(r)) in text, dict(r)
    for c in built.query("SELECT * FROM v_comparisons WHERE study_id = ?", study):
        assert render.effect(dict(c), measure=False) in text, dict(c)
    for e in built.query("SELECT * FROM v_adverse_events WHERE study_id = ?", study):
        assert render.ae_value(dict(e)) in text, dict(e)
    # the first screen is the key results, the ILD rate within the first screens
    key = tab.locator(".her2db-key")
    assert key.bounding_box()["y"] < 900
    key_text = key.inner_text()
    assert "Primary endpoint" in key_text and "HR 0.56 (0.44–0.71)" in key_text
    assert "Overall survival" in key_text and "Treatment-related adverse events, grade ≥3" in key_text
    ild = key.locator("li", has_text="Interstitial lung disease").first  # the issue: it was at 18,600 px
    assert "46 (12.1)" in ild.inner_text() and ild.bounding_box()["y"] + ild.bounding_box()["height"] < 900
    shot(tab, "study-destiny-breast09-first-screen.png")
    tab.locator("h2#adverse-events").scroll_into_view_if_needed()
    shot(tab, "study-destiny-breast09-safety.png")
    assert not problems, problems


# --- reading a number ----------------------------------------------------------------------


def test_a_number_opens_its_source_by_click_tap_and_keyboard(site_url: str, page: tuple[Page, list[str]],
                                                              phone: Page) -> None:
    tab, problems = page
    open_page(tab, site_url + DB09)
    number = tab.locator(".her2db-key .her2db-n__value", has_text="HR 0.56").first
    panel = number.locator("xpath=following-sibling::*[contains(@class, 'her2db-prov')]")
    assert not panel.is_visible()
    number.click()
    assert panel.is_visible() and number.get_attribute("aria-expanded") == "true"
    text = panel.inner_text()
    # the trial's own publication is the preferred report; the review's stays in the panel
    assert "Read in:" in text and "Tolaney" in text
    assert panel.locator("a", has_text="DOI 10.1056/NEJMoa2508668").first.get_attribute("href") == \
        "https://doi.org/10.1056/NEJMoa2508668"
    assert "The review reports: 0.56" in text and "DESTINY-Breast09 efficacy paragraph" in text
    assert "44%" in text  # the review's sentence, quoted
    tab.keyboard.press("Escape")
    assert not panel.is_visible()
    assert tab.evaluate("document.activeElement.classList.contains('her2db-n__value')")
    # the keyboard alone: focus a number, Enter opens, Tab reaches the panel's link
    number.focus()
    tab.keyboard.press("Enter")
    assert panel.is_visible()
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.closest('.her2db-prov') !== null")
    tab.keyboard.press("Escape")
    assert not panel.is_visible()
    # a tap on a phone
    open_page(phone, site_url + DB09)
    tapped = phone.locator(".her2db-key .her2db-n__value").first
    tapped.tap()
    opened = tapped.locator("xpath=following-sibling::*[contains(@class, 'her2db-prov')]")
    assert opened.is_visible()
    box = opened.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert not problems, problems


def test_values_print_as_a_reader_expects(site_url: str, page: tuple[Page, list[str]]) -> None:
    tab, _ = page
    open_page(tab, site_url + DB09)
    text = tab.locator("article").inner_text()
    assert "85.1%" in text and "proportion 85.1%" not in text
    row = tab.locator("tr", has=tab.locator("th", has_text="24-month PFS rate")).first.inner_text()
    assert "70.1%" in row and "52.1%" in row
    assert "NR" in tab.locator("tr", has=tab.locator("th", has_text="Median PFS2")).first.inner_text()
    assert "29.2 months" in text  # follow-up as printed
    assert "approximately 16%" in text  # a qualifier stays
    for code in ("median_follow_up_months", "CNS_PFS", "teae", "Source:"):
        assert code not in text, code


def test_curation_notes_are_collapsed_at_the_end_for_readers(site_url: str, page: tuple[Page, list[str]]) -> None:
    tab, _ = page
    open_page(tab, site_url + DB09)
    notes = tab.locator("article details").last
    assert notes.locator("summary").inner_text() == "Curation notes"
    assert notes.get_attribute("open") is None
    assert notes.locator("code").count() == 0
    written = notes.text_content()
    assert "TEAE" in written  # the curator's "teae", in a reader's words
    assert not re.findall(r"`|\b[a-z]+_[a-z_]+\b|\bteae\b|validator", written), written
    following = notes.evaluate("d => { let n = d.nextElementSibling, k = 0; while (n) { if (/^H[1-6]$/.test(n.tagName)) k++; "
                               "n = n.nextElementSibling; } return k; }")
    assert following == 0, "the curation notes come last"
    summary_top = tab.locator("article h2").first.bounding_box()["y"]
    assert notes.bounding_box()["y"] > summary_top


def test_forest_plot_follows_the_dark_scheme(browser: Browser, site_url: str) -> None:
    context = new_context(browser, viewport={"width": 1280, "height": 900}, color_scheme="dark")
    tab = context.new_page()
    try:
        open_page(tab, site_url + DB09)
        svg = tab.locator("svg.her2db-forest__svg").first
        colours = svg.evaluate("""s => [getComputedStyle(s.querySelector('text')).fill,
                                        getComputedStyle(document.querySelector('article')).color,
                                        getComputedStyle(document.body).backgroundColor]""")
        assert colours[0] == colours[1], colours  # the text is the page's own (light) ink
        assert colours[0] != colours[2]
        assert "Progression-free survival (PFS)" in svg.locator("title").text_content()
        assert "0.30 (0.12–0.68)" in svg.locator("desc").text_content()
        assert svg.get_attribute("role") == "img"
    finally:
        context.close()


# --- search --------------------------------------------------------------------------------


# the query, the study pages it must rank first (in any order)
ALIASES = {
    "trial shorthand DB09": ("DB09", {"studies/destiny-breast09/"}),
    "trial shorthand DB-09": ("DB-09", {"studies/destiny-breast09/"}),
    "trial shorthand DB-03": ("DB-03", {"studies/destiny-breast03/"}),
    "drug abbreviation T-DM1": ("T-DM1", {"studies/destiny-breast03/"}),
    "brand name Tukysa": ("Tukysa", {"studies/her2climb/", "studies/her2climb-05/"}),
    "brand name Ibrance": ("Ibrance", {"studies/patina/"}),
}


def test_search_finds_what_clinicians_type(site_url: str, page: tuple[Page, list[str]]) -> None:
    """Each family of names in one tab, one query after another (as a reader searches again);
    and an endpoint ranks above its relatives."""
    tab, problems = page
    wrong = {}
    for family, (query, first) in ALIASES.items():
        found = search(tab, site_url, query)
        if set(found[:len(first)]) != first:
            wrong[family] = found
    assert wrong == {}, wrong
    search(tab, site_url, "PFS")
    titles = tab.locator(".md-search-result__item").all_inner_texts()
    first_pfs = next(i for i, t in enumerate(titles) if re.search(r"(?<![-\w])PFS(?![-\w])", t))
    cns = [i for i, t in enumerate(titles) if "CNS-PFS" in t and not re.search(r"(?<![-\w])PFS(?![-\w])", t)]
    assert all(first_pfs < i for i in cns), titles
    assert not problems, problems


# --- accessibility and hygiene -------------------------------------------------------------


# The pages checked at desktop width, each in one load: it logs no problem, no table or figure
# is wider than its box, and axe finds no violation in the light or the dark scheme. Those the
# issues name, the comparisons, and the glossary.
DESKTOP_PAGES = ("", "studies/", DB09, "studies/cleopatra/", "studies/flatiron/", "comparisons/first-line/",
                 "comparisons/attrition/", "comparisons/safety/", "query/", "releases/", "glossary/")
SHOTS = {"": "home.png", "comparisons/first-line/": "comparison-first-line.png",
         "comparisons/attrition/": "comparison-attrition.png"}


@pytest.mark.parametrize("path", DESKTOP_PAGES)
def test_page_logs_no_problem_fits_its_boxes_and_passes_axe(browser: Browser, site_url: str, path: str) -> None:
    """At 1280 px: no console error, failed request or other host; no table or figure wider
    than its box and no sideways scroll of the page; then every axe rule in the light scheme
    and the colour rules in the dark one the reader's toggle sets (Material's
    data-md-color-scheme), no violation of any impact. Axe's counts per rule go to
    test-artifacts/axe/ for people."""
    context = new_context(browser, viewport={"width": 1280, "height": 900}, color_scheme="light")
    tab = context.new_page()
    problems = watch(tab)
    counts, found = {}, {}
    try:
        open_page(tab, site_url + path)
        too_wide = tab.evaluate("""() => Array.from(document.querySelectorAll(
                'article table, article figure, article svg.her2db-forest__svg'))
            .filter(el => el.closest('details:not([open])') === null)
            .map(el => { const box = el.closest('.her2db-scroll, .md-typeset__scrollwrap') || el.parentElement;
                         return [el.tagName, (el.caption && el.caption.textContent) || '',
                                 Math.round(el.getBoundingClientRect().width), box.clientWidth, box.scrollWidth]; })
            .filter(([, , width, room, scroll]) => width > room + 1 || scroll > room + 1)""")
        assert too_wide == [], too_wide
        assert tab.evaluate("document.documentElement.scrollWidth") <= 1280
        if path in SHOTS:
            shot(tab, SHOTS[path])
        # the new scheme's colours at once: axe must not read a colour mid-transition
        tab.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
        for scheme, options in (("default", ALL_RULES), ("slate", COLOUR_RULES)):
            tab.evaluate("s => document.body.setAttribute('data-md-color-scheme', s)", scheme)
            violations = AXE.run(tab, options=options).response["violations"]
            counts[scheme] = {v["id"]: len(v["nodes"]) for v in violations}
            if violations:
                found[scheme] = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5]) for v in violations]
    finally:
        context.close()
    (ARTIFACTS / "axe").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe" / f"{path.strip('/').replace('/', '-') or 'home'}.json").write_text(
        json.dumps(counts, indent=1) + "\n", encoding="utf-8")
    assert found == {}, found
    assert not problems, problems


def test_plain_build_publishes_no_local_address(built: Built) -> None:
    sitemap = (built.public / "sitemap.xml").read_text(encoding="utf-8")
    assert "127.0.0.1" not in sitemap and "localhost" not in sitemap
    local = [p for p in built.public.rglob("*.html") if "127.0.0.1" in p.read_text(encoding="utf-8")]
    # the reference documents the address `her2db site serve` listens on, as text; no page links to it
    assert not [p for p in local if p.relative_to(built.public).parts[0] != "reference"]
    assert not [p for p in local if re.search(r'(?:href|src|content)="[^"]*127\.0\.0\.1', p.read_text(encoding="utf-8"))]


def test_no_problems_on_a_study_page_in_a_fresh_tab(browser: Browser, site_url: str) -> None:
    """Instant navigation off (no site address): a link opens the page for real, cleanly."""
    context = new_context(browser, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    problems = watch(tab)
    try:
        open_page(tab, site_url + "studies/")
        tab.locator("article a", has_text="DESTINY-Breast09").first.click()
        settle(tab)
        assert tab.url.endswith(DB09)
        assert tab.locator("article h1").inner_text().startswith("DESTINY-Breast09")
    finally:
        context.close()
    assert not problems, problems
