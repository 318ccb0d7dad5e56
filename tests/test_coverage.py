"""Every number of the review is held by the record whose quote contains it, or explained."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from her2db_testing import REAL_SOURCES, REVIEW_TEXT_ENV, REVIEW_TEXT_HOWTO, ROOT, fresh_checkout

from her2db.cli import cli
from her2db.curate import review_text as coverage
from her2db.curate.corpus import read_corpus
from her2db.curate.validate import validate
from her2db.model import classes
from her2db.model.classes import StudyFile

REVIEW_NAME = "000_37a715a4a7adbb6f.txt"


def _real_review() -> tuple[str, Path]:
    corpus, _ = read_corpus(REAL_SOURCES)
    found = coverage.review_text(REAL_SOURCES, corpus.sources)
    if found is None:
        pytest.skip(f"the review's text ({REVIEW_NAME}) is not in the checkout or a shared/sources/ "
                    f"folder above it: {REVIEW_TEXT_HOWTO}")
    return found


def test_extracts_the_numbers_a_reader_sees() -> None:
    text = ("HR: 0.56 [95% CI: 0.44–0.71]; p<0.00001, n=47, 2,074 patients in DESTINY-Breast0911 "
            "and CLEOPATRA.5 with 29.6% (Figure 1) HER2 CDK4/6 1L HER2CLIMB-05 1-year")
    tokens = [o.token for o in coverage.extract_numbers(text)]
    assert tokens == ["0.56", "95", "0.44", "0.71", "0.00001", "47", "2,074", "29.6", "1", "6", "1"]
    assert coverage.extract_numbers("2,074 patients")[0].value == 2074



def _sentence_read_whole(text: str, start: int, end: int) -> str:
    """The sentence as the first version read it, from the text's start and to its end."""
    bounds = [m.end() for m in coverage.SENTENCE_END.finditer(text, 0, start)]
    after = coverage.SENTENCE_END.search(text, end)
    left = max(bounds[-1] if bounds else 0, start - coverage.MAX_SENTENCE // 2)
    right = min(after.start() if after else len(text), end + coverage.MAX_SENTENCE // 2)
    return " ".join(text[left:right].split())


def test_a_text_of_numbers_and_few_full_stops_gives_every_line_and_sentence() -> None:
    """A careless --review-text (a table of numbers, no full stops) is read in time in
    proportion to its length, with the same line and sentence for each number as a reading of
    the whole text around it gives; at 140 kB that took 100 s, at 275 kB 7 minutes."""
    rng = random.Random(7)
    pieces = ["HR 0.56.", " ", "  ", "\n", ". The", "! (", " n=47", "29.6%", "line", "?\n\nA", " 2,074", "“Q"]
    for _ in range(40):
        text = "".join(rng.choice(pieces) + " " * rng.randint(0, 130) for _ in range(rng.randint(1, 60)))
        for o in coverage.extract_numbers(text):
            assert (o.line, o.sentence) == (text.count("\n", 0, o.start) + 1,
                                           _sentence_read_whole(text, o.start, o.end)), (text, o)
    table = "\n".join(" ".join(f"{rng.randint(1, 999)}.{rng.randint(0, 9)}%" for _ in range(20))
                       for _ in range(2_000))  # 270 kB, 40,000 numbers
    numbers = coverage.extract_numbers(table)
    assert len(numbers) == 40_000 and numbers[-1].line == 2_000
    assert len(numbers[-1].sentence) <= coverage.MAX_SENTENCE + 8

def _owners_read_whole(text: str, studies: list[StudyFile]) -> list[str | None]:
    """Each number's record as the first version found it: every character's place in the
    text with whitespace collapsed, and every quote's every span looked at for every number."""
    flat, places = "", []
    for piece in re.finditer(r"\s+|\S+", text):
        flat += " " if piece.group().isspace() else piece.group()
        places += [piece.start()] if piece.group().isspace() else list(range(piece.start(), piece.end()))
    spans = []
    for holder in coverage.holders(studies):
        needle = " ".join(holder.quote.split())
        spans += [(places[m.start()], places[m.start() + len(needle) - 1] + 1, holder)
                  for m in re.finditer(f"(?={re.escape(needle)})", flat)]
    spans.sort(key=lambda span: span[0])
    return [next((h.path for a, b, h in spans if a <= o.start and b >= o.end and round(o.value, 6) in h.values),
                 None) for o in coverage.extract_numbers(text)]


def test_each_quote_is_found_where_it_stands_in_texts_of_any_spacing() -> None:
    """Quotes refolded over other whitespace, overlapping and repeated, own the numbers the
    whole-text reading gives them; exceptions excuse only their own number."""
    rng = random.Random(11)
    words = ["HR", "0.56", "29.6%", "n=47", "PFS", "median", "383", "2,074", "of", "arm", "(95%", "CI)"]
    for _ in range(60):
        tokens = [rng.choice(words) for _ in range(rng.randint(1, 40))]
        text = "".join(t + rng.choice([" ", "  ", "\n", " \n\t ", "\n\n"]) for t in tokens)
        records = []
        for _ in range(rng.randint(0, 6)):
            a = rng.randrange(len(tokens))
            b = rng.randint(a + 1, min(len(tokens), a + 8))
            quote = rng.choice(["\n", " ", "  "]).join(tokens[a:b])
            held = [t for t in tokens[a:b] if re.fullmatch(r"[\d,.]+%?", t)]
            value = float(rng.choice(held).rstrip("%").replace(",", "")) if held else 1.0
            records.append({"key": f"k{len(records)}", "label": "A", "role": "cohort",
                            "n_randomized": int(value) if value.is_integer() else 1, "quote": quote, **PROVENANCE})
        study = _study(arms=records)
        exception = _exception(number=rng.choice(["383", "47", "0.56"]), reason="a test")
        report = coverage.check_coverage(text, [study], [exception])
        owners = dict(report.held)
        got = [owners.get(o) for o in coverage.extract_numbers(text)]
        assert got == _owners_read_whole(text, [study]), (text, records)
        assert {o.token for o, _ in report.excepted} <= {exception.number}
        assert all(o.token != exception.number for o in report.uncovered)


def _exception(**values: object) -> classes.ExceptionEntry:
    return classes.validate(classes.ExceptionEntry, values)


def _study(**sections: object) -> StudyFile:
    return classes.validate(StudyFile, {"id": "mini", "acronym": "MINI", "title": "t", "kind": "randomized trial",
                                     "setting": "metastatic", **sections})


PROVENANCE = {"source_id": "huober-review", "locator": "text"}
TEXT = "THP reduced the risk of death by 32% (HR: 0.68). Grade ≥3 events occurred in 32 patients."


def test_a_number_counts_only_where_the_quote_holding_it_stands() -> None:
    # "32%" restates the HR; an adverse-event count of 32 elsewhere must not cover it
    study = _study(
        arms=[{"key": "a", "label": "A", "role": "experimental", **PROVENANCE},
              {"key": "b", "label": "B", "role": "control", **PROVENANCE}],
        comparisons=[{"endpoint": "OS", "measure": "HR", "experimental": "a", "control": "b", "estimate": 0.68,
                      "quote": "THP reduced the risk of death by 32% (HR: 0.68).", **PROVENANCE}],
        adverse_events=[{"arm": "a", "term": "any adverse event", "category": "teae", "grade": ">=3", "n": 32,
                         "quote": "Grade ≥3 events occurred in 32 patients.", **PROVENANCE}])
    report = coverage.check_coverage(TEXT, [study], [])
    assert [(o.token, o.start) for o in report.uncovered] == [("32", TEXT.index("32%"))]
    assert report.lines() == [
        "line 1: '32' → HELD BY NO RECORD: “THP reduced the risk of death by 32% (HR: 0.68).”",
        "line 1: '0.68' → mini › comparisons[0]",
        "line 1: '3' → mini › adverse_events[0]",
        "line 1: '32' → mini › adverse_events[0]",
    ]
    excepted = coverage.check_coverage(TEXT, [study], [_exception(
        number="32", context="death by 32%", reason="restates the HR of 0.68")])
    assert excepted.uncovered == [] and excepted.unused_exceptions == []
    assert "line 1: '32' → exception: restates the HR of 0.68" in excepted.lines()


def test_a_quote_folded_over_lines_still_matches() -> None:
    study = _study(arms=[{"key": "a", "label": "A", "role": "cohort", "n_randomized": 383,
                          "quote": "plus Pertuzumab n=383", **PROVENANCE}])
    report = coverage.check_coverage("Arm\nplus Pertuzumab\nn=383\n", [study], [])
    assert report.uncovered == [] and report.lines() == ["line 3: '383' → mini › arms[0]"]


def test_exception_context_limits_what_it_excuses() -> None:
    text = "grade ≥3 events in 3 patients"
    grade = _exception(number="3", reason="grade label", context="grade ≥3")
    report = coverage.check_coverage(text, [], [grade])
    assert [o.sentence for o in report.uncovered] == [text]  # the second 3 is data
    assert report.unused_exceptions == []


def test_every_number_of_the_review_is_covered() -> None:
    text, _ = _real_review()
    report = validate(REAL_SOURCES)
    result = coverage.check_coverage(text, [s.study for s in report.corpus.studies], report.corpus.exceptions)
    assert result.numbers > 500
    missing = "\n".join(str(o) for o in result.uncovered)
    assert not result.uncovered, f"numbers of the review held by no record:\n{missing}"
    assert result.unused_exceptions == [], "exceptions that no longer match anything"
    assert result.unfound_quotes == [], "quotes that are not verbatim text of the review"


def test_coverage_command_lists_each_number_with_its_record(runner: CliRunner) -> None:
    _, path = _real_review()
    result = runner.invoke(cli, ["coverage", "--sources", str(REAL_SOURCES), "--review-text", str(path.parent)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "line 107: '0.543' → patina › comparisons[5]" in lines
    assert "line 116: '0.21' → patina › adverse_events[6]" in lines
    assert any(line.startswith("line 3: '32' → exception: Restates CLEOPATRA's OS hazard ratio 0.68")
               for line in lines)
    assert any(line.startswith("line 55: '44' → exception: Restates DESTINY-Breast09's PFS hazard ratio 0.56")
               for line in lines)
    assert lines[-1].endswith("0 held by nothing")


def test_exceptions_file_stays_short_and_explained() -> None:
    report = validate(REAL_SOURCES)
    assert len(report.corpus.exceptions) < 120
    assert all(len(entry.reason) >= 10 for entry in report.corpus.exceptions)
    assert (Path(REAL_SOURCES) / "coverage-exceptions.yaml").exists()


# --- where the review's text may be read from (issue 7) ----------------------------------

def _point_text_at(corpus: Path, target: str) -> None:
    sources = corpus / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    start = text.index("    text: ")
    end = text.index("\n", start)
    sources.write_text(text[:start] + f"    text: {target}" + text[end:], encoding="utf-8")


def test_text_outside_the_sources_folder_is_refused(corpus: Path, runner: CliRunner) -> None:
    _point_text_at(corpus, "/proc/self/environ")
    secret = "her2db-test-secret-value"
    result = runner.invoke(cli, ["validate", "--sources", str(corpus)], env={"HER2DB_SECRET": secret})
    assert result.exit_code == 1
    assert ("sources.yaml: error: review text /proc/self/environ of source huober-review is outside the "
            "sources folder; name its folder with --review-text or HER2DB_REVIEW_TEXT") in result.output
    assert secret not in result.output


def test_a_named_folder_is_allowed_and_only_the_sentence_is_echoed(corpus: Path, tmp_path: Path,
                                                                   runner: CliRunner) -> None:
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "review.txt").write_text("Private preamble that must not be echoed. The median PFS was 99.9 "
                                       "months.\nAnother secret line.\n", encoding="utf-8")
    _point_text_at(corpus, "review.txt")
    outside = runner.invoke(cli, ["validate", "--sources", str(corpus)])
    assert "99.9" not in outside.output  # not found in the sources folder: nothing read
    for args, env in ((["--review-text", str(folder)], {}), ([], {"HER2DB_REVIEW_TEXT": str(folder)})):
        result = runner.invoke(cli, ["validate", "--sources", str(corpus), *args], env=env)
        assert result.exit_code == 0, result.output
        assert ("review.txt:1: warning: number 99.9 of the review is held by no quoted record: “The median PFS "
                "was 99.9 months.”") in result.output
        assert "Private preamble" not in result.output and "secret" not in result.output


def test_a_link_in_a_named_folder_reads_nothing_outside_it(corpus: Path, tmp_path: Path,
                                                           runner: CliRunner) -> None:
    """The named folder holds a link, named as the review, to a file elsewhere: refused as a
    text outside the allowed folders, and nothing of that file is echoed."""
    (tmp_path / "private.txt").write_text("A private line with the number 12.34 in it.\n", encoding="utf-8")
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "review.txt").symlink_to(tmp_path / "private.txt")
    _point_text_at(corpus, "review.txt")
    result = runner.invoke(cli, ["validate", "--sources", str(corpus), "--review-text", str(folder)])
    assert result.exit_code == 1, result.output
    assert "review text review.txt of source huober-review is outside the sources folder" in result.output
    assert "12.34" not in result.output and "private" not in result.output


def test_a_binary_review_text_is_a_clean_error(corpus: Path, runner: CliRunner) -> None:
    (corpus / "review.txt").write_bytes(b"\x7fELF\x00\x01binary")
    _point_text_at(corpus, "review.txt")
    result = runner.invoke(cli, ["validate", "--sources", str(corpus)])
    assert result.exit_code == 1
    assert "sources.yaml: error: review text review.txt is a binary file, not text" in result.output
    assert "Traceback" not in result.output


def test_the_shared_layout_above_the_checkout_is_found() -> None:
    # CI lays the texts out in shared/sources/ beside or above the checkout
    layout = [parent / "shared" / "sources" / REVIEW_NAME for parent in ROOT.parents]
    if not any(path.exists() for path in layout) and not os.environ.get(REVIEW_TEXT_ENV):
        pytest.skip(f"no shared/sources/ folder above the checkout: {REVIEW_TEXT_HOWTO}")
    text, path = _real_review()
    assert path.name == REVIEW_NAME and "DESTINY-Breast09" in text


def test_a_checkout_without_the_review_text_skips_saying_how_to_supply_it(tmp_path: Path) -> None:
    """`make test` on a fresh clone with no shared/ above it passes: the coverage tests skip,
    and their reason says how to run them; given --review-text, they run."""
    checkout = fresh_checkout(tmp_path / "her2db")
    assert not any((parent / "shared").exists() for parent in checkout.parents)
    env = {k: v for k, v in os.environ.items() if k != REVIEW_TEXT_ENV}
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-n", "0",
               "tests/test_coverage.py", "-k", "review_is_covered or each_number or shared_layout"]
    skipped = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True)
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    assert "3 skipped" in skipped.stdout
    reasons = [line for line in skipped.stdout.splitlines() if line.startswith("SKIPPED")]
    assert reasons and all(line.endswith(REVIEW_TEXT_HOWTO) for line in reasons), reasons
    found = coverage.review_text(REAL_SOURCES, read_corpus(REAL_SOURCES)[0].sources)
    if found is None:
        pytest.skip(f"the second half needs the review's text: {REVIEW_TEXT_HOWTO}")
    given = subprocess.run([*command, "--review-text", str(found[1])], cwd=checkout, env=env,
                           capture_output=True, text=True)
    assert given.returncode == 0, given.stdout + given.stderr
    assert "3 passed" in given.stdout and "skipped" not in given.stdout


@pytest.mark.parametrize("command", ["validate", "coverage", "todo"])
def test_a_review_text_that_is_a_pipe_or_a_device_is_refused_unread(runner: CliRunner, tmp_path: Path,
                                                                    command: str) -> None:
    """It was skipped in silence (validate passed, coverage said no review text was found)."""
    pipe = tmp_path / "review.txt"
    os.mkfifo(pipe)
    for path in (pipe, Path("/dev/zero")):
        result = runner.invoke(cli, [command, "--sources", str(REAL_SOURCES), "--review-text", str(path)])
        assert result.exit_code == 2, result.output
        assert f"{path} is not a plain file (a pipe, a socket or a device): give the review's text" in result.output
