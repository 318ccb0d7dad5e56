"""The release commands: export the public views as files, show what changed between two
versions of the data, cut a data release."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..model.project import SITE_URL_ENV
from ..store.target import DatabaseMissing
from .options import NamedPath, db_option, echo_problems, open_db, sources_if_read_option, sources_option


@click.command("export")
@click.argument("outdir", type=NamedPath(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(("csv", "json", "datapackage", "xlsx", "fhir")), default="csv",
              show_default=True, help="csv or json: one file per public view; datapackage: the CSV "
              "files and a Frictionless datapackage.json describing them; xlsx: one Excel workbook, "
              "her2db.xlsx, a sheet per view and an About sheet; fhir: a FHIR R5 Bundle, "
              "her2db-RELEASE.fhir.json (Citation, EvidenceVariable, Evidence).")
@click.option("--bom/--no-bom", default=True, show_default=True, help="Start CSV files with a UTF-8 "
              "byte order mark, so spreadsheets opened by double-click read ≥, ± and – right; "
              "--no-bom for tools that do not expect one.")
@db_option
def export_command(outdir: Path, fmt: str, bom: bool, db_path: Path) -> None:
    """Write every public view into OUTDIR: the same files as the site's downloads.

    OUTDIR must be new, empty, or the folder of an earlier export (whose files are then
    replaced); nothing is written outside it. Numbers are written as the source printed
    them (0.70, not 0.7). In CSV and the workbook, a text a spreadsheet would run as a
    formula (=, +, -, @ first) gets a single quote before it ('=1+1). The FHIR bundle links
    each Evidence to its record's page when HER2DB_SITE_URL names the site's address.

    \b
    Examples:
        her2db export her2db-csv
        her2db export --format xlsx her2db-workbook
        her2db export --format csv --no-bom her2db-plain-csv
        her2db export --format datapackage her2db-package && frictionless validate her2db-package/datapackage.json
        her2db export --format fhir her2db-fhir
    """
    import os
    import sqlite3

    from ..read import export_folder as export_module

    base_url = site_url(os.environ.get(SITE_URL_ENV) or None) if fmt == "fhir" else None
    conn = open_db(db_path, built=True)  # another program's database has none of our views
    try:
        files = export_module.export(conn, outdir, fmt, bom=bom, base_url=base_url)
    except export_module.ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    except sqlite3.Error as exc:
        raise click.ClickException(f"{db_path} cannot be exported ({exc}): was it built by an older "
                                   "her2db? Rebuild it with `her2db load`") from exc
    finally:
        conn.close()
    click.echo(f"wrote {len(files)} files into {outdir}")


def site_url(value: str | None) -> str | None:
    """The site's address that exported records link to: an http(s) address with a host (and
    a port that exists), as MkDocs requires of ``site_url``, with no space or control character
    (which URL parsers drop silently); anything else would be written into every record."""
    from urllib.parse import urlsplit

    from ..util.terminal import hidden_character, printable, quoted

    if value is None:
        return None
    try:
        parts = urlsplit(value)
        fine = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 0) >= 0
    except ValueError:  # a port out of range, a malformed IPv6 host
        fine = False
    if not fine or any(char.isspace() for char in value) or hidden_character(value):
        raise click.UsageError(f"{SITE_URL_ENV}={quoted(printable(value))} is not the address of a site: give it "
                               "as https://host/path/ (or unset it)")
    return value


def today() -> str:
    import datetime as dt

    return dt.date.today().isoformat()


def release_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    """``--date``: a day that exists, written YYYY-MM-DD (not 2027-02-30); today when not given."""
    from ..model.dates import is_iso_date

    if value is None:
        return today()
    if is_iso_date(value):
        return value
    raise click.BadParameter(f"{value!r} is not a date that exists, written YYYY-MM-DD (e.g. 2027-02-28)")


def cut_release(version: str, sources: Path, db_path: Path, date: str) -> Any:
    """Cut the release (``release.cut``) and say what it recorded; errors become clean messages."""
    from ..curate.load import DatabasePathError, LoadError
    from ..read import diff as diff_module
    from ..read import release as release_module
    from ..util.paths import UnsafePath

    try:
        cut = release_module.cut(version, sources, db_path, date)
    except LoadError as exc:
        echo_problems(exc.report.errors)
        raise click.ClickException(f"{exc}: a release is cut only from a corpus without errors") from exc
    except (release_module.ReleaseError, DatabasePathError, UnsafePath) as exc:
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


@click.command("release")
@click.argument("version")
@click.option("--date", default=None, help="Release date, YYYY-MM-DD (default: today).", callback=release_date)
@sources_option
@db_option
def release_command(version: str, date: str, sources: Path, db_path: Path) -> None:
    """Cut data release VERSION (YYYY.MM: the month of --date, or the next) of the curated data.

    The corpus must validate without errors. The release is recorded in db/releases.yaml
    (version, date, counts), a snapshot of the data goes to db/releases/VERSION.sql.gz, and
    the changes since the previous release (records removed, added, changed) to
    db/releases/VERSION.yaml, which the site's Releases page shows. A failure leaves every
    file as it was.

    \b
    Example:
        her2db release 2027.01 --date 2027-01-04
    """
    cut_release(version, sources, db_path, date)


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(("text", "markdown", "json")), default="text",
              show_default=True, help="Output format (json for release changelogs).")
@sources_if_read_option
def diff_command(old: str, new: str, fmt: str, sources: Path) -> None:
    """Show the records removed, added and changed between OLD and NEW.

    Each side is a database file, a folder of curated sources, or a git revision of the
    sources folder (its db/ is extracted with git archive and loaded into a temporary
    database). Records are named by what they are, not by row id; removals come first.

    \b
    Examples:
        her2db diff HEAD~5 db
        her2db diff HEAD~1 HEAD --format markdown
        her2db diff HEAD db
    """
    import tempfile

    from ..read import diff as diff_module

    with tempfile.TemporaryDirectory(prefix="her2db-diff-") as tmp:
        try:
            old_db = diff_module.database_for(old, sources, Path(tmp))
            new_db = diff_module.database_for(new, sources, Path(tmp))
            changes = diff_module.diff_files(old_db, new_db, (old, new))
        except (diff_module.DiffError, DatabaseMissing) as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(diff_module.render(changes, fmt, old, new), nl=False)


COMMANDS = (export_command, diff_command, release_command)
