"""Named queries of the reference site, and the grouping that turns their rows into pages.

Every function takes a read-only connection (``db.connect_readonly``) and returns plain
dicts, so templates never see SQL and the site can never change the database. The SQL lives
in ``her2db/read/sql/<name>.sql`` and takes bound parameters only; the one identifier the site
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

from ..model.numbers import plain

SQL_DIR = Path(__file__).resolve().parent / "sql"
DB_ENV = "HER2DB_SITE_DB"  # tells the macros module (inside mkdocs) which database to read
URL_ENV = "HER2DB_SITE_DATABASE_URL"  # ... or which --database-url, when the site reads one

Row = dict[str, Any]

# Endpoints about what happens to patients after (or alongside) the studied regimen; a study
# page shows them apart from efficacy, under "Treatment patterns and attrition".
PATTERN_ENDPOINTS = ("TREATMENT_DURATION", "SUBSEQUENT_THERAPY", "TREATMENT_PATTERN", "NEXT_LINE",
                     "ATTRITION", "ATTRITION_REASON")
GRADE_ORDER = ("any", "<=2", ">=3", "3-4", ">=4", "5")
SEVERE_GRADES = (">=3", "3-4", ">=4", "5")
ROLE_ORDER = ("experimental", "control", "cohort")
ANY_EVENT = "any adverse event"
# Adverse events a reader looks for first, in their own short table with the deaths.
SPECIAL_TERMS = ("interstitial lung disease/pneumonitis", "pneumonitis", "left ventricular dysfunction",
                 "ejection fraction decreased")


@cache
def sql(name: str, engine: str = "sqlite") -> str:
    """The text of ``her2db/read/sql/<name>.sql``, or of its variant ``<name>.<engine>.sql`` where
    the engines differ (only the catalogue queries)."""
    variant = SQL_DIR / f"{name}.{engine}.sql"
    return (variant if variant.is_file() else SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def engine(conn: Any) -> str:
    """``sqlite`` for a sqlite3 connection, ``postgresql`` for ``pg.Connection``."""
    return "sqlite" if isinstance(conn, sqlite3.Connection) else "postgresql"


def rows(conn: sqlite3.Connection, name: str, **params: Any) -> list[Row]:
    return [dict(row) for row in conn.execute(sql(name, engine(conn)), params)]


def one(conn: sqlite3.Connection, name: str, **params: Any) -> Row | None:
    row = conn.execute(sql(name, engine(conn)), params).fetchone()
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
    """Releases, newest first, each with its changes by kind (``removed``, ``added``,
    ``changed``) since the release before it."""
    changes = group(rows(conn, "site_release_changes"), lambda c: (c["version"], c["kind"]))
    return [{**r, "changes": {kind: changes.get((r["version"], kind), [])
                              for kind in ("removed", "added", "changed")}}
            for r in rows(conn, "site_releases")]


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

    @property
    def drug_synonyms(self) -> list[str]:
        """The other names of the study's drugs (T-DM1, Kadcyla): what readers search for."""
        return [name for d in self.drugs if d["synonyms"] for name in d["synonyms"].split("; ")
                if len(name) > 2]

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
        ae_tables=ae_tables(events := rows(conn, "site_study_adverse_events", study_id=study_id)),
        sources=rows(conn, "site_study_sources", study_id=study_id),
        events=events,
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


STATISTIC_PHRASES = {"median": "Median {ep}", "mean": "Mean {ep}", "rate": "{ep} rate",
                     "probability": "{ep} probability", "count": "{ep}, patients",
                     "proportion": "{ep}"}


def abbreviation(code: str) -> str:
    """The short form of an endpoint code as readers know it (CNS_PFS is CNS-PFS); long codes
    such as TREATMENT_DURATION are names, not abbreviations, and have none."""
    return code.replace("_", "-") if len(code) <= 7 else ""


def endpoint_short(code: str, label: str) -> str:
    """What a results table calls an endpoint: its abbreviation (PFS, CNS-PFS), or its name."""
    return abbreviation(code) or label[0].lower() + label[1:]


def result_label(code: str, label: str, statistic: str | None, timepoint: float | None = None,
                 category: str | None = None, subgroup: str | None = None) -> str:
    """"Median PFS", "24-month PFS rate", "ORR", "Subsequent therapy: any second-line therapy"."""
    ep = endpoint_short(code, label)
    text = STATISTIC_PHRASES.get(statistic or "proportion", "{ep}, " + (statistic or "")).format(ep=ep)
    if timepoint is not None:
        text = f"{plain(timepoint)}-month {text}"
    text = text[0].upper() + text[1:]
    if category:
        text += f": {category}"
    if subgroup:
        text += f" ({subgroup})"
    return text


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
            study_arms = {a["label"]: a for a in rows(conn, "site_study_arms", study_id=sid)}
            out.append({
                **trial, "experimental_arm": experimental, "control_arm": control,
                "arms": [study_arms[a] for a in (experimental, control) if a in study_arms],
                "follow_up": [a for a in rows(conn, "site_study_analyses", study_id=sid)
                              if a["median_follow_up_months"] is not None],
                "maturity": [c for c in rows(conn, "site_study_characteristics", study_id=sid)
                             if c["category"] == "data maturity"],
                "hr": {ep: [m for m in members if m["endpoint"] == ep and m["measure"] == "HR"]
                       for ep in ("PFS", "OS")},
                "difference": {ep: [m for m in members if m["endpoint"] == ep and m["measure"] == "difference"]
                               for ep in ("PFS", "OS")},
                "median": {ep: by_arm([r for r in results.get(sid, []) if r["endpoint"] == ep])
                           for ep in ("PFS", "OS")},
                "severe": [{"category": cells[0]["category"], "grade": cells[0]["grade"], **by_arm(cells)}
                           for cells in group(events, lambda e: (e["category"], e["grade"])).values()],
            })
    return out


