"""Data points and their reports.

Each kind of record has a natural key: the fields that say *which* data point it is (a result:
its endpoint, arm, statistic, analysis, population, subgroup, category and time point), as
opposed to *what was reported* (the value, its CI, where it was read). The same data point may
be reported by several sources (a review and the trial's own publication); each is a report.
The record id, derived from the study and the natural key, is readable, the same in every
release for the same data point, safe in a URL or an HTML id, and shared by all its reports;
a report is addressed as ``RECORD_ID@SOURCE_ID``.

One report of each data point is preferred: the one marked ``preferred: true``, otherwise the
first by this rule: a source that is not a review (the trial's own publication before a review
that restates it), then the most recent source, then file order.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

SECTION_KINDS = {
    # study file section -> the kind word in its record ids
    "analyses": "analysis", "populations": "population", "arms": "arm", "subgroups": "subgroup",
    "endpoints": "endpoint", "results": "result", "comparisons": "comparison",
    "adverse_events": "ae", "characteristics": "characteristic",
}
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    # the fields that name the data point, the always-present ones first
    "analyses": ("key",),
    "populations": ("key",),
    "arms": ("key",),
    "subgroups": ("key",),
    "endpoints": ("endpoint", "assessor"),
    "results": ("endpoint", "arm", "statistic", "category", "timepoint_months", "analysis", "population",
                "subgroup"),
    "comparisons": ("endpoint", "measure", "experimental", "control", "analysis", "population", "subgroup"),
    "adverse_events": ("arm", "term", "category", "grade", "population"),
    "characteristics": ("name", "statistic", "category", "arm", "population", "subgroup"),
}
REQUIRED_PARTS = {
    # how many leading fields of the key are always present: they stand in the id by position;
    # the optional ones follow as name-value pairs, and only when set
    "analyses": 1, "populations": 1, "arms": 1, "subgroups": 1, "endpoints": 1,
    "results": 3, "comparisons": 4, "adverse_events": 4, "characteristics": 2,
}
REPORT_SEPARATOR = "@"

_SIGNS = (("<=", "le"), (">=", "ge"), ("<", "lt"), (">", "gt"), ("=", "eq"), ("+", "plus"), ("%", "pct"))
_NOT_SLUG = re.compile(r"[^a-z0-9.]+")


def slug(value: Any) -> str:
    """A key part as id text: lower case, signs spelt out (``>=3`` is ``ge-3``), a non-ASCII
    character as its code point (a look-alike never gives another key's id), every other run of
    non-alphanumerics one hyphen; a number as its shortest text (``12.0`` is ``12``). The same
    few hundred values recur through a corpus's record ids: each is worked out once."""
    try:
        return _slug_of(value)
    except TypeError:  # a value that cannot be a key of the cache
        return _slug(value)


def _slug(value: Any) -> str:
    if isinstance(value, float):
        value = f"{value:g}"
    text = str(value).lower()
    if not text.isascii():  # never merge ids
        text = "".join(ch if ch.isascii() else f"-u{ord(ch):04x}-" for ch in text)
    for sign, word in _SIGNS:
        text = text.replace(sign, f"-{word}-")
    return _NOT_SLUG.sub("-", text).strip("-.") or "x"


_slug_of = functools.lru_cache(maxsize=1 << 16, typed=True)(_slug)  # typed: True is not 1


def natural_key(section: str, record: Any) -> tuple[Any, ...]:
    """The values of the record's natural key, in the order of ``NATURAL_KEYS``."""
    return tuple(getattr(record, name) for name in NATURAL_KEYS[section])


def record_id(study_id: str, section: str, record: Any) -> str:
    """``cleopatra.result.os.ptd.median.analysis-final-os``: the study, the kind, the required
    key parts by position, then each optional part that is set as ``name-value``."""
    names = NATURAL_KEYS[section]
    values = natural_key(section, record)
    required = REQUIRED_PARTS[section]
    parts = [study_id, SECTION_KINDS[section], *(slug(v) for v in values[:required])]
    parts += [f"{name.replace('_', '-')}-{slug(value)}" for name, value in zip(names[required:], values[required:],
                                                                                 strict=True) if value is not None]
    return ".".join(parts)


def report_id(record_id_: str, source_id: str) -> str:
    return f"{record_id_}{REPORT_SEPARATOR}{source_id}"


R = TypeVar("R")


def preferred_index(reports: Sequence[Any], source_kind: Callable[[str], str | None],
                    source_year: Callable[[str], int | None]) -> int:
    """Which of the reports of one data point is preferred (see the module's rule). Reports
    carry ``preferred`` and ``source_id``; an explicit ``preferred: true`` wins (validation
    refuses two)."""
    for index, report in enumerate(reports):
        if getattr(report, "preferred", None):
            return index

    def rank(item: tuple[int, Any]) -> tuple[int, int, int]:
        index, report = item
        source = report.source_id
        return (1 if source_kind(source) == "review" else 0, -(source_year(source) or 0), index)

    return min(enumerate(reports), key=rank)[0]


def group_reports(section: str, study_id: str, records: Iterable[R]) -> dict[str, list[tuple[int, R]]]:
    """The records of one section grouped by record id, each with its position in the file."""
    groups: dict[str, list[tuple[int, R]]] = {}
    for index, record in enumerate(records):
        groups.setdefault(record_id(study_id, section, record), []).append((index, record))
    return groups
