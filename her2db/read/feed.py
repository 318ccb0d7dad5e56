"""The Atom feed of releases (RFC 4287): an entry per release, newest first, listing what it
changed since the release before it (removed records first, then values old → new, then added
records), each record linked to its permalink on its study page (its record id, the same in
every release, is the anchor).

Written with ElementTree, so the XML is well formed whatever the curated text holds; the
entries' HTML content is escaped text. Nothing in it depends on the time of the build: with no
release the feed is valid and has no entry.
"""

from __future__ import annotations

import html
import uuid
import xml.etree.ElementTree as ET
from typing import Any

from ..model.identity import REPORT_SEPARATOR
from ..model.licence import licence_statement
from ..model.project import AUTHOR, TITLE

ATOM = "http://www.w3.org/2005/Atom"
FEED_PATH = "releases.atom"
"""Where the feed is in the site (its root): relative links in it start there."""
MEDIA_TYPE = "application/atom+xml"
NEVER = "1970-01-01T00:00:00Z"  # the feed's <updated> before any release: nothing has been published
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:her2db:releases")
ORDER = (("removed", "Removed"), ("changed", "Changed (old → new)"), ("added", "Added"))


def release_anchor(version: str) -> str:
    """The Releases page's heading of ``version`` (``#release-2026-12``)."""
    return "release-" + version.replace(".", "-")


def record_link(change: dict[str, Any]) -> str | None:
    """Where a changed record is, relative to the site root: its study page, at its record id
    (a report's label is ``RECORD_ID@SOURCE``); a removed record has no anchor any more."""
    if not change.get("study_id"):
        return None
    page = f"studies/{change['study_id']}/"
    record_id = change["label"].split(REPORT_SEPARATOR, 1)[0] if REPORT_SEPARATOR in change["label"] else None
    return page + (f"#{record_id}" if record_id and change["kind"] != "removed" else "")


def _content(release: dict[str, Any]) -> str:
    """The entry's HTML: the changes by kind, removals first; every text escaped."""
    changes = release["changes"]
    if not release.get("changes_since"):
        return "<p>The first release: there is no earlier release to compare it with.</p>"
    parts = [f"<p>Changes since {html.escape(release['changes_since'])}: {len(changes['removed'])} removed, "
             f"{len(changes['changed'])} changed, {len(changes['added'])} added.</p>"]
    for kind, heading in ORDER:
        if not changes[kind]:
            continue
        items = []
        for c in changes[kind]:
            what = html.escape(c["label"])
            link = record_link(c)
            named = f'<a href="{html.escape(link)}">{what}</a>' if link else what
            study = f"{html.escape(c['study_id'])}: " if c.get("study_id") else ""
            detail = f" — {html.escape(c['detail'])}" if c.get("detail") else ""
            items.append(f"<li>{study}{html.escape(c['record_table'])} {named}{detail}</li>")
        parts.append(f"<h3>{heading}</h3><ul>{''.join(items)}</ul>")
    return "".join(parts)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def feed_xml(releases: list[dict[str, Any]], base_url: str | None = None) -> str:
    """The feed of ``releases`` (rows of ``named.releases``, newest first). ``base_url``, the
    site's address, becomes the feed's ``xml:base``; without it links stay relative to the feed."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    if base_url:
        feed.set("{http://www.w3.org/XML/1998/namespace}base", base_url.rstrip("/") + "/")
    _sub(feed, "id", f"urn:uuid:{_NAMESPACE}")
    _sub(feed, "title", f"{TITLE}: releases")
    _sub(feed, "subtitle", "Each data release of her2db and the records it removed, changed and added.")
    _sub(feed, "updated", f"{releases[0]['date']}T00:00:00Z" if releases else NEVER)
    _sub(_sub(feed, "author"), "name", AUTHOR)
    _sub(feed, "link", rel="self", type=MEDIA_TYPE, href=FEED_PATH)
    _sub(feed, "link", rel="alternate", type="text/html", href="releases/")
    _sub(feed, "rights", licence_statement())
    for r in releases:
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"urn:uuid:{uuid.uuid5(_NAMESPACE, r['version'])}")
        _sub(entry, "title", f"Release {r['version']}")
        _sub(entry, "updated", f"{r['date']}T00:00:00Z")
        _sub(entry, "published", f"{r['date']}T00:00:00Z")
        _sub(entry, "link", rel="alternate", type="text/html", href=f"releases/#{release_anchor(r['version'])}")
        changes = r["changes"]
        _sub(entry, "summary", f"{r['studies']} studies, {r['results']} arm results, {r['comparisons']} comparisons"
                               + (f"; {len(changes['removed'])} records removed, {len(changes['changed'])} changed, "
                                  f"{len(changes['added'])} added since {r['changes_since']}"
                                  if r.get("changes_since") else "; the first release"))
        _sub(entry, "content", _content(r), type="html")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"
