"""Minimal-diff edits of a curated YAML file's text: append records to a section, set or
remove one field, remove one record, so that ``git diff`` shows only the lines that changed.

libyaml's composer (``yamllayout``) tells where each section, record and field stands;
only those lines are replaced, in the style of their neighbours (flow ``- {...}`` or block
items, quoted or plain scalars). ``check_same`` then proves the new text parses to exactly
the data intended: the edit touched nothing else.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model.numbers import Printed
from .corpus import record_path
from .fields import EditError
from .yamlfile import Document, YamlFileError, parse_yaml, read_document, reads_as_text
from .yamllayout import Mapping, Sequence, double_quoted, layout

_SCALAR = Path("<scalar>")
_PLAIN_START = re.compile(r"^[A-Za-z0-9(]")
_YAML11_BOOLEANS = frozenset(("y", "n", "yes", "no", "on", "off"))


def _plain_ok(text: str, flow: bool) -> bool:
    if not text or text != text.strip() or "\n" in text or not _PLAIN_START.match(text):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    if flow and any(c in text for c in ",[]{}"):
        return False
    if text.lower() in _YAML11_BOOLEANS:  # text to us (YAML 1.2), true or false to a YAML 1.1 reader
        return False
    try:
        return reads_as_text(text) and parse_yaml(_SCALAR, text)[0] == text
    except Exception:
        return False


def scalar(value: Any, flow: bool, quote: bool = False) -> str:
    """``value`` as a YAML scalar: plain where that reads back the same (and ``quote`` is not
    asked for), else double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Printed):
        return value.text
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(scalar(v, True) for v in value) + "]"
    if value is None:
        return "null"
    text = str(value)
    return text if _plain_ok(text, flow) and not quote else json.dumps(text, ensure_ascii=False)


def render_item(record: dict[str, Any], dash_col: int, flow: bool,
                quoted: frozenset[str] = frozenset()) -> list[str]:
    """The lines of one list item at ``dash_col``, as a flow mapping or a block mapping;
    text fields named in ``quoted`` are double-quoted like their neighbours'."""
    pad = " " * dash_col
    if flow:
        return [pad + "- {" + ", ".join(f"{k}: {scalar(v, True, k in quoted)}" for k, v in record.items())
                + "}\n"]
    lines = [f"{k}: {scalar(v, False, k in quoted)}\n" for k, v in record.items()]
    return [pad + "- " + lines[0]] + [pad + "  " + line for line in lines[1:]]


