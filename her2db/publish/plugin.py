"""The her2db MkDocs plugin: what the site makes from the database, added to each build as
virtual files, and the build's one connection to the database.

mkdocs.yml lists it (``plugins: [her2db: ...]``, the ``her2db`` entry point of
``mkdocs.plugins``) with the database its options name; ``her2db site build|serve|deploy`` set
them through the environment the configuration reads (``!ENV``). The release is the version
mike builds (``her2db site deploy``), else "dev". On each build the plugin adds one page per
study and the downloads (``generated``), sql.js from ``node_modules`` (``assets``), and the
compressed copies the Query page loads (``query_page``): nothing is ever written into the docs
folder. The macros module (``macros.py``) reads the database through ``connection`` and lists
the downloads from ``generated``. Search reads each page's tables as sentences and the index
is tuned after it is written (``search_index``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from ..read.feed import FEED_PATH, MEDIA_TYPE
from ..store.connect import connect
from ..store.target import DEFAULT_DB
from ..util.atomic import write_atomic
from ..util.paths import UnsafePath
from . import absent, assets, citefiles, generated, search_index
from . import query_page as querypage
from .config import DEV_LABEL, SiteError
from .virtual import DOWNLOADS_DIR, STUDIES_DIR, VirtualFile

THEME_DIR = Path(__file__).parent / "theme"
"""Templates in front of Material's, and files MkDocs copies into every site from them: every
page's scripts begin with javascripts/search_on_demand.js, shipped here, not by the docs folder."""
MIKE_VERSION = "MIKE_DOCS_VERSION"  # set by mike while it builds a version: the release
RESERVED = (STUDIES_DIR, DOWNLOADS_DIR, citefiles.CITE_DIR, assets.VENDOR_DIR)
"""Folders of the site that only the plugin fills."""


def _walk_order(src_uri: str) -> tuple[tuple[int, tuple[bool, str]], ...]:
    """Where a file is in MkDocs' walk of the docs folder: top-down, each folder's files
    (its index first) before its subfolders, each by name."""
    *folders, name = src_uri.split("/")
    return (*((1, (False, folder)) for folder in folders), (0, (Path(name).stem not in ("index", "README"), name)))


class Her2dbConfig(base.Config):
    database = c.File(exists=False, default=str(DEFAULT_DB))
    """The SQLite database (relative to mkdocs.yml): offered for download and queried by the
    Query page; the pages are read from it too, unless ``database_url`` is set."""
    database_url = c.Optional(c.Type(str))
    """A PostgreSQL database the pages are read from instead."""


class Her2dbPlugin(BasePlugin[Her2dbConfig]):
    def __init__(self) -> None:
        self._conn: Any = None
        self.generated: list[VirtualFile] = []
        """What the last ``on_files`` added to the site."""
        self._reader_pages: dict[str, str] = {}
        """The HTML of the pages the search plugin is indexing, by URL (``on_page_context``)."""

    @property
    def connection(self) -> Any:
        """The build's read-only connection, opened on first use and closed after the build."""
        if self._conn is None:
            self._conn = connect(Path(self.config.database), self.config.database_url)
        return self._conn

    @property
    def release(self) -> str:
        """What the downloads are named for (``her2db-<release>.sqlite``): the version mike is
        deploying, else "dev". Read from mike's own variable: a release such as 2026.10 read
        through ``!ENV`` would become the number 2026.1."""
        return os.environ.get(MIKE_VERSION) or DEV_LABEL

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        # our templates before Material's own, a project's custom_dir (first) still before ours
        config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(THEME_DIR))
        if os.environ.get(MIKE_VERSION):
            # only a build by mike publishes the versions.json the version selector reads; the
            # selector names each version's alias (latest) beside it
            config.extra["version"] = {"provider": "mike", "alias": True}
        return config

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        """Add the study pages, the downloads and sql.js. A docs-folder file in one of their
        folders is an error: it would shadow or outlive what the database says (older
        versions of her2db wrote their pages there)."""
        for file in files:
            folder = next((d for d in RESERVED if file.src_uri.startswith(f"{d}/")), None)
            if folder is not None and file.src_dir == config.docs_dir:
                raise PluginError(f"{Path(config.docs_dir) / folder}: the her2db plugin makes this folder of the "
                                  f"site from the database; remove it from the docs folder (older versions of "
                                  f"`her2db site build` wrote their files there)")
        try:
            downloads = generated.downloads(self.connection, Path(self.config.database), self.release,
                                            config.site_url)
            engine = assets.files(Path(config.config_file_path).parent)
            self.generated = [*generated.study_pages(self.connection), *downloads,
                              *citefiles.files(self.connection, config.site_url), *engine,
                              *querypage.compressed_files(querypage.database_download(downloads), engine)]
        except (UnsafePath, SiteError, querypage.QueryPageError) as exc:
            raise PluginError(str(exc)) from exc
        for item in self.generated:
            if item.content is not None:
                files.append(File.generated(config, item.src_uri, content=item.content))
            else:
                files.append(File.generated(config, item.src_uri, abs_src_path=str(item.source)))
        # in the order of real files in the docs folder (the order of the search index), the
        # theme's after them
        return Files(sorted(files, key=lambda f: (f.src_dir not in (config.docs_dir, None), _walk_order(f.src_uri))))

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        """Every page names the feed of releases in its head, so feed readers find it."""
        href = "../" * page.url.count("/") + FEED_PATH
        link = f'<link rel="alternate" type="{MEDIA_TYPE}" title="her2db releases" href="{href}">'
        return output.replace("</head>", link + "</head>", 1)

    # Material's search plugin indexes the page in its own ``on_page_context`` (priority 0):
    # before it, the page shows its tables as sentences (``search_index.index_view``); after
    # it, the reader's page is back.
    @event_priority(100)
    def _index_view(self, context: Any, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        if page.content is not None:
            self._reader_pages[page.url] = page.content
            page.content = search_index.index_view(page.content)
        return context

    @event_priority(-100)
    def _reader_view(self, context: Any, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        if page.url in self._reader_pages:
            page.content = search_index.reader_view(self._reader_pages.pop(page.url))
        return context

    on_page_context = CombinedEvent(_index_view, _reader_view)

    def on_page_content(self, html: str, **kwargs: Any) -> str:
        """Each table or block showing an absent value gets the legend of its notations."""
        return absent.add_legends(html)

    @event_priority(-100)  # after the search plugin has written its index
    def on_post_build(self, config: MkDocsConfig) -> None:
        """Close the database; tune the search index (``search_index.tune``)."""
        self._close()
        path = Path(config.site_dir) / "search" / "search_index.json"
        if path.is_file():
            index = json.loads(path.read_text(encoding="utf-8"))
            write_atomic(path, json.dumps(search_index.tune(index), separators=(",", ":")))

    def on_build_error(self, error: Exception) -> None:
        self._close()
