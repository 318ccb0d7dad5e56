"""Browser assets the site ships from npm packages: SQLite compiled to WebAssembly (sql.js)
for the Query page.

The page must never load code from another host, so the files come from the project's
``node_modules`` (installed by ``npm ci`` from the committed ``package-lock.json``, which
``make site`` runs); the her2db plugin adds them to the build as they are, under
``javascripts/vendor/sql.js``, without copying them into the docs folder.
"""

from __future__ import annotations

from pathlib import Path

from .config import SiteError
from .virtual import VirtualFile

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the checkout, where `npm ci` installs
SQLJS_PACKAGE = Path("node_modules") / "sql.js"
SQLJS_FILES = ("dist/sql-wasm.js", "dist/sql-wasm.wasm", "LICENSE")
VENDOR_DIR = "javascripts/vendor/sql.js"  # in the built site


def sqljs_dir(project_dir: Path) -> Path:
    """The installed sql.js package: in the project being built, else beside this package
    (a copy of the project built from a checkout that has run ``npm ci``). Missing, it is a
    ``SiteError`` that tells the user to install it."""
    for base in (project_dir, PACKAGE_ROOT):
        if all((base / SQLJS_PACKAGE / name).is_file() for name in SQLJS_FILES):
            return base / SQLJS_PACKAGE

    raise SiteError(f"sql.js (SQLite in WebAssembly, for the Query page) is not installed in "
                     f"{project_dir / 'node_modules'}: run `make site`, or `npm ci` in {project_dir}")


def sqljs_files(project_dir: Path) -> list[Path]:
    """The files of sql.js the site ships (``sqljs_dir``), which alone a build reads."""
    source = sqljs_dir(project_dir)
    return [source / name for name in SQLJS_FILES]


def files(project_dir: Path) -> list[VirtualFile]:
    """sql.js's loader, WebAssembly module and licence, as they are in ``node_modules``."""
    return [VirtualFile(f"{VENDOR_DIR}/{path.name}", source=path) for path in sqljs_files(project_dir)]
