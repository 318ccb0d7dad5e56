"""An edit of one study file at the cost of that study, not of the corpus.

A database stamped with the digest of the curated files as they are was loaded from them, so
they validated: the rest of the corpus needs no second look, and what a study may refer to (the
source ids with their kind and year, the vocabularies, the other study ids) can be read from
the database instead of from every file. The edited study is checked as a full validation
checks it, and its rows are replaced in place (``store.update``); an edit that adds an error to
the study is refused from that check too. Whenever the database cannot stand in for the corpus
(missing, loaded from other files, another schema), the caller validates and loads in full.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ..store.sqlite import connect_readonly, schema_stamp, stored_schema_stamp, stored_sources_digest
from ..store.target import STUDIES_DIR
from ..store.update import replace_study
from ..store.write import FileDigests, combined_digest, file_digests
from . import formulas
from .corpus import Problem, StudyDoc, read_study
from .references import Known, check_study
from .rows import Ids, study_rows
from .yamlfile import Document


@dataclass
class StudyEdit:
    """A study file's new text, checked against the corpus its database was loaded from."""

    sources: Path
    rel: str
    db_path: Path
    files: FileDigests
    entry: StudyDoc | None
    known_sources: dict[str, Any]
    problems: list[Problem]

    @property
    def valid(self) -> bool:
        return self.entry is not None and not any(p.severity == "error" for p in self.problems)

    def apply(self) -> str | None:
        """Once the file is written: replace the study's rows and restamp the database; None if
        it changed meanwhile (the caller loads in full)."""
        assert self.entry is not None
        study = self.entry.study
        files = {**self.files, self.rel: hashlib.sha256((self.sources / self.rel).read_bytes()).digest()}
        if not replace_study(self.db_path, study.id,
                             lambda first, columns: study_rows(study, columns, self.known_sources, Ids(first)),
                             combined_digest(self.files), combined_digest(files)):
            return None
        return f"updated {study.id} in {self.db_path}"


def check_study_edit(sources: Path, rel: str, text: str, db_path: Path | None,
                     parsed: Document | None = None) -> StudyEdit | None:
    """``text`` for the study file ``rel`` (``parsed``: that text parsed) checked against the
    corpus as its database holds it; None when there is no database loaded from the files as
    they are."""
    if db_path is None or not rel.startswith(f"{STUDIES_DIR}/") or not db_path.is_file() \
            or stored_schema_stamp(db_path) != schema_stamp():
        return None
    files = file_digests(sources, remember=True)
    if stored_sources_digest(db_path) != combined_digest(files):
        return None
    known, known_sources, study_ids = _index(db_path)
    entry, problems = read_study(sources, rel, text, parsed)
    if entry is not None:
        stem = Path(rel).stem
        seen = {study_id: f"{STUDIES_DIR}/{study_id}.yaml" for study_id in study_ids if study_id != stem}
        problems += check_study(known, known_sources, entry, sources, seen)
        problems += formulas.study_problems(entry, sources)
    problems.sort(key=lambda p: (p.file, p.line or 0))
    return StudyEdit(sources, rel, db_path, files, entry, known_sources, problems)


def _index(db_path: Path) -> tuple[Known, dict[str, Any], list[str]]:
    """What a study may refer to, as the database holds it: the ids of the sources (with the
    kind and year that decide which report is preferred), endpoints, drugs and adverse-event
    terms; and the study ids."""
    conn = connect_readonly(db_path)
    try:
        sources = {row["id"]: SimpleNamespace(kind=row["kind"], year=row["year"])
                   for row in conn.execute("SELECT id, kind, year FROM source")}
        known = Known(set(sources), {code for (code,) in conn.execute("SELECT code FROM endpoint")},
                      {drug for (drug,) in conn.execute("SELECT id FROM drug")},
                      {term for (term,) in conn.execute("SELECT term FROM ae_term")})
        study_ids = [study_id for (study_id,) in conn.execute("SELECT id FROM study")]
    finally:
        conn.close()
    return known, sources, study_ids
