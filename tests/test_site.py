"""The reference site, built for real: `mkdocs build --strict` of the real data into tmp_path,
then checked the way a reader would notice problems (missing pages, dead links, wrong numbers
in the plots, markup or scripts smuggled in through curated text)."""

from __future__ import annotations

import csv
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from click.testing import CliRunner
from her2db_testing import once_per_run, serve, settle
from playwright.sync_api import Page
from sitebuild import FEW_STUDIES, ROOT, Built, build_copy, copy_project, parse

from her2db.cli import cli
from her2db.curate.load import ensure_database
from her2db.model.notation import NOT_REPORTED
from her2db.publish import build as site
from her2db.publish import buildcache, generated, render, virtual
from her2db.publish.plots import MAX_ROWS, ForestRow, forest
from her2db.publish.plugin import MIKE_VERSION
from her2db.store.sqlite import connect_readonly


def html_pages(public: Path) -> list[Path]:
    return [p for p in public.rglob("*.html") if "assets" not in p.relative_to(public).parts]


# --- the real data -----------------------------------------------------------------------


def test_every_study_has_a_page(built: Built) -> None:
    studies = built.query("SELECT id, acronym, title FROM study ORDER BY id")
    assert len(studies) >= 19
    index = built.page("studies")
    linked = {url for tag, url in index.links if tag == "a"}
    for study in studies:
        page = built.page(f"studies/{study['id']}")
        assert study["acronym"] in page.text and study["title"] in page.text, study["id"]
        assert any(url.rstrip("/").split("/")[-1] == study["id"] for url in linked), \
            f"studies index does not link {study['id']}"
    assert built.result.studies == len(studies)


def _study_markdown(db: Path) -> dict[str, str]:
    """The study pages the plugin generates, by path, as MkDocs reads them."""
    conn = connect_readonly(db)
    try:
        return {page.src_uri: (page.content or b"").decode("utf-8") for page in generated.study_pages(conn)}
    finally:
        conn.close()


def test_study_pages_are_markdown_with_front_matter(built: Built) -> None:
    text = _study_markdown(built.db)["studies/her2climb-05.md"]
    front = text.split("---\n")[1]
    assert 'title: "HER2CLIMB-05"' in front
    assert "tucatinib" in front.split("tags:")[0], "the description names the drugs"
    tags = re.findall(r'^  - "(.*)"$', front, re.M)
    assert {"tucatinib (Tukysa)", "metastatic", "randomized trial"} <= set(tags)
    # one tag a drug, its other names with it; the trial's shorthands in one
    assert len(tags) == len(set(tags)) and sum("tucatinib" in t.lower() for t in tags) == 1, tags


def test_each_drug_and_each_shorthand_is_one_tag(built: Built) -> None:
    text = _study_markdown(built.db)["studies/destiny-breast09.md"]
    tags = re.findall(r'^  - "(.*)"$', text.split("---\n")[1], re.M)
    assert "DB-09 (DB09)" in tags and "DB09" not in tags and "DB-09" not in tags, tags
    assert sum("placebo" in t.lower() or "PBO" in t for t in tags) <= 1, tags
    assert sum("taxane" in t.lower() for t in tags) == 1, tags


def test_a_build_writes_nothing_into_the_docs_folder(built: Built) -> None:
    """Generated pages and downloads are virtual files: the docs folder after a build is the
    hand-written one, byte for byte, with no file added."""
    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if not p.is_dir()}

    assert files(built.project / "site") == files(ROOT / "site")
    assert not [p for p in (built.project / "site").rglob("*") if p.is_dir() and not any(p.iterdir())]


def test_every_internal_link_resolves(built: Built) -> None:
    pages = {p: parse(p) for p in html_pages(built.public)}
    ids = {p: page.ids for p, page in pages.items()}

    def ids_of(target: Path) -> set[str]:
        """The ids of a page, each page parsed once."""
        if target not in ids:
            ids[target] = parse(target).ids
        return ids[target]

    broken = []
    for path, page in pages.items():
        base = "/" + path.relative_to(built.public).as_posix()
        for tag, url in page.links:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//"):
                # only links may point elsewhere: nothing is loaded from another host
                assert tag in ("a", "link[canonical]") and parts.scheme in ("http", "https", "mailto"), \
                    (path, tag, url)
                continue
            target_url = urljoin(base, parts.path) if parts.path else base
            target = built.public / unquote(target_url).lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append((base, url))
            elif parts.fragment and target.suffix == ".html":
                if parts.fragment not in ids_of(target):
                    broken.append((base, url))
    assert not broken, broken[:20]


