"""Rename the key of an arm, analysis, population or subgroup, and every reference to it in
the study, as one validated edit (a key is how a study's records name each other)."""

from __future__ import annotations

import json
from pathlib import Path

from ..model.registry import KEY_COLUMNS
from .edit import EditError, resolve, study_rel
from .fields import STUDY_SECTIONS
from .transaction import EditResult, commit, corpus_lock
from .yamledit import Target, check_same, set_fields
from .yamlfile import read_document


def rename_key(sources: Path, study_id: str, path: str, new_key: str, db_path: Path | None,
               dry_run: bool = False) -> EditResult:
    """Give the record at ``path`` (``arms[thp]``) the key ``new_key`` and update every field of
    the study that names it (``arm``, ``experimental``, ``control``, ``p_versus``, ...)."""
    with corpus_lock(sources):
        rel = study_rel(sources, study_id)
        doc = read_document(sources / rel)
        target = resolve(doc.data, study_id, path)
        named_by = [field for field, (_, section) in KEY_COLUMNS.items() if section == target.section]
        if target.section is None or not named_by:
            keyed = sorted({section for _, section in KEY_COLUMNS.values()})
            raise EditError(f"only the keys of {', '.join(keyed)} are renamed (other records are named by their "
                            "fields)", usage=True)
        old = doc.data[target.section][target.index]["key"]
        if new_key == old:
            raise EditError(f"{target.describe(study_id)} is already called {old}", usage=True)
        taken = [i for i, item in enumerate(doc.data[target.section]) if item.get("key") == new_key]
        if taken:  # two records under one key: every reference to either would become ambiguous
            raise EditError(f"{study_id} › {target.section}[{taken[0]}] already has the key {new_key}; choose "
                            "another (keys name one record each)", usage=True)
        expected = json.loads(json.dumps(doc.data))
        edits = [(target, "key", new_key)]
        for section in STUDY_SECTIONS.values():
            for index, item in enumerate(doc.data.get(section) or []):
                edits += [(Target(section, index), field, new_key) for field in named_by if item.get(field) == old]
        for edit_target, field, value in edits:
            expected[edit_target.section][edit_target.index][field] = value
        text = set_fields(doc, edits)
        changed = len(edits) - 1
        parsed = check_same(doc, text, expected)
        return commit(sources, rel, text, db_path,
                      f"rename {target.describe(study_id)} {old} → {new_key} and {changed} reference(s)", dry_run,
                      parsed=parsed)
