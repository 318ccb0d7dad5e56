"""``validators.json``: what a run needs of the pydantic models without importing pydantic
(``classes.py`` reads it), written by ``her2db schema`` and kept in step by a test like the DDL.

Pydantic builds a model's validator in two steps: Python walks the model's fields into a *core
schema* (a plain dict), then pydantic-core compiles that dict. The file holds each file model's
core schema (classes and functions named by module and name), the models' class tree, the facts
about their fields (``facts.py``), the versions of pydantic and pydantic-core, and the digest of
every model module the schema was generated from (``curated.py`` and the modules of this
package it imports). ``her2db schema --check`` compares all but the versions: a new pydantic
that generates the same schemas leaves the file current in the checkout (rewrite it with
``her2db schema`` to use it again).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
from typing import Any

import pydantic
import pydantic_core
from pydantic import BaseModel

from . import curated, facts
from .classes import BUILTINS, FORMAT, PACKAGE, REF, VALIDATORS_JSON, module_digests, module_file

PLAIN = (str, int, float, bool, type(None))
__all__ = ["VALIDATORS_JSON", "file_models", "generate", "same_schemas"]


def file_models() -> list[type[BaseModel]]:
    """The models a whole curated file is validated against (``StudyFile``, ``SourcesFile``, …)."""
    return [model for name, model in facts.model_classes().items() if name.endswith("File")]


def generate() -> str:
    """The text of ``validators.json`` for the models as they are now."""
    schemas = {}
    for model in file_models():
        model.model_rebuild()
        refs: dict[str, str] = {}
        schemas[model.__name__] = _encode(model.__pydantic_core_schema__, refs)
    classes = facts.model_classes()
    record = {"format": FORMAT, **_versions(), "modules": module_digests(_module_names()), "models": schemas,
              "classes": {name: facts.base_name(model) for name, model in classes.items()},
              "fields": {name: [list(field) for field in facts.fields_of(model)]
                         for name, model in classes.items()}}
    return json.dumps(record, indent=1) + "\n"  # in pydantic's order: fields are checked in it


def same_schemas(text: str, other: str) -> bool:
    """Whether two texts of ``validators.json`` hold the same schemas and module digests,
    whatever pydantic versions wrote them (what ``her2db schema --check`` compares)."""
    try:
        return _without_versions(json.loads(text)) == _without_versions(json.loads(other))
    except (ValueError, TypeError):
        return False


def _versions() -> dict[str, str]:
    return {"pydantic": pydantic.VERSION, "pydantic_core": pydantic_core.__version__}


def _without_versions(record: Any) -> Any:
    return {key: value for key, value in record.items() if key not in _versions()} \
        if isinstance(record, dict) else record


def _module_names(root: str = curated.__name__) -> list[str]:
    """``root`` (``curated``) and the modules of this package it imports, directly or not,
    however the import is written (``from .numbers import x``, ``from . import numbers``,
    ``import her2db.model.numbers``): what its schema reads."""
    import ast  # here: only ``her2db schema`` reads the sources

    names, todo = [], [root]
    while todo:
        name = todo.pop()
        if name in names:
            continue
        names.append(name)
        package = name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(module_file(name).read_bytes())):
            if isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) \
                    if node.level else node.module or ""
                found = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            todo += [module for module in found if module.startswith(f"{PACKAGE}.") and module_file(module).is_file()]
    return sorted(names)


def _encode(value: Any, refs: dict[str, str]) -> Any:
    """A core schema as JSON: classes and functions by module and name; ``metadata`` (pydantic's
    JSON Schema hooks) and ``serialization`` left out, as validation reads neither; the
    definitions' names (``ref``) without the object id pydantic adds, so the text is the same in
    every process."""
    if type(value) is dict:
        if REF in value:
            raise TypeError(f"a core schema holds the key {REF}: it cannot be prebuilt")
        return {key: _stable_ref(item, refs) if key in ("ref", "schema_ref") else _encode(item, refs)
                for key, item in value.items() if key not in ("metadata", "serialization")}
    if type(value) in (list, tuple):
        return [_encode(item, refs) for item in value]
    if type(value) in PLAIN:  # exactly: a Printed (a float) or an enum member would lose what it is
        return value
    module, name = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if not (module and name) or isinstance(value, str | int | float) \
            or getattr(importlib.import_module(module), name, None) is not value \
            or (module == "builtins" and name not in BUILTINS):
        raise TypeError(f"cannot name {value!r} in a prebuilt core schema")
    return {REF: f"{module}:{name}"}


def _stable_ref(ref: str, refs: dict[str, str]) -> str:
    stable = re.sub(r":\d+$", "", ref)
    if refs.setdefault(stable, ref) != ref:
        raise TypeError(f"two definitions named {stable} in a prebuilt core schema")
    return stable
