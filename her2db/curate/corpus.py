"""The curated corpus in ``db/`` as read for checking: every file parsed once, its shape
checked against the models of ``model/curated.py``, each problem located (file, line, record
path) and collected rather than raised, so a curator sees all of them at once.

A study file with shape errors is salvaged: its valid records are kept for the checks of
meaning (``references``, ``numeric_checks``), the others stand in as ``Unchecked``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypeVar

from ..model import classes
from ..model.registry import field_names, fields_of, sections_of
from ..model.validator_core import ValidationError
from ..store.target import SOURCES_FILE, STUDIES_DIR
from ..util.terminal import clip, lookalike_note, quoted
from .yamlfile import Document, Located, PathKey, YamlFileError, printable, read_document

Severity = Literal["error", "warning"]
M = TypeVar("M")

ENDPOINTS_FILE = "vocabulary/endpoints.yaml"
DRUGS_FILE = "vocabulary/drugs.yaml"
AE_TERMS_FILE = "vocabulary/ae_terms.yaml"
RELEASES_FILE = "releases.yaml"
RELEASES_DIR = "releases"  # <version>.yaml changelogs and <version>.sql.gz snapshots (`her2db release`)
EXCEPTIONS_FILE = "coverage-exceptions.yaml"
STUDY_SUFFIX = ".yaml"


class Problem(NamedTuple):
    severity: Severity
    file: str
    line: int | None
    path: str
    message: str
    expected: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.severity}: "
        if self.path:
            text += f"{self.path}: "
        text += self.message
        if self.expected:
            text += f" (expected {self.expected})"
        return printable(text)


@dataclass
class StudyDoc:
    document: Located
    study: classes.StudyFile


@dataclass
class Corpus:
    """Everything in ``db/`` that parsed; files that did not are absent (and reported)."""

    root: Path
    sources: list[classes.Source] = field(default_factory=list)
    endpoints: list[classes.EndpointTerm] = field(default_factory=list)
    drugs: list[classes.DrugTerm] = field(default_factory=list)
    ae_terms: list[classes.AeTermEntry] = field(default_factory=list)
    studies: list[StudyDoc] = field(default_factory=list)
    releases: list[classes.ReleaseEntry] = field(default_factory=list)
    changelogs: list[classes.ReleaseChangelogFile] = field(default_factory=list)
    exceptions: list[classes.ExceptionEntry] = field(default_factory=list)
    documents: dict[str, Located] = field(default_factory=dict)
    """Where each file's nodes are (the files' text and data are not kept once checked)."""
    overrides: dict[str, str] = field(default_factory=dict)
    """Candidate texts by path relative to root, read instead of the files (see ``validate``)."""
    unchecked: dict[str, set[str]] = field(default_factory=dict)
    """By section (``sources``, ``endpoints``, ...): the names of entries that failed their shape
    check, reported there once and still known to the studies that name them."""


@dataclass
class Report:
    corpus: Corpus
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def record_path(prefix: str, loc: Iterable[PathKey]) -> str:
    """``destiny-breast09 › results[12] › ci_high`` from ("results", 12, "ci_high")."""
    parts = [prefix] if prefix else []
    for key in loc:
        if isinstance(key, int) and parts:
            parts[-1] += f"[{key}]"
        else:
            parts.append(str(key))
    return " › ".join(parts)


_EXPECTED_BY_TYPE = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "string_type": "text",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping of fields",
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
    "missing": "the field to be present",
    "string_pattern_mismatch": "a safe identifier (it becomes part of file names and links)",
}
# fields whose pattern says something else than "a safe identifier"
_EXPECTED_BY_FIELD = {
    "version": "a release version YYYY.MM with a month from 01 to 12, e.g. 2026.12",
    "previous": "a release version YYYY.MM with a month from 01 to 12, e.g. 2026.12",
    "doi": "a DOI as 10.NNNN/suffix, e.g. 10.5281/zenodo.1234567, without https://doi.org/",
    "key": "a key of lowercase letters, digits and hyphens, e.g. thp: it becomes part of the record's id",
}


def _shape_problems(doc: Document, exc: ValidationError, prefix: str, rel: str) -> list[Problem]:
    """Turn pydantic's errors into one readable problem per place in the file."""
    problems: list[Problem] = []
    seen: set[tuple[PathKey, ...]] = set()
    for err in exc.errors(include_url=False):  # the links would import pydantic
        loc = tuple(err["loc"])
        if loc in seen:
            continue
        seen.add(loc)
        kind = err["type"]
        given = err.get("input")
        if kind == "missing":
            message = f"required field '{loc[-1]}' is missing"
            expected = None
        elif kind == "extra_forbidden":
            message = f"unknown field '{loc[-1]}'"
            if note := lookalike_note(str(loc[-1])):
                message += f": {note}"
            expected = "only the fields of the format (the Curated format page, schema/study.schema.json)"
        else:
            shown = (quoted(printable(given)) if isinstance(given, str) else
                     type(given).__name__ if isinstance(given, (dict, list)) else clip(repr(given)))
            message = f"{err['msg'][:1].lower()}{err['msg'][1:]}, got {shown}"
            if isinstance(given, str) and (note := lookalike_note(given)):
                message += f" ({note.replace('the key', 'the value')})"
            expected = _EXPECTED_BY_TYPE.get(kind)
            if kind == "string_pattern_mismatch" and loc and loc[-1] in _EXPECTED_BY_FIELD:
                expected = _EXPECTED_BY_FIELD[str(loc[-1])]
        problems.append(
            Problem("error", rel, doc.line(loc), record_path(prefix, loc), message, expected)
        )
    return problems


