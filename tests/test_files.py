"""The YAML reader: the values ruamel.yaml gave before, lines from one parse, hostile files
refused with file and line, and file names that cannot leave their folder."""

from __future__ import annotations

import math
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from her2db.cli import cli
from her2db.curate import yamlfile as files
from her2db.curate.csvimport import to_plain
from her2db.curate.yamlfile import MAX_DEPTH, YamlFileError, parse_yaml, printable, read_document
from her2db.util.atomic import write_atomic
from her2db.util.paths import UnsafePath, safe_child

ROOT = Path(__file__).resolve().parent.parent
STUDY = Path("studies/mini-trial.yaml")

# Plain and quoted scalars whose type a YAML 1.1 reader (PyYAML's own) would change.
SCALARS = [
    "yes", "no", "on", "off", "y", "n", "Yes", "True", "TRUE", "false", "010",
    "+5", "08", "0", "-0", "0001", ".inf", "-.inf", "+.inf", ".NaN", "nan",
    "Infinity", "1e309", "~", "null", "Null", "NULL", "nULL", "", "1e3", "1E3", "1.5e-3", "1.0e+3", "1.",
    "3.", "-.5", "12e", "v1.2", "0.1.2", "1:20", "2020-01-01", "2020-1-1",
    "2020-01-01 10:20:30", "2020-01-01T10:20:30.1234567Z", "2020-01-01t1:20:30+01:30",
    "2020-01-01 10:20:30 -5", "'010'", '"yes"', "'~'", "! 2", "!!str 10", "!!float 1", "!!int '7'",
    "!!bool true", "!!null ''", "!!timestamp 2001-12-14", "123456789012345678901234567890",
    "|\n  text\n", ">-\n  a\n  b\n", '"tab\\there"',
]


def _old_reader(text: str) -> object:
    """What the reader before this one returned: ruamel.yaml's YAML 1.2 safe loader."""
    return to_plain(YAML(typ="safe").load(text))


@pytest.mark.parametrize("scalar", SCALARS)
def test_values_are_typed_as_ruamel_typed_them(scalar: str) -> None:
    text = f"k: {scalar}" if scalar[:1] in ("|", ">") else f"k: {scalar}\n"
    old = _old_reader(text)["k"]  # type: ignore[index]
    new = parse_yaml(Path("x.yaml"), text)[0]["k"]
    assert type(new) is type(old)
    assert new == old or (isinstance(old, float) and math.isnan(old) and math.isnan(new))


def test_every_curated_file_reads_as_before() -> None:
    paths = sorted((ROOT / "db").rglob("*.yaml"))
    assert len(paths) > 20
    for path in paths:
        assert read_document(path).data == _old_reader(path.read_text(encoding="utf-8")), path


def test_lines_of_nodes() -> None:
    text = "a: 1\nb:\n  c: [x,\n    y]\n  d:\n    - e: 2\n      f: 3\n"
    doc = files.Document(Path("x"), text, *parse_yaml(Path("x"), text))
    assert doc.data == {"a": 1, "b": {"c": ["x", "y"], "d": [{"e": 2, "f": 3}]}}
    assert doc.line(("a",)) == 1
    assert doc.line(("b", "c", 1)) == 4
    assert doc.line(("b", "d", 0, "f")) == 7
    assert doc.line(("b", "d", 0, "nope")) == 6  # the deepest part that exists
    assert doc.line(("zzz",)) is None


def _refused(text: str | bytes) -> YamlFileError:
    path = Path("/tmp/never-written.yaml")
    raw = text if isinstance(text, bytes) else text.encode("utf-8")
    with pytest.raises(YamlFileError) as info:
        parse_yaml(path, files._decode(path, raw))
    return info.value


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(20))


