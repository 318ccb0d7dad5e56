"""The site's rendering: escaping and the display filters, as a reader sees their output."""

from __future__ import annotations

from her2db import render


def test_curated_text_cannot_become_markup_or_break_a_row() -> None:
    text = render.escape("<b>x</b> | *y*\n{{ z }}")
    assert "<" not in text and "|" not in text and "*" not in text and "{" not in text
    assert "\n" not in text


def test_numbers_print_as_entered() -> None:
    assert render.num(0.00001) == "0.00001"
    assert render.num(49.0) == "49"
    assert render.num(0.3, 2) == "0.30"
    assert render.num(None) == "—"


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
