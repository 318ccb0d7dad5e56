"""The documented format is the real one: the README's example validates and loads."""

from __future__ import annotations

import re
from pathlib import Path

from her2db.load import load

from conftest import ROOT


def test_readme_example_study_loads(corpus: Path, tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(id: destiny-breast09\n.*?)```", readme, re.S)
    assert example, "README lost its complete example"
    (corpus / "studies" / "destiny-breast09.yaml").write_text(example.group(1), encoding="utf-8")
    result = load(corpus, tmp_path / "x.sqlite")
    assert result.counts["study"] == 2
    assert result.counts["comparison"] == 2 + 2  # the example's two, the fixture study's two
    assert result.report.warnings == []
