"""The MkDocs configuration's folders, and the error every site step raises."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mkdocs.utils import yaml_load

DEV_LABEL = "dev"
"""The version a build outside a release (not run by mike) shows and names its downloads by."""


class SiteError(Exception):
    """The site could not be built or deployed; the message says why (with mkdocs' output)."""


@dataclass
class Config:
    path: Path
    docs_dir: Path
    site_dir: Path
    macros_dir: Path | None = None
    """The folder of the macros module the configuration names (its code shapes the pages)."""


def read_config(config: Path) -> Config:
    """The folders of the MkDocs configuration, resolved against the file's directory."""
    if not config.is_file():
        raise SiteError(f"MkDocs configuration {config} not found")
    with config.open("rb") as handle:
        data = yaml_load(handle) or {}
    base = config.resolve().parent
    macros = next((p["macros"] for p in data.get("plugins") or [] if isinstance(p, dict) and "macros" in p), None)
    module = (macros or {}).get("module_name") if isinstance(macros, dict) else None
    return Config(config.resolve(), base / data.get("docs_dir", "docs"), base / data.get("site_dir", "site"),
                  (base / module).parent if module else None)
