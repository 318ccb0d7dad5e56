"""The mkdocs-macros module of the site: ``define_env`` only, no hooks.

Each macro is one or two named queries (``her2db.sitequeries``) rendered by one template
(``her2db/publish/templates``), so hand-written pages hold prose and macro calls but never a number.
Imported from the installed package (``modules: [her2db.macros]`` in mkdocs.yml). The database is
the one ``her2db site build`` names in ``HER2DB_SITE_DATABASE_URL`` (PostgreSQL) or
``HER2DB_SITE_DB``, else ``db/her2db.sqlite`` beside mkdocs.yml.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..model.views import public_views, undocumented
from ..read import named as q
from ..store.connect import connect
from ..store.target import DEFAULT_DB
from . import query_page as querypage
from . import render

MIKE_VERSION = "MIKE_DOCS_VERSION"  # set by mike while it builds a version


def define_env(env: Any) -> None:
    conn = connect(Path(os.environ.get(q.DB_ENV) or Path(env.project_dir) / DEFAULT_DB),
                   os.environ.get(q.URL_ENV) or None)
    docs_dir = Path(env.conf["docs_dir"])
    cited = q.cited(conn)
    if os.environ.get(MIKE_VERSION):
        # only a build by mike publishes the versions.json the version selector reads
        env.conf["extra"]["version"] = {"provider": "mike"}

    def show(template: str, **context: Any) -> str:
        # links in templates are relative to the page being rendered: Markdown links to its
        # source file (root), links inside raw HTML to its URL (html_root)
        root = "../" * env.page.file.src_uri.count("/")
        html_root = "../" * env.page.url.count("/")
        return render.render(template, root=root, html_root=html_root, cited=cited, **context)

    def views_reference() -> str:
        """Every public view, column by column, as declared in ``model/views.yaml``; a view or
        column the database and the declaration disagree on fails the build."""
        names = q.public_views(conn)
        columns = {view: q.view_columns(conn, view) for view in names}
        if problems := undocumented({view: [c["name"] for c in cols] for view, cols in columns.items()}):
            raise ValueError("the public views and her2db/model/views.yaml disagree: " + "; ".join(problems))
        # the descriptions are the package's own Markdown, not curated data
        declared = list(public_views().values())  # in the order the declaration lists them
        return show("views_reference.md", views=declared, columns=columns,
                    markdown=lambda text: Markup(text))

    def views_list() -> str:
        return show("views_list.md", views=q.public_views(conn))

    def downloads_table() -> str:
        counts = {view: len(q.view_rows(conn, view)[1]) for view in q.public_views(conn)}
        return show("downloads.md", files=querypage.download_files(docs_dir), counts=counts)

    macros = {
        "key_numbers": lambda: show("home_numbers.md", totals=q.totals(conn), kinds=q.counts_by_kind(conn)),
        "latest_release": lambda: show("release_latest.md", releases=q.releases(conn)),
        "how_to_cite": lambda: show("cite.md", releases=q.releases(conn), sources=q.sources(conn)),
        "key_comparisons": lambda: show("key_comparisons.md", rows=q.first_line(conn)),
        "attrition_headline": lambda: show("attrition_headline.md", rows=q.attrition(conn)),
        "studies_table": lambda: show("studies_index.md", studies=q.studies_index(conn)),
        "first_line_table": lambda: show("first_line.md", rows=q.first_line(conn)),
        "first_line_forest": lambda: show("first_line_forest.md", hrs=q.first_line_pfs_hrs(conn)),
        "attrition_table": lambda: show("attrition.md", rows=q.attrition(conn)),
        "next_line_table": lambda: show("next_line.md", rows=q.attrition(conn)),
        "attrition_reasons_table": lambda: show("attrition_reasons.md", rows=q.attrition_reasons(conn)),
        "safety_tables": lambda: show("safety.md", **q.safety(conn)),
        "drug_list": lambda: show("drugs.md", drugs=q.drugs(conn)),
        "endpoint_glossary": lambda: show("glossary_endpoints.md", endpoints=q.endpoints(conn)),
        "drug_abbreviations": lambda: show("glossary_drugs.md", drugs=q.drugs(conn)),
        "provenance_table": lambda: show("provenance.md", rows=q.provenance_coverage(conn),
                                         totals=q.totals(conn)),
        "count": lambda name: render.num(q.totals(conn)[name]),
        "releases_table": lambda: show("releases.md", releases=q.releases(conn)),
        "sources_list": lambda: show("sources.md", sources=q.sources(conn)),
        "views_list": views_list,
        "views_reference": views_reference,
        "example_query": lambda name: show("example_query.md", example=q.example(conn, name)),
        "downloads_table": downloads_table,
        "query_page": lambda: show("query.md", **querypage.context(
            conn, docs_dir, base="../" * env.page.url.count("/"))),
    }
    for name, function in macros.items():
        env.macro(function, name)
