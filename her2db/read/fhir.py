"""The FHIR R5 Bundle of a release: a ``Citation`` per source (and one for the release itself,
which carries the data licence), ``EvidenceVariable``s for the populations, arms and endpoints,
and an ``Evidence`` per comparison (its hazard or odds ratio, CI and p-value) and per arm result.

Every number is written as the source printed it: a FHIR decimal keeps its digits ("0.70", not
0.7), so the bundle is written by ``bundle_json`` (``Decimal`` as its text), never by a JSON
library that turns decimals into floats. A qualifier ("less than", "approximately") is never
dropped: it becomes the quantity's comparator where FHIR has one, and is always in the
statistic's description and notes. Each Evidence names its record id (an identifier, and the
anchor of its permalink on the study page when the site's address is known), its source (a
Citation), the locator and the quote as notes. The bundle is checked against the R5 models of
``fhir.resources`` before anything is written.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

from fhir.resources.bundle import Bundle

from ..model.licence import DATA_LICENCE_NAME, licence_statement
from ..model.numbers import PRINTED_TEXT, plain
from ..model.project import AUTHOR, TITLE
from . import named

RECORD_SYSTEM = "urn:her2db:record-id"
"""The identifier system of a record id (``model/identity.py``), the same in every release."""
SOURCE_SYSTEM = "urn:her2db:source-id"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:her2db")
STATISTIC_SYSTEM = "http://terminology.hl7.org/CodeSystem/statistic-type"
# only the codes checked against the published code system; other measures are named in text
STATISTIC_CODES = {"HR": ("C93150", "Hazard Ratio"), "count": ("C25463", "Count")}
MEASURE_NAMES = {"HR": "hazard ratio", "OR": "odds ratio", "RR": "relative risk"}
# a printed qualifier as FHIR's Quantity.comparator; "approximately" has none (``ad`` means
# "sufficient to achieve this total"), so it is carried in the description and a note only
COMPARATORS = {"less than": "<", "up to": "<=", "at least": ">=", "more than": ">"}
P_COMPARATORS = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}
UCUM = {"months": "mo", "%": "%"}


def full_url(kind: str, key: str) -> str:
    """A resource's ``fullUrl`` and id: a UUID derived from what it is, the same in every release."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{kind}:{key}')}"


def decimal(text: str | None, value: float | None = None) -> Decimal | None:
    """A FHIR decimal as printed ("0.70"); the plain form of ``value`` when the text is not digits."""
    if text is not None and PRINTED_TEXT.fullmatch(text):
        return Decimal(text)
    return Decimal(plain(value)) if value is not None else None


def permalink(base_url: str | None, study_id: str, record_id: str) -> str | None:
    """The record's anchor on its study page (record ids do not change between releases)."""
    return f"{base_url.rstrip('/')}/studies/{study_id}/#{record_id}" if base_url else None


def _resource(kind: str, key: str, resource: dict[str, Any]) -> dict[str, Any]:
    url = full_url(kind, key)
    return {"fullUrl": url, "resource": {"resourceType": resource["resourceType"], "id": url.removeprefix("urn:uuid:"),
                                         **resource}}


def _ref(kind: str, key: str, display: str | None = None) -> dict[str, Any]:
    return {"reference": full_url(kind, key), **({"display": display} if display else {})}


def _concept(text: str, code: tuple[str, str] | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text}
    if code:
        concept["coding"] = [{"system": STATISTIC_SYSTEM, "code": code[0], "display": code[1]}]
    return concept


def _notes(row: dict[str, Any], printed: str) -> list[dict[str, str]]:
    """What a reader of the site sees in a number's panel: the number as printed, the record,
    where it was read (source and locator), the quote, the primary publication it cites."""
    notes = [f"Printed: {printed}", f"Record: {row['record_id']}",
             f"Read in: {row['source_id']}, {row['locator']}"]
    if row.get("qualifier"):
        notes.append(f"Qualifier: {row['qualifier']}")
    if row.get("quote"):
        notes.append(f"Quote: “{row['quote']}”")
    if row.get("cites"):
        notes.append(f"Primary publication: {row['cites']}")
    if row.get("basis") and row["basis"] != "reported":
        notes.append(f"Basis: {row['basis']}" + (f" ({row['basis_note']})" if row.get("basis_note") else ""))
    return [{"text": text} for text in notes]


