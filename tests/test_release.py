"""Release records in db/releases.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from her2db import release


def test_version_must_be_year_and_month() -> None:
    for bad in ("2026.13", "2026.1", "26.01", "2026-01", "../2026.01"):
        with pytest.raises(release.ReleaseError, match="must be YYYY.MM"):
            release.check_version(bad)
    release.check_version("2026.02")


def test_recording_keeps_the_comments_and_updates_a_redeploy(mini_db: Path, corpus: Path) -> None:
    path = corpus / "releases.yaml"
    path.write_text("# Our releases.\nreleases: []  # newest last\n", encoding="utf-8")
    entry = release.record_release("2026.01", mini_db, corpus, "2026-01-15")
    assert entry.studies == 1 and entry.comparisons == 2
    release.record_release("2026.01", mini_db, corpus, "2026-01-16")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Our releases.\n")
    assert text.count('version: "2026.01"') == 1 and '"2026-01-16"' in text


def test_failed_block_restores_the_file(mini_db: Path, corpus: Path) -> None:
    path = corpus / "releases.yaml"
    with pytest.raises(RuntimeError), release.restored_on_failure(corpus):
        release.record_release("2026.01", mini_db, corpus, "2026-01-15")
        raise RuntimeError("deploy failed")
    assert not path.exists()