@pytest.mark.parametrize("text,line,message", [
    (BOMB, 1, "anchor &a is not allowed"),
    ("a: 1\nb: *x\n", 2, "alias *x is not allowed"),
    ("a: 1\nb: [1, 2]\nc: {<<: {d: 1}}\n", 3, "merge keys ('<<') are not allowed"),
    ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a' in one mapping"),
    ("a: 1\n---\nb: 2\n", 2, "one YAML 1.2 document per file"),
    ("%YAML 1.1\n---\na: yes\n", 1, "%YAML directive"),
    ("a: 1\nb: !!binary aGVsbG8=\n", 2, "the tag 'tag:yaml.org,2002:binary' is not supported"),
    ("a:\n  ? [1, 2]\n  : x\n", 2, "a mapping or list used as a key is not allowed"),
    ("a: 1\nb: 2020-13-45\n", 2, "cannot read '2020-13-45' as timestamp"),
    ("a: 1\nb: " + "9" * 5000 + "\n", 2, "cannot read '" + "9" * 60 + "…' (5,000 characters) as int"),
    ('a: 1\nb: "a bell\\x07"\n', 2, "the character U+0007 (a control or invisible character) is not allowed"),
    ("a: 1\nb: right\u202eto left\n", 2, "the character U+202E (a control or invisible character) is not allowed"),
    ("a: 1\nb: 'single\u200bquoted'\n", 2, "the character U+200B (a control or invisible character) is not allowed"),
    ("a: 1\nb: |\n  block\n  lit\u202eeral\nc: 2\n", 2, "the character U+202E (a control or invisible character)"),
    ("a: 1\nb: \"x\ny\n", 4, "malformed YAML"),
    ("a: 1\nb: 2\nc: bad\x07value\n", 3, "control characters are not allowed (character U+0007)"),
    (b"a: 1\nb: caf\xc3\xa9\nc: \xff\xfe\n", 3, "not UTF-8 text: byte 0xff"),
])
def test_hostile_yaml_is_refused_with_its_line(text: str | bytes, line: int, message: str) -> None:
    error = _refused(text)
    assert error.line == line
    assert message in error.message


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_deep_nesting_is_refused_without_recursion(depth: int) -> None:
    error = _refused("a:\n" + " [\n" * depth + " " + "]" * depth + "\n")
    assert error.message == f"nesting deeper than {MAX_DEPTH} levels"
    assert error.line == MAX_DEPTH + 1  # the first list too deep: line 2 holds the second level


def test_nesting_up_to_the_limit_is_read() -> None:
    depth = MAX_DEPTH - 1
    data, _ = parse_yaml(Path("x"), "a: " + "[" * depth + "1" + "]" * depth + "\n")
    for _ in range(depth + 1):
        data = data["a"] if isinstance(data, dict) else data[0]
    assert data == 1


def test_messages_escape_control_characters() -> None:
    assert printable("a\x1b[31mred\x07\u202eb\nc") == "a\\x1b[31mred\\x07\\u202eb\\nc"
    assert printable("HER2-positive, ≥ 3, naïve") == "HER2-positive, ≥ 3, naïve"


def test_safe_child_keeps_names_inside_the_folder(tmp_path: Path) -> None:
    name = "destiny-breast09-pfs-hr-1"
    assert safe_child(tmp_path, name, ".svg") == tmp_path / f"{name}.svg"
    for name in ("../evil", "..", "a/b", "/etc/passwd", ".hidden", "a b", "", "a\x00b", "a..b"):
        with pytest.raises(UnsafePath):
            safe_child(tmp_path, name, ".svg")
    (tmp_path / "link").symlink_to("/tmp")
    with pytest.raises(UnsafePath, match="outside"):
        safe_child(tmp_path, "link")


