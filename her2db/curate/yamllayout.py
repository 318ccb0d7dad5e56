"""Where each section, record and field of a YAML file stands, and how it is written (flow or
block, quoted or plain): what a minimal-diff edit (``yamledit``) needs to know of a file.

Read with libyaml's composer (PyYAML's C binding), many times faster than a round-trip parse:
an edit of a large study file should cost about what reading it costs.
"""

from __future__ import annotations

from typing import Any

import yaml

Node = Any  # yaml.Node: a mapping, a sequence or a scalar


class Mapping:
    """A mapping node: its keys in file order, each key's position, its values wrapped."""

    def __init__(self, node: yaml.MappingNode) -> None:
        self.flow = bool(node.flow_style)
        self._pairs = {key.value: (key, value) for key, value in node.value}

    def keys(self) -> list[str]:
        return list(self._pairs)

    def __contains__(self, key: str) -> bool:
        return key in self._pairs

    def __getitem__(self, key: str) -> Any:
        return wrap(self._pairs[key][1])

    def get(self, key: str) -> Any:
        return self[key] if key in self._pairs else None

    def items(self) -> list[tuple[str, Any]]:
        return [(key, wrap(value)) for key, (_, value) in self._pairs.items()]

    def key_at(self, key: str) -> tuple[int, int]:
        """The 0-based line and column where ``key`` is written."""
        mark = self._pairs[key][0].start_mark
        return mark.line, mark.column

    def value_start(self, key: str) -> tuple[int, int, str | None]:
        """The 0-based line and column where ``key``'s value starts, and its scalar style (``|`` or
        ``>`` for block text, a quote, or None)."""
        node = self._pairs[key][1]
        return node.start_mark.line, node.start_mark.column, getattr(node, "style", None)

    def value_end(self, key: str) -> tuple[int, int]:
        """The 0-based line and column just after ``key``'s value (where a comment after it starts)."""
        mark = self._pairs[key][1].end_mark
        return mark.line, mark.column


class Sequence:
    """A sequence node: its items wrapped, and the line where each starts."""

    def __init__(self, node: yaml.SequenceNode) -> None:
        self.flow = bool(node.flow_style)
        self._items = node.value

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> Any:
        return wrap(self._items[index])

    def line_of(self, index: int) -> int:
        return int(self._items[index].start_mark.line)


def wrap(node: Node) -> Any:
    """A mapping or sequence node as ``Mapping`` or ``Sequence``; a scalar node as it is (its
    ``style`` is ``'"'`` when double-quoted); an empty value (``key:``) as None."""
    if isinstance(node, yaml.MappingNode):
        return Mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return Sequence(node)
    if node.tag == "tag:yaml.org,2002:null":
        return None
    return node


def layout(text: str) -> Mapping:
    """The layout of a file whose top is a mapping (``read_document`` checked that)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    root = yaml.compose(text, Loader=loader)
    assert isinstance(root, yaml.MappingNode)
    return Mapping(root)


def double_quoted(value: Any) -> bool:
    return isinstance(value, yaml.ScalarNode) and value.style == '"'
