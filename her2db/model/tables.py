"""The normalized tables of the database (SQLModel).

The curated YAML (see ``curated.py``) is the source of truth; these tables are what a load
builds from it. Integer ids are assigned by the loader in file order, so the same sources
always give the same database. Every row that holds a number carries its provenance:
``source_id`` (where the curator read it), ``locator`` (where in that source), optionally
``cites`` (the primary publication the source cites) and a verbatim ``quote``, and its ``basis``
(reported, derived or a curator's reading). Every number ``X`` has ``X_text`` beside it: the
text the source printed ("0.70", "29.0"), which is what displays show.
"""

from __future__ import annotations

from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import Field, SQLModel


class Source(SQLModel, table=True):
    """A publication or registry record that numbers are read from or cited to."""

    id: str = Field(primary_key=True)
    kind: str
    citation: str
    year: int | None = None
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    notes: str | None = None


class Endpoint(SQLModel, table=True):
    """Endpoint vocabulary (``db/vocabulary/endpoints.yaml``), ``position`` its order there
    (pages list endpoints in vocabulary order, on every engine)."""

    code: str = Field(primary_key=True)
    label: str
    definition: str
    position: int


class Drug(SQLModel, table=True):
    """Drug vocabulary (``db/vocabulary/drugs.yaml``); synonyms are ``; ``-separated."""

    id: str = Field(primary_key=True)
    name: str
    drug_class: str
    synonyms: str | None = None


class AeTerm(SQLModel, table=True):
    """Adverse-event term vocabulary (``db/vocabulary/ae_terms.yaml``), lower case."""

    __tablename__ = "ae_term"
    term: str = Field(primary_key=True)
    label: str
    group: str | None = None


class Study(SQLModel, table=True):
    id: str = Field(primary_key=True)
    acronym: str
    title: str
    kind: str
    phase: str | None = None
    setting: str
    line: str | None = None
    design: str | None = None
    registry_id: str | None = None
    sponsor: str | None = None
    countries: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    status: str | None = None
    summary: str | None = None
    role_in_review: str | None = None
    notes: str | None = None


class StudySource(SQLModel, table=True):
    """The publications that describe a study (its reference list)."""

    __tablename__ = "study_source"
    study_id: str = Field(foreign_key="study.id", primary_key=True)
    source_id: str = Field(foreign_key="source.id", primary_key=True, index=True)
    position: int


class Provenance(SQLModel):
    """Columns shared by every curated row: where its content was read."""

    source_id: str = Field(foreign_key="source.id", index=True)
    locator: str
    cites: str | None = Field(default=None, foreign_key="source.id", index=True)
    quote: str | None = None
    basis: str = Field(default="reported", sa_column_kwargs={"server_default": "reported"})
    basis_note: str | None = None
    caution: str | None = None
    read_at: str | None = None
    record_id: str = Field(index=True)
    preferred: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})
    checked_by: str | None = None
    checked_on: str | None = None


class StudyFieldBasis(SQLModel, table=True):
    """A study-level field (kind, title, status, ...) that is derived or a curator's reading;
    fields without a row are reported by the study's sources."""

    __tablename__ = "study_field_basis"
    study_id: str = Field(foreign_key="study.id", primary_key=True)
    field: str = Field(primary_key=True)
    basis: str
    basis_note: str


class Analysis(Provenance, table=True):
    __table_args__ = (UniqueConstraint("study_id", "key"),)
    id: int = Field(primary_key=True)
    study_id: str = Field(foreign_key="study.id", index=True)
    key: str
    label: str
    data_cutoff: str | None = None
    median_follow_up_months: float | None = None
    median_follow_up_months_text: str | None = None
    notes: str | None = None


class Population(Provenance, table=True):
    __table_args__ = (UniqueConstraint("study_id", "key"),)
    id: int = Field(primary_key=True)
    study_id: str = Field(foreign_key="study.id", index=True)
    key: str
    label: str
    n: int | None = None
    definition: str | None = None
    enrolled: bool = False
    notes: str | None = None


