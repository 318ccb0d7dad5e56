"""A study page's view model: the rows of a study's named queries grouped the way its page
prints them (endpoint blocks, journal-style result tables, forest plots of subgroup hazard
ratios, adverse-event tables pivoted by arm and grade, the abstract-like first screen).

Presentation only: the rows come from ``read.named`` (the SQL in ``her2db/read/sql``), and
``templates/study.md`` renders the page.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from ..read.named import Row, group, one, rows
from .mcbs_page import grades
from .render import result_label, shorthands

# Endpoints about what happens to patients after (or alongside) the studied regimen; a study
# page shows them apart from efficacy, under "Treatment patterns and attrition".
PATTERN_ENDPOINTS = ("TREATMENT_DURATION", "SUBSEQUENT_THERAPY", "TREATMENT_PATTERN", "NEXT_LINE",
                     "ATTRITION", "ATTRITION_REASON")
GRADE_ORDER = ("any", "<=2", ">=3", "3-4", ">=4", "5")
ROLE_ORDER = ("experimental", "control", "cohort")
ANY_EVENT = "any adverse event"
# Adverse events a reader looks for first, in their own short table with the deaths.
SPECIAL_TERMS = ("interstitial lung disease/pneumonitis", "pneumonitis", "left ventricular dysfunction",
                 "ejection fraction decreased")


@dataclass
class ForestGroup:
    """The hazard ratios of one endpoint and pair of arms: whole population, then subgroups."""

    endpoint: str
    endpoint_label: str
    experimental_arm: str
    control_arm: str
    analysis: str | None
    rows: list[Row]
    slug: str


@dataclass
class EndpointBlock:
    code: str
    label: str
    general_definition: str
    roles: list[Row]
    results: list[Row]
    comparisons: list[Row]
    forests: list[ForestGroup] = field(default_factory=list)


@dataclass
class AeTable:
    """Adverse events pivoted to rows and arm x grade columns, the way trial publications
    print them. ``kind`` is "overview" (the "any adverse event" rows, one per category),
    "special" (events of special interest and deaths) or "category" (the terms of one
    category in one population)."""

    kind: str
    category: str | None
    population: str | None
    columns: list[Row]
    rows: list[Row]

    @property
    def arm_spans(self) -> list[Row]:
        """The arms of the header row, each spanning its grade columns."""
        return [{"arm": arm, "span": len(cols), "n_at_risk": cols[0]["n_at_risk"]}
                for arm, cols in group(self.columns, lambda c: c["arm"]).items()]

    @property
    def populations(self) -> list[str]:
        return list(dict.fromkeys(c["population"] for r in self.rows for c in r["cells"]
                                  if c and c["population"]))


@dataclass
class ResultTable:
    """Results of one analysis and population in the layout of a journal's results table:
    one row per endpoint and statistic (or landmark), one column per arm, then the effect
    and its p-value."""

    analysis: str | None
    population: str | None
    arms: list[str]
    rows: list[Row]

    @property
    def has_effects(self) -> bool:
        return any(r["comparisons"] for r in self.rows)

    @property
    def pairs(self) -> int:
        """How many pairs of arms are compared: with more than one, each effect names its pair."""
        return len({(c["experimental_arm"], c["control_arm"]) for r in self.rows for c in r["comparisons"]})


@dataclass
class StudyPage:
    study: Row
    drugs: list[Row]
    analyses: list[Row]
    populations: list[Row]
    subgroups: list[Row]
    arms: list[Row]
    characteristics: list[Row]
    efficacy: list[EndpointBlock]
    patterns: list[EndpointBlock]
    ae_tables: list[AeTable]
    sources: list[Row]
    events: list[Row] = field(default_factory=list)
    mcbs: Row | None = None
    """The ESMO-MCBS preliminary grade of a randomized study, with its inputs (``mcbs_page``)."""
    review: Row = field(default_factory=dict)
    """How many of its reports a second curator checked (``records``, ``checked``), of how many
    data points, and how many reports stand beside a preferred one."""

    @property
    def tags(self) -> list[str]:
        """The page's tags, one per drug with its other names (trastuzumab emtansine (T-DM1,
        Kadcyla)), then the setting, the kind and the trial's shorthands in one (DB-09 (DB09)):
        what readers search for, each thing named once."""
        drugs = []
        for d in self.drugs:
            # not one-letter regimen codes (H, P), nor a restatement (taxane: taxane chemotherapy)
            others = [name for name in (d["synonyms"] or "").split("; ")
                      if len(name) > 2 and name.split()[0] != d["name"].split()[0]]
            drugs.append(f"{d['name']} ({', '.join(others)})" if others else d["name"])
        short = shorthands(self.study["acronym"])
        return [*drugs, self.study["setting"], self.study["kind"],
                *([f"{short[0]} ({', '.join(short[1:])})"] if short else [])]

    @property
    def efficacy_tables(self) -> list[ResultTable]:
        return result_tables(self.efficacy, self.arms)

    @property
    def pattern_tables(self) -> list[ResultTable]:
        return result_tables(self.patterns, self.arms)

    @property
    def roles(self) -> list[Row]:
        """How the study defines each endpoint, with the endpoint's name."""
        return [{**r, "code": b.code, "label": b.label} for b in self.efficacy + self.patterns
                for r in b.roles]

    @property
    def notes(self) -> list[Row]:
        """Every record that carries a curator's note, with what it is about."""
        out = [{"about": "Analysis: " + a["label"], "notes": a["notes"]} for a in self.analyses if a["notes"]]
        out += [{"about": "Population: " + p["label"], "notes": p["notes"]} for p in self.populations if p["notes"]]
        out += [{"about": "Subgroup: " + g["level"], "notes": g["notes"]} for g in self.subgroups if g["notes"]]
        out += [{"about": "Arm: " + a["label"], "notes": a["notes"]} for a in self.arms if a["notes"]]
        out += [{"about": c["characteristic"], "notes": c["notes"]} for c in self.characteristics if c["notes"]]
        for block in self.efficacy + self.patterns:
            out += [{"about": f"{block.label}, {r['role']} endpoint", "notes": r["notes"]}
                    for r in block.roles if r["notes"]]
            out += [{"about": f"{block.label}, {r['arm']}" + (f", {r['category']}" if r["category"] else ""),
                     "notes": r["notes"]} for r in block.results if r["notes"]]
            out += [{"about": f"{block.label}, {c['experimental_arm']} vs {c['control_arm']}"
                     + (f", {c['subgroup']}" if c["subgroup"] else ""), "notes": c["notes"]}
                    for c in block.comparisons if c["notes"]]
        out += [{"about": f"{e['term_label']}, {e['arm']}", "grade": e["grade"], "notes": e["notes"]}
                for e in self.events if e["notes"]]
        return out

    @property
    def key_results(self) -> Row:
        return key_results(self)


