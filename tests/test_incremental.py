"""Curator edits replace one study's rows in place (curate/incremental.py, store/update.py): after
any sequence of adds, sets, removes and new studies, the database is the one a full load of the
same files writes, to the byte of its dump; a refused edit changes no file and no byte of it."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from typing import Any

import pytest
from her2db_testing import dump

from her2db.curate import edit, transaction, validate
from her2db.curate.fields import EditError
from her2db.curate.load import load
from her2db.curate.yamlfile import read_document

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("synth", ROOT / "scripts" / "synth.py")
synth = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(synth)  # type: ignore[union-attr]

ROW_SECTIONS = ("results", "comparisons", "adverse_events", "characteristics")


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")}


class Editor:
    """Random edits of a synthetic corpus, drawn from one seeded generator."""

    def __init__(self, corpus: Path, db: Path, rng: random.Random) -> None:
        self.corpus, self.db, self.rng = corpus, db, rng
        self.count = 0
        self.sources = [s["id"] for s in read_document(corpus / "sources.yaml").data["sources"]]
        self.drugs = [d["id"] for d in read_document(corpus / "vocabulary" / "drugs.yaml").data["drugs"]]

    def study(self) -> tuple[str, dict[str, Any]]:
        path = self.rng.choice(sorted((self.corpus / "studies").glob("*.yaml")))
        return path.stem, read_document(path).data

    def record(self, data: dict[str, Any], sections: tuple[str, ...]) -> tuple[str, int, dict[str, Any]] | None:
        choices = [(s, i, r) for s in sections for i, r in enumerate(data.get(s) or [])]
        return self.rng.choice(choices) if choices else None

    def edit(self) -> edit.EditResult | None:
        self.count += 1
        study_id, data = self.study()
        action = self.rng.choice(["set-notes", "set-drugs", "add-copy", "add-report", "add-arm", "remove",
                                  "remove-arm", "new-study"])
        picked = self.record(data, ROW_SECTIONS)
        if action == "set-notes" and picked:
            section, index, _ = picked
            return edit.set_field(self.corpus, study_id, f"{section}[{index}]", "notes", f"note {self.count}",
                                  self.db)
        if action == "set-drugs" and data.get("arms"):
            arm = self.rng.choice(data["arms"])
            drugs = self.rng.sample(self.drugs, self.rng.randint(1, 3))
            return edit.set_field(self.corpus, study_id, f"arms[{arm['key']}]", "drugs", ", ".join(drugs), self.db)
        if action in ("add-copy", "add-report") and picked:
            section, _, record = picked
            copy = {k: v for k, v in record.items() if k not in ("checked_by", "checked_on", "preferred")}
            if action == "add-report":  # the same data point from another source: which one is preferred
                copy["source_id"] = self.rng.choice(self.sources)
            else:  # often a duplicate: refused
                copy["locator"] = f"Table {self.count}"
            kind = {"results": "result", "comparisons": "comparison", "adverse_events": "ae",
                    "characteristics": "characteristic"}[section]
            return edit.add_records(self.corpus, study_id, kind, [copy], self.db)
        if action == "add-arm" and data.get("arms"):
            arm = dict(self.rng.choice(data["arms"]), key=f"extra{self.count}", label=f"Extra {self.count}")
            return edit.add_records(self.corpus, study_id, "arm", [arm], self.db)
        if action == "remove" and picked:
            section, index, _ = picked
            return edit.remove_record(self.corpus, study_id, f"{section}[{index}]", self.db, lambda _: True)
        if action == "remove-arm":
            extra = [a["key"] for a in data.get("arms") or [] if a["key"].startswith("extra")]
            if extra:
                return edit.remove_record(self.corpus, study_id, f"arms[{extra[0]}]", self.db, lambda _: True)
        if action == "new-study":
            return edit.new_study(self.corpus, {"id": f"{study_id}-{self.count}", "acronym": f"NEW-{self.count}",
                                                "title": "A new study", "kind": "registry",
                                                "setting": "metastatic"}, self.db)
        return None


def _no_full_validation(*args: object, **options: object) -> None:
    raise AssertionError("an edit of one study against its database validated the whole corpus")


@pytest.mark.parametrize("seed", [1])
def test_random_edits_leave_the_database_a_full_load_writes(tmp_path: Path, seed: int) -> None:
    corpus = synth.write_corpus(tmp_path / "db", 5, seed=seed)
    db = corpus / "her2db.sqlite"
    load(corpus, db)
    editor = Editor(corpus, db, random.Random(seed))
    updated = refused = 0
    for step in range(36):
        files, database = _snapshot(corpus), db.read_bytes()
        state, count = editor.rng.getstate(), editor.count
        try:
            with pytest.MonkeyPatch.context() as patch:  # a refusal reads no other file either
                patch.setattr(validate, "validate", _no_full_validation)
                result = editor.edit()
        except EditError as error:
            refused += 1
            assert _snapshot(corpus) == files and db.read_bytes() == database
            # the same edit checked by a full validation, as before: refused with the same errors
            editor.rng.setstate(state)
            editor.count = count
            with pytest.MonkeyPatch.context() as patch, pytest.raises(EditError) as full:
                patch.setattr(transaction, "check_study_edit", lambda *args: None)
                editor.edit()
            assert (str(full.value), full.value.problems) == (str(error), error.problems)
            continue
        if result is None:
            continue
        assert result.reloaded and result.reloaded.startswith("updated"), result.reloaded
        updated += 1
        if step % 6 == 5 or step == 35:
            load(corpus, tmp_path / "full.sqlite")
            assert dump(db) == dump(tmp_path / "full.sqlite"), f"after edit {step}: {result.description}"
    assert updated >= 15 and refused >= 1


def test_a_database_of_other_files_is_loaded_in_full(corpus: Path, mini_db: Path) -> None:
    """An edit after a file changed behind the database's back (a git pull) reloads everything."""
    vocabulary = corpus / "vocabulary" / "drugs.yaml"
    vocabulary.write_text(vocabulary.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    result = edit.set_field(corpus, "mini-trial", "results[0]", "notes", "a note", mini_db)
    assert result.reloaded and result.reloaded.startswith("reloaded")
    again = edit.set_field(corpus, "mini-trial", "results[0]", "notes", "another note", mini_db)
    assert again.reloaded and again.reloaded.startswith("updated")


def test_each_study_numbers_its_rows_in_a_block_of_its_own(tmp_path: Path) -> None:
    """The n-th study's rows take ids n × BLOCK + 1, + 2, ...: an edit that removes a record of
    the first study renumbers no row of the others, and the database is still a full load's."""
    import sqlite3

    from her2db.store.update import BLOCK

    corpus = synth.write_corpus(tmp_path / "db", 3, seed=2)
    db = corpus / "her2db.sqlite"
    load(corpus, db)

    def ids() -> dict[str, list[int]]:
        conn = sqlite3.connect(db)
        found: dict[str, list[int]] = {}
        for study_id, row_id in conn.execute("SELECT study_id, id FROM arm_result ORDER BY id"):
            found.setdefault(study_id, []).append(row_id)
        conn.close()
        return found

    before = ids()
    studies = sorted(before)
    assert len(studies) == 3 and all(before[s] == list(range(n * BLOCK + 1, n * BLOCK + 1 + len(before[s])))
                                      for n, s in enumerate(studies))
    result = edit.remove_record(corpus, studies[0], "results[0]", db, lambda _: True)
    assert result.reloaded and result.reloaded.startswith("updated")
    after = ids()
    assert after[studies[0]] == before[studies[0]][:-1]
    assert [after[s] for s in studies[1:]] == [before[s] for s in studies[1:]]
    load(corpus, tmp_path / "full.sqlite")
    assert dump(db) == dump(tmp_path / "full.sqlite")


def test_a_database_numbered_another_way_is_loaded_in_full(corpus: Path, mini_db: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """How rows are numbered is part of the schema stamp: a database a her2db numbering rows
    otherwise wrote is reloaded before an edit, never patched as if numbered as now."""
    from her2db.store import sqlite as store_sqlite

    stamp = store_sqlite.schema_stamp()
    monkeypatch.setattr(store_sqlite, "BLOCK", 7)
    assert store_sqlite.schema_stamp() != stamp
    monkeypatch.undo()
    import sqlite3

    conn = sqlite3.connect(mini_db)
    conn.execute(f"PRAGMA user_version = {stamp ^ 1:d}")  # as another numbering stamps it
    conn.commit()
    conn.close()
    result = edit.set_field(corpus, "mini-trial", "results[0]", "notes", "a note", mini_db)
    assert result.reloaded and result.reloaded.startswith("reloaded")
