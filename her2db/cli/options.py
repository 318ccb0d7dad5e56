"""What the commands share: their common options as decorators, the read-only connection,
and the turning of library errors into click's messages and exit codes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..read import results
from ..store.target import (
    DEFAULT_DB,
    DEFAULT_SOURCES,
    SOURCES_FILE,
    STUDIES_DIR,
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

DATABASE_URL_ENV = "HER2DB_DATABASE_URL"


class NamedPath(click.Path):
    """A path that must be named: an empty argument (``--db ""``, an unset variable in a
    script) is a usage error, not the current folder, which is what ``Path("")`` means."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value == "":
            self.fail("an empty name: give a file or folder (use . for the current folder)", param, ctx)
        return super().convert(value, param, ctx)


def existing_sources(value: Path) -> Path:
    """A usage error (exit 2) for a sources folder that does not exist, before any command
    reads, writes or creates anything."""
    if not value.is_dir():
        raise click.BadParameter(f"sources folder {value} does not exist", param_hint="'--sources'")
    return value


def _sources(checked: bool) -> Callable[[F], F]:
    return click.option(
        "--sources", type=NamedPath(path_type=Path, file_okay=False), default=DEFAULT_SOURCES,
        callback=(lambda _ctx, _param, value: existing_sources(value)) if checked else None,
        show_default=True, help="Folder of the curated YAML files.",
    )


sources_option = _sources(checked=True)
"""``--sources``, checked before the command runs."""
sources_if_read_option = _sources(checked=False)
"""``--sources`` for commands that read it for some arguments only (``diff`` of a git revision,
``import-csv`` but for ``--template``): a default folder that is not there is no error until
then."""


def db_option(func: F) -> F:
    return click.option(
        "--db", "db_path", type=NamedPath(path_type=Path, dir_okay=False), default=DEFAULT_DB,
        show_default=True, help="SQLite database file.",
    )(func)


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


def dry_run_option(func: F) -> F:
    return click.option("--dry-run", is_flag=True,
                        help="Validate the change and print the lines it would write; write nothing.")(func)


