"""Checks of meaning across records and files: identities are unique, every reference
(source, endpoint, drug, adverse-event term, arm, analysis, population, subgroup) names a
record that exists, and each record's numbers pass ``numeric_checks``, record by record in
file order (problems on one line keep the order a curator reads them in).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from ..model import classes, values
from ..model.registry import KEYED_SECTIONS, ROW_SECTIONS, field_names, list_fields
from ..store.sqlite import BLOCK, MAX_STUDIES
from ..util.terminal import lookalike_note, printable, quoted
from . import formulas
from .corpus import (
    AE_TERMS_FILE,
    DRUGS_FILE,
    ENDPOINTS_FILE,
    RELEASES_FILE,
    SOURCES_FILE,
    STUDIES_DIR,
    Corpus,
    Problem,
    Reporter,
    StudyDoc,
    Unchecked,
    field_value,
    valid,
)
from .numeric_checks import (
    check_breakdowns,
    check_comparison,
    check_interval,
    check_p_value,
    check_population_sizes,
    check_printed,
    check_share,
)
from .reports import check_reports
from .yamlfile import PathKey

STUDY_LEVEL_FIELDS = tuple(name for name in field_names(classes.StudyFile)
                           if name not in ("id", "field_basis") and name not in list_fields(classes.StudyFile))


def _duplicates(values: Iterable[str]) -> set[str]:
    return {value for value, count in Counter(values).items() if count > 1}


def _check_unique(report: Reporter, items: list[Any], attr: str, section: str, what: str) -> None:
    dupes = _duplicates(getattr(item, attr) for item in items if not isinstance(item, Unchecked))
    for i, item in valid(items):
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
        report = Reporter(rel, corpus.documents.get(rel), Path(rel).stem)
        _check_unique(report, items, attr, section, what)
        problems.extend(report.problems)

    if len(corpus.studies) > MAX_STUDIES:  # each study's rows take a block of ids
        problems.append(Problem("error", STUDIES_DIR, None, "", f"{len(corpus.studies):,} studies, more than "
                                f"a corpus may hold", f"at most {MAX_STUDIES:,}"))
    seen_ids: dict[str, str] = {}
    known = Known.of(corpus)
    sources = {source.id: source for source in corpus.sources}
    for entry in corpus.studies:
        problems.extend(check_study(known, sources, entry, corpus.root, seen_ids))
    problems.extend(formulas.check(corpus))  # texts a spreadsheet would run as formulas
    return problems


def check_study(known: Known, sources: dict[str, Any], entry: StudyDoc, root: Path,
                seen_ids: dict[str, str]) -> list[Problem]:
    """One study's checks of meaning, against the ids of the rest of the corpus (``known``,
    ``sources`` by id, ``seen_ids``: the study ids met so far, by file)."""
    rel = str(entry.document.path.relative_to(root))
    study = entry.study
    stem = entry.document.path.stem
    report = Reporter(rel, entry.document, study.id or stem)
    if study.id is not None:
        if study.id != stem:
            report("error", ("id",), f"study id '{study.id}' does not match the file name '{stem}.yaml'",
                   f"id: {stem}, or the file renamed to {study.id}.yaml")
        if study.id in seen_ids:
            report("error", ("id",), f"duplicate study id '{study.id}', also in {seen_ids[study.id]}",
                   "each study id in one file")
        seen_ids.setdefault(study.id, rel)
    for section in KEYED_SECTIONS + ROW_SECTIONS:
        if len(records := getattr(study, section)) >= BLOCK:  # a study's rows take one block of ids
            report("error", (section,), f"{len(records):,} records, more than a study may hold in one section",
                   f"at most {BLOCK - 1:,}: split the study")
    _check_study(known, study, report)
    check_reports(study, report, sources)
    return report.problems


class Known(NamedTuple):
    """The ids a study may refer to, gathered once per corpus (or read from its database)."""

    source_ids: set[str]
    endpoint_codes: set[str]
    drug_ids: set[str]
    terms: set[str]

    @classmethod
    def of(cls, corpus: Corpus) -> Known:
        unchecked = corpus.unchecked  # entries whose own errors were reported: no error again in each study
        return cls({s.id for s in corpus.sources} | unchecked.get("sources", set()),
                   {e.code for e in corpus.endpoints} | unchecked.get("endpoints", set()),
                   {d.id for d in corpus.drugs} | unchecked.get("drugs", set()),
                   {t.term for t in corpus.ae_terms} | unchecked.get("terms", set()))


def _check_study(known: Known, study: classes.StudyFile, report: Reporter) -> None:
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
            note = lookalike_note(value)
            report("error", loc, f"unknown {what} {quoted(printable(value))}" + (f" ({note.replace('the key', 'it')})"
                                                                              if note else ""),
                   f"one of: {shown}" if known else where)

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
            ref(loc + (attr,), field_value(record, attr), keys[section_keys], what, f"a key under {section_keys}:")
        ref(loc + ("endpoint",), field_value(record, "endpoint"), endpoint_codes, "endpoint",
            f"a code in {ENDPOINTS_FILE}")
        if record.basis != "reported" and not record.basis_note:
            report("error", loc + ("basis",), f"basis '{record.basis}' without a basis_note",
                   "the formula (derived) or what the curator read (curator) in basis_note")
        check_printed(report, loc, record)
    for i, arm in valid(study.arms):
        for j, drug in enumerate(arm.drugs):
            ref(("arms", i, "drugs", j), drug, drug_ids, "drug", f"an id in {DRUGS_FILE}")
        if arm.n_randomized is not None and arm.n_treated is not None and arm.n_treated > arm.n_randomized:
            report("warning", ("arms", i, "n_treated"),
                   f"n_treated {arm.n_treated} is larger than n_randomized {arm.n_randomized}")
    for i, ae in valid(study.adverse_events):
        ref(("adverse_events", i, "term"), ae.term, terms, "adverse-event term", f"a term in {AE_TERMS_FILE}")
        check_share(report, ("adverse_events", i), ae.pct, ae.n, ae.n_at_risk, "pct", "n_at_risk")
        if ae.n is None and ae.pct is None:
            report("error", ("adverse_events", i), "an adverse event with neither n nor pct reports nothing",
                   "n (patients), pct (percent of n_at_risk), or both, as the source prints them")
        if ae.p_value is not None or ae.p_versus is not None:
            ref(("adverse_events", i, "p_versus"), ae.p_versus, keys["arms"] - {ae.arm}, "arm",
                "another arm's key")
            check_p_value(report, ("adverse_events", i), ae.p_value, ae.p_operator, "p_versus")
    for i, result in valid(study.results):
        loc = ("results", i)
        if result.value is None and not (result.not_reached or result.not_estimable):
            report("error", loc + ("value",), "no value and neither not_reached nor not_estimable",
                   "a value, or not_reached: true / not_estimable: true")
        if result.statistic == "rate" and result.timepoint_months is None:
            report("error", loc + ("timepoint_months",), "a rate without its timepoint",
                   "timepoint_months (a landmark such as 24 for a 2-year rate), or statistic proportion")
        check_interval(report, loc, result.value, result.ci_low, result.ci_high, "value")
        pct = result.value if result.unit == values.PERCENT_UNIT else None
        check_share(report, loc, pct, result.n, result.denominator, "value", "denominator")
    for i, item in valid(study.characteristics):
        pct = item.value if item.unit == values.PERCENT_UNIT else None
        check_share(report, ("characteristics", i), pct, item.n, item.denominator, "value", "denominator")
    for i, comp in valid(study.comparisons):
        check_comparison(report, ("comparisons", i), comp)
    check_population_sizes(study, report)
    check_breakdowns(study, report)


def _records(study: classes.StudyFile) -> Iterator[tuple[str, int, classes.Provenance]]:
    for section in KEYED_SECTIONS + ROW_SECTIONS:
        for i, record in valid(getattr(study, section)):
            yield section, i, record
