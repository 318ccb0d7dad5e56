"""The ``her2db`` command line: one click group, each command a thin call into the package.

Exit codes: 0 ok, 1 data errors (the curated sources or the database are wrong), 2 usage
errors (click's own, and bad arguments).
"""

from __future__ import annotations

import functools
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from tabulate import tabulate

from .. import __version__
from ..read import formats, results
from ..read import show as study_queries
from ..store.connect import connect
from ..store.sqlite import schema_stamp, stored_schema_stamp
from ..store.target import (
    DEFAULT_DB,
    DEFAULT_SOURCES,
    BadDatabaseUrl,
    DatabaseMissing,
    DatabaseUrlError,
    is_postgres,
    sqlite_path,
)

if TYPE_CHECKING:
    from ..curate.validate import Problem

# The models, the loader and validation (pydantic, SQLModel, SQLAlchemy) are imported inside
# the commands that use them: `her2db --help` and `her2db query` start without them
# (tests/test_cli.py checks that).

F = TypeVar("F", bound=Callable[..., Any])


def _existing_folder(_ctx: click.Context, _param: click.Parameter, value: Path) -> Path:
    """A usage error (exit 2) for a sources folder that does not exist, before any command
    reads, writes or creates anything."""
    if not value.is_dir():
        raise click.BadParameter(f"sources folder {value} does not exist")
    return value


def sources_option(func: F) -> F:
    return click.option(
        "--sources", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_SOURCES,
        callback=_existing_folder, show_default=True, help="Folder of the curated YAML files.",
    )(func)


def db_option(func: F) -> F:
    return click.option(
        "--db", "db_path", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_DB,
        show_default=True, help="SQLite database file.",
    )(func)


DATABASE_URL_ENV = "HER2DB_DATABASE_URL"


def database_url_option(func: F) -> F:
    """``--database-url`` (or ``HER2DB_DATABASE_URL``): another engine instead of the SQLite
    file of ``--db``; giving both is a usage error, since one of them would be ignored."""
    @functools.wraps(func)
    def checked(*args: Any, database_url: str | None, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        if database_url and ctx.get_parameter_source("db_path") not in (None, click.core.ParameterSource.DEFAULT):
            from_env = ctx.get_parameter_source("database_url") == click.core.ParameterSource.ENVIRONMENT
            given = DATABASE_URL_ENV if from_env else "--database-url"
            raise click.UsageError(f"--db and {given} name two databases: give only one")
        return func(*args, database_url=database_url or None, **kwargs)

    return click.option(
        "--database-url", default=None, envvar=DATABASE_URL_ENV, show_envvar=True, metavar="URL",
        help="SQLAlchemy URL of the database instead of --db, e.g. postgresql://user:password@host/dbname "
             "(needs her2db[postgres]); the password is never printed.",
    )(checked)  # type: ignore[return-value]


def _target(db_path: Path, database_url: str | None) -> str:
    """The database as messages name it: the file a ``sqlite:///`` URL names, else the URL
    with its password masked."""
    if database_url is None:
        return str(db_path)
    if not is_postgres(database_url):
        return str(sqlite_path(database_url))
    from ..store.postgres import mask

    return mask(database_url)


def _url_failed(exc: DatabaseUrlError) -> click.ClickException:
    """A malformed or unsupported URL is a usage error (exit 2); a server that cannot be used, 1."""
    if isinstance(exc, BadDatabaseUrl):
        return click.BadParameter(str(exc), param_hint="--database-url")
    return click.ClickException(str(exc))


def review_text_option(func: F) -> F:
    return click.option(
        "--review-text", type=click.Path(path_type=Path, exists=True), default=None,
        envvar="HER2DB_REVIEW_TEXT", show_envvar=True,
        help="The review's full text (its file or folder) when it is not in the sources folder.",
    )(func)


def allow_empty_option(func: F) -> F:
    return click.option(
        "--allow-empty", is_flag=True,
        help="Accept a corpus without study files (otherwise an error: it would empty the database).",
    )(func)


def format_option(func: F) -> F:
    return click.option(
        "--format", "fmt", type=click.Choice(results.FORMATS), default="table", show_default=True,
        help=results.FORMAT_HELP,
    )(func)


def _echo_problems(problems: list[Problem]) -> None:
    for problem in problems:
        colour = "red" if problem.severity == "error" else "yellow"
        click.secho(str(problem), fg=colour, err=True)


def _open_db(db_path: Path, database_url: str | None = None, built: bool = False) -> Any:
    """A read-only connection; with ``built``, a SQLite file must be a database this version
    of her2db loaded (its schema stamp), so commands that read our tables never meet another
    file or an older schema with a traceback."""
    if built and database_url is None and db_path.is_file() and stored_schema_stamp(db_path) != schema_stamp():
        raise click.ClickException(f"{db_path} is not a database built by this version of her2db: "
                                   "rebuild it with `her2db load`")
    try:
        return connect(db_path, database_url)
    except DatabaseMissing as exc:
        raise click.ClickException(str(exc)) from exc
    except DatabaseUrlError as exc:
        raise _url_failed(exc) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="her2db")
