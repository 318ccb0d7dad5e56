"""An exclusive lock on a file for the length of a block: one curator edit at a time on a corpus.

On POSIX it is ``flock`` on the file, as filelock takes it there (so the two exclude each other),
without importing filelock, which imports asyncio: a tenth of a second on every edit. Elsewhere,
filelock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # not POSIX
        from filelock import FileLock

        with FileLock(path):
            yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits for the holder; released when the file is closed
        yield
    finally:
        os.close(fd)
