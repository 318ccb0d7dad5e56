"""Curator edits of the curated YAML: add a record, set a field, remove a record.

An edit is made on the file's text, not by re-dumping a parsed tree (``yamledit``), so that
``git diff`` shows only the lines that changed. Every edit is then checked twice before
anything is written: the new text must parse to exactly the data intended (the edit touched
nothing else), and the whole corpus, with the new text in place of the file, must validate
with no new error. The file is replaced atomically under a lock, and the database reloaded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ..model import classes, values
from ..model.identity import NATURAL_KEYS, REPORT_SEPARATOR, SECTION_KINDS, record_id
from ..model.registry import field_names
from ..util.terminal import clip, printable, quoted
from .corpus import AE_TERMS_FILE, ENDPOINTS_FILE, ENTRY_NAMES, SOURCES_FILE, STUDIES_DIR, record_path
from .fields import (
    FILE_KINDS,
    FILE_NAMES,
    KINDS,
    REFERENCE_FIELDS,
    STUDY_SECTIONS,
    EditError,
    FieldSpec,
    build_record,
    coerce,
    field_specs,
    spec_of,
)
from .transaction import EditResult, commit, corpus_lock
from .yamledit import Target, add_text, check_same, remove_text, scalar, set_fields
from .yamlfile import Document, read_document

# the command line imports these from here
__all__ = ["KINDS", "REFERENCE_FIELDS", "STUDY_SECTIONS", "EditError", "EditResult", "add_records",
           "build_record", "choices_for", "field_specs", "new_study", "remove_record", "scalar",
           "set_field", "study_rel"]


MAX_STUDY_ID = 100

# --- record paths -----------------------------------------------------------------------------

_PATH = re.compile(r"^(?P<section>[a-z_]+)\[(?P<selector>[^\]]+)\]$")


def resolve(data: dict[str, Any], study_id: str, path: str, file_kind: str | None = None) -> Target:
    """``results[3]``, ``arms[exp]`` (by key), ``results[endpoint=OS,arm=thp]`` (by fields,
    exactly one match) or a record id (``cleopatra.result.os.thp.median``, with ``@SOURCE``
    where several sources report it) to a target; ``.`` is the study itself."""
    if path in (".", "study"):
        return Target(None, None)
    if path.startswith(f"{study_id}."):
        return _by_record_id(data, study_id, path.strip())
    match = _PATH.match(path.strip())
    if not match:
        raise EditError(f"record path '{path}' is not of the form section[index], section[key] or "
                        "section[field=value,...]", usage=True)
    section, selector = match["section"], match["selector"].strip()
    sections = [FILE_KINDS[file_kind][1]] if file_kind else list(STUDY_SECTIONS.values())
    if section not in sections:
        raise EditError(f"{study_id} has no section '{section}' (sections: {', '.join(sections)})")
    items = data.get(section) or []
    if selector.isascii() and selector.isdigit():
        index = int(selector)
        if index >= len(items):
            raise EditError(f"{study_id} › {section}[{index}] does not exist ({study_id} has "
                            f"{len(items)} {section}: indexes 0–{len(items) - 1})" if items else
                            f"{study_id} › {section}[{index}] does not exist ({study_id} has no {section})")
        return Target(section, index)
    if "=" in selector:
        parts = [part.split("=", 1) for part in selector.split(",")]
        if any(len(part) != 2 or not part[0].strip() for part in parts):
            raise EditError(f"record path {quoted(printable(path))}: each part between [ ] must be field=value, "
                            f"e.g. {section}[endpoint=OS,arm=thp]", usage=True)
        wanted = {k.strip(): v.strip() for k, v in parts}
        hits = [i for i, item in enumerate(items)
                if all(str(item.get(k)) == v for k, v in wanted.items())]
    else:  # a record's own name: a study record's key, a source's or drug's id, a term, a code
        hits = [i for i, item in enumerate(items) if selector in (item.get(n) for n in _NAMES)]
        wanted = {"key": selector}
    if len(hits) != 1:
        shown = clip(printable(", ".join(f"{k}={v}" for k, v in wanted.items())))
        if not hits:
            keys = [str(item["key"]) for item in items if "key" in item]
            hint = f" (keys: {', '.join(keys)})" if keys and "key" in wanted else ""
            raise EditError(f"{study_id} › {section}: no record with {shown}{hint}")
        raise EditError(f"{study_id} › {section}: {len(hits)} records match {shown} "
                        f"({', '.join(f'{section}[{i}]' for i in hits)}); give the index")
    return Target(section, hits[0])


def _by_record_id(data: dict[str, Any], study_id: str, ref: str) -> Target:
    wanted, _, source = ref.partition(REPORT_SEPARATOR)
    kind = wanted.split(".")[1] if wanted.count(".") >= 2 else ""
    section = next((s for s, k in SECTION_KINDS.items() if k == kind), None)
    if section is None:
        raise EditError(f"'{ref}' is not a record id of {study_id} (study.kind.key..., as in the views' "
                        "record_id)", usage=True)
    hits = [i for i, item in enumerate(data.get(section) or [])
            if record_id(study_id, section, SimpleNamespace(**{n: item.get(n) for n in NATURAL_KEYS[section]}))
            == wanted and (not source or item.get("source_id") == source)]
    if len(hits) == 1:
        return Target(section, hits[0])
    if not hits:
        raise EditError(f"{study_id} has no record {ref}")
    sources = ", ".join(f"{wanted}{REPORT_SEPARATOR}{data[section][i].get('source_id')}" for i in hits)
    raise EditError(f"{len(hits)} sources report {wanted}: name one ({sources})", usage=True)


_NAMES = ("key", *ENTRY_NAMES)


def file_of(sources: Path, name: str) -> tuple[str, str | None]:
    """The curated file ``set``/``remove`` edit: a study's (``name`` its id), or a vocabulary
    file or sources.yaml (``name`` one of ``FILE_NAMES``), with that file's kind."""
    if name in FILE_NAMES:
        kind = FILE_NAMES[name]
        return FILE_KINDS[kind][0], kind
    return study_rel(sources, name), None


