"""The remembered digests of the curated files (store/digestcache.py): a file changed behind
the database's back is noticed whatever its size and times, a file too recent to trust is not
remembered, and a memory that is broken or not ours is ignored (and never replaced)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from her2db.curate import edit
from her2db.store import digestcache
from her2db.store.write import file_digests, is_current

STUDY = "studies/mini-trial.yaml"


def _hashed(corpus: Path) -> dict[str, bytes]:
    return {rel: hashlib.sha256((corpus / rel).read_bytes()).digest() for rel in file_digests(corpus)}


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file counts as settled, however recent: what a corpus older than 3 s looks like."""
    monkeypatch.setattr(digestcache, "SETTLED_NS", -10**18)


def test_a_same_size_change_with_its_old_time_is_noticed(corpus: Path, mini_db: Path, settled: None) -> None:
    memory = corpus / digestcache.MEMORY_FILE
    assert file_digests(corpus, remember=True) == _hashed(corpus) and STUDY in json.loads(memory.read_text())["files"]
    path = corpus / STUDY
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    at = text.index("\ntitle: ") + len("\ntitle: ")  # one letter of the title, another letter
    changed = text[:at] + ("X" if text[at] != "X" else "Y") + text[at + 1:]
    assert len(changed) == len(text) and changed != text
    path.write_text(changed, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `cp -p` or `touch -d` would
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    assert file_digests(corpus, remember=True) == _hashed(corpus)
    assert not is_current(mini_db, corpus)
    result = edit.set_field(corpus, "mini-trial", "results[0]", "notes", "a note", mini_db)
    assert result.reloaded and result.reloaded.startswith("reloaded")  # not taken for current


def test_files_changed_within_the_settling_time_are_not_remembered(corpus: Path, mini_db: Path) -> None:
    """Just written (this test's corpus): hashed again by every command until they settle."""
    file_digests(corpus, remember=True)
    memory = corpus / digestcache.MEMORY_FILE
    assert not memory.exists() or STUDY not in json.loads(memory.read_text())["files"]
    assert file_digests(corpus, remember=True) == _hashed(corpus)


@pytest.mark.parametrize("content", ["{not json", '{"format": "her2db file digests 1", "files": {"studies/'
                                     'mini-trial.yaml": [1, 2, 3, 4, 5, "zz"]}}', "[]"])
def test_a_broken_memory_is_ignored(corpus: Path, settled: None, content: str) -> None:
    memory = corpus / digestcache.MEMORY_FILE
    memory.write_text(content, encoding="utf-8")
    assert file_digests(corpus, remember=True) == _hashed(corpus)
    data = memory.read_text(encoding="utf-8")
    if content.startswith('{"format"'):  # ours, with a bad entry: rewritten
        assert STUDY in json.loads(data)["files"]
    else:  # not a memory of ours: left as it was
        assert data == content


def test_a_remembered_digest_is_used_while_the_status_holds(corpus: Path, settled: None) -> None:
    memory = corpus / digestcache.MEMORY_FILE
    file_digests(corpus, remember=True)
    data = json.loads(memory.read_text())
    data["files"][STUDY][5] = "ab" * 32  # a digest no file has: shows that it is not recomputed
    memory.write_text(json.dumps(data))
    assert file_digests(corpus, remember=True)[STUDY] == bytes.fromhex("ab" * 32)
    (corpus / STUDY).write_text((corpus / STUDY).read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert file_digests(corpus, remember=True) == _hashed(corpus)


def test_a_reading_command_writes_no_memory(corpus: Path, settled: None) -> None:
    """Only an edit remembers (it writes to the sources folder anyway); a query, which checks
    that its database is current, leaves the folder as it found it."""
    before = sorted(p.name for p in corpus.iterdir())
    assert file_digests(corpus) == _hashed(corpus)
    assert sorted(p.name for p in corpus.iterdir()) == before


def test_the_memory_is_rewritten_only_when_a_digest_is_learnt(corpus: Path, mini_db: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit leaves its file too recent to remember: dropping the old entry is no reason to
    rewrite the memory (at 1,000 studies that is the cost of every edit); a settled change is."""
    monkeypatch.setattr(digestcache, "SETTLED_NS", -10**18)
    file_digests(corpus, remember=True)
    memory = corpus / digestcache.MEMORY_FILE
    before = memory.stat()
    monkeypatch.setattr(digestcache, "SETTLED_NS", 10**18)  # nothing counts as settled now
    edit.set_field(corpus, "mini-trial", "results[0]", "notes", "a note", mini_db)
    assert file_digests(corpus, remember=True) == _hashed(corpus)
    assert (memory.stat().st_ino, memory.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    monkeypatch.setattr(digestcache, "SETTLED_NS", -10**18)
    assert file_digests(corpus, remember=True) == _hashed(corpus)
    assert json.loads(memory.read_text())["files"][STUDY][5] == _hashed(corpus)[STUDY].hex()
