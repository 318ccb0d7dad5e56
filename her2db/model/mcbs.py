"""ESMO-MCBS v1.1 preliminary grades (forms 2a and 2b), computed from a randomized trial's
hazard ratio and medians, only from the threshold rows her2db has verified (``mcbs_forms.yaml``).

Why so strict: a grade is read as ESMO's judgement of a drug's benefit. Where the verified
rows or the data do not settle a grade, the answer is "not scorable" with the exact reason and
the inputs, never a guess. The grade is preliminary (no adjustment for quality of life or
toxicity) and never an official ESMO-MCBS score. Pure: inputs in, a ``Grade`` out.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache, partial
from pathlib import Path
from typing import Any, NamedTuple

import yaml

FORMS_YAML = Path(__file__).with_name("mcbs_forms.yaml")
LABEL = "computed preliminary grade, not an official ESMO-MCBS score"


class Row(NamedTuple):
    """One verified threshold row of a form's sheet."""

    grade: int
    hr_lower_max: Decimal
    gain_min: Decimal
    source: str
    says: str

    def text(self) -> str:
        return f"grade {self.grade}: HR lower 95% CI limit ≤{self.hr_lower_max} AND gain ≥{self.gain_min} months"


class Band(NamedTuple):
    """One sheet of a form: control-arm medians in (above, upto]."""

    id: str
    label: str
    above: Decimal | None
    upto: Decimal | None
    unverified: str
    rows: tuple[Row, ...]

    def holds(self, median: Decimal) -> bool:
        return (self.above is None or median > self.above) and (self.upto is None or median <= self.upto)


class Form(NamedTuple):
    code: str
    endpoint: str
    title: str
    unsettled: tuple[Decimal, ...]
    unsettled_note: str
    bands: tuple[Band, ...]


class Forms(NamedTuple):
    version: str
    scorecards: str
    sources: dict[str, dict[str, str]]
    forms: dict[str, Form]


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@cache
def load_forms() -> Forms:
    """The verified forms of ``mcbs_forms.yaml`` (shipped in the package)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: every edit of a trial grades it
    data = yaml.load(FORMS_YAML.read_text(encoding="utf-8"), Loader=loader)
    forms = {}
    for code, form in data["forms"].items():
        bands = tuple(Band(band["id"], band["label"], _decimal(band["above"]), _decimal(band["upto"]),
                           band["unverified"],
                           tuple(Row(row["grade"], Decimal(row["hr_lower_max"]), Decimal(row["gain_min"]),
                                     row["source"], row["says"]) for row in band["rows"]))
                      for band in form["bands"])
        forms[code] = Form(code, form["endpoint"], form["title"],
                           tuple(Decimal(str(value)) for value in form["unsettled"]),
                           form.get("unsettled_note", ""), bands)
    return Forms(data["version"], data["scorecards"], data["sources"], forms)


class Median(NamedTuple):
    """One arm's median of the endpoint, as printed; ``record_id`` is its data point."""

    value: Decimal | None
    record_id: str | None = None
    not_reached: bool = False
    not_estimable: bool = False
    qualifier: str | None = None


class Effect(NamedTuple):
    """One endpoint's inputs: the hazard ratio with its CI and both arms' medians, all from the
    same analysis and population."""

    endpoint: str
    hr: Decimal | None
    ci_low: Decimal | None
    ci_high: Decimal | None
    ci_level: Decimal | None = Decimal(95)
    hr_record_id: str | None = None
    control: Median | None = None
    experimental: Median | None = None
    analysis: str | None = None
    population: str | None = None


class Inputs(NamedTuple):
    kind: str = "randomized trial"
    setting: str = "metastatic"
    os: Effect | None = None
    pfs: Effect | None = None


class Grade(NamedTuple):
    """The result: a grade, or None with the reason it is not scorable; ``row`` the threshold
    row that applied (or the rows tried), ``effect`` the inputs used."""

    version: str
    form: str | None
    grade: int | None
    reason: str
    band: Band | None = None
    row: str | None = None
    effect: Effect | None = None
    gain: Decimal | None = None