# --- through the command line: located message, nothing changed ------------------------------


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _load_fails(runner: CliRunner, corpus: Path, mini_db: Path) -> str:
    """Run `her2db load`; it must fail with exit 1 and change no file under the test folder."""
    before = _snapshot(corpus.parent)
    result = runner.invoke(cli, ["load", "--sources", str(corpus), "--db", str(mini_db)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert _snapshot(corpus.parent) == before
    return result.output


def test_alias_bomb_is_refused_quickly_and_changes_nothing(corpus: Path, mini_db: Path,
                                                            runner: CliRunner) -> None:
    study = corpus / STUDY
    text = study.read_text(encoding="utf-8")
    line = len(text.splitlines()) + 1
    study.write_text(text + BOMB, encoding="utf-8")
    output = _load_fails(runner, corpus, mini_db)
    assert f"studies/mini-trial.yaml:{line}: error: mini-trial: anchor &a is not allowed" in output


def test_deep_nesting_through_validate(corpus: Path, runner: CliRunner) -> None:
    study = corpus / STUDY
    text = study.read_text(encoding="utf-8")
    first = len(text.splitlines()) + 1
    study.write_text(text + "notes:\n" + " [\n" * 100_000 + " " + "]" * 100_000 + "\n", encoding="utf-8")
    result = runner.invoke(cli, ["validate", "--sources", str(corpus)])
    assert result.exit_code == 1
    assert f"studies/mini-trial.yaml:{first + MAX_DEPTH}: error: mini-trial: nesting deeper than 64" \
        in result.output


def test_non_utf8_bytes_give_their_line(corpus: Path, mini_db: Path, runner: CliRunner) -> None:
    study = corpus / STUDY
    study.write_bytes(study.read_bytes().replace(b"title: A small", b"title: A \xe9 small"))
    output = _load_fails(runner, corpus, mini_db)
    assert "studies/mini-trial.yaml:4: error: mini-trial: not UTF-8 text: byte 0xe9" in output


def test_control_characters_in_values_are_refused_unprinted(corpus: Path, runner: CliRunner) -> None:
    """A value escaping a control character ("\\e[2J" clears a terminal) is no curated text:
    refused at its line, and the message does not print the character."""
    study = corpus / STUDY
    study.write_text(study.read_text(encoding="utf-8").replace(
        "- {endpoint: PFS2, arm: exp,", '- {endpoint: PFS2, arm: "ex\\e[2J\\rp",'), encoding="utf-8")
    result = runner.invoke(cli, ["validate", "--sources", str(corpus)])
    assert result.exit_code == 1
    line = next(i for i, text in enumerate(study.read_text(encoding="utf-8").splitlines(), 1) if "PFS2" in text)
    assert (f"studies/mini-trial.yaml:{line}: error: mini-trial: the character U+001B (a control "
            "or invisible character) is not allowed in a value: write plain text") in result.output
    assert "\x1b" not in result.output and "\r" not in result.output


def test_lookalike_key_is_named(corpus: Path, runner: CliRunner) -> None:
    study = corpus / STUDY
    study.write_text(study.read_text(encoding="utf-8").replace("statistic: median, value: 40.7",
                                                               "statistic: median, v\u0430lue: 40.7"),
                     encoding="utf-8")
    result = runner.invoke(cli, ["validate", "--sources", str(corpus)])
    assert result.exit_code == 1
    assert ("mini-trial › results[0] › v\u0430lue: unknown field 'v\u0430lue': the key contains non-ASCII "
            "characters that look like letters: '\u0430' (U+0430 CYRILLIC SMALL LETTER A)") in result.output


def test_problem_line_in_a_large_file_costs_one_parse(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big study file with one bad value at its end: the line comes from the single parse;
    the round-trip parser (minutes and gigabytes on 50 MB) is never started."""
    import ruamel.yaml.main

    def no_round_trip(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("ruamel.yaml parsed a file while reading")

    monkeypatch.setattr(ruamel.yaml.main.YAML, "load", no_round_trip)
    study = corpus / STUDY
    head, tail = study.read_text(encoding="utf-8").split("results:\n")
    row = ("  - {endpoint: PFS, arm: exp, analysis: interim, population: itt, statistic: median, "
           "value: 40.7, unit: months, source_id: huober-review, locator: text}\n")
    rows = 4_000  # about 0.6 MB; the round-trip parser is refused above, whatever the size
    bad = row.replace("value: 40.7", "value: 40.7, ci_low: 50, ci_high: 60").replace("statistic:", "category: last, "
                                                                                      "statistic:")
    # each row its own data point (a category apiece): the same one twice would be an error too
    many = "".join(row.replace("statistic:", f"category: part {i}, statistic:") for i in range(rows))
    study.write_text(head + "results:\n" + many + bad + tail, encoding="utf-8")
    from her2db.curate.validate import validate

    report = validate(corpus)
    assert [(p.line, p.path) for p in report.errors] == [
        (len(head.splitlines()) + 2 + rows, f"mini-trial › results[{rows}] › ci_low")]


# Today's reading of every kind of plain scalar, written out (not compared with another
# library), so that a change of YAML library cannot silently change a value. YAML 1.1 readers
# (PyYAML's resolver) would read yes/no/on/off as booleans, 010 as octal 8, 1e5 as text and
# dates as date objects; the curated files have always been read the YAML 1.2 way below.
PINNED = [
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("y", "y"), ("n", "n"),
    ("Yes", "Yes"), ("NO", "NO"), ("On", "On"), ("OFF", "OFF"),
    ("true", True), ("True", True), ("TRUE", True), ("false", False), ("False", False),
    ("010", 10), ("0010", 10), ("-010", -10), ("+010", 10), ("07", 7), ("08", 8), ("09", 9),
    ("+1", 1), ("-1", -1), ("+0", 0),
    ("1e5", 100000.0), ("1E5", 100000.0), ("1e-5", 1e-05), ("1.5e3", 1500.0), ("1.0e+3", 1000.0),
    (".5", 0.5), ("-.5", -0.5), ("+.5", 0.5), ("1.", 1.0), ("+1.5", 1.5),
    ("~", None), ("null", None), ("", None),
    ("2020-01-01", "2020-01-01"), ("2020-1-1", "2020-1-1"), ("2020-01-01 10:20:30", "2020-01-01T10:20:30"),
    ("1:20", "1:20"), ("12:30:00", "12:30:00"), ("0.1.2", "0.1.2"), ("1e", "1e"), ("e5", "e5"),
    ("NE", "NE"), ("=", "="), ("<", "<"),
    ("'010'", "010"), ('"yes"', "yes"), ('"1e5"', "1e5"), ("'2020-01-01'", "2020-01-01"),
]


@pytest.mark.parametrize("scalar", ["0o10", "0x1F", "0b101", "1_000", "-1_000", "1__0", "._5", "1_0.5",
                                    "!!float 1_0.5", "!!int 0x64"])
def test_numbers_in_a_form_no_source_prints_are_refused_not_converted(scalar: str) -> None:
    """YAML reads 0x1F as 31 and 1_0.5 as 10.5: a typo or a spreadsheet's hex would become
    another number, so the value is refused with its line."""
    error = _refused(f"a: 1\nb: {scalar}\n")
    assert error.line == 2
    assert "is not a number as a source prints one: write it with the digits 0-9" in error.message


@pytest.mark.parametrize("scalar", ["!!bool yes", "!!bool 'true '", "!!bool 1"])
def test_a_bool_tag_on_a_word_that_is_not_true_or_false_is_refused(scalar: str) -> None:
    """``!!bool yes`` read as false, silently."""
    assert "as bool" in _refused(f"a: 1\nb: {scalar}\n").message


@pytest.mark.parametrize("scalar,expected", PINNED)
def test_scalars_keep_todays_yaml_1_2_reading(scalar: str, expected: object) -> None:
    value = parse_yaml(Path("x.yaml"), f"k: {scalar}\n")[0]["k"]
    assert type(value) in ({type(expected)} | ({files.Printed} if type(expected) is float else set()))
    assert value == expected


@pytest.mark.parametrize("scalar,text", [("0.70", "0.70"), ("29.0", "29.0"), ("-0.5", "-0.5"),
                                         ("0.543", "0.543"), ("1.0", "1.0")])
def test_decimals_keep_their_printed_text(scalar: str, text: str) -> None:
    value = parse_yaml(Path("x.yaml"), f"k: {scalar}\n")[0]["k"]
    assert isinstance(value, files.Printed) and value.text == text
    assert value == float(text)


@pytest.mark.parametrize("scalar", ["1e5", ".5", "+1.5", "1.", ".inf"])
def test_other_floats_carry_no_printed_text(scalar: str) -> None:
    assert not isinstance(parse_yaml(Path("x.yaml"), f"k: {scalar}\n")[0]["k"], files.Printed)


def test_keys_are_text_as_written() -> None:
    data = parse_yaml(Path("x.yaml"), "yes: 1\non: 2\n010: 3\n1e5: 4\n2020-01-01: 5\ntrue: 6\n")[0]
    assert list(data) == ["yes", "on", "10", "100000.0", "2020-01-01", "True"]


@pytest.mark.parametrize("scalar", [".nan", ".NaN", "-.inf"])
def test_non_finite_values_are_read_as_floats(scalar: str) -> None:
    value = parse_yaml(Path("x.yaml"), f"k: {scalar}\n")[0]["k"]
    assert type(value) is float and not math.isfinite(value)


def test_an_atomic_write_keeps_the_permissions_of_the_file_it_replaces(tmp_path: Path) -> None:
    """A curated file edited by `her2db set` stays readable by the group and others, as it was
    (mkstemp's 0600 used to go with it); a new file gets what the umask gives."""
    study = tmp_path / "study.yaml"
    study.write_text("id: x\n", encoding="utf-8")
    study.chmod(0o664)
    write_atomic(study, "id: y\n")
    assert study.read_text(encoding="utf-8") == "id: y\n" and stat.S_IMODE(study.stat().st_mode) == 0o664
    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.sql.gz", b"\x1f\x8b")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.sql.gz").stat().st_mode) == 0o644
    assert (tmp_path / "new.sql.gz").read_bytes() == b"\x1f\x8b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.sql.gz", "study.yaml"]


def test_an_atomic_write_reaches_the_disk_before_and_after_its_rename(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The new text is synced before the rename and the folder after it, so a power cut
    leaves the old file or the whole new one, never an empty file under the name."""
    done: list[tuple[str, object]] = []
    fsync, replace = os.fsync, os.replace

    def recording_fsync(fd: int) -> None:
        done.append(("fsync", "folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else os.fstat(fd).st_size))
        fsync(fd)

    def recording_replace(src: str, dst: Path) -> None:
        done.append(("replace", Path(dst).name))
        replace(src, dst)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    monkeypatch.setattr(os, "replace", recording_replace)
    write_atomic(tmp_path / "study.yaml", "id: x\n")
    assert done == [("fsync", 6), ("replace", "study.yaml"), ("fsync", "folder")]
    assert (tmp_path / "study.yaml").read_text(encoding="utf-8") == "id: x\n"
