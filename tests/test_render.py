"""The site's rendering: escaping and the display filters, as a reader sees their output."""

from __future__ import annotations

from her2db.model.notation import NOT_REPORTED
from her2db.publish import render


def test_curated_text_cannot_become_markup_or_break_a_row() -> None:
    text = render.escape("<b>x</b> | *y*\n{{ z }}")
    assert "<" not in text and "|" not in text and "*" not in text and "{" not in text
    assert "\n" not in text


def test_numbers_print_as_entered() -> None:
    assert render.num(0.00001) == "0.00001"
    assert render.num(49.0) == "49"
    assert render.num(0.3, 2) == "0.30"
    assert render.num(None) == NOT_REPORTED.text


def test_effects_and_intervals() -> None:
    row = {"measure": "HR", "estimate": 0.56, "ci_low": 0.44, "ci_high": 0.71, "ci_level": 95}
    assert render.effect(row) == "HR 0.56 (0.44–0.71)"
    assert render.ci({**row, "ci_level": 90}) == "90% CI 0.44–0.71"
    assert render.effect({**row, "ci_low": None, "ci_high": None}, measure=False) == "0.56 (CI not reported)"
    assert render.p_value({"p_value": 0.00001, "p_operator": "<"}) == "p < 0.00001"


def test_links_only_to_web_addresses() -> None:
    assert render.external("javascript:alert(1)") is None
    assert render.external("https://example.org/a b") == "https://example.org/a%20b"
    assert render.registry_url("NCT04784715") == "https://clinicaltrials.gov/study/NCT04784715"


def test_values_print_as_the_source_printed_them() -> None:
    # the printed text wins over the stored float: 0.70 stays 0.70, 29.0 stays 29.0
    hr = {"measure": "HR", "estimate": 0.7, "estimate_text": "0.70", "ci_low": 0.5, "ci_low_text": "0.50",
          "ci_high": 0.98, "ci_high_text": "0.98", "p_value": 0.03, "p_value_text": "0.030", "p_operator": "="}
    assert render.effect(hr) == "HR 0.70 (0.50–0.98)" and render.p_value(hr) == "p = 0.030"
    result = {"value": 29.0, "value_text": "29.0", "unit": "months", "statistic": "median"}
    assert render.result_value(result) == "29.0 months"
    assert render.result_value({"value": 85.1, "value_text": "85.1", "unit": "%", "statistic": "proportion"}) == "85.1%"
    assert render.result_value({"value": 16, "value_text": "16", "unit": "%", "qualifier": "approximately"}) \
        == "approximately 16%"
    assert render.result_value({"value": None, "not_reached": 1}) == "NR"
    assert render.result_value({"value": None, "not_estimable": 1}) == "NE"
    assert render.ae_value({"n": 46, "pct": 12.1, "pct_text": "12.1"}) == "46 (12.1)"
    assert render.ae_value({"n": None, "pct": 1.0, "pct_text": "1.0"}) == "1.0%"


def test_statistics_read_as_in_a_paper() -> None:
    assert render.statistic_phrase({"statistic": "rate", "timepoint_months": 24}) == "24-month rate"
    assert render.statistic_phrase({"statistic": "rate", "timepoint_months": 12}, "PFS") == "12-month PFS rate"
    assert render.statistic_phrase({"statistic": "median"}, "PFS") == "median PFS"
    assert render.statistic_phrase({"statistic": "proportion"}, "ORR") == "ORR"
    assert render.characteristic_value({"statistic": "median", "value": 54, "value_text": "54", "unit": "years"}) \
        == "median 54 years"
    assert render.follow_up({"median_follow_up_months": 29.2, "median_follow_up_months_text": "29.2"}) == "29.2 months"
    assert render.first_upper("pIK3CA status") == "PIK3CA status"


def test_median_difference_is_computed_only_from_comparable_printed_medians() -> None:
    def median(text: str | None, **flags: object) -> dict[str, object]:
        return {"value": float(text) if text else None, "value_text": text, "unit": "months", **flags}

    assert render.median_difference({"experimental": [median("40.7")], "control": [median("26.9")]}) == "+13.8 months"
    assert render.median_difference({"experimental": [median(None, not_reached=1)], "control": [median("26.9")]}) == ""
    assert render.median_difference({"experimental": [median("40.7")], "control": []}) == ""
    assert render.median_difference({"experimental": [median("40.7", qualifier="more than")],
                                     "control": [median("26.9")]}) == ""


def test_trial_shorthands_as_clinicians_write_them() -> None:
    assert render.shorthands("DESTINY-Breast09") == ["DB-09", "DB09"]
    assert render.shorthands("HER2CLIMB-05") == []


def test_forest_plot_names_its_rows_and_keeps_the_printed_numbers() -> None:
    rows = [{"subgroup": None, "subgroup_category": None, "estimate": 0.56, "ci_low": 0.44, "ci_high": 0.71,
             "measure": "HR", "estimate_text": "0.56", "ci_low_text": "0.44", "ci_high_text": "0.71"},
            {"subgroup": "HR-positive", "subgroup_category": "hormone receptor status", "estimate": 0.61,
             "ci_low": 0.44, "ci_high": 0.84, "measure": "HR"}]
    figure = render.forest_plot(rows, "Progression-free survival (PFS)", "subgroup")
    assert figure.description == ["All patients: 0.56 (0.44–0.71)", "Hormone receptor status: HR-positive: 0.61 (0.44–0.84)"]
    assert figure.rows[0]["emphasis"] and not figure.rows[1]["emphasis"]
    # a lower hazard ratio lies further left on the log axis, 1 at the dashed line
    assert figure.rows[0]["x"] < figure.rows[1]["x"] < figure.x_one


def test_curator_notes_read_in_plain_words() -> None:
    note = "no `cites` is set; stored as median_follow_up_months and recorded as teae; the validator's warning is expected"
    assert render.for_readers(note) == ("no primary-publication link is set; stored as median follow-up and "
                                        "recorded as treatment-emergent (TEAE); the automatic consistency "
                                        "check's warning is expected")
    # a field name that is also an English word is replaced only where it is marked as code
    assert render.for_readers("The review cites PANHER as reference 24, so no `cites` is set; the locator says "
                              "where") == ("The review cites PANHER as reference 24, so no primary-publication "
                                           "link is set; the locator says where")
