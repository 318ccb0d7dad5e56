"""Curator edits of the curated YAML: add a record, set a field, remove a record.

An edit is made on the file's text, not by re-dumping a parsed tree, so that ``git diff``
shows only the lines that changed: the round-trip parser tells where each section, record
and field stands, and only those lines are replaced. Every edit is then checked twice before
anything is written: the new text must parse to exactly the data intended (the edit touched
nothing else), and the whole corpus, with the new text in place of the file, must validate
with no new error. The file is replaced atomically under a lock, and the database reloaded.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from ..model import curated
from ..model.numbers import Printed
from ..util.atomic import write_atomic
from .validate import SOURCES_FILE, STUDIES_DIR, Problem, record_path, validate
from .yamlfile import Document, read_document, to_plain

LOCK_FILE = ".her2db.lock"
KILL_ENV = "HER2DB_TEST_KILL_BEFORE_RENAME"
"""Set to 1 (tests only) to make the process SIGKILL itself after the new file's text is
validated and written to its temporary file, just before the rename."""

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
KINDS = ("source", "study", *STUDY_SECTIONS)
KEYED_FIELDS = ("key", "id")
# fields of a record that name another record of the same study, by the section they name
REFERENCE_FIELDS = {"arm": "arms", "experimental": "arms", "control": "arms", "analysis": "analyses",
                    "population": "populations", "subgroup": "subgroups"}


class EditError(Exception):
    """The edit was refused; nothing was written. ``problems`` lists validation errors."""

    def __init__(self, message: str, problems: list[Problem] | None = None, usage: bool = False) -> None:
        super().__init__(message)
        self.problems = problems or []
        self.usage = usage


# --- fields of a kind, derived from the models --------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One field of a curated record as the command line sees it."""

    name: str
    required: bool
    types: frozenset[str]  # of "str", "int", "float", "bool", "list"
    choices: tuple[str, ...] | None
    help: str

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


def model_for(kind: str) -> type[BaseModel]:
    if kind == "source":
        return curated.Source
    if kind == "study":
        return curated.StudyFile
    if kind not in STUDY_SECTIONS:
        raise EditError(f"unknown kind '{kind}'", usage=True)
    return section_model(STUDY_SECTIONS[kind])


def section_model(section: str) -> type[BaseModel]:
    annotation = curated.StudyFile.model_fields[section].annotation
    return typing.get_args(annotation)[0]


def _types(annotation: Any) -> tuple[set[str], tuple[str, ...] | None]:
    """The plain types (and Literal choices) an annotation admits, looking through unions,
    ``Annotated`` and strict wrappers."""
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return {"str"}, tuple(str(a) for a in typing.get_args(annotation))
    if origin is list:
        return {"list"}, None
    if origin is typing.Annotated:
        return _types(typing.get_args(annotation)[0])
    if origin is not None:  # a union
        found: set[str] = set()
        choices: tuple[str, ...] | None = None
        for arg in typing.get_args(annotation):
            kinds, arg_choices = _types(arg)
            found |= kinds
            choices = choices or arg_choices
        return found, choices
    names = {bool: "bool", int: "int", float: "float", Printed: "float", str: "str"}
    if annotation in names:
        return {names[annotation]}, None
    return (set() if annotation is type(None) else {"str"}), None


def field_specs(kind: str) -> list[FieldSpec]:
    """Every field of ``kind``'s model except the sections of a study file."""
    specs = []
    fields = model_for(kind).model_fields
    provenance = [n for n in curated.Provenance.model_fields if n in fields]
    for name in [n for n in fields if n not in provenance] + provenance:  # provenance last
        info = fields[name]
        if kind == "study" and name in STUDY_SECTIONS.values():
            continue
        types, choices = _types(info.annotation)
        specs.append(FieldSpec(info.alias or name, info.is_required(), frozenset(types), choices,
                               info.description or ""))
    return specs


_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")


