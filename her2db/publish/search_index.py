"""What the site's search reads: tables as sentences, and the weight of each section.

Material's search plugin indexes a page's HTML as plain text, so a table becomes its cells run
together ("TEAEs)n.r.54.9%n.r.62.3%"), which is what a reader sees as the snippet under a hit.
``index_view`` gives the search plugin a copy of the page in which each table is one paragraph
per row, every value beside the header it stands under ("Neutropenia: DESTINY-Breast09:
T-DXd + pertuzumab n = 381 91 (23.9), THP n = 382 127 (33.2)"), so a snippet reads as text and
shows the rows that matched; the reader's page is left as it was (the plugin swaps the copy in
for the indexing only). Nothing is added that the page does not show.

``tune`` then adjusts the index the plugin wrote: a study page's Sources and citation sections, long with
citations and curation notes that name every term the page uses, weighs less than the sections
that hold the data, so a hit lands on the section that matched.
How much each page weighs is its own front matter (``search: boost``), as Material documents.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

_TABLE = re.compile(r"<table\b.*?</table>", re.S | re.I)
_EXCLUDE = "data-search-exclude"
SECTION_WEIGHTS = {"sources": 0.1, "cite-this-study": 0.1}
"""Weights of sections by their anchor, multiplied into their page's boost."""
_EMPTY = {"", "—", "–", "-"}
_MATERIAL_ATTRIBUTES = re.compile(r"\s?data-search-\w+=\"[^\"]+\"")
"""What the search plugin removes from the page it has indexed (``data-search-exclude="x"``)."""


class _Table(HTMLParser):
    """The rows of one table: each cell's text (what a reader sees: no element marked
    ``hidden`` or ``data-search-exclude``), whether it is a header, and its spans."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.caption: list[str] = []
        self.rows: list[list[tuple[str, bool, int, int]]] = []
        self.head: list[bool] = []
        self._cell: list[str] | None = None
        self._cell_tag = ("td", 1, 1)
        self._in_caption = False
        self._in_head = False
        self._skip: list[str] = []  # the open elements a reader does not see

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if self._skip or names & {"hidden", _EXCLUDE}:
            if tag not in ("br", "img", "input", "wbr", "hr"):
                self._skip.append(tag)
            return
        values = dict(attrs)
        if tag == "caption":
            self._in_caption = True
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self.rows.append([])
            self.head.append(self._in_head)
        elif tag in ("td", "th") and self.rows:
            self._cell = []
            self._cell_tag = (tag, int(values.get("colspan") or 1), int(values.get("rowspan") or 1))
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if self._skip[-1] == tag:
                self._skip.pop()
            return
        if tag == "caption":
            self._in_caption = False
        elif tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None:
            name, colspan, rowspan = self._cell_tag
            self.rows[-1].append((" ".join("".join(self._cell).split()), name == "th", colspan, rowspan))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_caption:
            self.caption.append(data)


def _grid(rows: list[list[tuple[str, bool, int, int]]]) -> list[list[tuple[str, bool]]]:
    """The cells laid out by column, spanned cells repeated where they reach."""
    grid: list[list[tuple[str, bool]]] = []
    pending: dict[tuple[int, int], tuple[str, bool]] = {}  # (row, column) filled by a rowspan above
    for r, row in enumerate(rows):
        line: list[tuple[str, bool]] = []
        cells = iter(row)
        while True:
            if (r, len(line)) in pending:
                line.append(pending.pop((r, len(line))))
                continue
            cell = next(cells, None)
            if cell is None:
                break
            text, header, colspan, rowspan = cell
            for _ in range(colspan):
                for below in range(1, rowspan):
                    pending[(r + below, len(line))] = (text, header)
                line.append((text, header))
        grid.append(line)
    return grid


def _sentences(table: _Table) -> list[str]:
    """One sentence per body row: its label, then each value after its column's header; under
    a header of two rows (a trial over its arms, an arm over its grades), the values are
    grouped under the upper one."""
    grid = _grid(table.rows)
    head = [line for line, is_head in zip(grid, table.head, strict=True) if is_head or all(h for _, h in line)]
    width = max((len(line) for line in grid), default=0)
    levels = [list(dict.fromkeys(line[c][0] for line in head if c < len(line) and line[c][0])) for c in range(width)]
    sentences = []
    for line in (line for line in grid if line and line not in head):
        groups: dict[str, list[str]] = {}
        for c, (text, _) in enumerate(line[1:], start=1):
            if text not in _EMPTY and c < width:
                upper, leaf = " ".join(levels[c][:-1]), " ".join(levels[c][-1:])
                groups.setdefault(upper, []).append(f"{leaf} {text}".strip())
        parts = [f"{upper}: {', '.join(values)}" if upper else "; ".join(values) for upper, values in groups.items()]
        sentences.append(f"{line[0][0]}: {'; '.join(parts)}" if parts else line[0][0])
    return sentences


def _readable(match: re.Match[str]) -> str:
    source = match.group(0)
    if _EXCLUDE in source[:source.index(">")]:
        return source  # the search plugin skips the whole table anyway
    table = _Table()
    table.feed(source)
    table.close()
    caption = " ".join("".join(table.caption).split())
    lines = ([caption] if caption else []) + _sentences(table)
    return "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines)


def index_view(page_html: str) -> str:
    """``page_html`` with each table rewritten as paragraphs for the search index."""
    return _TABLE.sub(_readable, page_html)


def reader_view(page_html: str) -> str:
    """``page_html`` as the search plugin leaves the page it indexed (its own attributes
    removed), for the page the reader gets back after the swap."""
    return _MATERIAL_ATTRIBUTES.sub("", page_html)


def tune(index: dict[str, Any]) -> dict[str, Any]:
    """The search index with each section's weight."""
    docs = []
    for doc in index.get("docs", []):
        anchor = doc["location"].partition("#")[2]
        weight = SECTION_WEIGHTS.get(anchor)
        if weight is not None:
            doc["boost"] = float(doc.get("boost", 1.0)) * weight
        docs.append(doc)
    return {**index, "docs": docs}
