"""Skip the work of a site build whose inputs did not change.

A site build has two costly steps: generating the study pages, figures and downloads from the
database, and ``mkdocs build``, which always renders every page. Each step records a stamp
when it finishes: a digest of everything it read (file contents, the package's own code and
templates, the versions of MkDocs and its plugins) and the size and modification time of every
file it wrote. The next build repeats a step only when a digest differs or an output file was
changed or removed; with nothing changed, a rebuild is a few hashes and ``stat`` calls.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from .files import write_atomic

PACKAGE_DIR = Path(__file__).resolve().parent
TOOLS = ("mkdocs", "mkdocs-material", "mkdocs-macros-plugin", "jinja2")
"""Installed packages whose version changes what a build writes."""

Manifest = dict[str, list[int]]


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


def code_digest() -> str:
    """The package's code, templates and SQL, and the versions of the tools it drives."""
    versions = []
    for tool in TOOLS:
        try:
            versions.append(f"{tool}=={metadata.version(tool)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{tool} absent")
    return digest("\n".join(versions), PACKAGE_DIR)


def manifest(roots: Iterable[Path]) -> Manifest:
    """Size and modification time of every (non-dot) file under ``roots``."""
    out: Manifest = {}
    for root in roots:
        for path in files_under(root):
            info = path.stat()
            out[path.as_posix()] = [info.st_size, info.st_mtime_ns]
    return out


def read_stamp(path: Path) -> dict[str, Any] | None:
    """The stamp at ``path``, or None when there is none or it cannot be read (then the step
    simply runs)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def up_to_date(stamp: Path, inputs: str, outputs: Iterable[Path]) -> dict[str, Any] | None:
    """The stamp's data when its step read the same ``inputs`` and its ``outputs`` are as it
    left them; else None."""
    data = read_stamp(stamp)
    if data is None or data.get("inputs") != inputs or data.get("files") != manifest(outputs):
        return None
    return data


def write_stamp(stamp: Path, inputs: str, outputs: Iterable[Path], **extra: Any) -> None:
    write_atomic(stamp, json.dumps({"inputs": inputs, "files": manifest(outputs), **extra}, sort_keys=True))
