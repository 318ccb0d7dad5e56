"""One content digest (SHA-256 over text, bytes, files and folders): what a load stamps into
the database and what the site build cache compares."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from .paths import STREAM, is_stream
from .terminal import printable


class UnreadableFile(Exception):
    """A file a digest was to read but cannot: the message names it and says why."""


def check_plain(path: Path) -> None:
    """Raise ``UnreadableFile`` unless ``stat`` says ``path`` is a plain file (or a link to
    one): opening a pipe waits for a writer forever and a device (``/dev/zero``) never ends, so
    neither may ever be opened; a name ``stat`` cannot see (a broken link) is said as well."""
    try:
        if is_stream(path):
            raise UnreadableFile(f"{printable(str(path))} is {STREAM}")
    except OSError as exc:
        raise UnreadableFile(f"{printable(str(path))} cannot be read: {exc.strerror or exc}") from exc


def open_plain(path: Path) -> BinaryIO:
    """``path`` opened to read, once ``check_plain`` let it: errors as ``UnreadableFile``."""
    check_plain(path)
    try:
        return path.open("rb")
    except OSError as exc:
        raise UnreadableFile(f"{printable(str(path))} cannot be read: {exc.strerror or exc}") from exc


def files_under(root: Path) -> list[Path]:
    """Every file under ``root``, in name order, but for dotfiles (stamps, .gitignore), which
    MkDocs does not publish either, and Python's byte-code caches."""
    if not root.is_dir():
        return []
    found: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        found.extend(Path(folder, name) for name in sorted(names) if not name.startswith("."))
    return found


def digest(*parts: str | bytes | Path | Iterable[Path]) -> str:
    """SHA-256 over ``parts``: text and bytes as given, a file by its content, a folder (or a
    list of files) by each file's relative path and content. Raises ``UnreadableFile`` for a
    file that is no plain file or cannot be read."""
    import hashlib  # here: loading OpenSSL costs a command that ends up digesting nothing

    sha = hashlib.sha256()

    def add_file(path: Path, name: str) -> None:
        sha.update(name.encode("utf-8") + b"\0")
        with open_plain(path) as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                sha.update(block)
        sha.update(b"\0")

    for part in parts:
        if isinstance(part, str):
            sha.update(part.encode("utf-8") + b"\0")
        elif isinstance(part, bytes):
            sha.update(part + b"\0")
        elif isinstance(part, Path) and part.is_dir():
            for path in files_under(part):
                add_file(path, path.relative_to(part).as_posix())
        elif isinstance(part, Path):
            add_file(part, part.name) if part.exists() else sha.update(b"missing\0")
        else:
            for path in part:
                add_file(path, path.as_posix())
    return sha.hexdigest()