def test_forest_plots_carry_the_database_values(built: Built) -> None:
    hrs = built.query("""SELECT * FROM v_comparisons WHERE measure = 'HR' AND subgroup IS NOT NULL""")
    assert hrs, "the real data has subgroup hazard ratios"
    for hr in hrs:
        expected = render.effect(dict(hr), measure=False)
        html = (built.public / "studies" / hr["study_id"] / "index.html").read_text(encoding="utf-8")
        svgs = re.findall(r'<svg class="her2db-forest__svg".*?</svg>', html, re.S)
        assert any(f">{expected}<" in svg for svg in svgs), (hr["study_id"], expected)
        # the figure says its numbers to readers who cannot see it, and names the endpoint
        assert any(f"{hr['subgroup']}: {expected}" in re.sub(r"\s+", " ", unescape(svg)) for svg in svgs)
        assert all("<title" in svg and "<desc" in svg and "_" not in unescape(
            re.search(r"<title[^>]*>(.*?)</title>", svg).group(1)) for svg in svgs)
        # ... and the same numbers stand beside the figure as text
        assert expected in built.page(f"studies/{hr['study_id']}").text
    first_line = (built.public / "comparisons" / "first-line" / "index.html").read_text(encoding="utf-8")
    figure = unescape(re.search(r'<svg class="her2db-forest__svg".*?</svg>', first_line, re.S).group(0))
    for name in ("DESTINY-Breast09", "PATINA", "HER2CLIMB-05"):
        row = built.query("""SELECT c.* FROM v_comparisons c JOIN study s ON s.id = c.study_id
                             WHERE s.acronym = ? AND c.endpoint = 'PFS' AND c.measure = 'HR'
                             AND c.subgroup IS NULL""", name)[0]
        assert f">{name}" in figure
        assert f">{render.effect(dict(row), measure=False)}<" in figure


def test_patina_page_prints_the_numbers_as_the_source_does(built: Built) -> None:
    """Issue 8's reader check: the misprint-looking bound as printed, NE, a p-value with no
    invented measure, the grade >=4 p-value between arms as data, a difference with its unit."""
    text = " ".join(built.page("studies/patina").text.split())
    assert "0.68 (0.543–1.07)" in text
    os_rows = [row for table in built.page("studies/patina").tables for row in table if row[0] == "Median OS"]
    assert os_rows and os_rows[0][1].startswith("NE")
    assert "no effect estimate reported" in text and "not reported (" not in text
    html = (built.public / "studies" / "patina" / "index.html").read_text(encoding="utf-8")
    buttons = re.findall(r'<button type="button" class="her2db-n__value"[^>]*>([^<]*)</button>', html)
    # p-values are numbers too: each opens its record's source panel like the estimate beside it
    assert {"p = 0.046", "p = 0.01", "p = 0.21 vs trastuzumab (± pertuzumab) + ET"} <= set(map(unescape, buttons))
    # so is the enrolment of the first screen, read from the enrolled population's record
    enrolled = built.query("SELECT n FROM v_populations WHERE study_id = 'patina' AND enrolled")[0]["n"]
    assert re.search(rf'>{enrolled}</button><span class="her2db-prov"[^>]*>.*?</span>\s*patients enrolled', html, re.S)
    assert "p = 0.21 vs trastuzumab (± pertuzumab) + ET" in text
    assert "difference 15.2 months (CI not reported)" in text


def test_a_hazard_ratio_sits_on_its_endpoint_row_beside_both_arms(built: Built) -> None:
    """HER2CLIMB's CNS-PFS HR is about the whole curve: not on the 12-month rate's row, and
    the comparator it is against has its column even without a result of its own."""
    table = next(t for t in built.page("studies/her2climb").tables if any(row[0] == "CNS-PFS" for row in t))
    assert table[0][1:3] == ["Tucatinib + trastuzumab + capecitabine", "Placebo + trastuzumab + capecitabine"]
    rows = {row[0]: row for row in table[1:]}
    assert rows["12-month CNS-PFS rate"][3] == NOT_REPORTED.text
    assert rows["CNS-PFS"][3].startswith("HR 0.32 (0.22–0.48)")


def test_destiny_breast09_table_1_is_reproduced(built: Built) -> None:
    rows = built.query("""SELECT ae.*, t.label FROM v_adverse_events ae JOIN ae_term t ON t.term = ae.term
                          WHERE ae.study_id = 'destiny-breast09' AND ae.locator = 'Table 1'""")
    assert len(rows) >= 60
    page = built.page("studies/destiny-breast09")
    cells = {}
    for table in (t for t in page.tables if t and t[0] and t[0][0] == "Event"):
        columns = list(zip(table[0][1:], table[1]))  # (arm, grade) under the arm's colspan
        cells.update({(r[0], *col): value for r in table[2:] for col, value in zip(columns, r[1:])})
    arms = {arm for (_, arm, _) in cells}
    for row in rows:
        arm = next(a for a in arms if a.startswith(row["arm"]))
        label = render.ae_category(row["category"]) if row["term"] == "any adverse event" else row["label"]
        grade = render.grade(row["grade"])
        assert cells[(label, arm, grade)] == render.ae_value(dict(row)), (label, arm, grade)
    assert any("n = 381" in a for a in arms) and any("n = 382" in a for a in arms)
    assert cells[("Nausea", next(a for a in arms if a.startswith("T-DXd")), "any grade")] == "271 (71.1)"


