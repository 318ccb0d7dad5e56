"""ESMO-MCBS preliminary grades as the pages show them: each study's grade (``v_mcbs``) with
the reports of its inputs, so that each input opens its record's provenance panel, and the
sources the form's rows were read in."""

from __future__ import annotations

import sqlite3

from ..model.mcbs import LABEL, load_forms
from ..read.named import Row, rows


def grades(conn: sqlite3.Connection, study_id: str | None = None) -> list[Row]:
    """The grades (of one study, or of every randomized study), each with ``reports``: its
    inputs' preferred reports by role (``hr``, ``control``, ``experimental``); ``sources``: where
    the rows of its form's sheet were read; ``label`` and ``scorecards``: what every grade says."""
    forms = load_forms()
    reports = {r["record_id"]: r for r in rows(conn, "site_mcbs_inputs", study_id=study_id)}
    out = rows(conn, "site_mcbs", study_id=study_id)
    for g in out:
        g["reports"] = {role: reports.get(g[f"{role}_record_id"]) for role in ("hr", "control", "experimental")}
        form = forms.forms.get(g["form"] or "")
        band = next((b for b in form.bands if b.label == g["band"]), None) if form else None
        cited = dict.fromkeys(row.source for row in band.rows) if band else {}
        g["sources"] = [{"id": key, **forms.sources[key]} for key in cited]
        g["form_title"] = form.title if form else None
        g["label"], g["scorecards"] = LABEL, forms.scorecards
    return out