def _is_filler(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _trim(lines: list[str], start: int, end: int) -> int:
    """``end`` moved back over blank and comment lines that follow a node (they belong to
    what comes next, e.g. a section heading comment)."""
    while end > start + 1 and _is_filler(lines[end - 1]):
        end -= 1
    return end


def _key_spans(node: Mapping, end: int, lines: list[str]) -> dict[str, tuple[int, int]]:
    """Line span [start, end) of each key of a block mapping whose text ends before ``end``."""
    keys = list(node.keys())
    starts = [node.key_at(k)[0] for k in keys]
    spans = {}
    for i, key in enumerate(keys):
        stop = starts[i + 1] if i + 1 < len(keys) else end
        spans[key] = (starts[i], _trim(lines, starts[i], stop))
    return spans


def _section_end(root: Mapping, section: str, lines: list[str]) -> int:
    keys = list(root.keys())
    after = keys.index(section) + 1
    return root.key_at(keys[after])[0] if after < len(keys) else len(lines)


def _item_span(root: Mapping, section: str, index: int, lines: list[str]) -> tuple[int, int]:
    seq = root[section]
    start = seq.line_of(index)
    stop = seq.line_of(index + 1) if index + 1 < len(seq) else _section_end(root, section, lines)
    return start, _trim(lines, start, stop)


def _flow_fields(text: str) -> tuple[list[tuple[str, int, int, int]], int]:
    """(key, key start, value start, value end) of each field of the flow mapping ``{...}``
    in ``text``, and where its closing brace is. Comments between fields are skipped; quoted
    values end where YAML ends them (``\\"`` and ``''`` are escapes)."""
    fields: list[tuple[str, int, int, int]] = []
    i = text.index("{") + 1
    while True:
        while i < len(text) and (text[i] in " \t\r\n," or text[i] == "#"):
            i = text.index("\n", i) if text[i] == "#" else i + 1  # a comment runs to its line's end
        if text[i] == "}":
            return fields, i
        key_start, colon = i, text.index(":", i)
        key = text[i:colon].strip().strip("\"'")
        j = colon + 1
        while text[j] in " \t\r\n":
            j += 1
        start = j
        if text[j] in "\"'":
            quote = text[j]
            j += 1
            while text[j] != quote or (quote == "'" and text[j + 1:j + 2] == "'"):
                j += 2 if text[j] == "\\" and quote == '"' or text[j] == quote else 1
            j += 1
        elif text[j] == "[":
            j = text.index("]", j) + 1
        else:  # a plain value ends at a comma, the brace or a comment
            while text[j] not in ",}" and not (text[j] == "#" and text[j - 1] in " \t"):
                j += 1
            while text[j - 1] in " \t\r\n":
                j -= 1
        fields.append((key, key_start, start, j))
        i = j


@dataclass(frozen=True)
class Target:
    """A record of a study file: its section and index (``section`` None: the study itself)."""

    section: str | None
    index: int | None

    def describe(self, study_id: str, field: str | None = None) -> str:
        loc: list[str | int] = [] if self.section is None else [self.section, self.index or 0]
        return record_path(study_id, [*loc, *([field] if field else [])])


def _later_section(root: Mapping, section: str, order: list[str]) -> str | None:
    for name in order[order.index(section) + 1:]:
        if name in root:
            return name
    return None


def add_text(doc: Document, section: str, records: list[dict[str, Any]], order: list[str]) -> str:
    """The text of ``doc`` with ``records`` appended to ``section`` in the style of its last
    item (flow ``- {...}`` or block); a missing or empty section is written in block style."""
    lines = _lines(doc)
    eol = _eol(lines[0]) if lines else "\n"
    root = layout(doc.text)
    seq = root.get(section)
    if isinstance(seq, Sequence) and len(seq) and not seq.flow:
        start, end = _item_span(root, section, len(seq) - 1, lines)
        last = seq[-1]
        flow = isinstance(last, Mapping) and last.flow
        dash_col = len(lines[start]) - len(lines[start].lstrip())
        quoted = frozenset(k for k, v in last.items() if double_quoted(v)) \
            if isinstance(last, Mapping) else frozenset()
        new = [line for record in records for line in render_item(record, dash_col, flow, quoted)]
        return "".join(lines[:end] + _ended(new, _eol(lines[end - 1])) + lines[end:])  # as the item above
    if isinstance(seq, Sequence) and len(seq):
        raise EditError(f"{section} is written as one flow list ([...]); add to it by hand")
    block = _ended([f"{section}:\n"] + [line for record in records for line in render_item(record, 2, False)], eol)
    if section in root:  # `section: []` or an empty key
        start = root.key_at(section)[0]
        end = _trim(lines, start, _section_end(root, section, lines))
        return "".join(lines[:start] + block + lines[end:])
    later = _later_section(root, section, order)
    if later is None:
        return "".join(lines + block)
    at = root.key_at(later)[0]
    while at > 0 and lines[at - 1].strip().startswith("#"):
        at -= 1  # keep a heading comment with the section it heads
    return "".join(lines[:at] + block + lines[at:])


def set_text(doc: Document, target: Target, field: str, value: Any) -> str:
    """The text of ``doc`` with one field of one record replaced (or added at its end), or
    removed when ``value`` is None."""
    lines = _lines(doc)
    (start, end, replacement), = _record_edits(doc, lines, layout(doc.text), target, [(field, value)])
    return "".join(lines[:start] + replacement + lines[end:])


def _lines(doc: Document) -> list[str]:
    """The lines of ``doc``, the last one ended (a line an edit adds after it starts its own)."""
    lines = doc.text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += _eol(lines[0])
    return lines


def set_fields(doc: Document, edits: list[tuple[Target, str, Any]]) -> str:
    """The text of ``doc`` with several fields set (``value`` None: removed), as ``set_text``
    would set them one after the other, from one read of its layout where it can: the edits of
    a flow record are made in turn on its text, and the edits replace lines of their own,
    applied from the end of the file back so that every edit's lines are still where the
    layout found them (a rename's references, in one pass rather than a parse of the file per
    reference). Two edits of a block record that touch one line (a removed first field whose
    dash the next, also edited, takes) are made one at a time."""
    lines = _lines(doc)
    root = layout(doc.text)
    changes: dict[Target, list[tuple[str, Any]]] = {}
    for target, field, value in edits:
        changes.setdefault(target, []).append((field, value))
    pieces = sorted((piece for target, fields in changes.items()
                     for piece in _record_edits(doc, lines, root, target, fields)),
                    key=lambda piece: piece[:2], reverse=True)
    if any(later[0] < earlier[1] or later[:2] == earlier[:2] for later, earlier in zip(pieces, pieces[1:],
                                                                                           strict=False)):
        text = doc.text
        for target, field, value in edits:
            try:
                text = set_text(read_document(doc.path, text), target, field, value)
            except YamlFileError as exc:  # the text half edited, not the file, does not read
                raise EditError(f"{doc.path}: the edited text would not parse ({exc.message}); nothing "
                                "written") from exc
        return text
    for start, end, replacement in pieces:
        lines[start:end] = replacement
    return "".join(lines)


def _record_edits(doc: Document, lines: list[str], root: Mapping, target: Target,
                  changes: list[tuple[str, Any]]) -> list[tuple[int, int, list[str]]]:
    """What setting (``value`` None: removing) fields of one record does to ``lines``: the lines
    [start, end) each change replaces, and with what."""
    if target.section is None:
        node, (start, end) = root, (0, len(lines))
    else:
        node = root[target.section][target.index]
        start, end = _item_span(root, target.section, target.index or 0, lines)
    if isinstance(node, Mapping) and node.flow:
        text = "".join(lines[start:end])
        for field, value in changes:
            text = _flow_edit(doc, text, field, value)
        return [(start, end, [text])]
    spans = _key_spans(node, end, lines)
    pieces = [_block_edit(node, spans, lines, field, value) for field, value in changes]
    added = [piece for piece in pieces if piece[0] == piece[1]]  # new fields: all after the last one
    if len(added) < 2:
        return pieces
    at = added[0][0]
    return [piece for piece in pieces if piece[0] != piece[1]] + [(at, at, [line for p in added for line in p[2]])]


def _flow_edit(doc: Document, text: str, field: str, value: Any) -> str:
    """``text``, a flow record ``{...}``, with one field set or removed."""
    try:
        fields, close = _flow_fields(text)
        names = [f[0] for f in fields]
        if value is None or field in names:
            i = names.index(field)
    except (ValueError, IndexError) as exc:  # a section in one flow list, a layout the scan misreads
        raise EditError(f"{doc.path}: this record's layout (a section written as one flow list, or a field "
                        "the scan cannot place) cannot be edited in place; nothing written (edit it "
                        "by hand)") from exc
    if value is None:
        if i:  # from the end of the previous value: drops ", field: value"
            return text[:fields[i - 1][3]] + text[fields[i][3]:]
        return text[:fields[0][1]] + (text[fields[1][1]:] if len(fields) > 1 else text[close:])
    if field in names:
        _, _, a, b = fields[i]
        return text[:a] + scalar(value, True, quote=text[a] == '"') + text[b:]  # quoted as it was
    end = fields[-1][3] if fields else close
    return text[:end] + f", {field}: {scalar(value, True)}" + text[end:]


def _block_edit(node: Mapping, spans: dict[str, tuple[int, int]], lines: list[str], field: str,
                value: Any) -> tuple[int, int, list[str]]:
    if value is None:
        a, b = spans[field]
        prefix = lines[a][: node.key_at(field)[1]]
        if prefix.strip():  # the first field carried the item's dash: the next field takes it
            after = next((k for k in range(b, len(lines)) if not _is_filler(lines[k])), None)
            if after is not None:  # comment lines between stay, above the dash
                return a, after + 1, [*lines[b:after], prefix + lines[after].lstrip()]
        return a, b, []
    if field in spans:
        a, b = spans[field]
        prefix = lines[a][: node.key_at(field)[1]]
        indicator, between = _comments_before_value(node, field, lines)
        comment = _comment_after(node, field, lines, b) or indicator
        text = scalar(value, False, quote=double_quoted(node[field]))  # quoted as it was
        return a, b, [f"{prefix}{field}: {text}{comment}{_eol(lines[a])}", *between]
    last = list(node.keys())[-1]
    col = node.key_at(last)[1]
    at = spans[last][1]
    return at, at, [" " * col + f"{field}: {scalar(value, False)}{_eol(lines[at - 1])}"]


def _comment_after(node: Mapping, field: str, lines: list[str], end: int) -> str:
    """The comment written after a value on its last line (``value: 12.5  # Table 2``, or after
    the closing quote of a value over two lines), with the space before it: kept when the value
    is replaced. A value that ends at the start of a line (``>-`` text, a block list) or past
    the field's lines (``end``) has none of its own."""
    line, column = node.value_end(field)
    if column == 0 or not node.key_at(field)[0] <= line < end:
        return ""
    rest = lines[line][column:].rstrip("\r\n")
    return rest if rest.lstrip().startswith("#") else ""


def _comments_before_value(node: Mapping, field: str, lines: list[str]) -> tuple[str, list[str]]:
    """The comments between a key and its value, kept when the value is replaced: the one after
    a block text's indicator (``notes: >-  # as printed``), which goes after the new value on its
    line, and comment lines before the value's first line, which follow it."""
    line, column, style = node.value_start(field)
    between = [text for text in lines[node.key_at(field)[0] + 1:line] if text.lstrip().startswith("#")]
    indicator = lines[line][column:].rstrip("\r\n") if style in ("|", ">") else ""
    after = indicator[len(indicator.split(" ", 1)[0]):]  # what follows ">-": spaces and the comment
    return (after if after.lstrip().startswith("#") else ""), between


def _eol(line: str) -> str:
    """The line ending a new line takes from its neighbour: a file saved with CRLF keeps them."""
    return "\r\n" if line.endswith("\r\n") else "\n"


def _ended(new: list[str], eol: str) -> list[str]:
    """New lines (written with ``\\n``) ending as the file's lines do."""
    return new if eol == "\n" else [line.removesuffix("\n") + eol for line in new]


def remove_text(doc: Document, target: Target) -> str:
    """The text of ``doc`` without one record (an emptied section becomes ``section: []``)."""
    assert target.section is not None and target.index is not None
    lines = doc.text.splitlines(keepends=True)
    root = layout(doc.text)
    start, end = _item_span(root, target.section, target.index, lines)
    if len(root[target.section]) == 1:
        key_line = root.key_at(target.section)[0]
        return "".join(lines[:key_line] + [f"{target.section}: []{_eol(lines[key_line])}"] + lines[end:])
    return "".join(lines[:start] + lines[end:])


def check_same(doc: Document, new_text: str, expected: Any) -> Document:
    """Refuse an edit whose text does not parse to exactly the intended data; the new text as
    parsed (what the edit is validated on: the file is parsed once)."""
    try:  # as the corpus is read: the data a load would see
        got, lines = parse_yaml(doc.path, new_text)
    except Exception as exc:
        raise EditError(f"{doc.path}: the edited text would not parse ({exc}); nothing written") from exc
    if got != json.loads(json.dumps(expected)):
        raise EditError(f"{doc.path}: this file's layout cannot be edited in place without changing "
                        "other lines; nothing written (edit it by hand)")
    return Document(doc.path, new_text, got, lines)
