"""ESMO-MCBS v1.1 preliminary grades: every boundary of every verified threshold row, the
"not scorable" paths (each with its reason and no grade), the view v_mcbs on the real data, and
the grades' working on the study pages and the comparison page (the session's built site)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from her2db_testing import rows_of
from sitebuild import Built

from her2db.curate.load import load
from her2db.model import mcbs
from her2db.model.views import public_views

D = Decimal


def effect(endpoint: str, control: str | None, experimental: str | None, ci_low: str | None = "0.50",
           ci_high: str | None = "0.80", hr: str | None = "0.62", *, not_reached: bool = False,
           level: str | None = "95") -> mcbs.Effect:
    """One endpoint's inputs; medians as printed (None: not reported)."""
    def median(value: str | None, record: str) -> mcbs.Median:
        return mcbs.Median(None if value is None else D(value), record, not_reached=not_reached and value is None)

    return mcbs.Effect(endpoint, None if hr is None else D(hr), None if ci_low is None else D(ci_low),
                       None if ci_high is None else D(ci_high), None if level is None else D(level),
                       f"{endpoint}-hr", median(control, f"{endpoint}-control"),
                       median(experimental, f"{endpoint}-experimental"))


def os_grade(control: str, gain: str, ci_low: str) -> mcbs.Grade:
    experimental = str(D(control) + D(gain))
    return mcbs.grade(mcbs.Inputs(os=effect("OS", control, experimental, ci_low)))


def pfs_grade(control: str, gain: str, ci_low: str) -> mcbs.Grade:
    experimental = str(D(control) + D(gain))
    return mcbs.grade(mcbs.Inputs(pfs=effect("PFS", control, experimental, ci_low)))


# --- the forms as data ------------------------------------------------------------------------


def test_every_verified_row_names_a_source_with_its_address_and_words() -> None:
    data = yaml.safe_load(mcbs.FORMS_YAML.read_text(encoding="utf-8"))
    forms = mcbs.load_forms()
    assert forms.version == data["version"] == "v1.1"
    rows = [row for form in forms.forms.values() for band in form.bands for row in band.rows]
    assert len(rows) == 4  # the maximal-grade rows; nothing else is verified
    for row in rows:
        source = forms.sources[row.source]
        assert source["url"].startswith("https://") and source["says"] and row.says
    assert [b.id for b in forms.forms["2a"].bands] == ["os-le-12", "os-gt-12-lt-24", "os-gt-24"]
    assert forms.forms["2a"].bands[2].rows == ()


# --- every boundary of every verified row -----------------------------------------------------


@pytest.mark.parametrize(("control", "gain", "ci_low", "expected"), [
    # form 2a, control median OS ≤12 months: lower limit ≤0.65 AND gain ≥3 months -> 4
    ("10.0", "3.0", "0.65", 4),
    ("10.0", "3.0", "0.66", None),
    ("10.0", "2.9", "0.65", None),
    ("12", "3.0", "0.65", 4),  # 12 months is in the ≤12 sheet
    # form 2a, control median OS >12 and <24 months: lower limit ≤0.70 AND gain ≥5 months -> 4
    ("12.1", "3.0", "0.65", None),  # 12.1 months is in the next sheet, which needs a 5-month gain
    ("12.1", "5.0", "0.70", 4),
    ("12.1", "5.0", "0.71", None),
    ("12.1", "4.9", "0.70", None),
    ("23.9", "5.0", "0.70", 4),
    # form 2a, control median OS >24 months: no verified row
    ("24.1", "20", "0.30", None),
    ("24", "20", "0.30", None),  # exactly 24: which sheet is not verified
])
def test_form_2a_boundaries(control: str, gain: str, ci_low: str, expected: int | None) -> None:
    result = os_grade(control, gain, ci_low)
    assert (result.form, result.grade, result.version) == ("2a", expected, "v1.1")
    assert result.gain == D(gain)
    if expected is None:
        assert result.reason.startswith("not scorable: form 2a")
        assert f"gain {result.gain} months" in result.reason or "exactly 24 months" in result.reason
    else:
        assert result.reason.startswith(f"grade {expected}: form 2a") and result.row and "met" in result.reason


