"""The curated model classes a run uses, and their records, without importing pydantic.

The models are defined once, in ``curated.py`` (pydantic). Importing pydantic and building its
27 model classes costs some 60 ms in every process: more than a curator's edit may take beyond
its floor. So ``her2db schema`` (``prebuilt.py``) stores, in ``validators.json``, the models'
core schemas, their class tree and the facts about their fields that code asks for (``Field``).
A run builds a plain class per model (``Record``) and has pydantic-core validate into it: the
values, ``model_fields_set`` and the errors are those pydantic gives (tests compare them).

The file is used only while it still describes the models: the digests of the model modules
and the versions of pydantic and pydantic-core must match. Otherwise the pydantic models
themselves are used, as before; the rest of the code sees the same names either way
(``classes.StudyFile``, ``validate``, ``fields``, ``construct``). Object references in the file
resolve only to the model classes, two builtins and what a model module itself defines.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from . import validator_core as core

if TYPE_CHECKING:  # the names code uses; at run time, the classes ``_models`` builds
    from .curated import AdverseEvent as AdverseEvent
    from .curated import AeTermEntry as AeTermEntry
    from .curated import AeTermsFile as AeTermsFile
    from .curated import Analysis as Analysis
    from .curated import Arm as Arm
    from .curated import ArmResult as ArmResult
    from .curated import Characteristic as Characteristic
    from .curated import Comparison as Comparison
    from .curated import CoverageExceptionsFile as CoverageExceptionsFile
    from .curated import DrugsFile as DrugsFile
    from .curated import DrugTerm as DrugTerm
    from .curated import EndpointsFile as EndpointsFile
    from .curated import EndpointTerm as EndpointTerm
    from .curated import ExceptionEntry as ExceptionEntry
    from .curated import FieldBasis as FieldBasis
    from .curated import Population as Population
    from .curated import Provenance as Provenance
    from .curated import ReleaseChangelogFile as ReleaseChangelogFile
    from .curated import ReleaseEntry as ReleaseEntry
    from .curated import ReleasesFile as ReleasesFile
    from .curated import Source as Source
    from .curated import SourcesFile as SourcesFile
    from .curated import StudyEndpoint as StudyEndpoint
    from .curated import StudyFile as StudyFile
    from .curated import Subgroup as Subgroup

VALIDATORS_JSON = Path(__file__).with_name("validators.json")
FORMAT = "her2db prebuilt validators 2"
REF = "$object"
BUILTINS: dict[str, type] = {"list": list, "dict": dict}
PACKAGE = __name__.rsplit(".", 1)[0]
PACKAGE_DIR = Path(__file__).parent
MODELS_MODULE = f"{PACKAGE}.curated"
VERSION_LINE = re.compile(r"""^VERSION\s*=\s*['"]([^'"]+)['"]""", re.MULTILINE)

M = TypeVar("M")
T = TypeVar("T")


def per_model(function: Callable[[type], T]) -> Callable[[type], T]:
    """``function`` of a class, remembered per class: ``functools.cache`` would do, but mypy
    does not see that a class is hashable."""
    memo: dict[type, T] = {}

    def remembered(model: type) -> T:
        if model not in memo:
            memo[model] = function(model)
        return memo[model]

    return functools.wraps(function)(remembered)


class Field(NamedTuple):
    """A model's field as code asks about it, read from the pydantic model by ``her2db schema``."""

    name: str
    alias: str  # the name a YAML file spells it by (a drug's ``class``)
    required: bool
    default: Any  # None when required or made by ``factory``
    factory: str | None  # "list" or "dict": a new empty one for each record
    description: str
    printed: bool  # may hold a printed number (``numbers.Printed``)
    item: str | None  # a list of records: their model's name
    types: tuple[str, ...]  # of "str", "int", "float", "bool", "list"
    choices: tuple[str, ...] | None  # a ``Literal``'s values

    def default_value(self) -> Any:
        return BUILTINS[self.factory]() if self.factory else self.default


class Record:
    """A validated record: its fields as attributes, set by pydantic-core as on a pydantic model
    (the same slots), compared as pydantic compares models (same class, same values)."""

    __slots__ = ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__")
    __pydantic_fields_set__: set[str]

    @property
    def model_fields_set(self) -> set[str]:
        """The fields the file gave (not defaulted)."""
        return self.__pydantic_fields_set__

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        """(field, value) pairs, as a pydantic model iterates."""
        yield from self.__dict__.items()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.__dict__.items())})"


class Models(NamedTuple):
    """The model classes by name, their fields, and the file models' core schemas and
    validators (none when pydantic validates)."""

    classes: dict[str, type]
    fields: dict[str, tuple[Field, ...]]
    schemas: dict[str, Any]
    validators: dict[str, core.SchemaValidator]


@cache
def _models() -> Models:
    return build(VALIDATORS_JSON)


def build(path: Path) -> Models:
    """Plain classes and their fields from the file ``path`` if it is current and every object
    it names resolves, else pydantic's models (``facts`` reads their fields)."""
    record = stored(path)
    try:
        if record is not None:
            return _plain(record)
    except (LookupError, TypeError, ValueError, AttributeError, ImportError, core.SchemaError):
        pass
    from . import facts  # pydantic: the stored file no longer describes the models

    models = facts.model_classes()
    return Models(dict(models), {name: tuple(Field(*item) for item in facts.fields_of(model))
                                 for name, model in models.items()}, {}, {})


