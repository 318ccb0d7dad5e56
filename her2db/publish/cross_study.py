"""The cross-study pages' view models: the studies index with each study's headline, the
drugs with the arms that use them, first-line trials side by side, and adverse events across
studies as matrices.

Presentation only: the rows come from ``read.named`` (the SQL in ``her2db/read/sql``); the
macros (``macros.py``) hand these to their templates.
"""

from __future__ import annotations

import json
import sqlite3

from ..read.named import Row, group, rows
from .render import grade as grade_label
from .study_page import ANY_EVENT, GRADE_ORDER, SPECIAL_TERMS, with_computed_grades


def studies_index(conn: sqlite3.Connection) -> list[Row]:
    """Every study with its headline: the first whole-population comparison (primary
    endpoints first), else the per-arm values of the first whole-population statistic
    (primary endpoints first). The endpoint is always named beside the number."""
    comparisons = group(rows(conn, "site_headline_comparisons"), lambda r: r["study_id"])
    results = group(rows(conn, "site_headline_results"), lambda r: r["study_id"])
    out = []
    for study in rows(conn, "site_studies"):
        sid = study["study_id"]
        study["primary_endpoints"] = json.loads(study["primary_endpoints"])
        candidates = comparisons.get(sid, [])  # primary endpoints first
        study["headline_comparison"] = candidates[0] if candidates else None
        study["headline_results"] = []
        if not candidates and results.get(sid):
            first = results[sid][0]
            same = ("endpoint", "statistic", "timepoint_months")
            study["headline_results"] = [r for r in results[sid] if all(r[k] == first[k] for k in same)]
        out.append(study)
    return out


def drugs(conn: sqlite3.Connection) -> list[Row]:
    """The drug vocabulary, each drug with the study arms that use it."""
    arms = group(rows(conn, "site_drug_arms"), lambda r: r["drug_id"])
    out = []
    for drug in rows(conn, "site_drugs"):
        drug["synonym_list"] = drug["synonyms"].split("; ") if drug["synonyms"] else []
        drug["studies"] = [{"study_id": sid, "acronym": members[0]["acronym"],
                            "arms": [m["arm"] for m in members]}
                           for sid, members in group(arms.get(drug["id"], []),
                                                     lambda r: r["study_id"]).items()]
        out.append(drug)
    return out



def first_line(conn: sqlite3.Connection) -> list[Row]:
    """First-line and maintenance trials side by side: one row per compared pair of arms,
    with median PFS and OS by arm, their hazard ratios and grade >= 3 adverse events."""
    comparisons = group(rows(conn, "site_first_line_comparisons"), lambda r: r["study_id"])
    results = group(rows(conn, "site_first_line_results"), lambda r: r["study_id"])
    safety = group(rows(conn, "site_first_line_safety"), lambda r: r["study_id"])
    out = []
    for trial in rows(conn, "site_first_line_trials"):
        sid = trial["study_id"]
        pairs = group(comparisons.get(sid, []), lambda c: (c["experimental_arm"], c["control_arm"]))
        for (experimental, control), members in pairs.items():
            arms = {"experimental": experimental, "control": control}

            def by_arm(items: list[Row]) -> dict[str, list[Row]]:
                return {side: [i for i in items if i["arm"] == arm] for side, arm in arms.items()}  # noqa: B023 (called within the iteration)

            events = [e for e in safety.get(sid, []) if e["arm"] in arms.values()]
            hrs = {ep: [m for m in members if m["endpoint"] == ep and m["measure"] == "HR"] for ep in ("PFS", "OS")}
            study_arms = {a["label"]: a for a in rows(conn, "site_study_arms", study_id=sid)}
            out.append({
                **trial, "experimental_arm": experimental, "control_arm": control,
                "arms": [study_arms[a] for a in (experimental, control) if a in study_arms],
                "follow_up": [a for a in rows(conn, "site_study_analyses", study_id=sid)
                              if a["median_follow_up_months"] is not None],
                "maturity": [c for c in rows(conn, "site_study_characteristics", study_id=sid)
                             if c["category"] == "data maturity"],
                "hr": hrs,
                "difference": {ep: [m for m in members if m["endpoint"] == ep and m["measure"] == "difference"]
                               for ep in ("PFS", "OS")},
                "median": {ep: by_arm(_of_the_analysis([r for r in results.get(sid, []) if r["endpoint"] == ep],
                                                       hrs[ep])) for ep in ("PFS", "OS")},
                "severe": [{"category": cells[0]["category"], "grade": cells[0]["grade"], **by_arm(cells)}
                           for cells in group(events, lambda e: (e["category"], e["grade"])).values()],
            })
    return out


