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
    try:
        with config.open("rb") as handle:
            data = _yaml_load(handle) or {}
    except Exception as exc:  # MkDocs' own loader, for what ours leaves to it: its YAML or config errors
        raise SiteError(f"{config} cannot be read as a MkDocs configuration: {exc}") from exc
    if not isinstance(data, dict):
        raise SiteError(f"{config} is not a MkDocs configuration: expected settings (a mapping), "
                        f"found {type(data).__name__}")
    folders = {key: data.get(key, default) for key, default in (("docs_dir", "docs"), ("site_dir", "site"))}
    for key, value in folders.items():
        if not isinstance(value, str) or not value.strip():
            raise SiteError(f"{config}: {key} must name a folder, not {value!r}")
    base = config.resolve().parent
    plugins = data.get("plugins") or []
    entries = plugins if isinstance(plugins, list) else [plugins]  # a list, or one mapping of them
    macros = next((p["macros"] for p in entries if isinstance(p, dict) and "macros" in p), None)
    module = (macros or {}).get("module_name") if isinstance(macros, dict) else None
    return Config(config.resolve(), base / folders["docs_dir"], base / folders["site_dir"],
                  (base / module).parent if isinstance(module, str) and module else None)


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
