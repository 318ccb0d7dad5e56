"""Shared fixtures: small real corpora and databases built in tmp_path."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from her2db.load import load

ROOT = Path(__file__).resolve().parent.parent
REAL_SOURCES = ROOT / "db"
REVIEW_TEXT_ENV = "HER2DB_REVIEW_TEXT"
REVIEW_TEXT_HOWTO = ("run pytest with --review-text PATH or set HER2DB_REVIEW_TEXT=PATH (the review's "
                     "file or its folder; in the project, shared/sources/)")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--review-text", metavar="PATH",
                     help="The review's full text (its file or folder) for the coverage tests; "
                          "the same as setting HER2DB_REVIEW_TEXT.")


def pytest_configure(config: pytest.Config) -> None:
    """``--review-text`` reaches the code under test the way a user's setting would."""
    named = config.getoption("--review-text")
    if named:
        os.environ[REVIEW_TEXT_ENV] = str(Path(named).resolve())

# A small but complete study file: every section, the way curators write them.
MINI_STUDY = """\
# A test trial (not real data).
id: mini-trial
acronym: MINI
title: A small randomized trial used by the tests
kind: randomized trial
phase: "3"
setting: metastatic
line: first line
references: [tolaney-2025]
analyses:
  - {key: interim, label: interim, median_follow_up_months: 29.2, source_id: huober-review, locator: text}
populations:
  - {key: itt, label: ITT, n: 770, enrolled: true, source_id: huober-review, locator: text}
  - {key: safety, label: safety, n: 763, source_id: huober-review, locator: text}
arms:
  - key: exp
    label: T-DXd + pertuzumab
    role: experimental
    drugs: [trastuzumab-deruxtecan, pertuzumab]
    n_randomized: 383
    n_treated: 381
    source_id: huober-review
    locator: text
  - key: ctl
    label: THP
    role: control
    drugs: [taxane, trastuzumab, pertuzumab]
    n_randomized: 387
    n_treated: 382
    source_id: huober-review
    locator: text
subgroups:
  - {key: hr-pos, category: hormone receptor status, level: HR-positive, source_id: huober-review, locator: text}
endpoints:
  - {endpoint: PFS, role: primary, assessor: BICR, source_id: huober-review, locator: text}
results:
  - {endpoint: PFS, arm: exp, analysis: interim, population: itt, statistic: median, value: 40.7, unit: months, source_id: huober-review, locator: text}
  - {endpoint: PFS, arm: ctl, analysis: interim, statistic: rate, value: 52.1, unit: "%", timepoint_months: 24, source_id: huober-review, locator: text}
  - {endpoint: PFS2, arm: exp, statistic: median, not_reached: true, source_id: huober-review, locator: text}
comparisons:
  - {endpoint: PFS, measure: HR, experimental: exp, control: ctl, analysis: interim, estimate: 0.56, ci_low: 0.44, ci_high: 0.71, p_value: 0.00001, p_operator: "<", source_id: huober-review, locator: text, cites: tolaney-2025}
  - {endpoint: PFS, measure: HR, experimental: exp, control: ctl, subgroup: hr-pos, estimate: 0.61, ci_low: 0.44, ci_high: 0.84, source_id: huober-review, locator: text}
adverse_events:
  - {arm: exp, term: nausea, category: treatment-related, grade: any, n: 271, pct: 71.1, n_at_risk: 381, source_id: huober-review, locator: Table 1}
  - {arm: ctl, term: nausea, category: treatment-related, grade: ">=3", n: 1, pct: 0.3, n_at_risk: 382, source_id: huober-review, locator: Table 1}
characteristics:
  - {name: median age, statistic: median, value: 54, unit: years, population: itt, source_id: huober-review, locator: text}
"""


def fresh_checkout(folder: Path) -> Path:
    """The checkout's files as a clone would have them (uncommitted edits included, nothing
    git ignores: no .venv, node_modules or built database), copied into ``folder``."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, folder / name)
    return folder


def make_corpus(root: Path) -> Path:
    """A corpus folder with the real sources and vocabularies and one test study."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REAL_SOURCES / "sources.yaml", root / "sources.yaml")
    shutil.copytree(REAL_SOURCES / "vocabulary", root / "vocabulary")
    (root / "studies").mkdir()
    (root / "studies" / "mini-trial.yaml").write_text(MINI_STUDY, encoding="utf-8")
    return root


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return make_corpus(tmp_path / "db")


@pytest.fixture
def mini_db(corpus: Path) -> Path:
    path = corpus / "her2db.sqlite"
    load(corpus, path)
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database built from the real curated data in db/."""
    path = tmp_path_factory.mktemp("real") / "her2db.sqlite"
    load(REAL_SOURCES, path)
    return path