def _of_the_analysis(medians: list[Row], hrs: list[Row]) -> list[Row]:
    """The medians of the analysis the row's hazard ratio comes from, where there are such:
    a trial's medians from several data cuts are never mixed in one cell."""
    analyses = {hr["analysis"] for hr in hrs}
    return [m for m in medians if m["analysis"] in analyses] or medians


def first_line_pfs_hrs(conn: sqlite3.Connection) -> list[Row]:
    """Whole-population PFS hazard ratios of the first-line and maintenance trials, each
    labelled for the forest plot by its trial (and analysis)."""
    hrs = [c for c in rows(conn, "site_first_line_comparisons")
           if c["endpoint"] == "PFS" and c["measure"] == "HR"]
    for hr in hrs:
        hr["forest_label"] = f"{hr['acronym']} ({hr['analysis']})" if hr["analysis"] else hr["acronym"]
    return hrs



def safety(conn: sqlite3.Connection) -> dict[str, list[Row]]:
    """Adverse events across studies as matrices by trial arm: events of special interest
    one matrix per category with every grade band as a row (grade >=3 computed where only any
    grade and grade <=2 are given), the others one matrix per category and grade band ("any
    adverse event" first, then the terms)."""
    events = with_computed_grades(rows(conn, "site_safety"))
    matrices = []
    special = sorted((e for e in events if e["term"] in SPECIAL_TERMS),
                     key=lambda e: GRADE_ORDER.index(e["grade"]) if e["grade"] in GRADE_ORDER else len(GRADE_ORDER))
    tables = [((category, None), members, lambda e: (e["term"], e["grade"]))
              for category, members in group(special, lambda e: e["category"]).items()]
    tables += [(key, members, lambda e: e["term"]) for key, members in group(
        [e for e in events if e["term"] not in SPECIAL_TERMS], lambda e: (e["category"], e["grade"])).items()]
    for (category, grade), members, row_key in tables:
        arms = list(dict.fromkeys((e["study_id"], e["acronym"], e["arm"]) for e in members))
        columns = []
        for study_id, acronym, arm in arms:
            at_risk = {e["n_at_risk"] for e in members if e["study_id"] == study_id and e["arm"] == arm} - {None}
            columns.append({"study_id": study_id, "acronym": acronym, "arm": arm,
                            "n_at_risk": at_risk.pop() if len(at_risk) == 1 else None})
        terms = group(members, row_key)
        ordered = sorted(terms, key=lambda t: 1 if terms[t][0]["term"] == ANY_EVENT else 2)
        matrix_rows = []
        for key in ordered:
            first = terms[key][0]
            by_cell = {(e["study_id"], e["arm"]): e for e in terms[key]}
            label = first["term_label"] + (f", {grade_label(first['grade'])}" if grade is None else "")
            matrix_rows.append({"term": first["term"], "term_label": label, "special": first["term"] in SPECIAL_TERMS,
                                "cells": [by_cell.get((c["study_id"], c["arm"])) for c in columns]})
        studies = [{"study_id": sid, "acronym": cols[0]["acronym"], "span": len(cols)}
                   for sid, cols in group(columns, lambda c: c["study_id"]).items()]
        matrices.append({"category": category, "grade": grade, "arms": columns, "studies": studies,
                         "rows": matrix_rows, "special": any(r["special"] for r in matrix_rows)})
    # events of special interest at any grade first, then the severe grades, deaths, the rest
    def rank(m: Row) -> int:
        if m["grade"] is None:
            return 0
        return {">=3": 1, "3-4": 1, ">=4": 2, "5": 3}.get(m["grade"], 4)

    matrices.sort(key=rank)
    return {"matrices": matrices}

