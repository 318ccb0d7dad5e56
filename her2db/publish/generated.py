"""The files a site build makes from the database: one Markdown page per study and the
downloads (the SQLite database, CSV and JSON of every public view and the Excel workbook, from
the exporter of ``her2db export``, so both agree byte for byte).

Nothing here writes a file: each is a ``VirtualFile``, its place in the site and its content
(or the file it is copied from), which the her2db plugin adds to the build (``plugin.py``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..read import export, export_folder, named, workbook
from .citefiles import cite_paths
from .render import render
from .study_page import study_page
from .virtual import DOWNLOADS_DIR, STUDIES_DIR, VirtualFile, site_path


def download_stem(label: str, view: str | None = None) -> str:
    """The name of a download without its suffix: ``her2db-<release>[-<view>]``."""
    return f"her2db-{label}-{view}" if view else f"her2db-{label}"


def database_path(label: str) -> str:
    """Where the SQLite download of release ``label`` goes."""
    return site_path(DOWNLOADS_DIR, download_stem(label), ".sqlite")


def study_pages(conn: sqlite3.Connection) -> list[VirtualFile]:
    """One page per study, ``studies/<study_id>.md`` (forest plots are inline SVG)."""
    context = named.provenance(conn)
    out = []
    for study_id in named.study_ids(conn):
        path = site_path(STUDIES_DIR, study_id, ".md")
        page = study_page(conn, study_id)
        assert page is not None
        text = render("study.md", page=page, root="../", html_root="../../", cite=cite_paths(study_id),
                      records=named.rows(conn, "site_study_records", study_id=study_id), **context)
        out.append(VirtualFile(path, text.encode("utf-8")))
    return out


def downloads(conn: sqlite3.Connection, db_path: Path, label: str, base_url: str | None = None) -> list[VirtualFile]:
    """The SQLite file ``db_path``, the workbook, the FHIR R5 Bundle (its Evidence linked to
    their records' pages under ``base_url``, the site's address, when known), and CSV (with a
    byte order mark, as ``her2db export`` writes it: spreadsheets then read it as UTF-8) and
    JSON of every public view, the release ``label`` in their names."""
    out = [VirtualFile(database_path(label), source=db_path),
           VirtualFile(site_path(DOWNLOADS_DIR, download_stem(label), ".xlsx"), workbook.workbook(conn)),
           VirtualFile(site_path(DOWNLOADS_DIR, download_stem(label), export_folder.FHIR_SUFFIX),
                       export_folder.fhir_bytes(conn, base_url))]
    for fmt, suffix in export.FORMATS.items():
        out += [VirtualFile(site_path(DOWNLOADS_DIR, download_stem(label, view), suffix), text.encode("utf-8"))
                for view, text in export.view_texts(conn, fmt, bom=True).items()]
    return out
