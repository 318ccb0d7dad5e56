"""A randomized study's ESMO-MCBS inputs, picked from its preferred reports, and the row of
table ``mcbs_grade`` the load writes for it (the grading itself is ``model.mcbs``).

For OS and for PFS: the preferred hazard ratio of the whole population (no subgroup), with the
control and experimental arms' preferred medians of the same endpoint, analysis and
population. Where a study has several such hazard ratios (analyses, arms), the first in file
order that has both medians is taken, otherwise the first.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..model import mcbs
from ..model.classes import ArmResult, Comparison, StudyFile
from ..model.numbers import Printed

Identity = dict[str, list[tuple[str, bool]]]
"""Each section's records' (record id, preferred), in file order (``rows._identities``)."""


def _number(value: Printed | float | None) -> Decimal | None:
    """A printed number as a Decimal of its printed text: 7.8 − 5.6 is 2.2, not 2.1999…"""
    if value is None:
        return None
    return Decimal(value.text if isinstance(value, Printed) else str(value))


def _median(results: list[tuple[ArmResult, str]], comparison: Comparison, arm: str) -> mcbs.Median | None:
    for result, record_id in results:
        if (result.endpoint == comparison.endpoint and result.arm == arm and result.analysis == comparison.analysis
                and result.population == comparison.population):
            return mcbs.Median(_number(result.value), record_id, result.not_reached, result.not_estimable,
                               result.qualifier)
    return None


def _effect(study: StudyFile, identity: Identity, endpoint: str) -> mcbs.Effect | None:
    results = [(result, record_id) for result, (record_id, preferred) in zip(study.results, identity["results"],
                                                                              strict=True)
               if preferred and result.statistic == "median" and result.subgroup is None
               and result.category is None and result.timepoint_months is None]
    effects = []
    for comparison, (record_id, preferred) in zip(study.comparisons, identity["comparisons"], strict=True):
        if not (preferred and comparison.endpoint == endpoint and comparison.measure == "HR"
                and comparison.subgroup is None):
            continue
        analyses = {analysis.key: analysis.label for analysis in study.analyses}
        populations = {population.key: population.label for population in study.populations}
        effects.append(mcbs.Effect(
            endpoint, _number(comparison.estimate), _number(comparison.ci_low), _number(comparison.ci_high),
            _number(comparison.ci_level), record_id,
            _median(results, comparison, comparison.control), _median(results, comparison, comparison.experimental),
            analyses.get(comparison.analysis or ""), populations.get(comparison.population or "")))
    complete = [e for e in effects if e.control is not None and e.experimental is not None]
    return complete[0] if complete else (effects[0] if effects else None)


def study_inputs(study: StudyFile, identity: Identity) -> mcbs.Inputs:
    return mcbs.Inputs(study.kind, study.setting, _effect(study, identity, "OS"), _effect(study, identity, "PFS"))


def _numbers(**values: Decimal | None) -> dict[str, Any]:
    """Each number as a REAL column (for analysts' comparisons) and its exact text beside it."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        out[name] = None if value is None else float(value)
        out[f"{name}_text"] = None if value is None else str(value)
    return out


def grade_row(study: StudyFile, identity: Identity) -> dict[str, Any]:
    """The ``mcbs_grade`` row of one randomized study."""
    result = mcbs.grade(study_inputs(study, identity))
    effect = result.effect
    control = effect.control if effect else None
    experimental = effect.experimental if effect else None
    return {
        "study_id": study.id, "version": result.version, "form": result.form, "grade": result.grade,
        "reason": result.reason, "band": result.band.label if result.band else None,
        "threshold_row": result.row, "endpoint": effect.endpoint if effect else None,
        "analysis": effect.analysis if effect else None, "population": effect.population if effect else None,
        **_numbers(hr=effect.hr if effect else None, hr_lower_limit=effect.ci_low if effect else None,
                   hr_upper_limit=effect.ci_high if effect else None,
                   control_median=control.value if control else None,
                   experimental_median=experimental.value if experimental else None, gain=result.gain),
        "hr_record_id": effect.hr_record_id if effect else None,
        "control_record_id": control.record_id if control else None,
        "experimental_record_id": experimental.record_id if experimental else None,
    }
