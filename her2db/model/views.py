"""The public SQL views as declared in ``views.yaml``: what each view is, its row identity and
every column's description, the one source the data-model page, the Query page's schema panel
and the Data Package schema are generated from.

Plain data read with PyYAML's C loader (no MkDocs, no ORM), so ``her2db export`` and the Query
page need nothing else to describe a column.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

VIEWS_YAML = Path(__file__).with_name("views.yaml")


@dataclass(frozen=True)
class View:
    name: str
    description: str
    """Markdown; its first line is the view's summary."""
    columns: dict[str, str]
    """Every column in the order of the view, with its description (Markdown)."""
    primary_key: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        return self.description.split("\n", 1)[0]


@functools.cache
def _declared() -> dict[str, object]:
    import yaml  # here: `her2db query` imports the exporter, and never needs the descriptions

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data: dict[str, object] = yaml.load(VIEWS_YAML.read_text(encoding="utf-8"), Loader=loader)
    return data


@functools.cache
def public_views() -> dict[str, View]:
    """The documented public views by name, in the order the data-model page lists them."""
    views = _declared()["views"]
    assert isinstance(views, dict)
    return {name: View(name, spec["description"], dict(spec["columns"]), tuple(spec.get("primary_key", ())))
            for name, spec in views.items()}


@functools.cache
def foreign_keys() -> dict[str, tuple[str, str]]:
    """Columns that name a row of another view, wherever they appear: column -> (view, column)."""
    declared = _declared()["foreign_keys"]
    assert isinstance(declared, dict)
    return {column: (target.split(".", 1)[0], target.split(".", 1)[1]) for column, target in declared.items()}


def undocumented(actual: dict[str, list[str]]) -> list[str]:
    """Where the database's public views (``actual``: view -> its columns) and the declaration
    differ: each difference in words, empty when they agree column for column."""
    declared = public_views()
    problems = [f"view {name} is not declared in views.yaml" for name in actual if name not in declared]
    problems += [f"view {name} is declared but the database has no such view"
                 for name in declared if name not in actual]
    for name in declared.keys() & actual.keys():
        missing = [c for c in actual[name] if c not in declared[name].columns]
        extra = [c for c in declared[name].columns if c not in actual[name]]
        if missing:
            problems.append(f"{name}: columns without a description: {', '.join(missing)}")
        if extra:
            problems.append(f"{name}: described columns the view does not have: {', '.join(extra)}")
    return problems
