"""The fields of each kind of curated record as the command line and CSV import see them,
derived from the curated model (the facts ``model.classes`` holds of its fields), and command-line
texts coerced to the model's types.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from ..model import classes, values
from ..model.numbers import Printed
from ..model.registry import sections_of
from ..util.terminal import hidden_character, printable, quoted
from .corpus import AE_TERMS_FILE, DRUGS_FILE, ENDPOINTS_FILE, SOURCES_FILE, Problem

# kind name on the command line -> section of the study file holding such records
STUDY_SECTIONS = {
    "analysis": "analyses",
    "population": "populations",
    "arm": "arms",
    "subgroup": "subgroups",
    "endpoint": "endpoints",
    "result": "results",
    "comparison": "comparisons",
    "ae": "adverse_events",
    "characteristic": "characteristics",
}
# kind name on the command line -> (the curated file holding such records, its section, model)
FILE_KINDS: dict[str, tuple[str, str, type]] = {
    "source": (SOURCES_FILE, "sources", classes.Source),
    "drug": (DRUGS_FILE, "drugs", classes.DrugTerm),
    "ae-term": (AE_TERMS_FILE, "terms", classes.AeTermEntry),
    "endpoint-code": (ENDPOINTS_FILE, "endpoints", classes.EndpointTerm),
}
# what `set` and `remove` take in place of a study id to edit one of those files
FILE_NAMES = {"sources": "source", "drugs": "drug", "ae-terms": "ae-term", "endpoint-codes": "endpoint-code"}
KINDS = (*FILE_KINDS, "study", *STUDY_SECTIONS)
# fields of a record that name another record of the same study, by the section they name
REFERENCE_FIELDS = {"arm": "arms", "experimental": "arms", "control": "arms", "analysis": "analyses",
                    "population": "populations", "subgroup": "subgroups"}


class EditError(Exception):
    """An edit, or a step of one, was refused; nothing was written. ``problems`` lists
    validation errors; ``usage`` marks a mistake on the command line (exit 2)."""

    def __init__(self, message: str, problems: list[Problem] | None = None, usage: bool = False) -> None:
        super().__init__(message)
        self.problems = problems or []
        self.usage = usage


class FieldSpec(NamedTuple):
    """One field of a curated record as the command line sees it."""

    name: str
    required: bool
    types: frozenset[str]  # of "str", "int", "float", "bool", "list"
    choices: tuple[str, ...] | None
    help: str

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


def model_for(kind: str) -> type:
    if kind in FILE_KINDS:
        return FILE_KINDS[kind][2]
    if kind == "study":
        return classes.StudyFile
    if kind not in STUDY_SECTIONS:
        raise EditError(f"unknown kind '{kind}'", usage=True)
    return section_model(STUDY_SECTIONS[kind])


def section_model(section: str) -> type:
    return sections_of(classes.StudyFile)[section]


def field_specs(kind: str) -> list[FieldSpec]:
    """Every field of ``kind``'s model except the sections of a study file."""
    specs = []
    fields = classes.fields(model_for(kind))
    provenance = {field.name for field in classes.fields(classes.Provenance)}
    ordered = [f for f in fields if f.name not in provenance] + [f for f in fields if f.name in provenance]
    for field in ordered:  # provenance last
        if (kind == "study" and field.name in STUDY_SECTIONS.values()) or field.name in values.REVIEW_FIELDS:
            continue
        specs.append(FieldSpec(field.alias, field.required, frozenset(field.types), field.choices, field.description))
    return specs


_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$", re.ASCII)  # 0-9 only, not "４０" or "٤٠"
_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")


def coerce(spec: FieldSpec, text: str) -> Any:
    """The value of ``text`` for ``spec``; ``ValueError`` with a reason a curator reads."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()  # a spreadsheet's line breaks, as typed
    if hidden := hidden_character(text):
        raise ValueError(f"{quoted(printable(text))} holds the character {hidden} (a control or invisible "
                         "character): write plain text")
    if spec.choices is not None and text not in spec.choices:
        raise ValueError(f"{quoted(text)} is not one of: {', '.join(spec.choices)}")
    if "bool" in spec.types:
        if text.lower() in _TRUE or text.lower() in _FALSE:
            return text.lower() in _TRUE
        raise ValueError(f"{quoted(text)} is not true or false")
    if "list" in spec.types:
        return [part.strip() for part in re.split(r"[;,]", text) if part.strip()]
    if "float" in spec.types:
        if not _NUMBER.match(text):
            raise ValueError(f"{quoted(text)} is not a number{_digits_note(text)}")
        if "str" in spec.types and repr(float(text)) != text and not _whole_digits(text):
            return text  # the printed form, as the numbers contract keeps it
        return _whole(text) if _whole_digits(text.lstrip("+-")) else Printed(float(text), text)
    if "int" in spec.types:
        if not _whole_digits(text.lstrip("+-")):
            raise ValueError(f"{quoted(text)} is not a whole number{_digits_note(text)}")
        return _whole(text)
    return text


def _whole_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _digits_note(text: str) -> str:
    """Why a number written in other digits (full-width, Arabic-Indic) is refused."""
    return " (write it with the digits 0-9)" if any(ch.isdigit() and not ch.isascii() for ch in text) else ""


def _whole(digits: str) -> int:
    try:
        return int(digits)
    except ValueError:  # more digits than Python converts (4,300): no number a source prints
        raise ValueError(f"{quoted(digits)} has too many digits for a number") from None


def build_record(kind: str, given: dict[str, Any]) -> dict[str, Any]:
    """Typed values in model field order from the texts given on the command line or a CSV.
    Raises ``EditError`` naming the field for a value of the wrong type."""
    record: dict[str, Any] = {}
    for spec in field_specs(kind):
        raw = given.get(spec.name)
        if raw is None or raw == "" or raw == [] or raw == ():
            continue
        try:
            if isinstance(raw, (list, tuple)):
                record[spec.name] = [part for item in raw for part in coerce(spec, item)]
            else:
                record[spec.name] = coerce(spec, raw)
        except ValueError as exc:
            raise EditError(f"{spec.name}: {exc}", usage=True) from exc
    return record


def spec_of(section: str | None, field: str, file_kind: str | None = None) -> FieldSpec:
    """The spec of ``field`` in a record of ``section`` (of a study file, or of the file of
    ``file_kind``: sources, drugs, ...)."""
    kind = file_kind or ("study" if section is None else next(k for k, s in STUDY_SECTIONS.items() if s == section))
    for spec in field_specs(kind):
        if spec.name == field:
            return spec
    names = ", ".join(s.name for s in field_specs(kind))
    raise EditError(f"{quoted(printable(field))} is not a field of {section or 'a study'} (fields: {names})",
                    usage=True)