def test_every_number_shows_its_source(built: Built) -> None:
    page = built.page("studies/destiny-breast09")
    assert page.numbers and len(page.provenances) == len(page.numbers)
    assert all("Read in: " in p for p in page.provenances)
    # the primary publication with its DOI, the review with the place, the verbatim quote
    assert any("Primary publication: Tolaney" in p and "DOI 10.1056/NEJMoa2508668" in p for p in page.provenances)
    results = built.query("SELECT locator, quote FROM v_arm_results WHERE study_id = 'destiny-breast09'")
    for r in results:
        assert any(f", {r['locator']}" in p for p in page.provenances), r["locator"]
        if r["quote"]:
            assert any(" ".join(r["quote"].split()) in p for p in page.provenances), r["quote"]
    for path in ("", "studies", "comparisons/first-line", "comparisons/safety", "comparisons/attrition"):
        other = built.page(path)
        assert other.numbers and len(other.provenances) == len(other.numbers), path
        assert all("Read in: " in p for p in other.provenances), path
    # no Source column repeated on every row
    assert not [t for t in page.tables if t and "Source" in t[0]]


def test_comparison_pages_show_the_trials_side_by_side(built: Built) -> None:
    page = built.page("comparisons/first-line")
    table = page.tables[0]
    trials = [row[0].split()[0] for row in table[1:]]
    assert {"DESTINY-Breast09", "PATINA", "HER2CLIMB-05"} <= set(trials)
    pfs = {row[0].split()[0]: row[3] for row in table[1:]}
    # PATINA's source reports its difference (a comparison, with its source); DB09's is computed
    assert "difference 15.2 months (CI not reported)" in pfs["PATINA"] and "computed" not in pfs["PATINA"]
    assert "difference +13.8 months (computed)" in pfs["DESTINY-Breast09"]
    attrition = built.page("comparisons/attrition")
    definitions = built.query("""SELECT DISTINCT se.definition FROM study_endpoint se
                                 JOIN arm_result r ON r.study_id = se.study_id AND r.endpoint = se.endpoint
                                 WHERE se.endpoint = 'ATTRITION' AND se.definition IS NOT NULL""")
    assert definitions
    for d in definitions:
        assert " ".join(d["definition"].split()) in attrition.text
    # a probability at a time point is never shown as a bare number among percentages
    assert "60-month probability 0.67" in " ".join(attrition.text.split())


def test_search_index_finds_drugs_acronyms_and_endpoints(built: Built) -> None:
    index = json.loads((built.public / "search" / "search_index.json").read_text(encoding="utf-8"))
    def pages_with(word: str) -> set[str]:
        return {d["location"].split("#")[0] for d in index["docs"] if word.lower() in d["text"].lower()
                or word.lower() in d["title"].lower()}
    assert {"studies/her2climb/", "studies/her2climb-05/"} <= pages_with("tucatinib")
    assert "studies/patina/" in pages_with("PATINA")
    assert "studies/her2climb/" in pages_with("CNS-PFS")
    # the Sources page lists what the study pages cite: kept out of the index
    citation = "Baselga et al. N Engl J Med 2012"
    assert "sources/" not in pages_with(citation) and "studies/cleopatra/" in pages_with(citation)
    assert "comparisons/safety/" in pages_with("treatment-emergent")
    # the Safety page's tables are indexed (issue 18: adverse-event terms find it); the studies
    # index and the first-line table name no single event
    assert "comparisons/safety/" in pages_with("neutropenia")
    assert not pages_with("neutropenia") & {"studies/", "comparisons/first-line/"}


def test_glossary_explains_every_abbreviation_of_the_vocabularies(built: Built) -> None:
    table = built.page("glossary").tables
    explained = {part.strip() for t in table for row in t[1:] for part in re.split(r",|\(", row[0])}
    endpoints = {render.abbreviation(r["code"]) for r in built.query("SELECT code FROM endpoint")} - {""}
    synonyms = {s for r in built.query("SELECT synonyms FROM drug WHERE synonyms IS NOT NULL")
                for s in r["synonyms"].split("; ")}
    # what the templates themselves print: effect measures, flags, AE categories, assessors
    own = {"HR", "OR", "RR", "CI", "NR", "NE", "TEAE", "BICR", "ITT", "n", "p", "CSV", "JSON", "DOI", "PMID"}
    assert endpoints | synonyms | own <= explained, sorted((endpoints | synonyms | own) - explained)


