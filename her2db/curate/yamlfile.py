"""Reading and writing the curated YAML files: plain data with the line of every node.

Reading parses each file ONCE with libyaml's event parser (PyYAML's C binding) and builds the
plain data and a tree of line numbers side by side, without recursion, so a problem found later
(a CI that does not contain its estimate) is reported with its line at no extra cost. Aliases,
anchors, merge keys and deep nesting are refused: curated files need none of them, and they are
how a small hostile file eats memory or the stack. Scalars get the types ruamel.yaml's YAML 1.2
safe loader gave them before (``yes`` stays text, ``1e3`` is a number, dates become ISO text),
so the data did not change with the reader; ``tests/test_files.py`` compares the two.

ruamel.yaml only rewrites a whole file keeping its comments (``Document.tree``, ``dump_tree``).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model.numbers import Printed
from ..util.paths import STREAM, is_stream
from ..util.terminal import hidden_character, printable, quoted

PathKey = str | int
# A node's line, and for a mapping or a list the lines of its children (by key or index).
Lines = int | tuple[int, "dict[str, Lines] | list[Lines]"]

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted; a study file needs about six levels."""


class YamlFileError(Exception):
    """A file that cannot be read as YAML at all (malformed, empty, not a mapping)."""

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.message = message


def line_of(lines: Lines, path: tuple[PathKey, ...]) -> int | None:
    """1-based line of the deepest part of ``path`` that exists in a file's line tree."""
    line = None
    node: Lines = lines
    for key in path:
        if not isinstance(node, tuple):
            break
        children = node[1]
        if isinstance(children, dict) and isinstance(key, str) and key in children:
            node = children[key]
        elif isinstance(children, list) and isinstance(key, int) and 0 <= key < len(children):
            node = children[key]
        else:
            break
        line = node if isinstance(node, int) else node[0]
    return line


@dataclass(slots=True)
class Located:
    """A parsed file's path and the line of every node, without its text or data: what the
    checks after parsing need, kept for every file of a corpus at a fraction of the memory."""

    path: Path
    lines: Lines = 1

    def line(self, path: tuple[PathKey, ...]) -> int | None:
        return line_of(self.lines, path)


@dataclass
class Document:
    """A parsed YAML file: plain data, the line of every node, and (parsed only when a writer
    asks for it, since the round-trip parser is many times slower) the tree with comments."""

    path: Path
    text: str
    data: Any
    lines: Lines = 1
    _tree: Any = field(default=None, repr=False)

    @property
    def tree(self) -> Any:
        if self._tree is None:
            self._tree = _yaml().load(self.text)
        return self._tree

    def line(self, path: tuple[PathKey, ...]) -> int | None:
        """1-based line of the deepest part of ``path`` that exists in the file."""
        return line_of(self.lines, path)

    def located(self) -> Located:
        return Located(self.path, self.lines)


def _yaml() -> Any:
    """ruamel.yaml's round-trip YAML, for rewriting a file with its comments (imported here:
    reading never needs it)."""
    from ruamel.yaml import YAML

    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 100
    rt.indent(mapping=2, sequence=4, offset=2)
    return rt


# --- scalars: the types of ruamel.yaml's YAML 1.2 safe loader -------------------------------

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"

