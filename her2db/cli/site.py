"""The site commands: build, preview and deploy the reference site. Each one first reloads
the database if its curated sources changed (data flows one way: the site code only reads)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..store.target import DatabaseMissing, DatabaseUrlError, is_postgres, sqlite_path
from .options import (
    F,
    NamedPath,
    database_url_option,
    db_option,
    echo_problems,
    open_db,
    sources_option,
    url_failed,
)
from .release import cut_release, today


def _site_module() -> Any:
    """The site code, imported only by the site commands: it pulls in MkDocs and Jinja2,
    which would double the start-up time of every other command."""
    from ..publish import build as site_module

    return site_module


@click.group()
def site() -> None:
    """Build, preview and deploy the reference site (MkDocs Material, versioned with mike).

    \b
    Example:
        her2db site build && her2db site serve
    """


def config_option(func: F) -> F:
    return click.option(
        "--config", type=NamedPath(path_type=Path, dir_okay=False), default=Path("mkdocs.yml"),
        show_default=True, help="MkDocs configuration file.",
    )(func)


def _fresh_database(db_path: Path, sources: Path, database_url: str | None = None) -> None:
    """Reload the database from the sources before the site reads it if they changed: data
    flows one way, and the site module itself never loads."""
    from ..curate.load import DatabasePathError, LoadError, ensure_database

    try:
        ensure_database(db_path, sources, database_url)
    except LoadError as exc:
        echo_problems(exc.report.problems)
        raise click.ClickException(f"{exc}; fix them and retry") from exc
    except DatabasePathError as exc:
        raise click.ClickException(str(exc)) from exc
    except DatabaseUrlError as exc:
        raise url_failed(exc) from exc


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
    site_module = _site_module()
    try:
        if database_url is not None and not is_postgres(database_url):
            db_path, database_url = sqlite_path(database_url), None
        if database_url is None:  # the build reloads the database unless nothing changed since the last
            built = site_module.build(db_path, config, force=force, sources=sources,
                                      reload=lambda: _fresh_database(db_path, sources))
        else:  # the pages read PostgreSQL; the download is a SQLite file of the same sources
            _fresh_database(db_path, sources, database_url=database_url)
            built = _build_from_server(site_module, sources, config, database_url)
    except DatabaseUrlError as exc:
        raise url_failed(exc) from exc
    except (site_module.SiteError, DatabaseMissing) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Built {built.pages} pages into {built.out_dir}")


def _build_from_server(site_module: Any, sources: Path, config: Path, database_url: str) -> Any:
    """The site of a PostgreSQL database, with a SQLite file of the same sources to download."""
    import tempfile

    from ..curate.load import LoadError
    from ..curate.load import load as load_database

    with tempfile.TemporaryDirectory(prefix="her2db-site-") as tmp:
        download = Path(tmp) / "her2db.sqlite"
        try:
            load_database(sources, download)
        except LoadError as exc:
            raise click.ClickException(str(exc)) from exc
        return site_module.build(download, config, database_url)


def _listenable(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """--dev-addr as MkDocs reads it (HOST:PORT, the host an IP address or localhost), and free:
    a socket is bound to it and closed at once, so an address the server cannot use is said
    before the site is built (MkDocs says it after, with a traceback)."""
    import socket

    from ..util.terminal import printable

    shown = printable(value)
    host, colon, port = value.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not colon or not host:
        raise click.BadParameter(f"{shown!r} is not HOST:PORT (e.g. 127.0.0.1:8000)")
    family = _address_family(host)
    if family is None:
        raise click.BadParameter(f"{shown}: the host must be an IP address or localhost")
    if not (port.isascii() and port.isdigit() and len(port) <= 5 and int(port) <= 65535):
        raise click.BadParameter(f"{shown}: the port must be a number from 0 to 65535")
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
            probe.bind((host, int(port)))
    except OSError as exc:
        raise click.BadParameter(f"{shown}: cannot listen there: {exc.strerror or exc}") from None
    return value


def _address_family(host: str) -> int | None:
    """The socket family of ``host`` as MkDocs' server binds it, or None for a host MkDocs
    refuses (a name other than localhost)."""
    import ipaddress
    import socket

    if host == "localhost":
        return socket.AF_INET
    try:
        return socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
    except ValueError:
        return None


@site.command("serve")
@sources_option
@db_option
@config_option
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True, callback=_listenable,
              help="Address to serve on.")
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
    """Deploy VERSION (a data release, YYYY.MM, or dev) with mike to the local gh-pages branch.

    A version not yet released is first cut with `her2db release` (and taken back if the
    deploy fails); a recorded one is deployed as it is. `dev` deploys the working copy of
    the data as "dev (unreleased)" beside the releases, for review: no release is cut, and it
    takes no alias (the default version stays the latest release). Nothing is pushed:
    publishing the branch is your choice (git push origin gh-pages).

    \b
    Examples:
        her2db site deploy 2026.12 --alias latest
        her2db site deploy dev
    """
    import contextlib

    from ..read import release as release_module

    site_module = _site_module()
    preview = version == site_module.DEV_LABEL
    try:
        if preview and alias:
            raise click.UsageError(f"{version} is a preview of unreleased data: it takes no alias "
                                   "(point aliases such as latest at a release)")
        if not preview:
            release_module.check_version(version)
        site_module.check_deployable(config)
    except (release_module.ReleaseError, site_module.SiteError) as exc:
        raise click.ClickException(str(exc)) from exc
    _fresh_database(db_path, sources)
    conn = open_db(db_path)
    try:
        recorded = preview or conn.execute("SELECT 1 FROM release WHERE version = ?", (version,)).fetchone()
    finally:
        conn.close()
    cut = None if recorded else cut_release(version, sources, db_path, today())
    try:
        with release_module.undone_on_failure(cut, sources, db_path) if cut else contextlib.nullcontext():
            site_module.deploy(version, db_path, alias=alias, config=config, branch=branch,
                               title=f"{version} (unreleased)" if preview else None)
    except site_module.SiteError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Deployed {version} to the local {branch} branch")


COMMANDS = (site,)