def coerce(spec: FieldSpec, text: str) -> Any:
    """The value of ``text`` for ``spec``; ``ValueError`` with a reason a curator reads."""
    text = text.strip()
    if spec.choices is not None and text not in spec.choices:
        raise ValueError(f"'{text}' is not one of: {', '.join(spec.choices)}")
    if "bool" in spec.types:
        if text.lower() in _TRUE or text.lower() in _FALSE:
            return text.lower() in _TRUE
        raise ValueError(f"'{text}' is not true or false")
    if "list" in spec.types:
        return [part.strip() for part in re.split(r"[;,]", text) if part.strip()]
    if "float" in spec.types:
        if not _NUMBER.match(text):
            raise ValueError(f"'{text}' is not a number")
        if "str" in spec.types and repr(float(text)) != text and not text.isdigit():
            return text  # the printed form, as the numbers contract keeps it
        return int(text) if text.lstrip("+-").isdigit() else Printed(float(text), text)
    if "int" in spec.types:
        if not text.lstrip("+-").isdigit():
            raise ValueError(f"'{text}' is not a whole number")
        return int(text)
    return text


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


# --- rendering values and records as YAML text ---------------------------------------------

_SAFE_YAML = YAML(typ="safe", pure=True)
_PLAIN_START = re.compile(r"^[A-Za-z0-9(]")


def _plain_ok(text: str, flow: bool) -> bool:
    if not text or text != text.strip() or "\n" in text or not _PLAIN_START.match(text):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    if flow and any(c in text for c in ",[]{}"):
        return False
    try:
        return bool(_SAFE_YAML.load(text) == text)
    except Exception:
        return False


def scalar(value: Any, flow: bool, quote: bool = False) -> str:
    """``value`` as a YAML scalar: plain where that reads back the same (and ``quote`` is not
    asked for), else double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Printed):
        return value.text
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(scalar(v, True) for v in value) + "]"
    if value is None:
        return "null"
    text = str(value)
    return text if _plain_ok(text, flow) and not quote else json.dumps(text, ensure_ascii=False)


def render_item(record: dict[str, Any], dash_col: int, flow: bool,
                quoted: frozenset[str] = frozenset()) -> list[str]:
    """The lines of one list item at ``dash_col``, as a flow mapping or a block mapping;
    text fields named in ``quoted`` are double-quoted like their neighbours'."""
    pad = " " * dash_col
    if flow:
        return [pad + "- {" + ", ".join(f"{k}: {scalar(v, True, k in quoted)}" for k, v in record.items())
                + "}\n"]
    lines = [f"{k}: {scalar(v, False, k in quoted)}\n" for k, v in record.items()]
    return [pad + "- " + lines[0]] + [pad + "  " + line for line in lines[1:]]


# --- where things stand in the text ----------------------------------------------------------


