"""Rendering of the reference site: one Jinja environment, with autoescaping, and the
display filters every page uses.

Both paths of the site render here: the study pages ``site.py`` writes and the macros of
the hand-written pages (``macros.py``). Every value is escaped for HTML *and* Markdown, so a
curated string can never become markup, a table column or a Jinja expression.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from . import curated
from .numbers import plain

TEMPLATES = Path(__file__).resolve().parent / "templates"
FIGURES_DIR = "figures"  # cross-study figures, in the docs folder; pages link to them
FIRST_LINE_FOREST = "first-line-pfs-hr.svg"

# Characters that mean something to HTML, to Markdown (emphasis, code, links, tables,
# headings, attribute lists) or to Jinja; each becomes a numeric character reference, which
# browsers and the search indexer read back as the character itself.
_ESCAPES = {ord(c): f"&#{ord(c)};" for c in "&<>\"'\\`*_[]{}|#~^$"}
_WHITESPACE = re.compile(r"\s+")


def escape(value: Any) -> Markup:
    """``value`` as text safe in HTML, in Markdown (also inside table cells) and in Jinja.
    Runs of whitespace become one space, so no value can break a line or a table row."""
    return Markup(_WHITESPACE.sub(" ", str(value)).translate(_ESCAPES))


def _finalize(value: Any) -> Any:
    """Applied to every ``{{ }}``: templates' own markup passes, everything else is escaped."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return ""
    return escape(value)


def num(value: Any, decimals: int = 0) -> str:
    """A stored number as the curator entered it (0.00001 not 1e-05, 49 not 49.0), with at
    least ``decimals`` decimals."""
    if value is None:
        return "—"
    if isinstance(value, bool) or (isinstance(value, int) and not decimals):
        return str(value)
    text = plain(float(value))
    if decimals:
        whole, _, fraction = text.partition(".")
        text = f"{whole}.{fraction.ljust(decimals, '0')}"
    return text


def _decimals(row: dict[str, Any]) -> int:
    """Ratios (HR, OR, RR) are printed with two decimals by convention: 0.30, not 0.3."""
    return 2 if row.get("measure") in curated.RATIO_MEASURES else 0


def ci(row: dict[str, Any]) -> str:
    """"0.44–0.71"; a level other than 95% is named ("90% CI 0.5–0.9")."""
    if row.get("ci_low") is None and row.get("ci_high") is None:
        return ""
    level = row.get("ci_level")
    prefix = f"{num(level)}% CI " if level is not None and level != 95 else ""
    digits = _decimals(row)
    return f"{prefix}{num(row.get('ci_low'), digits)}–{num(row.get('ci_high'), digits)}"


def effect(row: dict[str, Any], measure: bool = True) -> str:
    """A comparison's estimate with its CI: "HR 0.56 (0.44–0.71)"."""
    interval = ci(row)
    text = f"{num(row['estimate'], _decimals(row))} ({interval or 'CI not reported'})"
    return f"{row['measure']} {text}" if measure else text


def p_value(row: dict[str, Any]) -> str:
    if row.get("p_value") is None:
        return ""
    return f"p {row.get('p_operator') or '='} {num(row['p_value'])}"


def amount(value: Any, unit: str | None) -> str:
    """A number with its unit: 70.1%, 40.7 months, 0.67."""
    if unit == curated.PERCENT_UNIT:
        return f"{num(value)}%"
    return f"{num(value)} {unit}" if unit else num(value)


def result_value(row: dict[str, Any]) -> str:
    """An arm result's value: NR / NE flags, the number and unit, and its CI."""
    if row.get("not_reached"):
        text = "NR"
    elif row.get("not_estimable"):
        text = "NE"
    elif row.get("value") is None:
        text = "—"
    else:
        text = amount(row["value"], row.get("unit"))
    if interval := ci(row):
        text += f" ({interval})"
    return text


def statistic(row: dict[str, Any]) -> str:
    text = row["statistic"]
    if row.get("timepoint_months") is not None:
        text += f" at {num(row['timepoint_months'])} months"
    return text


