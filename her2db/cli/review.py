"""The review commands: a second curator marks a record checked; ``todo`` lists what still
needs a curator."""

from __future__ import annotations

from pathlib import Path

import click

from .curate import report_edit
from .options import db_option, dry_run_option, echo_problems, refused_edits, review_text_option, sources_option


@click.command("check")
@click.argument("study_id", metavar="STUDY")
@click.argument("record")
@click.option("--by", "by", required=True, help="Who checked the record against its source.")
@click.option("--on", "on", default=None, help="When (YYYY-MM-DD); today if not given.")
@dry_run_option
@sources_option
@db_option
def check_command(study_id: str, record: str, by: str, on: str | None, dry_run: bool, sources: Path,
                  db_path: Path) -> None:
    """Mark one record as checked against its source by a second curator.

    RECORD is the record id the views and the site show (add @SOURCE where several sources
    report the data point), or a record path as `set` takes it. The mark (who, when) is
    written into the record; any later change to the record clears it.

    \b
    Examples:
        her2db check destiny-breast09 "arms[thp]" --by "A. Curator"
        her2db check cleopatra "cleopatra.result.os.thp.median.analysis-final-os@swain-2015" --by AC --on 2026-12-03
    """
    from ..curate import review

    with refused_edits():
        result = review.check_record(sources, study_id, record, by, on, db_path, dry_run)
    report_edit(result)


@click.command("todo")
@sources_option
@review_text_option
@click.option("--unchecked", "show_unchecked", is_flag=True, help="List every unchecked record id, not only counts.")
def todo_command(sources: Path, review_text: Path | None, show_unchecked: bool) -> None:
    """List what needs a curator: unchecked records, curator readings, warnings, open questions.

    Exit code 1 when the corpus has errors (they are listed first).

    \b
    Examples:
        her2db todo
        her2db todo --unchecked | grep destiny-breast09
    """
    from ..curate import review

    found = review.todo(sources, review_text)
    if found.errors:
        click.secho(f"Errors ({len(found.errors)}):", bold=True)
        echo_problems(found.errors)
    total = sum(s.records for s in found.studies)
    checked = sum(s.checked for s in found.studies)
    click.secho(f"Checked by a second curator: {checked} of {total} records", bold=True)
    for status in found.studies:
        click.echo(f"  {status.study_id}: {status.checked} of {status.records} checked")
        if show_unchecked:
            for record_id in status.unchecked:
                click.echo(f"    {record_id}")
    for title, lines in (("Readings that rest on a curator", found.curator_readings),
                         ("Notes that ask a question", found.questions)):
        click.secho(f"{title} ({len(lines)}):", bold=True)
        for line in lines:
            click.echo(f"  {line}")
    click.secho(f"Warnings ({len(found.warnings)}):", bold=True)
    echo_problems(found.warnings)
    if found.errors:
        raise SystemExit(1)


COMMANDS = (check_command, todo_command)
