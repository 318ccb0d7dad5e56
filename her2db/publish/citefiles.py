"""The files a reader follows or cites the data with, added to each build as virtual files: the
Atom feed of releases (``releases.atom`` at the site's root, linked from every page's head) and
the citations as BibTeX, RIS and CSL-JSON (``cite/``): each release's, and each study's (the
release with the publications the study's numbers came from).
"""

from __future__ import annotations

from typing import Any

from ..read import citation, feed, named
from .virtual import VirtualFile, site_path

CITE_DIR = "cite"


def release_key(release: dict[str, Any] | None) -> str:
    """The name of a release's citation files: ``her2db-<version>``, ``her2db-dev`` unreleased."""
    return f"her2db-{release['version'] if release else 'dev'}"


def cite_paths(name: str) -> dict[str, str]:
    """The citation files of ``name`` (a release key or a study id) by format, from the site root."""
    return {fmt: site_path(CITE_DIR, name, suffix) for fmt, suffix in citation.FORMATS.items()}


def _files(name: str, works: list[citation.Work]) -> list[VirtualFile]:
    paths = cite_paths(name)
    return [VirtualFile(paths[fmt], text.encode("utf-8")) for fmt, text in citation.texts(works).items()]


def files(conn: Any, base_url: str | None = None) -> list[VirtualFile]:
    """The feed and every citation file. The newest release (or the working copy, before the
    first) is cited with all the publications of its data; an older release by itself, since
    this build holds only the newest data."""
    releases = named.releases(conn)
    current = releases[0] if releases else None
    out = [VirtualFile(feed.FEED_PATH, feed.feed_xml(releases, base_url).encode("utf-8"))]
    this = citation.release_work(current, base_url)
    out += _files(release_key(current), [this] + [citation.source_work(s) for s in named.sources(conn)])
    for older in releases[1:]:
        out += _files(release_key(older), [citation.release_work(older, base_url)])
    for study_id in named.study_ids(conn):
        sources = named.rows(conn, "site_study_sources", study_id=study_id)
        out += _files(study_id, [this] + [citation.source_work(s) for s in sources])
    return out
