"""What the Query page shows, gathered at site-build time: the public views with the column
descriptions declared in ``model/views.yaml``, the example questions (``sql/example_*.sql``), the
database file of the downloads page, and the weight of what the page loads. Also the list of download
files among those the build generates, which the Downloads page shows.

The SQL itself runs in the reader's browser (``site/javascripts/query.js``, sql.js in a Web
Worker); this module only decides what the page offers and states, so everything on it comes
from the same files and database as the rest of the site. The page loads the database and the
engine gzip-compressed (``compressed_files``), and the browser unpacks them: any static server
serves them, none needs to compress or to answer range requests.
"""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..model.views import public_views
from ..read import named as sitequeries
from ..read.runner import DEFAULT_MAX_ROWS
from .assets import VENDOR_DIR
from .virtual import DOWNLOADS_DIR, VirtualFile

_DOWNLOAD_RE = re.compile(r"^her2db-(?P<label>[0-9a-z.]+?)(?:-(?P<view>v_[a-z_]+))?"
                          r"\.(?P<format>sqlite|xlsx|csv|json|fhir\.json)$")
ENGINE = ("sql-wasm.js", "sql-wasm.wasm")  # sql.js's loader, then its WebAssembly module
SCRIPTS = ("query.js",)  # the page's own, in its content (every page has search_on_demand.js)
TIME_LIMIT = 5.0  # seconds; shorter than `her2db query`'s: a reader waits in front of a page
# The example questions, in the order the page lists them: randomized treatment comparisons
# first, the comparisons of groups that were not randomized apart from them.
EXAMPLES = ("first_line_pfs", "observational_hrs", "neutropenia", "attrition_definitions", "one_publication")
_CODE = re.compile(r"`([^`]*)`")
PACKED = ".gz"  # the compressed copy of a file the page loads: the file's own path and this suffix


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


def _packed(data: bytes) -> bytes:
    """``data`` gzip-compressed, the same bytes for the same input (no time stamp)."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def compressed_files(database: VirtualFile, vendored: Iterable[VirtualFile]) -> list[VirtualFile]:
    """What the page loads, gzip-compressed beside the originals (``<path>.gz``): sql.js's
    loader and WebAssembly module among the ``vendored`` files, as they are, and the database
    rewritten by ``VACUUM INTO`` without its indexes. The rewrite holds the same schema, views
    and rows; the space the load left in its pages is zeroed, which compresses far better, and
    the indexes (two fifths of the packed bytes) are built again in the reader's browser from
    their own statements (``index_statements``) once the first result is shown, so queries
    plan and answer as on the download."""
    assert database.source is not None
    source = sqlite3.connect(f"{database.source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        with tempfile.TemporaryDirectory(prefix="her2db-query-") as tmp:
            compact = Path(tmp) / database.name
            source.execute("VACUUM INTO ?", (str(compact),))
            data = _without_indexes(compact)
    finally:
        source.close()
    out = [VirtualFile(database.src_uri + PACKED, _packed(data))]
    for file in vendored:
        if file.name not in ENGINE:
            continue
        assert file.source is not None
        out.append(VirtualFile(file.src_uri + PACKED, _packed(file.source.read_bytes())))
    return out


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INDEXES = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"


def index_statements(database: Path) -> dict[str, str]:
    """Each index the database declares (not those of its UNIQUE constraints, which stay in
    the page's copy) by name, with the statement that creates it."""
    conn = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return dict(conn.execute(_INDEXES).fetchall())
    finally:
        conn.close()


def _without_indexes(path: Path) -> bytes:
    """The bytes of the database at ``path`` with its declared indexes dropped and the file
    compacted again."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for name, _ in conn.execute(_INDEXES).fetchall():
            if not _IDENTIFIER.fullmatch(name):
                raise QueryPageError(f"unexpected index name {name!r} in {path.name}")
            conn.execute(f"DROP INDEX {name}")
        conn.execute("VACUUM")
    finally:
        conn.close()
    return path.read_bytes()


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
    paths = (database.src_uri + PACKED, *(f"{VENDOR_DIR}/{name}{PACKED}" for name in ENGINE))
    loaded = [by_path.get(path) for path in paths]
    if None in loaded:
        raise QueryPageError(f"sql.js or the compressed database is missing ({VENDOR_DIR}, {database.src_uri}"
                             f"{PACKED}): build the site with `her2db site build`")
    packed_database, *engine = [f for f in loaded if f is not None]
    items = examples()

    def url(file: VirtualFile) -> str:
        return f"{base}{file.src_uri}"

    config = {
        # each packed file and the original it unpacks to (loaded instead where a browser cannot unpack)
        "database": [url(packed_database), url(database)],
        "engine": [[url(file), url(file).removesuffix(PACKED)] for file in engine],
        "maxRows": DEFAULT_MAX_ROWS,
        "timeLimit": TIME_LIMIT,
        "examples": {e.name: e.sql for e in items},
        # built by the page once it has shown its first result: the packed copy ships without them
        "indexes": index_statements(database.source) if database.source is not None else {},
    }
    return {"views": views(conn), "examples": items, "config": json_attribute(config),
            "database": database.name, "database_size": database.size,
            "database_packed_size": packed_database.size,
            "engine_size": sum(file.size for file in engine),
            "max_rows": DEFAULT_MAX_ROWS, "time_limit": TIME_LIMIT,
            "scripts": [f"{base}javascripts/{name}" for name in SCRIPTS], "base": base}