def _plain(record: dict[str, Any]) -> Models:
    built: dict[str, type] = {}
    for name, base in record["classes"].items():
        built[name] = type(name, (built[base] if base else Record,),
                           {"__slots__": (), "__module__": __name__, "__qualname__": name})
    fields = {name: tuple(Field._make([*item[:-2], tuple(item[-2]), None if item[-1] is None else tuple(item[-1])])
                          for item in items) for name, items in record["fields"].items()}
    modules: dict[str, Any] = {name: importlib.import_module(name) for name in record["modules"]
                               if name != MODELS_MODULE}
    modules[MODELS_MODULE] = built
    if fields.keys() != built.keys():
        raise LookupError("the stored fields are not those of the stored classes")
    schemas = {name: _decode(schema, modules) for name, schema in record["models"].items()}
    # compiled here, so that a file that does not compile is set aside (some 4 ms, most of it
    # for StudyFile, which every load and edit needs)
    return Models(built, fields, schemas, {name: core.SchemaValidator(schema, schema.get("config"))
                                           for name, schema in schemas.items()})


def stored(path: Path) -> dict[str, Any] | None:
    """The record in the file ``path``, if it describes the models as they are now. The
    modules' files are digested before any is imported; pydantic's version is read from its
    ``version.py`` (importing pydantic is the cost this module avoids)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        names = sorted(record["modules"])
        if record["format"] != FORMAT or record.get("pydantic") != pydantic_version() \
                or record.get("pydantic_core") != core.VERSION \
                or not all(name.startswith(f"{PACKAGE}.") for name in names) \
                or record["modules"] != module_digests(names) \
                or not all(isinstance(record[key], dict) for key in ("models", "classes", "fields")):
            return None
        return dict(record)
    except (OSError, ValueError, LookupError, TypeError, AttributeError):
        return None


def pydantic_version() -> str | None:
    spec = importlib.util.find_spec("pydantic")
    for folder in (spec and spec.submodule_search_locations) or []:
        version = Path(folder, "version.py")
        if version.is_file() and (found := VERSION_LINE.search(version.read_text(encoding="utf-8"))):
            return found.group(1)
    return None


def module_file(name: str) -> Path:
    """The source file of the module ``name`` of this package, found without importing it."""
    return PACKAGE_DIR.joinpath(*name.removeprefix(f"{PACKAGE}.").split(".")).with_suffix(".py")


def module_digests(names: list[str]) -> dict[str, str]:
    return {name: hashlib.sha256(module_file(name).read_bytes()).hexdigest() for name in names}


def __getattr__(name: str) -> type:
    """``classes.StudyFile`` and the other model classes, by the models' names."""
    try:
        return _models().classes[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def is_record(value: Any) -> bool:
    """Whether ``value`` is a record of one of the models."""
    return is_model(type(value))


@per_model
def fields(model: type) -> tuple[Field, ...]:
    """``model``'s fields in declaration order: one of the models, or any other pydantic model
    (read as ``her2db schema`` reads ours); none for anything else."""
    if is_model(model):
        return _models().fields[model.__name__]
    if not hasattr(model, "model_fields"):
        return ()
    from . import facts

    return tuple(Field(*item) for item in facts.fields_of(model))


def is_model(model: Any) -> bool:
    return _models().classes.get(getattr(model, "__name__", "")) is model


def validate(model: type[M], data: Any) -> M:
    """``data`` validated as a ``model`` record (``model.model_validate(data)``): pydantic-core's
    ``ValidationError`` if it is not one."""
    result: M = validator(model).validate_python(data)
    return result


@per_model
def validator(model: type) -> core.SchemaValidator:
    """``model``'s validator: compiled from its stored schema (a file's), or from the schema of
    the file model that holds it (a record's); pydantic's own when the file is not current."""
    models = _models()
    if not models.schemas:
        model.model_rebuild()  # type: ignore[attr-defined]  # built on first use (defer_build)
        return model.__pydantic_validator__  # type: ignore[attr-defined]
    if model.__name__ in models.validators:
        return models.validators[model.__name__]
    for schema in models.schemas.values():
        if (found := _model_schema(schema, model)) is not None:
            return core.SchemaValidator(found, found.get("config"))
    raise LookupError(f"no stored schema validates {model.__name__}")


def construct(model: type[M], **values: Any) -> M:
    """A ``model`` record of ``values`` and the other fields' defaults, not validated
    (``model_construct``): what is left of a file whose shape has errors."""
    if not _models().schemas:
        return model.model_construct(**values)  # type: ignore[attr-defined]
    record = model.__new__(model)
    record.__dict__.update({field.name: values[field.name] if field.name in values else field.default_value()
                            for field in fields(model) if field.name in values or not field.required})
    for name, value in (("__pydantic_fields_set__", set(values)), ("__pydantic_extra__", None),
                        ("__pydantic_private__", None)):
        object.__setattr__(record, name, value)
    return record


def _model_schema(schema: Any, model: type) -> dict[str, Any] | None:
    """The core schema of ``model`` within ``schema`` (a file model's, where records nest inline)."""
    if isinstance(schema, dict):
        if schema.get("type") == "model" and schema.get("cls") is model:
            return schema
        schema = list(schema.values())
    if isinstance(schema, list):
        for item in schema:
            if (found := _model_schema(item, model)) is not None:
                return found
    return None


def _decode(value: Any, modules: dict[str, Any]) -> Any:
    """A stored core schema with its object references resolved: a model to its class, a
    function to the object of that name its module defines, ``list`` and ``dict``."""
    if isinstance(value, dict):
        if set(value) == {REF}:
            module, name = value[REF].split(":", 1)
            if module == "builtins":
                return BUILTINS[name]
            found = modules[module][name] if module == MODELS_MODULE else getattr(modules[module], name)
            if module != MODELS_MODULE and getattr(found, "__module__", None) != module:
                raise LookupError(f"{value[REF]} is not defined in {module}")
            return found
        return {key: _decode(item, modules) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item, modules) for item in value]
    return value