def study_rel(sources: Path, study_id: str) -> str:
    """The study's file, relative to ``sources``; a study id no file has is refused with the
    ids there are. A name that is there but no plain file (a folder, a pipe) is said as what it
    is by ``read_document``, which reads it next."""
    rel = f"{STUDIES_DIR}/{study_id}.yaml"
    if len(study_id) > MAX_STUDY_ID or not re.fullmatch(values.SLUG_PATTERN, study_id) \
            or not (sources / rel).exists():
        known = sorted(p.stem for p in (sources / STUDIES_DIR).glob("*.yaml"))
        raise EditError(f"unknown study {quoted(printable(study_id))} (known: {', '.join(known) or 'none'})",
                        usage=True)
    return rel


def add_records(sources: Path, study_id: str | None, kind: str, records: list[dict[str, Any]],
                db_path: Path | None, dry_run: bool = False) -> EditResult:
    """Append ``records`` of ``kind`` to a study (or to sources.yaml), validated first."""
    if kind == "study":
        raise EditError("use new-study to create a study file", usage=True)
    with corpus_lock(sources):
        return append_records(sources, read_document(sources / record_file(sources, study_id, kind)), study_id,
                              kind, records, db_path, dry_run)


def record_file(sources: Path, study_id: str | None, kind: str) -> str:
    """The curated file that records of ``kind`` go to: sources.yaml or a vocabulary file, or
    the study's."""
    if kind in FILE_KINDS:
        return FILE_KINDS[kind][0]
    assert study_id is not None
    return study_rel(sources, study_id)


def append_records(sources: Path, doc: Document, study_id: str | None, kind: str, records: list[dict[str, Any]],
                   db_path: Path | None, dry_run: bool = False) -> EditResult:
    """``add_records`` on ``doc``, the file ``record_file`` names as read under the corpus lock
    the caller holds (a caller that read it to check its rows first reads it once)."""
    rel = doc.path.relative_to(sources).as_posix()
    if kind in FILE_KINDS:
        section = FILE_KINDS[kind][1]
        order, label = [section], Path(rel).stem
    else:
        assert study_id is not None
        section = STUDY_SECTIONS[kind]
        order, label = list(field_names(classes.StudyFile)), study_id
    new_text = add_text(doc, section, records, order)
    expected = dict(doc.data)
    expected[section] = list(expected.get(section) or []) + records
    parsed = check_same(doc, new_text, expected)
    first = len(doc.data.get(section) or [])
    where = f"{label} › {section}[{first}]" if len(records) == 1 else \
        f"{label} › {section}[{first}–{first + len(records) - 1}]"
    focus = tuple(f"{label} › {section}[{first + i}]" for i in range(len(records)))
    return commit(sources, rel, new_text, db_path, f"add {where}", dry_run, focus, parsed)


