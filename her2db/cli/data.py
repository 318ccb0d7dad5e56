"""The data commands: load and validate the curated sources, check the review's numbers
against them, regenerate the schema artefacts."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..store.target import DatabaseUrlError
from ..util.terminal import os_error_text
from .options import (
    allow_empty_option,
    database_url_option,
    db_option,
    echo_problems,
    review_text_option,
    sources_option,
    target_name,
    url_failed,
)


@click.command()
@sources_option
@db_option
@database_url_option
@review_text_option
@allow_empty_option
@click.option("--quiet", "-q", is_flag=True, help="Do not list warnings.")
def load(sources: Path, db_path: Path, database_url: str | None, review_text: Path | None,
         allow_empty: bool, quiet: bool) -> None:
    """Validate the curated sources and rebuild the database from them.

    The database is written to a temporary file and renamed over the old one only when the
    load succeeds: a failed load leaves the previous database untouched. On PostgreSQL the
    tables and views are built in a new schema that replaces the her2db schema in the same
    transaction.

    \b
    Examples:
        her2db load --sources db --db db/her2db.sqlite
        her2db load --database-url postgresql://her2db@localhost/her2db
    """
    from ..curate.load import DatabasePathError, LoadError
    from ..curate.load import load as load_database
    from ..curate.validate import STUDIES_DIR

    target = target_name(db_path, database_url)
    total = len(list((sources / STUDIES_DIR).glob("*.yaml")))
    with click.progressbar(length=total, label="Loading studies", file=sys.stderr,
                           hidden=not sys.stderr.isatty()) as bar:
        try:
            result = load_database(sources, db_path, on_study=lambda _study: bar.update(1),
                                   allow_empty=allow_empty, review_text=review_text,
                                   database_url=database_url)
        except DatabasePathError as exc:
            raise click.BadParameter(str(exc), param_hint="--database-url" if database_url else "--db") from exc
        except DatabaseUrlError as exc:
            raise url_failed(exc) from exc
        except LoadError as exc:
            echo_problems(exc.report.problems)
            raise click.ClickException(f"{exc}; {target} was not changed") from exc
    if not quiet:
        echo_problems(result.report.warnings)
    counts = result.counts
    click.echo(
        f"Loaded {counts['study']} studies, {counts['arm_result']} arm results, "
        f"{counts['comparison']} comparisons, {counts['adverse_event']} adverse events, "
        f"{counts['characteristic']} characteristics, {counts['source']} sources into {target}"
        f" ({len(result.report.warnings)} warnings)"
    )


@click.command()
@sources_option
@review_text_option
@allow_empty_option
@click.option("--errors-only", is_flag=True, help="Do not list warnings.")
def validate(sources: Path, review_text: Path | None, allow_empty: bool, errors_only: bool) -> None:
    """Check the curated sources and report every error and warning.

    Each problem names the file, the line where known, the record path
    (e.g. destiny-breast09 › results[12] › ci_high), what is wrong and what was expected.
    Exits 1 when there are errors.

    \b
    Example:
        her2db validate --sources db
    """
    from ..curate.validate import validate as validate_sources

    report = validate_sources(sources, allow_empty=allow_empty, review_text=review_text)
    echo_problems(report.errors if errors_only else report.problems)
    summary = f"{len(report.errors)} errors, {len(report.warnings)} warnings"
    if report.errors:
        raise click.ClickException(summary)
    click.echo(f"OK: {len(report.corpus.studies)} studies, {summary}")


@click.command()
@sources_option
@review_text_option
@click.option("--uncovered", is_flag=True, help="List only the numbers no record holds.")
def coverage(sources: Path, review_text: Path | None, uncovered: bool) -> None:
    """List every number of the review with the record that holds it.

    A number is held by a record whose verbatim quote contains that very occurrence, or
    explained by an entry in coverage-exceptions.yaml; anything else is listed as held by no
    record. Exits 1 when a number is held by nothing or an exception matches nothing.

    \b
    Example:
        her2db coverage --review-text ../shared/sources
    """
    from ..curate import review_text as coverage_module
    from ..curate.validate import read_corpus

    corpus, _problems = read_corpus(sources)
    try:
        found = coverage_module.review_text(sources, corpus.sources, review_text)
    except coverage_module.ReviewTextError as exc:
        raise click.ClickException(str(exc)) from exc
    if found is None:
        raise click.ClickException("no review text found: name it with --review-text or HER2DB_REVIEW_TEXT")
    text, path = found
    report = coverage_module.check_coverage(text, [s.study for s in corpus.studies], corpus.exceptions)
    lines = [f"line {o.line}: {o.token!r} → HELD BY NO RECORD: “{o.sentence}”" for o in report.uncovered] \
        if uncovered else report.lines()
    for line in lines:
        click.echo(line)
    for entry in report.unused_exceptions:
        click.echo(f"exception for {entry.number!r} ({entry.context or 'any context'}) matches no number")
    click.echo(f"{path.name}: {report.numbers} numbers, {len(report.held)} held by a record, "
               f"{len(report.excepted)} explained by an exception, {len(report.uncovered)} held by nothing")
    if report.uncovered or report.unused_exceptions:
        sys.exit(1)



@click.command()
@click.option("--check", is_flag=True, help="Only report artefacts that differ from the models.")
def schema(check: bool) -> None:
    """Regenerate her2db/store/sql/tables.sql, her2db/model/validators.json,
    schema/study.schema.json and schema/er.md (in the current folder, a checkout's root) from the
    models. Outside a checkout, only schema/.

    \b
    Example:
        her2db schema --check
    """
    from ..store import schema as schema_module

    if check:
        stale = schema_module.stale_artefacts()
        if stale:
            raise click.ClickException(f"out of date with the models: {', '.join(stale)}; run `her2db schema`")
        click.echo("schema artefacts are up to date")
        return
    try:
        written = schema_module.write_artefacts()
    except OSError as exc:
        raise click.ClickException(f"cannot write the schema artefacts: {os_error_text(exc)}") from exc
    for path in written:
        click.echo(f"wrote {path}")
    if not schema_module.in_checkout(schema_module.SCHEMA_DIR):
        names = " and ".join(path.name for path in schema_module.PACKAGE_ARTEFACTS)
        click.echo(f"{names} are the installed package's, outside this folder: "
                   "not written (run this in a checkout of her2db to regenerate them)")


COMMANDS = (load, validate, coverage, schema)
