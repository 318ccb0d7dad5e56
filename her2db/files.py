"""Reading and writing the curated YAML files, keeping line numbers and comments.

ruamel.yaml's round-trip loader remembers where every key and list item stood, so a problem
found later (a CI that does not contain its estimate) can still be reported with its line.
Writes go through ``write_atomic`` so a crash never leaves half a file behind.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .numbers import Printed

PathKey = str | int


class YamlFileError(Exception):
    """A file that cannot be read as YAML at all (malformed, empty, not a mapping)."""

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.message = message


@dataclass
class Document:
    """A parsed YAML file: plain data, and (parsed only when asked for, since the round-trip
    parser is many times slower than the C one) the tree with lines and comments."""

    path: Path
    text: str
    data: Any
    _tree: Any = None

    @property
    def tree(self) -> Any:
        if self._tree is None:
            self._tree = _yaml().load(self.text)
        return self._tree

    def line(self, path: tuple[PathKey, ...]) -> int | None:
        """1-based line of the deepest part of ``path`` that exists in the file."""
        return line_of(self.tree, path)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


class _PrintedConstructor(SafeConstructor):
    """Floats keep the text they were written as (``0.70`` stays "0.70"; see numbers.py)."""

    def construct_yaml_float(self, node: Any) -> float:
        value = super().construct_yaml_float(node)
        return Printed(value, node.value) if PRINTED_FLOAT.fullmatch(node.value) else value


PRINTED_FLOAT = re.compile(r"-?\d+\.\d+")
_PrintedConstructor.add_constructor("tag:yaml.org,2002:float", _PrintedConstructor.construct_yaml_float)


def read_document(path: Path, text: str | None = None) -> Document:
    """Parse ``path`` (or ``text``, a candidate content for it); raise ``YamlFileError`` with
    the line for malformed or empty files."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise YamlFileError(path, f"not UTF-8 text ({exc.reason})") from exc
    try:
        yaml = YAML(typ="safe")
        yaml.Constructor = _PrintedConstructor
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "malformed YAML"
        raise YamlFileError(path, f"malformed YAML: {problem}", line) from exc
    except YAMLError as exc:
        raise YamlFileError(path, f"malformed YAML: {exc}") from exc
    if data is None:
        raise YamlFileError(path, "the file is empty (expected a YAML mapping)")
    if not isinstance(data, dict):
        raise YamlFileError(path, f"expected a YAML mapping at the top, found {type(data).__name__}", 1)
    return Document(path=path, text=text, data=to_plain(data))


def to_plain(node: Any) -> Any:
    """Plain dicts, lists and scalars; dates become ISO strings (the format stores text)."""
    if isinstance(node, dict):
        return {str(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v) for v in node]
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return node if isinstance(node, Printed) else float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, (dt.date, dt.datetime)):
        return node.isoformat()
    return node


def line_of(tree: Any, path: tuple[PathKey, ...]) -> int | None:
    """Walk ``path`` through a round-trip tree, returning the line of the deepest hit."""
    line = None
    node = tree
    for key in path:
        if isinstance(node, CommentedMap) and key in node:
            pos = node.lc.data.get(key)
            if pos:
                line = pos[0] + 1
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            pos = node.lc.data.get(key)
            if pos:
                line = pos[0] + 1
            node = node[key]
        else:
            break
    return line


def write_atomic(path: Path, text: str, before_replace: Callable[[], None] | None = None) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.
    ``before_replace`` runs between the two (tests use it to interrupt a write)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dump_tree(tree: Any) -> str:
    """Serialise a round-trip tree back to YAML text, comments and order kept."""
    buffer = io.StringIO()
    _yaml().dump(tree, buffer)
    return buffer.getvalue()
