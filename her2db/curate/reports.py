"""Several reports of one data point: the checks that keep them apart and comparable.

Records with the same natural key (``model/identity.py``) are reports of one data point. From
one source that is an error, located at both records (the same number entered twice, or a
correction entered beside what it corrects). From different sources it is how a review and the
trial's own publication stand side by side: one is preferred, and where their numbers differ
beyond rounding a warning names both.
"""

from __future__ import annotations

from typing import Any

from ..model import classes
from ..model.identity import NATURAL_KEYS, group_reports, preferred_index
from ..model.numbers import half_unit, text_of
from .corpus import Reporter

REPORTED_NUMBERS = ("value", "value_upper", "estimate", "ci_low", "ci_high", "p_value", "n", "pct", "denominator",
                    "n_at_risk")
"""What a report says of its data point, compared between reports (flags too: not reached)."""
REPORTED_FLAGS = ("not_reached", "not_estimable")
SECTIONS = tuple(name for name in NATURAL_KEYS if name not in ("analyses", "populations", "arms", "subgroups"))
"""Keyed sections (arms, analyses, ...) are checked for duplicate keys elsewhere."""


def check_reports(study: classes.StudyFile, report: Reporter, sources: dict[str, classes.Source]) -> None:
    for section in SECTIONS:
        records = [r for r in getattr(study, section) if _named(section, r)]
        for record_id, reports in group_reports(section, study.id or "", records).items():
            if len(reports) > 1:
                _check_group(section, record_id, reports, report, sources)


def _named(section: str, record: Any) -> bool:
    """Whether the record passed its shape check and its key fields have the types a key needs
    (shape errors are reported elsewhere: such a record is not compared)."""
    return isinstance(record, classes.Provenance) and all(
        isinstance(getattr(record, name, None), (str, int, float, type(None))) for name in NATURAL_KEYS[section])


def _check_group(section: str, record_id: str, reports: list[tuple[int, Any]], report: Reporter,
                 sources: dict[str, classes.Source]) -> None:
    by_source: dict[str, int] = {}
    for index, record in reports:
        if (first := by_source.get(record.source_id)) is not None:
            for here, other in ((first, index), (index, first)):
                report("error", (section, here),
                       f"the same data point as {section}[{other}] ({record_id}) from the same source "
                       f"{record.source_id}: one report per source",
                       "a record that differs in its key (analysis, population, subgroup, arm, grade, ...), "
                       "or one of the two removed; a correction replaces the value it corrects")
        else:
            by_source[record.source_id] = index
    flagged = [index for index, record in reports if record.preferred]
    for index in flagged[1:]:
        report("error", (section, index), f"{len(flagged)} reports of {record_id} are marked preferred: true "
               f"({', '.join(f'{section}[{i}]' for i in flagged)})", "preferred: true on one report at most")
    records = [record for _, record in reports]
    chosen = preferred_index(records, lambda s: getattr(sources.get(s), "kind", None),
                             lambda s: getattr(sources.get(s), "year", None))
    first_index, first = reports[chosen]
    for index, record in reports:
        if index == first_index or record.source_id == first.source_id:
            continue
        if differences := _differences(record, first):
            report("warning", (section, index),
                   f"{record_id} is reported as {differences} by {record.source_id} and as "
                   f"{_differences(first, record)} by {first.source_id} "
                   f"(the preferred report, {section}[{first_index}])",
                   "the same numbers from every source, or a note saying which is right and why")


def _differences(mine: Any, other: Any) -> str:
    """``mine``'s numbers that differ from ``other``'s beyond rounding, as printed."""
    shown = []
    for name in REPORTED_NUMBERS:
        a, b = getattr(mine, name, None), getattr(other, name, None)
        if a is None or b is None:
            continue
        if abs(float(a) - float(b)) > max(half_unit(a), half_unit(b)) + 1e-12:
            shown.append(f"{name} {text_of(a) or a}")
    for name in REPORTED_FLAGS:
        if bool(getattr(mine, name, False)) != bool(getattr(other, name, False)):
            shown.append(name.replace("_", " ") if getattr(mine, name, False) else f"not {name.replace('_', ' ')}")
    return ", ".join(shown)
