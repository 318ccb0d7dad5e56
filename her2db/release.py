"""Release records: the versions of the data in ``db/releases.yaml``.

A release is a curated fact like any other (the site's Releases and Cite pages read it from
the database), so recording one writes the curated sources: this module is called by the CLI,
never by the site build. The file is rewritten atomically with its comments kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from . import curated, sitequeries
from .db import connect_readonly
from .files import dump_tree, read_document, write_atomic
from .validate import RELEASES_FILE

VERSION_RE = re.compile(r"^\d{4}\.(0[1-9]|1[0-2])$")


class ReleaseError(Exception):
    """The release cannot be recorded; the message says why."""


def check_version(version: str) -> None:
    if not VERSION_RE.match(version):
        raise ReleaseError(f"release version {version!r} must be YYYY.MM, e.g. 2026.02")


def record_release(version: str, db_path: Path, sources: Path, date: str) -> curated.ReleaseEntry:
    """Add (or, for a re-deploy, update) ``version`` in ``<sources>/releases.yaml`` with the
    database's counts, keeping the file's comments, and write it atomically."""
    conn = connect_readonly(db_path)
    try:
        totals = sitequeries.totals(conn)
    finally:
        conn.close()
    entry = curated.ReleaseEntry(version=version, date=date, studies=totals["studies"],
                                 results=totals["results"], comparisons=totals["comparisons"],
                                 adverse_events=totals["adverse_events"])
    path = sources / RELEASES_FILE
    if path.exists():
        tree = read_document(path).tree
    else:
        tree = CommentedMap()
        tree.yaml_set_start_comment("Data releases, one per `her2db site deploy VERSION`.")
    if not isinstance(tree.get("releases"), CommentedSeq):
        tree["releases"] = CommentedSeq()
    item = CommentedMap()
    for key, value in entry.model_dump(exclude_none=True).items():
        item[key] = DoubleQuotedScalarString(value) if isinstance(value, str) else value
    releases = tree["releases"]
    existing = [i for i, r in enumerate(releases) if str(r.get("version")) == version]
    if existing:
        releases[existing[0]] = item
    else:
        releases.append(item)
    write_atomic(path, dump_tree(tree))
    return entry


@contextmanager
def restored_on_failure(sources: Path) -> Iterator[None]:
    """Put ``releases.yaml`` back as it was (or remove it) if the block fails: a deploy that
    did not happen must leave no release behind."""
    path = sources / RELEASES_FILE
    previous = path.read_text(encoding="utf-8") if path.exists() else None
    try:
        yield
    except BaseException:
        if previous is None:
            path.unlink(missing_ok=True)
        else:
            write_atomic(path, previous)
        raise