def _parse(root: Path, rel: str, model: type[M], problems: list[Problem], corpus: Corpus,
           prefix: str = "", required: bool = True, parsed: Document | None = None) -> M | None:
    """The file ``rel`` (``parsed``: its candidate text, already parsed) checked against ``model``."""
    path = root / rel
    if not path.exists() and rel not in corpus.overrides:
        if required:
            problems.append(Problem("error", rel, None, "", "file is missing"))
        return None
    if outside := _outside(root, path):
        problems.append(Problem("error", rel, None, prefix, outside))
        return None
    try:
        doc = parsed or read_document(path, corpus.overrides.get(rel))
    except YamlFileError as exc:
        problems.append(Problem("error", rel, exc.line, prefix, exc.message))
        return None
    corpus.documents[rel] = doc.located()
    try:
        return classes.validate(model, doc.data)
    except ValidationError as exc:
        problems.extend(_shape_problems(doc, exc, prefix or Path(rel).stem, rel))
        if model is classes.StudyFile and isinstance(doc.data, dict):
            return _salvage_study(doc.data)  # type: ignore[return-value]
        return _salvage_entries(model, doc.data, corpus)


def _read_changelogs(root: Path, problems: list[Problem],
                     corpus: Corpus) -> list[classes.ReleaseChangelogFile]:
    """The changelogs ``her2db release`` wrote, each of a release recorded in releases.yaml."""
    versions = {r.version for r in corpus.releases}
    out = []
    for path in sorted((root / RELEASES_DIR).glob("*.yaml")):
        rel = f"{RELEASES_DIR}/{path.name}"
        changelog = _parse(root, rel, classes.ReleaseChangelogFile, problems, corpus, required=False)
        if changelog is None:
            continue
        line = corpus.documents[rel].line(("version",)) if rel in corpus.documents else None
        if changelog.version != path.stem:
            problems.append(Problem("error", rel, line, "version", f"names release {changelog.version}, "
                                    f"but the file is named for {path.stem}"))
        elif changelog.version not in versions:
            problems.append(Problem("error", rel, line, "version", f"release {changelog.version} is not "
                                    f"recorded in {RELEASES_FILE}"))
        else:
            out.append(changelog)
    return out


SECTIONS = sections_of(classes.StudyFile)
"""A study file's sections (``results``, ``arms``, ...), each with its record model."""


class Unchecked(NamedTuple):
    """Stands in for a record that failed the shape check; its key, if any, stays known so
    that references to it are not reported a second time."""

    key: Any