def _quantity(text: str | None, value: float | None, unit: str | None = None,
              comparator: str | None = None) -> dict[str, Any] | None:
    number = decimal(text, value)
    if number is None:
        return None
    quantity: dict[str, Any] = {"value": number}
    if comparator:
        quantity["comparator"] = comparator
    if unit:
        quantity["unit"] = unit
        if unit in UCUM:
            quantity.update(system="http://unitsofmeasure.org", code=UCUM[unit])
    return quantity


def _ci(row: dict[str, Any], unit: str | None = None) -> list[dict[str, Any]]:
    if row.get("ci_low_text") is None and row.get("ci_low") is None:
        return []
    level = Decimal(plain(row.get("ci_level") or 95.0)) / 100
    return [{"type": _concept("confidence interval"), "level": level,
             "description": f"{plain(row.get('ci_level') or 95.0)}% CI {row['ci_low_text']}–{row['ci_high_text']}",
             "range": {"low": _quantity(row["ci_low_text"], row["ci_low"], unit),
                       "high": _quantity(row["ci_high_text"], row["ci_high"], unit)}}]


def _evidence(row: dict[str, Any], title: str, printed: str, statistic: dict[str, Any],
              variables: list[dict[str, Any]], base_url: str | None) -> dict[str, Any]:
    evidence: dict[str, Any] = {
        "resourceType": "Evidence", "status": "active", "title": title,
        "identifier": [{"system": RECORD_SYSTEM, "value": row["record_id"]}],
        "citeAsReference": _ref("source", row["source_id"], row["source_id"]),
        "copyrightLabel": DATA_LICENCE_NAME,
        "note": _notes(row, printed),
        "variableDefinition": variables,
        "statistic": [{**statistic, "description": printed}],
    }
    artifacts = []
    if row.get("cites"):
        artifacts.append({"type": "citation", "label": "primary publication",
                          "resourceReference": _ref("source", row["cites"], row["cites"])})
    if link := permalink(base_url, row["study_id"], row["record_id"]):
        artifacts.append({"type": "documentation", "label": "her2db record",
                          "document": {"url": link, "title": title}})
    if artifacts:
        evidence["relatedArtifact"] = artifacts
    return evidence


def _variable(role: str, kind: str, key: str | None, display: str) -> dict[str, Any]:
    definition: dict[str, Any] = {"description": display, "variableRole": _concept(role)}
    if key is not None:
        definition["observed"] = _ref(kind, key, display)
    return definition


def _population(row: dict[str, Any]) -> dict[str, Any]:
    return _variable("population", "variable", row.get("population_record"), row.get("population") or "population")


def _where(row: dict[str, Any]) -> str:
    parts = [row.get("population") or "", (row.get("subgroup") and f"subgroup {row['subgroup']}") or "",
             (row.get("analysis") and f"{row['analysis']} analysis") or ""]
    return ", ".join(p for p in parts if p)


def comparison_evidence(row: dict[str, Any], base_url: str | None = None) -> dict[str, Any]:
    """A comparison: the effect measure with its CI and p-value, as printed."""
    measure = row["measure"]
    effect = row.get("estimate_text") or "not reported"
    ci = f" ({row['ci_low_text']}–{row['ci_high_text']})" if row.get("ci_low_text") else ""
    p = f"; p {row['p_operator'] or '='} {row['p_value_text']}" if row.get("p_value_text") else ""
    printed = f"{measure} {effect}{ci}{p}"
    estimates = _ci(row)
    if row.get("p_value_text") is not None or row.get("p_value") is not None:
        comparator = P_COMPARATORS.get(row.get("p_operator") or "")
        estimates.append({"type": _concept("p-value"), "description": p.removeprefix("; "),
                          "quantity": _quantity(row["p_value_text"], row["p_value"], None, comparator)})
    statistic: dict[str, Any] = {"statisticType": _concept(MEASURE_NAMES.get(measure, measure),
                                                           STATISTIC_CODES.get(measure))}
    if quantity := _quantity(row.get("estimate_text"), row.get("estimate"), row.get("unit")):
        statistic["quantity"] = quantity
    if estimates:
        statistic["attributeEstimate"] = estimates
    title = (f"{row['acronym']}: {row['endpoint']} {measure}, {row['experimental_arm']} vs {row['control_arm']}"
             + (f" ({_where(row)})" if _where(row) else ""))
    variables = [_population(row),
                 _variable("exposure", "variable", row["experimental_record"], row["experimental_arm"]),
                 _variable("referenceExposure", "variable", row["control_record"], row["control_arm"]),
                 _variable("measuredVariable", "endpoint", row["endpoint"], row["endpoint"])]
    return _evidence(row, title, printed, statistic, variables, base_url)


