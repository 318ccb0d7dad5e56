"""The floors curator edits are measured against: the least any tool does to make one edit of one
study file and its database row(s), nothing checked.

    python scripts/floor_edit.py add STUDY_FILE DB SECTION RECORD_JSON
    python scripts/floor_edit.py set STUDY_FILE DB SECTION INDEX FIELD VALUE
    python scripts/floor_edit.py import-csv STUDY_FILE DB SECTION CSV

Each reads and parses the one study file with PyYAML's C loader, changes the record(s) (``add``
appends one, ``set`` changes one field of one, ``import-csv`` appends a record per row of the
CSV file), writes the file atomically (a temporary file, fsync, rename) and inserts or updates
the row(s) in SQLite (table ``floor_record``, created if missing) in one transaction.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml


def write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def edit(study_file: Path, db: Path, section: str, change: Any) -> None:
    """Parse, change (``change(records)`` returns the (index, record) pairs it touched), write."""
    data = yaml.load(study_file.read_bytes(), Loader=yaml.CSafeLoader)
    records = data.setdefault(section, [])
    touched = change(records)
    write_atomic(study_file, yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True))
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("CREATE TABLE IF NOT EXISTS floor_record (study_id TEXT, section TEXT, position INTEGER, "
                     "record TEXT, PRIMARY KEY (study_id, section, position))")
        conn.executemany("INSERT OR REPLACE INTO floor_record VALUES (?, ?, ?, ?)",
                         [(data["id"], section, i, json.dumps(r)) for i, r in touched])
    conn.close()


def main() -> None:
    mode, args = sys.argv[1], sys.argv[2:]
    if mode not in ("add", "set", "import-csv") or len(args) != {"add": 4, "set": 6, "import-csv": 4}[mode]:
        raise SystemExit(__doc__)
    study_file, db, section = Path(args[0]), Path(args[1]), args[2]

    def change(records: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
        if mode == "set":
            index = int(args[3])
            records[index][args[4]] = args[5]
            return [(index, records[index])]
        if mode == "add":
            added = [json.loads(args[3])]
        else:
            with open(args[3], newline="", encoding="utf-8") as handle:
                added = [{k: v for k, v in row.items() if v} for row in csv.DictReader(handle)]
        records.extend(added)
        return [(len(records) - len(added) + i, record) for i, record in enumerate(added)]

    edit(study_file, db, section, change)


if __name__ == "__main__":
    main()