def study_page(conn: sqlite3.Connection, study_id: str) -> StudyPage | None:
    study = one(conn, "site_study", study_id=study_id)
    if study is None:
        return None
    arms = rows(conn, "site_study_arms", study_id=study_id)
    for arm in arms:
        arm["drugs"] = json.loads(arm["drugs"])
    roles = group(rows(conn, "site_study_endpoint_roles", study_id=study_id), lambda r: r["endpoint"])
    results = group(rows(conn, "site_study_results", study_id=study_id), lambda r: r["endpoint"])
    comparisons = group(rows(conn, "site_study_comparisons", study_id=study_id), lambda r: r["endpoint"])
    efficacy: list[EndpointBlock] = []
    patterns: list[EndpointBlock] = []
    for endpoint in rows(conn, "site_study_endpoints", study_id=study_id):
        code = endpoint["code"]
        block = EndpointBlock(code, endpoint["label"], endpoint["general_definition"],
                              roles.get(code, []), results.get(code, []), comparisons.get(code, []))
        block.forests = forest_groups(study_id, block)
        (patterns if code in PATTERN_ENDPOINTS else efficacy).append(block)
    return StudyPage(
        study=study,
        drugs=rows(conn, "site_study_drugs", study_id=study_id),
        analyses=rows(conn, "site_study_analyses", study_id=study_id),
        populations=rows(conn, "site_study_populations", study_id=study_id),
        subgroups=rows(conn, "site_study_subgroups", study_id=study_id),
        arms=arms,
        characteristics=rows(conn, "site_study_characteristics", study_id=study_id),
        efficacy=efficacy,
        patterns=patterns,
        ae_tables=ae_tables(events := with_computed_grades(
            rows(conn, "site_study_adverse_events", study_id=study_id))),
        sources=rows(conn, "site_study_sources", study_id=study_id),
        events=events,
        review=one(conn, "site_study_review", study_id=study_id) or {},
        mcbs=next(iter(grades(conn, study_id)), None),
    )


