"""The curated YAML format: one pydantic model per kind of file in ``db/``.

These models check shape and types (a string where a number belongs, a missing field, a
misspelt key); ``validate.py`` checks meaning (references, CIs, percentages). The JSON Schema
in ``schema/study.schema.json`` is generated from ``StudyFile`` so editors check files as they
are typed. In a study file, arms, populations, analyses and subgroups are named by ``key``s.
"""

from __future__ import annotations

import os
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    WithJsonSchema,
)

from .numbers import PRINTED_TEXT, SQLITE_MAX_INT, Printed
from .values import (
    AE_TERM_PATTERN,
    DOI_PATTERN,
    ENDPOINT_CODE_PATTERN,
    RELEASE_VERSION_PATTERN,
    SLUG_PATTERN,
    iso_date,
    printed,
)

os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")  # finding plugins reads all packages' metadata

# A number as the source prints it: a YAML number, or a quoted string ("0.70", "29.0") when the
# printed form has trailing zeros YAML would drop. The value keeps its text (numbers.Printed).
Number = Annotated[Printed, PlainValidator(printed), WithJsonSchema({
    "anyOf": [{"type": "number"}, {"type": "string", "pattern": f"^{PRINTED_TEXT.pattern}$"}],
    "description": "A number as printed; quote it (\"0.70\") to keep trailing zeros",
})]
# counts and other plain quantities: finite, never negative, small enough for SQLite
Count = Annotated[StrictInt, Field(ge=0, le=SQLITE_MAX_INT)]
Months = Annotated[StrictFloat, Field(ge=0, allow_inf_nan=False)]
CiLevel = Annotated[StrictFloat, Field(gt=0, lt=100, allow_inf_nan=False)]

StudyKind = Literal[
    "randomized trial",
    "single-arm trial",
    "registry",
    "retrospective cohort",
    "ambispective cohort",
    "planned trial",
]
Setting = Literal["early", "metastatic"]
Line = Literal["first line", "first-line maintenance", "second line or later", "any"]
SourceKind = Literal["article", "congress abstract", "review", "registry record"]
ArmRole = Literal["experimental", "control", "cohort"]
EndpointRole = Literal["primary", "secondary", "exploratory"]
Assessor = Literal["BICR", "investigator"]
Statistic = Literal["median", "rate", "proportion", "count", "mean", "probability"]
Measure = Literal["HR", "OR", "RR", "difference", "not reported"]
Qualifier = Literal["approximately", "more than", "at least", "less than", "up to"]
Basis = Literal["reported", "derived", "curator"]
POperator = Literal["<", "=", "<=", ">"]
AeCategory = Literal[
    "teae",
    "treatment-related",
    "serious",
    "leading to discontinuation",
    "leading to dose reduction",
    "leading to interruption",
    "adjudicated",
]
Grade = Literal["any", ">=3", "3-4", ">=4", "5", "<=2"]
DrugClass = Literal[
    "ADC",
    "monoclonal antibody",
    "TKI",
    "CDK4/6 inhibitor",
    "chemotherapy",
    "endocrine therapy",
    "placebo",
    "other",
]

Key = Annotated[StrictStr, Field(pattern=SLUG_PATTERN)]  # a record's key, in its id: thp, never THP or "T H P"
IsoDate = Annotated[StrictStr, AfterValidator(iso_date)]


class Strict(BaseModel):
    """Base: unknown keys are errors, so a misspelt field never vanishes silently. Validators
    are built on first use (``defer_build``): an edit of a study builds no other file's."""

    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


class Provenance(Strict):
    source_id: StrictStr = Field(description="Id of the source in db/sources.yaml the value was read from")
    locator: StrictStr = Field(min_length=1, description='Where in the source, e.g. "Table 1", "text, PATINA section"')
    cites: StrictStr | None = Field(None, description="Id of the primary publication the source cites for it")
    quote: StrictStr | None = Field(None, description="The sentence or table row, verbatim")
    basis: Basis = Field("reported", description="reported by a source, derived, or a curator's reading")
    basis_note: StrictStr | None = Field(None, description="The formula (derived) or the reading (curator)")
    caution: StrictStr | None = Field(
        None, description="What a reader must know before using the number, in a few words shown as a flag "
                          "beside it (likely misprint, sources disagree, denominator unclear); the notes say why")
    read_at: StrictStr | None = Field(
        None, description="Address of the page the value was read on, where the source itself is not quoted "
                          "(a journal abstract or its copy)")
    preferred: StrictBool | None = Field(
        None, description="true: the report of this data point that views and pages show, among several "
                          "sources' reports of it (otherwise the rule of model/identity.py decides)")
    checked_by: StrictStr | None = Field(None, max_length=200, description="Who checked the record against its source")
    checked_on: IsoDate | None = Field(None, description="When it was checked (YYYY-MM-DD); a change clears both")


