"""The read-only connection of every reading command, whichever engine holds the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .sqlite import connect_readonly
from .target import is_postgres, sqlite_path


def connect(db_path: Path, url: str | None = None) -> Any:
    """The read-only connection of ``query``, ``studies``, ``show`` and the site: SQLite
    (``connect_readonly``) or, for a PostgreSQL URL, ``postgres.Connection`` with the same methods."""
    if url is None:
        return connect_readonly(db_path)
    if not is_postgres(url):
        return connect_readonly(sqlite_path(url))
    from . import postgres

    return postgres.connect_readonly(url)
