"""``her2db release``: records in db/releases.yaml, snapshots and changelogs in db/releases/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from her2db_testing import rows_of

from her2db.cli import cli
from her2db.read import diff, release
from her2db.store.sqlite import connect_readonly


def _files(folder: Path) -> dict[str, bytes]:
    """Every curated file (not the database) and its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".sqlite" not in p.name}


def _release(runner: CliRunner, corpus: Path, version: str, date: str = "2026-01-15"):  # type: ignore[no-untyped-def]
    return runner.invoke(cli, ["release", version, "--date", date, "--sources", str(corpus),
                               "--db", str(corpus / "her2db.sqlite")])


def _edit(corpus: Path, old: str, new: str) -> None:
    study = corpus / "studies" / "mini-trial.yaml"
    text = study.read_text(encoding="utf-8")
    assert old in text
    study.write_text(text.replace(old, new), encoding="utf-8")


def test_first_release_records_counts_and_keeps_comments(corpus: Path, runner: CliRunner) -> None:
    (corpus / "releases.yaml").write_text("# Our releases.\nreleases: []  # newest last\n", encoding="utf-8")
    result = _release(runner, corpus, "2026.01")
    assert result.exit_code == 0, result.output
    assert "Release 2026.01 (2026-01-15): 1 studies, 3 results, 2 comparisons, 2 adverse events" in result.output
    assert "First release" in result.output
    text = (corpus / "releases.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Our releases.\nreleases:")
    assert '- version: "2026.01"\n    date: "2026-01-15"\n    studies: 1\n' in text
    assert sorted(p.name for p in (corpus / "releases").iterdir()) == ["2026.01.sql.gz"]
    db = corpus / "her2db.sqlite"
    assert rows_of(db, "SELECT version, changes_since FROM release") == [("2026.01", None)]


def test_next_release_stores_what_changed_removals_first(corpus: Path, runner: CliRunner) -> None:
    assert _release(runner, corpus, "2026.01").exit_code == 0
    _edit(corpus, "estimate: 0.61", 'estimate: "0.70"')
    _edit(corpus, "  - {arm: ctl, term: nausea, category: treatment-related, grade: \">=3\", n: 1, pct: 0.3, "
                  "n_at_risk: 382, source_id: huober-review, locator: Table 1}\n", "")
    _edit(corpus, "characteristics:\n", "characteristics:\n  - {name: median weight, statistic: median, "
                  "value: 70, unit: kg, population: itt, source_id: huober-review, locator: text}\n")
    result = _release(runner, corpus, "2026.02", "2026-02-15")
    assert result.exit_code == 0, result.output
    assert "Changes from 2026.01 to 2026.02: 1 removed, 1 added, 1 changed" in result.output
    assert result.output.index("REMOVED records") < result.output.index("Added records")
    changelog = (corpus / "releases" / "2026.02.yaml").read_text(encoding="utf-8")
    assert changelog.startswith("# What release 2026.02 changed since 2026.01.")
    assert changelog.index("kind: removed") < changelog.index("kind: added") < changelog.index("kind: changed")
    assert "estimate: 0.61 → 0.70" in changelog  # as printed, not 0.7
    db = corpus / "her2db.sqlite"
    assert rows_of(db, "SELECT kind, study_id, record_table FROM release_change ORDER BY id") == [
        ("removed", "mini-trial", "adverse_event"), ("added", "mini-trial", "characteristic"),
        ("changed", "mini-trial", "comparison")]
    assert rows_of(db, "SELECT changes_since FROM release WHERE version = '2026.02'") == [("2026.01",)]


@pytest.mark.parametrize(("version", "message"), [
    ("2026.13", "release version '2026.13' must be YYYY.MM"),
    ("2026-01", "must be YYYY.MM"),
    ("../2026.01", "must be YYYY.MM"),
    ("2026.01", "release 2026.01 is already recorded"),
    ("2025.12", "release 2025.12 would come before the last release, 2026.01"),
])
def test_bad_or_used_versions_change_nothing(corpus: Path, runner: CliRunner, version: str, message: str) -> None:
    assert _release(runner, corpus, "2026.01").exit_code == 0
    before = _files(corpus)
    result = _release(runner, corpus, version)
    assert result.exit_code == 1 and message in result.output, result.output
    assert _files(corpus) == before


