"""Safe file names: a name from the data or the command line never puts a file outside its
folder; and which paths may be read at all."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from .terminal import printable

SAFE_NAME_PATTERN = r"^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$"
"""A name safe in any file system and URL: letters, digits, and single '.', '_' or '-' between
them (so never '..', '/', a leading dot or a space)."""

_SAFE_NAME = re.compile(SAFE_NAME_PATTERN)


class UnsafePath(ValueError):
    """A name that would put a file outside its folder."""


def safe_child(root: Path, name: str, suffix: str = "") -> Path:
    """``root / (name + suffix)``, refusing any ``name`` that is not a plain slug or whose
    result (after resolving symlinks) would lie outside ``root``."""
    if not _SAFE_NAME.match(name):
        raise UnsafePath(f"{printable(name)!r} is not a safe file name (letters, digits, '.', '_', '-')")
    child = root / f"{name}{suffix}"
    if not child.resolve().is_relative_to(root.resolve()):
        raise UnsafePath(f"{child} would lie outside {root}")
    return child


STREAM = "not a plain file (a pipe, a socket or a device)"
"""Why ``is_stream`` paths are refused, in the words of every message that refuses one."""


def is_stream(path: Path) -> bool:
    """A pipe, socket or device: reading it may wait for a writer forever (a pipe) or never end
    (``/dev/zero``), so an input file that is one is refused unread. Raises ``OSError`` as
    ``stat`` does (a missing file: said by the reading that follows)."""
    mode = path.stat().st_mode
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)
