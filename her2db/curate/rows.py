"""The validated corpus as table rows, in a fixed order: the same corpus always gives the same
ids and the same ``sqlite3 .dump``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..model.classes import StudyFile
from ..model.identity import group_reports, preferred_index
from ..model.registry import KEYED_SECTIONS, ROW_SECTIONS, TABLE_OF, record_values
from ..store.sqlite import BLOCK
from ..store.write import Rows
from .corpus import Corpus
from .mcbs import grade_row


class Ids:
    """One study's integer ids per table, in file order: from ``base`` + 1 (its block, see
    ``store.update``), or from ``first``'s id for a table (where an edit replaces its rows). They
    stay within the block: validation refuses a section longer than one (``references``)."""

    def __init__(self, first: dict[str, int] | None = None, base: int = 0) -> None:
        self._base = base
        self._next = {table: start - 1 for table, start in (first or {}).items()}

    def __call__(self, table: str) -> int:
        self._next[table] = self._next.get(table, self._base) + 1
        return self._next[table]


def corpus_rows(corpus: Corpus, columns: dict[str, set[str]],
                on_study: Callable[[str], None] | None = None) -> Iterator[Rows]:
    """Translate the validated corpus into rows (``columns``: each table's), in a fixed order,
    in batches: the sources, vocabularies and releases, then one study at a time."""
    rows: Rows = {}
    since = {log.version: log.previous for log in corpus.changelogs}
    for vocabulary in (corpus.sources, corpus.drugs, corpus.ae_terms):
        for term in vocabulary:
            _add(rows, columns, TABLE_OF[type(term)], term)
    for position, endpoint in enumerate(corpus.endpoints):  # pages list endpoints in this order
        _add(rows, columns, "endpoint", endpoint, position=position)
    for release in corpus.releases:
        _add(rows, columns, "release", release, changes_since=since.get(release.version))
    changes = [(log.version, change) for log in corpus.changelogs for change in log.changes]
    for row_id, (version, change) in enumerate(changes, start=1):
        _add(rows, columns, "release_change", id=row_id, version=version, kind=change.kind,
             study_id=change.study_id, record_table=change.table, label=change.record, detail=change.detail)
    yield rows

    sources = {source.id: source for source in corpus.sources}
    for place, entry in enumerate(sorted(corpus.studies, key=lambda e: e.study.id)):
        if on_study:
            on_study(entry.study.id)
        yield study_rows(entry.study, columns, sources, Ids(base=place * BLOCK))


def _add(rows: Rows, columns: dict[str, set[str]], table: str, record: Any = None,
         keys: dict[str, dict[str, int]] | None = None, **values: Any) -> None:
    """One row: the record's fields, then ``values``; columns not given are NULL."""
    given = {**(record_values(record, columns[table], keys) if record is not None else {}), **values}
    if not given.keys() <= columns[table]:
        raise ValueError(f"table {table} has no column {sorted(given.keys() - columns[table])}")
    rows.setdefault(table, []).append(given)


def study_rows(study: StudyFile, columns: dict[str, set[str]], sources: dict[str, Any], ids: Ids) -> Rows:
    """One study's rows, with ids from ``ids``; ``sources`` (by id: their kind and year) decide
    which report of a data point is preferred."""
    rows: Rows = {}
    _add(rows, columns, "study", study)
    for name, field_basis in sorted(study.field_basis.items()):
        _add(rows, columns, "study_field_basis", study_id=study.id, field=name, basis=field_basis.basis,
             basis_note=field_basis.note)
    for position, source_id in enumerate(study.references):
        _add(rows, columns, "study_source", study_id=study.id, source_id=source_id, position=position)
    identity = {section: _identities(study.id, section, getattr(study, section), sources)
                for section in KEYED_SECTIONS + ROW_SECTIONS}
    keys: dict[str, dict[str, int]] = {section: {} for section in KEYED_SECTIONS}
    for section in KEYED_SECTIONS:
        for record, (record_id, preferred) in zip(getattr(study, section), identity[section], strict=True):
            table = TABLE_OF[type(record)]
            keys[section][record.key] = row_id = ids(table)
            _add(rows, columns, table, record, id=row_id, study_id=study.id, record_id=record_id,
                 preferred=preferred)
    for arm in study.arms:
        for position, drug in enumerate(arm.drugs):
            _add(rows, columns, "intervention", arm_id=keys["arms"][arm.key], drug_id=drug, position=position)
    for section in ROW_SECTIONS:
        for record, (record_id, preferred) in zip(getattr(study, section), identity[section], strict=True):
            table = TABLE_OF[type(record)]
            _add(rows, columns, table, record, keys, id=ids(table), study_id=study.id, record_id=record_id,
                 preferred=preferred)
    if study.kind == "randomized trial":
        _add(rows, columns, "mcbs_grade", **grade_row(study, identity))
    return rows


def _identities(study_id: str, section: str, records: list[Any],
                sources: dict[str, Any]) -> list[tuple[str, bool]]:
    """Each record's data-point id and whether it is the preferred report of that data point."""
    out: list[tuple[str, bool]] = [("", True)] * len(records)
    for record_id, reports in group_reports(section, study_id, records).items():
        chosen = preferred_index([record for _, record in reports],
                                 lambda source: getattr(sources.get(source), "kind", None),
                                 lambda source: getattr(sources.get(source), "year", None))
        for position, (index, _) in enumerate(reports):
            out[index] = (record_id, position == chosen)
    return out
