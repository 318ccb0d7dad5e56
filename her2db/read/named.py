"""Named queries: the SQL files of ``her2db/read/sql`` and the runner that executes them,
on either engine, for the site, the exports and releases.

Every function takes a read-only connection (``store.connect``) and returns plain dicts, so
callers never see SQL and can never change the database. The SQL takes bound parameters
only; the one identifier that must be interpolated (a public view's name, for the downloads
and exports) is first checked against the list of views in the database. Grouping rows into
pages is the site's (``publish.study_page``, ``publish.cross_study``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Hashable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

SQL_DIR = Path(__file__).resolve().parent / "sql"

Row = dict[str, Any]


@cache
def sql(name: str, engine: str = "sqlite") -> str:
    """The text of ``her2db/read/sql/<name>.sql``, or of its variant ``<name>.<engine>.sql`` where
    the engines differ (only the catalogue queries)."""
    variant = SQL_DIR / f"{name}.{engine}.sql"
    return (variant if variant.is_file() else SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def engine(conn: Any) -> str:
    """``sqlite`` for a sqlite3 connection, ``postgresql`` for ``pg.Connection``."""
    return "sqlite" if isinstance(conn, sqlite3.Connection) else "postgresql"


def rows(conn: sqlite3.Connection, name: str, **params: Any) -> list[Row]:
    return [dict(row) for row in conn.execute(sql(name, engine(conn)), params)]


def one(conn: sqlite3.Connection, name: str, **params: Any) -> Row | None:
    row = conn.execute(sql(name, engine(conn)), params).fetchone()
    return dict(row) if row is not None else None


def group(items: Iterable[Row], key: Callable[[Row], Hashable]) -> dict[Any, list[Row]]:
    """Rows grouped by ``key``, groups and members in first-seen order."""
    out: dict[Any, list[Row]] = {}
    for item in items:
        out.setdefault(key(item), []).append(item)
    return out


# --- home, releases, methods -------------------------------------------------------------


def totals(conn: sqlite3.Connection) -> Row:
    return one(conn, "site_totals") or {}


def counts_by_kind(conn: sqlite3.Connection) -> list[Row]:
    return rows(conn, "site_counts_by_kind")


def releases(conn: sqlite3.Connection) -> list[Row]:
    """Releases, newest first, each with its changes by kind (``removed``, ``added``,
    ``changed``) since the release before it."""
    changes = group(rows(conn, "site_release_changes"), lambda c: (c["version"], c["kind"]))
    return [{**r, "changes": {kind: changes.get((r["version"], kind), [])
                              for kind in ("removed", "added", "changed")}}
            for r in rows(conn, "site_releases")]


def provenance_coverage(conn: sqlite3.Connection) -> list[Row]:
    return rows(conn, "site_provenance")


# --- studies -----------------------------------------------------------------------------


def study_ids(conn: sqlite3.Connection) -> list[str]:
    return [row["study_id"] for row in rows(conn, "site_studies")]


def endpoints(conn: sqlite3.Connection) -> list[Row]:
    return rows(conn, "site_endpoints")


def attrition(conn: sqlite3.Connection) -> list[Row]:
    return rows(conn, "site_attrition")


def attrition_reasons(conn: sqlite3.Connection) -> list[Row]:
    return rows(conn, "site_attrition_reasons")


def sources(conn: sqlite3.Connection) -> list[Row]:
    out = rows(conn, "site_sources")
    for source in out:
        source["studies"] = json.loads(source["studies"])
    return out


def cited(conn: sqlite3.Connection) -> dict[str, Row]:
    """Every source by id: what a number's provenance panel names."""
    return {s["source_id"]: s for s in rows(conn, "site_sources")}


# --- data model and downloads ------------------------------------------------------------


def public_views(conn: sqlite3.Connection) -> list[str]:
    return [row["name"] for row in rows(conn, "site_views")]


def view_columns(conn: sqlite3.Connection, view: str) -> list[Row]:
    return rows(conn, "site_view_columns", view=view)


ROW_IDS = ("result_id", "comparison_id", "adverse_event_id", "characteristic_id")


def view_rows(conn: sqlite3.Connection, view: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """All rows of a public view, in a fixed order that both engines share: by the view's row
    id, else by every column (NULLs first, as SQLite sorts). The name must be one of
    ``public_views``: an identifier cannot be a bound parameter, so it is checked, then quoted."""
    if view not in public_views(conn):
        raise ValueError(f"{view!r} is not a public view")
    quoted = '"' + view.replace('"', '""') + '"'
    names = [c["name"] for c in view_columns(conn, view)]
    positions = [i + 1 for i, name in enumerate(names) if name in ROW_IDS] or range(1, len(names) + 1)
    order = ", ".join(f"{position} NULLS FIRST" for position in positions)
    cursor = conn.execute(f"SELECT * FROM {quoted} ORDER BY {order}")  # checked identifier, column numbers
    return [d[0] for d in cursor.description], [tuple(r) for r in cursor.fetchall()]


def example(conn: sqlite3.Connection, name: str) -> Row:
    """An example query of the data model page: its SQL (``sql/example_<name>.sql``) and
    what it returns on this release, so the documented examples always run."""
    text = sql(f"example_{name}")
    cursor = conn.execute(text)
    return {"sql": text.strip(), "columns": [d[0] for d in cursor.description],
            "rows": [tuple(r) for r in cursor.fetchall()]}
