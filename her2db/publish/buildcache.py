"""Skip a site build whose inputs did not change.

The costly step of a site build is ``mkdocs build``: it generates the study pages and the
downloads from the database (the her2db plugin) and renders every page. When it finishes it
records a stamp: a digest of everything it read (file contents, the package's own code and
templates, the versions of MkDocs and its plugins) and the size and modification time of every
file it wrote. The next build runs it again only when the digest differs or an output file was
changed or removed.

Digesting a large database and corpus costs more than the rest of a rebuild, so the stamp also
keeps the ``stat`` of every input file (size, modification and change times, inode: a write or
a rename changes at least one) and of the database. When none changed, and no output changed,
the build is skipped without reading a file: a rebuild with nothing changed is a few thousand
``stat`` calls.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from ..util.atomic import write_atomic
from ..util.digest import digest

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TOOLS = ("mkdocs", "mkdocs-material", "mkdocs-macros-plugin", "jinja2")
"""Installed packages whose version changes what a build writes."""
TOOL_MODULES = ("mkdocs", "material", "mkdocs_macros", "jinja2")
"""Their modules: an upgrade rewrites each one's ``__init__.py`` (new inode and times)."""

Manifest = dict[str, list[int]]
RACY_NS = 1_000_000_000
"""How close to the moment of its ``stat`` a file's last change makes that ``stat`` unreliable:
a clock tick of the file system, and then some."""


def code_digest() -> str:
    """The package's code, templates and SQL, and the versions of the tools it drives."""
    from importlib import metadata  # here: reading package metadata costs a quick rebuild most

    versions = []
    for tool in TOOLS:
        try:
            versions.append(f"{tool}=={metadata.version(tool)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{tool} absent")
    return digest("\n".join(versions), PACKAGE_DIR)


def _stat(path: str) -> list[int]:
    try:
        return _fingerprint(os.stat(path))
    except OSError:
        return []


def _fingerprint(info: os.stat_result) -> list[int]:
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def now_ns() -> int:
    """The time on the clock file systems stamp changes with, for ``write_stamp``'s ``taken``."""
    return time.time_ns()


def stats(paths: Iterable[Path], sources: Path | None = None) -> Manifest:
    """Size, modification and change times and inode of each file (of every file under a
    folder, as ``digest`` reads it), the package's code and the tools' modules included, and
    of every file under ``sources`` but dotfiles and databases (what ``store.write`` digests,
    in every folder): what a build read, as ``stat`` sees it."""
    out: Manifest = {}
    for path in [*paths, PACKAGE_DIR, *_tool_files()]:
        if path.is_dir():
            out.update((name, _fingerprint(info)) for name, info in _walk(str(path)))
        else:
            out[str(path)] = _stat(str(path))
    if sources is not None:
        out.update((name, _fingerprint(info)) for name, info in _walk(str(sources), every_folder=True)
                   if ".sqlite" not in name.rsplit(os.sep, 1)[-1])
    return out


def _tool_files() -> list[Path]:
    found = []
    for name in TOOL_MODULES:
        spec = find_spec(name)
        found.append(Path(spec.origin) if spec is not None and spec.origin else Path(name))
    return found


def _walk(folder: str, every_folder: bool = False) -> Iterator[tuple[str, os.stat_result]]:
    """Every non-dot file under ``folder`` with its ``stat``: in the folders ``files_under``
    walks (not dot folders, byte-code caches or linked folders), or with ``every_folder`` in
    all of them, links followed (as the curated files are digested). ``os.scandir``, without
    ``Path`` objects: a site has thousands of files."""
    with os.scandir(folder) as entries:
        children = list(entries)
    for entry in children:
        if entry.is_dir():
            if every_folder or not (entry.name.startswith(".") or entry.name == "__pycache__" or entry.is_symlink()):
                yield from _walk(entry.path, every_folder)
        elif not entry.name.startswith("."):
            yield entry.path, _entry_stat(entry)


def _entry_stat(entry: os.DirEntry[str]) -> os.stat_result:
    """The ``stat`` of what ``entry`` names, or of the link itself when that is broken: the
    digest that follows says the file cannot be read, in a message rather than a traceback."""
    try:
        return entry.stat()
    except OSError:
        return entry.stat(follow_symlinks=False)


def manifest(roots: Iterable[Path]) -> Manifest:
    """Size and modification time of every (non-dot) file under ``roots``, as ``files_under``
    walks them."""
    return {name: [info.st_size, info.st_mtime_ns] for root in roots if root.is_dir()
            for name, info in _walk(str(root))}


def read_stamp(path: Path) -> dict[str, Any] | None:
    """The stamp at ``path``, or None when there is none or it cannot be read (then the step
    simply runs)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def unchanged(stamp: Path, seen: Manifest, outputs: Iterable[Path]) -> dict[str, Any] | None:
    """The stamp, when the inputs the last build read have the same ``stat`` (``seen``) and its
    outputs are as it left them; else None. A file changed within ``RACY_NS`` of the moment
    its ``stat`` was taken may have changed again within the same clock tick: it does not count
    as unchanged (git's "racily clean" entries)."""
    data = read_stamp(stamp)
    if data is None or data.get("stats") != seen or not isinstance(taken := data.get("taken"), int):
        return None
    if racy(seen, taken):
        return None
    return data if data.get("files") == manifest(outputs) else None


def racy(seen: Manifest, taken: int) -> bool:
    """Whether a file of ``seen`` changed within ``RACY_NS`` of ``taken``, the moment before its
    ``stat``: then a later change may keep the same ``stat``, and only its content tells."""
    return any(len(info) == 4 and info[2] >= taken - RACY_NS for info in seen.values())


def up_to_date(stamp: Path, inputs: str, outputs: Iterable[Path]) -> bool:
    """Whether the step of ``stamp`` read the same ``inputs`` and its ``outputs`` are as it
    left them."""
    data = read_stamp(stamp)
    return data is not None and data.get("inputs") == inputs and data.get("files") == manifest(outputs)


def write_stamp(stamp: Path, inputs: str, outputs: Iterable[Path], seen: Manifest | None = None,
                **facts: Any) -> None:
    """Record what a build read (``inputs``, their ``stat`` as ``seen`` before it read them) and
    wrote, with ``facts`` about it (its page counts) for a skipped build to report."""
    write_atomic(stamp, json.dumps({"inputs": inputs, "files": manifest(outputs), "stats": seen, **facts},
                                   sort_keys=True))