def new_study(sources: Path, record: dict[str, Any], db_path: Path | None) -> EditResult:
    """Scaffold ``studies/<id>.yaml`` with the study-level fields given; refuse an existing id."""
    study_id = str(record.get("id", ""))
    if len(study_id) > MAX_STUDY_ID:  # it names the file, a page and a folder of downloads
        raise EditError(f"study id '{study_id[:40]}…' is longer than {MAX_STUDY_ID} characters", usage=True)
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
              db_path: Path | None, dry_run: bool = False) -> EditResult:
    """Correct one field of one record (``path`` as ``resolve`` reads it); ``text`` None
    removes the field."""
    with corpus_lock(sources):
        rel, file_kind = file_of(sources, study_id)
        doc = read_document(sources / rel)
        target = resolve(doc.data, study_id, path, file_kind)
        if target.section is None and file_kind:
            raise EditError(f"name one record of {study_id}, e.g. {FILE_KINDS[file_kind][1]}[ID]", usage=True)
        spec = spec_of(target.section, field, file_kind)
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
        edits = [(target, field, value)]
        if field not in values.REVIEW_FIELDS:  # a checked record that changes is no longer checked
            for mark in values.REVIEW_FIELDS:
                if mark in record:
                    del record[mark]
                    edits.append((target, mark, None))
        new_text = set_fields(doc, edits)
        parsed = check_same(doc, new_text, expected)
        return commit(sources, rel, new_text, db_path, f"set {target.describe(study_id, field)}", dry_run,
                      focus=(target.describe(study_id),), parsed=parsed)


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
                  confirm: Callable[[str], bool], dry_run: bool = False) -> EditResult | None:
    """Remove one record unless others refer to it; ``confirm`` sees it first (None: declined)."""
    with corpus_lock(sources):
        rel, file_kind = file_of(sources, study_id)
        doc = read_document(sources / rel)
        target = resolve(doc.data, study_id, path, file_kind)
        if target.section is None:
            raise EditError("a whole study cannot be removed with `remove`; delete its file in git",
                            usage=True)
        users = [] if file_kind else referrers(doc.data, study_id, target)
        if users:
            raise EditError(f"{target.describe(study_id)} is referred to by {len(users)} record(s); "
                            "remove or change them first:\n  " + "\n  ".join(users))
        if not confirm(f"{target.describe(study_id)}: {describe_record(doc.data, target)}"):
            return None
        expected = json.loads(json.dumps(doc.data))
        del expected[target.section][target.index]
        new_text = remove_text(doc, target)
        parsed = check_same(doc, new_text, expected)
        return commit(sources, rel, new_text, db_path, f"remove {target.describe(study_id)}", dry_run, focus=(),
                      parsed=parsed)


def choices_for(sources: Path, study_id: str | None, spec: FieldSpec) -> list[str] | None:
    """Values to offer when prompting for ``spec``: its Literal choices, the vocabulary, the
    study's own keys, or the source ids."""
    if spec.choices:
        return list(spec.choices)
    if spec.name in ("source_id", "cites"):
        return [s["id"] for s in read_document(sources / SOURCES_FILE).data.get("sources", [])]
    if spec.name == "endpoint":
        return [e["code"] for e in read_document(sources / ENDPOINTS_FILE).data["endpoints"]]
    if spec.name == "term":
        return [t["term"] for t in read_document(sources / AE_TERMS_FILE).data["terms"]]
    if spec.name in REFERENCE_FIELDS and study_id is not None:
        data = read_document(sources / study_rel(sources, study_id)).data
        return [str(item.get("key")) for item in data.get(REFERENCE_FIELDS[spec.name]) or []]
    return None
