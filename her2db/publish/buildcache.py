"""Skip a site build whose inputs did not change.

The costly step of a site build is ``mkdocs build``: it generates the study pages and the
downloads from the database (the her2db plugin) and renders every page. When it finishes it
records a stamp: a digest of everything it read (file contents, the package's own code and
templates, the versions of MkDocs and its plugins) and the size and modification time of every
file it wrote. The next build runs it again only when the digest differs or an output file was
changed or removed; with nothing changed, a rebuild is a few hashes and ``stat`` calls.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from ..util.atomic import write_atomic
from ..util.digest import digest, files_under

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TOOLS = ("mkdocs", "mkdocs-material", "mkdocs-macros-plugin", "jinja2")
"""Installed packages whose version changes what a build writes."""

Manifest = dict[str, list[int]]


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


def up_to_date(stamp: Path, inputs: str, outputs: Iterable[Path]) -> bool:
    """Whether the step of ``stamp`` read the same ``inputs`` and its ``outputs`` are as it
    left them."""
    data = read_stamp(stamp)
    return data is not None and data.get("inputs") == inputs and data.get("files") == manifest(outputs)


def write_stamp(stamp: Path, inputs: str, outputs: Iterable[Path]) -> None:
    write_atomic(stamp, json.dumps({"inputs": inputs, "files": manifest(outputs)}, sort_keys=True))