class Arm(Provenance, table=True):
    __table_args__ = (UniqueConstraint("study_id", "key"),)
    id: int = Field(primary_key=True)
    study_id: str = Field(foreign_key="study.id", index=True)
    key: str
    label: str
    role: str
    regimen: str | None = None
    n_randomized: int | None = None
    n_treated: int | None = None
    notes: str | None = None


class Intervention(SQLModel, table=True):
    arm_id: int = Field(foreign_key="arm.id", primary_key=True)
    drug_id: str = Field(foreign_key="drug.id", primary_key=True, index=True)
    position: int


class Subgroup(Provenance, table=True):
    __table_args__ = (UniqueConstraint("study_id", "key"),)
    id: int = Field(primary_key=True)
    study_id: str = Field(foreign_key="study.id", index=True)
    key: str
    category: str
    level: str
    n: int | None = None
    notes: str | None = None


class StudyEndpoint(Provenance, table=True):
    __tablename__ = "study_endpoint"
    id: int = Field(primary_key=True)
    study_id: str = Field(foreign_key="study.id", index=True)
    endpoint: str = Field(foreign_key="endpoint.code", index=True)
    role: str
    assessor: str | None = None
    definition: str | None = None
    notes: str | None = None


class ArmResult(Provenance, table=True):
    """One value for one arm or cohort: a median, a rate, a share, a count."""

    __tablename__ = "arm_result"
    __table_args__ = (Index("ix_arm_result_study_endpoint", "study_id", "endpoint"),)
    id: int = Field(primary_key=True)
    study_id: str = Field(foreign_key="study.id")
    arm_id: int = Field(foreign_key="arm.id", index=True)
    analysis_id: int | None = Field(default=None, foreign_key="analysis.id")
    population_id: int | None = Field(default=None, foreign_key="population.id")
    subgroup_id: int | None = Field(default=None, foreign_key="subgroup.id")
    endpoint: str = Field(foreign_key="endpoint.code", index=True)
    category: str | None = None
    breakdown: str | None = None
    statistic: str
    value: float | None = None
    value_text: str | None = None
    qualifier: str | None = None
    value_upper: float | None = None
    value_upper_text: str | None = None
    unit: str | None = None
    ci_low: float | None = None
    ci_low_text: str | None = None
    ci_high: float | None = None
    ci_high_text: str | None = None
    ci_level: float | None = None
    timepoint_months: float | None = None
    n: int | None = None
    denominator: int | None = None
    not_reached: bool = False
    not_estimable: bool = False
    notes: str | None = None


class Comparison(Provenance, table=True):
    """An effect between two arms (HR, OR, RR, difference, or only a p-value: measure
    "not reported"), overall or in a subgroup."""

    __table_args__ = (Index("ix_comparison_study_endpoint", "study_id", "endpoint"),)
    id: int = Field(primary_key=True)
    study_id: str = Field(foreign_key="study.id")
    analysis_id: int | None = Field(default=None, foreign_key="analysis.id")
    population_id: int | None = Field(default=None, foreign_key="population.id")
    subgroup_id: int | None = Field(default=None, foreign_key="subgroup.id")
    endpoint: str = Field(foreign_key="endpoint.code", index=True)
    measure: str
    experimental_arm_id: int = Field(foreign_key="arm.id")
    control_arm_id: int = Field(foreign_key="arm.id")
    estimate: float | None = None
    estimate_text: str | None = None
    unit: str | None = None
    ci_low: float | None = None
    ci_low_text: str | None = None
    ci_high: float | None = None
    ci_high_text: str | None = None
    ci_level: float | None = None
    p_value: float | None = None
    p_value_text: str | None = None
    p_operator: str | None = None
    method: str | None = None
    notes: str | None = None


class AdverseEvent(Provenance, table=True):
    __tablename__ = "adverse_event"
    __table_args__ = (Index("ix_adverse_event_study_term", "study_id", "term"),)
    id: int = Field(primary_key=True)
    study_id: str = Field(foreign_key="study.id")
    arm_id: int = Field(foreign_key="arm.id", index=True)
    population_id: int | None = Field(default=None, foreign_key="population.id")
    term: str = Field(foreign_key="ae_term.term", index=True)
    category: str
    grade: str
    n: int | None = None
    pct: float | None = None
    pct_text: str | None = None
    qualifier: str | None = None
    n_at_risk: int | None = None
    p_value: float | None = None
    p_value_text: str | None = None
    p_operator: str | None = None
    p_versus_arm_id: int | None = Field(default=None, foreign_key="arm.id")
    notes: str | None = None


