"""Named queries of the reference site, and the grouping that turns their rows into pages.

Every function takes a read-only connection (``db.connect_readonly``) and returns plain
dicts, so templates never see SQL and the site can never change the database. The SQL lives
in ``her2db/sql/<name>.sql`` and takes bound parameters only; the one identifier the site
must interpolate (a public view's name, for the downloads) is first checked against the list
of views in the database.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

SQL_DIR = Path(__file__).resolve().parent / "sql"
DB_ENV = "HER2DB_SITE_DB"  # tells the macros module (inside mkdocs) which database to read

Row = dict[str, Any]

# Endpoints about what happens to patients after (or alongside) the studied regimen; a study
# page shows them apart from efficacy, under "Treatment patterns and attrition".
PATTERN_ENDPOINTS = ("TREATMENT_DURATION", "SUBSEQUENT_THERAPY", "TREATMENT_PATTERN", "NEXT_LINE",
                     "ATTRITION", "ATTRITION_REASON")
GRADE_ORDER = ("any", "<=2", ">=3", "3-4", ">=4", "5")
SEVERE_GRADES = (">=3", "3-4", ">=4", "5")
ROLE_ORDER = ("experimental", "control", "cohort")


@cache
def sql(name: str) -> str:
    """The text of ``her2db/sql/<name>.sql``."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def rows(conn: sqlite3.Connection, name: str, **params: Any) -> list[Row]:
    return [dict(row) for row in conn.execute(sql(name), params)]


def one(conn: sqlite3.Connection, name: str, **params: Any) -> Row | None:
    row = conn.execute(sql(name), params).fetchone()
    return dict(row) if row is not None else None


def group(items: Iterable[Row], key: Callable[[Row], Hashable]) -> dict[Any, list[Row]]:
    """Rows grouped by ``key``, groups and members in first-seen order."""
    out: dict[Any, list[Row]] = {}
    for item in items:
        out.setdefault(key(item), []).append(item)
    return out


# --- home, releases, methods -------------------------------------------------------------


def totals(conn: sqlite3.Connection) -> Row:
    return one(conn, "site_totals") or {}


def counts_by_kind(conn: sqlite3.Connection) -> list[Row]:
    return rows(conn, "site_counts_by_kind")


def releases(conn: sqlite3.Connection) -> list[Row]:
    """Releases, newest first."""
    return rows(conn, "site_releases")


def provenance_coverage(conn: sqlite3.Connection) -> list[Row]:
    return rows(conn, "site_provenance")


# --- studies -----------------------------------------------------------------------------


def study_ids(conn: sqlite3.Connection) -> list[str]:
    return [row["study_id"] for row in rows(conn, "site_studies")]


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
    """Adverse events read from one place (population, source, locator, cited work), pivoted to
    term rows and arm x grade columns, the way trial publications print them."""

    population: str | None
    source_id: str
    locator: str
    cites: str | None
    categories: list[str]
    columns: list[Row]
    rows: list[Row]

    @property
    def arm_spans(self) -> list[Row]:
        """The arms of the header row, each spanning its grade columns."""
        return [{"arm": arm, "span": len(cols), "n_at_risk": cols[0]["n_at_risk"]}
                for arm, cols in group(self.columns, lambda c: c["arm"]).items()]

    @property
    def notes(self) -> list[Row]:
        return [cell for row in self.rows for cell in row["cells"] if cell and cell["notes"]]


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

    @property
    def forests(self) -> list[ForestGroup]:
        return [f for block in self.efficacy + self.patterns for f in block.forests]


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
        ae_tables=ae_tables(rows(conn, "site_study_adverse_events", study_id=study_id)),
        sources=rows(conn, "site_study_sources", study_id=study_id),
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


def ae_tables(events: list[Row]) -> list[AeTable]:
    tables = []
    for (population, source_id, locator, cites), members in group(
            events, lambda e: (e["population"], e["source_id"], e["locator"], e["cites"])).items():
        categories = list(dict.fromkeys(e["category"] for e in members))
        arms = list(dict.fromkeys(e["arm"] for e in members))
        grades = sorted({e["grade"] for e in members}, key=_grade_rank)
        columns = []
        for arm in arms:
            at_risk = {e["n_at_risk"] for e in members if e["arm"] == arm} - {None}
            for grade in grades:
                columns.append({"arm": arm, "grade": grade,
                                "n_at_risk": at_risk.pop() if len(at_risk) == 1 else None})
        table_rows = []
        for (category, term), cells in group(members, lambda e: (e["category"], e["term"])).items():
            by_cell = {(e["arm"], e["grade"]): e for e in cells}
            table_rows.append({"category": category, "term": term, "term_label": cells[0]["term_label"],
                               "cells": [by_cell.get((c["arm"], c["grade"])) for c in columns]})
        tables.append(AeTable(population, source_id, locator, cites, categories, columns, table_rows))
    return tables


