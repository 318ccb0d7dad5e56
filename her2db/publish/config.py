"""The MkDocs configuration's folders, and the error every site step raises."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

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
        data = _yaml_load(handle) or {}
    base = config.resolve().parent
    macros = next((p["macros"] for p in data.get("plugins") or [] if isinstance(p, dict) and "macros" in p), None)
    module = (macros or {}).get("module_name") if isinstance(macros, dict) else None
    return Config(config.resolve(), base / data.get("docs_dir", "docs"), base / data.get("site_dir", "site"),
                  (base / module).parent if module else None)


def _yaml_load(handle: IO[bytes]) -> Any:
    """mkdocs.yml as MkDocs reads it, through PyYAML's C loader with MkDocs' ``!ENV`` tag: MkDocs'
    own loader is pure Python and importing it imports most of MkDocs, a rebuild's largest cost.
    A file this loader cannot read as MkDocs would (another tag, ``INHERIT``) MkDocs reads."""
    import yaml
    import yaml_env_tag  # type: ignore[import-untyped]

    class Loader(yaml.CSafeLoader):
        pass

    Loader.add_constructor("!ENV", yaml_env_tag.construct_env_tag)
    try:
        data = yaml.load(handle, Loader=Loader)
    except yaml.YAMLError:
        data = None
    if isinstance(data, dict) and "INHERIT" not in data:
        return data
    from mkdocs.utils import yaml_load

    handle.seek(0)
    return yaml_load(handle)
