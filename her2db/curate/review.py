"""Review status: a second curator's check of a record against its source, and the list of
what still needs attention.

As in dual-extraction tools, a record is *checked* when a second person compared it with the
source: ``checked_by`` and ``checked_on`` in the record, written by ``her2db check`` and
cleared by any later change to the record (``edit.set_field``). ``todo`` gathers what needs a
curator: unchecked records, readings that rest on a curator (``basis: curator``), validation
warnings, and notes that ask a question.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model import classes
from ..model.dates import is_iso_date
from ..model.identity import NATURAL_KEYS, record_id
from ..util.terminal import clip, hidden_character, printable, quoted
from .corpus import Problem, StudyDoc, record_path
from .edit import EditError, resolve, study_rel
from .transaction import EditResult, commit, corpus_lock
from .validate import validate
from .yamledit import check_same, set_fields
from .yamlfile import read_document

QUESTION = re.compile(r"\?|\bTODO\b|\bto be confirmed\b|\bunclear\b", re.IGNORECASE)
"""What marks a note as a question for the next curator."""


def check_record(sources: Path, study_id: str, ref: str, by: str, on: str | None,
                 db_path: Path | None, dry_run: bool = False) -> EditResult:
    """Mark one record (``ref``: a record id, ``RECORD_ID@SOURCE``, or a record path) as checked
    by ``by`` on ``on`` (today when None)."""
    by = by.strip()
    if not by:
        raise EditError("--by names who checked the record", usage=True)
    if hidden := hidden_character(by):
        raise EditError(f"--by {quoted(printable(by))} holds the character {hidden} (a control or invisible "
                        "character): write plain text", usage=True)
    today = dt.date.today().isoformat()
    on = on or today
    if not is_iso_date(on):
        raise EditError(f"--on {quoted(printable(on))} is not a date that exists, written YYYY-MM-DD", usage=True)
    if on > today:
        raise EditError(f"--on {on} is after today ({today}): a check is dated when it was done", usage=True)
    with corpus_lock(sources):
        rel = study_rel(sources, study_id)
        doc = read_document(sources / rel)
        target = resolve(doc.data, study_id, ref)
        if target.section is None:
            raise EditError("check marks a record (a record id or path), not the whole study", usage=True)
        expected = json.loads(json.dumps(doc.data))
        marks = {"checked_by": by, "checked_on": on}
        expected[target.section][target.index].update(marks)
        text = set_fields(doc, [(target, name, value) for name, value in marks.items()])
        parsed = check_same(doc, text, expected)
        return commit(sources, rel, text, db_path, f"check {target.describe(study_id)} by {clip(by)} on {on}", dry_run,
                      focus=(target.describe(study_id),), parsed=parsed)


@dataclass
class StudyStatus:
    study_id: str
    records: int = 0
    checked: int = 0
    unchecked: list[str] = field(default_factory=list)


@dataclass
class Todo:
    studies: list[StudyStatus]
    curator_readings: list[str]
    """Record paths (with their record id) of readings that rest on a curator."""
    questions: list[str]
    """Record paths of notes that ask a question, with the note."""
    warnings: list[Problem]
    errors: list[Problem]


def todo(sources: Path, review_text: Path | None = None) -> Todo:
    """What needs a curator's attention in the corpus under ``sources``."""
    report = validate(sources, review_text=review_text)
    studies, readings, questions = [], [], []
    for entry in sorted(report.corpus.studies, key=_name):
        study = entry.study
        study_id = _name(entry)
        status = StudyStatus(study_id)
        for name, basis in sorted(study.field_basis.items()):
            if basis.basis == "curator":
                readings.append(f"{study_id} › {name}: {basis.note}")
        if study.notes and QUESTION.search(study.notes):
            questions.append(f"{study_id}: {_short(study.notes)}")
        for section in NATURAL_KEYS:
            for index, record in enumerate(getattr(study, section)):
                if not isinstance(record, classes.Provenance):
                    continue  # failed its shape check: an error below
                rid = record_id(study_id, section, record)
                where = f"{record_path(study_id, [section, index])} ({rid})"
                status.records += 1
                if record.checked_by:
                    status.checked += 1
                else:
                    status.unchecked.append(rid)
                if record.basis == "curator":
                    readings.append(f"{where}: {record.basis_note}")
                notes: Any = getattr(record, "notes", None)
                if notes and QUESTION.search(notes):
                    questions.append(f"{where}: {_short(notes)}")
        studies.append(status)
    return Todo(studies, readings, questions, report.warnings, report.errors)


def _name(entry: StudyDoc) -> str:
    """The study's id, or its file's name when the id failed its shape check (an error)."""
    return entry.study.id if isinstance(entry.study.id, str) else entry.document.path.stem


def _short(text: str, width: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
