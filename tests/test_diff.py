"""Diff: records named by what they are, removals first, across files, folders and git revisions."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from her2db.cli import cli
from her2db.curate.load import load
from her2db.read import diff

STUDY = Path("studies/mini-trial.yaml")


def _edit(corpus: Path, old: str, new: str) -> None:
    path = corpus / STUDY
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def two_dbs(corpus: Path, tmp_path: Path) -> tuple[Path, Path]:
    old_db = tmp_path / "old.sqlite"
    load(corpus, old_db)
    newer = tmp_path / "newer"
    shutil.copytree(corpus, newer)
    _edit(newer, "statistic: median, value: 40.7,", "statistic: median, value: 41.0,")
    _edit(
        newer,
        '  - {arm: ctl, term: nausea, category: treatment-related, grade: ">=3", n: 1, pct: 0.3, '
        "n_at_risk: 382, source_id: huober-review, locator: Table 1}\n",
        "",
    )
    _edit(
        newer,
        "adverse_events:\n",
        "  - {endpoint: OS, measure: HR, experimental: exp, control: ctl, "
        "estimate: 0.84, ci_low: 0.59, ci_high: 1.19, source_id: huober-review, "
        "locator: text}\nadverse_events:\n",
    )
    new_db = tmp_path / "new.sqlite"
    load(newer, new_db)
    return old_db, new_db


def test_changes_are_named_by_what_they_are(two_dbs: tuple[Path, Path]) -> None:
    changes = diff.diff_files(*two_dbs)
    by_kind = {(c.kind, c.table): c for c in changes}
    assert set(by_kind) == {("removed", "adverse_event"), ("added", "comparison"), ("changed", "arm_result")}
    removed = by_kind[("removed", "adverse_event")]
    assert removed.study_id == "mini-trial"
    assert removed.identity == {"record_id": "mini-trial.ae.ctl.nausea.treatment-related.ge-3",
                                "source_id": "huober-review"}
    assert removed.values["pct"] == 0.3 and removed.values["term"] == "nausea"
    changed = by_kind[("changed", "arm_result")]
    assert changed.identity["record_id"] == "mini-trial.result.pfs.exp.median.analysis-interim.population-itt"
    assert changed.changes == {"value": (40.7, 41.0)}
    added = by_kind[("added", "comparison")]
    assert added.label() == "mini-trial.comparison.os.hr.exp.ctl@huober-review"
    assert changes[0].kind == "removed"


def test_renderings_put_removals_first(two_dbs: tuple[Path, Path], runner: CliRunner) -> None:
    old_db, new_db = two_dbs
    text = runner.invoke(cli, ["diff", str(old_db), str(new_db)])
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0] == f"Changes from {old_db} to {new_db}: 1 removed, 1 added, 1 changed"
    assert lines[2] == "REMOVED records (in OLD, missing from NEW) (1):"
    assert (
        "    - mini-trial.ae.ctl.nausea.treatment-related.ge-3@huober-review: locator Table 1, arm ctl, "
        "term nausea, category treatment-related, grade >=3, n 1, pct 0.3, n_at_risk 382"
    ) in lines
    assert (
        "    ~ mini-trial.result.pfs.exp.median.analysis-interim.population-itt@huober-review: "
        "value: 40.7 → 41.0"
    ) in lines
    assert text.output.index("REMOVED") < text.output.index("Added records") < text.output.index("Changed")
    markdown = runner.invoke(cli, ["diff", str(old_db), str(new_db), "--format", "markdown"]).output
    assert "## REMOVED records (in OLD, missing from NEW)" in markdown
    assert "- **removed** mini-trial.ae.ctl.nausea.treatment-related.ge-3@huober-review" in markdown
    data = json.loads(runner.invoke(cli, ["diff", str(old_db), str(new_db), "--format", "json"]).output)
    assert data["summary"] == {"removed": 1, "added": 1, "changed": 1}
    changed = next(c for c in data["changes"] if c["kind"] == "changed")
    assert changed["changes"] == {"value": {"old": 40.7, "new": 41.0}}
    same = runner.invoke(cli, ["diff", str(old_db), str(old_db)])
    assert "No differences." in same.output


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True, capture_output=True
    )


def test_git_revisions_and_working_folder(
    corpus: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = corpus.parent
    _git(repo, "init", "-q")
    _git(repo, "add", "db")
    _git(repo, "commit", "-qm", "one")
    _edit(corpus, "n_randomized: 387", "n_randomized: 388")
    _git(repo, "commit", "-qam", "two")
    _edit(corpus, "value: 54, unit: years", "value: 55, unit: years")
    monkeypatch.chdir(repo)
    revisions = runner.invoke(cli, ["diff", "HEAD~1", "HEAD", "--format", "json"])
    assert revisions.exit_code == 0, revisions.output
    changes = json.loads(revisions.output)["changes"]
    assert changes == [
        {
            "kind": "changed",
            "study_id": "mini-trial",
            "table": "arm",
            "identity": {"record_id": "mini-trial.arm.ctl", "source_id": "huober-review"},
            "changes": {"n_randomized": {"old": 387, "new": 388}},
        }
    ]
    working = runner.invoke(cli, ["diff", "HEAD", "db"])
    assert "0 removed, 0 added, 1 changed" in working.output
    assert "~ mini-trial.characteristic.median-age.median.population-itt@huober-review: value: 54 → 55" \
        in working.output  # as printed
    assert "value: 55 → 54" in runner.invoke(cli, ["diff", "db", "HEAD"]).output
    bad = runner.invoke(cli, ["diff", "no-such-rev", "HEAD"])
    assert bad.exit_code == 1
    assert "'no-such-rev' is neither a database file, a folder nor a git revision" in bad.output


def test_a_revision_with_a_link_out_of_its_folder_is_refused(
    corpus: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A committed link to a file outside the checkout is never followed or written out."""
    repo = corpus.parent
    (corpus / "studies" / "evil.yaml").symlink_to("/etc/hostname")
    _git(repo, "init", "-q")
    _git(repo, "add", "db")
    _git(repo, "commit", "-qm", "a link")
    monkeypatch.chdir(repo)
    result = runner.invoke(cli, ["diff", "HEAD", "db"])
    assert result.exit_code == 1, result.output
    assert "'HEAD': its curated files cannot be extracted safely" in result.output
    assert "Traceback" not in result.output


