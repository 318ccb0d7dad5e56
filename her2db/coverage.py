"""Does the database hold every number of the review it was curated from?

Every number in the review's text (decimals, percentages, n=…, HRs and their CIs) must be held
by some curated record, or be listed in ``db/coverage-exceptions.yaml`` with the reason it is
not data (a citation number, a year, a figure number, a grade label). A number that is data
belongs in the database; this check is how a forgotten one is found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from . import curated

# A number not glued to a word or a preceding full stop: "HER2", "DESTINY-Breast09" and the
# citation in "trial.5" are not numbers of the text; "2,074" is one number.
NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?)(?![\w])")
CONTEXT_WINDOW = 40
TEXT_FIELDS = ("period_start", "period_end", "data_cutoff", "value_text")


@dataclass(frozen=True)
class Occurrence:
    token: str
    value: float
    line: int
    start: int
    end: int
    context: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.token!r} in …{self.context}…"


def _key(value: float) -> float:
    return round(float(value), 6)


def extract_numbers(text: str) -> list[Occurrence]:
    found = []
    for match in NUMBER.finditer(text):
        token = match.group(1)
        start, end = match.span(1)
        line = text.count("\n", 0, start) + 1
        context = text[max(0, start - CONTEXT_WINDOW):end + CONTEXT_WINDOW].replace("\n", " ")
        found.append(Occurrence(token, float(token.replace(",", "")), line, start, end, context))
    return found


def _numbers_of(record: BaseModel) -> Iterator[float]:
    for name, value in record:
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, (int, float)):
            yield float(value)
            if name == "timepoint_months":
                yield float(value) / 12  # "2-year PFS rate" is held as timepoint_months: 24
        elif isinstance(value, str) and name in TEXT_FIELDS:
            yield from (float(t.replace(",", "")) for t in NUMBER.findall(value))


def held_values(studies: list[curated.StudyFile]) -> set[float]:
    """Every number any curated record holds, as a comparable key."""
    held: set[float] = set()
    for study in studies:
        held.update(_key(v) for v in _numbers_of(study))
        for name in curated.StudyFile.model_fields:
            section = getattr(study, name)
            if isinstance(section, list):
                for record in section:
                    if isinstance(record, BaseModel):
                        held.update(_key(v) for v in _numbers_of(record))
    return held


def _excepted(occurrence: Occurrence, text: str, entry: curated.ExceptionEntry) -> bool:
    if entry.number != occurrence.token:
        return False
    if entry.context is None:
        return True
    # the context must contain this very occurrence, not merely stand near it
    low = max(0, occurrence.start - len(entry.context))
    for match in re.finditer(re.escape(entry.context), text[low:occurrence.end + len(entry.context)]):
        if low + match.start() <= occurrence.start and low + match.end() >= occurrence.end:
            return True
    return False


@dataclass
class CoverageReport:
    uncovered: list[Occurrence]
    unused_exceptions: list[curated.ExceptionEntry]
    numbers: int


def check_coverage(text: str, studies: list[curated.StudyFile],
                   exceptions: list[curated.ExceptionEntry]) -> CoverageReport:
    held = held_values(studies)
    used: set[int] = set()
    uncovered = []
    occurrences = extract_numbers(text)
    for occurrence in occurrences:
        matching = [i for i, entry in enumerate(exceptions) if _excepted(occurrence, text, entry)]
        used.update(matching)
        if _key(occurrence.value) not in held and not matching:
            uncovered.append(occurrence)
    unused = [entry for i, entry in enumerate(exceptions) if i not in used]
    return CoverageReport(uncovered, unused, len(occurrences))


def review_text(sources_dir: Path, sources: list[curated.Source]) -> tuple[str, Path] | None:
    """The full text of the review the corpus is curated from, when the corpus names it."""
    for source in sources:
        if source.kind == "review" and source.text:
            path = (sources_dir / source.text).resolve()
            # the text lives in the shared folder beside the checkout; look up the tree for it
            # when the checkout sits elsewhere (a fresh clone in another folder)
            candidates = [path] + [parent / "shared" / "sources" / path.name
                                   for parent in sources_dir.resolve().parents]
            for candidate in candidates:
                if candidate.exists():
                    return candidate.read_text(encoding="utf-8"), candidate
    return None
