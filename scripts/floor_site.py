"""The floor `her2db site build` is measured against: plain ``mkdocs build`` of the same pages,
pre-written, with the same theme.

    python scripts/floor_site.py prepare PROJECT DB FLOOR   # once
    python scripts/floor_site.py build FLOOR                # what is timed

``prepare`` writes the study pages the her2db plugin generates from the database DB as real
files, copies every Markdown page of PROJECT's docs folder as it is (their macro calls left as
text), its stylesheets and scripts, and PROJECT's ``mkdocs.yml`` without the her2db and macros
plugins (Material, its search and tags plugins, the same Markdown extensions and navigation).
``build`` is ``mkdocs build`` of that, nothing generated, nothing checked (not ``--strict``):
what any MkDocs Material site of this many pages costs.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import yaml


def prepare(project: Path, db: Path, floor: Path) -> None:
    from mkdocs.utils import yaml_load  # reads mkdocs.yml's !ENV tags

    from her2db.publish.generated import study_pages
    from her2db.store.sqlite import connect_readonly

    with (project / "mkdocs.yml").open("rb") as handle:
        config = yaml_load(handle)
    docs = project / config.get("docs_dir", "docs")
    shutil.rmtree(floor, ignore_errors=True)
    for path in sorted(docs.rglob("*")):
        rel = path.relative_to(docs)
        if path.is_file() and (path.suffix == ".md" or rel.parts[0] in ("stylesheets", "javascripts")) \
                and "vendor" not in rel.parts:
            (floor / "docs" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, floor / "docs" / rel)
    conn = connect_readonly(db)
    try:
        for page in study_pages(conn):
            (floor / "docs" / page.src_uri).parent.mkdir(parents=True, exist_ok=True)
            (floor / "docs" / page.src_uri).write_bytes(page.content or b"")
    finally:
        conn.close()
    config["plugins"] = [p for p in config.get("plugins", [])
                         if not (isinstance(p, dict) and ("macros" in p or "her2db" in p))]
    config.update(docs_dir="docs", site_dir="public", strict=False)
    (floor / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "prepare":
        prepare(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
    elif len(sys.argv) == 3 and sys.argv[1] == "build":
        config = str(Path(sys.argv[2]) / "mkdocs.yml")
        os.environ["NO_MKDOCS_2_WARNING"] = "1"
        os.execv(sys.executable, [sys.executable, "-m", "mkdocs", "build", "--quiet", "--clean", "-f", config])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
