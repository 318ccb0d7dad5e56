"""Prompting for what a curator command was not given: on a terminal, each missing required
field is asked for with the allowed choices; elsewhere the command fails and names them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .options import F, edit_failed


def interactive_option(func: F) -> F:
    return click.option(
        "--interactive/--no-interactive", default=None,
        help="Prompt for missing required fields (default: when run on a terminal).",
    )(func)


def prompt_missing(kind: str, study_id: str | None, sources: Path, given: dict[str, Any],
                   interactive: bool | None) -> None:
    """Fill ``given`` with prompts for the required fields it lacks (choices offered from the
    vocabulary and the study), or fail with the list of missing flags."""
    from ..curate import edit

    specs = edit.field_specs(kind)
    missing = [s for s in specs if s.required and not given.get(s.name)]
    if interactive is None:
        interactive = sys.stdin.isatty() and bool(missing)
    if not interactive:
        if missing:
            raise click.UsageError("missing required field(s): " + ", ".join(s.flag for s in missing))
        return
    # the study's analyses, populations and subgroups are offered too ("-": none)
    links = [s for s in specs if not s.required and s.name in edit.REFERENCE_FIELDS and not given.get(s.name)]
    for spec in missing + links:
        try:
            choices = edit.choices_for(sources, study_id, spec)
        except edit.EditError as exc:
            raise edit_failed(exc) from exc
        label = spec.name.replace("_", " ")
        if spec.required:
            given[spec.name] = click.prompt(label, type=click.Choice(choices) if choices else click.STRING)
        elif choices:
            answer = click.prompt(label, type=click.Choice([*choices, "-"]), default="-")
            given[spec.name] = None if answer == "-" else answer