class Analysis(Provenance):
    key: Key
    label: StrictStr = Field(description="primary, interim, final, end-of-study, ...")
    data_cutoff: StrictStr | None = None
    median_follow_up_months: Number | None = None
    notes: StrictStr | None = None


class Population(Provenance):
    key: Key
    label: StrictStr
    n: Count | None = None
    definition: StrictStr | None = None
    enrolled: StrictBool = Field(False, description="True for the population whose n is the study's enrolment")
    notes: StrictStr | None = None


class Arm(Provenance):
    key: Key
    label: StrictStr
    role: ArmRole
    regimen: StrictStr | None = None
    drugs: list[StrictStr] = Field(default_factory=list, description="Drug ids from db/vocabulary/drugs.yaml")
    n_randomized: Count | None = None
    n_treated: Count | None = None
    notes: StrictStr | None = None


class Subgroup(Provenance):
    key: Key
    category: StrictStr = Field(description="hormone receptor status, disease presentation, ...")
    level: StrictStr
    n: Count | None = None
    notes: StrictStr | None = None


class StudyEndpoint(Provenance):
    endpoint: StrictStr
    role: EndpointRole
    assessor: Assessor | None = None
    definition: StrictStr | None = None
    notes: StrictStr | None = None


class ArmResult(Provenance):
    endpoint: StrictStr
    arm: StrictStr
    statistic: Statistic
    value: Number | None = None
    qualifier: Qualifier | None = Field(None, description="approximately, more than, ... as printed")
    value_upper: Number | None = Field(None, description='Upper end of a printed range ("61–80%")')
    unit: StrictStr | None = Field(None, description='"months", "%", "patients", ...')
    category: StrictStr | None = Field(None, description="For breakdowns: attrition reason, regimen, ...")
    breakdown: StrictStr | None = Field(
        None, description="Name of a set of mutually exclusive parts (their shares add up to at most 100%)")
    analysis: StrictStr | None = None
    population: StrictStr | None = None
    subgroup: StrictStr | None = None
    ci_low: Number | None = None
    ci_high: Number | None = None
    ci_level: CiLevel | None = None
    timepoint_months: Months | None = Field(None, description="Landmark of a rate, in months")
    n: Count | None = None
    denominator: Count | None = None
    not_reached: StrictBool = False
    not_estimable: StrictBool = False
    notes: StrictStr | None = None


class Comparison(Provenance):
    endpoint: StrictStr
    measure: Measure
    experimental: StrictStr = Field(description="Arm key")
    control: StrictStr = Field(description="Arm key")
    estimate: Number | None = Field(None, description="Empty only when the source reports just the p-value")
    unit: StrictStr | None = Field(None, description="Unit of a difference (months, percentage points)")
    ci_low: Number | None = None
    ci_high: Number | None = None
    ci_level: CiLevel | None = 95
    p_value: Number | None = None
    p_operator: POperator | None = None
    analysis: StrictStr | None = None
    population: StrictStr | None = None
    subgroup: StrictStr | None = None
    method: StrictStr | None = None
    notes: StrictStr | None = None


class AdverseEvent(Provenance):
    arm: StrictStr
    term: StrictStr
    category: AeCategory
    grade: Grade
    n: Count | None = None
    pct: Number | None = None
    qualifier: Qualifier | None = None
    n_at_risk: Count | None = None
    p_value: Number | None = Field(None, description="p-value of the difference from the arm p_versus")
    p_operator: POperator | None = None
    p_versus: StrictStr | None = Field(None, description="Arm key the p-value compares this arm with")
    population: StrictStr | None = None
    notes: StrictStr | None = None


class Characteristic(Provenance):
    name: StrictStr
    statistic: Statistic
    value: Number | None = None
    value_text: StrictStr | None = Field(
        None, description='The value as printed when the source spells it in words ("six")')
    qualifier: Qualifier | None = None
    value_upper: Number | None = None
    unit: StrictStr | None = None
    category: StrictStr | None = None
    population: StrictStr | None = None
    arm: StrictStr | None = None
    subgroup: StrictStr | None = None
    n: Count | None = None
    denominator: Count | None = None
    notes: StrictStr | None = None