def test_downloads_hold_every_view(built: Built) -> None:
    folder = built.public / virtual.DOWNLOADS_DIR
    assert (folder / "her2db-dev.sqlite").stat().st_size > 0
    views = [r["name"] for r in built.query("SELECT name FROM sqlite_master WHERE type = 'view'")]
    for view in views:
        with (folder / f"her2db-dev-{view}.csv").open(encoding="utf-8") as handle:
            csv_rows = list(csv.reader(handle))
        json_rows = json.loads((folder / f"her2db-dev-{view}.json").read_text(encoding="utf-8"))
        n = built.query(f"SELECT count(*) AS n FROM {view}")[0]["n"]
        assert len(csv_rows) - 1 == len(json_rows) == n, view
    listed = {url for _, url in built.page("downloads").links}
    assert {f"her2db-dev-{v}.csv" for v in views} | {"her2db-dev.xlsx"} <= {u.rsplit("/", 1)[-1] for u in listed}
    assert (folder / "her2db-dev-v_studies.csv").read_bytes().startswith(b"\xef\xbb\xbfstudy_id,")
    assert (folder / "her2db-dev.xlsx").read_bytes().startswith(b"PK")


def test_no_page_loads_anything_from_another_host(built: Built) -> None:
    for path in html_pages(built.public):
        html = path.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in html and "unpkg.com" not in html and "cdn." not in html, path


def test_hand_written_pages_type_no_numbers() -> None:
    """Numbers come from the database through macros. Prose may still name things with
    digits (HER2, receptor 2, Table 1); what must not appear is a value: a decimal, a
    percentage or a count. The reference (``site/reference/``) documents the tool, not the
    evidence: its numbers are limits, timings and examples of the format."""
    number = re.compile(r"(?<![\w/.-])(?:\d+[.,]\d+|\d+\s?%|\d{2,})(?![\w/])")
    for page in (ROOT / "site").rglob("*.md"):
        if page.parent.name == "reference":
            continue
        # macro calls and code (vocabulary such as grade `>=3`) are not prose
        body = re.sub(r"\{\{.*?\}\}|`[^`]*`", "", page.read_text(encoding="utf-8"))
        body = re.sub(r"^search:\n  boost: [\d.]+\n", "", body, flags=re.M)  # a page's search weight
        assert not number.findall(body), (page.name, number.findall(body))


def test_forest_plot_svg_is_deterministic_escaped_and_bounded() -> None:
    rows = [ForestRow("All patients", 0.56, 0.44, 0.71, "0.56 (0.44–0.71)", True),
            ForestRow("brain metastases $x$ <b>", 0.3, 0.12, 0.68, "0.30 (0.12–0.68)")]

    def svg(figure_rows: list[ForestRow]) -> str:
        return render.render("forest.svg", fig=forest(figure_rows, "PFS <i>"), fig_id="f")

    first = svg(rows)
    assert svg(rows) == first
    assert ">0.30 (0.12–0.68)<" in first and "<b>" not in first and "<i>" not in first
    assert "brain metastases" in unescape(first) and "PFS <i>" in unescape(first)
    assert "currentColor" not in first or "fill=" not in first  # colours come from the page's CSS
    # a figure never carries a thousand rows: it is cut, and says so
    many = [ForestRow(f"trial {i}", 0.8, 0.6, 0.9, "0.80 (0.60–0.90)") for i in range(1000)]
    big = svg(many)
    assert big.count("<g class=") == MAX_ROWS
    assert f"first {MAX_ROWS} of 1000" in big


