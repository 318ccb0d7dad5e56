"""The curated file models' validators, built from core schemas generated ahead of time.

Pydantic builds a model's validator in two steps: Python walks the model's fields into a *core
schema* (a plain dict), then pydantic-core compiles that dict. The walk costs about 35 ms for
``StudyFile``, in every process: more than a curator's whole edit is allowed beyond its floor.
``her2db schema`` writes each file model's core schema to ``validators.json`` (package data,
committed, kept in step by a test like the DDL), and a process compiles the dict it reads
(about 3 ms). The validator is the one pydantic would build from the same schema, so models,
values and error messages are those of ``Model.model_validate``.

The file is used only while it still describes the models: it records the versions of
pydantic and pydantic-core and the digest of every model module the schema was generated from
(``curated.py`` and the modules of this package it imports), and a model whose record does not
match (a module edited since ``her2db schema``, another pydantic) is validated by pydantic as
before. Its object references (the model classes, the validating functions, the ``list`` and
``dict`` factories) are resolved only to objects defined in those modules, and those two
builtins. ``her2db schema --check`` compares the schemas and digests, not the versions: a new
pydantic that generates the same schemas leaves the file current in the checkout (rewrite it
with ``her2db schema`` to use it again).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import re
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pydantic
import pydantic_core
from pydantic import BaseModel

from . import curated

VALIDATORS_JSON = Path(__file__).with_name("validators.json")
FORMAT = "her2db prebuilt validators 1"
REF = "$object"
BUILTINS = {"list": list, "dict": dict}
PACKAGE = __name__.rsplit(".", 1)[0]
PACKAGE_DIR = Path(__file__).parent
PLAIN = (str, int, float, bool, type(None))

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
    record = {"format": FORMAT, **_versions(), "modules": _module_digests(_module_names()), "models": schemas}
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


@cache
def _current() -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The prebuilt schemas by model name and the modules they name; None if the file is
    missing or out of date. The modules' files are digested before any is imported."""
    try:
        record = json.loads(VALIDATORS_JSON.read_text(encoding="utf-8"))
        names = sorted(record["modules"])
        if record["format"] != FORMAT or any(record.get(key) != value for key, value in _versions().items()) \
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
        for node in ast.walk(ast.parse(_module_file(name).read_bytes())):
            if isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) \
                    if node.level else node.module or ""
                found = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            todo += [module for module in found if module.startswith(f"{PACKAGE}.") and _module_file(module).is_file()]
    return sorted(names)


def _module_file(name: str) -> Path:
    """The source file of the module ``name`` of this package, found without importing it."""
    return PACKAGE_DIR.joinpath(*name.removeprefix(f"{PACKAGE}.").split(".")).with_suffix(".py")


def _module_digests(names: list[str]) -> dict[str, str]:
    return {name: hashlib.sha256(_module_file(name).read_bytes()).hexdigest() for name in names}


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


def _decode(value: Any, modules: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        if set(value) == {REF}:
            module, name = value[REF].split(":", 1)
            if module == "builtins":
                return BUILTINS[name]
            found = getattr(modules[module], name)
            if getattr(found, "__module__", None) != module:  # only what the module itself defines
                raise LookupError(f"{value[REF]} is not defined in {module}")
            return found
        return {key: _decode(item, modules) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item, modules) for item in value]
    return value
