"""Every number of the review is held by a record or explained as not being data."""

from __future__ import annotations

from pathlib import Path

from her2db import coverage
from her2db.curated import ExceptionEntry
from her2db.validate import validate

from conftest import REAL_SOURCES


def test_extracts_the_numbers_a_reader_sees() -> None:
    text = ("HR: 0.56 [95% CI: 0.44–0.71]; p<0.00001, n=47, 2,074 patients in DESTINY-Breast0911 "
            "and CLEOPATRA.5 with 29.6% (Figure 1) HER2 CDK4/6 1L")
    tokens = [o.token for o in coverage.extract_numbers(text)]
    assert tokens == ["0.56", "95", "0.44", "0.71", "0.00001", "47", "2,074", "29.6", "1", "6"]
    assert coverage.extract_numbers("2,074 patients")[0].value == 2074


def test_exception_context_limits_what_it_excuses() -> None:
    text = "grade ≥3 events in 3 patients"
    grade = ExceptionEntry(number="3", reason="grade label", context="grade ≥3")
    report = coverage.check_coverage(text, [], [grade])
    assert [o.context.strip() for o in report.uncovered] == [text]  # the second 3 is data
    assert report.unused_exceptions == []


def test_every_number_of_the_review_is_covered() -> None:
    report = validate(REAL_SOURCES)
    found = coverage.review_text(REAL_SOURCES, report.corpus.sources)
    assert found is not None, "db/sources.yaml must name the review's text"
    text, _ = found
    result = coverage.check_coverage(text, [s.study for s in report.corpus.studies], report.corpus.exceptions)
    assert result.numbers > 300
    missing = "\n".join(str(o) for o in result.uncovered)
    assert not result.uncovered, f"numbers of the review held by no record:\n{missing}"
    assert result.unused_exceptions == [], "exceptions that no longer match anything"


def test_exceptions_file_stays_short_and_explained() -> None:
    report = validate(REAL_SOURCES)
    assert len(report.corpus.exceptions) < 120
    assert all(len(entry.reason) >= 10 for entry in report.corpus.exceptions)
    assert (Path(REAL_SOURCES) / "coverage-exceptions.yaml").exists()