def _is_filler(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _trim(lines: list[str], start: int, end: int) -> int:
    """``end`` moved back over blank and comment lines that follow a node (they belong to
    what comes next, e.g. a section heading comment)."""
    while end > start + 1 and _is_filler(lines[end - 1]):
        end -= 1
    return end


def _key_spans(node: CommentedMap, end: int, lines: list[str]) -> dict[str, tuple[int, int]]:
    """Line span [start, end) of each key of a block mapping whose text ends before ``end``."""
    keys = list(node.keys())
    starts = [node.lc.key(k)[0] for k in keys]
    spans = {}
    for i, key in enumerate(keys):
        stop = starts[i + 1] if i + 1 < len(keys) else end
        spans[key] = (starts[i], _trim(lines, starts[i], stop))
    return spans


def _section_end(root: CommentedMap, section: str, lines: list[str]) -> int:
    keys = list(root.keys())
    after = keys.index(section) + 1
    return root.lc.key(keys[after])[0] if after < len(keys) else len(lines)


def _item_span(root: CommentedMap, section: str, index: int, lines: list[str]) -> tuple[int, int]:
    seq = root[section]
    start = seq.lc.item(index)[0]
    stop = seq.lc.item(index + 1)[0] if index + 1 < len(seq) else _section_end(root, section, lines)
    return start, _trim(lines, start, stop)


def _flow_fields(text: str) -> Iterator[tuple[str, int, int, int]]:
    """(key, key start, value start, value end) of each field of the flow mapping ``{...}``
    in ``text``."""
    i = text.index("{") + 1
    while True:
        while i < len(text) and text[i] in " \t\r\n,":
            i += 1
        if i >= len(text) or text[i] == "}":
            return
        key_start, colon = i, text.index(":", i)
        key = text[i:colon].strip().strip("\"'")
        j = colon + 1
        while text[j] in " \t\r\n":
            j += 1
        start = j
        if text[j] in "\"'":
            quote = text[j]
            j += 1
            while text[j] != quote or (quote == '"' and text[j - 1] == "\\"):
                j += 1
            j += 1
        elif text[j] == "[":
            j = text.index("]", j) + 1
        else:
            while text[j] not in ",}":
                j += 1
            while text[j - 1] in " \t\r\n":
                j -= 1
        yield key, key_start, start, j
        i = j


# --- record paths -----------------------------------------------------------------------------

_PATH = re.compile(r"^(?P<section>[a-z_]+)\[(?P<selector>[^\]]+)\]$")


@dataclass(frozen=True)
class Target:
    """A record of a study file: its section and index (``section`` None: the study itself)."""

    section: str | None
    index: int | None

    def describe(self, study_id: str, field: str | None = None) -> str:
        loc: list[str | int] = [] if self.section is None else [self.section, self.index or 0]
        return record_path(study_id, [*loc, *([field] if field else [])])


def resolve(data: dict[str, Any], study_id: str, path: str) -> Target:
    """``results[3]``, ``arms[exp]`` (by key) or ``results[endpoint=OS,arm=thp]`` (by fields,
    exactly one match) to a target; ``.`` is the study itself."""
    if path in (".", "study"):
        return Target(None, None)
    match = _PATH.match(path.strip())
    if not match:
        raise EditError(f"record path '{path}' is not of the form section[index], section[key] or "
                        "section[field=value,...]", usage=True)
    section, selector = match["section"], match["selector"].strip()
    if section not in STUDY_SECTIONS.values():
        raise EditError(f"{study_id} has no section '{section}' (sections: "
                        f"{', '.join(STUDY_SECTIONS.values())})")
    items = data.get(section) or []
    if selector.isdigit():
        index = int(selector)
        if index >= len(items):
            raise EditError(f"{study_id} › {section}[{index}] does not exist ({study_id} has "
                            f"{len(items)} {section}: indexes 0–{len(items) - 1})" if items else
                            f"{study_id} › {section}[{index}] does not exist ({study_id} has no {section})")
        return Target(section, index)
    if "=" in selector:
        wanted = dict(part.split("=", 1) for part in selector.split(","))
        wanted = {k.strip(): v.strip() for k, v in wanted.items()}
        hits = [i for i, item in enumerate(items)
                if all(str(item.get(k)) == v for k, v in wanted.items())]
    else:
        hits = [i for i, item in enumerate(items) if item.get("key") == selector]
        wanted = {"key": selector}
    if len(hits) != 1:
        shown = ", ".join(f"{k}={v}" for k, v in wanted.items())
        if not hits:
            keys = [str(item["key"]) for item in items if "key" in item]
            hint = f" (keys: {', '.join(keys)})" if keys and "key" in wanted else ""
            raise EditError(f"{study_id} › {section}: no record with {shown}{hint}")
        raise EditError(f"{study_id} › {section}: {len(hits)} records match {shown} "
                        f"({', '.join(f'{section}[{i}]' for i in hits)}); give the index")
    return Target(section, hits[0])


def spec_of(section: str | None, field: str) -> FieldSpec:
    kind = "study" if section is None else next(k for k, s in STUDY_SECTIONS.items() if s == section)
    for spec in field_specs(kind):
        if spec.name == field:
            return spec
    names = ", ".join(s.name for s in field_specs(kind))
    raise EditError(f"'{field}' is not a field of {section or 'a study'} (fields: {names})", usage=True)


# --- text edits --------------------------------------------------------------------------------


def _later_section(root: CommentedMap, section: str, order: list[str]) -> str | None:
    for name in order[order.index(section) + 1:]:
        if name in root:
            return name
    return None


def add_text(doc: Document, section: str, records: list[dict[str, Any]], order: list[str]) -> str:
    """The text of ``doc`` with ``records`` appended to ``section`` in the style of its last
    item (flow ``- {...}`` or block); a missing or empty section is written in block style."""
    lines = doc.text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    root = doc.tree
    seq = root.get(section)
    if isinstance(seq, CommentedSeq) and len(seq) and not seq.fa.flow_style():
        start, end = _item_span(root, section, len(seq) - 1, lines)
        last = seq[-1]
        flow = isinstance(last, CommentedMap) and last.fa.flow_style()
        dash_col = len(lines[start]) - len(lines[start].lstrip())
        quoted = frozenset(k for k, v in last.items() if isinstance(v, DoubleQuotedScalarString)) \
            if isinstance(last, CommentedMap) else frozenset()
        new = [line for record in records for line in render_item(record, dash_col, flow, quoted)]
        return "".join(lines[:end] + new + lines[end:])
    if isinstance(seq, CommentedSeq) and len(seq):
        raise EditError(f"{section} is written as one flow list ([...]); add to it by hand")
    block = [f"{section}:\n"] + [line for record in records for line in render_item(record, 2, False)]
    if section in root:  # `section: []` or an empty key
        start = root.lc.key(section)[0]
        end = _trim(lines, start, _section_end(root, section, lines))
        return "".join(lines[:start] + block + lines[end:])
    later = _later_section(root, section, order)
    if later is None:
        return "".join(lines + block)
    at = root.lc.key(later)[0]
    while at > 0 and lines[at - 1].strip().startswith("#"):
        at -= 1  # keep a heading comment with the section it heads
    return "".join(lines[:at] + block + lines[at:])


def set_text(doc: Document, target: Target, field: str, value: Any) -> str:
    """The text of ``doc`` with one field of one record replaced (or added at its end), or
    removed when ``value`` is None."""
    lines = doc.text.splitlines(keepends=True)
    root = doc.tree
    if target.section is None:
        node, (start, end) = root, (0, len(lines))
    else:
        node = root[target.section][target.index]
        start, end = _item_span(root, target.section, target.index or 0, lines)
    if isinstance(node, CommentedMap) and node.fa.flow_style():
        text = "".join(lines[start:end])
        fields = list(_flow_fields(text))
        spans = {key: (a, b) for key, _, a, b in fields}
        if value is None:
            i = [f[0] for f in fields].index(field)
            if i:  # from the end of the previous value: drops ", field: value"
                text = text[:fields[i - 1][3]] + text[fields[i][3]:]
            else:
                text = text[:fields[0][1]] + (text[fields[1][1]:] if len(fields) > 1 else "}")
        elif field in spans:
            a, b = spans[field]
            text = text[:a] + scalar(value, True) + text[b:]
        else:
            close = text.rindex("}")
            text = text[:close] + f", {field}: {scalar(value, True)}" + text[close:]
        return "".join(lines[:start]) + text + "".join(lines[end:])
    spans = _key_spans(node, end, lines)
    if value is None:
        a, b = spans[field]
        prefix = lines[a][: node.lc.key(field)[1]]
        rest = lines[b:]
        if prefix.strip() and rest:  # the first field carried the item's dash: the next one takes it
            rest = [prefix + rest[0].lstrip()] + rest[1:]
        return "".join(lines[:a] + rest)
    if field in spans:
        a, b = spans[field]
        prefix = lines[a][: node.lc.key(field)[1]]
        return "".join(lines[:a] + [f"{prefix}{field}: {scalar(value, False)}\n"] + lines[b:])
    last = list(node.keys())[-1]
    col = node.lc.key(last)[1]
    at = spans[last][1]
    return "".join(lines[:at] + [" " * col + f"{field}: {scalar(value, False)}\n"] + lines[at:])


def remove_text(doc: Document, target: Target) -> str:
    """The text of ``doc`` without one record (an emptied section becomes ``section: []``)."""
    assert target.section is not None and target.index is not None
    lines = doc.text.splitlines(keepends=True)
    root = doc.tree
    start, end = _item_span(root, target.section, target.index, lines)
    if len(root[target.section]) == 1:
        key_line = root.lc.key(target.section)[0]
        return "".join(lines[:key_line] + [f"{target.section}: []\n"] + lines[end:])
    return "".join(lines[:start] + lines[end:])


def _check_same(doc: Document, new_text: str, expected: Any) -> None:
    """Refuse an edit whose text does not parse to exactly the intended data."""
    try:
        got = to_plain(_SAFE_YAML.load(new_text))
    except Exception as exc:
        raise EditError(f"{doc.path}: the edited text would not parse ({exc}); nothing written") from exc
    if got != to_plain(json.loads(json.dumps(expected))):
        raise EditError(f"{doc.path}: this file's layout cannot be edited in place without changing "
                        "other lines; nothing written (edit it by hand)")


# --- the transaction: lock, validate, write, reload -----------------------------------------


@contextmanager
def corpus_lock(sources: Path) -> Iterator[None]:
    """One edit at a time on a corpus: read, validate, write and reload under an exclusive
    lock, so that two concurrent ``add`` commands both land instead of one overwriting the
    other's record."""
    if not sources.is_dir():
        raise EditError(f"sources folder {sources} does not exist", usage=True)
    with open(sources / LOCK_FILE, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _kill_before_rename() -> None:
    if os.environ.get(KILL_ENV) == "1":
        os.kill(os.getpid(), signal.SIGKILL)


def _identity(problem: Problem) -> tuple[str, str, str]:
    return problem.file, problem.path, problem.message


@dataclass
class EditResult:
    path: Path
    description: str
    warnings: list[Problem]
    reloaded: str | None  # summary of the reload, or why it did not happen
    written: bool = True


def commit(sources: Path, rel: str, new_text: str, db_path: Path | None, description: str,
           dry_run: bool = False, focus: tuple[str, ...] = ("",)) -> EditResult:
    """Validate the corpus with ``new_text`` in place of ``rel``; write it and reload the
    database only if that adds no error. Warnings are those of the records whose path starts
    with one of ``focus``. Call with the corpus lock held."""
    report = validate(sources, overrides={rel: new_text})
    errors = [p for p in report.errors if p.file == rel]
    if errors:
        before = {_identity(p) for p in validate(sources).errors} if (sources / rel).exists() else set()
        errors = [p for p in errors if _identity(p) not in before]
    if errors:
        raise EditError(f"{description}: refused, {len(errors)} error(s); nothing was written", errors)
    warnings = [p for p in report.warnings if p.file == rel
                and any(not f or p.path == f or p.path.startswith(f + " ›") for f in focus)]
    path = sources / rel
    if dry_run:
        return EditResult(path, description, warnings, None, written=False)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):  # left by an interrupted edit; we hold the lock
        stale.unlink()
    write_atomic(path, new_text, before_replace=_kill_before_rename)
    return EditResult(path, description, warnings, reload(sources, db_path))


def reload(sources: Path, db_path: Path | None) -> str | None:
    if db_path is None:
        return None
    from .load import LoadError, load

    try:
        result = load(sources, db_path)
    except LoadError as exc:
        return f"database not reloaded: {exc}"
    return f"reloaded {db_path} ({result.counts['study']} studies)"


def study_rel(sources: Path, study_id: str) -> str:
    rel = f"{STUDIES_DIR}/{study_id}.yaml"
    if not (sources / rel).is_file():
        known = sorted(p.stem for p in (sources / STUDIES_DIR).glob("*.yaml"))
        raise EditError(f"unknown study '{study_id}' (known: {', '.join(known) or 'none'})", usage=True)
    return rel


def add_records(sources: Path, study_id: str | None, kind: str, records: list[dict[str, Any]],
                db_path: Path | None, dry_run: bool = False) -> EditResult:
    """Append ``records`` of ``kind`` to a study (or to sources.yaml), validated first."""
    if kind == "study":
        raise EditError("use new-study to create a study file", usage=True)
    with corpus_lock(sources):
        if kind == "source":
            rel, section, order, label = SOURCES_FILE, "sources", ["sources"], "sources"
        else:
            assert study_id is not None
            rel, section = study_rel(sources, study_id), STUDY_SECTIONS[kind]
            order, label = list(curated.StudyFile.model_fields), study_id
        doc = read_document(sources / rel)
        new_text = add_text(doc, section, records, order)
        expected = dict(doc.data)
        expected[section] = list(expected.get(section) or []) + records
        _check_same(doc, new_text, expected)
        first = len(doc.data.get(section) or [])
        where = f"{label} › {section}[{first}]" if len(records) == 1 else \
            f"{label} › {section}[{first}–{first + len(records) - 1}]"
        focus = tuple(f"{label} › {section}[{first + i}]" for i in range(len(records)))
        return commit(sources, rel, new_text, db_path, f"add {where}", dry_run, focus)


def new_study(sources: Path, record: dict[str, Any], db_path: Path | None) -> EditResult:
    """Scaffold ``studies/<id>.yaml`` with the study-level fields given; refuse an existing id."""
    study_id = str(record.get("id", ""))
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", study_id):
        raise EditError(f"study id '{study_id}' is not a slug (lower-case letters, digits and single "
                        "hyphens, e.g. destiny-breast13)", usage=True)
    with corpus_lock(sources):
        rel = f"{STUDIES_DIR}/{study_id}.yaml"
        if (sources / rel).exists():
            raise EditError(f"{sources / rel} already exists; refusing to overwrite it", usage=True)
        text = f"# {record.get('acronym', study_id)}: curated by her2db new-study.\n" + "".join(
            f"{k}: {scalar(v, False)}\n" for k, v in record.items())
        return commit(sources, rel, text, db_path, f"new study {study_id}")


def set_field(sources: Path, study_id: str, path: str, field: str, text: str | None,
              db_path: Path | None) -> EditResult:
    """Correct one field of one record (``path`` as ``resolve`` reads it); ``text`` None
    removes the field."""
    with corpus_lock(sources):
        rel = study_rel(sources, study_id)
        doc = read_document(sources / rel)
        target = resolve(doc.data, study_id, path)
        spec = spec_of(target.section, field)
        if target.section is None and field in STUDY_SECTIONS.values():
            raise EditError(f"'{field}' is a section; use add/remove for its records", usage=True)
        expected = json.loads(json.dumps(doc.data))
        record = expected if target.section is None else expected[target.section][target.index]
        if text is None:
            if field not in record:
                raise EditError(f"{target.describe(study_id, field)} is not set; nothing to unset",
                                usage=True)
            value = None
            del record[field]
        else:
            try:
                value = coerce(spec, text)
            except ValueError as exc:
                raise EditError(f"{target.describe(study_id, field)}: {exc}", usage=True) from exc
            record[field] = value
        new_text = set_text(doc, target, field, value)
        _check_same(doc, new_text, expected)
        return commit(sources, rel, new_text, db_path, f"set {target.describe(study_id, field)}",
                      focus=(target.describe(study_id),))


def referrers(data: dict[str, Any], study_id: str, target: Target) -> list[str]:
    """Record paths of the records that name the record at ``target`` by its key."""
    if target.section is None or target.section not in REFERENCE_FIELDS.values():
        return []
    key = data[target.section][target.index].get("key")
    found = []
    for section in STUDY_SECTIONS.values():
        for i, item in enumerate(data.get(section) or []):
            for field, named in REFERENCE_FIELDS.items():
                if named == target.section and item.get(field) == key:
                    found.append(record_path(study_id, [section, i, field]))
    return found


def describe_record(data: dict[str, Any], target: Target) -> str:
    assert target.section is not None
    item = data[target.section][target.index]
    return ", ".join(f"{k}: {v}" for k, v in item.items() if k not in ("quote", "notes"))


def remove_record(sources: Path, study_id: str, path: str, db_path: Path | None,
                  confirm: Callable[[str], bool]) -> EditResult | None:
    """Remove one record unless others refer to it; ``confirm`` sees it first (None: declined)."""
    with corpus_lock(sources):
        rel = study_rel(sources, study_id)
        doc = read_document(sources / rel)
        target = resolve(doc.data, study_id, path)
        if target.section is None:
            raise EditError("a whole study cannot be removed with `remove`; delete its file in git",
                            usage=True)
        users = referrers(doc.data, study_id, target)
        if users:
            raise EditError(f"{target.describe(study_id)} is referred to by {len(users)} record(s); "
                            "remove or change them first:\n  " + "\n  ".join(users))
        if not confirm(f"{target.describe(study_id)}: {describe_record(doc.data, target)}"):
            return None
        expected = json.loads(json.dumps(doc.data))
        del expected[target.section][target.index]
        new_text = remove_text(doc, target)
        _check_same(doc, new_text, expected)
        return commit(sources, rel, new_text, db_path, f"remove {target.describe(study_id)}", focus=())


def choices_for(sources: Path, study_id: str | None, spec: FieldSpec) -> list[str] | None:
    """Values to offer when prompting for ``spec``: its Literal choices, the vocabulary, the
    study's own keys, or the source ids."""
    if spec.choices:
        return list(spec.choices)
    if spec.name in ("source_id", "cites"):
        return [s["id"] for s in read_document(sources / SOURCES_FILE).data.get("sources", [])]
    if spec.name == "endpoint":
        return [e["code"] for e in read_document(sources / "vocabulary/endpoints.yaml").data["endpoints"]]
    if spec.name == "term":
        return [t["term"] for t in read_document(sources / "vocabulary/ae_terms.yaml").data["terms"]]
    if spec.name in REFERENCE_FIELDS and study_id is not None:
        data = read_document(sources / study_rel(sources, study_id)).data
        return [str(item.get("key")) for item in data.get(REFERENCE_FIELDS[spec.name]) or []]
    return None