@pytest.mark.parametrize(("control", "gain", "ci_low", "expected"), [
    # form 2b, control median PFS ≤6 months: lower limit ≤0.65 AND gain ≥1.5 months -> 3
    ("4.0", "1.5", "0.65", 3),
    ("4.0", "1.5", "0.66", None),
    ("4.0", "1.4", "0.65", None),
    ("6", "1.5", "0.65", 3),  # 6 months is in the ≤6 sheet
    # form 2b, control median PFS >6 months: lower limit ≤0.65 AND gain ≥3 months -> 3
    ("6.1", "1.5", "0.65", None),
    ("6.1", "3.0", "0.65", 3),
    ("6.1", "2.9", "0.65", None),
    ("6.1", "3.0", "0.66", None),
    ("29.1", "15.2", "0.59", 3),
])
def test_form_2b_boundaries(control: str, gain: str, ci_low: str, expected: int | None) -> None:
    result = pfs_grade(control, gain, ci_low)
    assert (result.form, result.grade) == ("2b", expected)
    if expected is None:
        # the lower rows of the sheet are not verified: no guess at grade 2 or 1, the inputs said
        assert "not scorable" in result.reason and "are not verified in her2db" in result.reason
        assert f"control median PFS {D(control)} months, gain {result.gain} months" in result.reason
        assert f"lower limit {ci_low}" in result.reason
    else:
        assert result.reason.startswith(f"grade {expected}: form 2b")


def test_the_gain_is_exact_decimal_arithmetic() -> None:
    """7.8 − 5.6 is 2.2 (not 2.1999…), so a gain on a boundary is never lost to rounding."""
    result = mcbs.grade(mcbs.Inputs(pfs=effect("PFS", "6.1", "9.1", "0.42")))
    assert result.gain == D("3.0") and result.grade == 3


# --- not scorable: a reason, never a grade ------------------------------------------------------


@pytest.mark.parametrize(("inputs", "reason"), [
    (mcbs.Inputs(kind="single-arm trial", pfs=effect("PFS", "5", "10")), "a single-arm trial has no randomized"),
    (mcbs.Inputs(setting="early", pfs=effect("PFS", "5", "10")), "form 1 applies"),
    (mcbs.Inputs(), "no hazard ratio for PFS (whole population) is recorded"),
    (mcbs.Inputs(pfs=effect("PFS", "5", "10", ci_low=None, ci_high=None)), "has no confidence interval"),
    (mcbs.Inputs(pfs=effect("PFS", "5", "10", level="90")), "CI level is 90%"),
    (mcbs.Inputs(pfs=effect("PFS", None, "10")), "the control arm's median PFS is not reported"),
    (mcbs.Inputs(pfs=effect("PFS", None, None, not_reached=True)), "the control arm's median PFS was not reached"),
    (mcbs.Inputs(pfs=effect("PFS", "5", "10", ci_low="0.8", ci_high="1.0")), "PFS is not significant"),
])
def test_not_scorable_paths_give_a_reason_and_no_grade(inputs: mcbs.Inputs, reason: str) -> None:
    result = mcbs.grade(inputs)
    assert result.grade is None
    assert result.reason.startswith("not scorable: ") and reason in result.reason


def test_form_2a_needs_significant_os_with_both_medians_else_form_2b() -> None:
    pfs = effect("PFS", "6.1", "9.1", "0.42")
    not_significant = mcbs.grade(mcbs.Inputs(os=effect("OS", "20", "30", "0.59", "1.19"), pfs=pfs))
    assert (not_significant.form, not_significant.grade) == ("2b", 3)
    assert "OS is not significant (HR 0.62, 95% CI 0.59–1.19 includes 1)" in not_significant.reason
    not_reached = mcbs.grade(mcbs.Inputs(os=effect("OS", None, None, not_reached=True), pfs=pfs))
    assert not_reached.form == "2b" and "median OS was not reached" in not_reached.reason
    on_os = mcbs.grade(mcbs.Inputs(os=effect("OS", "10", "13", "0.60"), pfs=pfs))
    assert (on_os.form, on_os.grade, on_os.effect.endpoint if on_os.effect else None) == ("2a", 4, "OS")


@pytest.mark.parametrize(("edit", "reason"), [
    ({}, "the control arm's median PFS is not reported"),
    ({"ci_low: 0.44, ci_high: 0.71, ": ""}, "the PFS hazard ratio 0.56 has no confidence interval"),
])
def test_bad_inputs_load_as_not_scorable_never_an_error(corpus: Path, edit: dict[str, str], reason: str) -> None:
    """A comparison without a CI, or with no control median, loads; its study is not scorable."""
    study = corpus / "studies" / "mini-trial.yaml"
    text = study.read_text(encoding="utf-8")
    for old, new in edit.items():
        assert old in text
        text = text.replace(old, new, 1)
    study.write_text(text, encoding="utf-8")
    load(corpus, corpus / "her2db.sqlite")
    [(form, grade, text_reason, hr_record, control_record)] = rows_of(
        corpus / "her2db.sqlite", "SELECT form, grade, reason, hr_record_id, control_record_id FROM v_mcbs")
    assert (form, grade, control_record) == ("2b", None, None)
    assert hr_record == "mini-trial.comparison.pfs.hr.exp.ctl.analysis-interim"
    assert str(text_reason).startswith("not scorable: ") and reason in str(text_reason)