_RESOLVERS = [  # tried in this order
    (_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")),
    (_FLOAT, re.compile(r"""^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                            |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
                            |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
                            |[-+]?\.(?:inf|Inf|INF)
                            |\.(?:nan|NaN|NAN))$""", re.X)),
    (_INT, re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$")),
    (_NULL, re.compile(r"^(?:~|null|Null|NULL|)$")),
    (_TIMESTAMP, re.compile(r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
                            r"(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
                            r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$")),
]
_TIMESTAMP_PARTS = re.compile(
    r"^(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]*))?(?:[ \t]*(?P<tz>Z|(?P<sign>[-+])(?P<tz_hour>[0-9]{1,2})"
    r"(?::(?P<tz_minute>[0-9]{2}))?))?)?$")


def _int(text: str) -> int:
    digits = text.replace("_", "")
    sign = -1 if digits[0] == "-" else 1
    digits = digits.lstrip("+-")
    for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
        if digits.startswith(prefix):
            return sign * int(digits[2:], base)
    return sign * int(digits)


PRINTED_FLOAT = re.compile(r"-?\d+\.\d+")


def _float(text: str) -> float:
    """A YAML float; a plain decimal keeps the text it was written as (``0.70`` stays "0.70",
    see numbers.py)."""
    if PRINTED_FLOAT.fullmatch(text):
        return Printed(float(text), text)
    digits = text.replace("_", "").lower()
    sign = -1.0 if digits[0] == "-" else 1.0
    digits = digits.lstrip("+-")
    if digits == ".inf":
        return sign * math.inf
    if digits == ".nan":
        return math.nan
    return sign * float(digits)


def _timestamp(text: str) -> str:
    """The ISO text of a YAML timestamp (the format stores dates as text)."""
    match = _TIMESTAMP_PARTS.match(text)
    if match is None:
        raise ValueError(text)
    p = match.groupdict()
    date = dt.date(int(p["year"]), int(p["month"]), int(p["day"]))
    if p["hour"] is None:
        return date.isoformat()
    fraction = p["fraction"] or ""
    micro = int((fraction[:6] + "000000")[:6]) + (len(fraction) > 6 and int(fraction[6]) > 4)
    tz = None
    if p["sign"]:
        offset = dt.timedelta(hours=int(p["tz_hour"]), minutes=int(p["tz_minute"] or 0))
        tz = dt.timezone(-offset if p["sign"] == "-" else offset, p["tz"])
    elif p["tz"] == "Z":
        tz = dt.timezone(dt.timedelta(0), "Z")
    stamp = dt.datetime(date.year, date.month, date.day, int(p["hour"]), int(p["minute"]),
                        int(p["second"]), 0, tz)
    return (stamp + dt.timedelta(microseconds=micro)).isoformat() if micro <= 999_999 else \
        (stamp + dt.timedelta(seconds=1)).isoformat()


_CONSTRUCT: dict[str, Callable[[str], Any]] = {
    _STR: str,
    _INT: _int,
    _FLOAT: _float,
    _BOOL: lambda text: {"true": True, "false": False}[text.lower()],  # !!bool yes: refused, not false
    _NULL: lambda _text: None,
    _TIMESTAMP: _timestamp,
}


_CODED_NUMBER = re.compile(r"[-+]?0[xob]|.*_", re.IGNORECASE)
"""A number in a form no source prints: hexadecimal, octal, binary, or with '_' separators."""


# The candidates by first character, as ruamel.yaml narrows them: most values are words.
_BY_FIRST: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
for _tag, _pattern, _firsts in (
    (_BOOL, _RESOLVERS[0][1], "tTfF"), (_FLOAT, _RESOLVERS[1][1], "-+0123456789."),
    (_INT, _RESOLVERS[2][1], "-+0123456789"), (_NULL, _RESOLVERS[3][1], "~nN"),
    (_TIMESTAMP, _RESOLVERS[4][1], "0123456789"),
):
    for _first in _firsts:
        _BY_FIRST.setdefault(_first, []).append((_tag, _pattern))


def reads_as_text(value: str) -> bool:
    """Whether ``value``, written plain, is text to the reader (not a number, date, bool or null)."""
    return bool(value) and not any(pattern.match(value) for _, pattern in _BY_FIRST.get(value[0], ()))


def _scalar(event: Any, plain_text: bool) -> Any:
    """The value of a scalar event, typed as ruamel.yaml's YAML 1.2 safe loader types it;
    ``plain_text``: the file holds no control or invisible character, so only a double-quoted
    value (the one style with escapes, "\\x07") can."""
    tag, value = event.tag, event.value
    if (not plain_text or event.style == '"') and (hidden := hidden_character(value)):  # U+0007, U+202E
        raise _Refused(f"the character {hidden} (a control or invisible character) is not allowed "
                       "in a value: write plain text", event)
    if tag is None or tag == "!":
        if not event.implicit[0]:
            return value
        if not value:
            return None
        candidates = _BY_FIRST.get(value[0])
        if candidates is None:
            return value
        tag = next((t for t, pattern in candidates if pattern.match(value)), _STR)
        if tag == _STR:
            return value
    if tag in (_INT, _FLOAT) and _CODED_NUMBER.match(value):  # YAML reads 0x1A as 26, 1_0.5 as 10.5
        raise _Refused(f"{quoted(value)} is not a number as a source prints one: write it with the digits 0-9 "
                       "(no hexadecimal, octal or binary form, no '_')", event)
    construct = _CONSTRUCT.get(tag)
    if construct is None:
        raise _Refused(f"the tag {tag!r} is not supported (write the plain value)", event)
    try:
        return construct(value)
    except (ValueError, IndexError, KeyError) as exc:
        raise _Refused(f"cannot read {quoted(value)} as {tag.rsplit(':', 1)[-1]}", event) from exc


# --- documents --------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, message: str, event: Any) -> None:
        super().__init__(message)
        self.line = event.start_mark.line + 1


@dataclass(slots=True)
class _Frame:
    """A mapping or list being filled: its data, the lines of its children, a pending key."""

    data: dict[str, Any] | list[Any]
    lines: dict[str, Lines] | list[Lines]
    line: int
    key: str | None = None
    key_line: int = 0


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise YamlFileError(path, f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded "
                                  "(save the file as UTF-8)", line) from exc


def _check_start(event: Any, stack: list[_Frame]) -> None:
    """Refuse what curated files never need at the start of a mapping or list."""
    if event.anchor:
        raise _Refused(f"anchor &{event.anchor} is not allowed: curated files need none", event)
    if event.tag not in (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
        raise _Refused(f"the tag {event.tag!r} is not supported", event)
    if len(stack) >= MAX_DEPTH:
        raise _Refused(f"nesting deeper than {MAX_DEPTH} levels", event)
    if stack and isinstance(stack[-1].data, dict) and stack[-1].key is None:
        raise _Refused("a mapping or list used as a key is not allowed", event)


def parse_yaml(path: Path, text: str) -> tuple[Any, Lines]:
    """Plain data and its line tree from ``text``, in one pass over the parser's events."""
    import yaml  # here: `her2db query` imports this module for ``printable`` and needs no YAML

    parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    scalar_event, end_events = yaml.ScalarEvent, (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    start_events = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    stack: list[_Frame] = []
    result: tuple[Any, Lines] | None = None
    plain_text = hidden_character(text) is None  # then each value needs no look of its own
    same_line: dict[int, int] = {}
    try:
        while True:
            event = parser.get_event()
            kind = type(event)
            line = event.start_mark.line + 1
            line = same_line.setdefault(line, line)  # one int object per line, not per node
            if kind is scalar_event:
                if event.anchor:
                    raise _Refused(f"anchor &{event.anchor} is not allowed: curated files need none", event)
                value: Any = _scalar(event, plain_text)
                node: Lines = line
            elif kind in end_events:
                done = stack.pop()
                value, node = done.data, (done.line, done.lines)
            elif kind in start_events:
                _check_start(event, stack)
                is_map = kind is yaml.MappingStartEvent
                stack.append(_Frame({}, {}, line) if is_map else _Frame([], [], line))
                continue
            elif kind is yaml.AliasEvent:
                raise _Refused(f"alias *{event.anchor} is not allowed: curated files repeat values "
                               "instead of referring to them", event)
            elif kind is yaml.StreamEndEvent:
                break
            else:  # stream and document start / end
                if kind is yaml.DocumentStartEvent and (result is not None or event.version):
                    raise _Refused("one YAML 1.2 document per file: no second '---' document, no "
                                   "%YAML directive", event)
                continue
            if not stack:
                result = (value, node)
                continue
            top = stack[-1]
            if type(top.data) is list:
                top.data.append(value)
                top.lines.append(node)  # type: ignore[union-attr]
            elif top.key is None:
                key = sys.intern(str(value))  # shared by every record: one copy in memory
                if key == "<<" and event.implicit[0]:
                    raise _Refused("merge keys ('<<') are not allowed: write the fields out", event)
                if key in top.data:
                    raise _Refused(f"duplicate key {printable(key)!r} in one mapping", event)
                top.key, top.key_line = key, line
            else:
                key = top.key
                top.data[key] = value  # type: ignore[call-overload]
                top.lines[key] = top.key_line if type(node) is int else (top.key_line, node[1])  # type: ignore[call-overload,index]
                top.key = None
    except _Refused as exc:
        raise YamlFileError(path, str(exc), exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = printable(exc.problem or exc.context or "malformed YAML")
        raise YamlFileError(path, f"malformed YAML: {problem}", mark.line + 1 if mark else None) from None
    except yaml.reader.ReaderError as exc:
        line = text.encode("utf-8")[:exc.position].count(b"\n") + 1
        raise YamlFileError(path, f"malformed YAML: {printable(exc.reason)} "
                                  f"(character U+{exc.character:04X})", line) from None
    finally:
        parser.dispose()
    return result if result is not None else (None, 1)


def read_document(path: Path, text: str | None = None) -> Document:
    """Parse ``path`` (or ``text``, a candidate content for it); raise ``YamlFileError`` with
    the line for malformed or empty files."""
    if text is None:
        try:
            if is_stream(path):
                raise YamlFileError(path, f"is {STREAM}, not a YAML file")
            raw = path.read_bytes()
        except IsADirectoryError as exc:
            raise YamlFileError(path, "is a folder, not a YAML file") from exc
        except OSError as exc:
            raise YamlFileError(path, f"cannot be read: {exc.strerror}") from exc
        text = _decode(path, raw)
    data, lines = parse_yaml(path, text)
    if data is None:
        raise YamlFileError(path, "the file is empty (expected a YAML mapping)")
    if not isinstance(data, dict):
        raise YamlFileError(path, f"expected a YAML mapping at the top, found {type(data).__name__}", 1)
    return Document(path=path, text=text, data=data, lines=lines)


def dump_tree(tree: Any) -> str:
    """Serialise a round-trip tree back to YAML text, comments and order kept."""
    buffer = io.StringIO()
    _yaml().dump(tree, buffer)
    return buffer.getvalue()
