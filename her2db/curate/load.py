"""Load: validate the curated corpus, then build the database from it, all or nothing.

Everything is validated first; nothing is written while there is an error. The writing itself
(a temporary file renamed over the old database, or one PostgreSQL transaction) is the store's
(``store.write``, ``store.postgres``); ids are assigned in file order (``rows``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..store.sqlite import STAMP_TABLE
from ..store.target import is_postgres, sqlite_path
from ..store.write import DatabasePathError, Rows, check_target, is_current, sources_digest, write_sqlite

if TYPE_CHECKING:
    from .corpus import Corpus, Report

# Reading and checking the files (pydantic's models) is imported by the functions that do it: a
# command that finds its database current (a site rebuild with nothing changed) never needs it.


class LoadError(Exception):
    """The corpus has errors; nothing was written."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"{len(report.errors)} error(s) in the curated data")
        self.report = report


@dataclass
class LoadResult:
    report: Report
    path: Path
    counts: dict[str, int]


def load(sources: Path, db_path: Path, on_study: Callable[[str], None] | None = None,
         allow_empty: bool = False, review_text: Path | None = None,
         database_url: str | None = None) -> LoadResult:
    """Validate ``sources`` and (re)build ``db_path`` from them atomically, or the database of
    ``database_url`` (PostgreSQL, in one transaction; a ``sqlite:///`` URL names a file)."""
    if database_url is not None and not is_postgres(database_url):
        db_path, database_url = sqlite_path(database_url), None
    if database_url is not None:
        return _load_postgres(sources, database_url, on_study, allow_empty, review_text)
    from .validate import validate

    check_target(db_path)
    digest = sources_digest(sources)  # before reading: a file changed meanwhile makes the stamp stale
    report = validate(sources, allow_empty=allow_empty, review_text=review_text)
    if report.errors:
        raise LoadError(report)
    corpus = report.corpus
    counts = write_sqlite(db_path, lambda columns: stamped_rows(corpus, columns, digest, on_study))
    return LoadResult(report, db_path, counts)


def stamped_rows(corpus: Corpus, columns: dict[str, set[str]], digest: str,
                 on_study: Callable[[str], None] | None = None) -> Iterator[Rows]:
    """The corpus's rows, then the stamp of the files they were read from."""
    from .rows import corpus_rows

    yield from corpus_rows(corpus, columns, on_study)
    yield {STAMP_TABLE: [{"sources_digest": digest}]}


def _load_postgres(sources: Path, url: str, on_study: Callable[[str], None] | None,
                   allow_empty: bool, review_text: Path | None) -> LoadResult:
    from ..store import postgres as pg
    from .validate import validate

    try:
        pg.check_target(url)
        report = validate(sources, allow_empty=allow_empty, review_text=review_text)
        if report.errors:
            raise LoadError(report)
        digest = sources_digest(sources)
        rows = _table_rows(report.corpus, digest, on_study)
        pg.write_database(rows, url, digest)
    except pg.NotOurSchema as exc:
        raise DatabasePathError(str(exc)) from exc
    counts = {table.name: len(table_rows) for table, table_rows in rows.items()}
    return LoadResult(report, Path(pg.mask(url)), counts)


def ensure_database(db_path: Path, sources: Path, database_url: str | None = None) -> bool:
    """(Re)load the database if it is missing, was loaded from other curated files than those
    of now (the digest its load stamped) or built for another schema (an upgraded her2db);
    True if loaded. Reading commands and the site build call it, so an edit interrupted between
    its write and its reload is finished by the next command instead of answered from old data.
    A PostgreSQL database (``database_url``) is reloaded when it was loaded from other sources
    (the digest its load stored) or never."""
    if database_url is not None:
        from ..store import postgres as pg

        if pg.stored_digest(database_url) == sources_digest(sources):
            return False
        load(sources, db_path, database_url=database_url)
        return True
    if db_path.exists() and is_current(db_path, sources):
        return False
    load(sources, db_path)
    return True


def _table_rows(corpus: Corpus, digest: str,
                on_study: Callable[[str], None] | None = None) -> dict[Any, list[dict[str, Any]]]:
    """All rows by SQLAlchemy table, every column in every row: what the PostgreSQL writer
    inserts through the ORM (the SQLite load needs neither the ORM nor the whole corpus's rows)."""
    from sqlmodel import SQLModel

    from ..model import tables as _registers_the_tables  # noqa: F401

    tables = {table.name: table for table in SQLModel.metadata.sorted_tables}
    columns = {name: list(table.columns.keys()) for name, table in tables.items()}
    out: dict[Any, list[dict[str, Any]]] = {table: [] for table in tables.values()}
    for batch in stamped_rows(corpus, {name: set(cols) for name, cols in columns.items()}, digest, on_study):
        for name, rows in batch.items():
            out[tables[name]].extend({**dict.fromkeys(columns[name]), **row} for row in rows)
    return out