def test_a_file_that_is_not_our_database_is_named(two_dbs: tuple[Path, Path], runner: CliRunner,
                                                   tmp_path: Path) -> None:
    """A YAML file, another program's database, a damaged one: each said, never read as "all added"."""
    old_db, new_db = two_dbs
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE x (a)")
    conn.commit()
    conn.close()
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(new_db.read_bytes()[: new_db.stat().st_size // 2])
    for path, message in ((other, "is not a database built by her2db"),
                          (tmp_path / "notes.yaml", "is not a database built by her2db"),
                          (damaged, "cannot be read as a database"),
                          (tmp_path / "empty.sqlite", "is empty, not a database")):
        if path.name == "empty.sqlite":
            path.write_bytes(b"")
        if path.suffix == ".yaml":
            path.write_text("id: x\n", encoding="utf-8")
        result = runner.invoke(cli, ["diff", str(old_db), str(path)])
        assert result.exit_code == 1 and message in result.output, (path, result.output)
        assert "Traceback" not in result.output


def test_a_damaged_side_is_named_as_given_and_a_revision_needs_a_checkout(
        corpus: Path, tmp_path: Path, runner: CliRunner) -> None:
    """The folder compared with a damaged file is named as given, not as the temporary database
    it was loaded into; a revision outside any git checkout is said in her2db's words."""
    good = tmp_path / "good.sqlite"
    load(corpus, good)
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    result = runner.invoke(cli, ["diff", str(damaged), str(corpus)])
    assert result.exit_code == 1
    assert f"Error: {damaged} or {corpus} cannot be read as a database" in result.output, result.output
    result = runner.invoke(cli, ["diff", "HEAD", str(corpus), "--sources", str(corpus)])
    assert result.exit_code == 1 and "fatal" not in result.output
    assert (f"'HEAD' is neither a database file nor a folder, and the sources folder {corpus} is in no git "
            "checkout where it could be a revision") in result.output


def test_a_side_that_does_not_load_says_its_errors(corpus: Path, tmp_path: Path, runner: CliRunner,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Two database files need no sources folder; a folder with errors names them (file, line,
    record), the first five and how many more; an empty name is no side at all."""
    old_db = tmp_path / "old.sqlite"
    load(corpus, old_db)
    _edit(corpus, "- {endpoint: PFS2, arm: exp,", "- {endpoint: PFS2, arm: exq,")
    monkeypatch.chdir(tmp_path)  # no db/ folder here: the default --sources is not there
    result = runner.invoke(cli, ["diff", str(old_db), str(old_db)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["diff", str(old_db), str(corpus)])
    assert result.exit_code == 1, result.output
    line = next(i for i, text in enumerate((corpus / STUDY).read_text().splitlines(), 1) if "arm: exq" in text)
    assert f"the curated data does not load (1 error(s) in the curated data):\n  studies/mini-trial.yaml:{line}: " \
        "error: mini-trial › results[2] › arm: unknown arm 'exq'" in result.output
    # every arm misnamed: more errors than the five shown
    text = (corpus / STUDY).read_text()
    (corpus / STUDY).write_text(text.replace("arm: exp", "arm: exq").replace("arm: ctl", "arm: ctq")
                                .replace("experimental: exp", "experimental: exq"))
    result = runner.invoke(cli, ["diff", str(old_db), str(corpus)])
    assert result.exit_code == 1, result.output
    shown = [line for line in result.output.splitlines() if line.startswith("  studies/mini-trial.yaml:")]
    total = int(result.output.split("does not load (")[1].split(" ")[0])
    assert len(shown) == 5 and total > 5 and f"  … and {total - 5} more" in result.output, result.output
    result = runner.invoke(cli, ["diff", "", str(old_db)])
    assert result.exit_code == 1
    assert "an empty name is neither a database file, a folder of curated files nor a git revision" in result.output
