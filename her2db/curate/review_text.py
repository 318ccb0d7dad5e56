"""Does the database hold every number of the review it was curated from, and where?

Every number in the review's text (decimals, percentages, n=…, HRs and their CIs) must be held
by a curated record *whose verbatim quote contains that very occurrence*, or be listed in
``db/coverage-exceptions.yaml`` with the reason it is not data (a citation number, a year, a
figure number, a restatement such as "reduced the risk by 32%" of an HR of 0.68). Matching an
occurrence to the quote that contains it, not merely to an equal value somewhere, is what
keeps "32%" from passing because some adverse-event count happens to be 32.

The review's text is read only from the sources folder, from a folder the user names
(``--review-text`` or ``HER2DB_REVIEW_TEXT``), or from the project's own layout (a
``shared/sources/`` folder beside or above the checkout); messages quote at most the sentence
of the number.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model import classes
from ..model.registry import field_names

# A number not glued to a word, a word and hyphen, or a preceding full stop: "HER2",
# "DESTINY-Breast09", "HER2CLIMB-05" and the citation in "trial.5" are not numbers of the text;
# "2,074" is one number.
NUMBER = re.compile(r"(?<![\w.])(?<!\w-)(\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?)(?![\w])")
WHITESPACE = re.compile(r"\s+")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(“\"])|\n")
MAX_SENTENCE = 240
MAX_REVIEW_BYTES = 20_000_000
REVIEW_TEXT_ENV = "HER2DB_REVIEW_TEXT"
# descriptive fields whose numbers a record also holds ("2013–2018" in a population's label)
TEXT_FIELDS = ("period_start", "period_end", "data_cutoff", "value_text", "label", "definition",
               "category", "level", "name", "regimen", "grade")


class ReviewTextError(Exception):
    """The review's text cannot be used: outside the allowed folders, binary, too large."""


@dataclass(frozen=True)
class Occurrence:
    token: str
    value: float
    line: int
    start: int
    end: int
    sentence: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.token!r} in “{self.sentence}”"


