"""The docs that restate the code are generated from it and current: the README's command table,
the site's command reference and its code-layout tables (cog; `make docs` regenerates them)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import click
import pytest
from cogapp import Cog
from her2db_testing import ROOT

from her2db.cli import cli, docs

GENERATED = ("README.md", "site/reference/cli.md", "site/reference/code.md")


def _cog_check(path: Path) -> int:
    return Cog().main(["cog", "--check", "--verbosity=0", str(path)])


@pytest.mark.parametrize("name", GENERATED)
def test_generated_docs_are_current(name: str) -> None:
    assert _cog_check(ROOT / name) == 0, f"{name} is out of date with the code: run `make docs`"


def test_the_check_finds_a_stale_doc(tmp_path: Path) -> None:
    """A table edited by hand (or a command changed without `make docs`) fails the check."""
    stale = tmp_path / "README.md"
    shutil.copy(ROOT / "README.md", stale)
    text = stale.read_text(encoding="utf-8")
    stale.write_text(text.replace("| `her2db load` | Validate", "| `her2db load` | Check"), encoding="utf-8")
    assert stale.read_text(encoding="utf-8") != text
    assert _cog_check(stale) != 0


def _all_commands(group: click.Group, ctx: click.Context, prefix: str = "her2db") -> list[str]:
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        found.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            found.extend(_all_commands(command, ctx, f"{prefix} {name}"))
    return found


def test_every_command_is_in_the_table_and_the_reference() -> None:
    commands = _all_commands(cli, click.Context(cli))
    table = docs.command_table()
    listed = re.findall(r"^\| `(her2db(?: [a-z-]+)+)", table, re.M)
    assert [c for c in commands if c not in listed] == []
    headings = re.findall(r"^### (.+)$", docs.command_reference(), re.M)
    assert set(headings) == {"her2db", *commands}


def test_every_module_is_on_the_code_layout_page() -> None:
    page = (ROOT / "site" / "reference" / "code.md").read_text(encoding="utf-8")
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "her2db").glob("*/*.py")}
    assert modules and [m for m in sorted(modules) if f"| `{m}` |" not in page] == []