def result_evidence(row: dict[str, Any], base_url: str | None = None) -> dict[str, Any]:
    """An arm result: its value as printed with qualifier, range, unit and CI."""
    if row.get("not_reached"):
        printed = "not reached"
    elif row.get("not_estimable"):
        printed = "not estimable"
    else:
        shown = row.get("value_text") or ""
        if row.get("value_upper_text"):
            shown += f"–{row['value_upper_text']}"
        if row.get("unit"):
            shown += "%" if row["unit"] == "%" else f" {row['unit']}"
        printed = f"{row['qualifier']} {shown}" if row.get("qualifier") else shown
    if row.get("ci_low_text"):
        printed += f" (95% CI {row['ci_low_text']}–{row['ci_high_text']})" if not row.get("ci_level") or \
            row["ci_level"] == 95 else f" ({plain(row['ci_level'])}% CI {row['ci_low_text']}–{row['ci_high_text']})"
    statistic: dict[str, Any] = {"statisticType": _concept(row["statistic"], STATISTIC_CODES.get(row["statistic"]))}
    if not row.get("not_reached") and not row.get("not_estimable"):
        comparator = COMPARATORS.get(row.get("qualifier") or "")
        if quantity := _quantity(row.get("value_text"), row.get("value"), row.get("unit"), comparator):
            statistic["quantity"] = quantity
    estimates = _ci(row, row.get("unit"))
    if row.get("value_upper_text"):
        estimates.append({"type": _concept("range as printed"),
                          "range": {"low": _quantity(row["value_text"], row["value"], row.get("unit")),
                                    "high": _quantity(row["value_upper_text"], row["value_upper"], row.get("unit"))}})
    if estimates:
        statistic["attributeEstimate"] = estimates
    if row.get("denominator") is not None:
        statistic["sampleSize"] = {"numberOfParticipants": row["denominator"]}
    if row.get("n") is not None:
        statistic["numberAffected"] = row["n"]
    at = f"at {plain(row['timepoint_months'])} months" if row.get("timepoint_months") else ""
    what = " ".join(p for p in (row["endpoint"], row.get("category") or "", row["statistic"], at) if p)
    title = f"{row['acronym']}: {what}, {row['arm']}" + (f" ({_where(row)})" if _where(row) else "")
    variables = [_population(row),
                 _variable("exposure", "variable", row["arm_record"], row["arm"]),
                 _variable("measuredVariable", "endpoint", row["endpoint"], row["endpoint"])]
    return _evidence(row, title, printed, statistic, variables, base_url)


def source_citation(source: dict[str, Any]) -> dict[str, Any]:
    """A publication the numbers were read from, with only the identifiers checked (sources.yaml)."""
    identifiers = [{"system": SOURCE_SYSTEM, "value": source["source_id"]}]
    if source.get("doi"):
        identifiers.append({"system": "urn:ietf:rfc:3986", "value": f"https://doi.org/{source['doi']}"})
    if source.get("pmid"):
        identifiers.append({"system": "https://pubmed.ncbi.nlm.nih.gov", "value": str(source["pmid"])})
    artifact: dict[str, Any] = {"identifier": identifiers, "title": [{"text": source["citation"]}]}
    if source.get("url"):
        artifact["webLocation"] = [{"url": source["url"]}]
    if source.get("year"):
        artifact["publicationForm"] = [{"publishedIn": {"title": str(source["kind"])},
                                        "articleDate": str(source["year"])}]
    return {"resourceType": "Citation", "status": "active", "title": source["citation"],
            "identifier": [{"system": SOURCE_SYSTEM, "value": source["source_id"]}],
            "summary": [{"text": source["citation"]}], "citedArtifact": artifact}


