"""The reading commands: one read-only SQL query, the list of studies, one study shown."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import click

from ..read import results
from .options import damaged_database, database_url_option, db_option, format_option, open_db

MAX_SQL_BYTES = 1_000_000  # one query on standard input; a file of SQL is far shorter


def _finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """``nan`` passes every range check (no comparison holds) and would turn the limit off."""
    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number of seconds", ctx, param)
    return value


def sql_after_dashes(args: list[str]) -> list[str]:
    """The arguments with SQL that opens with a ``--`` comment moved after ``--``, where click
    takes it for the SQL argument. Click reads any word starting with ``--`` as an option name;
    one holding whitespace (a comment, then the query) can never be one."""
    if "--" in args:
        return args
    sql = [a for a in args if a.startswith("--") and any(c.isspace() for c in a)]
    return [a for a in args if a not in sql] + (["--", *sql] if sql else [])


class _QueryCommand(click.Command):
    """``query``: SQL that opens with a ``--`` comment is the SQL argument, not an option."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, sql_after_dashes(args))


@click.command(cls=_QueryCommand)
@click.argument("sql")
@db_option
@database_url_option
@format_option
@click.option("--max-rows", type=click.IntRange(min=1), default=results.DEFAULT_MAX_ROWS,
              show_default=True, help="Row cap; a note says when rows were cut.")
@click.option("--time-limit", type=click.FloatRange(min=0.01), default=results.DEFAULT_TIME_LIMIT, callback=_finite,
              show_default=True, help="Seconds before the query is stopped.")
def query(sql: str, db_path: Path, database_url: str | None, fmt: str, max_rows: int,
          time_limit: float) -> None:
    """Run one read-only SQL query against the database. SQL may open with a `--` comment;
    `-` reads the SQL from standard input (a saved .sql file).

    On PostgreSQL the query runs in a read-only transaction with a statement timeout, and the
    server stops it once a row or the result is too large.

    \b
    Examples:
        her2db query "select study_id, endpoint, subgroup, estimate, ci_low, ci_high from v_comparisons"
        her2db query "select * from v_adverse_events where term = 'neutropenia'" --format csv
        echo "select count(*) from v_studies" | her2db query -
        her2db query "select count(*) from v_studies" --database-url postgresql://her2db@localhost/her2db
    """
    piped = sql == "-"
    if piped:
        if sys.stdin is None:  # started with standard input closed (<&-)
            raise click.UsageError("standard input is closed: give the SQL as the argument, or pipe it in")
        try:
            raw = sys.stdin.buffer.read(MAX_SQL_BYTES + 1)  # a stream that never ends is not waited for
        except OSError as exc:  # opened for writing only (0>file), a terminal gone
            raise click.UsageError(f"cannot read the SQL from standard input: {exc.strerror or exc}") from exc
        if len(raw) > MAX_SQL_BYTES:
            raise click.UsageError(f"the SQL on standard input is longer than {MAX_SQL_BYTES:,} bytes")
        try:
            sql = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise click.UsageError(f"the SQL on standard input is not UTF-8 text (byte {exc.start})") from exc
    if not sql.strip():
        raise click.UsageError("no SQL given (standard input was empty)" if piped else "no SQL given")
    conn = open_db(db_path, database_url)
    try:
        from ..read import formats
        from ..read.runner import run_query

        result = run_query(conn, sql, max_rows=max_rows, time_limit=time_limit)
        text = formats.render(result, fmt) if result.columns else None
    except results.QueryError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        conn.close()
    if text is not None:
        click.echo(text)
    else:  # a comment, an empty statement: nothing ran that returns rows
        click.secho("(the SQL returns no rows: nothing to show)", fg="yellow", err=True)
    if result.truncated:
        click.secho(f"(output cut at {max_rows} rows; use --max-rows to see more)", fg="yellow",
                    err=True)


@click.command()
@db_option
@database_url_option
@format_option
def studies(db_path: Path, database_url: str | None, fmt: str) -> None:
    """List the studies in the database.

    \b
    Example:
        her2db studies --format markdown
    """
    from ..read import formats
    from ..read import show as study_queries

    conn = open_db(db_path, database_url, built=True)
    try:
        with damaged_database(db_path):
            click.echo(formats.render(study_queries.studies(conn), fmt))
    finally:
        conn.close()


@click.command()
@click.argument("study_id")
@db_option
@database_url_option
def show(study_id: str, db_path: Path, database_url: str | None) -> None:
    """Show one study: design, arms, results, comparisons, adverse events.

    \b
    Example:
        her2db show destiny-breast09
    """
    from tabulate import tabulate

    from ..read import formats
    from ..read import show as study_queries
    from ..util.terminal import printable, quoted

    conn = open_db(db_path, database_url, built=True)
    try:
        with damaged_database(db_path):
            study = study_queries.study(conn, study_id)
            if study is None:
                known = ", ".join(study_queries.study_ids(conn))
                raise click.BadParameter(f"no study {quoted(printable(study_id))} (known: {known})",
                                         param_hint="STUDY_ID")
            sections = study_queries.study_sections(conn, study_id)
    finally:
        conn.close()
    click.secho(formats.printable_lines(f"{study['acronym']}: {study['title']}"), bold=True)
    fields = [(name.replace("_", " "), formats.printable_lines(study[name])) for name in (
        "kind", "phase", "setting", "line", "design", "registry_id", "sponsor", "countries",
        "period_start", "period_end", "status", "summary", "notes") if study[name]]
    click.echo(tabulate(fields, tablefmt="plain", maxcolwidths=[None, 90]))
    for title, result in sections:
        click.echo()
        click.secho(title, bold=True)
        click.echo(formats.render(result, "table"))


COMMANDS = (query, studies, show)
