"""The Atom feed of releases: valid Atom (RFC 4287's required elements, read by a real parser),
an entry per release listing its changes (removed first, then old → new, then added) with links
to the records' permalinks, and linked from every page's head."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
from click.testing import CliRunner
from her2db_testing import edit_study
from sitebuild import Built

from her2db.cli import cli
from her2db.model.project import AUTHOR
from her2db.read import feed, named
from her2db.store.sqlite import connect_readonly

A = "{http://www.w3.org/2005/Atom}"


def _release(runner: CliRunner, corpus: Path, version: str, date: str) -> None:
    result = runner.invoke(cli, ["release", version, "--date", date, "--sources", str(corpus),
                                 "--db", str(corpus / "her2db.sqlite")])
    assert result.exit_code == 0, result.output


def _feed(db: Path, base_url: str | None = None) -> str:
    conn = connect_readonly(db)
    try:
        return feed.feed_xml(named.releases(conn), base_url)
    finally:
        conn.close()


def _check_atom(text: str) -> feedparser.FeedParserDict:
    """Well formed, and RFC 4287's required elements: feed id, title, updated, author; each
    entry's id, title, updated."""
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{A}feed"
    for tag in ("id", "title", "updated"):
        assert root.find(f"{A}{tag}") is not None and root.find(f"{A}{tag}").text
    assert root.find(f"{A}author/{A}name").text == AUTHOR
    for entry in root.findall(f"{A}entry"):
        for tag in ("id", "title", "updated"):
            assert entry.find(f"{A}{tag}").text, tag
    parsed = feedparser.parse(text)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_each_release_is_an_entry_listing_its_changes_with_links(corpus: Path, runner: CliRunner) -> None:
    _release(runner, corpus, "2026.01", "2026-01-15")
    edit_study(corpus, ("estimate: 0.61", 'estimate: "0.70"'),
               ("  - {arm: ctl, term: nausea, category: treatment-related, grade: \">=3\", n: 1, pct: 0.3, "
                "n_at_risk: 382, source_id: huober-review, locator: Table 1}\n", ""),
               ("characteristics:\n", "characteristics:\n  - {name: median weight, statistic: median, "
                "value: 70, unit: kg, population: itt, source_id: huober-review, locator: text}\n"))
    _release(runner, corpus, "2026.02", "2026-02-15")
    text = _feed(corpus / "her2db.sqlite", "https://example.org/her2db")
    parsed = _check_atom(text)
    assert parsed.feed.updated == "2026-02-15T00:00:00Z"
    assert [e.title for e in parsed.entries] == ["Release 2026.02", "Release 2026.01"]  # newest first
    assert len({e.id for e in parsed.entries}) == 2
    newest = parsed.entries[0]
    assert newest.link == "https://example.org/her2db/releases/#release-2026-02"
    content = newest.content[0].value
    removed, changed, added = (content.index(h) for h in ("Removed", "Changed (old → new)", "Added"))
    assert removed < changed < added
    assert "0.61 → 0.70" in content
    conn = connect_readonly(corpus / "her2db.sqlite")
    try:
        changed_id = conn.execute("SELECT record_id FROM comparison WHERE estimate_text = '0.70'").fetchone()[0]
        added_id = conn.execute("SELECT record_id FROM characteristic WHERE name = 'median weight'").fetchone()[0]
    finally:
        conn.close()
    page = "https://example.org/her2db/studies/mini-trial/"  # links resolved against the feed's xml:base
    assert f'href="{page}#{changed_id}"' in content  # the record's permalink
    assert f'href="{page}#{added_id}"' in content
    assert f'href="{page}"' in content  # a removed record: its study page, no anchor
    assert f'href="studies/mini-trial/#{changed_id}"' in text  # relative in the file itself
    assert "the first release" in parsed.entries[1].summary


def test_with_no_release_the_feed_is_valid_and_empty(mini_db: Path) -> None:
    parsed = _check_atom(_feed(mini_db))
    assert parsed.entries == []


def test_the_site_has_the_feed_and_every_page_links_it(built: Built) -> None:
    text = (built.public / feed.FEED_PATH).read_text(encoding="utf-8")
    parsed = _check_atom(text)
    assert len(parsed.entries) == len(built.query("SELECT version FROM release"))
    pages = [p for p in built.public.rglob("index.html")]
    assert len(pages) > 30
    for page in pages:
        html = page.read_text(encoding="utf-8")
        head = html[:html.index("</head>")]
        start = head.index('<link rel="alternate" type="application/atom+xml"')
        href = head[head.index('href="', start) + 6:head.index('">', start)]
        assert (page.parent / href).resolve() == (built.public / feed.FEED_PATH).resolve(), page


def test_every_record_has_its_permalink_on_its_study_page(built: Built) -> None:
    records = built.query("SELECT study_id, record_id FROM v_arm_results UNION ALL SELECT study_id, record_id "
                          "FROM v_comparisons UNION ALL SELECT study_id, record_id FROM v_adverse_events "
                          "UNION ALL SELECT study_id, record_id FROM v_characteristics")
    ids = {study: built.page(f"studies/{study}").ids for study in {r["study_id"] for r in records}}
    missing = [r["record_id"] for r in records if r["record_id"] not in ids[r["study_id"]]]
    assert not missing
