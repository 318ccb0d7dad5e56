"""Helpers of the site tests: a real build of a copy of the project, and what a test reads
from its HTML pages (tables, links, numbers and their source panels). The fixtures that use
them are in her2db_testing.py."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from her2db.curate.load import ensure_database
from her2db.publish import build as site

ROOT = Path(__file__).resolve().parent.parent


# Two studies that between them use every kind of page part (arms, subgroups, adverse events,
# several reports of one number, a computed value): enough for a test of how the site is built,
# deployed or rebuilt, at a fraction of the real site's build time. Tests of what the real data
# shows use the session's ``built`` site instead.
FEW_STUDIES = ("destiny-breast09", "patina")


def copy_project(dest: Path, studies: Collection[str] | None = None) -> Path:
    """The files a site build needs (configuration, hand-written pages, schema, curated
    data), copied to ``dest`` so builds never touch the working tree; returns mkdocs.yml. The
    site is built with the installed her2db, as in a project of its users. ``studies``: copy
    only these study files (all when None)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(ROOT / "site", dest / "site")
    shutil.copytree(ROOT / "schema", dest / "schema")
    shutil.copytree(ROOT / "db", dest / "db", ignore=shutil.ignore_patterns("*.sqlite*", ".*"))
    if studies is not None:
        for path in (dest / "db" / "studies").glob("*.yaml"):
            if path.stem not in studies:
                path.unlink()
    return dest / "mkdocs.yml"


@dataclass
class Page:
    """What the tests read from one built HTML page."""

    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str]] = field(default_factory=list)  # (tag or link[rel], url)
    tables: list[list[list[str]]] = field(default_factory=list)  # rows of cells, colspans repeated
    head_rows: list[int] = field(default_factory=list)  # header rows of each table
    scripts: list[str] = field(default_factory=list)
    provenances: list[str] = field(default_factory=list)  # text of each number's source panel
    numbers: list[str] = field(default_factory=list)  # text of each number (its button)
    text: str = ""


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._text: list[str] = []
        self._cell: list[str] | None = None
        self._span = 1
        self._in_head = False
        self._script: list[str] | None = None
        self._panel: list[str] | None = None  # inside a number's source panel
        self._panel_tag = "span"  # the element the open panel is (set when it opens)
        self._depth = 0  # spans open inside it
        self._number: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.page.ids.add(a["id"] or "")
        for attr in ("href", "src"):
            if a.get(attr) is not None:
                kind = f"link[{a.get('rel')}]" if tag == "link" else tag
                self.page.links.append((kind, a[attr] or ""))
        if tag == "table":
            self.page.tables.append([])
            self.page.head_rows.append(0)
        elif tag == "tr" and self.page.tables:
            self.page.tables[-1].append([])
            self.page.head_rows[-1] += self._in_head
        elif tag == "thead":
            self._in_head = True
        elif tag in ("td", "th"):
            self._cell = []
            self._span = int(a.get("colspan") or 1)
        elif tag == "script":
            self._script = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")
        classes = (a.get("class") or "").split()
        if "her2db-prov" in classes:
            self._panel, self._depth, self._panel_tag = [], 0, tag
        if self._panel is not None and tag == self._panel_tag:
            self._depth += 1
        if "her2db-n__value" in classes:
            self._number = []

    def handle_endtag(self, tag: str) -> None:
        if self._panel is not None and tag == self._panel_tag:
            self._depth -= 1
            if self._depth == 0:
                self.page.provenances.append(" ".join("".join(self._panel).split()))
                self._panel = None
        if tag == "button" and self._number is not None:
            self.page.numbers.append("".join(self._number).strip())
            self._number = None
        if tag in ("td", "th") and self._cell is not None and self.page.tables and self.page.tables[-1]:
            self.page.tables[-1][-1].extend([" ".join("".join(self._cell).split())] * self._span)
            self._cell = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "script" and self._script is not None:
            self.page.scripts.append("".join(self._script))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)
            return
        self._text.append(data)
        if self._panel is not None:
            self._panel.append(data)
            return  # a source panel is not part of the cell it opens from
        if self._number is not None:
            self._number.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def close(self) -> None:
        super().close()
        self.page.text = " ".join("".join(self._text).split())


def parse(path: Path) -> Page:
    parser = _Parser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.page


@dataclass
class Built:
    project: Path
    db: Path
    result: site.SiteBuild

    @property
    def public(self) -> Path:
        return self.result.out_dir

    def page(self, url_path: str) -> Page:
        return parse(self.public / url_path / "index.html")

    def query(self, sql: str, *params: object) -> list[sqlite3.Row]:
        conn = sqlite3.connect(self.db)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()


def build_copy(dest: Path, edit: dict[str, str] | None = None, studies: Collection[str] | None = None) -> Built:
    """Copy the project to ``dest`` (only ``studies``, when given), add or replace curated
    files, and build the site."""
    config = copy_project(dest, studies)
    for rel, text in (edit or {}).items():
        (dest / "db" / rel).write_text(text, encoding="utf-8")
    db = dest / "db" / "her2db.sqlite"
    ensure_database(db, dest / "db")
    return Built(dest, db, site.build(db, config))
