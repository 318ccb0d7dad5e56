"""Atomic writes: a crash never leaves half a file behind, and a replaced file keeps its
permissions."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path


def replacement_mode(path: Path) -> int:
    """The permissions a file written over ``path`` should have: those of the file it replaces,
    or what a new file gets under the umask (mkstemp's 0600 would hide curated files and
    databases from the readers a plain file has)."""
    if path.is_file():
        return stat.S_IMODE(path.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Path, text: str | bytes, before_replace: Callable[[], None] | None = None) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename,
    keeping the permissions of the file it replaces. ``before_replace`` runs between the two
    (tests use it to interrupt a write)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = replacement_mode(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8") if isinstance(text, str) else text)
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
