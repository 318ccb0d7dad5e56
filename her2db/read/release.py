"""Data releases: ``her2db release VERSION`` records a version of the data and what it changed.

A release is a curated fact like any other (the site's Releases and Cite pages read it from
the database), so cutting one writes the curated sources; the CLI calls this module, never the
site build. A release writes, in the sources folder:

- its entry in ``releases.yaml`` (version, date, counts), comments of the file kept;
- ``releases/<version>.sql.gz``: a snapshot of the data tables, a small deterministic SQL dump,
  so that the *next* release can be compared with this one without git;
- ``releases/<version>.yaml``: the changelog against the previous release's snapshot (records
  removed, added and changed, named by ``diff``), which ``load`` puts into ``release_change``.

All or nothing: the corpus must validate without errors first, and a failure while writing
leaves every file as it was.
"""

from __future__ import annotations

import gzip
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from ..curate.load import load
from ..curate.validate import RELEASES_DIR, RELEASES_FILE
from ..curate.yamlfile import dump_tree, read_document
from ..model import curated
from ..store.sqlite import STAMP_TABLE, connect_readonly
from ..util.atomic import write_atomic
from ..util.paths import safe_child
from ..util.terminal import os_error_text
from . import diff
from . import named as sitequeries

VERSION_RE = re.compile(r"^\d{4}\.(0[1-9]|1[0-2])$", re.ASCII)
SNAPSHOT_SUFFIX = ".sql.gz"
CHANGELOG_SUFFIX = ".yaml"
# the release records themselves are not data a release changes
RELEASE_TABLES = ("release", "release_change")


class ReleaseError(Exception):
    """The release cannot be cut; the message says why. Nothing was written."""


def _months(year_month: str) -> int:
    """``2026.12`` or ``2026-12`` as a count of months, to compare a version with a date."""
    return int(year_month[:4]) * 12 + int(year_month[5:7])


def check_version(version: str) -> None:
    if not VERSION_RE.match(version):
        raise ReleaseError(f"release version {version!r} must be YYYY.MM, e.g. 2026.02")


# --- snapshots ---------------------------------------------------------------------------------


_STATEMENT = re.compile(r'^(?:CREATE TABLE|INSERT INTO) "?(\w+)"?')


def snapshot_sql(conn: sqlite3.Connection) -> str:
    """The data tables as SQL (``iterdump``: tables by name, rows in row order), so the same
    database always gives the same text. Indexes, views and the release records are left out:
    a comparison needs none of them."""
    lines = []
    for statement in conn.iterdump():
        match = _STATEMENT.match(statement)
        if match and match.group(1) not in (*RELEASE_TABLES, STAMP_TABLE) and not match.group(1).startswith("sqlite_"):
            lines.append(statement)
    return "\n".join(lines) + "\n"


def write_snapshot(text: str) -> bytes:
    """The snapshot compressed deterministically (no time stamp in the gzip header)."""
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


@contextmanager
def open_snapshot(path: Path) -> Iterator[sqlite3.Connection]:
    """A release's snapshot as an in-memory database, for ``diff.diff_connections``."""
    try:
        script = gzip.decompress(path.read_bytes()).decode("utf-8")
        conn = sqlite3.connect(":memory:")
        conn.executescript(script)
    except (OSError, EOFError, UnicodeDecodeError, sqlite3.Error) as exc:
        raise ReleaseError(f"the snapshot {path} cannot be read ({exc}): restore it from git") from exc
    try:
        yield conn
    finally:
        conn.close()


# --- recording ---------------------------------------------------------------------------------


def releases_text(path: Path, entry: curated.ReleaseEntry) -> str:
    """``releases.yaml`` with ``entry`` appended, comments and the other entries as they were."""
    if path.exists():
        tree = read_document(path).tree
    else:
        tree = CommentedMap()
        tree.yaml_set_start_comment("Data releases, one per `her2db release VERSION`.")
    if not isinstance(tree.get("releases"), CommentedSeq):
        tree["releases"] = CommentedSeq()
    item = CommentedMap()
    for key, value in entry.model_dump(exclude_none=True).items():
        item[key] = DoubleQuotedScalarString(value) if isinstance(value, str) else value
    tree["releases"].append(item)
    return dump_tree(tree)


def changelog_text(version: str, previous: str, changes: list[diff.Change]) -> str:
    """The changelog file: one item per record, removals first (as ``diff`` orders them)."""
    tree = CommentedMap()
    tree.yaml_set_start_comment(f"What release {version} changed since {previous}. "
                                "Written by `her2db release`; do not edit.")
    tree["version"] = DoubleQuotedScalarString(version)
    tree["previous"] = DoubleQuotedScalarString(previous)
    items = CommentedSeq()
    for change in changes:
        item = CommentedMap(kind=change.kind)
        if change.study_id is not None:
            item["study_id"] = change.study_id
        item["table"] = change.table
        item["record"] = change.label()
        if text := diff.detail(change):
            item["detail"] = text
        items.append(item)
    tree["changes"] = items
    return dump_tree(tree)