def first_line_pfs_hrs(conn: sqlite3.Connection) -> list[Row]:
    """Whole-population PFS hazard ratios of the first-line and maintenance trials, each
    labelled for the forest plot by its trial (and analysis)."""
    hrs = [c for c in rows(conn, "site_first_line_comparisons")
           if c["endpoint"] == "PFS" and c["measure"] == "HR"]
    for hr in hrs:
        hr["forest_label"] = f"{hr['acronym']} ({hr['analysis']})" if hr["analysis"] else hr["acronym"]
    return hrs


def attrition(conn: sqlite3.Connection) -> list[Row]:
    return rows(conn, "site_attrition")


def attrition_reasons(conn: sqlite3.Connection) -> list[Row]:
    return rows(conn, "site_attrition_reasons")


def safety(conn: sqlite3.Connection) -> dict[str, list[Row]]:
    """Adverse events across studies as matrices, one per category and grade band: events
    (special interest first, then "any adverse event", then the rest) by trial arm."""
    events = rows(conn, "site_safety")
    matrices = []
    for (category, grade), members in group(events, lambda e: (e["category"], e["grade"])).items():
        arms = list(dict.fromkeys((e["study_id"], e["acronym"], e["arm"]) for e in members))
        columns = []
        for study_id, acronym, arm in arms:
            at_risk = {e["n_at_risk"] for e in members if e["study_id"] == study_id and e["arm"] == arm} - {None}
            columns.append({"study_id": study_id, "acronym": acronym, "arm": arm,
                            "n_at_risk": at_risk.pop() if len(at_risk) == 1 else None})
        terms = group(members, lambda e: e["term"])
        ordered = sorted(terms, key=lambda t: (0 if t in SPECIAL_TERMS else 1 if t == ANY_EVENT else 2))
        matrix_rows = []
        for term in ordered:
            by_cell = {(e["study_id"], e["arm"]): e for e in terms[term]}
            matrix_rows.append({"term": term, "term_label": terms[term][0]["term_label"],
                                "special": term in SPECIAL_TERMS,
                                "cells": [by_cell.get((c["study_id"], c["arm"])) for c in columns]})
        studies = [{"study_id": sid, "acronym": cols[0]["acronym"], "span": len(cols)}
                   for sid, cols in group(columns, lambda c: c["study_id"]).items()]
        matrices.append({"category": category, "grade": grade, "arms": columns, "studies": studies,
                         "rows": matrix_rows, "special": any(r["special"] for r in matrix_rows)})
    # events of special interest at any grade first, then the severe grades, deaths, the rest
    def rank(m: Row) -> int:
        if m["special"] and m["grade"] == "any":
            return 0
        return {">=3": 1, "3-4": 1, ">=4": 2, "5": 3}.get(m["grade"], 4)

    matrices.sort(key=rank)
    return {"matrices": matrices}


def sources(conn: sqlite3.Connection) -> list[Row]:
    out = rows(conn, "site_sources")
    for source in out:
        source["studies"] = json.loads(source["studies"])
    return out


def cited(conn: sqlite3.Connection) -> dict[str, Row]:
    """Every source by id: what a number's provenance panel names."""
    return {s["source_id"]: s for s in rows(conn, "site_sources")}


# --- data model and downloads ------------------------------------------------------------


def public_views(conn: sqlite3.Connection) -> list[str]:
    return [row["name"] for row in rows(conn, "site_views")]


def view_columns(conn: sqlite3.Connection, view: str) -> list[Row]:
    return rows(conn, "site_view_columns", view=view)


ROW_IDS = ("result_id", "comparison_id", "adverse_event_id", "characteristic_id")


def view_rows(conn: sqlite3.Connection, view: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """All rows of a public view, in a fixed order that both engines share: by the view's row
    id, else by every column (NULLs first, as SQLite sorts). The name must be one of
    ``public_views``: an identifier cannot be a bound parameter, so it is checked, then quoted."""
    if view not in public_views(conn):
        raise ValueError(f"{view!r} is not a public view")
    quoted = '"' + view.replace('"', '""') + '"'
    names = [c["name"] for c in view_columns(conn, view)]
    positions = [i + 1 for i, name in enumerate(names) if name in ROW_IDS] or range(1, len(names) + 1)
    order = ", ".join(f"{position} NULLS FIRST" for position in positions)
    cursor = conn.execute(f"SELECT * FROM {quoted} ORDER BY {order}")  # checked identifier, column numbers
    return [d[0] for d in cursor.description], [tuple(r) for r in cursor.fetchall()]


def example(conn: sqlite3.Connection, name: str) -> Row:
    """An example query of the data model page: its SQL (``sql/example_<name>.sql``) and
    what it returns on this release, so the documented examples always run."""
    text = sql(f"example_{name}")
    cursor = conn.execute(text)
    return {"sql": text.strip(), "columns": [d[0] for d in cursor.description],
            "rows": [tuple(r) for r in cursor.fetchall()]}
