"""A query result as text: an aligned table, CSV, JSON or Markdown. CSV and JSON come from the
exporter of the site's downloads, so a number prints the same everywhere."""

from __future__ import annotations

import re
from typing import Any

from tabulate import tabulate

from ..util.terminal import printable
from .cells import cell, printed_cells
from .results import QueryError, QueryResult

_MARKDOWN_BREAKS = re.compile(r"\r\n|\r|\n")


def _markdown(value: Any) -> Any:
    """A cell that cannot break a Markdown table row: '|' escaped, line breaks as <br>."""
    if not isinstance(value, str):
        return value
    return printable(_MARKDOWN_BREAKS.sub("<br>", value.replace("|", "\\|")))


def render(result: QueryResult, fmt: str) -> str:
    """The result as text in one of ``FORMATS``. CSV and JSON come from the exporter of the
    site's downloads (``export``), so a number prints the same in both: as printed where the
    result has its ``X_text`` column; JSON is always valid JSON (see ``FORMAT_HELP``)."""
    if fmt in ("json", "csv"):
        from . import export  # here: a table, the usual output, needs none of JSON or CSV

        if fmt == "json":
            twice = sorted({c for c in result.columns if result.columns.count(c) > 1})
            if twice:  # a JSON object holds a key once: most readers would keep the last value
                raise QueryError(f"the column name(s) {', '.join(map(repr, twice))} appear more than once: "
                                 "name each column (… AS other_name) for JSON output")
            return export.json_text(result.columns, result.rows)
        return export.csv_text(result.columns, result.rows).rstrip("\n")
    # every format prints a number as the exporter does: as printed where the row has it
    cells = [[cell(value, text) for value, text in row] for row in printed_cells(result.columns, result.rows)]
    if fmt == "markdown":
        return tabulate([[_markdown(v) for v in row] for row in cells],
                        headers=[_markdown(c) for c in result.columns], tablefmt="github",
                        missingval="", disable_numparse=True)
    rows = [[printable_lines(v) for v in row] for row in cells]
    return tabulate(rows, headers=[printable_lines(c) for c in result.columns], tablefmt="simple",
                    missingval="", disable_numparse=True)


def printable_lines(value: Any) -> Any:
    """Text for the terminal: control characters escaped, except the line breaks a cell may hold."""
    if not isinstance(value, str):
        return value
    return "\n".join(printable(line) for line in value.split("\n"))
