"""The mkdocs-macros module of the site: ``define_env`` only, no hooks.

Each macro is one or two named queries (``read.named``, grouped for the page by
``cross_study``) rendered by one template (``her2db/publish/templates``), so hand-written pages
hold prose and macro calls but never a number. Imported from the installed package
(``modules: [her2db.publish.macros]`` in mkdocs.yml). The database is the her2db plugin's
(``plugin.py``), which mkdocs.yml lists beside the macros plugin.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from mkdocs.exceptions import PluginError

from ..model import notation
from ..model.licence import licence_statement
from ..model.mcbs import load_forms
from ..model.views import public_views, undocumented
from ..read import named as q
from ..read.feed import FEED_PATH
from . import citefiles, cross_study, mcbs_page, render
from . import query_page as querypage
from .plugin import Her2dbPlugin

PLUGIN = "her2db"


def define_env(env: Any) -> None:
    plugin = env.conf["plugins"].get(PLUGIN)
    if not isinstance(plugin, Her2dbPlugin):
        raise PluginError(f"the macros of her2db need the {PLUGIN} plugin: list it in the plugins of mkdocs.yml")
    conn = plugin.connection
    numbers = q.provenance(conn)  # what every number's panel names

    def show(template: str, **context: Any) -> str:
        # links in templates are relative to the page being rendered: Markdown links to its
        # source file (root), links inside raw HTML to its URL (html_root)
        root = "../" * env.page.file.src_uri.count("/")
        html_root = "../" * env.page.url.count("/")
        return render.render(template, root=root, html_root=html_root, **numbers, **context)

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
        return show("downloads.md", files=querypage.download_files(plugin.generated), counts=counts,
                    absent_note=notation.in_downloads())

    def how_to_cite() -> str:
        releases = q.releases(conn)
        return show("cite.md", releases=releases, sources=q.sources(conn), feed=FEED_PATH,
                    licence=Markup(licence_statement(link=True)),
                    cite=citefiles.cite_paths(citefiles.release_key(releases[0] if releases else None)))

    macros = {
        "key_numbers": lambda: show("home_numbers.md", totals=q.totals(conn), kinds=q.counts_by_kind(conn)),
        "latest_release": lambda: show("release_latest.md", releases=q.releases(conn)),
        "how_to_cite": how_to_cite,
        "key_comparisons": lambda: show("key_comparisons.md", rows=cross_study.first_line(conn)),
        "attrition_headline": lambda: show("attrition_headline.md", rows=q.attrition(conn)),
        "studies_table": lambda: show("studies_index.md", studies=cross_study.studies_index(conn)),
        "first_line_table": lambda: show("first_line.md", rows=cross_study.first_line(conn)),
        "first_line_forest": lambda: show("first_line_forest.md", hrs=cross_study.first_line_pfs_hrs(conn)),
        "attrition_table": lambda: show("attrition.md", rows=q.attrition(conn)),
        "next_line_table": lambda: show("next_line.md", rows=q.attrition(conn)),
        "attrition_reasons_table": lambda: show("attrition_reasons.md", rows=q.attrition_reasons(conn)),
        "safety_tables": lambda: show("safety.md", **cross_study.safety(conn)),
        "mcbs_table": lambda: show("mcbs_table.md", grades=mcbs_page.grades(conn)),
        "mcbs_forms": lambda: show("mcbs_forms.md", forms=load_forms()),
        "drug_list": lambda: show("drugs.md", drugs=cross_study.drugs(conn)),
        "endpoint_glossary": lambda: show("glossary_endpoints.md", endpoints=q.endpoints(conn)),
        "drug_abbreviations": lambda: show("glossary_drugs.md", drugs=cross_study.drugs(conn)),
        "provenance_table": lambda: show("provenance.md", rows=q.provenance_coverage(conn),
                                         totals=q.totals(conn)),
        "count": lambda name: render.num(q.totals(conn)[name]),
        "releases_table": lambda: show("releases.md", releases=q.releases(conn),
                                       cite_of=lambda r: citefiles.cite_paths(citefiles.release_key(r))),
        "sources_list": lambda: show("sources.md", sources=q.sources(conn)),
        "views_list": views_list,
        "views_reference": views_reference,
        "example_query": lambda name: show("example_query.md", example=q.example(conn, name)),
        "downloads_table": downloads_table,
        "data_licence": lambda: licence_statement(link=True),
        "query_page": lambda: show("query.md", **querypage.context(
            conn, plugin.generated, base="../" * env.page.url.count("/"))),
    }
    for name, function in macros.items():
        env.macro(function, name)