class FieldBasis(Strict):
    """What a study-level field (kind, title, status, ...) rests on, when not simply reported."""

    basis: Basis
    note: StrictStr = Field(min_length=1, description="The formula, or what the curator read and why")


class StudyFile(Strict):
    """One study: ``db/studies/<id>.yaml``."""

    id: StrictStr = Field(pattern=SLUG_PATTERN)
    acronym: StrictStr
    title: StrictStr
    kind: StudyKind
    phase: StrictStr | None = None
    setting: Setting
    line: Line | None = None
    design: StrictStr | None = None
    registry_id: StrictStr | None = None
    sponsor: StrictStr | None = None
    countries: list[StrictStr] = Field(default_factory=list)
    period_start: StrictStr | None = None
    period_end: StrictStr | None = None
    status: StrictStr | None = None
    summary: StrictStr | None = None
    role_in_review: StrictStr | None = None
    notes: StrictStr | None = Field(None, description="Curator notes: discrepancies, ambiguities")
    references: list[StrictStr] = Field(default_factory=list, description="Source ids describing the study")
    field_basis: dict[StrictStr, FieldBasis] = Field(
        default_factory=dict, description="Study-level fields that are derived or a curator's reading")
    analyses: list[Analysis] = Field(default_factory=list)
    populations: list[Population] = Field(default_factory=list)
    arms: list[Arm] = Field(default_factory=list)
    subgroups: list[Subgroup] = Field(default_factory=list)
    endpoints: list[StudyEndpoint] = Field(default_factory=list)
    results: list[ArmResult] = Field(default_factory=list)
    comparisons: list[Comparison] = Field(default_factory=list)
    adverse_events: list[AdverseEvent] = Field(default_factory=list)
    characteristics: list[Characteristic] = Field(default_factory=list)


class Source(Strict):
    id: StrictStr = Field(pattern=SLUG_PATTERN)
    kind: SourceKind
    citation: StrictStr
    year: Count | None = None
    doi: StrictStr | None = None
    pmid: StrictStr | None = None
    url: StrictStr | None = None
    text: StrictStr | None = Field(None, description="Path of the full text, relative to the sources folder")
    notes: StrictStr | None = None


class SourcesFile(Strict):
    sources: list[Source]


class EndpointTerm(Strict):
    code: StrictStr = Field(pattern=ENDPOINT_CODE_PATTERN)
    label: StrictStr
    definition: StrictStr


class EndpointsFile(Strict):
    endpoints: list[EndpointTerm]


class DrugTerm(Strict):
    id: StrictStr = Field(pattern=SLUG_PATTERN)
    name: StrictStr
    drug_class: DrugClass = Field(alias="class")
    synonyms: list[StrictStr] = Field(default_factory=list)


class DrugsFile(Strict):
    drugs: list[DrugTerm]


class AeTermEntry(Strict):
    term: StrictStr = Field(pattern=AE_TERM_PATTERN)
    label: StrictStr
    group: StrictStr | None = None


class AeTermsFile(Strict):
    terms: list[AeTermEntry]


class ReleaseEntry(Strict):
    version: StrictStr = Field(pattern=RELEASE_VERSION_PATTERN)
    date: IsoDate
    studies: StrictInt
    results: StrictInt
    comparisons: StrictInt
    adverse_events: StrictInt
    notes: StrictStr | None = None
    doi: StrictStr | None = Field(default=None, pattern=DOI_PATTERN,
                                  description="the release's DOI once archived, e.g. 10.5281/zenodo.1234567")


class ReleasesFile(Strict):
    releases: list[ReleaseEntry] = Field(default_factory=list)


class ReleaseChangeEntry(Strict):
    """A record removed, added or changed, named by what it is (``diff.Change.label``)."""

    kind: Literal["removed", "added", "changed"]
    study_id: StrictStr | None = None
    table: StrictStr
    record: StrictStr
    detail: StrictStr | None = None


class ReleaseChangelogFile(Strict):
    """``releases/<version>.yaml``: what ``version`` changed since ``previous``."""

    version: StrictStr = Field(pattern=RELEASE_VERSION_PATTERN)
    previous: StrictStr = Field(pattern=RELEASE_VERSION_PATTERN)
    changes: list[ReleaseChangeEntry] = Field(default_factory=list)


class ExceptionEntry(Strict):
    number: StrictStr
    reason: StrictStr
    context: StrictStr | None = None


class CoverageExceptionsFile(Strict):
    exceptions: list[ExceptionEntry] = Field(default_factory=list)
