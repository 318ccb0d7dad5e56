"""Read the curated corpus in ``db/`` and report every problem in it, not only the first.

Two passes: ``read_corpus`` parses each file and checks its shape against the models of
``curated.py``; ``check`` then checks meaning across files (references, duplicate keys, CIs,
percentages, denominators). Errors stop a load; warnings are listed for the curator.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from ..model import curated
from ..model.numbers import half_unit, text_of
from ..model.registry import fields_of, printed_fields
from ..util.terminal import lookalike_note
from . import review_text as coverage
from .yamlfile import Document, Located, PathKey, YamlFileError, printable, read_document

Severity = Literal["error", "warning"]
M = TypeVar("M", bound=BaseModel)

SOURCES_FILE = "sources.yaml"
ENDPOINTS_FILE = "vocabulary/endpoints.yaml"
DRUGS_FILE = "vocabulary/drugs.yaml"
AE_TERMS_FILE = "vocabulary/ae_terms.yaml"
RELEASES_FILE = "releases.yaml"
RELEASES_DIR = "releases"  # <version>.yaml changelogs and <version>.sql.gz snapshots (`her2db release`)
EXCEPTIONS_FILE = "coverage-exceptions.yaml"
STUDIES_DIR = "studies"
STUDY_SUFFIX = ".yaml"


@dataclass(frozen=True)
class Problem:
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
    study: curated.StudyFile


@dataclass
class Corpus:
    """Everything in ``db/`` that parsed; files that did not are absent (and reported)."""

    root: Path
    sources: list[curated.Source] = field(default_factory=list)
    endpoints: list[curated.EndpointTerm] = field(default_factory=list)
    drugs: list[curated.DrugTerm] = field(default_factory=list)
    ae_terms: list[curated.AeTermEntry] = field(default_factory=list)
    studies: list[StudyDoc] = field(default_factory=list)
    releases: list[curated.ReleaseEntry] = field(default_factory=list)
    changelogs: list[curated.ReleaseChangelogFile] = field(default_factory=list)
    exceptions: list[curated.ExceptionEntry] = field(default_factory=list)
    documents: dict[str, Located] = field(default_factory=dict)
    """Where each file's nodes are (the files' text and data are not kept once checked)."""
    overrides: dict[str, str] = field(default_factory=dict)
    """Candidate texts by path relative to root, read instead of the files (see ``validate``)."""


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


def _shape_problems(doc: Document, exc: ValidationError, prefix: str, rel: str) -> list[Problem]:
    """Turn pydantic's errors into one readable problem per place in the file."""
    problems: list[Problem] = []
    seen: set[tuple[PathKey, ...]] = set()
    for err in exc.errors():
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
            expected = "only the fields of the format (README, schema/study.schema.json)"
        else:
            shown = repr(given) if not isinstance(given, (dict, list)) else type(given).__name__
            message = f"{err['msg'][:1].lower()}{err['msg'][1:]}, got {shown}"
            expected = _EXPECTED_BY_TYPE.get(kind)
        problems.append(
            Problem("error", rel, doc.line(loc), record_path(prefix, loc), message, expected)
        )
    return problems


def _parse(root: Path, rel: str, model: type[M], problems: list[Problem], corpus: Corpus,
           prefix: str = "", required: bool = True) -> M | None:
    path = root / rel
    if not path.exists() and rel not in corpus.overrides:
        if required:
            problems.append(Problem("error", rel, None, "", "file is missing"))
        return None
    if outside := _outside(root, path):
        problems.append(Problem("error", rel, None, prefix, outside))
        return None
    try:
        doc = read_document(path, corpus.overrides.get(rel))
    except YamlFileError as exc:
        problems.append(Problem("error", rel, exc.line, prefix, exc.message))
        return None
    corpus.documents[rel] = doc.located()
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(_shape_problems(doc, exc, prefix or Path(rel).stem, rel))
        if model is curated.StudyFile and isinstance(doc.data, dict):
            return _salvage_study(doc.data)  # type: ignore[return-value]
        return None