def cli() -> None:
    """her2db: the evidence database for HER2-positive metastatic breast cancer.

    Curated YAML in db/ is validated and loaded into db/her2db.sqlite (or PostgreSQL with
    --database-url); analysts query the public views (v_studies, v_arm_results,
    v_comparisons, v_adverse_events, v_characteristics, v_populations, v_analyses,
    v_study_endpoints, v_study_field_basis, v_sources, v_reports), documented on the site's Data model
    page.

    \b
    Example:
        her2db load && her2db query "select * from v_comparisons where endpoint = 'PFS'"
    """


@cli.command()
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

    target = _target(db_path, database_url)
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
            raise _url_failed(exc) from exc
        except LoadError as exc:
            _echo_problems(exc.report.problems)
            raise click.ClickException(f"{exc}; {target} was not changed") from exc
    if not quiet:
        _echo_problems(result.report.warnings)
    counts = result.counts
    click.echo(
        f"Loaded {counts['study']} studies, {counts['arm_result']} arm results, "
        f"{counts['comparison']} comparisons, {counts['adverse_event']} adverse events, "
        f"{counts['characteristic']} characteristics, {counts['source']} sources into {target}"
        f" ({len(result.report.warnings)} warnings)"
    )


@cli.command()
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
    _echo_problems(report.errors if errors_only else report.problems)
    summary = f"{len(report.errors)} errors, {len(report.warnings)} warnings"
    if report.errors:
        raise click.ClickException(summary)
    click.echo(f"OK: {len(report.corpus.studies)} studies, {summary}")


@cli.command()
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


class _QueryCommand(click.Command):
    """``query``: SQL that opens with a ``--`` comment is the SQL argument, not an option.

    Click reads any word starting with ``--`` as an option name; one holding whitespace (a
    comment, then the query) can never be one, so it is passed on after ``--``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" not in args:
            sql = [a for a in args if a.startswith("--") and any(c.isspace() for c in a)]
            args = [a for a in args if a not in sql] + (["--", *sql] if sql else [])
        return super().parse_args(ctx, args)


@cli.command(cls=_QueryCommand)
@click.argument("sql")
@db_option
@database_url_option
@format_option
@click.option("--max-rows", type=click.IntRange(min=1), default=results.DEFAULT_MAX_ROWS,
              show_default=True, help="Row cap; a note says when rows were cut.")
@click.option("--time-limit", type=click.FloatRange(min=0.01), default=results.DEFAULT_TIME_LIMIT,
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
        her2db query - < question.sql
        her2db query "select count(*) from v_studies" --database-url postgresql://her2db@localhost/her2db
    """
    if sql == "-":
        sql = sys.stdin.read()
    if not sql.strip():
        raise click.UsageError("no SQL given (standard input was empty)" if sql == "" else "no SQL given")
    conn = _open_db(db_path, database_url)
    try:
        from ..read.runner import run_query

        result = run_query(conn, sql, max_rows=max_rows, time_limit=time_limit)
    except results.QueryError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        conn.close()
    if result.columns:
        click.echo(formats.render(result, fmt))
    if result.truncated:
        click.secho(f"(output cut at {max_rows} rows; use --max-rows to see more)", fg="yellow",
                    err=True)


