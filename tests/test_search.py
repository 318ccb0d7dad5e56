"""Search as clinicians type it: the built site's own search (Material's, in Chromium) ranks
the study and comparison pages that hold the data first, lands on the section that matched,
and shows snippets that read as text; and the search index behind it (search_index.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from her2db_testing import ARTIFACTS, CHROMIUM, open_page, search
from playwright.sync_api import Page
from sitebuild import Built

from her2db.publish import search_index

# Pages a query may rank first when several hold the data alike; the others are named below.
T_DXD = "SELECT DISTINCT a.study_id FROM arm a JOIN intervention i ON i.arm_id = a.id WHERE i.drug_id = 'trastuzumab-deruxtecan'"
T_DM1 = "SELECT DISTINCT a.study_id FROM arm a JOIN intervention i ON i.arm_id = a.id WHERE i.drug_id = 'trastuzumab-emtansine'"
PERTUZUMAB = "SELECT DISTINCT a.study_id FROM arm a JOIN intervention i ON i.arm_id = a.id WHERE i.drug_id = 'pertuzumab'"
TRASTUZUMAB = "SELECT DISTINCT a.study_id FROM arm a JOIN intervention i ON i.arm_id = a.id WHERE i.drug_id = 'trastuzumab'"
TUCATINIB = "SELECT DISTINCT a.study_id FROM arm a JOIN intervention i ON i.arm_id = a.id WHERE i.drug_id = 'tucatinib'"
HR_POSITIVE = ("SELECT DISTINCT study_id FROM subgroup WHERE level LIKE 'HR-positive%' "
               "UNION SELECT id FROM study WHERE title LIKE '%HR-positive%'")  # PATINA: all its patients
ORR = "SELECT DISTINCT study_id FROM arm_result WHERE endpoint = 'ORR'"
CNS_PFS = "SELECT study_id FROM arm_result WHERE endpoint = 'CNS_PFS' UNION SELECT study_id FROM comparison WHERE endpoint = 'CNS_PFS'"
NEUTROPENIA = "SELECT DISTINCT study_id FROM adverse_event WHERE term = 'neutropenia'"

FIRST_LINE, ATTRITION, SAFETY = "comparisons/first-line/", "comparisons/attrition/", "comparisons/safety/"

# query: (the first result: a page, or the study pages an SQL query names, or both;
#         the section the first hit lands on, where it matters; pages that must be found too)
CLINICIAN_QUERIES: dict[str, tuple[str | set[str], str | None, set[str]]] = {
    # endpoints, abbreviated and spelled out
    "PFS": (FIRST_LINE, None, {"studies/destiny-breast09/"}),
    "progression-free survival": (FIRST_LINE, None, {"studies/destiny-breast09/"}),
    "OS": (FIRST_LINE, None, set()),
    "overall survival": (FIRST_LINE, None, set()),
    "hazard ratio": (FIRST_LINE, None, set()),
    "forest plot": (FIRST_LINE, "forest-plot-of-pfs-hazard-ratios", set()),
    "ORR": (ORR, "efficacy", set()),
    "objective response rate": (ORR, None, set()),
    "CNS-PFS": (CNS_PFS, "efficacy", {"studies/her2climb/"}),
    "brain metastases": ({"studies/destiny-breast12/", "studies/her2climb/"}, None, set()),
    # subgroups
    "HR-positive": (HR_POSITIVE, None, {"studies/patina/"}),
    "hormone receptor-positive": (HR_POSITIVE, None, set()),
    # drugs: abbreviation, name, brand
    "T-DXd": (T_DXD, None, {"studies/destiny-breast09/"}),
    "trastuzumab deruxtecan": (T_DXD, None, {"studies/destiny-breast09/"}),
    "Enhertu": (T_DXD, None, {"studies/destiny-breast09/", "studies/destiny-breast03/"}),
    "T-DM1": ("studies/destiny-breast03/", "efficacy", set()),
    "Kadcyla": (T_DM1, None, {"studies/destiny-breast03/"}),
    "Tukysa": (TUCATINIB, None, {"studies/her2climb/", "studies/her2climb-05/"}),
    "tucatinib": (TUCATINIB, None, {"studies/her2climb/", "studies/her2climb-05/"}),
    "Perjeta": (PERTUZUMAB, None, {"studies/cleopatra/", "studies/destiny-breast09/"}),
    "Herceptin": (TRASTUZUMAB, None, {"studies/cleopatra/"}),
    "Ibrance": ("studies/patina/", None, set()),
    "palbociclib": ("studies/patina/", None, set()),
    # lines of therapy and routine care
    "second line": (ATTRITION, None, set()),
    "second-line therapy": (ATTRITION, None, set()),
    "attrition": (ATTRITION, None, {"studies/flatiron/"}),
    "real-world": (ATTRITION, None, set()),
    "maintenance": (FIRST_LINE, None, {"studies/patina/"}),
    # adverse events: the Safety page and the study tables
    "ILD": ({SAFETY, "studies/destiny-breast09/"}, None, {SAFETY, "studies/destiny-breast09/"}),
    "interstitial lung disease": (SAFETY, None, {"studies/destiny-breast09/"}),
    "pneumonitis": ({"studies/destiny-breast09/", SAFETY}, None, {SAFETY}),
    "neutropenia": (NEUTROPENIA, "adverse-events", {SAFETY, "studies/patina/"}),
    "diarrhea": (SAFETY, None, {"studies/destiny-breast09/"}),
    "nausea": (SAFETY, None, set()),
    "alopecia": (SAFETY, None, set()),
    "transaminases": (SAFETY, None, set()),
    "TEAE": (SAFETY, None, set()),
    "grade 3 adverse events": ({"studies/destiny-breast09/", SAFETY}, None, {SAFETY}),
    # trials by name and shorthand
    "DB-09": ("studies/destiny-breast09/", None, set()),
    "CLEOPATRA": ("studies/cleopatra/", None, set()),
}

RUN_TOGETHER = re.compile(r"\d\.\d%\d|\d%n\.r\.|n\.r\.\d|\)n\.r\.")
"""Table cells run together in a snippet, as "TEAEs)n.r.54.9%n.r.62.3%"."""


def _expected(first: str | set[str], built: Built) -> set[str]:
    if isinstance(first, set):
        return first
    if first.startswith("SELECT"):
        return {f"studies/{row[0]}/" for row in built.query(first)}
    return {first}


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_clinician_queries_rank_the_pages_that_hold_the_data_first(
        built: Built, site_url: str, page: tuple[Page, list[str]]) -> None:
    tab, problems = page
    wrong = {}
    for query, (first, section, also) in CLINICIAN_QUERIES.items():
        found = search(tab, site_url, query)
        hit = tab.locator(".md-search-result__item").first
        links = hit.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        anchors = [link.split("#", 1)[1] for link in links if "#" in link]
        snippet = hit.inner_text()
        expected = _expected(first, built)
        if found[0] not in expected:
            wrong[query] = f"first {found[0]}, expected one of {sorted(expected)}"
        elif section is not None and anchors[:1] != [section]:
            wrong[query] = f"lands on {anchors[:1]}, expected #{section}"
        elif anchors[:1] == ["sources"]:
            wrong[query] = "lands on the Sources section"
        elif not also <= set(found):
            wrong[query] = f"does not find {sorted(also - set(found))}"
        elif "Missing" in snippet:  # Material's note on a hit without every word of the query
            wrong[query] = f"the first hit misses a word: {snippet!r}"
        elif RUN_TOGETHER.search(snippet):
            wrong[query] = f"snippet runs table cells together: {snippet!r}"
    search(tab, site_url, "neutropenia")  # for people: what the snippets look like
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "search-neutropenia.png"))
    assert len(CLINICIAN_QUERIES) >= 30
    assert wrong == {}, wrong
    assert not problems, problems


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_a_page_loads_the_search_index_only_when_the_reader_searches(
        site_url: str, page: tuple[Page, list[str]]) -> None:
    """Every page holds the index (and the work of indexing it) until the search box opens;
    the keyboard shortcut opens it, and the first query typed then is answered."""
    tab, problems = page
    asked: list[str] = []
    tab.on("request", lambda r: asked.append(r.url) if r.url.endswith("/search/search_index.json") else None)
    open_page(tab, site_url + "studies/destiny-breast09/")
    tab.locator("article a").first.hover()
    assert asked == []
    tab.keyboard.press("/")
    box = tab.locator(".md-search__input")
    box.fill("tucatinib")
    box.press("End")
    tab.locator(".md-search-result__item").first.wait_for()
    assert len(asked) == 1
    found = tab.locator(".md-search-result__item > a").first.get_attribute("href")
    assert found is not None and "her2climb" in found
    assert not problems, problems


def test_search_index_reads_tables_as_sentences(built: Built) -> None:
    index = json.loads((built.public / "search" / "search_index.json").read_text(encoding="utf-8"))
    docs = {d["location"]: d for d in index["docs"]}
    assert not [loc for loc, d in docs.items() if RUN_TOGETHER.search(d["text"])]
    events = docs["studies/destiny-breast09/#adverse-events"]["text"]
    assert "<p>Treatment-emergent adverse events (TEAEs): " in events
    assert "grade ≥3 54.9%" in events and "grade ≥3 62.3%" in events
    assert "<p>Median PFS: T-DXd + pertuzumab 40.7 months; " in docs["studies/destiny-breast09/#efficacy"]["text"]
    # the Safety page's tables are indexed, row by row under their headings
    safety = [d for loc, d in docs.items() if loc.startswith(SAFETY + "#")]
    assert any("<p>Neutropenia: " in d["text"] for d in safety)
    # the Sources section weighs less than the sections holding the data
    assert docs["studies/destiny-breast09/#sources"]["boost"] < docs["studies/destiny-breast09/#efficacy"]["boost"]
    assert docs["studies/destiny-breast09/"]["boost"] > docs["data-model/"]["boost"]


TABLE = """<p>Before</p><table class="t"><caption>Patients with the event, n (%)</caption>
<thead><tr><th rowspan="2">Event</th><th colspan="2"><a href="x">TRIAL</a></th></tr>
<tr><th>Arm A<br>n = 10</th><th>Arm B</th></tr></thead>
<tbody><tr><th scope="row">Nausea &amp; vomiting</th><td><button>3 (30%)</button><span hidden data-search-exclude>Read in: a source</span></td><td>—</td></tr>
<tr><th scope="row">Rash</th><td>1</td><td>2</td></tr></tbody></table><p>After</p>"""


def test_index_view_writes_each_row_as_a_sentence() -> None:
    view = search_index.index_view(TABLE)
    assert view == ("<p>Before</p><p>Patients with the event, n (%)</p>"
                    "<p>Nausea &amp; vomiting: TRIAL: Arm A n = 10 3 (30%)</p>"
                    "<p>Rash: TRIAL: Arm A n = 10 1, Arm B 2</p><p>After</p>")
    # under a header of one row, each value after its column's header
    single = search_index.index_view("<table><tr><th>Endpoint</th><th>A</th><th>B</th></tr>"
                                     "<tr><td>Median PFS</td><td>40.7 months</td><td>26.9 months</td></tr></table>")
    assert single == "<p>Median PFS: A 40.7 months; B 26.9 months</p>"
    # a table search skips anyway is left as it is
    excluded = TABLE.replace('<table class="t">', '<table class="t" data-search-exclude>')
    assert search_index.index_view(excluded) == excluded


def test_reader_view_and_tune() -> None:
    assert search_index.reader_view('<div data-search-exclude="x">a</div>') == "<div>a</div>"
    index = {"config": {}, "docs": [{"location": "studies/x/", "text": "", "boost": 3},
                                    {"location": "studies/x/#sources", "text": "a", "boost": 3},
                                    {"location": "studies/x/#efficacy", "text": "b"}]}
    docs = search_index.tune(index)["docs"]
    assert [d.get("boost") for d in docs] == [3, pytest.approx(0.3), None]