def grade(value: str) -> str:
    return {"any": "any grade", ">=3": "grade ≥3", "3-4": "grade 3–4", ">=4": "grade ≥4",
            "5": "grade 5", "<=2": "grade ≤2"}.get(value, f"grade {value}")


def ae_value(row: dict[str, Any] | None) -> str:
    """An adverse-event cell the way safety tables print it: n (%), or whichever is known;
    percentages with one decimal at least, as those tables do (1.0, not 1)."""
    if row is None:
        return "—"
    if row.get("n") is not None and row.get("pct") is not None:
        return f"{num(row['n'])} ({num(row['pct'], 1)})"
    if row.get("pct") is not None:
        return f"{num(row['pct'], 1)}%"
    return num(row.get("n"))


def provenance(row: dict[str, Any]) -> str:
    """Where a number was read: source id, locator, the primary publication and the quote."""
    text = f"Source: {row['source_id']}, {row['locator']}"
    if row.get("cites"):
        text += f" (cites {row['cites']})"
    if row.get("quote"):
        text += f". Quote: “{row['quote']}”"
    return text


AE_CATEGORIES = {
    "teae": "Treatment-emergent adverse events (TEAEs)",
    "treatment-related": "Treatment-related adverse events",
    "serious": "Serious adverse events",
    "leading to discontinuation": "Adverse events leading to discontinuation",
    "leading to dose reduction": "Adverse events leading to dose reduction",
    "leading to interruption": "Adverse events leading to interruption",
    "adjudicated": "Adjudicated adverse events",
}


def ae_category(category: str, short: bool = False) -> str:
    """The heading of a category, or (``short``) the label beside a term in a mixed table."""
    if short:
        return "TEAE" if category == "teae" else category
    return AE_CATEGORIES.get(category, category)


def abbreviation(code: str) -> str:
    """The short form of an endpoint code as readers know it (CNS_PFS is CNS-PFS); long codes
    such as TREATMENT_DURATION are names, not abbreviations, and have none."""
    return code.replace("_", "-") if len(code) <= 7 else ""


def endpoint_name(code: str, label: str) -> str:
    """"CNS progression-free survival (CNS-PFS)": the label, and the abbreviation if any."""
    short = abbreviation(code)
    return f"{label} ({short})" if short else label


def href(path: str) -> Markup:
    """A relative link target, percent-encoded (``_`` stays: it is harmless in a URL)."""
    return Markup(quote(path, safe="/#.-_~"))


def external(url: str | None) -> Markup | None:
    """An http(s) URL, percent-encoded where needed; any other scheme (javascript:, data:)
    gives None, so templates print the text without a link."""
    if not url or urlsplit(url).scheme not in ("http", "https"):
        return None
    return Markup(quote(url, safe=":/?#=&%.-_~+,;@!"))


def filesize(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    return f"{size / 1000:.1f} kB" if size < 1_000_000 else f"{size / 1_000_000:.1f} MB"


def registry_url(registry_id: str | None) -> str | None:
    match = re.search(r"NCT\d{8}", registry_id or "")
    return f"https://clinicaltrials.gov/study/{match.group(0)}" if match else None


def front_matter(value: Any) -> Markup:
    """A YAML (JSON) string of the escaped value (or of already safe markup, e.g. a captured
    ``{% set %}`` block), for a page's front matter."""
    safe = value if isinstance(value, Markup) else escape(value)
    return Markup(json.dumps(str(safe), ensure_ascii=False))


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, finalize=_finalize,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters.update(num=num, ci=ci, effect=effect, p_value=p_value, amount=amount,
                       result_value=result_value, statistic=statistic, grade=grade,
                       ae_value=ae_value, provenance=provenance, abbreviation=abbreviation,
                       endpoint_name=endpoint_name, ae_category=ae_category,
                       registry_url=registry_url, href=href, external=external,
                       filesize=filesize, front_matter=front_matter)
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