def _salvage_entries(model: type[M], data: Any, corpus: Corpus) -> M | None:
    """The valid entries of a file that is one list (sources, a vocabulary) whose shape has
    errors, the names of the others kept in ``corpus.unchecked``: one bad source is one error,
    not an "unknown source" in every study. None for any other file; the shape problems were
    already reported."""
    sections = sections_of(model)
    if len(sections) != 1 or len(field_names(model)) != 1 or not isinstance(data, dict):
        return None
    (name, item_model), = sections.items()
    items = data.get(name)
    valid: list[Any] = []
    for item in items if isinstance(items, list) else []:
        try:
            valid.append(classes.validate(item_model, item))
        except ValidationError:
            names = [item.get(key) for key in ENTRY_NAMES] if isinstance(item, dict) else []
            corpus.unchecked.setdefault(name, set()).update(n for n in names if isinstance(n, str))
    return classes.construct(model, **{name: valid})


ENTRY_NAMES = ("id", "code", "term")  # what studies name a source, an endpoint, a drug, a term by


def _salvage_study(data: dict[str, Any]) -> classes.StudyFile:
    """The valid parts of a study file whose shape has errors, so that its other records
    are still checked. Invalid records become ``Unchecked`` (indices stay true to the file);
    invalid scalar fields become ``None``; shape problems were already reported."""
    fields: dict[str, Any] = {}
    for spec in classes.fields(classes.StudyFile):
        name = spec.name
        raw = data.get(name)
        if name in SECTIONS:
            items: list[Any] = []
            for item in raw if isinstance(raw, list) else []:
                try:
                    items.append(classes.validate(SECTIONS[name], item))
                except ValidationError:
                    items.append(Unchecked(item.get("key") if isinstance(item, dict) else None))
            fields[name] = items
            continue
        try:
            fields[name] = classes.validator(classes.StudyFile).validate_assignment(
                classes.construct(classes.StudyFile), name, raw).__dict__[name]
        except (ValidationError, TypeError):
            # a required field (the id) has no default: None, never pydantic's "undefined" marker
            fields[name] = None if spec.required else spec.default_value()
    return classes.construct(classes.StudyFile, **fields)


def _outside(root: Path, path: Path) -> str | None:
    """Why ``path`` may not be read as part of the corpus under ``root``: a symbolic link that
    leads out of it (the corpus is what is in the folder, nothing a link drags in)."""
    target = path.resolve()
    if not target.is_relative_to(root.resolve()):
        return f"is a symbolic link to {target}, outside the sources folder {root}"
    return None


def discover_studies(root: Path, overrides: dict[str, str] | None = None) -> tuple[list[Path], list[Problem]]:
    """The study files under ``root/studies`` in name order (with the candidate files of
    ``overrides``), and the problems of the entries that are not read: a folder named like a
    study, a link out of the sources folder, a ``.yml`` file (ignored, with a warning: study
    files end in ``.yaml``)."""
    folder = root / STUDIES_DIR
    try:
        entries = sorted(folder.iterdir()) if folder.is_dir() else []
    except OSError as exc:
        return [], [Problem("error", STUDIES_DIR, None, "", f"cannot be listed: {exc.strerror}")]
    files: list[Path] = []
    problems: list[Problem] = []
    for path in entries:
        rel = f"{STUDIES_DIR}/{path.name}"
        suffix = path.suffix.lower()
        if suffix not in (STUDY_SUFFIX, ".yml"):
            continue
        if suffix != STUDY_SUFFIX or path.suffix != suffix:
            problems.append(Problem("warning", rel, None, "", "ignored: study files end in .yaml",
                                    f"the file renamed to {path.stem}{STUDY_SUFFIX}"))
        elif outside := _outside(root, path):
            problems.append(Problem("error", rel, None, path.stem, outside,
                                    "the study file itself in the sources folder"))
        elif path.is_dir():
            problems.append(Problem("error", rel, None, path.stem, "is a folder, not a study file"))
        else:
            files.append(path)
    candidates = {root / rel for rel in overrides or {} if rel.startswith(f"{STUDIES_DIR}/")}
    return sorted(set(files) | candidates), problems


