"""Checks of one record's numbers, each against the others of its record or study: a CI
contains its estimate, percentages lie in 0–100 and agree with n/denominator, a ratio's CI is
symmetric on the log scale, a p-value agrees with its CI, a printed text says its number,
parts of a breakdown add up, arms never outnumber their population.

Every printed number is allowed its rounding (``model.numbers.half_unit``): a percentage
printed as 58 agrees with 57.6.
"""

from __future__ import annotations

import math
from typing import Any

from ..model import classes, values
from ..model.numbers import half_unit, text_of
from ..model.registry import printed_fields
from .corpus import Reporter, field_value, valid
from .yamlfile import PathKey

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}


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


def check_printed(report: Reporter, loc: tuple[PathKey, ...], record: Any) -> None:
    """A printed text must say the number it stands for; a qualifier or range needs a value."""
    value = field_value(record, "value")
    value_text = field_value(record, "value_text")
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
    upper = field_value(record, "value_upper")
    if upper is not None and (value is None or upper <= value):
        report("error", loc + ("value_upper",),
               f"range {text_of(value)}–{text_of(upper)} does not rise", "value < value_upper")
    if field_value(record, "qualifier") and value is None and field_value(record, "pct") is None:
        report("error", loc + ("qualifier",), "a qualifier without a number", "a value to qualify")


def check_population_sizes(study: classes.StudyFile, report: Reporter) -> None:
    """Arms and records never count more patients than the population they belong to."""
    populations = {p.key: p for _, p in valid(study.populations)}
    enrolled = next((p for p in populations.values() if p.enrolled and p.n is not None), None)
    if enrolled is not None:
        for i, arm in valid(study.arms):
            for attr in ("n_randomized", "n_treated"):
                n = getattr(arm, attr)
                if n is not None and n > enrolled.n:
                    report("warning", ("arms", i, attr), f"arm {arm.key} has {attr} {n}, more than the "
                           f"{enrolled.n} of its study population '{enrolled.key}'")
    for section, attr in (("results", "denominator"), ("adverse_events", "n_at_risk"),
                          ("characteristics", "denominator")):
        for i, record in valid(getattr(study, section)):
            population = populations.get(record.population or "")
            n = getattr(record, attr)
            if population is not None and population.n is not None and n is not None and n > population.n:
                report("warning", (section, i, attr), f"{attr} {n} is larger than the "
                       f"{population.n} patients of its population '{population.key}'")


def check_breakdowns(study: classes.StudyFile, report: Reporter) -> None:
    """The mutually exclusive parts of one breakdown add up to at most 100% (beyond rounding)."""
    groups: dict[tuple[Any, ...], list[tuple[int, classes.ArmResult]]] = {}
    for i, result in valid(study.results):
        if result.breakdown and result.unit == values.PERCENT_UNIT and result.value is not None:
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


def check_interval(report: Reporter, loc: tuple[PathKey, ...], value: float | None,
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


def check_share(report: Reporter, loc: tuple[PathKey, ...], pct: float | None, n: int | None,
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


def check_p_value(report: Reporter, loc: tuple[PathKey, ...], p_value: float | None,
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


def check_comparison(report: Reporter, loc: tuple[PathKey, ...], comp: classes.Comparison) -> None:
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
    if comp.measure in values.RATIO_MEASURES:
        for attr in ("estimate", "ci_low", "ci_high"):
            value = getattr(comp, attr)
            if value is not None and value <= 0:
                report("error", loc + (attr,), f"{comp.measure} {attr} {text_of(value)} is not positive",
                       "a ratio above 0")
    check_interval(report, loc, comp.estimate, comp.ci_low, comp.ci_high, "estimate")
    if (comp.measure in values.RATIO_MEASURES and comp.estimate and comp.ci_low and comp.ci_high
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
    null = 1.0 if comp.measure in values.RATIO_MEASURES else 0.0
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


def _pct_agrees(pct: float, n: int, denominator: int) -> bool:
    """Does ``pct`` equal n/denominator once rounded as it was printed?"""
    if denominator == 0:
        return False
    tolerance = half_unit(pct) + 1e-9
    return math.isclose(pct, 100 * n / denominator, abs_tol=tolerance)
