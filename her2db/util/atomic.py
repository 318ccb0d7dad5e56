"""Atomic writes: a crash never leaves half a file behind, a power cut never leaves an empty
one, and a replaced file keeps its permissions."""

from __future__ import annotations

import errno
import os
import re
import stat
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


def temp_prefix(path: Path) -> str:
    """The start of the names of ``path``'s temporary files (``tempfile.mkstemp``'s prefix)."""
    return f".{path.name}."


TEMP_SUFFIX = ".tmp"


def leftover_pattern(path: Path) -> re.Pattern[str]:
    """The names ``tempfile.mkstemp`` gives ``path``'s temporary files (``.NAME.<8 characters>.tmp``):
    what a writer killed before its rename leaves, which only its own kind may sweep."""
    return re.compile(re.escape(temp_prefix(path)) + r"[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX))


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename,
    keeping the permissions of the file it replaces. The temporary file reaches the disk
    before the rename, and the rename itself after it (the folder is synced too): without
    both, a crash soon after could leave the new name on an empty or half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = replacement_mode(path)
    import tempfile  # here: reading commands import this module, and only writers need tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix(path), suffix=TEMP_SUFFIX)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8") if isinstance(text, str) else text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename in it) to disk, where the system lets a program open
    a folder (POSIX does; Windows does not, and makes renames durable itself)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno != errno.EINVAL:  # EINVAL: this file system cannot sync a folder
            raise
    finally:
        os.close(fd)