def read_corpus(root: Path, overrides: dict[str, str] | None = None,
                allow_empty: bool = False) -> tuple[Corpus, list[Problem]]:
    """Parse every file of the corpus under ``root``; shape problems are returned, not raised.
    A corpus without study files is an error unless ``allow_empty``: loading it would replace
    a full database with an empty one."""
    corpus = Corpus(root=root, overrides=overrides or {})
    problems: list[Problem] = []
    if not root.is_dir():
        problems.append(Problem("error", str(root), None, "", "sources folder does not exist"))
        return corpus, problems
    if (sources_file := _parse(root, SOURCES_FILE, classes.SourcesFile, problems, corpus)) is not None:
        corpus.sources = sources_file.sources
    if (endpoints_file := _parse(root, ENDPOINTS_FILE, classes.EndpointsFile, problems, corpus)) is not None:
        corpus.endpoints = endpoints_file.endpoints
    if (drugs_file := _parse(root, DRUGS_FILE, classes.DrugsFile, problems, corpus)) is not None:
        corpus.drugs = drugs_file.drugs
    if (terms_file := _parse(root, AE_TERMS_FILE, classes.AeTermsFile, problems, corpus)) is not None:
        corpus.ae_terms = terms_file.terms
    if (releases_file := _parse(root, RELEASES_FILE, classes.ReleasesFile, problems, corpus, required=False)):
        corpus.releases = releases_file.releases
    corpus.changelogs = _read_changelogs(root, problems, corpus)
    if (exceptions_file := _parse(root, EXCEPTIONS_FILE, classes.CoverageExceptionsFile, problems, corpus,
                         required=False)):
        corpus.exceptions = exceptions_file.exceptions
    study_files, study_problems = discover_studies(root, corpus.overrides)
    problems.extend(study_problems)
    if not study_files and not allow_empty:
        problems.append(Problem("error", STUDIES_DIR, None, "", f"no study files (*{STUDY_SUFFIX}) in "
                                f"{root / STUDIES_DIR}", "study files, or --allow-empty for an "
                                "intentionally empty corpus"))
    for path in study_files:
        rel = f"{STUDIES_DIR}/{path.name}"
        study = _parse(root, rel, classes.StudyFile, problems, corpus, prefix=path.stem)
        if study is not None:
            corpus.studies.append(StudyDoc(corpus.documents[rel], study))
    return corpus, problems


def read_study(root: Path, rel: str, text: str,
               parsed: Document | None = None) -> tuple[StudyDoc | None, list[Problem]]:
    """One study file, ``text`` read in place of ``rel`` (``parsed``: that text parsed), as
    ``read_corpus`` reads it."""
    corpus = Corpus(root=root, overrides={rel: text})
    problems: list[Problem] = []
    study = _parse(root, rel, classes.StudyFile, problems, corpus, prefix=Path(rel).stem, parsed=parsed)
    return (None if study is None else StudyDoc(corpus.documents[rel], study)), problems


def valid(items: list[Any]) -> Iterator[tuple[int, Any]]:
    """Enumerate the records that passed the shape check."""
    return ((i, item) for i, item in enumerate(items) if not isinstance(item, Unchecked))


def field_value(record: Any, name: str) -> Any:
    """``record.name``, or None where its model has no such field."""
    return getattr(record, name) if name in fields_of(record.__class__) else None


class Reporter:
    """Collects the problems of one file, resolving record paths to lines."""

    def __init__(self, rel: str, doc: Located | None, prefix: str) -> None:
        self.rel, self.doc, self.prefix = rel, doc, prefix
        self.problems: list[Problem] = []

    def __call__(self, severity: Severity, loc: tuple[PathKey, ...], message: str,
                 expected: str | None = None) -> None:
        line = self.doc.line(loc) if self.doc else None
        self.problems.append(
            Problem(severity, self.rel, line, record_path(self.prefix, loc), message, expected)
        )