def _plain_or_folder(_ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    """A review text that is a pipe or a device is refused unread (it was silently skipped)."""
    from ..util.paths import STREAM, is_stream

    if value is not None and is_stream(value):
        raise click.BadParameter(f"{value} is {STREAM}: give the review's text file or its folder")
    return value


def review_text_option(func: F) -> F:
    return click.option(
        "--review-text", type=NamedPath(path_type=Path, exists=True), default=None, callback=_plain_or_folder,
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


def target_name(db_path: Path, database_url: str | None) -> str:
    """The database as messages name it: the file a ``sqlite:///`` URL names, else the URL
    with its password masked."""
    if database_url is None:
        return str(db_path)
    if not is_postgres(database_url):
        return str(sqlite_path(database_url))
    from ..store.postgres import mask

    return mask(database_url)


def url_failed(exc: DatabaseUrlError) -> click.ClickException:
    """A malformed or unsupported URL is a usage error (exit 2); a server that cannot be used, 1."""
    if isinstance(exc, BadDatabaseUrl):
        return click.BadParameter(str(exc), param_hint="--database-url")
    return click.ClickException(str(exc))


def edit_failed(exc: Exception) -> click.ClickException:
    """A refused edit as a click error: usage errors exit 2, data errors 1."""
    problems = getattr(exc, "problems", [])
    for problem in problems:
        click.secho(str(problem), fg="red", err=True)
    if getattr(exc, "usage", False):
        return click.UsageError(str(exc))
    return click.ClickException(str(exc))


@contextmanager
def refused_edits() -> Iterator[None]:
    """Around a curator command: a refused edit becomes its clean message and exit code."""
    from ..curate.fields import EditError
    from ..curate.yamlfile import YamlFileError

    try:
        yield
    except EditError as exc:
        raise edit_failed(exc) from exc
    except YamlFileError as exc:  # a file the edit reads for its choices (sources, drugs) cannot be read
        where = f"{exc.path}:{exc.line}" if exc.line else str(exc.path)
        raise click.ClickException(f"{where}: {exc.message}; nothing was written") from exc


def echo_problems(problems: list[Problem]) -> None:
    for problem in problems:
        colour = "red" if problem.severity == "error" else "yellow"
        click.secho(str(problem), fg=colour, err=True)


@contextmanager
def damaged_database(db_path: Path) -> Iterator[None]:
    """Around reading a database: a damaged file ("database disk image is malformed", cut
    short by a full disk or a copy) is said as such, not as a traceback."""
    import sqlite3

    from ..read.results import QueryError

    try:
        yield
    except (sqlite3.DatabaseError, QueryError) as exc:
        raise click.ClickException(f"cannot read {db_path}: {exc} (rebuild it with `her2db load`)") from exc


def open_db(db_path: Path, database_url: str | None = None, built: bool = False) -> Any:
    """A read-only connection; with ``built``, a SQLite file must be a database this version
    of her2db loaded (its schema stamp), so commands that read our tables never meet another
    file or an older schema with a traceback."""
    from ..store.connect import connect
    from ..store.sqlite import schema_stamp, stored_schema_stamp

    if database_url is None:
        _reload_if_stale(db_path)
    if built and database_url is None and db_path.is_file() and stored_schema_stamp(db_path) != schema_stamp():
        raise click.ClickException(f"{db_path} is not a database built by this version of her2db: "
                                   "rebuild it with `her2db load`")
    try:
        return connect(db_path, database_url)
    except DatabaseMissing as exc:
        raise click.ClickException(str(exc)) from exc
    except DatabaseUrlError as exc:
        raise url_failed(exc) from exc


def _reload_if_stale(db_path: Path) -> None:
    """The database of a curated folder (``db/her2db.sqlite`` beside ``db/sources.yaml`` and
    ``db/studies/``) that was loaded from other versions of its files (an edit interrupted
    before its reload, a ``git pull``) or by a her2db of another schema is reloaded before it
    answers, and refused if the files do not load or it cannot be reloaded: never read as
    current. Only a file of that name that her2db built: any other database kept there (an
    older release, a download) is read as it is; and never through a link (a reading command
    writes nothing outside the folder)."""
    sources = db_path.parent
    if db_path.name != DEFAULT_DB.name or not db_path.is_file() or not (sources / STUDIES_DIR).is_dir() \
            or not (sources / SOURCES_FILE).is_file():
        return
    from ..store.sqlite import NotOurDatabase, check_replaceable, schema_stamp, stored_schema_stamp
    from ..store.write import DatabasePathError, is_current
    from ..util.terminal import os_error_text

    try:
        check_replaceable(db_path)  # first: another program's file is read as it is, the files unread
        current = is_current(db_path, sources)
    except NotOurDatabase:
        return
    except OSError as exc:
        raise click.ClickException(f"cannot check {db_path} against the files in {sources}: {os_error_text(exc)}") \
            from exc
    if current:
        return
    stamp = stored_schema_stamp(db_path)
    stale = f"{db_path} is empty" if stamp is None else f"{db_path} was built by another version of her2db" \
        if stamp != schema_stamp() else f"{db_path} was loaded from other versions of the files in {sources}"
    if db_path.is_symlink():
        raise click.ClickException(f"{stale}; it is a link, which a reading command does not write through: "
                                   f"bring it up to date with `her2db load --db {db_path}`")
    from ..curate.load import LoadError, load  # here: a current database answers without the models

    try:
        load(sources, db_path)
    except LoadError as exc:
        raise click.ClickException(f"{stale}, and the files do not load ({exc}); run `her2db validate`") from exc
    except (DatabasePathError, OSError) as exc:
        reason = str(exc) if isinstance(exc, DatabasePathError) else os_error_text(exc)
        raise click.ClickException(f"{stale} and cannot be reloaded: {reason}; run `her2db load` where the "
                                   "files can be read and the database written") from exc
    click.secho(f"note: {stale}; reloaded", fg="yellow", err=True)