def forest_groups(study_id: str, block: EndpointBlock) -> list[ForestGroup]:
    """One forest plot per endpoint, pair of arms and analysis that has subgroup HRs."""
    hrs = [c for c in block.comparisons if c["measure"] == "HR"]
    groups = group(hrs, lambda c: (c["experimental_arm"], c["control_arm"], c["analysis"]))
    out: list[ForestGroup] = []
    for (experimental, control, analysis), members in groups.items():
        if not any(m["subgroup"] is not None for m in members):
            continue
        ordered = [m for m in members if m["subgroup"] is None] + \
                  [m for m in members if m["subgroup"] is not None]
        slug = f"{study_id}-{block.code.lower().replace('_', '-')}-hr-{len(out) + 1}"
        out.append(ForestGroup(block.code, block.label, experimental, control, analysis, ordered, slug))
    return out


def _grade_rank(grade: str) -> int:
    return GRADE_ORDER.index(grade) if grade in GRADE_ORDER else len(GRADE_ORDER)


def _pivot(kind: str, category: str | None, population: str | None, members: list[Row],
           key: Callable[[Row], Hashable]) -> AeTable:
    arms = list(dict.fromkeys(e["arm"] for e in members))
    grades = sorted({e["grade"] for e in members}, key=_grade_rank)
    columns = []
    for arm in arms:
        at_risk = {e["n_at_risk"] for e in members if e["arm"] == arm} - {None}
        for grade in grades:
            columns.append({"arm": arm, "grade": grade,
                            "n_at_risk": at_risk.pop() if len(at_risk) == 1 else None})
    table_rows = []
    for cells in group(members, key).values():
        by_cell = {(e["arm"], e["grade"]): e for e in cells}
        table_rows.append({"category": cells[0]["category"], "term": cells[0]["term"],
                           "term_label": cells[0]["term_label"],
                           "cells": [by_cell.get((c["arm"], c["grade"])) for c in columns]})
    return AeTable(kind, category, population, columns, table_rows)


def with_computed_grades(events: list[Row]) -> list[Row]:
    """``events`` and, where a source gives an event's any-grade and grade <=2 counts but no
    grade >=3 count, the grade >=3 count computed from them (any grade minus grade <=2: grade
    >=3 includes grade 5), labelled as computed with its formula, never a percentage."""
    out = list(events)
    cells = group(events, lambda e: (e["study_id"], e["population"], e["arm"], e["term"], e["category"]))
    for members in cells.values():
        by_grade = {e["grade"]: e for e in members}
        whole, low = by_grade.get("any"), by_grade.get("<=2")
        if whole is None or low is None or ">=3" in by_grade or whole["n"] is None or low["n"] is None:
            continue
        formula = f"grade ≥3 = any grade − grade ≤2 = {whole['n']} − {low['n']}"
        if "5" in by_grade and by_grade["5"]["n"] is not None:
            formula += f" (of them grade 5: {by_grade['5']['n']})"
        out.append({**whole, "grade": ">=3", "n": whole["n"] - low["n"], "pct": None, "pct_text": None,
                    "qualifier": None, "p_value": None, "basis": "derived", "basis_note": formula,
                    "caution": None, "notes": None, "quote": None, "record_id": None, "cites": None,
                    "adverse_event_id": None})
    return out


def ae_tables(events: list[Row]) -> list[AeTable]:
    """A study's adverse events as its publication would print them: an overview (any
    adverse event, by category), events of special interest and deaths, then the terms of
    each category (and population), any grade beside grade >= 3 for each arm."""
    def is_special(e: Row) -> bool:
        return e["term"] in SPECIAL_TERMS or e["grade"] == "5"

    special = [e for e in events if is_special(e)]
    overview = [e for e in events if e["term"] == ANY_EVENT and not is_special(e)]
    rest = [e for e in events if e["term"] != ANY_EVENT and not is_special(e)]
    tables = []
    if overview:
        tables.append(_pivot("overview", None, None, overview, lambda e: e["category"]))
    if special:
        tables.append(_pivot("special", None, None, special, lambda e: (e["term"], e["category"])))
    for (category, population), members in group(rest, lambda e: (e["category"], e["population"])).items():
        tables.append(_pivot("category", category, population, members, lambda e: e["term"]))
    return tables


