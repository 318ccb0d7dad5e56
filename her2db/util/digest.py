"""One content digest (SHA-256 over text, bytes, files and folders): what a load stamps into
the database and what the site build cache compares."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


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
    list of files) by each file's relative path and content."""
    import hashlib  # here: loading OpenSSL costs a command that ends up digesting nothing

    sha = hashlib.sha256()

    def add_file(path: Path, name: str) -> None:
        sha.update(name.encode("utf-8") + b"\0")
        with path.open("rb") as handle:
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