def test_a_corpus_with_errors_is_not_released(corpus: Path, runner: CliRunner) -> None:
    _edit(corpus, "estimate: 0.61", "estimate: many")
    before = _files(corpus)
    result = _release(runner, corpus, "2026.01")
    assert result.exit_code == 1
    assert "a release is cut only from a corpus without errors" in result.output
    assert "studies/mini-trial.yaml:" in result.output and "estimate" in result.output
    assert _files(corpus) == before


def test_a_write_that_fails_half_way_leaves_every_file_as_it_was(corpus: Path, runner: CliRunner,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    assert _release(runner, corpus, "2026.01").exit_code == 0
    _edit(corpus, "estimate: 0.61", "estimate: 0.62")
    before = _files(corpus)

    def full_disk(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(release, "write_atomic", full_disk)  # after the snapshot was written
    result = _release(runner, corpus, "2026.02")
    assert result.exit_code == 1
    assert "cannot write the release into" in result.output and "No space left on device" in result.output
    assert _files(corpus) == before
    assert rows_of(corpus / "her2db.sqlite", "SELECT version FROM release") == [("2026.01",)]


def test_a_record_that_cannot_be_replaced_is_a_clean_error(corpus: Path, runner: CliRunner,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The snapshot is written, then releases.yaml cannot be (a folder that takes no new file):
    the snapshot goes, releases.yaml stays untouched, and nothing tries to write it back."""
    assert _release(runner, corpus, "2026.01").exit_code == 0
    _edit(corpus, "estimate: 0.61", "estimate: 0.62")
    before = _files(corpus)
    written = release.write_atomic

    def refused(path: Path, text: str) -> None:
        if path.name == "releases.yaml":
            raise OSError(1, "Operation not permitted", str(path))
        written(path, text)

    monkeypatch.setattr(release, "write_atomic", refused)
    result = _release(runner, corpus, "2026.02")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "cannot write the release into" in result.output and "Operation not permitted" in result.output
    assert _files(corpus) == before
    assert rows_of(corpus / "her2db.sqlite", "SELECT version FROM release") == [("2026.01",)]


def test_a_first_release_that_fails_leaves_no_folder(corpus: Path, runner: CliRunner,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(release, "write_atomic", full_disk)
    result = _release(runner, corpus, "2026.01")
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert not (corpus / "releases").exists() and not (corpus / "releases.yaml").exists()


def test_a_folder_it_cannot_write_is_a_clean_error(corpus: Path, runner: CliRunner) -> None:
    (corpus / "releases").write_text("not a folder\n", encoding="utf-8")
    before = _files(corpus)
    result = _release(runner, corpus, "2026.01")
    assert result.exit_code == 1 and "cannot write the release into" in result.output, result.output
    assert "Traceback" not in result.output
    assert _files(corpus) == before


def test_files_left_by_an_earlier_attempt_are_not_replaced(corpus: Path, runner: CliRunner) -> None:
    (corpus / "releases").mkdir()
    (corpus / "releases" / "2026.01.sql.gz").write_bytes(b"mine")
    before = _files(corpus)
    result = _release(runner, corpus, "2026.01")
    assert result.exit_code == 1 and "2026.01.sql.gz already exists" in result.output
    assert _files(corpus) == before


@pytest.mark.parametrize("target", ["outside", "inside", "dangling"])
def test_a_link_where_the_snapshot_goes_is_not_replaced(corpus: Path, tmp_path: Path, runner: CliRunner,
                                                        target: str) -> None:
    """A link in the releases folder by the snapshot's name (to a file outside it, to one
    inside, or to nothing) is the user's: a clean error, the link and what it points to kept."""
    (corpus / "releases").mkdir()
    mine = tmp_path / "mine.txt" if target == "outside" else corpus / "releases" / "mine.txt"
    if target != "dangling":
        mine.write_text("mine\n", encoding="utf-8")
    link = corpus / "releases" / "2026.01.sql.gz"
    link.symlink_to(mine if target != "dangling" else corpus / "releases" / "gone")
    before = _files(corpus)
    result = _release(runner, corpus, "2026.01")
    assert result.exit_code == 1 and "Traceback" not in result.output
    expected = f"{link} would lie outside {corpus / 'releases'}" if target == "outside" else \
        f"{link} already exists (left by an earlier attempt?): it is not replaced"
    assert f"Error: {expected}" in result.output, result.output
    assert link.is_symlink() and _files(corpus) == before
    assert target == "dangling" or mine.read_text(encoding="utf-8") == "mine\n"


def test_without_the_previous_snapshot_the_release_says_so(corpus: Path, runner: CliRunner) -> None:
    assert _release(runner, corpus, "2026.01").exit_code == 0
    (corpus / "releases" / "2026.01.sql.gz").unlink()
    result = _release(runner, corpus, "2026.02")
    assert result.exit_code == 0
    assert "warning: no snapshot of release 2026.01" in result.output
    assert not (corpus / "releases" / "2026.02.yaml").exists()


def test_snapshots_are_deterministic_and_hold_the_data(corpus: Path, tmp_path: Path, runner: CliRunner) -> None:
    twin = shutil.copytree(corpus, tmp_path / "twin")
    for folder in (corpus, twin):
        assert _release(runner, folder, "2026.01").exit_code == 0
    snapshot = corpus / "releases" / "2026.01.sql.gz"
    assert snapshot.read_bytes() == (twin / "releases" / "2026.01.sql.gz").read_bytes()
    conn = connect_readonly(corpus / "her2db.sqlite")
    with release.open_snapshot(snapshot) as old:
        assert [c for c in diff.diff_connections(old, conn) if c.table not in release.RELEASE_TABLES] == []
    conn.close()


def test_a_changelog_is_validated_like_any_curated_file(corpus: Path, runner: CliRunner) -> None:
    assert _release(runner, corpus, "2026.01").exit_code == 0
    _edit(corpus, "estimate: 0.61", "estimate: 0.62")
    assert _release(runner, corpus, "2026.02").exit_code == 0
    changelog = corpus / "releases" / "2026.02.yaml"
    changelog.write_text(changelog.read_text(encoding="utf-8").replace('version: "2026.02"', 'version: "2026.03"'),
                         encoding="utf-8")
    result = runner.invoke(cli, ["load", "--sources", str(corpus), "--db", str(corpus / "her2db.sqlite")])
    assert result.exit_code == 1
    assert "releases/2026.02.yaml:2: error: version: names release 2026.03, but the file is named for 2026.02" \
        in result.output


def test_a_release_for_a_later_month_or_a_day_that_does_not_exist_is_refused(corpus: Path,
                                                                               runner: CliRunner) -> None:
    """A typo such as 9999.12 would block every later release, and 2026-02-30 is no day: both
    refused before anything is written; the next month's release may be cut ahead."""
    before = _files(corpus)
    result = _release(runner, corpus, "9999.12")
    assert result.exit_code == 1, result.output
    assert ("release 9999.12 would be dated 2026-01-15: a version names the month of its release "
            "(2026.01, or the next month at the latest)") in result.output
    result = _release(runner, corpus, "2026.02", "2026-02-30")
    assert result.exit_code == 2, result.output
    assert "'2026-02-30' is not a date that exists, written YYYY-MM-DD (e.g. 2027-02-28)" in result.output
    result = _release(runner, corpus, "٢٠٢٦.01")  # Arabic-Indic digits: no version
    assert result.exit_code == 1 and "release version '٢٠٢٦.01' must be YYYY.MM" in result.output, result.output
    assert "Traceback" not in result.output and _files(corpus) == before
    assert _release(runner, corpus, "2026.02").exit_code == 0
