"""What the Query page shows, gathered at site-build time: the public views with the column
descriptions declared in ``model/views.yaml``, the example questions (``sql/example_*.sql``), the
database file of the downloads page, and the weight of what the page loads. Also the list of download
files among those the build generates, which the Downloads page shows.

The SQL itself runs in the reader's browser (``site/javascripts/query.js``, sql.js in a Web
Worker); this module only decides what the page offers and states, so everything on it comes
from the same files and database as the rest of the site.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from ..model.views import public_views
from ..read import named as sitequeries
from ..read.runner import DEFAULT_MAX_ROWS
from .assets import VENDOR_DIR
from .virtual import DOWNLOADS_DIR, VirtualFile

_DOWNLOAD_RE = re.compile(r"^her2db-(?P<label>[0-9a-z.]+?)(?:-(?P<view>v_[a-z_]+))?"
                          r"\.(?P<format>sqlite|xlsx|csv|json|fhir\.json)$")
TIME_LIMIT = 5.0  # seconds; shorter than `her2db query`'s: a reader waits in front of a page
# The four example questions of the data-model page, in the order the page lists them.
EXAMPLES = ("first_line_pfs", "neutropenia", "attrition_definitions", "one_publication")
_CODE = re.compile(r"`([^`]*)`")


class QueryPageError(Exception):
    """The Query page cannot be built; the message says what is missing."""


@dataclass
class Column:
    name: str
    type: str
    description: Markup


@dataclass
class View:
    name: str
    description: Markup
    columns: list[Column]


@dataclass
class Example:
    name: str
    title: str
    sql: str


def download_files(files: Iterable[VirtualFile]) -> list[dict[str, Any]]:
    """The downloads among the build's generated ``files``, described for the downloads page."""
    out = [{"name": f.name, "size": f.size, **match.groupdict()}
           for f in sorted(files, key=lambda f: f.name)
           if f.src_uri.startswith(f"{DOWNLOADS_DIR}/") and (match := _DOWNLOAD_RE.match(f.name))]
    # the database first, then the workbook, then each view's files
    return sorted(out, key=lambda f: (f["view"] is not None, f["format"] != "sqlite"))


def database_download(files: Iterable[VirtualFile]) -> VirtualFile:
    """The SQLite file the downloads page offers (``downloads/her2db-<release>.sqlite``): the
    page queries exactly what a reader can download."""
    found = [f for f in files if f.src_uri.startswith(f"{DOWNLOADS_DIR}/her2db-") and f.name.endswith(".sqlite")]
    if len(found) != 1:
        raise QueryPageError(f"expected one {DOWNLOADS_DIR}/her2db-*.sqlite among the generated files, found "
                             f"{[f.name for f in found]}: build the site with `her2db site build`")
    return found[0]


def _markdown_code(text: str) -> Markup:
    """A description from the data-model page's front matter, its `code` spans as <code>."""
    parts = _CODE.split(text)
    return Markup("").join(Markup("<code>{}</code>").format(part) if i % 2 else Markup.escape(part)
                           for i, part in enumerate(parts))


def views(conn: sqlite3.Connection) -> list[View]:
    """The public views and their columns, described as declared (``model/views.yaml``)."""
    declared = public_views()

    def columns(view: str) -> list[Column]:
        texts = declared[view].columns if view in declared else {}
        return [Column(c["name"], c["type"] or "", _markdown_code(texts.get(c["name"], "")))
                for c in sitequeries.view_columns(conn, view)]

    return [View(view, _markdown_code(declared[view].summary if view in declared else ""), columns(view))
            for view in sitequeries.public_views(conn)]


def examples() -> list[Example]:
    """The example questions; each file's first comment line is its title."""
    out = []
    for name in EXAMPLES:
        text = sitequeries.sql(f"example_{name}").strip()
        title = text.splitlines()[0].removeprefix("--").strip()
        out.append(Example(name, title, text))
    return out


def json_attribute(data: Any) -> Markup:
    """``data`` as JSON escaped for an HTML attribute (a ``data-`` attribute, not a script
    element: Material's instant navigation re-creates script elements of the content). Not
    ``site.escape``: it folds whitespace, and the example SQL keeps its indentation."""
    return Markup.escape(json.dumps(data, ensure_ascii=False, sort_keys=True))


def context(conn: sqlite3.Connection, files: list[VirtualFile], base: str) -> dict[str, Any]:
    """Everything the ``query.md`` template needs, from the database, the views' declaration
    and the build's generated ``files``. ``base`` leads from the page's URL up to
    the site root (``../`` for ``query/``): the page's raw HTML links are not rewritten by
    MkDocs, and relative links keep working under any version folder."""
    database = database_download(files)
    by_path = {f.src_uri: f for f in files}
    wasm, loader = by_path.get(f"{VENDOR_DIR}/sql-wasm.wasm"), by_path.get(f"{VENDOR_DIR}/sql-wasm.js")
    if wasm is None or loader is None:
        raise QueryPageError(f"sql.js is missing from {VENDOR_DIR}: build the site with `her2db site build`")
    items = examples()
    config = {
        "database": f"{base}{database.src_uri}",
        "loader": f"{base}{loader.src_uri}",
        "wasm": f"{base}{wasm.src_uri}",
        "maxRows": DEFAULT_MAX_ROWS,
        "timeLimit": TIME_LIMIT,
        "examples": {e.name: e.sql for e in items},
    }
    return {"views": views(conn), "examples": items, "config": json_attribute(config),
            "database": database.name, "database_size": database.size,
            "engine_size": wasm.size + loader.size,
            "max_rows": DEFAULT_MAX_ROWS, "time_limit": TIME_LIMIT,
            "script": f"{base}javascripts/query.js", "base": base}
