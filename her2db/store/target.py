"""Where the database is: a SQLite file (``--db``) or a server (``--database-url``), and the
errors of a target that cannot be used."""

from __future__ import annotations

from pathlib import Path

DEFAULT_DB = Path("db/her2db.sqlite")
DEFAULT_SOURCES = Path("db")
STUDIES_DIR = "studies"
"""The folder of the study files inside the sources folder."""
SOURCES_FILE = "sources.yaml"
"""The list of sources, beside the study files: with them, what makes a folder a curated one."""


class DatabaseMissing(Exception):
    pass


class DatabaseUrlError(Exception):
    """A ``--database-url`` that cannot be used (server unreachable, login refused, load
    failed); the message masks its password."""


class BadDatabaseUrl(DatabaseUrlError):
    """A ``--database-url`` that is malformed or names an engine her2db does not support."""


def is_postgres(url: str | None) -> bool:
    """Whether ``url`` names a server (any URL but ``sqlite:///``, which names a file)."""
    return url is not None and url != "" and not url.lower().startswith("sqlite")


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///path`` URL (SQLAlchemy's form: three slashes and a relative
    path, four for an absolute one)."""
    scheme, sep, rest = url.partition("://")
    if scheme.lower() not in ("sqlite", "sqlite+pysqlite") or not sep or not rest.startswith("/") \
            or len(rest) < 2 or "?" in rest:
        raise BadDatabaseUrl(f"{url} is not a SQLite URL of a file (sqlite:///path/to/file.sqlite)")
    return Path(rest[1:])
