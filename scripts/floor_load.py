"""The floor `her2db load` is measured against: the same files parsed by PyYAML's C loader and
inserted with ``sqlite3.executemany`` in one transaction, nothing checked.

    python scripts/floor_load.py SOURCES DB

Every study's scalar fields become a row of ``study``; every record of every section a row of
a table named after the section (columns: the union of the records' keys, lists joined as
text), so the floor writes as many rows as the load does, minus all the work that makes the
load trustworthy (validation, printed numbers, keys resolved to ids, views).
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

import yaml


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(map(str, value))
    if isinstance(value, dict):
        return repr(value)
    return value


def main() -> None:
    sources, db = Path(sys.argv[1]), Path(sys.argv[2])
    db.unlink(missing_ok=True)
    tables: dict[str, tuple[dict[str, None], list[dict[str, Any]]]] = {}

    def add(table: str, record: dict[str, Any]) -> None:
        columns, rows = tables.setdefault(table, ({}, []))
        columns.update(dict.fromkeys(record))
        rows.append(record)

    for path in sorted(sources.rglob("*.yaml")):
        with path.open("rb") as handle:
            data = yaml.load(handle, Loader=yaml.CSafeLoader)
        owner = path.stem
        for key, value in data.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                for record in value:
                    add(key, {"owner": owner, **record})
        add("file", {"owner": owner, **{k: v for k, v in data.items()
                                        if not (isinstance(v, list) and v and isinstance(v[0], dict))}})
    conn = sqlite3.connect(db)
    with conn:
        for table, (columns, rows) in tables.items():
            names = list(columns)
            conn.execute(f'CREATE TABLE "{table}" ({", ".join(f"{name!r}" for name in names)})')
            conn.executemany(f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(names))})',
                             ([_cell(row.get(name)) for name in names] for row in rows))
    conn.close()


if __name__ == "__main__":
    main()