class Characteristic(Provenance, table=True):
    """A baseline or cohort descriptor (median age, share with de novo disease, ...)."""

    id: int = Field(primary_key=True)
    study_id: str = Field(foreign_key="study.id", index=True)
    population_id: int | None = Field(default=None, foreign_key="population.id")
    arm_id: int | None = Field(default=None, foreign_key="arm.id")
    subgroup_id: int | None = Field(default=None, foreign_key="subgroup.id")
    name: str
    category: str | None = None
    statistic: str
    value: float | None = None
    value_text: str | None = None
    qualifier: str | None = None
    value_upper: float | None = None
    value_upper_text: str | None = None
    unit: str | None = None
    n: int | None = None
    denominator: int | None = None
    notes: str | None = None


class Release(SQLModel, table=True):
    """A published data release (``YYYY.MM``), read from ``db/releases.yaml``."""

    version: str = Field(primary_key=True)
    date: str
    studies: int
    results: int
    comparisons: int
    adverse_events: int
    notes: str | None = None
    changes_since: str | None = None  # the release its changelog compares with; none for the first
    doi: str | None = None  # recorded once the release is archived (``.zenodo.json``)


class ReleaseChange(SQLModel, table=True):
    """One record a release removed, added or changed since the release before it, read from
    ``db/releases/<version>.yaml`` (written by ``her2db release``); the Releases page lists them."""

    __tablename__ = "release_change"

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(foreign_key="release.version", index=True)
    kind: str  # removed, added or changed
    study_id: str | None = None  # no foreign key: a removed study is no longer in the database
    record_table: str
    label: str  # what the record is (``diff.Change.label``), e.g. "endpoint OS · arm thp"
    detail: str | None = None


class McbsGrade(SQLModel, table=True):
    """A randomized study's ESMO-MCBS preliminary grade, computed by the load from its preferred
    reports (``curate/mcbs.py``, ``model/mcbs.py``): never an official ESMO-MCBS score. Numbers
    are REAL for comparisons, with their exact text beside them."""

    __tablename__ = "mcbs_grade"

    study_id: str = Field(foreign_key="study.id", primary_key=True)
    version: str
    form: str | None = None
    grade: int | None = None  # empty when not scorable
    reason: str
    band: str | None = None
    threshold_row: str | None = None
    endpoint: str | None = None
    analysis: str | None = None
    population: str | None = None
    hr: float | None = None
    hr_text: str | None = None
    hr_lower_limit: float | None = None
    hr_lower_limit_text: str | None = None
    hr_upper_limit: float | None = None
    hr_upper_limit_text: str | None = None
    control_median: float | None = None
    control_median_text: str | None = None
    experimental_median: float | None = None
    experimental_median_text: str | None = None
    gain: float | None = None
    gain_text: str | None = None
    hr_record_id: str | None = None
    control_record_id: str | None = None
    experimental_record_id: str | None = None


def ddl_statements() -> list[CreateTable | CreateIndex]:
    """CREATE TABLE and CREATE INDEX for every table, in one fixed order (tables by dependency,
    then each table's indexes by name). ``metadata.create_all`` walks each table's indexes as a
    set, whose order changes with ``PYTHONHASHSEED``: two loads would differ in ``.dump``."""
    statements: list[CreateTable | CreateIndex] = []
    for table in SQLModel.metadata.sorted_tables:
        statements.append(CreateTable(table))
        statements.extend(CreateIndex(index) for index in sorted(table.indexes, key=lambda i: i.name or ""))
    return statements


class BuildStamp(SQLModel, table=True):
    """What the database was loaded from: the digest of the curated files (names and contents).
    A reading command compares it with the files as they are now, so a database left behind
    by an interrupted edit is reloaded (or refused), never read as if it were current."""

    __tablename__ = "build_stamp"

    sources_digest: str = Field(primary_key=True)
