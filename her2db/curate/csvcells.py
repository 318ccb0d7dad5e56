"""Cells of a table as papers and spreadsheets print them, read into curated fields.

A cell holds one number as printed ("0.70", "40.7%", "<1"), a count with its percentage
("60 (20.3)"), a confidence interval ("1.25–2.60", "(1.25, 2.60)", "1.25 to 2.60"), a grade
("Grade ≥3"), NR / NE (not reached, not estimable) or a mark for a value not reported ("—",
"n.r."). Each becomes the curated fields it stands for with the printed digits kept, never
rounded. A cell that cannot be read raises ``CellError`` with the reason and, when it is
obvious, the fix.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .fields import FieldSpec, coerce

NOT_REPORTED = ("", "-", "–", "—", "n.r.", "n.r")
# a number's comparison sign -> the curated qualifier (of a value or percent) or p_operator
QUALIFIERS = {"<": "less than", "≤": "up to", "<=": "up to", ">": "more than", "≥": "at least",
              ">=": "at least", "~": "approximately", "≈": "approximately"}
P_OPERATORS = {"<": "<", "≤": "<=", "<=": "<=", ">": ">", "=": "="}
QUALIFIED_FIELDS = ("value", "pct")
PERCENT_FIELDS = ("pct", "value", "value_upper", "ci_low", "ci_high")
PERCENT_UNIT = "%"
# grades as tables print them (after lower-casing, dropping "grade" and spaces) -> the vocabulary
GRADE_FORMS = {"all": "any", "anygrade": "any", "allgrades": "any", "1-2": "<=2", "1-5": "any",
               "3-5": ">=3", "4-5": ">=4", "3+": ">=3", "4+": ">=4", "≥3": ">=3", "≥4": ">=4", "≤2": "<=2"}

_SIGN = re.compile(r"^(<=|>=|≤|≥|<|>|~|≈|=)\s*")
_N_PCT = re.compile(r"^(?P<n>\S+)\s*\(\s*(?P<pct>[^()]*?)\s*\)$")
_COMMA_NUMBER = re.compile(r"^-?\d+,\d+$", re.ASCII)


class CellError(ValueError):
    """A cell that cannot be read; ``hint`` is the fix when one is obvious."""

    def __init__(self, reason: str, hint: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


def suggest(value: str, known: Iterable[str]) -> str | None:
    """``did you mean X?`` for a value that differs from a known one in case only, or nearly."""
    folded = {k.lower(): k for k in known}
    close = difflib.get_close_matches(value.strip().lower(), list(folded), n=1, cutoff=0.7)
    return f"did you mean {folded[close[0]]}?" if close else None


def not_reported(text: str) -> bool:
    return text.strip().lower() in NOT_REPORTED


def grade(text: str, choices: tuple[str, ...]) -> str:
    """``Grade ≥3``, ``>= 3``, ``3–4``, ``all grades`` as the curated grade (``>=3``, ``3-4``, ``any``)."""
    form = re.sub(r"^grades?", "", text.strip().lower().replace("–", "-").replace("—", "-"))
    form = re.sub(r"\s+", "", form)
    form = GRADE_FORMS.get(form, form).replace("≥", ">=").replace("≤", "<=")
    if form in choices:
        return form
    raise CellError(f"'{text}' is not one of: {', '.join(choices)}", suggest(text, choices))


@dataclass
class CellReader:
    """Reads the cells of one kind of record; ``decimal_comma`` reads ``40,7`` as 40.7."""

    specs: dict[str, FieldSpec]
    decimal_comma: bool
    terms: frozenset[str]

    @property
    def percent_field(self) -> str | None:
        """The field a percentage goes to: an adverse event's pct, else a value in %."""
        return "pct" if "pct" in self.specs else ("value" if "value" in self.specs else None)

    def field(self, name: str, text: str) -> dict[str, Any]:
        """The fields one cell of the column ``name`` stands for; empty when not reported."""
        cell = text.strip()
        if not_reported(cell):
            return {}
        spec = self.specs[name]
        if name == "grade" and spec.choices:
            return {name: grade(cell, spec.choices)}
        if name == "term":
            return {name: cell.lower() if cell not in self.terms and cell.lower() in self.terms else cell}
        if spec.choices:
            folded = [c for c in spec.choices if c.lower() == cell.lower()]
            if cell not in spec.choices and len(folded) == 1:
                return {name: folded[0]}
            if cell not in spec.choices:
                raise CellError(f"'{cell}' is not one of: {', '.join(spec.choices)}",
                                suggest(cell, spec.choices))
        if spec.types & {"int", "float"}:
            if name in ("n", self.percent_field) and _N_PCT.match(cell):
                return self.count_percent(cell)
            return self.number(name, cell)
        return {name: coerce(spec, cell)}

    def number(self, name: str, text: str) -> dict[str, Any]:
        """One number, with a comparison sign (a qualifier or p_operator), a percent sign (the
        unit) or NR / NE (not reached / not estimable) where the kind has such fields."""
        cell = text.strip().replace("−", "-")
        extra: dict[str, Any] = {}
        sign = _SIGN.match(cell)
        if sign:
            cell = cell[sign.end():]
            if name == "p_value" and "p_operator" in self.specs and sign[1] in P_OPERATORS:
                extra["p_operator"] = P_OPERATORS[sign[1]]
            elif name in QUALIFIED_FIELDS and "qualifier" in self.specs and sign[1] in QUALIFIERS:
                extra["qualifier"] = QUALIFIERS[sign[1]]
            else:
                raise CellError(f"'{text}': column {name} takes a number without '{sign[1]}'",
                                "put the qualifier in the qualifier column" if "qualifier" in self.specs
                                else None)
        if cell.endswith("%"):
            if name not in PERCENT_FIELDS:
                raise CellError(f"'{text}': column {name} takes a number without '%'", f"write {cell[:-1]}")
            cell = cell[:-1].rstrip()
            if "unit" in self.specs:
                extra["unit"] = PERCENT_UNIT
        if cell.upper() in ("NR", "NE"):
            flag = "not_reached" if cell.upper() == "NR" else "not_estimable"
            if name != "value" or flag not in self.specs:
                raise CellError(f"'{text}' ({flag.replace('_', ' ')}) has no field in column {name}",
                                "leave the cell empty and say so in notes")
            return {flag: True, **extra}
        return {name: self.plain(name, cell, text), **extra}

    def plain(self, name: str, cell: str, text: str) -> Any:
        """A bare number typed for ``name``, its printed digits kept."""
        spec = self.specs[name]
        if _COMMA_NUMBER.match(cell):
            if spec.types & {"float"} and self.decimal_comma:
                cell = cell.replace(",", ".")
            elif "float" in spec.types:
                raise CellError(f"'{text}' is not a number", f"write {text.strip().replace(',', '.')}, "
                                "or use --decimal-comma")
            else:
                raise CellError(f"'{text}' is not a whole number",
                                f"write {cell.replace(',', '')} without a thousands separator")
        try:
            return coerce(spec, cell)
        except ValueError as exc:
            if cell == text.strip():
                raise CellError(str(exc)) from exc
            raise CellError(f"'{text}': {exc}") from exc

    def count_percent(self, text: str) -> dict[str, Any]:
        """``60 (20.3)``, ``2 (<1)``, ``60 (20.3%)``: n and its percentage."""
        match = _N_PCT.match(text.strip())
        field = self.percent_field
        if match is None or field is None or "n" not in self.specs:
            raise CellError(f"'{text}' is not a count with its percentage", "write it as n (%), e.g. 60 (20.3)")
        values = {"n": self.plain("n", match["n"], text)} if not not_reported(match["n"]) else {}
        if not not_reported(match["pct"]):
            values.update(self.number(field, match["pct"]))
        return self._percent(values)

    def _percent(self, values: dict[str, Any]) -> dict[str, Any]:
        """A percentage read into a value is in %; an adverse event's pct has no unit."""
        if self.percent_field == "value" and "value" in values:
            values["unit"] = PERCENT_UNIT
        return values

    def count_cell(self, text: str) -> dict[str, Any]:
        """A cell under ``n (%)`` or ``ARM GRADE``: ``60 (20.3)``, a bare count (``60``) or a
        percentage (``20.3%``, ``<1%``)."""
        cell = text.strip()
        if not_reported(cell):
            return {}
        if _N_PCT.match(cell):
            return self.count_percent(cell)
        if (cell.endswith("%") or _SIGN.match(cell)) and self.percent_field:
            return self._percent(self.number(self.percent_field, cell))
        return {"n": self.plain("n", cell, text)}

    def interval(self, text: str, level: str | None, default_level: Any) -> dict[str, Any]:
        """``1.25–2.60``, ``1.25-2.60``, ``(1.25, 2.60)``, ``1.25 to 2.60``: ci_low and ci_high, and
        ci_level from the header (``95% CI``) when it is not the kind's default."""
        cell = text.strip().replace("−", "-")
        if not_reported(cell):
            return {}
        number = r"-?\d+(?:,\d+)?%?" if self.decimal_comma else r"-?\d+(?:\.\d+)?%?"
        match = re.fullmatch(rf"[(\[]?\s*({number})\s*(?:to|–|—|-|,|;)\s*({number})\s*[)\]]?", cell,
                             re.IGNORECASE)
        if match is None:
            comma = re.search(r"\d,\d", cell) and not self.decimal_comma
            raise CellError(f"'{text}' is not a confidence interval",
                            "write 1.25–2.60, or use --decimal-comma" if comma else
                            "write it as low–high, e.g. 1.25–2.60 or (1.25, 2.60)")
        values = {**self.number("ci_low", match[1]), **self.number("ci_high", match[2])}
        if level is not None and "ci_level" in self.specs:
            ci_level = coerce(self.specs["ci_level"], level)
            if ci_level != default_level:
                values["ci_level"] = ci_level
        return values