def _key(value: float) -> float:
    return round(float(value), 6)


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around text[start:end], cut to a bounded length around the number. Only
    that much text around it is searched for the sentence's ends, so a text of many numbers
    and few full stops costs time in proportion to its length (a match cut at the window's
    edge moves an end by whitespace only, which the join drops)."""
    low, high = max(0, start - MAX_SENTENCE // 2), min(len(text), end + MAX_SENTENCE // 2)
    left = max((m.end() for m in SENTENCE_END.finditer(text, low, start)), default=low)
    after = SENTENCE_END.search(text, end, high)
    right = after.start() if after else high
    return " ".join(text[left:right].split())


def extract_numbers(text: str) -> list[Occurrence]:
    found = []
    line, counted = 1, 0
    for match in NUMBER.finditer(text):
        token = match.group(1)
        start, end = match.span(1)
        line += text.count("\n", counted, start)
        counted = start
        found.append(Occurrence(token, float(token.replace(",", "")), line, start, end,
                                _sentence(text, start, end)))
    return found


def _numbers_of(record: Any) -> Iterator[float]:
    for name, value in record:
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, (int, float)):
            yield float(value)
            if name == "timepoint_months":
                yield float(value) / 12  # "2-year PFS rate" is held as timepoint_months: 24
        elif name == "grade" and isinstance(value, str):
            yield from (float(t) for t in re.findall(r"\d+", value))  # ">=3", "3-4"
        elif isinstance(value, str) and name in TEXT_FIELDS:
            yield from (float(t.replace(",", "")) for t in NUMBER.findall(value))


@dataclass(frozen=True)
class Holder:
    """A record with a quote: the numbers it holds and where its quote stands in the review."""

    path: str
    values: frozenset[float]
    quote: str


def holders(studies: list[classes.StudyFile]) -> list[Holder]:
    """Every quoted record of every study, with the record path a curator can find it by."""
    found = []
    for study in studies:
        for name in field_names(classes.StudyFile):
            section = getattr(study, name)
            if not isinstance(section, list):
                continue
            for i, record in enumerate(section):
                if isinstance(record, classes.Provenance) and record.quote:
                    values = frozenset(_key(v) for v in _numbers_of(record))
                    found.append(Holder(f"{study.id} › {name}[{i}]", values, record.quote))
    return found


class _Spans:
    """Where each quote stands in the review, compared with runs of whitespace collapsed
    (a quote folded over several YAML lines still matches its one-line paragraph). A place in
    the collapsed text maps back through the whitespace runs before it, not through a table of
    every character."""

    def __init__(self, text: str) -> None:
        self.flat = WHITESPACE.sub(" ", text)
        self._runs: list[int] = []  # where each run of whitespace stands in the collapsed text
        self._shift: list[int] = []  # how much shorter the collapsed text is after that run
        shift = 0
        for match in WHITESPACE.finditer(text):
            self._runs.append(match.start() - shift)
            shift += match.end() - match.start() - 1
            self._shift.append(shift)

    def _position(self, flat: int) -> int:
        """The review's position of the collapsed text's character ``flat``, not a space (a
        quote, whitespace collapsed, starts and ends with a word)."""
        k = bisect.bisect_left(self._runs, flat) - 1
        return flat + self._shift[k] if k >= 0 else flat

    def find(self, quote: str) -> list[tuple[int, int]]:
        needle = " ".join(quote.split())
        spans = []
        start = self.flat.find(needle)
        while start >= 0 and needle:
            spans.append((self._position(start), self._position(start + len(needle) - 1) + 1))
            start = self.flat.find(needle, start + 1)
        return spans


def _excepted(occurrence: Occurrence, text: str, entry: classes.ExceptionEntry) -> bool:
    """Whether ``entry`` (an exception for this occurrence's number) explains this occurrence."""
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
    """Each number of the review with what explains it: a record, an exception, or nothing."""

    held: list[tuple[Occurrence, str]] = field(default_factory=list)
    excepted: list[tuple[Occurrence, classes.ExceptionEntry]] = field(default_factory=list)
    uncovered: list[Occurrence] = field(default_factory=list)
    unused_exceptions: list[classes.ExceptionEntry] = field(default_factory=list)
    unfound_quotes: list[str] = field(default_factory=list)

    @property
    def numbers(self) -> int:
        return len(self.held) + len(self.excepted) + len(self.uncovered)

    def lines(self) -> list[str]:
        """One line per number, in reading order: ``line N: 'token' → study › results[i]``."""
        rows = [(o.start, f"line {o.line}: {o.token!r} → {path}") for o, path in self.held]
        rows += [(o.start, f"line {o.line}: {o.token!r} → exception: {e.reason}") for o, e in self.excepted]
        rows += [(o.start, f"line {o.line}: {o.token!r} → HELD BY NO RECORD: “{o.sentence}”")
                 for o in self.uncovered]
        return [line for _, line in sorted(rows)]


def check_coverage(text: str, studies: list[classes.StudyFile],
                   exceptions: list[classes.ExceptionEntry]) -> CoverageReport:
    report = CoverageReport()
    spans = _Spans(text)
    quoted: list[tuple[int, int, Holder]] = []
    for holder in holders(studies):
        found = spans.find(holder.quote)
        if not found:
            report.unfound_quotes.append(holder.path)
        quoted.extend((start, end, holder) for start, end in found)
    quoted.sort(key=lambda item: item[0])
    by_number: dict[str, list[tuple[int, classes.ExceptionEntry]]] = {}
    for i, entry in enumerate(exceptions):
        by_number.setdefault(entry.number, []).append((i, entry))
    # The quotes that may hold the next number, in file order: those started at or before it
    # and not yet ended. Numbers come in reading order, each ending after the one before, so a
    # quote that ended before one number holds none of the later ones.
    open_quotes: list[tuple[int, int, Holder]] = []
    waiting = iter(quoted)
    upcoming = next(waiting, None)
    used: set[int] = set()
    for occurrence in extract_numbers(text):
        while upcoming is not None and upcoming[0] <= occurrence.start:
            open_quotes.append(upcoming)
            upcoming = next(waiting, None)
        open_quotes = [q for q in open_quotes if q[1] >= occurrence.end]
        key = _key(occurrence.value)
        owner = next((h for _, _, h in open_quotes if key in h.values), None)
        matching = [i for i, entry in by_number.get(occurrence.token, ()) if _excepted(occurrence, text, entry)]
        used.update(matching)
        if owner is not None:
            report.held.append((occurrence, owner.path))
        elif matching:
            report.excepted.append((occurrence, exceptions[matching[0]]))
        else:
            report.uncovered.append(occurrence)
    report.unused_exceptions = [entry for i, entry in enumerate(exceptions) if i not in used]
    return report


def _allowed_roots(sources_dir: Path, named: Path | None) -> list[Path]:
    roots = [sources_dir.resolve()]
    if named is not None:
        roots.append(named.resolve() if named.is_dir() else named.resolve().parent)
    # the project's own layout: the review texts in shared/sources/ beside or above the checkout
    roots += [parent / "shared" / "sources" for parent in sources_dir.resolve().parents]
    return roots


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def review_text(sources_dir: Path, sources: list[classes.Source],
                named: Path | None = None) -> tuple[str, Path] | None:
    """The full text of the review the corpus is curated from, when the corpus names it.

    ``named`` (or ``HER2DB_REVIEW_TEXT``) is the review's file or its folder. Raises
    ``ReviewTextError`` for a text outside the allowed folders, a binary or oversized file."""
    if named is None and os.environ.get(REVIEW_TEXT_ENV):
        named = Path(os.environ[REVIEW_TEXT_ENV])
    roots = _allowed_roots(sources_dir, named)
    for source in sources:
        if source.kind != "review" or not source.text:
            continue
        given = (sources_dir / source.text).resolve()
        candidates = [given] + [(root / given.name).resolve() for root in roots[1:]]  # a link: where it leads
        if named is not None and named.is_file():
            candidates.insert(0, named.resolve())
        for candidate in candidates:
            if not candidate.is_file():
                continue
            if not _inside(candidate, roots):
                raise ReviewTextError(
                    f"review text {source.text} of source {source.id} is outside the sources folder; "
                    f"name its folder with --review-text or {REVIEW_TEXT_ENV}")
            return _read_text(candidate), candidate
    return None


def _read_text(path: Path) -> str:
    with path.open("rb") as handle:
        data = handle.read(MAX_REVIEW_BYTES + 1)
    if len(data) > MAX_REVIEW_BYTES:
        raise ReviewTextError(f"review text {path.name} is larger than {MAX_REVIEW_BYTES // 1_000_000} MB")
    if b"\0" in data:
        raise ReviewTextError(f"review text {path.name} is a binary file, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReviewTextError(f"review text {path.name} is not UTF-8 text (byte {exc.start})") from exc
