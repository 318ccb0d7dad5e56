"""How the curated records map onto the tables: which table each curated model fills, which
fields name another record, and the documented exceptions where a field and a column differ.

The curated model (``curated.py``) and the tables (``tables.py``) describe the same fields once
each: a record's field fills the table column of the same name, a printed number ``X`` also
``X_text``. Everything else is listed here, once, and kept in step by ``model_drift``.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Collection, Iterator
from typing import Any

from pydantic import BaseModel

from . import curated
from .numbers import Printed

# Tables by name (tables.py's ``__tablename__``s): the SQLite load does not import the ORM.
TABLE_OF: dict[type[BaseModel], str] = {
    curated.Source: "source",
    curated.EndpointTerm: "endpoint",
    curated.DrugTerm: "drug",
    curated.AeTermEntry: "ae_term",
    curated.ReleaseEntry: "release",
    curated.StudyFile: "study",
    curated.Analysis: "analysis",
    curated.Population: "population",
    curated.Arm: "arm",
    curated.Subgroup: "subgroup",
    curated.StudyEndpoint: "study_endpoint",
    curated.ArmResult: "arm_result",
    curated.Comparison: "comparison",
    curated.AdverseEvent: "adverse_event",
    curated.Characteristic: "characteristic",
}
KEY_COLUMNS = {
    # a key naming another record of the study -> (its id column, the section it names)
    "arm": ("arm_id", "arms"),
    "experimental": ("experimental_arm_id", "arms"),
    "control": ("control_arm_id", "arms"),
    "p_versus": ("p_versus_arm_id", "arms"),
    "analysis": ("analysis_id", "analyses"),
    "population": ("population_id", "populations"),
    "subgroup": ("subgroup_id", "subgroups"),
}
KEYED_SECTIONS = ("analyses", "populations", "arms", "subgroups")
ROW_SECTIONS = ("endpoints", "results", "comparisons", "adverse_events", "characteristics")
NOT_COLUMNS = {
    # curated fields that are not a column of their record's table, and where they go instead
    "Source.text": "the review text's path: read by coverage, never stored",
    "StudyFile.references": "table study_source",
    "StudyFile.field_basis": "table study_field_basis",
    "Arm.drugs": "table intervention",
    **{f"StudyFile.{section}": "its own table" for section in KEYED_SECTIONS + ROW_SECTIONS},
}
GENERATED_COLUMNS = {
    # columns no curated field names: row ids and the parent study, assigned by the load
    "id": "row id in file order", "study_id": "the study the record belongs to",
    "position": "order in its file (endpoints: the vocabulary order pages follow on every engine)",
    "changes_since": "release: the release its changelog (releases/<version>.yaml) compares with",
    "record_id": "the data point's id, from the study and the record's natural key (model/identity.py)",
}
DERIVED_TABLES = {"study_source", "study_field_basis", "intervention",
                  "release_change",  # from the changelogs of `her2db release`
                  "build_stamp",  # the digest of the files a load read (curate/load.py)
                  "mcbs_grade"}  # ESMO-MCBS preliminary grades computed by the load (curate/mcbs.py)


@functools.cache
def fields_of(model: type) -> frozenset[str]:
    """The fields a record model has (empty for anything else): asking a pydantic model for a
    field it lacks (``hasattr``, ``getattr`` with a default) raises inside pydantic, slowly."""
    return frozenset(field_names(model))


@functools.cache
def field_names(model: type) -> tuple[str, ...]:
    """A model's fields in declaration order. Cached: pydantic's ``model_fields`` is a class
    property that costs microseconds a call, and the rows and checks ask it for every record."""
    return tuple(getattr(model, "model_fields", {}))


@functools.cache
def field_aliases(model: type) -> tuple[tuple[str, str], ...]:
    """Each field with the name the YAML file spells it by (its alias, such as a drug's ``class``)."""
    return tuple((name, info.alias or name) for name, info in getattr(model, "model_fields", {}).items())


@functools.cache
def printed_fields(model: type) -> tuple[str, ...]:
    """Fields holding a printed number, in declaration order: each also fills the column
    ``<field>_text``, and validation checks each as a number."""
    return tuple(name for name, info in getattr(model, "model_fields", {}).items()
                 if Printed in types_in(info.annotation))


@functools.cache
def list_fields(model: type) -> dict[str, Any]:
    """Fields holding a list, in declaration order, each with the type of its items."""
    return {name: typing.get_args(info.annotation)[0]
            for name, info in getattr(model, "model_fields", {}).items()
            if typing.get_origin(info.annotation) is list}


@functools.cache
def sections_of(model: type) -> dict[str, type[BaseModel]]:
    """The fields holding a list of records (a study file's sections), each with its record
    model."""
    return {name: item for name, item in list_fields(model).items()
            if isinstance(item, type) and issubclass(item, BaseModel)}


def types_in(annotation: Any) -> Iterator[Any]:
    """The types a value of ``annotation`` may have, looking through unions and ``Annotated``
    (``Printed | None`` gives both); a list or a ``Literal`` is one type, given whole."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from types_in(typing.get_args(annotation)[0])
    elif origin is typing.Union or origin is types.UnionType:
        for arg in typing.get_args(annotation):
            yield from types_in(arg)
    else:
        yield annotation


def model_drift(model: type[BaseModel], columns: set[str]) -> tuple[set[str], set[str]]:
    """(curated fields with no column, columns with no curated field) beyond the documented
    exceptions: both empty while the two models describe the same fields."""
    name = model.__name__
    fields = {f for f in model.model_fields if f"{name}.{f}" not in NOT_COLUMNS}
    keyed = {f for f in fields if f in KEY_COLUMNS and f not in columns}
    derived = {f"{f}_text" for f in printed_fields(model)} | {KEY_COLUMNS[f][0] for f in keyed}
    return fields - keyed - columns, columns - fields - derived - set(GENERATED_COLUMNS)


def record_values(record: BaseModel, columns: Collection[str],
                  keys: dict[str, dict[str, int]] | None = None) -> dict[str, Any]:
    """The columns ``record`` fills: each field its namesake column, a printed number ``X``
    also ``X_text``, a list of names one ``; ``-separated text, a key of another record (arm,
    analysis, ...) that record's row id from ``keys``."""
    out: dict[str, Any] = {}
    for name in field_names(type(record)):
        value = getattr(record, name)
        if name in KEY_COLUMNS and name not in columns:
            column, section = KEY_COLUMNS[name]
            if column in columns:
                out[column] = None if value is None else (keys or {})[section][value]
        elif name not in columns:
            continue
        elif isinstance(value, Printed):
            out[name] = float(value)
            if out.get(f"{name}_text") is None:  # a curated X_text (words: "six") stays
                out[f"{name}_text"] = value.text
        elif isinstance(value, list):
            out[name] = "; ".join(value) or None
        elif name not in out or value is not None:  # a curated X_text overrides the printed one
            out[name] = value
    return out
