"""The curator commands: add a record, scaffold a study, set or remove one field or record,
import a table from CSV. Each edit is validated against the whole corpus, written in place,
then the database is reloaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .options import (
    NamedPath,
    db_option,
    dry_run_option,
    existing_sources,
    refused_edits,
    sources_if_read_option,
    sources_option,
)
from .prompts import interactive_option, prompt_missing


def report_edit(result: Any) -> None:
    for problem in result.warnings:
        click.secho(str(problem), fg="yellow", err=True)
    if not result.written:
        click.echo(result.diff, nl=False)
        click.echo(f"{result.description}: valid; dry run, nothing written")
        return
    click.echo(f"{result.description}: written to {result.path}")
    if result.reloaded:
        click.echo(result.reloaded)


class _AddGroup(click.Group):
    """``her2db add KIND``: one subcommand per kind of record, built from its model only when
    asked for, so that importing the models does not slow every other command down."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from ..curate.edit import KINDS

        return list(KINDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from ..curate import edit

        if cmd_name not in edit.KINDS:
            return None
        return _add_command(cmd_name)


_ADD_EXAMPLES = {
    "comparison": "her2db add comparison destiny-breast09 --endpoint OS --measure HR "
                  "--experimental tdxd-p --control thp --estimate 0.84 --ci-low 0.59 --ci-high 1.19 "
                  "--source-id huober-review --locator 'text'",
    "ae": "her2db add ae destiny-breast09 --arm thp --term nausea --category teae --grade any "
          "--n 12 --source-id huober-review --locator 'Table 1'",
    "source": "her2db add source --id smith-2026 --kind article --citation 'Smith J. ...' --year 2026",
    "drug": "her2db add drug --id zanidatamab --name zanidatamab --class 'monoclonal antibody' "
            "--synonyms ZW25",
    "ae-term": "her2db add ae-term --term 'hand-foot syndrome' --label 'Palmar-plantar erythrodysesthesia'",
    "endpoint-code": "her2db add endpoint-code --code TTNT --label 'Time to next treatment' "
                     "--definition 'Time from the start of a line to the start of the next.'",
    "study": "her2db add study --id destiny-breast13 --acronym DESTINY-Breast13 --title '...' "
             "--kind 'randomized trial' --setting metastatic",
}


def _add_help(kind: str) -> str:
    example = _ADD_EXAMPLES.get(kind, f"her2db add {kind} destiny-breast09 --interactive")
    from ..curate.edit import FILE_KINDS

    where = f"db/{FILE_KINDS[kind][0]}" if kind in FILE_KINDS else ("a new study file" if kind == "study"
                                                                     else "the study's YAML file")
    return (f"Add one {kind} record to {where}, validated against the whole corpus first.\n\n"
            "Every field is a flag; on a terminal, missing required fields are prompted for with "
            "the allowed choices. The rest of the file is left untouched and the database is "
            f"reloaded.\n\n\b\nExample:\n    {example}")


def _add_command(kind: str) -> click.Command:
    """``her2db add KIND``: a flag per field of the kind's model, then validate, write, reload."""
    from ..curate import edit

    specs = edit.field_specs(kind)
    scoped = kind in edit.STUDY_SECTIONS

    def run(sources: Path, db_path: Path, interactive: bool | None, dry_run: bool,
            study_id: str | None = None, **values: Any) -> None:
        given = {spec.name: values.get(spec.name) for spec in specs}
        with refused_edits():
            if scoped:
                edit.study_rel(sources, study_id or "")
            prompt_missing(kind, study_id, sources, given, interactive)
            record = edit.build_record(kind, given)
            if kind == "study":
                result = edit.new_study(sources, record, db_path)
            else:
                result = edit.add_records(sources, study_id, kind, [record], db_path, dry_run)
        report_edit(result)

    command = click.Command(kind, callback=run, help=_add_help(kind))
    for spec in reversed(specs):
        option_type = click.Choice(spec.choices) if spec.choices else click.STRING
        command.params.insert(0, click.Option(
            [spec.flag, spec.name], type=option_type, multiple="list" in spec.types,
            help=(spec.help or spec.name.replace("_", " ")) + (" [required]" if spec.required else ""),
        ))
    if scoped:
        command.params.insert(0, click.Argument(["study_id"], metavar="STUDY"))
    for decorate in (sources_option, db_option, interactive_option):
        decorate(command)
    if kind != "study":
        click.option("--dry-run", is_flag=True, help="Validate and show, write nothing.")(command)
    else:
        command.params.append(click.Option(["--dry-run"], is_flag=True, hidden=True))
    return command


add = _AddGroup("add", help="Add a record (source, study, analysis, population, arm, "
                "subgroup, endpoint, result, comparison, ae, characteristic).\n\n\b\nExample:\n"
                "    her2db add ae destiny-breast09 --help")


@click.command("new-study")
@click.argument("study_id")
@click.option("--acronym")
@click.option("--title")
@click.option("--kind", help="randomized trial, single-arm trial, registry, ...")
@click.option("--setting", help="early or metastatic")
@sources_option
@db_option
@interactive_option
def new_study(study_id: str, acronym: str | None, title: str | None, kind: str | None,
              setting: str | None, sources: Path, db_path: Path, interactive: bool | None) -> None:
    """Scaffold db/studies/STUDY_ID.yaml (refused if it exists); more fields with `set`.

    \b
    Example:
        her2db new-study destiny-breast13 --acronym DESTINY-Breast13 --title "..." \\
            --kind "randomized trial" --setting metastatic
    """
    from ..curate import edit

    given: dict[str, Any] = {"id": study_id, "acronym": acronym, "title": title, "kind": kind,
                             "setting": setting}
    prompt_missing("study", None, sources, given, interactive)
    with refused_edits():
        result = edit.new_study(sources, edit.build_record("study", given), db_path)
    report_edit(result)


@click.command("set")
@click.argument("study_id", metavar="STUDY")
@click.argument("record_path")
@click.argument("field")
@click.argument("value", required=False)
@click.option("--unset", is_flag=True, help="Remove the field from the record instead.")
@dry_run_option
@sources_option
@db_option
def set_command(study_id: str, record_path: str, field: str, value: str | None, unset: bool, dry_run: bool,
                sources: Path, db_path: Path) -> None:
    """Correct one field of one record; only that line of the file changes.

    STUDY is a study id, or sources, drugs, ae-terms or endpoint-codes for those files.
    RECORD_PATH is a record id (as the views show it; add @SOURCE where several sources report
    it), section[index] (results[3]), section[key] (arms[thp], drugs[pertuzumab]),
    section[field=value,...] (results[endpoint=OS,arm=thp], exactly one match) or "." for the
    study itself. A change clears the record's checked mark.

    \b
    Examples:
        her2db set destiny-breast09 results[3] value 40.7
        her2db set destiny-breast09 arms[thp] n_treated 382 --dry-run
        her2db set cleopatra cleopatra.result.os.thp.median.analysis-final-os@swain-2015 notes "..."
        her2db set sources "sources[tolaney-2025]" pmid 12345678
        her2db set destiny-breast09 results[2] notes --unset
    """
    from ..curate import edit

    if (value is None) != unset:
        raise click.UsageError("give either VALUE or --unset")
    with refused_edits():
        result = edit.set_field(sources, study_id, record_path, field, value, db_path, dry_run)
    report_edit(result)


@click.command("remove")
@click.argument("study_id", metavar="STUDY")
@click.argument("record_path")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@dry_run_option
@sources_option
@db_option
def remove_command(study_id: str, record_path: str, yes: bool, dry_run: bool, sources: Path, db_path: Path) -> None:
    """Remove one record after confirmation; refused while other records refer to it.

    STUDY and RECORD_PATH as for `set` (a drug still named by a study is not removed).

    \b
    Examples:
        her2db remove destiny-breast09 adverse_events[12] --yes
        her2db remove drugs "drugs[vinorelbine]" --dry-run
    """
    from ..curate import edit

    def confirm(shown: str) -> bool:
        click.echo(shown)
        return yes or dry_run or click.confirm("Remove this record?", default=False)  # a dry run removes nothing

    with refused_edits():
        result = edit.remove_record(sources, study_id, record_path, db_path, confirm, dry_run)
    if result is None:
        click.echo("Nothing removed.")
        return
    report_edit(result)


@click.command("rename")
@click.argument("study_id", metavar="STUDY")
@click.argument("record_path")
@click.argument("new_key")
@dry_run_option
@sources_option
@db_option
def rename_command(study_id: str, record_path: str, new_key: str, dry_run: bool, sources: Path,
                   db_path: Path) -> None:
    """Rename the key of an arm, analysis, population or subgroup and every reference to it,
    as one validated change.

    \b
    Examples:
        her2db rename destiny-breast09 arms[thp] thp-placebo --dry-run
        her2db rename cleopatra analyses[unnamed] intro
    """
    from ..curate.rename import rename_key

    with refused_edits():
        result = rename_key(sources, study_id, record_path, new_key, db_path, dry_run)
    report_edit(result)


@click.command("import-csv")
@click.argument("study_id", metavar="STUDY", required=False)
@click.argument("file", type=NamedPath(path_type=Path, dir_okay=False), required=False)
@click.option("--kind", type=click.Choice(("ae", "result", "comparison", "characteristic", "population",
                                           "analysis")), required=True, help="What each row is.")
@click.option("--template", is_flag=True, help="Print an empty CSV with the columns of KIND and the layout.")
@click.option("--dry-run", is_flag=True, help="Check the file and print what would be added; write nothing.")
@click.option("--decimal-comma", is_flag=True, help="Read 40,7 as 40.7 (tables from a locale with decimal "
              "commas).")
@click.option("--wide", is_flag=True, help="Adverse events with one column per arm and grade (ARM GRADE, "
              "e.g. 'exp any', 'ctl >=3'); one record per filled cell.")
@sources_if_read_option
@db_option
def import_csv(study_id: str | None, file: Path | None, kind: str, template: bool, dry_run: bool,
               decimal_comma: bool, wide: bool, sources: Path, db_path: Path) -> None:
    """Add a table of records from a CSV file, all rows or none.

    Columns are the field names of KIND (see --template; case and spaces do not matter);
    required columns must be present. UTF-8 with or without BOM; comma, semicolon or tab
    separated. Cells may be written as tables print them: `60 (20.3)` in a pct or `n (%)`
    column (n and percent), `1.25–2.60`, `(1.25, 2.60)` or `1.25 to 2.60` in a `95% CI` column,
    `40.7%`, `<1` (qualifier less than), `<0.001` (p_operator), grades such as `Grade ≥3` or
    `3–4`, `NR` / `NE` (not reached / not estimable), and `—`, `-`, `n.r.` or an empty cell
    for a value not reported. Printed digits are kept (`0.70` stays 0.70).

    With --wide (adverse events) each column `ARM GRADE` holds the n (%) of that arm and
    grade and `ARM n_at_risk` that arm's patients at risk; the other columns (term, category,
    source_id, locator, ...) apply to every record of the row.

    Every problem of the file is listed in one run with its row (the header is row 1),
    column, cell, reason and fix; one problem rejects the whole file. Warnings about the
    added records name their CSV rows too.

    \b
    Examples:
        her2db import-csv --kind ae --template > table1.csv
        her2db import-csv destiny-breast09 table1.csv --kind ae --dry-run
    \b
    A wide adverse-event table (table2.csv):
        term,category,tdxd-p any,tdxd-p >=3,thp any,thp >=3,tdxd-p n_at_risk,thp n_at_risk,source_id,locator
        Nausea,teae,271 (71.1),25 (6.6),120 (31.4),2 (<1),381,382,huober-review,Table 2
    \b
        her2db import-csv destiny-breast09 table2.csv --kind ae --wide --dry-run
    """
    from dataclasses import replace

    from ..curate import csvimport, edit

    if template:
        click.echo(csvimport.template(kind), nl=False)
        click.echo("# columns:\n# " + csvimport.layout(kind).replace("\n", "\n# "), err=True)
        return
    if study_id is None or file is None:
        raise click.UsageError("give STUDY and FILE (or --template)")
    existing_sources(sources)
    try:
        with refused_edits():
            imported = csvimport.import_csv(sources, study_id, file, kind, db_path, dry_run, decimal_comma, wide)
    except csvimport.CsvImportError as exc:
        for problem in exc.problems:
            click.secho(str(problem), fg="red", err=True)
        raise click.ClickException(str(exc)) from exc
    for warning in imported.warnings:
        click.secho(str(warning), fg="yellow", err=True)
    if dry_run:
        click.echo(f"Would add {len(imported.rows)} record(s) ({imported.result.description}), nothing written:")
        for row in imported.rows:
            click.echo(f"  row {row.line}: " + ", ".join(f"{k}: {edit.scalar(v, True)}"
                                                         for k, v in row.record.items()))
        return
    report_edit(replace(imported.result, warnings=[]))


COMMANDS = (add, new_study, set_command, remove_command, rename_command, import_csv)