def result_tables(blocks: list[EndpointBlock], arms: list[Row]) -> list[ResultTable]:
    """The results and comparisons of ``blocks`` as journal tables, one per analysis and
    population. Subgroup hazard ratios drawn in a forest plot are left to the plot."""
    in_forest = {c["comparison_id"] for b in blocks for f in b.forests for c in f.rows if c["subgroup"]}
    order = [a["label"] for a in sorted(arms, key=lambda a: ROLE_ORDER.index(a["role"])
                                        if a["role"] in ROLE_ORDER else len(ROLE_ORDER))]
    tables: dict[tuple[Any, Any], dict[tuple[Any, ...], Row]] = {}
    for b in blocks:
        for r in b.results:
            table = tables.setdefault((r["analysis"], r["population"]), {})
            key = (b.code, r["subgroup"], r["category"], r["statistic"], r["timepoint_months"])
            row = table.setdefault(key, {
                "endpoint": b.code, "endpoint_label": b.label, "subgroup": r["subgroup"],
                "label": result_label(b.code, b.label, r["statistic"], r["timepoint_months"],
                                      r["category"], r["subgroup"]),
                "by_arm": {}, "comparisons": []})
            row["by_arm"].setdefault(r["arm"], []).append(r)
        for c in b.comparisons:
            if c["comparison_id"] in in_forest:
                continue
            table = tables.setdefault((c["analysis"], c["population"]), {})
            # an effect goes on its endpoint's row without a category or time point (a median),
            # never on a landmark rate: a hazard ratio is about the whole curve
            target = next((row for k, row in table.items() if k[0] == b.code and k[1] == c["subgroup"]
                           and k[2] is None and k[4] is None), None)
            if target is None:
                target = table.setdefault((b.code, c["subgroup"], None, None, None), {
                    "endpoint": b.code, "endpoint_label": b.label, "subgroup": c["subgroup"],
                    "label": result_label(b.code, b.label, None, subgroup=c["subgroup"]),
                    "by_arm": {}, "comparisons": []})
            target["comparisons"].append(c)
    out = []
    for (analysis, population), table in tables.items():
        compared = {c[side] for row in table.values() for c in row["comparisons"]
                    for side in ("experimental_arm", "control_arm")}
        used = {arm for row in table.values() for arm in row["by_arm"]} | compared
        columns = [a for a in order if a in used]
        for row in table.values():
            row["cells"] = [row["by_arm"].get(a, []) for a in columns]
        out.append(ResultTable(analysis, population, columns, list(table.values())))
    return out


def key_results(page: StudyPage) -> Row:
    """The first screen of a study page, as a journal abstract gives it: the compared arms,
    follow-up, each primary endpoint (whole population) with its effect, overall survival
    with its maturity, and grade >= 3 adverse events with their category."""
    blocks = {b.code: b for b in page.efficacy + page.patterns}
    primary = [code for code, b in blocks.items() if any(r["role"] == "primary" for r in b.roles)]
    whole = [c for b in blocks.values() for c in b.comparisons if c["subgroup"] is None]
    main = next((c for c in whole if c["endpoint"] in primary), whole[0] if whole else None)
    pair = (main["experimental_arm"], main["control_arm"]) if main else None

    def endpoint(code: str) -> Row | None:
        b = blocks.get(code)
        if b is None:
            return None
        results = [r for r in b.results if r["subgroup"] is None and r["category"] is None
                   and (pair is None or r["arm"] in pair)]
        medians = [r for r in results if r["statistic"] == "median"] or results
        comparisons = [c for c in b.comparisons if c["subgroup"] is None
                       and (pair is None or (c["experimental_arm"], c["control_arm"]) == pair)]
        assessors = sorted({r["assessor"] for r in b.roles if r["role"] == "primary" and r["assessor"]})
        if not medians and not comparisons:
            return None
        return {"code": code, "label": b.label, "assessor": ", ".join(assessors),
                "results": medians, "comparisons": comparisons}

    severe = [e for e in page.events if e["term"] == ANY_EVENT and e["grade"] in (">=3", "3-4")
              and (pair is None or e["arm"] in pair)]
    special = [e for e in page.events if e["term"] in SPECIAL_TERMS and e["grade"] in ("any", "5")
               and (pair is None or e["arm"] in pair)]
    return {
        "pair": pair,
        "special": [{"term_label": cells[0]["term_label"], "category": cells[0]["category"],
                     "grade": cells[0]["grade"], "rows": cells}
                    for cells in group(special, lambda e: (e["term"], e["category"], e["grade"])).values()],
        "arms": [a for a in page.arms if pair is None or a["label"] in pair],
        "follow_up": [a for a in page.analyses if a["median_follow_up_months"] is not None],
        "primary": [e for code in primary if (e := endpoint(code))],
        "os": endpoint("OS") if "OS" not in primary else None,
        "maturity": [c for c in page.characteristics if c["category"] == "data maturity"],
        "severe": [{"category": cells[0]["category"], "grade": cells[0]["grade"], "rows": cells}
                   for cells in group(severe, lambda e: (e["category"], e["grade"])).values()],
    }

