"""The files a site build adds to the site without writing them into the docs folder (MkDocs
virtual files), and the folders they go to.

Kept apart from what makes them (``generated``, ``assets``) so that the pages that list them
(the Query and Downloads pages) depend on nothing but this.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..util.paths import safe_child

STUDIES_DIR = "studies"
DOWNLOADS_DIR = "downloads"


@dataclass(frozen=True)
class VirtualFile:
    """A file the build adds to the site: its path as if it were in the docs folder, and its
    bytes or the file it is copied from."""

    src_uri: str
    content: bytes | None = None
    source: Path | None = None

    @property
    def name(self) -> str:
        return self.src_uri.rsplit("/", 1)[-1]

    @property
    def size(self) -> int:
        if self.content is not None:
            return len(self.content)
        assert self.source is not None
        return self.source.stat().st_size


def site_path(folder: str, name: str, suffix: str) -> str:
    """``<folder>/<name><suffix>``; a name that is not a safe file name (a study id, a release
    label with a path in it) is an ``UnsafePath``."""
    return f"{folder}/{safe_child(Path(folder), name, suffix).name}"
