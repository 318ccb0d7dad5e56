"""How the curated records map onto the tables: which table each curated model fills, which
fields name another record, and the documented exceptions where a field and a column differ.

The curated model (``curated.py``) and the tables (``tables.py``) describe the same fields once
each: a record's field fills the table column of the same name, a printed number ``X`` also
``X_text``. Everything else is listed here, once, and kept in step by ``model_drift``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from . import classes
from .classes import per_model
from .numbers import Printed

# Tables by name (tables.py's ``__tablename__``s): the SQLite load does not import the ORM.
TABLE_OF: dict[type, str] = {
    classes.Source: "source",
    classes.EndpointTerm: "endpoint",
    classes.DrugTerm: "drug",
    classes.AeTermEntry: "ae_term",
    classes.ReleaseEntry: "release",
    classes.StudyFile: "study",
    classes.Analysis: "analysis",
    classes.Population: "population",
    classes.Arm: "arm",
    classes.Subgroup: "subgroup",
    classes.StudyEndpoint: "study_endpoint",
    classes.ArmResult: "arm_result",
    classes.Comparison: "comparison",
    classes.AdverseEvent: "adverse_event",
    classes.Characteristic: "characteristic",
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


@per_model
def fields_of(model: type) -> frozenset[str]:
    """The fields a record model has (empty for anything else)."""
    return frozenset(field_names(model))


@per_model
def field_names(model: type) -> tuple[str, ...]:
    """A model's fields in declaration order."""
    return tuple(field.name for field in classes.fields(model))


@per_model
def field_aliases(model: type) -> tuple[tuple[str, str], ...]:
    """Each field with the name the YAML file spells it by (its alias, such as a drug's ``class``)."""
    return tuple((field.name, field.alias) for field in classes.fields(model))


@per_model
def printed_fields(model: type) -> tuple[str, ...]:
    """Fields holding a printed number, in declaration order: each also fills the column
    ``<field>_text``, and validation checks each as a number."""
    return tuple(field.name for field in classes.fields(model) if field.printed)


@per_model
def list_fields(model: type) -> tuple[str, ...]:
    """Fields holding a list, in declaration order."""
    return tuple(field.name for field in classes.fields(model) if "list" in field.types)


@per_model
def sections_of(model: type) -> dict[str, type]:
    """The fields holding a list of records (a study file's sections), each with its record
    model."""
    return {field.name: getattr(classes, field.item) for field in classes.fields(model) if field.item}


def model_drift(model: type, columns: set[str]) -> tuple[set[str], set[str]]:
    """(curated fields with no column, columns with no curated field) beyond the documented
    exceptions: both empty while the two models describe the same fields."""
    name = model.__name__
    fields = {f for f in field_names(model) if f"{name}.{f}" not in NOT_COLUMNS}
    keyed = {f for f in fields if f in KEY_COLUMNS and f not in columns}
    derived = {f"{f}_text" for f in printed_fields(model)} | {KEY_COLUMNS[f][0] for f in keyed}
    return fields - keyed - columns, columns - fields - derived - set(GENERATED_COLUMNS)


def record_values(record: Any, columns: Collection[str],
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