@cli.command()
@db_option
@database_url_option
@format_option
def studies(db_path: Path, database_url: str | None, fmt: str) -> None:
    """List the studies in the database.

    \b
    Example:
        her2db studies --format markdown
    """
    conn = _open_db(db_path, database_url, built=True)
    try:
        click.echo(formats.render(study_queries.studies(conn), fmt))
    finally:
        conn.close()


@cli.command()
@click.argument("study_id")
@db_option
@database_url_option
def show(study_id: str, db_path: Path, database_url: str | None) -> None:
    """Show one study: design, arms, results, comparisons, adverse events.

    \b
    Example:
        her2db show destiny-breast09
    """
    conn = _open_db(db_path, database_url, built=True)
    try:
        study = study_queries.study(conn, study_id)
        if study is None:
            known = ", ".join(study_queries.study_ids(conn))
            raise click.BadParameter(f"no study '{study_id}' (known: {known})", param_hint="STUDY_ID")
        sections = study_queries.study_sections(conn, study_id)
    finally:
        conn.close()
    click.secho(f"{study['acronym']}: {study['title']}", bold=True)
    fields = [(name.replace("_", " "), study[name]) for name in (
        "kind", "phase", "setting", "line", "design", "registry_id", "sponsor", "countries",
        "period_start", "period_end", "status", "summary", "notes") if study[name]]
    click.echo(tabulate(fields, tablefmt="plain", maxcolwidths=[None, 90]))
    for title, result in sections:
        click.echo()
        click.secho(title, bold=True)
        click.echo(formats.render(result, "table"))