def test_deploy_checks_version_and_repository(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    (tmp_path / "db").mkdir()
    args = ["--sources", str(tmp_path / "db"), "--db", str(tmp_path / "x.sqlite"),
            "--config", str(tmp_path / "mkdocs.yml")]
    result = CliRunner().invoke(cli, ["site", "deploy", "2026.13", *args])
    assert result.exit_code == 1 and "release version '2026.13' must be YYYY.MM" in result.output
    result = CliRunner().invoke(cli, ["site", "deploy", "2026.02", *args])
    assert result.exit_code == 1 and "not inside a git repository" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db", "mkdocs.yml"]


def test_failed_deploy_leaves_the_releases_file_as_it_was(tmp_path: Path) -> None:
    """``site deploy`` records the release through the CLI; if mike fails, the curated file
    is put back byte for byte and the database reloaded without the release. (Here MkDocs,
    under mike, refuses the configuration's theme: a real failure of mike, before it builds.)"""
    config = copy_project(tmp_path, FEW_STUDIES)
    text = config.read_text(encoding="utf-8")
    assert "\n  name: material\n" in text
    config.write_text(text.replace("\n  name: material\n", "\n  name: no-such-theme\n"), encoding="utf-8")
    releases = tmp_path / "db" / "releases.yaml"
    releases.write_text("# kept\nreleases: []\n", encoding="utf-8")
    snapshots = sorted(p.name for p in (tmp_path / "db" / "releases").iterdir())  # the project's own
    for args in (["init", "-q"], ["-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit",
                                  "-q", "--allow-empty", "-m", "x"]):
        subprocess.run(["git", *args], cwd=tmp_path, check=True)
    db = tmp_path / "db" / "her2db.sqlite"
    result = CliRunner().invoke(cli, ["site", "deploy", "2026.02", "--sources", str(tmp_path / "db"),
                                      "--db", str(db), "--config", str(config)])
    assert result.exit_code == 1 and "mike deploy failed" in result.output, result.output
    assert "no-such-theme" in result.output, result.output
    assert releases.read_text(encoding="utf-8") == "# kept\nreleases: []\n"
    assert sorted(p.name for p in (tmp_path / "db" / "releases").iterdir()) == snapshots  # the snapshot the deploy cut is gone
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM release").fetchone()[0] == 0
    conn.close()


def test_deploy_never_empties_a_folder_it_did_not_write(tmp_path: Path) -> None:
    """mike's build empties the site folder as ``site build`` does: ``site_dir: db`` is refused
    before mike runs, every curated file kept (it deleted them all)."""
    config = copy_project(tmp_path, FEW_STUDIES)
    config.write_text(config.read_text(encoding="utf-8").replace("site_dir: public", "site_dir: db"),
                      encoding="utf-8")
    for args in (["init", "-q"], ["-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit",
                                  "-q", "--allow-empty", "-m", "x"]):
        subprocess.run(["git", *args], cwd=tmp_path, check=True)
    db = tmp_path / "her2db.sqlite"
    ensure_database(db, tmp_path / "db")
    before = {p: p.read_bytes() for p in (tmp_path / "db").rglob("*") if p.is_file()}
    with pytest.raises(site.SiteError, match="holds files a site build did not write"):
        site.deploy("2027.01", db, config=config)
    assert {p: p.read_bytes() for p in (tmp_path / "db").rglob("*") if p.is_file()} == before


def test_strict_build_fails_with_mkdocs_output(tmp_path: Path) -> None:
    config = copy_project(tmp_path, FEW_STUDIES)
    (tmp_path / "site" / "broken.md").write_text(
        "---\nrender_macros: true\n---\n# Broken\n\n{{ no_such_macro() }}\n", encoding="utf-8")
    db = tmp_path / "db" / "her2db.sqlite"
    ensure_database(db, tmp_path / "db")
    with pytest.raises(site.SiteError, match="no_such_macro"):
        site.build(db, config)


def test_site_build_reports_a_database_path_it_cannot_use(tmp_path: Path) -> None:
    """The CLI reloads before it builds; a --db that is not ours is a clean error, and the
    site build never starts."""
    config = copy_project(tmp_path, FEW_STUDIES)
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not: a database\n", encoding="utf-8")
    os.utime(foreign, (0, 0))  # older than the sources: the CLI must reload into it
    result = CliRunner().invoke(cli, ["site", "build", "--sources", str(tmp_path / "db"),
                                      "--db", str(foreign), "--config", str(config)])
    assert result.exit_code == 1
    assert "is not a database built by her2db" in result.output and "Traceback" not in result.output
    assert foreign.read_text(encoding="utf-8") == "not: a database\n"
    assert not (tmp_path / "public").exists()


def test_site_refuses_a_file_name_outside_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every generated file name is a checked slug: a release label with a path in it is a
    SiteError, the plugin refuses it in a plain `mkdocs build` too, and nothing is written
    beside the downloads folder."""
    config = copy_project(tmp_path, FEW_STUDIES)
    db = tmp_path / "db" / "her2db.sqlite"
    ensure_database(db, tmp_path / "db")
    with pytest.raises(site.SiteError, match="not a safe file name"):
        site.deploy("../../escaped", db, config=config)
    monkeypatch.setenv(MIKE_VERSION, "../../escaped")
    result = subprocess.run([sys.executable, "-P", "-m", "mkdocs", "build", "--config-file", str(config)],
                            cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "not a safe file name" in result.stderr, result.stderr
    assert not list(tmp_path.rglob("*escaped*"))


def test_a_site_folder_that_cannot_be_written_is_said_before_mkdocs_runs(tmp_path: Path) -> None:
    """A file where the site folder goes (or a project the user cannot write to): a clean
    message naming the folder, MkDocs never started, the file as it was."""
    config = copy_project(tmp_path, FEW_STUDIES)
    (tmp_path / "public").write_text("a curator's notes\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["site", "build", "--config", str(config), "--sources", str(tmp_path / "db"),
                                      "--db", str(tmp_path / "db" / "her2db.sqlite")])
    assert result.exit_code == 1, result.output
    assert f"cannot write the site into {tmp_path / 'public'}" in result.output
    assert "Traceback" not in result.output and "mkdocs build failed" not in result.output
    assert (tmp_path / "public").read_text(encoding="utf-8") == "a curator's notes\n"


@pytest.mark.parametrize("site_dir", ["db", "schema", "elsewhere"])
def test_a_site_folder_holding_other_files_is_never_emptied(tmp_path: Path, site_dir: str) -> None:
    """MkDocs empties its site folder before a build: a configuration that names the curated
    data, the schema or any folder of someone's files as site_dir is refused, every file kept."""
    config = copy_project(tmp_path / "project", FEW_STUDIES)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "mine.txt").write_text("keep\n", encoding="utf-8")
    target = tmp_path / "elsewhere" if site_dir == "elsewhere" else config.parent / site_dir
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("site_dir: public", f"site_dir: {target}"), encoding="utf-8")
    before = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    result = CliRunner().invoke(cli, ["site", "build", "--config", str(config), "--sources",
                                      str(config.parent / "db"), "--db", str(tmp_path / "her2db.sqlite")])
    assert result.exit_code == 1, result.output
    assert f"the site folder {target} holds files a site build did not write" in result.output
    assert "Traceback" not in result.output
    assert {p: p.read_bytes() for p in target.rglob("*") if p.is_file()} == before
    assert any(target.iterdir())


