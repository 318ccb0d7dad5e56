"""Rendering of the reference site: one Jinja environment, with autoescaping, and the
display filters every page uses.

Both paths of the site render here: the study pages the plugin generates (``plugin.py``)
and the macros of the hand-written pages (``macros.py``). Every value is escaped for HTML *and* Markdown, so a
curated string can never become markup, a table column or a Jinja expression.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ..model import values
from ..model.notation import ABSENCES, NOT_ESTIMABLE, NOT_REACHED, NOT_REPORTED
from ..model.numbers import display, plain
from .absent import marker
from .flags import flag, remainder
from .plots import Forest, ForestRow, forest
from .wording import mid_sentence, statistic_of

TEMPLATES = Path(__file__).resolve().parent / "templates"

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
        return NOT_REPORTED.text
    if isinstance(value, bool) or (isinstance(value, int) and not decimals):
        return str(value)
    text = plain(float(value))
    if decimals:
        whole, _, fraction = text.partition(".")
        text = f"{whole}.{fraction.ljust(decimals, '0')}"
    return text


def _decimals(row: dict[str, Any]) -> int:
    """Ratios (HR, OR, RR) are printed with two decimals by convention: 0.30, not 0.3."""
    return 2 if row.get("measure") in values.RATIO_MEASURES else 0


def grade(value: str) -> str:
    return {"any": "any grade", ">=3": "grade ≥3", "3-4": "grade 3–4", ">=4": "grade ≥4",
            "5": "grade 5", "<=2": "grade ≤2"}.get(value, f"grade {value}")


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


# --- printed values, as a reader expects them ----------------------------------------------


def _printed(row: dict[str, Any], key: str, decimals: int = 0) -> str:
    """The text a number was printed as (``X_text``), else the stored number."""
    text = row.get(f"{key}_text")
    return text if text else num(row.get(key), decimals)


def ci(row: dict[str, Any]) -> str:
    """"0.44–0.71" as printed; a level other than 95% is named ("90% CI 0.5–0.9")."""
    if row.get("ci_low") is None and row.get("ci_high") is None:
        return ""
    level = row.get("ci_level")
    prefix = f"{num(level)}% CI " if level is not None and level != 95 else ""
    digits = _decimals(row)
    return f"{prefix}{_printed(row, 'ci_low', digits)}–{_printed(row, 'ci_high', digits)}"


def effect(row: dict[str, Any], measure: bool = True) -> str:
    """A comparison's estimate with its CI as printed: "HR 0.56 (0.44–0.71)"; a comparison
    the source gives only a p-value for says so instead of inventing a measure."""
    if row.get("estimate") is None:
        return "no effect estimate reported"
    interval = ci(row)
    estimate = display(_printed(row, "estimate", _decimals(row)), unit=row.get("unit"))
    text = f"{estimate} ({interval or 'CI not reported'})"
    return f"{row['measure']} {text}" if measure else text


def p_value(row: dict[str, Any]) -> str:
    if row.get("p_value") is None:
        return ""
    return f"p {row.get('p_operator') or '='} {_printed(row, 'p_value')}"


def result_value(row: dict[str, Any]) -> str:
    """An arm result as a reader expects it: NR / NE, or the printed value with its
    qualifier, range and unit ("approximately 16%", "40.7 months"), then its CI."""
    if row.get("not_reached"):
        text = NOT_REACHED.text
    elif row.get("not_estimable"):
        text = NOT_ESTIMABLE.text
    elif row.get("value") is None:
        text = NOT_REPORTED.text
    else:
        text = display(_printed(row, "value"), row.get("qualifier"), row.get("value_upper_text"),
                       row.get("unit"))
    if interval := ci(row):
        text += f" ({interval})"
    return text


def marked(text: Any) -> Markup:
    """A value's text with its absent-value notation (NR, NE, not reported) marked up as such
    (``absent.marker``), so that its legend follows the table."""
    text = str(text)
    for absence in ABSENCES:
        if text == absence.text or text.startswith(absence.text + " "):
            return marker(absence.key) + escape(text[len(absence.text):])
    return escape(text)


def characteristic_value(row: dict[str, Any]) -> str:
    """A baseline characteristic: "median 54 years", "54%"."""
    if row.get("value") is None:
        return row.get("value_text") or NOT_REPORTED.text
    text = display(_printed(row, "value"), row.get("qualifier"), row.get("value_upper_text"), row.get("unit"))
    return f"{row['statistic']} {text}" if row.get("statistic") in ("median", "mean") else text


def follow_up(row: dict[str, Any]) -> str:
    """An analysis' median follow-up as printed: "29.2 months"."""
    return display(_printed(row, "median_follow_up_months"), unit="months")


def statistic_phrase(row: dict[str, Any], endpoint: str = "") -> str:
    """How a statistic reads before its value: "median", "24-month rate", "median PFS",
    "12-month PFS rate", "" or the endpoint alone (a proportion)."""
    stat = row.get("statistic") or ""
    if stat == "proportion":
        stat = ""
    if row.get("timepoint_months") is not None:
        return " ".join(p for p in (f"{num(row['timepoint_months'])}-month", endpoint, stat or "rate") if p)
    return " ".join(p for p in (stat, endpoint) if p)


def ae_p_value(row: dict[str, Any]) -> str:
    """The p-value a source gives between arms for an adverse event: "p = 0.21 vs THP"."""
    text = p_value(row)
    return f"{text} vs {mid_sentence(row['p_versus_arm'])}" if text and row.get("p_versus_arm") else text