def release_citation(version: str | None, date: str | None, doi: str | None) -> dict[str, Any]:
    """her2db itself, at this release: the licence of the curated data is stated here."""
    citation: dict[str, Any] = {
        "resourceType": "Citation", "status": "active" if version else "draft", "title": TITLE,
        "publisher": AUTHOR,
        "version": version or "working copy", "copyright": licence_statement(),
        "copyrightLabel": DATA_LICENCE_NAME}
    if date:
        citation["date"] = date
    if doi:
        citation["identifier"] = [{"system": "urn:ietf:rfc:3986", "value": f"https://doi.org/{doi}"}]
    return citation


def bundle(conn: Any, base_url: str | None = None) -> dict[str, Any]:
    """The whole bundle as JSON-ready data (decimals as ``Decimal``), checked by ``fhir.resources``."""
    releases = named.releases(conn)
    latest = releases[0] if releases else None
    version = latest["version"] if latest else None
    entries = [_resource("release", version or "dev", release_citation(
        version, latest["date"] if latest else None, latest.get("doi") if latest else None))]
    entries += [_resource("source", s["source_id"], source_citation(s)) for s in named.sources(conn)]
    entries += [_resource("endpoint", e["code"], {
        "resourceType": "EvidenceVariable", "status": "active", "name": e["code"], "title": e["label"],
        **({"description": e["definition"]} if e.get("definition") else {})}) for e in named.endpoints(conn)]
    for v in named.rows(conn, "fhir_variables"):
        variable: dict[str, Any] = {
            "resourceType": "EvidenceVariable", "status": "active", "title": f"{v['acronym']}: {v['label']}",
            "identifier": [{"system": RECORD_SYSTEM, "value": v["record_id"]}],
            "note": [{"text": f"Record: {v['record_id']}"}, {"text": f"Read in: {v['source_id']}, {v['locator']}"}]}
        if v.get("definition"):
            variable["description"] = v["definition"]
        if v.get("n") is not None:
            variable["note"].append({"text": f"n = {v['n']}"})
        entries.append(_resource("variable", v["record_id"], variable))
    entries += [_resource("evidence", r["record_id"], comparison_evidence(r, base_url))
                for r in named.rows(conn, "fhir_comparisons")]
    entries += [_resource("evidence", r["record_id"], result_evidence(r, base_url))
                for r in named.rows(conn, "fhir_arm_results")]
    data: dict[str, Any] = {"resourceType": "Bundle", "id": f"her2db-{version or 'dev'}", "type": "collection",
                            "identifier": {"system": "urn:her2db:release", "value": version or "dev"}}
    if latest:
        data["timestamp"] = f"{latest['date']}T00:00:00Z"
    data["entry"] = entries
    Bundle.model_validate(data)  # raises pydantic's ValidationError: a bug here, never bad input
    return data


def bundle_json(data: Any, indent: str = "") -> str:
    """JSON with each ``Decimal`` written as its digits (FHIR decimals keep "0.70"): one
    member a line, two spaces a level, so releases diff line by line."""
    inner = indent + "  "
    if isinstance(data, dict):
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {bundle_json(v, inner)}" for k, v in data.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}" if items else "{}"
    if isinstance(data, list):
        items = [inner + bundle_json(v, inner) for v in data]
        return "[\n" + ",\n".join(items) + f"\n{indent}]" if items else "[]"
    if isinstance(data, Decimal):
        return format(data, "f")  # never an exponent: 0.0000001, not 1E-7
    return json.dumps(data, ensure_ascii=False)


def bundle_name(conn: Any) -> str:
    """The stem of the bundle's file: ``her2db-<release>`` when the database records one."""
    releases = named.releases(conn)
    return f"her2db-{releases[0]['version']}" if releases else "her2db"
