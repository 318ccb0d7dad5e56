"""Browser assets the site ships from npm packages: SQLite compiled to WebAssembly (sql.js)
for the Query page.

The page must never load code from another host, so the files come from the project's
``node_modules`` (installed by ``npm ci`` from the committed ``package-lock.json``, which
``make site`` runs) and are copied into the docs folder at build time; MkDocs then copies them
into the built site like any other file. They are build output, ignored by git.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .config import SiteError

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the checkout, where `npm ci` installs
SQLJS_PACKAGE = Path("node_modules") / "sql.js"
SQLJS_FILES = ("dist/sql-wasm.js", "dist/sql-wasm.wasm", "LICENSE")
VENDOR_DIR = Path("javascripts") / "vendor" / "sql.js"  # inside the docs folder


def sqljs_dir(project_dir: Path) -> Path:
    """The installed sql.js package: in the project being built, else beside this package
    (a copy of the project built from a checkout that has run ``npm ci``). Missing, it is a
    ``SiteError`` that tells the user to install it."""
    for base in (project_dir, PACKAGE_ROOT):
        if all((base / SQLJS_PACKAGE / name).is_file() for name in SQLJS_FILES):
            return base / SQLJS_PACKAGE

    raise SiteError(f"sql.js (SQLite in WebAssembly, for the Query page) is not installed in "
                     f"{project_dir / 'node_modules'}: run `make site`, or `npm ci` in {project_dir}")


def write_assets(project_dir: Path, docs_dir: Path) -> Path:
    """Copy sql.js's loader, WebAssembly module and licence to ``<docs_dir>/javascripts/vendor``;
    returns the folder they are in."""
    source = sqljs_dir(project_dir)
    out = docs_dir / VENDOR_DIR
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    (out / ".gitignore").write_text("# copied from node_modules by `her2db site build`\n*\n",
                                    encoding="utf-8")
    for name in SQLJS_FILES:
        shutil.copyfile(source / name, out / Path(name).name)
    return out