def _median_problem(median: Median | None, arm: str, endpoint: str) -> str | None:
    if median is None or (median.value is None and not median.not_reached and not median.not_estimable):
        return f"the {arm} arm's median {endpoint} is not reported"
    if median.not_reached:
        return f"the {arm} arm's median {endpoint} was not reached"
    if median.not_estimable or median.value is None:
        return f"the {arm} arm's median {endpoint} is not estimable"
    if median.qualifier:
        return f"the {arm} arm's median {endpoint} is printed with the qualifier \"{median.qualifier}\""
    return None


def _effect_problem(effect: Effect | None, endpoint: str) -> str | None:
    """Why this endpoint's inputs cannot be graded on any form, or None."""
    if effect is None or effect.hr is None:
        return f"no hazard ratio for {endpoint} (whole population) is recorded"
    if effect.ci_low is None or effect.ci_high is None:
        return f"the {endpoint} hazard ratio {effect.hr} has no confidence interval"
    if effect.ci_level != 95:
        level = "not stated" if effect.ci_level is None else f"{effect.ci_level}%"
        return f"the {endpoint} hazard ratio's CI level is {level}; the forms use the 95% CI"
    if effect.ci_high >= 1:
        return (f"{endpoint} is not significant (HR {effect.hr}, 95% CI {effect.ci_low}–{effect.ci_high} "
                "includes 1)")
    return (_median_problem(effect.control, "control", endpoint)
            or _median_problem(effect.experimental, "experimental", endpoint))


def _inputs_text(effect: Effect, gain: Decimal) -> str:
    assert effect.control is not None
    return (f"control median {effect.endpoint} {effect.control.value} months, gain {gain} months, "
            f"HR {effect.hr} (95% CI {effect.ci_low}–{effect.ci_high}), lower limit {effect.ci_low}")


def _on_form(form: Form, effect: Effect, version: str, why_form: str) -> Grade:
    """Grade inputs already known to be usable on ``form``."""
    assert effect.control is not None and effect.experimental is not None
    assert effect.control.value is not None and effect.experimental.value is not None and effect.ci_low is not None
    control, gain = effect.control.value, effect.experimental.value - effect.control.value
    inputs = _inputs_text(effect, gain)
    result = partial(Grade, version, form.code, effect=effect, gain=gain)
    if control in form.unsettled:
        return result(None, f"not scorable: {why_form}; the control median {effect.endpoint} is exactly "
                            f"{control} months, and {form.unsettled_note}")
    band = next(b for b in form.bands if b.holds(control))
    if not band.rows:
        return result(None, f"not scorable: {why_form}; sheet \"{band.label}\": {band.unverified} "
                            f"are not verified in her2db ({inputs})", band=band)
    for row in band.rows:
        if effect.ci_low <= row.hr_lower_max and gain >= row.gain_min:
            return result(row.grade, f"grade {row.grade}: {why_form}; sheet \"{band.label}\", row "
                                     f"\"{row.text()}\" met ({inputs})", band=band, row=row.text())
    tried = "; ".join(row.text() for row in band.rows)
    return result(None, f"not scorable: {why_form}; sheet \"{band.label}\": the trial does not meet the "
                        f"verified row ({tried}), and {band.unverified} are not verified in her2db ({inputs})",
                  band=band, row=tried)


def grade(inputs: Inputs, forms: Forms | None = None) -> Grade:
    """The preliminary grade of one randomized comparison: form 2a for OS when OS is significant
    and both OS medians are known, otherwise form 2b for PFS."""
    forms = forms or load_forms()
    version = forms.version
    if inputs.kind != "randomized trial":
        return Grade(version, None, None, f"not scorable: a {inputs.kind} has no randomized control arm; "
                     "forms 2a and 2b need one (form 3, for single-arm studies, is not implemented in her2db)")
    if inputs.setting != "metastatic":
        return Grade(version, None, None, f"not scorable: {inputs.setting} (potentially curative) setting; "
                     "ESMO-MCBS form 1 applies, which her2db does not implement")
    os_problem = _effect_problem(inputs.os, "OS")
    if os_problem is None and inputs.os is not None:
        return _on_form(forms.forms["2a"], inputs.os, version, "form 2a (OS significant, both OS medians known)")
    pfs_problem = _effect_problem(inputs.pfs, "PFS")
    why = f"form 2b, because form 2a needs OS and {os_problem}"
    if pfs_problem is not None or inputs.pfs is None:
        return Grade(version, "2b", None, f"not scorable: {why}; and {pfs_problem}", effect=inputs.pfs)
    return _on_form(forms.forms["2b"], inputs.pfs, version, why)