def ae_value(row: dict[str, Any] | None) -> str:
    """An adverse-event cell the way safety tables print it: n (%), or whichever is known,
    the percentage as printed."""
    if row is None:
        return NOT_REPORTED.text
    pct = _printed(row, "pct", 1) if row.get("pct") is not None else None
    if pct is not None and row.get("qualifier"):
        pct = f"{row['qualifier']} {pct}"
    if row.get("n") is not None and pct is not None:
        return f"{num(row['n'])} ({pct})"
    if pct is not None:
        return f"{pct}%"
    return num(row.get("n"))


def n_of(row: dict[str, Any]) -> str:
    """", 59/101 patients" after a value, when the source gives the counts."""
    if row.get("n") is None:
        return ""
    of = f"/{num(row['denominator'])}" if row.get("denominator") is not None else ""
    return f", {num(row['n'])}{of} patients"


BASES = {"derived": "derived by arithmetic from printed numbers", "curator": "the curator's reading"}


def basis(value: str) -> str:
    return BASES.get(value, value)


def median_difference(median: dict[str, list[dict[str, Any]]]) -> str:
    """Experimental minus control median, when each arm has one printed median in the same
    unit: computed here (the page says so), in the printed precision of the two."""
    exp, ctl = median.get("experimental") or [], median.get("control") or []
    if len(exp) != 1 or len(ctl) != 1 or exp[0].get("unit") != ctl[0].get("unit"):
        return ""
    a, b = exp[0], ctl[0]
    if any(r.get("value") is None or r.get("not_reached") or r.get("not_estimable") or r.get("qualifier")
           for r in (a, b)):
        return ""
    difference = Decimal(_printed(a, "value")) - Decimal(_printed(b, "value"))
    return display(f"{difference:+}", unit=a.get("unit"))


def percent_position(value: float) -> Markup:
    """A share as a CSS length along a 0–100% scale (clamped), for the dot and bar plots."""
    return Markup(f"{min(max(float(value), 0.0), 100.0):g}%")


# Curators write notes for curators: field names, code spans, the validator. Readers see words.
READER_WORDS = {
    "cites": "primary-publication link", "median_follow_up_months": "median follow-up",
    "value_upper": "upper value", "n_at_risk": "patients at risk", "p_versus": "compared arm",
    "teae": "treatment-emergent (TEAE)", "not_reached": "not reached", "not_estimable": "not estimable",
    "source_id": "source", "locator": "place in the source", "ci_low": "lower confidence bound",
    "ci_high": "upper confidence bound", "timepoint_months": "time point",
}
_CODE = re.compile(r"`([^`]*)`")
ENGLISH_WORDS = {"cites", "locator"}
"""Field names that are also English ("the review cites reference 24"): replaced only when a
curator marks them as code (`cites`), never in running prose."""
_WORD = re.compile(r"\b(" + "|".join(sorted(map(re.escape, READER_WORDS.keys() - ENGLISH_WORDS), key=len,
                                             reverse=True)) + r")\b")
_VALIDATOR = re.compile(r"\bthe validator's warning\b|\bthe validator\b|\bvalidator\b")


def for_readers(text: str) -> str:
    """A curator's note in a reader's words: no code spans, no field names, no validator."""
    text = _CODE.sub(lambda m: READER_WORDS.get(m.group(1), m.group(1)), text)
    text = _WORD.sub(lambda m: READER_WORDS[m.group(1)], text)
    return _VALIDATOR.sub(lambda m: {"the validator's warning": "the automatic consistency check's warning",
                                     "the validator": "the automatic consistency check"}.get(
                                         m.group(0), "consistency check"), text)


def first_upper(text: str) -> str:
    """The first letter upper case, the rest as written (PIK3CA status stays PIK3CA)."""
    return text[:1].upper() + text[1:]


SHORTHANDS = {"DESTINY-Breast": "DB"}


def shorthands(acronym: str) -> list[str]:
    """How clinicians write a trial's name: DESTINY-Breast09 is DB-09 and DB09."""
    for prefix, short in SHORTHANDS.items():
        if acronym.startswith(prefix) and acronym[len(prefix):].isdigit():
            number = acronym[len(prefix):]
            return [f"{short}-{number}", f"{short}{number}"]
    return []


def forest_plot(comparisons: list[dict[str, Any]], title: str, label_key: str,
                emphasize_whole: bool = True) -> Forest:
    """The geometry of a forest plot of ``comparisons`` (``templates/forest.svg`` draws it);
    the whole-population row stands out among subgroups."""
    rows = [ForestRow(label=first_upper(f"{c['subgroup_category']}: {c[label_key]}" if label_key == "subgroup"
                                        and c.get("subgroup") else c[label_key] or "All patients"),
                      estimate=c["estimate"], ci_low=c["ci_low"], ci_high=c["ci_high"],
                      text=effect(c, measure=False), emphasis=emphasize_whole and c.get("subgroup") is None)
            for c in comparisons]
    return forest(rows, title)


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, finalize=_finalize,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters.update(num=num, ci=ci, effect=effect, p_value=p_value,
                       result_value=result_value, grade=grade,
                       ae_value=ae_value, abbreviation=abbreviation,
                       endpoint_name=endpoint_name, ae_category=ae_category,
                       registry_url=registry_url, href=href, external=external,
                       filesize=filesize, front_matter=front_matter,
                       characteristic_value=characteristic_value, follow_up=follow_up,
                       statistic_phrase=statistic_phrase, n_of=n_of, basis=basis,
                       median_difference=median_difference, ae_p_value=ae_p_value, percent_position=percent_position,
                       shorthands=shorthands, forest_plot=forest_plot,
                       first_upper=first_upper, for_readers=for_readers, absent=marker, marked=marked,
                       flag=flag, remainder=remainder,
                       mid_sentence=mid_sentence, statistic_of=statistic_of)
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