# --- the view on the real data ------------------------------------------------------------------


def test_v_mcbs_has_one_row_per_randomized_study_with_its_input_records(real_db: Path) -> None:
    randomized = {r[0] for r in rows_of(real_db, "SELECT study_id FROM v_studies WHERE kind = 'randomized trial'")}
    rows = rows_of(real_db, "SELECT study_id, form, grade, reason, version, hr_record_id, control_record_id, "
                            "experimental_record_id, gain, gain_text FROM v_mcbs")
    assert {r[0] for r in rows} == randomized and len(rows) == len(randomized)
    assert set(public_views()["v_mcbs"].columns) >= {"study_id", "form", "grade", "reason", "hr_record_id"}
    preferred = {r[0] for r in rows_of(real_db, "SELECT record_id FROM v_comparisons UNION "
                                                "SELECT record_id FROM v_arm_results")}
    for study_id, _, grade, reason, version, *records, gain, gain_text in rows:
        assert version == "v1.1"
        assert (grade is None) == reason.startswith("not scorable"), study_id
        assert {r for r in records if r} <= preferred, study_id  # each input is a preferred report
        if grade is not None:
            assert all(records) and gain is not None and str(D(gain_text)) == gain_text
    by_study = {r[0]: r for r in rows}
    # DESTINY-Breast09: OS not significant, so form 2b; PFS control 26.9 months, gain 13.8, lower limit 0.44
    assert by_study["destiny-breast09"][1:3] == ("2b", 3)
    assert "OS is not significant" in by_study["destiny-breast09"][3]
    assert by_study["destiny-breast09"][-1] == "13.8"
    # CLEOPATRA: significant OS with a control median of 40.8 months, a sheet with no verified row
    assert by_study["cleopatra"][1:3] == ("2a", None)
    assert "control median OS >24 months" in by_study["cleopatra"][3]
    assert by_study["destiny-breast05"][1:3] == (None, None)  # early setting


# --- the pages ------------------------------------------------------------------------------------


def test_pages_show_each_grade_with_its_working(built: Built) -> None:
    expected = {r["study_id"]: r for r in built.query("SELECT * FROM v_mcbs")}
    page = built.page("comparisons/mcbs")
    assert "computed preliminary grade, not an official esmo-mcbs score" in page.text.lower()
    assert ("a", "https://www.esmo.org/guidelines/esmo-mcbs/esmo-mcbs-for-solid-tumours/esmo-mcbs-scorecards") \
        in page.links
    table = page.tables[0]
    assert len(table) - 1 == len(expected)  # a row per randomized study under the header
    assert {f"mcbs-{study_id}" for study_id in expected} <= page.ids
    rows = {row[0]: row for row in table[1:]}
    # an early-setting trial has no form, so its inputs do not apply; a trial with a form but
    # no hazard ratio curated lacks a reported input
    assert rows["DESTINY-Breast05"][2:] == ["not applicable", "not scorable"] + ["not applicable"] * 3, rows
    assert rows["DESTINY-Breast02"][4:] == ["not reported"] * 3, rows
    patina = built.page("studies/patina")
    assert "esmo-mcbs" in patina.ids
    text = " ".join(patina.text.split())
    assert "Preliminary grade 3 (ESMO-MCBS v1.1, form 2b)" in text
    assert "Computed preliminary grade, not an official ESMO-MCBS score" in text
    assert "gain 15.2 months (computed: experimental minus control median)" in text
    assert "grade 3: HR lower 95% CI limit ≤0.65 AND gain ≥3 months" in text
    assert "maximal preliminary grade Working: grade 3: form 2b" in text  # each part on its own line
    assert expected["patina"]["hr_record_id"] in text
    # each input opens its record's provenance panel, which names the record
    assert "0.75" in patina.numbers and "29.1 months" in patina.numbers
    assert any(expected["patina"]["control_record_id"] in panel for panel in patina.provenances)
    cleopatra = " ".join(built.page("studies/cleopatra").text.split())
    assert "Not scorable (ESMO-MCBS v1.1, form 2a)" in cleopatra and "control median OS >24 months" in cleopatra
    assert "esmo-mcbs" not in built.page("studies/destiny-breast01").ids  # single-arm: no section