# --- cross-study pages -------------------------------------------------------------------


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


def endpoints(conn: sqlite3.Connection) -> list[Row]:
    return rows(conn, "site_endpoints")


def _by_role(members: list[Row]) -> dict[str, list[Row]]:
    return {role: [m for m in members if m["arm_role"] == role] for role in ROLE_ORDER}


def _provenances(members: list[Row]) -> list[Row]:
    """The distinct places a set of values was read from."""
    return [cells[0] for cells in group(members, lambda m: (m["source_id"], m["locator"], m["cites"])).values()]


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
            out.append({
                **trial, "experimental_arm": experimental, "control_arm": control,
                "hr": {ep: [m for m in members if m["endpoint"] == ep and m["measure"] == "HR"]
                       for ep in ("PFS", "OS")},
                "median": {ep: by_arm([r for r in results.get(sid, []) if r["endpoint"] == ep])
                           for ep in ("PFS", "OS")},
                "severe": [{"category": cells[0]["category"], "grade": cells[0]["grade"], **by_arm(cells)}
                           for cells in group(events, lambda e: (e["category"], e["grade"])).values()],
            })
    return out


def first_line_pfs_hrs(conn: sqlite3.Connection) -> list[Row]:
    """Whole-population PFS hazard ratios of the first-line and maintenance trials."""
    return [c for c in rows(conn, "site_first_line_comparisons")
            if c["endpoint"] == "PFS" and c["measure"] == "HR"]


def attrition(conn: sqlite3.Connection) -> list[Row]:
    return rows(conn, "site_attrition")


def attrition_reasons(conn: sqlite3.Connection) -> list[Row]:
    return rows(conn, "site_attrition_reasons")


def safety(conn: sqlite3.Connection) -> dict[str, list[Row]]:
    """Adverse events across studies, experimental arms beside controls: the "any adverse
    event" summary rows, and the grade >= 3 (3-4, >= 4, 5) rows of individual terms."""
    events = rows(conn, "site_safety")

    def pivot(members: list[Row]) -> list[Row]:
        return [{**cells[0], "by_role": _by_role(cells), "provenances": _provenances(cells)}
                for cells in group(members, lambda e: (e["study_id"], e["category"], e["term"],
                                                       e["grade"])).values()]

    summary = [e for e in events if e["term"] == "any adverse event"]
    by_term = [e for e in events if e["term"] != "any adverse event" and e["grade"] in SEVERE_GRADES]
    return {"summary": pivot(summary), "by_term": pivot(by_term)}


def sources(conn: sqlite3.Connection) -> list[Row]:
    out = rows(conn, "site_sources")
    for source in out:
        source["studies"] = json.loads(source["studies"])
    return out


# --- data model and downloads ------------------------------------------------------------


def public_views(conn: sqlite3.Connection) -> list[str]:
    return [row["name"] for row in rows(conn, "site_views")]


def view_columns(conn: sqlite3.Connection, view: str) -> list[Row]:
    return rows(conn, "site_view_columns", view=view)


def view_rows(conn: sqlite3.Connection, view: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """All rows of a public view. The name must be one of ``public_views``: an identifier
    cannot be a bound parameter, so it is checked, then quoted."""
    if view not in public_views(conn):
        raise ValueError(f"{view!r} is not a public view")
    quoted = '"' + view.replace('"', '""') + '"'
    cursor = conn.execute(f"SELECT * FROM {quoted}")
    return [d[0] for d in cursor.description], [tuple(r) for r in cursor.fetchall()]


def example(conn: sqlite3.Connection, name: str) -> Row:
    """An example query of the data model page: its SQL (``sql/example_<name>.sql``) and
    what it returns on this release, so the documented examples always run."""
    text = sql(f"example_{name}")
    cursor = conn.execute(text)
    return {"sql": text.strip(), "columns": [d[0] for d in cursor.description],
            "rows": [tuple(r) for r in cursor.fetchall()]}
