"""Each curated file's content digest, remembered with the file's status, so that a command
hashes only the files that changed since the last one: at 1,000 studies, hashing every file to
know whether the database is current costs more than a curator's edit itself.

The memory is a dotfile in the sources folder (``MEMORY_FILE``; dotfiles are no part of the
corpus), replaced whole (a temporary file and a rename) whenever a command hashed a file, and
read with suspicion: a missing, unreadable or malformed memory, or one of another format, is
ignored and every file hashed. A file of that name that is not such a memory is never replaced.

A remembered digest stands for a file only while the file's status is the one remembered with
it: device, inode, size, and the modification and status-change times in nanoseconds. An edit
changes the times (and the size, often); an editor that saves by renaming a new file over the
old changes the inode; a tool that sets the modification time back (``touch -d``, ``cp -p``,
``rsync -t``) still moves the status-change time, which no program can set.

Time granularity: a file system stores times to a tick (a few milliseconds on Linux, 2 s on
FAT), so a file written twice within one tick, its size unchanged, keeps its times. A digest is
therefore remembered only for a file whose times are both more than ``SETTLED_NS`` (3 s, above
any local file system's tick) older than the moment the command began hashing: its last change
was over before it was read, and any later change gets later times. A file changed within the
last 3 s is hashed again by the next command (one file, after an edit). This is git's "racy
clean" rule, with the clock read before the hashing in place of the index file's time. It
assumes local file systems (the times come from this machine's clock) and a clock that is not
set back by more than the margin between two commands.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path

MEMORY_FILE = ".her2db-digests.json"
FORMAT = "her2db file digests 1"
SETTLED_NS = 3_000_000_000

Status = tuple[int, int, int, int, int]
"""A file's device, inode, size, modification and status-change times (ns)."""


def _status(st: os.stat_result) -> Status:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _read(memory: Path) -> dict[str, tuple[Status, bytes]] | None:
    """The remembered digests by relative path; {} if there is no memory, None if the file is
    not one (it is then never replaced)."""
    try:
        data = json.loads(memory.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("files"), dict):
        return None
    out: dict[str, tuple[Status, bytes]] = {}
    for rel, entry in data["files"].items():
        if isinstance(entry, list) and len(entry) == 6 and all(type(n) is int for n in entry[:5]) \
                and isinstance(entry[5], str) and len(entry[5]) == 64:
            try:
                out[rel] = ((entry[0], entry[1], entry[2], entry[3], entry[4]), bytes.fromhex(entry[5]))
            except ValueError:
                continue
    return out


def _write(memory: Path, entries: dict[str, tuple[Status, bytes]]) -> None:
    """Replace the memory; a failure (a read-only folder) only means hashing again next time.
    Not synced to disk: a memory lost in a crash is rebuilt, a torn one is ignored."""
    import tempfile  # here: a command that finds every file remembered writes nothing

    text = json.dumps({"format": FORMAT, "files": {rel: [*status, digest.hex()]
                                                   for rel, (status, digest) in sorted(entries.items())}})
    try:
        fd, tmp = tempfile.mkstemp(dir=memory.parent, prefix=f"{memory.name}.", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, memory)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


def cached_digests(sources: Path, files: Iterable[tuple[str, str, os.stat_result]],
                   remember: bool = False) -> dict[str, bytes]:
    """The SHA-256 digest of each of ``files`` (relative path, path, status), by relative path:
    the remembered one where the file's status is the one remembered, else hashed (and, with
    ``remember``, remembered if the file has settled). Only a command that writes to the
    sources folder anyway (an edit) remembers, and only when it learnt a digest: an entry that
    no longer matches its file is harmless (the file is hashed), so forgetting it is no reason
    to rewrite the memory. A reading command writes nothing there."""
    began = time.time_ns()
    memory = sources / MEMORY_FILE
    remembered = _read(memory)
    known = remembered or {}
    out: dict[str, bytes] = {}
    keep: dict[str, tuple[Status, bytes]] = {}
    learnt = False
    for rel, path, st in files:
        status = _status(st)
        entry = known.get(rel)
        if entry is not None and entry[0] == status:
            out[rel] = entry[1]
        else:
            out[rel] = hashlib.sha256(Path(path).read_bytes()).digest()
        if max(status[3], status[4]) < began - SETTLED_NS:
            keep[rel] = (status, out[rel])
            learnt = learnt or keep[rel] != entry
    if remember and remembered is not None and learnt:
        _write(memory, keep)
    return out