@pytest.mark.parametrize(("config_text", "message"), [
    ("- a list\n", "is not a MkDocs configuration: expected settings (a mapping), found list"),
    ("docs_dir: 5\n", "docs_dir must name a folder, not 5"),
    ("site_dir: null\n", "site_dir must name a folder, not None"),
    ("site_name: [unclosed\n", "cannot be read as a MkDocs configuration"),
])
def test_a_malformed_configuration_is_a_clean_error(tmp_path: Path, config_text: str, message: str) -> None:
    config = copy_project(tmp_path, FEW_STUDIES)
    config.write_text(config_text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["site", "build", "--config", str(config), "--sources", str(tmp_path / "db"),
                                      "--db", str(tmp_path / "db" / "her2db.sqlite")])
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output


def test_the_configuration_hands_the_build_database_to_the_plugin(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """mkdocs.yml reads the plugin's options from the variables `her2db site` sets; unset,
    they name the project's database."""
    from mkdocs.config import load_config

    def options() -> dict[str, object]:
        return dict(load_config(str(ROOT / "mkdocs.yml")).plugins["her2db"].config)

    for name in (site.DATABASE_ENV, site.DATABASE_URL_ENV):
        monkeypatch.delenv(name, raising=False)
    assert options() == {"database": str(ROOT / "db" / "her2db.sqlite"), "database_url": None}
    monkeypatch.setenv(site.DATABASE_ENV, str(tmp_path / "x.sqlite"))
    monkeypatch.setenv(site.DATABASE_URL_ENV, "postgresql://h/d")
    assert options() == {"database": str(tmp_path / "x.sqlite"), "database_url": "postgresql://h/d"}


def test_deploy_dev_previews_the_working_copy_without_a_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`site deploy dev` deploys the working copy as "dev (unreleased)": no release is cut,
    and it takes no alias (the default version stays the latest release)."""
    config = copy_project(tmp_path, FEW_STUDIES)
    for args in (["init", "-q"], ["-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit",
                                  "-q", "--allow-empty", "-m", "x"]):
        subprocess.run(["git", *args], cwd=tmp_path, check=True)
    calls: list[tuple[str, dict[str, object]]] = []
    monkeypatch.setattr(site, "deploy", lambda version, db, **options: calls.append((version, options)))
    releases = tmp_path / "db" / "releases.yaml"
    before = releases.read_bytes(), sorted(p.name for p in (tmp_path / "db" / "releases").iterdir())
    args = ["--sources", str(tmp_path / "db"), "--db", str(tmp_path / "db" / "her2db.sqlite"), "--config", str(config)]
    result = CliRunner().invoke(cli, ["site", "deploy", "dev", *args])
    assert result.exit_code == 0, result.output
    assert calls == [("dev", {"alias": None, "config": config, "branch": "gh-pages", "title": "dev (unreleased)"})]
    assert (releases.read_bytes(), sorted(p.name for p in (tmp_path / "db" / "releases").iterdir())) == before
    result = CliRunner().invoke(cli, ["site", "deploy", "dev", "--alias", "latest", *args])
    assert result.exit_code == 2 and "takes no alias" in result.output, result.output
    assert len(calls) == 1


def test_releases_page_shows_each_changelog_removals_first(tmp_path: Path) -> None:
    """Two releases cut with `her2db release` around a correction and a removal, after the
    project's own first release: the page lists the removed record in a warning, and the
    corrected number as old → new."""
    config = copy_project(tmp_path, FEW_STUDIES)
    sources, db = tmp_path / "db", tmp_path / "db" / "her2db.sqlite"
    runner = CliRunner()

    def run(*args: str) -> None:
        result = runner.invoke(cli, [*args, "--sources", str(sources), "--db", str(db)])
        assert result.exit_code == 0, result.output

    run("release", "2027.01", "--date", "2027-01-10")
    run("remove", "destiny-breast09", "adverse_events[0]", "--yes")
    run("set", "patina", "arms[0]", "n_treated", "260")
    run("release", "2027.02", "--date", "2027-02-10")
    built = Built(tmp_path, db, site.build(db, config))
    page = built.page("releases")
    html = (built.public / "releases" / "index.html").read_text(encoding="utf-8")
    assert "release-2027-02" in page.ids and "release-2027-01" in page.ids
    assert "Changes since 2027.01: 1 removed, 0 added, 1 changed." in page.text
    warning = html[html.index('class="admonition warning"'):]
    warning = unescape(warning[:warning.index("</div>")])
    assert "Removed records: in 2027.01, no longer in 2027.02" in warning
    assert "destiny-breast09" in warning and "adverse_event" in warning
    changed = next(t for t in page.tables if t[0] == ["Study", "Table", "Record", "Old → new"])
    assert changed[1][:2] == ["patina", "arm"] and changed[1][3].endswith("→ 260")
    assert "The first release: there is no earlier release to compare it with." in page.text


# --- curated text cannot become markup ----------------------------------------------------

EVIL = "<script>alert(1)</script> | *bold* {{ x }} {% if 1 %}"
EVIL_STUDY = f"""\
id: evil-trial
acronym: "EVIL|*TRIAL* {{{{ x }}}}"
title: "{EVIL} title"
kind: randomized trial
phase: "3"
setting: metastatic
line: first line
notes: "{EVIL} notes"
references: [huober-review]
arms:
  - {{key: a, label: "arm {EVIL}", role: experimental, drugs: [tucatinib], n_randomized: 10,
     source_id: huober-review, locator: "{EVIL}"}}
  - {{key: b, label: control arm, role: control, drugs: [placebo], n_randomized: 11,
     source_id: huober-review, locator: text}}
endpoints:
  - {{endpoint: PFS, role: primary, definition: "{EVIL}", source_id: huober-review, locator: text}}
results:
  - {{endpoint: PFS, arm: a, statistic: median, value: 12.5, unit: months, source_id: huober-review,
     locator: "{EVIL}", quote: "{EVIL}", notes: "{EVIL}"}}
comparisons:
  - {{endpoint: PFS, measure: HR, experimental: a, control: b, estimate: 0.5, ci_low: 0.3, ci_high: 0.8,
     source_id: huober-review, locator: text, notes: "{EVIL}"}}
adverse_events:
  - {{arm: a, term: nausea, category: teae, grade: any, n: 3, pct: 30.0, n_at_risk: 10,
     source_id: huober-review, locator: "{EVIL}", notes: "{EVIL}"}}
"""


@pytest.fixture(scope="session")
def evil(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Built once for the whole run (its tests only read it)."""
    return once_per_run(tmp_path_factory, "evil",
                        lambda folder: build_copy(folder, {"studies/evil-trial.yaml": EVIL_STUDY}, FEW_STUDIES))


def test_curated_markup_renders_as_text(evil: Built) -> None:
    html = (evil.public / "studies" / "evil-trial" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "alert(1)" not in "".join(parse(
        evil.public / "studies" / "evil-trial" / "index.html").scripts)
    page = evil.page("studies/evil-trial")
    assert f"{EVIL} title" in page.text and f"{EVIL} notes" in page.text
    assert "<em>bold</em>" not in html and "<strong>bold" not in html
    for table, head in zip(page.tables, page.head_rows):
        widths = {len(row) for row in table[:1] + table[head:]}
        assert len(widths) == 1, f"a table row has a different number of cells: {table}"
    arms = next(t for t in page.tables if t[0][0] == "Arm")
    assert arms[1][0] == f"arm {EVIL}"
    # the macro-rendered index keeps the acronym as text, with its table intact
    index = evil.page("studies")
    row = next(r for r in index.tables[0] if r[0].startswith("EVIL"))
    assert row[0] == "EVIL|*TRIAL* {{ x }}" and len(row) == len(index.tables[0][0])
    assert "<script>alert" not in (evil.public / "studies" / "index.html").read_text(encoding="utf-8")


def test_curated_markup_runs_no_script_in_a_browser(evil: Built, page: tuple[Page, list[str]]) -> None:
    page, problems = page
    with serve(evil.public) as base:
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in ("studies/evil-trial/", "studies/", "comparisons/first-line/"):
            page.goto(base + path)
            settle(page)
            if path == "studies/evil-trial/":
                assert page.locator("article h1").first.inner_text().startswith("EVIL|*TRIAL* {{ x }}")
                assert "<script>alert(1)</script>" in page.locator("article").inner_text()
        assert not dialogs, dialogs
        assert not problems, problems


def _mtimes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_a_rebuild_redoes_only_what_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the curated sources, a build whose inputs and sources all keep their ``stat``
    reloads nothing and does not run MkDocs (every file keeps its modification time), even
    the first time after the build that wrote the database; without them, the inputs' digest
    tells the same. A changed database brings the build back and the page shows the change;
    an edited page or a removed output file each bring MkDocs back too, and --force always
    does (those three are seen as MkDocs' runs: what a run writes is the same real build as
    above)."""
    config = copy_project(tmp_path, FEW_STUDIES)
    sources, db = tmp_path / "db", tmp_path / "db" / "her2db.sqlite"
    # a millisecond, not a second: what the build reads is then "a moment ago" whatever the
    # build's own time on this machine, and the files copied above are older than that
    monkeypatch.setattr(buildcache, "RACY_NS", 1_000_000)
    time.sleep(0.01)
    reloads: list[int] = []

    def reload() -> None:
        reloads.append(1)
        ensure_database(db, sources)

    first = site.build(db, config, sources=sources, reload=reload)
    public = first.out_dir
    built_once = _mtimes(public)

    # the database was written a moment before the build read it; the build looked at it again
    # once it was over, so its stat vouches for it now
    again = site.build(db, config, sources=sources, reload=lambda: reloads.append(2))
    assert reloads == [1] and (again.pages, again.studies) == (first.pages, first.studies)
    assert _mtimes(public) == built_once
    again = site.build(db, config)
    assert _mtimes(public) == built_once
    assert (again.pages, again.studies) == (first.pages, first.studies)

    monkeypatch.setattr(buildcache, "RACY_NS", 0)  # the file below is written a moment before
    study = sources / "studies" / "patina.yaml"
    study.write_bytes(study.read_bytes())  # the same bytes: another stat
    site.build(db, config, sources=sources, reload=lambda: reloads.append(3))
    assert reloads == [1, 3]  # MkDocs did not run; the stamp (a dotfile) records the new stat
    assert {k: v for k, v in _mtimes(public).items() if not k.startswith(".")} == \
        {k: v for k, v in built_once.items() if not k.startswith(".")}

    study.write_text(study.read_text(encoding="utf-8").replace("title: ", "title: Renamed, ", 1),
                     encoding="utf-8")
    ensure_database(db, sources)
    site.build(db, config)
    assert "Renamed, " in (public / "studies" / "patina" / "index.html").read_text(encoding="utf-8")

    runs: list[list[str]] = []
    monkeypatch.setattr(site, "_run", lambda command, *args: runs.append(command))
    site.build(db, config)
    assert runs == []  # the real rebuild above left a stamp of what it read and wrote

    glossary = tmp_path / "site" / "glossary.md"
    glossary.write_text(glossary.read_text(encoding="utf-8") + "\nA sentence added by a curator.\n",
                        encoding="utf-8")
    site.build(db, config)
    assert len(runs) == 1 and runs[0][-4:-2] == ["--strict", "--clean"], runs

    (public / "index.html").unlink()
    site.build(db, config)
    assert len(runs) == 2

    site.build(db, config, force=True)
    assert len(runs) == 3


def test_a_curated_file_saved_during_a_build_is_reloaded_by_the_next(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The stat a build records for the curated files vouches only for what the database was
    loaded from: a study saved while MkDocs ran is reloaded, and shown, by the next build."""
    config = copy_project(tmp_path, FEW_STUDIES)
    sources, db = tmp_path / "db", tmp_path / "db" / "her2db.sqlite"
    study = sources / "studies" / "patina.yaml"
    monkeypatch.setattr(buildcache, "RACY_NS", 1_000_000)  # a millisecond: the edit below is older by then
    real_run = site._run

    def run_then_save(*args: Any) -> None:
        real_run(*args)
        study.write_text(study.read_text(encoding="utf-8").replace("title: ", "title: Renamed, ", 1),
                         encoding="utf-8")
        time.sleep(0.01)

    monkeypatch.setattr(site, "_run", run_then_save)
    site.build(db, config, sources=sources, reload=lambda: ensure_database(db, sources))
    monkeypatch.setattr(site, "_run", real_run)
    reloads: list[int] = []

    def reload() -> None:
        reloads.append(1)
        ensure_database(db, sources)

    site.build(db, config, sources=sources, reload=reload)
    assert reloads == [1]
    assert "Renamed, " in (tmp_path / "public" / "studies" / "patina" / "index.html").read_text(encoding="utf-8")


def test_the_trials_own_publications_are_preferred_and_the_review_stays_beside(built: Built) -> None:
    """CLEOPATRA's first-line benchmark from its primary publications (Baselga 2012, Swain
    2015), each traced to it; the review's 56.6 shown beside the publication's 56.5."""
    first_line = built.page("comparisons/first-line")
    cleopatra = next(row for row in first_line.tables[0][1:] if row[0].startswith("CLEOPATRA"))
    assert "0.62 (0.51–0.75)" in cleopatra, cleopatra
    assert any(cell.startswith("18.5 months vs 12.4 months") for cell in cleopatra), cleopatra
    panels = [p for p in first_line.provenances if "cleopatra.comparison.pfs.hr.thp.th.analysis-primary" in p]
    assert panels and all("Baselga" in p for p in panels), panels
    page = built.page("studies/cleopatra")
    text = " ".join(page.text.split())
    assert "56.5 months (the review reports 56.6, huober-review) vs 40.8 months" in " ".join(cleopatra)
    assert "the review reports 40.8" not in text  # the same number from both: named in the panel only
    panel = next(p for p in page.provenances if "cleopatra.result.os.thp.median.analysis-final-os" in p)
    assert "The review reports: 56.6" in panel and "not yet checked by a second curator" in panel
    assert "Checked against its source by a second curator: 0 of" in text