@dataclass
class _Files:
    """Files written so far, undone together if a later step fails."""

    created: list[Path] = field(default_factory=list)
    replaced: dict[Path, str | None] = field(default_factory=dict)
    folders: list[Path] = field(default_factory=list)

    def folder(self, path: Path) -> None:
        if not path.is_dir():
            path.mkdir()
            self.folders.append(path)

    def create(self, path: Path, data: bytes | str) -> None:
        if path.exists() or path.is_symlink():  # a link, even a broken one, is the user's
            raise ReleaseError(f"{path} already exists (left by an earlier attempt?): it is not "
                               "replaced; remove it and retry")
        write_atomic(path, data)
        self.created.append(path)

    def replace(self, path: Path, text: str) -> None:
        before = path.read_text(encoding="utf-8") if path.exists() else None
        write_atomic(path, text)  # atomic: if it fails, the file is as it was and has nothing to undo
        self.replaced[path] = before

    def undo(self) -> None:
        for path in self.created:
            path.unlink(missing_ok=True)
        for path, text in self.replaced.items():
            if text is None:
                path.unlink(missing_ok=True)
            else:
                write_atomic(path, text)
        for path in self.folders:
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()


@dataclass
class Release:
    """What ``cut`` did: the entry recorded, the release it was compared with (None for the
    first) and the changes; ``warning`` when no comparison was possible."""

    entry: curated.ReleaseEntry
    previous: str | None
    changes: list[diff.Change] = field(default_factory=list)
    warning: str | None = None
    files: _Files | None = None


def cut(version: str, sources: Path, db_path: Path, date: str) -> Release:
    """Cut release ``version`` of the corpus in ``sources`` (see the module docstring).

    Raises ``load.LoadError`` if the corpus has errors, ``ReleaseError`` for a bad or already
    used version or a file that cannot be written; in every case nothing is left changed but
    the database, which is reloaded from the unchanged sources."""
    check_version(version)
    if _months(version[:7]) > _months(date[:7]) + 1:  # a typo such as 9999.12 would block every later release
        raise ReleaseError(f"release {version} would be dated {date}: a version names the month of its "
                           f"release ({date[:7].replace('-', '.')}, or the next month at the latest)")
    load(sources, db_path)  # validates: a release is never cut from a corpus with errors
    conn = connect_readonly(db_path)
    try:
        released = [r["version"] for r in sitequeries.releases(conn)]
        if version in released:
            raise ReleaseError(f"release {version} is already recorded in {sources / RELEASES_FILE}: "
                               "a release is cut once; the next one takes a later version")
        previous = max(released, default=None)
        if previous is not None and version < previous:
            raise ReleaseError(f"release {version} would come before the last release, {previous}: "
                               "versions must increase")
        totals = sitequeries.totals(conn)
        snapshot = snapshot_sql(conn)
        folder = sources / RELEASES_DIR
        release = Release(curated.ReleaseEntry(
            version=version, date=date, studies=totals["studies"], results=totals["results"],
            comparisons=totals["comparisons"], adverse_events=totals["adverse_events"]), previous)
        if previous is not None:
            before = safe_child(folder, previous, SNAPSHOT_SUFFIX)
            if before.is_file():
                with open_snapshot(before) as old:
                    release.changes = [c for c in diff.diff_connections(old, conn)
                                       if c.table not in RELEASE_TABLES]
            else:
                release.warning = (f"no snapshot of release {previous} ({before}): the changes since "
                                   "it are not recorded")
    finally:
        conn.close()
    files = _Files()
    try:
        files.folder(folder)
        files.create(safe_child(folder, version, SNAPSHOT_SUFFIX), write_snapshot(snapshot))
        if previous is not None and release.warning is None:
            files.create(safe_child(folder, version, CHANGELOG_SUFFIX),
                         changelog_text(version, previous, release.changes))
        path = sources / RELEASES_FILE
        files.replace(path, releases_text(path, release.entry))
        load(sources, db_path)  # the database now holds the release and its changes
    except BaseException as exc:
        files.undo()
        load(sources, db_path)
        if isinstance(exc, OSError):
            raise ReleaseError(f"cannot write the release into {sources}: {os_error_text(exc)}") from exc
        raise
    release.files = files
    return release


@contextmanager
def undone_on_failure(release: Release, sources: Path, db_path: Path) -> Iterator[None]:
    """Take ``release`` back if the block fails (a deploy that did not happen must leave no
    release behind): its new files removed, releases.yaml byte for byte as it was, and the
    database reloaded without it."""
    try:
        yield
    except BaseException:
        if release.files is not None:
            release.files.undo()
        load(sources, db_path)
        raise
