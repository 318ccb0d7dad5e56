"""Validation: read the curated corpus in ``db/`` and report every problem in it, not only
the first.

Two passes: ``corpus.read_corpus`` parses each file and checks its shape against the models of
``model/curated.py``; ``references.check`` then checks meaning across files (references,
duplicate keys) and each record's numbers (``numeric_checks``: CIs, percentages,
denominators). Numbers of the review's text that no record holds are listed too. Errors stop
a load; warnings are listed for the curator.
"""

from __future__ import annotations

from pathlib import Path

from . import review_text as coverage
from .corpus import (
    EXCEPTIONS_FILE,
    RELEASES_DIR,
    RELEASES_FILE,
    SOURCES_FILE,
    STUDIES_DIR,
    Corpus,
    Problem,
    Report,
    read_corpus,
)
from .references import check

# the command line and the releases import these from here
__all__ = ["RELEASES_DIR", "RELEASES_FILE", "STUDIES_DIR", "Problem", "coverage_problems", "read_corpus",
           "validate"]


def validate(root: Path, overrides: dict[str, str] | None = None, allow_empty: bool = False,
             review_text: Path | None = None) -> Report:
    """Read and check the corpus under ``root``.

    Hook for curator edits: ``overrides`` maps paths relative to ``root`` (``studies/x.yaml``)
    to candidate texts checked in place of the files, so an edit is validated in the context
    of the whole corpus before it is written. ``review_text`` names the review's text (its file
    or folder) when it is not in the sources folder.
    """
    corpus, problems = read_corpus(root, overrides, allow_empty)
    problems.extend(check(corpus))
    problems.extend(coverage_problems(corpus, review_text))
    problems.sort(key=lambda p: (p.file, p.line or 0))
    return Report(corpus, problems)


def coverage_problems(corpus: Corpus, named: Path | None = None) -> list[Problem]:
    """Warnings for numbers of the review that no quoted record holds and no exception explains."""
    try:
        found = coverage.review_text(corpus.root, corpus.sources, named)
    except coverage.ReviewTextError as exc:
        return [Problem("error", SOURCES_FILE, None, "", str(exc))]
    if found is None:
        return []
    text, path = found
    report = coverage.check_coverage(text, [s.study for s in corpus.studies], corpus.exceptions)
    problems = [Problem("warning", path.name, o.line, "", f"number {o.token} of the review is held by no "
                        f"quoted record: “{o.sentence}”",
                        f"a record holding it whose quote contains it, or an entry in {EXCEPTIONS_FILE}")
                for o in report.uncovered]
    exceptions_doc = corpus.documents.get(EXCEPTIONS_FILE)
    for entry in report.unused_exceptions:
        index = corpus.exceptions.index(entry)
        line = exceptions_doc.line(("exceptions", index)) if exceptions_doc else None
        problems.append(Problem("warning", EXCEPTIONS_FILE, line,
                                f"coverage-exceptions › exceptions[{index}]",
                                f"exception for {entry.number!r} matches no number of the review",
                                "only exceptions that are needed"))
    return problems