@cli.command()
@click.option("--check", is_flag=True, help="Only report artefacts that differ from the models.")
def schema(check: bool) -> None:
    """Regenerate her2db/store/sql/tables.sql, schema/study.schema.json and schema/er.md (in the
    current folder, a checkout's root) from the models.

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
    for path in schema_module.write_artefacts():
        click.echo(f"wrote {path}")


def _site_module() -> Any:
    """The site code, imported only by the site commands: it pulls in MkDocs and Jinja2,
    which would double the start-up time of every other command."""
    from ..publish import build as site_module

    return site_module


@cli.group()
def site() -> None:
    """Build, preview and deploy the reference site (MkDocs Material, versioned with mike).

    \b
    Example:
        her2db site build && her2db site serve
    """


def config_option(func: F) -> F:
    return click.option(
        "--config", type=click.Path(path_type=Path, dir_okay=False), default=Path("mkdocs.yml"),
        show_default=True, help="MkDocs configuration file.",
    )(func)


def _fresh_database(db_path: Path, sources: Path, database_url: str | None = None) -> None:
    """Reload the database from the sources before the site reads it if they changed: data
    flows one way, and the site module itself never loads."""
    from ..curate.load import DatabasePathError, LoadError, ensure_database

    try:
        ensure_database(db_path, sources, database_url)
    except LoadError as exc:
        _echo_problems(exc.report.problems)
        raise click.ClickException(f"{exc}; fix them and retry") from exc
    except DatabasePathError as exc:
        raise click.ClickException(str(exc)) from exc
    except DatabaseUrlError as exc:
        raise _url_failed(exc) from exc


@site.command("build")
@sources_option
@db_option
@database_url_option
@config_option
@click.option("--force", is_flag=True, help="Regenerate and rebuild everything, even what did not change.")
def site_build(sources: Path, db_path: Path, database_url: str | None, config: Path, force: bool) -> None:
    """Reload the database if its sources changed, generate the study pages, build public/.

    Pages and the MkDocs build are redone only when what they are made from changed (the
    database, the docs folder, mkdocs.yml, the package, the tools' versions). With
    --database-url the pages are read from that database (reloaded first if it was loaded
    from other sources); the SQLite download is built from the same sources.

    \b
    Examples:
        her2db site build
        her2db site build --database-url postgresql://her2db@localhost/her2db
    """
    from ..curate.load import LoadError
    from ..curate.load import load as load_database
    from ..store.target import is_postgres, sqlite_path

    site_module = _site_module()
    try:
        if database_url is not None and not is_postgres(database_url):
            db_path, database_url = sqlite_path(database_url), None
        _fresh_database(db_path, sources, database_url=database_url)
        if database_url is None:
            built = site_module.build(db_path, config, force=force)
        else:  # the pages read PostgreSQL; the download is a SQLite file of the same sources
            with tempfile.TemporaryDirectory(prefix="her2db-site-") as tmp:
                download = Path(tmp) / "her2db.sqlite"
                load_database(sources, download)
                built = site_module.build(download, config, database_url)
    except DatabaseUrlError as exc:
        raise _url_failed(exc) from exc
    except (site_module.SiteError, LoadError, DatabaseMissing) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Built {built.pages} pages into {built.out_dir}")


@site.command("serve")
@sources_option
@db_option
@config_option
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
def site_serve(sources: Path, db_path: Path, config: Path, dev_addr: str) -> None:
    """Preview the site locally, rebuilding on changes.

    \b
    Example:
        her2db site serve --dev-addr 127.0.0.1:8001
    """
    site_module = _site_module()
    _fresh_database(db_path, sources)
    try:
        site_module.serve(db_path, config, dev_addr)
    except site_module.SiteError as exc:
        raise click.ClickException(str(exc)) from exc


@site.command("deploy")
@click.argument("version")
@click.option("--alias", default=None, help="Alias to point at this version, e.g. latest.")
@click.option("--branch", default="gh-pages", show_default=True, help="Branch mike commits the site to.")
@sources_option
@db_option
@config_option
def site_deploy(version: str, alias: str | None, branch: str, sources: Path, db_path: Path,
                config: Path) -> None:
    """Deploy VERSION (a data release, YYYY.MM) with mike to the local gh-pages branch.

    A version not yet released is first cut with `her2db release` (and taken back if the
    deploy fails); a recorded one is deployed as it is. Nothing is pushed: publishing the
    branch is your choice (git push origin gh-pages).

    \b
    Example:
        her2db site deploy 2026.11 --alias latest
    """
    import contextlib

    from ..read import release as release_module

    site_module = _site_module()
    try:
        release_module.check_version(version)
        site_module.check_deployable(config)
    except (release_module.ReleaseError, site_module.SiteError) as exc:
        raise click.ClickException(str(exc)) from exc
    _fresh_database(db_path, sources)
    conn = _open_db(db_path)
    try:
        recorded = conn.execute("SELECT 1 FROM release WHERE version = ?", (version,)).fetchone()
    finally:
        conn.close()
    cut = None if recorded else _cut_release(version, sources, db_path, _today())
    try:
        with release_module.undone_on_failure(cut, sources, db_path) if cut else contextlib.nullcontext():
            site_module.deploy(version, db_path, alias=alias, config=config, branch=branch)
    except site_module.SiteError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Deployed {version} to the local {branch} branch")


# --- curator workflow: add, new-study, set, remove, import-csv, diff ---------------------------


def _edit_failed(exc: Exception) -> click.ClickException:
    """A refused edit as a click error: usage errors exit 2, data errors 1."""
    problems = getattr(exc, "problems", [])
    for problem in problems:
        click.secho(str(problem), fg="red", err=True)
    if getattr(exc, "usage", False):
        return click.UsageError(str(exc))
    return click.ClickException(str(exc))


def _report_edit(result: Any) -> None:
    for problem in result.warnings:
        click.secho(str(problem), fg="yellow", err=True)
    if not result.written:
        click.echo(f"{result.description}: valid; dry run, nothing written")
        return
    click.echo(f"{result.description}: written to {result.path}")
    if result.reloaded:
        click.echo(result.reloaded)


def _interactive_option(func: F) -> F:
    return click.option(
        "--interactive/--no-interactive", default=None,
        help="Prompt for missing required fields (default: when run on a terminal).",
    )(func)


def _prompt_missing(kind: str, study_id: str | None, sources: Path, given: dict[str, Any],
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
            raise _edit_failed(exc) from exc
        label = spec.name.replace("_", " ")
        if spec.required:
            given[spec.name] = click.prompt(label, type=click.Choice(choices) if choices else click.STRING)
        elif choices:
            answer = click.prompt(label, type=click.Choice([*choices, "-"]), default="-")
            given[spec.name] = None if answer == "-" else answer


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


def _add_command(kind: str) -> click.Command:
    from ..curate import edit

    specs = edit.field_specs(kind)
    scoped = kind in edit.STUDY_SECTIONS

    def run(sources: Path, db_path: Path, interactive: bool | None, dry_run: bool,
            study_id: str | None = None, **values: Any) -> None:
        given = {spec.name: values.get(spec.name) for spec in specs}
        try:
            if scoped:
                edit.study_rel(sources, study_id or "")
            _prompt_missing(kind, study_id, sources, given, interactive)
            record = edit.build_record(kind, given)
            if kind == "study":
                result = edit.new_study(sources, record, db_path)
            else:
                result = edit.add_records(sources, study_id, kind, [record], db_path, dry_run)
        except edit.EditError as exc:
            raise _edit_failed(exc) from exc
        _report_edit(result)

    example = {
        "comparison": "her2db add comparison destiny-breast09 --endpoint OS --measure HR "
                      "--experimental tdxd-p --control thp --estimate 0.84 --ci-low 0.59 --ci-high 1.19 "
                      "--source-id huober-review --locator 'text'",
        "ae": "her2db add ae destiny-breast09 --arm thp --term nausea --category teae --grade any "
              "--n 12 --source-id huober-review --locator 'Table 1'",
        "source": "her2db add source --id smith-2026 --kind article --citation 'Smith J. ...' --year 2026",
        "study": "her2db add study --id destiny-breast13 --acronym DESTINY-Breast13 --title '...' "
                 "--kind 'randomized trial' --setting metastatic",
    }.get(kind, f"her2db add {kind} destiny-breast09 --interactive")
    where = "db/sources.yaml" if kind == "source" else ("a new study file" if kind == "study"
                                                         else "the study's YAML file")
    command = click.Command(
        kind, callback=run,
        help=f"Add one {kind} record to {where}, validated against the whole corpus first.\n\n"
             "Every field is a flag; on a terminal, missing required fields are prompted for with "
             "the allowed choices. The rest of the file is left untouched and the database is "
             f"reloaded.\n\n\b\nExample:\n    {example}",
    )
    for spec in reversed(specs):
        option_type = click.Choice(spec.choices) if spec.choices else click.STRING
        command.params.insert(0, click.Option(
            [spec.flag, spec.name], type=option_type, multiple="list" in spec.types,
            help=(spec.help or spec.name.replace("_", " ")) + (" [required]" if spec.required else ""),
        ))
    if scoped:
        command.params.insert(0, click.Argument(["study_id"], metavar="STUDY"))
    for decorate in (sources_option, db_option, _interactive_option):
        decorate(command)
    if kind != "study":
        click.option("--dry-run", is_flag=True, help="Validate and show, write nothing.")(command)
    else:
        command.params.append(click.Option(["--dry-run"], is_flag=True, hidden=True))
    return command


cli.add_command(_AddGroup("add", help="Add a record (source, study, analysis, population, arm, "
                          "subgroup, endpoint, result, comparison, ae, characteristic).\n\n\b\nExample:\n"
                          "    her2db add ae destiny-breast09 --help"))


@cli.command("new-study")
@click.argument("study_id")
@click.option("--acronym")
@click.option("--title")
@click.option("--kind", help="randomized trial, single-arm trial, registry, ...")
@click.option("--setting", help="early or metastatic")
@sources_option
@db_option
@_interactive_option
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
    _prompt_missing("study", None, sources, given, interactive)
    try:
        result = edit.new_study(sources, edit.build_record("study", given), db_path)
    except edit.EditError as exc:
        raise _edit_failed(exc) from exc
    _report_edit(result)


@cli.command("set")
@click.argument("study_id", metavar="STUDY")
@click.argument("record_path")
@click.argument("field")
@click.argument("value", required=False)
@click.option("--unset", is_flag=True, help="Remove the field from the record instead.")
@sources_option
@db_option
def set_command(study_id: str, record_path: str, field: str, value: str | None, unset: bool,
                sources: Path, db_path: Path) -> None:
    """Correct one field of one record; only that line of the file changes.

    RECORD_PATH is section[index] (results[3]), section[key] (arms[thp]), section[field=value,...]
    (results[endpoint=OS,arm=thp], exactly one match) or "." for the study itself.

    \b
    Examples:
        her2db set destiny-breast09 results[3] value 40.7
        her2db set destiny-breast09 arms[thp] n_treated 382
        her2db set destiny-breast09 results[3] notes --unset
    """
    from ..curate import edit

    if (value is None) != unset:
        raise click.UsageError("give either VALUE or --unset")
    try:
        result = edit.set_field(sources, study_id, record_path, field, value, db_path)
    except edit.EditError as exc:
        raise _edit_failed(exc) from exc
    _report_edit(result)


@cli.command("remove")
@click.argument("study_id", metavar="STUDY")
@click.argument("record_path")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@sources_option
@db_option
def remove_command(study_id: str, record_path: str, yes: bool, sources: Path, db_path: Path) -> None:
    """Remove one record after confirmation; refused while other records refer to it.

    \b
    Example:
        her2db remove destiny-breast09 adverse_events[12] --yes
    """
    from ..curate import edit

    def confirm(shown: str) -> bool:
        click.echo(shown)
        return yes or click.confirm("Remove this record?", default=False)

    try:
        result = edit.remove_record(sources, study_id, record_path, db_path, confirm)
    except edit.EditError as exc:
        raise _edit_failed(exc) from exc
    if result is None:
        click.echo("Nothing removed.")
        return
    _report_edit(result)


@cli.command("import-csv")
@click.argument("study_id", metavar="STUDY", required=False)
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False), required=False)
@click.option("--kind", type=click.Choice(("ae", "result", "comparison", "characteristic")), required=True,
              help="What each row is.")
@click.option("--template", is_flag=True, help="Print an empty CSV with the columns of KIND and the layout.")
@click.option("--dry-run", is_flag=True, help="Check the file and print what would be added; write nothing.")
@sources_option
@db_option
def import_csv(study_id: str | None, file: Path | None, kind: str, template: bool, dry_run: bool,
               sources: Path, db_path: Path) -> None:
    """Add a table of records from a CSV file, all rows or none.

    Columns are the field names of KIND (see --template); required columns must be present,
    empty cells are absent fields. UTF-8 with or without BOM; comma or semicolon separated.
    One bad row rejects the file with its row number, column and reason.

    \b
    Examples:
        her2db import-csv --kind ae --template > table1.csv
        her2db import-csv destiny-breast09 table1.csv --kind ae --dry-run
    """
    from ..curate import csvimport, edit

    if template:
        click.echo(csvimport.template(kind), nl=False)
        click.echo("# columns:\n# " + csvimport.layout(kind).replace("\n", "\n# "), err=True)
        return
    if study_id is None or file is None:
        raise click.UsageError("give STUDY and FILE (or --template)")
    try:
        rows, result = csvimport.import_csv(sources, study_id, file, kind, None if dry_run else db_path,
                                            dry_run)
    except csvimport.CsvImportError as exc:
        for problem in exc.problems:
            click.secho(problem, fg="red", err=True)
        raise click.ClickException(str(exc)) from exc
    except edit.EditError as exc:
        raise _edit_failed(exc) from exc
    if dry_run:
        click.echo(f"Would add {len(rows)} record(s) ({result.description}), nothing written:")
        for row in rows:
            click.echo(f"  row {row.line}: " + ", ".join(f"{k}: {edit.scalar(v, True)}"
                                                         for k, v in row.record.items()))
        return
    _report_edit(result)


@cli.command("export")
@click.argument("outdir", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(("csv", "json", "datapackage")), default="csv",
              show_default=True, help="csv or json: one file per public view; datapackage: the CSV "
              "files and a Frictionless datapackage.json describing them.")
@click.option("--bom", is_flag=True, help="Start CSV files with a UTF-8 byte order mark, so "
              "spreadsheets read accented characters and symbols right.")
@db_option
def export_command(outdir: Path, fmt: str, bom: bool, db_path: Path) -> None:
    """Write every public view into OUTDIR: the same files as the site's downloads.

    OUTDIR must be new, empty, or the folder of an earlier export (whose files are then
    replaced); nothing is written outside it. Numbers are written as the source printed
    them (0.70, not 0.7).

    \b
    Examples:
        her2db export --format csv --bom exports/csv
        her2db export --format datapackage exports/her2db && frictionless validate exports/her2db/datapackage.json
    """
    import sqlite3

    from ..read import export as export_module

    conn = _open_db(db_path)
    try:
        files = export_module.export(conn, outdir, fmt, bom=bom)
    except export_module.ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    except sqlite3.Error as exc:
        raise click.ClickException(f"{db_path} cannot be exported ({exc}): was it built by an older "
                                   "her2db? Rebuild it with `her2db load`") from exc
    finally:
        conn.close()
    click.echo(f"wrote {len(files)} files into {outdir}")


def _today() -> str:
    import datetime as dt

    return dt.date.today().isoformat()


def _cut_release(version: str, sources: Path, db_path: Path, date: str) -> Any:
    """Cut the release (``release.cut``) and say what it recorded; errors become clean messages."""
    from ..curate.load import DatabasePathError, LoadError
    from ..read import diff as diff_module
    from ..read import release as release_module

    try:
        cut = release_module.cut(version, sources, db_path, date)
    except LoadError as exc:
        _echo_problems(exc.report.errors)
        raise click.ClickException(f"{exc}: a release is cut only from a corpus without errors") from exc
    except (release_module.ReleaseError, DatabasePathError) as exc:
        raise click.ClickException(str(exc)) from exc
    entry = cut.entry
    click.echo(f"Release {entry.version} ({entry.date}): {entry.studies} studies, {entry.results} "
               f"results, {entry.comparisons} comparisons, {entry.adverse_events} adverse events")
    if cut.warning:
        click.secho(f"warning: {cut.warning}", fg="yellow", err=True)
    elif cut.previous is None:
        click.echo("First release: there is no earlier release to compare it with.")
    else:
        click.echo(diff_module.render(cut.changes, "text", cut.previous, entry.version), nl=False)
    for path in cut.files.created if cut.files else []:
        click.echo(f"wrote {path}")
    return cut


@cli.command("release")
@click.argument("version")
@click.option("--date", default=None, help="Release date, YYYY-MM-DD (default: today).",
              type=click.DateTime(formats=["%Y-%m-%d"]))
@sources_option
@db_option
def release_command(version: str, date: Any, sources: Path, db_path: Path) -> None:
    """Cut data release VERSION (YYYY.MM) of the curated data.

    The corpus must validate without errors. The release is recorded in db/releases.yaml
    (version, date, counts), a snapshot of the data goes to db/releases/VERSION.sql.gz, and
    the changes since the previous release (records removed, added, changed) to
    db/releases/VERSION.yaml, which the site's Releases page shows. A failure leaves every
    file as it was.

    \b
    Example:
        her2db release 2026.11
    """
    _cut_release(version, sources, db_path, date.date().isoformat() if date else _today())


@cli.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(("text", "markdown", "json")), default="text",
              show_default=True, help="Output format (json for release changelogs).")
@sources_option
def diff_command(old: str, new: str, fmt: str, sources: Path) -> None:
    """Show the records removed, added and changed between OLD and NEW.

    Each side is a database file, a folder of curated sources, or a git revision of the
    sources folder (its db/ is extracted with git archive and loaded into a temporary
    database). Records are named by what they are, not by row id; removals come first.

    \b
    Examples:
        her2db diff old.sqlite db/her2db.sqlite
        her2db diff HEAD~1 HEAD --format markdown
        her2db diff HEAD db
    """
    import tempfile

    from ..read import diff as diff_module

    with tempfile.TemporaryDirectory(prefix="her2db-diff-") as tmp:
        try:
            old_db = diff_module.database_for(old, sources, Path(tmp))
            new_db = diff_module.database_for(new, sources, Path(tmp))
            changes = diff_module.diff_files(old_db, new_db)
        except (diff_module.DiffError, DatabaseMissing) as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(diff_module.render(changes, fmt, old, new), nl=False)
