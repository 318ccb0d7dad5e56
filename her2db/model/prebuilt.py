"""The curated file models' validators, built from core schemas generated ahead of time.

Pydantic builds a model's validator in two steps: Python walks the model's fields into a *core
schema* (a plain dict), then pydantic-core compiles that dict. The walk costs about 35 ms for
``StudyFile``, in every process: more than a curator's whole edit is allowed beyond its floor.
``her2db schema`` writes each file model's core schema to ``validators.json`` (package data,
committed, kept in step by a test like the DDL), and a process compiles the dict it reads
(about 3 ms). The validator is the one pydantic would build from the same schema, so models,
values and error messages are those of ``Model.model_validate``.

The file is used only while it still describes the models: it records the pydantic-core
version and the digest of every model module the schema was generated from, and a model whose
record does not match (a module edited since ``her2db schema``, another pydantic-core) is
validated by pydantic as before. Its object references (the model classes, the validating
functions, the ``list`` and ``dict`` factories) are resolved only among those modules' own
names and those two builtins.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pydantic_core
from pydantic import BaseModel

from . import curated

VALIDATORS_JSON = Path(__file__).with_name("validators.json")
FORMAT = "her2db prebuilt validators 1"
REF = "$object"
BUILTINS = {"list": list, "dict": dict}
PACKAGE = __name__.rsplit(".", 1)[0]

M = TypeVar("M", bound=BaseModel)


def file_models() -> list[type[BaseModel]]:
    """The models a whole curated file is validated against (``StudyFile``, ``SourcesFile``, …)."""
    return [model for name, model in vars(curated).items()
            if isinstance(model, type) and issubclass(model, BaseModel) and name.endswith("File")]


def validate(model: type[M], data: Any) -> M:
    """``model.model_validate(data)``, with the prebuilt validator when it is current."""
    validator = _validator(model.__name__)
    return model.model_validate(data) if validator is None else validator.validate_python(data)


def generate() -> str:
    """The text of ``validators.json`` for the models as they are now."""
    schemas = {}
    for model in file_models():
        model.model_rebuild()
        refs: dict[str, str] = {}
        schemas[model.__name__] = _encode(model.__pydantic_core_schema__, refs)
    record = {"format": FORMAT, "pydantic_core": pydantic_core.__version__,
              "modules": _module_digests(_module_names()), "models": schemas}
    return json.dumps(record, indent=1) + "\n"  # in pydantic's order: fields are checked in it


@cache
def _current() -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The prebuilt schemas by model name and the modules they name; None if the file is
    missing or out of date."""
    try:
        record = json.loads(VALIDATORS_JSON.read_text(encoding="utf-8"))
        names = sorted(record["modules"])
        if record["format"] != FORMAT or record["pydantic_core"] != pydantic_core.__version__ \
                or not all(name.startswith(f"{PACKAGE}.") for name in names) \
                or record["modules"] != _module_digests(names) or not isinstance(record["models"], dict):
            return None
        return record["models"], {name: importlib.import_module(name) for name in names}
    except (OSError, ValueError, LookupError, TypeError, AttributeError, ImportError):
        return None


@cache
def _validator(name: str) -> pydantic_core.SchemaValidator | None:
    """The prebuilt validator of the model ``name`` (each compiled when first asked for: an edit
    needs one); None if there is none that is current."""
    if (current := _current()) is None or name not in current[0]:
        return None
    schemas, modules = current
    try:
        decoded = _decode(schemas[name], modules)
        return pydantic_core.SchemaValidator(decoded, decoded.get("config"))
    except (LookupError, TypeError, ValueError, AttributeError, pydantic_core.SchemaError):
        return None


def _module_names() -> list[str]:
    """``curated`` and the package's modules it imports, directly or not: what its schema reads."""
    import ast  # here: only ``her2db schema`` reads the sources

    names, todo = [], [curated.__name__]
    while todo:
        name = todo.pop()
        if name in names:
            continue
        names.append(name)
        tree = ast.parse(Path(importlib.import_module(name).__file__ or "").read_bytes())
        todo += [f"{PACKAGE}.{node.module}" for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module]
    return sorted(names)


def _module_digests(names: list[str]) -> dict[str, str]:
    return {name: hashlib.sha256(Path(importlib.import_module(name).__file__ or "").read_bytes()).hexdigest()
            for name in names}


def _encode(value: Any, refs: dict[str, str]) -> Any:
    """A core schema as JSON: classes and functions by module and name; ``metadata`` (pydantic's
    JSON Schema hooks) and ``serialization`` left out, as validation reads neither; the
    definitions' names (``ref``) without the object id pydantic adds, so the text is the same in
    every process."""
    if isinstance(value, dict):
        return {key: _stable_ref(item, refs) if key in ("ref", "schema_ref") else _encode(item, refs)
                for key, item in value.items() if key not in ("metadata", "serialization")}
    if isinstance(value, list | tuple):
        return [_encode(item, refs) for item in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    module, name = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if not (module and name) or getattr(importlib.import_module(module), name, None) is not value \
            or (module == "builtins" and name not in BUILTINS):
        raise TypeError(f"cannot name {value!r} in a prebuilt core schema")
    return {REF: f"{module}:{name}"}


def _stable_ref(ref: str, refs: dict[str, str]) -> str:
    stable = re.sub(r":\d+$", "", ref)
    if refs.setdefault(stable, ref) != ref:
        raise TypeError(f"two definitions named {stable} in a prebuilt core schema")
    return stable


def _decode(value: Any, modules: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        if set(value) == {REF}:
            module, name = value[REF].split(":", 1)
            if module == "builtins":
                return BUILTINS[name]
            return getattr(modules[module], name)
        return {key: _decode(item, modules) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item, modules) for item in value]
    return value
