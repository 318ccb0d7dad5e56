"""The synthetic corpus of scripts/synth.py: valid, shaped like the real one, the same bytes for
the same seed, and exactly one warning per file when asked for."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from her2db.cli import cli
from her2db.curate.yamlfile import read_document

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("synth", ROOT / "scripts" / "synth.py")
synth = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(synth)  # type: ignore[union-attr]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth.write_corpus(tmp_path_factory.mktemp("synth") / "db", 40, seed=7)


def test_corpus_validates_without_errors_or_warnings(corpus: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["validate", "--sources", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "OK: 40 studies, 0 errors, 0 warnings" in result.output


def test_corpus_loads(corpus: Path, tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["load", "--sources", str(corpus), "--db", str(tmp_path / "s.sqlite")])
    assert result.exit_code == 0, result.output
    assert re.search(r"Loaded 40 studies, \d{3,} arm results, \d{2,} comparisons, \d{3,} adverse events",
                     result.output)


def test_corpus_is_shaped_like_the_real_one(corpus: Path) -> None:
    studies = [read_document(p).data for p in sorted((corpus / "studies").glob("*.yaml"))]
    kinds = {s["kind"] for s in studies}
    assert {"randomized trial", "retrospective cohort", "registry"} <= kinds
    assert {len(s["arms"]) for s in studies} == {1, 2, 3}
    ae_counts = [len(s.get("adverse_events", [])) for s in studies]
    assert max(ae_counts) >= 80 and ae_counts.count(0) > len(studies) // 2  # a few heavy, many none
    attrition = [s for s in studies if any(r.get("breakdown") for r in s.get("results", []))]
    assert attrition and all(s["kind"] in ("registry", "retrospective cohort", "ambispective cohort")
                             for s in attrition)
    records = [r for s in studies for section in ("results", "comparisons", "adverse_events")
               for r in s.get(section, [])]
    assert all(r["source_id"] and r["locator"] for r in records)
    assert any("cites" in r for r in records) and any("quote" in r for r in records)
    assert any(e.get("definition") for s in studies for e in s.get("endpoints", []))
    assert any(isinstance(c.get("estimate"), str) for s in studies for c in s.get("comparisons", []))


def test_same_seed_same_bytes_other_seed_other_corpus(corpus: Path, tmp_path: Path) -> None:
    assert _snapshot(synth.write_corpus(tmp_path / "again", 40, seed=7)) == _snapshot(corpus)
    assert _snapshot(synth.write_corpus(tmp_path / "other", 40, seed=8)) != _snapshot(corpus)


def test_warning_per_file_gives_one_warning_in_every_file(corpus: Path, tmp_path: Path,
                                                          runner: CliRunner) -> None:
    warned = synth.write_corpus(tmp_path / "warned", 40, seed=7, warning_per_file=True)
    result = runner.invoke(cli, ["validate", "--sources", str(warned)])
    assert result.exit_code == 0, result.output
    assert "0 errors, 40 warnings" in result.output
    files = re.findall(r"^(studies/synthetic-\d+\.yaml):\d+: warning: .*disagrees with n/denominator",
                       result.stderr, re.MULTILINE)
    assert sorted(files) == [f"studies/synthetic-{i:05d}.yaml" for i in range(40)]
    # the same corpus otherwise: only the injected n differs
    clean, dirty = _snapshot(corpus), _snapshot(warned)
    assert clean.keys() == dirty.keys()
    for name in clean:
        diff = [(a, b) for a, b in zip(clean[name].splitlines(), dirty[name].splitlines(), strict=True) if a != b]
        assert len(diff) <= 1 and all(a.strip().startswith(b"n: ") for a, _ in diff), name


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(SystemExit, match="not empty"):
        synth.write_corpus(tmp_path, 3)
    assert _snapshot(tmp_path) == {"keep.txt": b"mine"}