def _read_changelogs(root: Path, problems: list[Problem],
                     corpus: Corpus) -> list[curated.ReleaseChangelogFile]:
    """The changelogs ``her2db release`` wrote, each of a release recorded in releases.yaml."""
    versions = {r.version for r in corpus.releases}
    out = []
    for path in sorted((root / RELEASES_DIR).glob("*.yaml")):
        rel = f"{RELEASES_DIR}/{path.name}"
        changelog = _parse(root, rel, curated.ReleaseChangelogFile, problems, corpus, required=False)
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


SECTIONS = {
    name: info.annotation.__args__[0]  # type: ignore[union-attr]
    for name, info in curated.StudyFile.model_fields.items()
    if getattr(info.annotation, "__origin__", None) is list
    and isinstance(info.annotation.__args__[0], type)  # type: ignore[union-attr]
    and issubclass(info.annotation.__args__[0], BaseModel)  # type: ignore[union-attr]
}


@dataclass(frozen=True)
class Unchecked:
    """Stands in for a record that failed the shape check; its key, if any, stays known so
    that references to it are not reported a second time."""

    key: Any


def _salvage_study(data: dict[str, Any]) -> curated.StudyFile:
    """The valid parts of a study file whose shape has errors, so that its other records
    are still checked. Invalid records become ``Unchecked`` (indices stay true to the file);
    invalid scalar fields become ``None``; shape problems were already reported."""
    fields: dict[str, Any] = {}
    for name, info in curated.StudyFile.model_fields.items():
        raw = data.get(name)
        if name in SECTIONS:
            items: list[Any] = []
            for item in raw if isinstance(raw, list) else []:
                try:
                    items.append(SECTIONS[name].model_validate(item))
                except ValidationError:
                    items.append(Unchecked(item.get("key") if isinstance(item, dict) else None))
            fields[name] = items
            continue
        try:
            fields[name] = curated.StudyFile.__pydantic_validator__.validate_assignment(
                curated.StudyFile.model_construct(), name, raw).__dict__[name]
        except (ValidationError, TypeError):
            fields[name] = info.get_default(call_default_factory=True)
    return curated.StudyFile.model_construct(**fields)


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
    if (sources_file := _parse(root, SOURCES_FILE, curated.SourcesFile, problems, corpus)) is not None:
        corpus.sources = sources_file.sources
    if (endpoints_file := _parse(root, ENDPOINTS_FILE, curated.EndpointsFile, problems, corpus)) is not None:
        corpus.endpoints = endpoints_file.endpoints
    if (drugs_file := _parse(root, DRUGS_FILE, curated.DrugsFile, problems, corpus)) is not None:
        corpus.drugs = drugs_file.drugs
    if (terms_file := _parse(root, AE_TERMS_FILE, curated.AeTermsFile, problems, corpus)) is not None:
        corpus.ae_terms = terms_file.terms
    if (releases_file := _parse(root, RELEASES_FILE, curated.ReleasesFile, problems, corpus, required=False)):
        corpus.releases = releases_file.releases
    corpus.changelogs = _read_changelogs(root, problems, corpus)
    if (exceptions_file := _parse(root, EXCEPTIONS_FILE, curated.CoverageExceptionsFile, problems, corpus,
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
        study = _parse(root, rel, curated.StudyFile, problems, corpus, prefix=path.stem)
        if study is not None:
            corpus.studies.append(StudyDoc(corpus.documents[rel], study))
    return corpus, problems


def validate(root: Path, overrides: dict[str, str] | None = None, allow_empty: bool = False,
             review_text: Path | None = None) -> Report:
    """Read and check the corpus under ``root``.

    Hook for curator edits: ``overrides`` maps paths relative to ``root`` (``studies/x.yaml``)
    to candidate texts checked in place of the files, so an edit is validated in the context
    of the whole corpus before it is written. ``review_text`` names the review's text (its file
    or folder) when it is not in the sources folder.
    """
    corpus, problems = read_corpus(root, overrides, allow_empty)
    problems.extend(check(corpus))
    problems.extend(coverage_problems(corpus, review_text))
    problems.sort(key=lambda p: (p.file, p.line or 0))
    return Report(corpus, problems)


def coverage_problems(corpus: Corpus, named: Path | None = None) -> list[Problem]:
    """Warnings for numbers of the review that no quoted record holds and no exception explains."""
    try:
        found = coverage.review_text(corpus.root, corpus.sources, named)
    except coverage.ReviewTextError as exc:
        return [Problem("error", SOURCES_FILE, None, "", str(exc))]
    if found is None:
        return []
    text, path = found
    report = coverage.check_coverage(text, [s.study for s in corpus.studies], corpus.exceptions)
    problems = [Problem("warning", path.name, o.line, "", f"number {o.token} of the review is held by no "
                        f"quoted record: “{o.sentence}”",
                        f"a record holding it whose quote contains it, or an entry in {EXCEPTIONS_FILE}")
                for o in report.uncovered]
    exceptions_doc = corpus.documents.get(EXCEPTIONS_FILE)
    for entry in report.unused_exceptions:
        index = corpus.exceptions.index(entry)
        line = exceptions_doc.line(("exceptions", index)) if exceptions_doc else None
        problems.append(Problem("warning", EXCEPTIONS_FILE, line,
                                f"coverage-exceptions › exceptions[{index}]",
                                f"exception for {entry.number!r} matches no number of the review",
                                "only exceptions that are needed"))
    return problems


# --- checks of meaning -------------------------------------------------------------------


class _Reporter:
    """Collects problems for one file, resolving record paths to lines."""

    def __init__(self, rel: str, doc: Located | None, prefix: str) -> None:
        self.rel, self.doc, self.prefix = rel, doc, prefix
        self.problems: list[Problem] = []

    def __call__(self, severity: Severity, loc: tuple[PathKey, ...], message: str,
                 expected: str | None = None) -> None:
        line = self.doc.line(loc) if self.doc else None
        self.problems.append(
            Problem(severity, self.rel, line, record_path(self.prefix, loc), message, expected)
        )


def _duplicates(values: Iterable[str]) -> set[str]:
    return {value for value, count in Counter(values).items() if count > 1}


def _check_unique(report: _Reporter, items: list[Any], attr: str, section: str, what: str) -> None:
    dupes = _duplicates(getattr(item, attr) for item in items if not isinstance(item, Unchecked))
    for i, item in _valid(items):
        if getattr(item, attr) in dupes:
            report("error", (section, i, attr), f"duplicate {what} '{getattr(item, attr)}'",
                   f"each {what} once")


def check(corpus: Corpus) -> list[Problem]:
    """Cross-file checks: identities, references, numbers."""
    problems: list[Problem] = []
    for rel, section, attr, what, items in (
        (SOURCES_FILE, "sources", "id", "source id", corpus.sources),
        (ENDPOINTS_FILE, "endpoints", "code", "endpoint code", corpus.endpoints),
        (DRUGS_FILE, "drugs", "id", "drug id", corpus.drugs),
        (AE_TERMS_FILE, "terms", "term", "adverse-event term", corpus.ae_terms),
        (RELEASES_FILE, "releases", "version", "release version", corpus.releases),
    ):
        report = _Reporter(rel, corpus.documents.get(rel), Path(rel).stem)
        _check_unique(report, items, attr, section, what)
        problems.extend(report.problems)

    seen_ids: dict[str, str] = {}
    known = _Known.of(corpus)
    for entry in corpus.studies:
        rel = str(entry.document.path.relative_to(corpus.root))
        study = entry.study
        stem = entry.document.path.stem
        report = _Reporter(rel, entry.document, study.id or stem)
        if study.id is not None:
            if study.id != stem:
                report("error", ("id",), f"study id '{study.id}' does not match the file name '{stem}.yaml'",
                       f"id: {stem}, or the file renamed to {study.id}.yaml")
            if study.id in seen_ids:
                report("error", ("id",), f"duplicate study id '{study.id}', also in {seen_ids[study.id]}",
                       "each study id in one file")
            seen_ids.setdefault(study.id, rel)
        _check_study(known, study, report)
        problems.extend(report.problems)
    return problems


def _pct_agrees(pct: float, n: int, denominator: int) -> bool:
    """Does ``pct`` equal n/denominator once rounded as it was printed?"""
    if denominator == 0:
        return False
    tolerance = half_unit(pct) + 1e-9
    return math.isclose(pct, 100 * n / denominator, abs_tol=tolerance)


@dataclass(frozen=True)
class _Known:
    """The ids a study may refer to, gathered once per corpus."""

    source_ids: set[str]
    endpoint_codes: set[str]
    drug_ids: set[str]
    terms: set[str]

    @classmethod
    def of(cls, corpus: Corpus) -> _Known:
        return cls({s.id for s in corpus.sources}, {e.code for e in corpus.endpoints},
                   {d.id for d in corpus.drugs}, {t.term for t in corpus.ae_terms})


def _check_study(known: _Known, study: curated.StudyFile, report: _Reporter) -> None:
    source_ids, endpoint_codes, drug_ids, terms = known.source_ids, known.endpoint_codes, known.drug_ids, known.terms
    keys: dict[str, set[str]] = {}
    for section, what in (("analyses", "analysis key"), ("populations", "population key"),
                          ("arms", "arm key"), ("subgroups", "subgroup key")):
        items = getattr(study, section)
        _check_unique(report, items, "key", section, what)
        keys[section] = {item.key for item in items if isinstance(item.key, str)}

    def ref(loc: tuple[PathKey, ...], value: str | None, known: set[str], what: str,
            where: str) -> None:
        if value is not None and value not in known:
            shown = ", ".join(sorted(known)) if known and len(known) <= 12 else where
            report("error", loc, f"unknown {what} '{value}'", f"one of: {shown}" if known else where)

    for i, source_id in enumerate(study.references):
        ref(("references", i), source_id, source_ids, "source", f"an id in {SOURCES_FILE}")
    for name in study.field_basis:
        if name not in STUDY_LEVEL_FIELDS:
            report("error", ("field_basis", name), f"'{name}' is not a study-level field",
                   f"one of: {', '.join(STUDY_LEVEL_FIELDS)}")
    for section, record_index, record in _records(study):
        loc = (section, record_index)
        ref(loc + ("source_id",), record.source_id, source_ids, "source", f"an id in {SOURCES_FILE}")
        ref(loc + ("cites",), record.cites, source_ids, "source", f"an id in {SOURCES_FILE}")
        for attr, section_keys, what in (("arm", "arms", "arm"), ("analysis", "analyses", "analysis"),
                                         ("population", "populations", "population"),
                                         ("subgroup", "subgroups", "subgroup"),
                                         ("experimental", "arms", "arm"), ("control", "arms", "arm")):
            ref(loc + (attr,), _field(record, attr), keys[section_keys], what, f"a key under {section_keys}:")
        ref(loc + ("endpoint",), _field(record, "endpoint"), endpoint_codes, "endpoint",
            f"a code in {ENDPOINTS_FILE}")
        if record.basis != "reported" and not record.basis_note:
            report("error", loc + ("basis",), f"basis '{record.basis}' without a basis_note",
                   "the formula (derived) or what the curator read (curator) in basis_note")
        _check_printed(report, loc, record)
    for i, arm in _valid(study.arms):
        for j, drug in enumerate(arm.drugs):
            ref(("arms", i, "drugs", j), drug, drug_ids, "drug", f"an id in {DRUGS_FILE}")
        if arm.n_randomized is not None and arm.n_treated is not None and arm.n_treated > arm.n_randomized:
            report("warning", ("arms", i, "n_treated"),
                   f"n_treated {arm.n_treated} is larger than n_randomized {arm.n_randomized}")
    for i, ae in _valid(study.adverse_events):
        ref(("adverse_events", i, "term"), ae.term, terms, "adverse-event term", f"a term in {AE_TERMS_FILE}")
        _check_share(report, ("adverse_events", i), ae.pct, ae.n, ae.n_at_risk, "pct", "n_at_risk")
        if ae.p_value is not None or ae.p_versus is not None:
            ref(("adverse_events", i, "p_versus"), ae.p_versus, keys["arms"] - {ae.arm}, "arm",
                "another arm's key")
            _check_p_value(report, ("adverse_events", i), ae.p_value, ae.p_operator, "p_versus")
    for i, result in _valid(study.results):
        loc = ("results", i)
        if result.value is None and not (result.not_reached or result.not_estimable):
            report("error", loc + ("value",), "no value and neither not_reached nor not_estimable",
                   "a value, or not_reached: true / not_estimable: true")
        if result.statistic == "rate" and result.timepoint_months is None:
            report("error", loc + ("timepoint_months",), "a rate without its timepoint",
                   "timepoint_months (a landmark such as 24 for a 2-year rate), or statistic proportion")
        _check_interval(report, loc, result.value, result.ci_low, result.ci_high, "value")
        pct = result.value if result.unit == curated.PERCENT_UNIT else None
        _check_share(report, loc, pct, result.n, result.denominator, "value", "denominator")
    for i, item in _valid(study.characteristics):
        pct = item.value if item.unit == curated.PERCENT_UNIT else None
        _check_share(report, ("characteristics", i), pct, item.n, item.denominator, "value", "denominator")
    for i, comp in _valid(study.comparisons):
        _check_comparison(report, ("comparisons", i), comp)
    _check_population_sizes(study, report)
    _check_breakdowns(study, report)


STUDY_LEVEL_FIELDS = tuple(name for name, info in curated.StudyFile.model_fields.items()
                           if name not in ("id", "references", "field_basis")
                           and getattr(info.annotation, "__origin__", None) is not list)
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}


def _field(record: Any, name: str) -> Any:
    """``record.name``, or None where its model has no such field."""
    return getattr(record, name) if name in fields_of(record.__class__) else None


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def prints_number(quote: str, shown: str) -> bool:
    """Does ``quote`` print ``shown`` as a number of its own: not inside a longer number or word
    ("0.7" is not in "0.75" or "10.7", "12" is not in "12.5" but is in "12.")?"""
    start = quote.find(shown)
    while start != -1:
        end = start + len(shown)
        before = quote[start - 1] if start else ""
        after = quote[end:end + 2]
        if not (before and (_word_char(before) or before == ".")) \
                and not (after and _word_char(after[0])) \
                and not (after[:1] == "." and after[1:2].isdigit()):
            return True
        start = quote.find(shown, start + 1)
    return False


def _check_printed(report: _Reporter, loc: tuple[PathKey, ...], record: Any) -> None:
    """A printed text must say the number it stands for; a qualifier or range needs a value."""
    value = _field(record, "value")
    value_text = _field(record, "value_text")
    if value_text is not None:
        said: float | None = NUMBER_WORDS.get(value_text.strip().lower())
        if said is None:
            try:
                said = float(value_text)
            except ValueError:
                said = None
        if value is None or said is None or said != value:
            report("error", loc + ("value_text",),
                   f"value_text {value_text!r} does not say the value {text_of(value)}",
                   "the value as printed (a number, or a number word such as six); a qualifier "
                   "goes in qualifier, a range end in value_upper, other words in notes")
    quote = " ".join(record.quote.split()) if record.quote else ""
    for name in printed_fields(record.__class__) if quote else ():
        number = getattr(record, name)
        shown = value_text if name == "value" and value_text else text_of(number)
        if shown and not prints_number(quote, shown):
            report("warning", loc + (name,), f"{name} printed as {shown!r} does not appear in the record's quote",
                   "the number exactly as the quote prints it, or the quote that holds it")
    upper = _field(record, "value_upper")
    if upper is not None and (value is None or upper <= value):
        report("error", loc + ("value_upper",),
               f"range {text_of(value)}–{text_of(upper)} does not rise", "value < value_upper")
    if _field(record, "qualifier") and value is None and _field(record, "pct") is None:
        report("error", loc + ("qualifier",), "a qualifier without a number", "a value to qualify")


def _check_population_sizes(study: curated.StudyFile, report: _Reporter) -> None:
    """Arms and records never count more patients than the population they belong to."""
    populations = {p.key: p for _, p in _valid(study.populations)}
    enrolled = next((p for p in populations.values() if p.enrolled and p.n is not None), None)
    if enrolled is not None:
        for i, arm in _valid(study.arms):
            for attr in ("n_randomized", "n_treated"):
                n = getattr(arm, attr)
                if n is not None and n > enrolled.n:
                    report("warning", ("arms", i, attr), f"arm {arm.key} has {attr} {n}, more than the "
                           f"{enrolled.n} of its study population '{enrolled.key}'")
    for section, attr in (("results", "denominator"), ("adverse_events", "n_at_risk"),
                          ("characteristics", "denominator")):
        for i, record in _valid(getattr(study, section)):
            population = populations.get(record.population or "")
            n = getattr(record, attr)
            if population is not None and population.n is not None and n is not None and n > population.n:
                report("warning", (section, i, attr), f"{attr} {n} is larger than the "
                       f"{population.n} patients of its population '{population.key}'")


def _check_breakdowns(study: curated.StudyFile, report: _Reporter) -> None:
    """The mutually exclusive parts of one breakdown add up to at most 100% (beyond rounding)."""
    groups: dict[tuple[Any, ...], list[tuple[int, curated.ArmResult]]] = {}
    for i, result in _valid(study.results):
        if result.breakdown and result.unit == curated.PERCENT_UNIT and result.value is not None:
            key = (result.breakdown, result.endpoint, result.arm, result.analysis, result.population,
                   result.subgroup, result.timepoint_months)
            groups.setdefault(key, []).append((i, result))
    for (name, *_), parts in groups.items():
        total = sum(r.value for _, r in parts if r.value is not None)
        slack = sum(half_unit(r.value) for _, r in parts if r.value is not None)
        if total - slack > 100 + 1e-9:
            shown = " + ".join(f"{text_of(r.value)}" for _, r in parts)
            report("warning", ("results", parts[-1][0], "value"),
                   f"the parts of breakdown '{name}' add up to more than 100%: {shown} = {total:.1f}%",
                   "mutually exclusive parts (or no breakdown name for nested categories)")


def _valid(items: list[Any]) -> Iterator[tuple[int, Any]]:
    """Enumerate the records that passed the shape check."""
    return ((i, item) for i, item in enumerate(items) if not isinstance(item, Unchecked))


def _records(study: curated.StudyFile) -> Iterator[tuple[str, int, curated.Provenance]]:
    for section in ("analyses", "populations", "arms", "subgroups", "endpoints", "results",
                    "comparisons", "adverse_events", "characteristics"):
        for i, record in _valid(getattr(study, section)):
            yield section, i, record


def _check_interval(report: _Reporter, loc: tuple[PathKey, ...], value: float | None,
                    low: float | None, high: float | None, value_name: str) -> None:
    if (low is None) != (high is None):
        report("error", loc + ("ci_low" if low is None else "ci_high",), "only one CI bound given",
               "both ci_low and ci_high, or neither")
        return
    if low is None or high is None:
        return
    if low > high:
        report("error", loc + ("ci_low",), f"ci_low {text_of(low)} is above ci_high {text_of(high)}",
               "ci_low ≤ ci_high")
    elif value is not None and not low <= value <= high:
        report("error", loc + ("ci_high" if value > high else "ci_low",),
               f"CI {text_of(low)}–{text_of(high)} does not contain the {value_name} {text_of(value)}",
               f"ci_low ≤ {value_name} ≤ ci_high")


def _check_share(report: _Reporter, loc: tuple[PathKey, ...], pct: float | None, n: int | None,
                 denominator: int | None, pct_name: str, denominator_name: str) -> None:
    if pct is not None and not 0 <= pct <= 100:
        report("error", loc + (pct_name,), f"percent {text_of(pct)} is outside 0–100",
               "a percentage between 0 and 100 (stored as 70.1, not 0.701)")
    if n is not None and denominator is not None:
        if n > denominator:
            report("error", loc + ("n",), f"n {n} is larger than its {denominator_name} {denominator}",
                   f"n ≤ {denominator_name}")
        elif pct is not None and 0 <= pct <= 100 and not _pct_agrees(pct, n, denominator):
            report("warning", loc + (pct_name,),
                   f"{text_of(pct)}% disagrees with n/{denominator_name} = {n}/{denominator} = "
                   f"{100 * n / denominator:.2f}% beyond rounding")


def _check_p_value(report: _Reporter, loc: tuple[PathKey, ...], p_value: float | None,
                   p_operator: str | None, partner: str) -> None:
    if p_value is None:
        report("error", loc + ("p_value",), f"{partner} without a p_value", "a p_value, or no " + partner)
    elif not 0 <= p_value <= 1:
        report("error", loc + ("p_value",), f"p-value {text_of(p_value)} is outside 0–1", "0 ≤ p ≤ 1")
    elif p_operator is None:
        report("error", loc + ("p_operator",), "p_value without p_operator", "'<' or '='")


def _log_asymmetry(estimate: float, low: float, high: float) -> float:
    """How far a ratio's CI is from symmetric on the log scale, as a share of its log width,
    after allowing each printed number its rounding (0 = symmetric within rounding)."""
    def bounds(x: float) -> tuple[float, float]:
        d = half_unit(x)
        return math.log(max(x - d, 1e-12)), math.log(x + d)
    (e0, e1), (l0, l1), (h0, h1) = bounds(estimate), bounds(low), bounds(high)
    twice, sums = (2 * e0, 2 * e1), (l0 + h0, l1 + h1)
    gap = max(0.0, sums[0] - twice[1], twice[0] - sums[1])
    width = math.log(high / low)
    return gap / width if width > 0 else 0.0


LOG_ASYMMETRY_LIMIT = 0.1


def _check_comparison(report: _Reporter, loc: tuple[PathKey, ...], comp: curated.Comparison) -> None:
    if comp.measure == "not reported":
        for attr in ("estimate", "ci_low", "ci_high"):
            if getattr(comp, attr) is not None:
                report("error", loc + (attr,), f"{attr} given for measure 'not reported'",
                       "the measure the source names (HR, OR, RR, difference)")
        if comp.p_value is None:
            report("error", loc + ("p_value",), "measure 'not reported' without a p-value",
                   "the p-value the source reports")
    elif comp.estimate is None and comp.p_value is None:
        report("error", loc + ("estimate",), "neither an estimate nor a p-value",
               "an estimate, or a p_value when the source reports only that")
    elif comp.estimate is None:
        report("error", loc + ("measure",), f"a p-value without an estimate under measure '{comp.measure}'",
               "measure: not reported (the source names no effect estimate)")
    if comp.measure == "difference" and comp.unit is None:
        report("error", loc + ("unit",), "a difference without its unit", "unit: months, %, ...")
    if comp.experimental == comp.control:
        report("error", loc + ("control",), "experimental and control are the same arm",
               "two different arms")
    if comp.measure in curated.RATIO_MEASURES:
        for attr in ("estimate", "ci_low", "ci_high"):
            value = getattr(comp, attr)
            if value is not None and value <= 0:
                report("error", loc + (attr,), f"{comp.measure} {attr} {text_of(value)} is not positive",
                       "a ratio above 0")
    _check_interval(report, loc, comp.estimate, comp.ci_low, comp.ci_high, "estimate")
    if (comp.measure in curated.RATIO_MEASURES and comp.estimate and comp.ci_low and comp.ci_high
            and 0 < comp.ci_low <= comp.estimate <= comp.ci_high):
        if _log_asymmetry(comp.estimate, comp.ci_low, comp.ci_high) > LOG_ASYMMETRY_LIMIT:
            centre = math.sqrt(comp.ci_low * comp.ci_high)
            report("warning", loc + ("ci_low",),
                   f"CI {text_of(comp.ci_low)}–{text_of(comp.ci_high)} is not symmetric around "
                   f"{text_of(comp.estimate)} on the log scale (its centre is {centre:.2f}): a misprint?",
                   "a CI centred on the estimate; if the source prints it so, say so in notes")
    if comp.p_value is not None:
        if not 0 <= comp.p_value <= 1:
            report("error", loc + ("p_value",), f"p-value {text_of(comp.p_value)} is outside 0–1",
                   "0 ≤ p ≤ 1")
            return
        if comp.p_operator is None:
            report("error", loc + ("p_operator",), "p_value without p_operator", "'<' or '='")
    if comp.p_value is None or comp.ci_low is None or comp.ci_high is None:
        return
    if comp.ci_level not in (None, 95):
        return
    null = 1.0 if comp.measure in curated.RATIO_MEASURES else 0.0
    excludes_null = comp.ci_high < null or comp.ci_low > null
    significant = comp.p_value < 0.05 or (comp.p_operator in ("<", "<=") and comp.p_value <= 0.05)
    if excludes_null and not significant and comp.p_operator in ("=", ">"):
        report("warning", loc + ("p_value",),
               f"p {comp.p_operator} {text_of(comp.p_value)} is not significant, yet the 95% CI "
               f"{text_of(comp.ci_low)}–{text_of(comp.ci_high)} excludes {null:g}")
    elif not excludes_null and significant and comp.ci_low != null and comp.ci_high != null:
        report("warning", loc + ("p_value",),
               f"p {comp.p_operator} {text_of(comp.p_value)} is significant, yet the 95% CI "
               f"{text_of(comp.ci_low)}–{text_of(comp.ci_high)} contains {null:g}")
