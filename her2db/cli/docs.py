"""Documentation generated from the code, so it cannot drift from it: the README's command
table and the site's command reference from the click group, the code-layout page's module
tables from the modules' docstrings. Called by cog (`make docs`); `make test` fails when a
page is stale."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import click

from . import cli

# The help as an 80-column terminal shows it, whatever terminal the docs are generated in.
HELP_WIDTH = 78

PACKAGE = Path(__file__).resolve().parent.parent


def _walk(command: click.Command, ctx: click.Context) -> Iterator[click.Context]:
    """The context of ``command`` and of every command below it, in the order --help lists them."""
    yield ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from _walk(sub, click.Context(sub, info_name=name, parent=ctx, **sub.context_settings))


def _contexts() -> list[click.Context]:
    root = click.Context(cli, info_name="her2db", terminal_width=HELP_WIDTH, **cli.context_settings)
    return list(_walk(cli, root))


def _cell(text: str, *, github: bool) -> str:
    """Text for a Markdown table cell: its pipes escaped. Inside a code span GitHub (the README)
    needs the escape too, while Python-Markdown (the site) would print the backslash."""
    spans = text.split("`")
    return "`".join(span.replace("|", "\\|") if github or i % 2 == 0 else span for i, span in enumerate(spans))


def command_table() -> str:
    """A Markdown table (for the README, read on GitHub) of every command and subcommand: its
    arguments and the first sentence of its help."""
    rows = ["| command | what it does |", "|---|---|"]
    for ctx in _contexts()[1:]:
        command = ctx.command
        arguments = [piece for piece in command.collect_usage_pieces(ctx) if piece != command.options_metavar]
        usage = "`" + " ".join([ctx.command_path, *arguments]) + "`"
        summary = command.get_short_help_str(limit=200)
        rows.append(f"| {_cell(usage, github=True)} | {_cell(summary, github=True)} |")
    return "\n".join(rows) + "\n"


def command_reference() -> str:
    """Every command's ``--help``, under a heading of its own."""
    return "\n".join(f"### {ctx.command_path}\n\n```text\n{ctx.command.get_help(ctx)}\n```\n" for ctx in _contexts())


def _summary(path: Path) -> str:
    """The first paragraph of a module's docstring, on one line, in Markdown."""
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return " ".join(docstring.split("\n\n")[0].split()).replace("``", "`")


def module_table(folder: str) -> str:
    """A Markdown table (for the site) of the modules of one folder of the package and what
    each is for."""
    rows = ["| module | what it is for |", "|---|---|"]
    for path in sorted((PACKAGE / folder).glob("*.py")):
        rows.append(f"| `her2db/{folder}/{path.name}` | {_cell(_summary(path), github=False)} |")
    return "\n".join(rows) + "\n"
