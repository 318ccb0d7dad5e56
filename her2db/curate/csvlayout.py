"""The header of an imported table: which curated fields each column fills.

A column is named for a field (``pct``, ``n_at_risk``; case and spaces do not matter) or for a
printed form of several: ``n (%)`` (n and the percentage) and ``95% CI`` or ``CI`` (ci_low and
ci_high). With ``--wide`` (adverse events), ``ARM GRADE`` (``exp any``, ``ctl >=3``, ``exp Grade
3-4``) holds the n (%) of that arm and grade, and ``ARM n_at_risk`` that arm's patients at risk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from .csvcells import CellError, grade, suggest
from .fields import FieldSpec

WIDE_FIELDS = ("arm", "grade", "n", "pct", "n_at_risk")


class Column(NamedTuple):
    name: str  # as the header prints it
    fields: tuple[str, ...]  # the curated fields its cells fill
    form: str = "field"  # field, n_pct, ci, wide (ARM GRADE) or wide_risk (ARM n_at_risk)
    level: str | None = None  # of a CI column: "95" from "95% CI"
    arm: str | None = None
    grade: str | None = None

    @property
    def identity(self) -> tuple[str | None, ...]:
        return (self.form, self.arm, self.grade, *self.fields)


@dataclass
class HeaderProblem:
    reason: str
    hint: str | None = None


def field_name(text: str) -> str:
    return re.sub(r"[\s-]+", "_", text.strip().lower())


def _column(name: str, specs: dict[str, FieldSpec], arms: list[str], wide: bool) -> Column | None:
    key, lowered = field_name(name), name.strip().lower()
    percent = "pct" if "pct" in specs else ("value" if "value" in specs else None)
    if key in specs:
        return Column(name, (key,))
    if re.fullmatch(r"n\s*\(\s*%\s*\)", lowered) and "n" in specs and percent:
        return Column(name, ("n", percent), "n_pct")
    ci = re.fullmatch(r"(?:(\d+(?:\.\d+)?)\s*%\s*)?ci", lowered)
    if ci and "ci_low" in specs:
        return Column(name, ("ci_low", "ci_high"), "ci", level=ci[1])
    arm, _, rest = name.strip().partition(" ")
    if wide and arm in arms and rest:
        if field_name(rest) == "n_at_risk":
            return Column(name, ("n_at_risk",), "wide_risk", arm=arm)
        try:
            return Column(name, ("n", "pct"), "wide", arm=arm, grade=grade(rest, specs["grade"].choices or ()))
        except CellError:
            return None
    return None


def _unknown_hint(name: str, specs: dict[str, FieldSpec], arms: list[str], wide: bool) -> str | None:
    arm, _, rest = name.strip().partition(" ")
    if wide and rest and arm not in arms:
        try:
            grade(rest, specs["grade"].choices or ())
        except CellError:
            pass
        else:
            return f"{arm} is not an arm of the study, {suggest(arm, arms) or 'arms: ' + ', '.join(arms)}"
    return suggest(name, [*specs, "n (%)", "95% CI"])


def read_header(header: list[str], kind: str, specs: dict[str, FieldSpec], arms: list[str],
                wide: bool) -> tuple[list[Column | None], list[HeaderProblem]]:
    """The column of each header cell (None for an unknown one) and every problem of the header."""
    columns = [_column(name, specs, arms, wide) for name in header]
    problems: list[HeaderProblem] = []
    unknown = [name for name, column in zip(header, columns, strict=True) if column is None]
    if unknown:
        hints = [f"'{name}': {hint}" for name in unknown
                 if (hint := _unknown_hint(name, specs, arms, wide))]
        layout = "ARM GRADE columns (e.g. 'exp any', 'ctl >=3') and " if wide else ""
        problems.append(HeaderProblem(f"unknown column(s) {', '.join(repr(u) for u in unknown)} "
                                      f"(columns of {kind}: {layout}{', '.join(specs)})",
                                      "; ".join(hints) or None))
    found = [c for c in columns if c is not None]
    if wide:
        taken = [c.name for c in found if c.form == "field" and c.fields[0] in WIDE_FIELDS]
        if taken:
            problems.append(HeaderProblem(f"column(s) {', '.join(taken)} cannot be used with --wide",
                                          "the ARM GRADE columns give arm, grade, n and pct; "
                                          "ARM n_at_risk columns the patients at risk"))
        if not any(c.form == "wide" for c in found):
            problems.append(HeaderProblem("no ARM GRADE column for --wide",
                                          f"name them like '{arms[0] if arms else 'exp'} any', "
                                          f"'{arms[0] if arms else 'exp'} >=3' (arms: {', '.join(arms)})"))
    filled = {f for c in found for f in c.fields} | ({"arm", "grade"} if wide else set())
    missing = [s.name for s in specs.values() if s.required and s.name not in filled]
    if missing:
        problems.append(HeaderProblem(f"missing required column(s) {', '.join(missing)}"))
    identities = [c.identity for c in found]
    repeated = sorted({c.name for c in found if identities.count(c.identity) > 1})
    if repeated:
        problems.append(HeaderProblem(f"column(s) {', '.join(repeated)} given twice"))
    return columns, problems
