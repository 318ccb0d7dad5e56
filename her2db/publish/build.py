"""Build, preview and deploy the reference site (MkDocs Material, mkdocs-macros, mike):
orchestration only.

MkDocs does the work, always ``--strict``: the her2db plugin (``plugin.py``) adds what is
generated from the database (one page per study, the downloads, sql.js) as virtual files,
never written into the docs folder, and the hand-written pages call macros (``macros.py``) that
read the same database through the same named queries and templates (``render``). This module
runs ``mkdocs build``, ``mkdocs serve`` or ``mike deploy`` with the database in the environment
variables the plugin's options read (``!ENV`` in mkdocs.yml; the release is the version mike
builds), and skips a build whose inputs did not change (``buildcache``).

Data flows one way: curated sources -> database -> site. This module only reads the database
it is given; reloading it from the sources and recording releases are the CLI's job
(``load``, ``release``), so a site build can never change the curated data.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..model.project import SITE_URL_ENV
from ..util.digest import UnreadableFile, check_plain, files_under
from ..util.paths import UnsafePath
from . import assets, buildcache
from .config import DEV_LABEL, Config, SiteError, read_config

BUILD_STAMP = ".her2db-build.json"  # in the site folder, written after mkdocs build
SITE_MARKER = ".her2db-site"  # in the site folder, written once the first build wrote into it
# What mkdocs.yml's her2db plugin options read (``database: !ENV [HER2DB_SITE_DB, ...]``).
DATABASE_ENV = "HER2DB_SITE_DB"
DATABASE_URL_ENV = "HER2DB_SITE_DATABASE_URL"


@dataclass
class SiteBuild:
    """What a build produced: the site folder, its number of pages (of which study pages)."""

    out_dir: Path
    pages: int
    studies: int
    docs_dir: Path
    label: str


# --- running MkDocs and mike -------------------------------------------------------------


def _env(db_path: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment of mkdocs and mike: the plugin's database (an absolute path, which
    ``!ENV`` reads as text), and this interpreter's scripts first on PATH (mike runs ``mkdocs``
    by name)."""
    env = dict(os.environ)
    env[DATABASE_ENV] = str(db_path.resolve())
    env.pop(DATABASE_URL_ENV, None)
    if database_url is not None:
        env[DATABASE_URL_ENV] = database_url
    env["NO_MKDOCS_2_WARNING"] = "1"  # the successor notice would bury real warnings
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def _run(command: list[str], cfg: Config, env: dict[str, str], what: str) -> None:
    """Run mkdocs or mike quietly; on failure their whole output goes into the SiteError."""
    result = subprocess.run(command, cwd=cfg.path.parent, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise SiteError(f"{what} failed (exit {result.returncode}):\n{output}")


def _mkdocs(args: list[str], cfg: Config) -> list[str]:
    """MkDocs on this interpreter; ``-P``: its plugin and macros are this installed her2db, as
    under mike (which runs the ``mkdocs`` script), never a ``her2db`` folder in the project."""
    return [sys.executable, "-P", "-m", "mkdocs", *args, "--config-file", str(cfg.path)]


def _mike(args: list[str], cfg: Config, branch: str) -> list[str]:
    mike = shutil.which("mike", path=str(Path(sys.executable).parent)) or shutil.which("mike")
    if mike is None:
        raise SiteError("mike is not installed (pip install mike)")
    return [mike, *args, "--config-file", str(cfg.path), "--branch", branch]


def _count_studies(db_path: Path, database_url: str | None) -> int:
    """The number of study pages the plugin generates (one per study)."""
    from ..read import named  # here, as the database itself: a build skipped on ``stat`` opens neither
    from ..store.connect import connect

    conn = connect(db_path, database_url)
    try:
        return len(named.study_ids(conn))
    finally:
        conn.close()


def build(db_path: Path, config: Path = Path("mkdocs.yml"), database_url: str | None = None,
          force: bool = False, sources: Path | None = None, reload: Callable[[], None] | None = None
          ) -> SiteBuild:
    """Run ``mkdocs build --strict`` on the database. Downloads are labelled "dev": only
    ``deploy`` names a release. With ``database_url`` every page is read from that database
    (PostgreSQL); ``db_path`` is then the SQLite file offered for download and queried by the
    Query page. The build is skipped when what it reads did not change since it last ran and
    what it wrote is untouched (``buildcache``): the configuration, every file of the docs
    folder, the SQLite database, sql.js, the macros and the package's code, the tools'
    versions; ``force`` (or a ``database_url``, whose content no digest sees) always runs it.

    ``sources`` are the curated files the database is loaded from and ``reload`` the caller's
    reload of the database when they changed: when neither they, the database nor any other
    input changed since the last build (``stat``), the build is skipped without calling it."""
    cfg = read_config(config)
    stamp = cfg.site_dir / BUILD_STAMP
    sqljs = assets.sqljs_files(cfg.path.parent)
    macros = [cfg.macros_dir] if cfg.macros_dir else []

    def look() -> buildcache.Manifest:
        seen = buildcache.stats([cfg.path, cfg.docs_dir, *sqljs, *macros, db_path], sources)
        seen[f"{SITE_URL_ENV}=" + os.environ.get(SITE_URL_ENV, "")] = []
        return seen

    def read_inputs() -> str:
        try:
            return buildcache.digest(cfg.path, os.environ.get(SITE_URL_ENV, ""), cfg.docs_dir, db_path,
                                     buildcache.code_digest(), sqljs, *macros)
        except UnreadableFile as exc:
            raise _unreadable(exc) from exc

    seen, taken = None, buildcache.now_ns()
    if sources is not None and not force and database_url is None:
        seen = look()
        if last := buildcache.unchanged(stamp, seen, [cfg.site_dir]):
            return SiteBuild(cfg.site_dir, last["pages"], last["studies"], cfg.docs_dir, DEV_LABEL)
    if reload is not None:
        reload()
    if seen is not None:
        seen.update(buildcache.stats([db_path]))  # as reloaded, before the digest reads it
    studies = _count_studies(db_path, database_url)
    inputs = read_inputs()
    pages = sum(1 for _ in cfg.docs_dir.rglob("*.md")) + studies
    stale = force or database_url is not None or not buildcache.up_to_date(stamp, inputs, [cfg.site_dir])
    if stale:
        with _site_folder(cfg.site_dir):
            _run(_mkdocs(["build", "--strict", "--clean"], cfg), cfg, _env(db_path, database_url), "mkdocs build")
        if seen is not None and sources is not None and buildcache.racy(seen, taken):
            # An input changed just before it was read (the database, reloaded a moment ago), so
            # its ``stat`` alone cannot vouch for it next time. Once the build is over the clock has
            # moved on: look again, and when every input's content is still what the build read
            # (the curated files: what the database was loaded from), that ``stat`` can (git
            # refreshes its "racily clean" entries the same way, after reading their content).
            from ..store.write import is_current  # here: only after a build, never on a skip

            now = buildcache.now_ns()
            again = look()
            if not buildcache.racy(again, now) and read_inputs() == inputs and is_current(db_path, sources):
                seen, taken = again, now
    if stale or seen is not None:
        try:
            buildcache.write_stamp(stamp, inputs, [cfg.site_dir], seen, pages=pages, studies=studies, taken=taken)
        except OSError:
            pass  # a stamp that cannot be written (a folder in its place) only means MkDocs runs next time
    return SiteBuild(cfg.site_dir, pages, studies, cfg.docs_dir, DEV_LABEL)


@contextmanager
def _site_folder(site_dir: Path) -> Iterator[None]:
    """Around a run of MkDocs (or mike) into ``site_dir``: the folder checked, and a new or
    empty one marked as a build's before MkDocs writes (a build killed half-way leaves a folder
    the next build may empty). If the run fails having written nothing there (a configuration
    MkDocs refuses), the mark, and the folder if this run made it, are taken back."""
    _check_site_folder(site_dir)
    made, fresh = not site_dir.exists(), not _built_here(site_dir)
    if fresh:
        try:
            site_dir.mkdir(parents=True, exist_ok=True)
            (site_dir / SITE_MARKER).write_text("Written by `her2db site build`: every build empties this "
                                                "folder.\n", encoding="utf-8")
        except OSError as exc:
            raise SiteError(f"cannot write the site into {site_dir}: {exc.strerror or exc}") from exc
    try:
        yield
    except BaseException:
        if fresh and not any(not name.startswith(".") for name in os.listdir(site_dir)):
            (site_dir / SITE_MARKER).unlink(missing_ok=True)
            if made and not os.listdir(site_dir):
                site_dir.rmdir()
        raise


def _built_here(site_dir: Path) -> bool:
    """Whether ``site_dir`` holds the marker or the stamp of a build (dotfiles MkDocs keeps)."""
    return any((site_dir / mark).is_file() for mark in (SITE_MARKER, BUILD_STAMP))


def _unreadable(exc: UnreadableFile) -> SiteError:
    """A file of the docs (or macros) folder that is no plain file, said before MkDocs reads it."""
    return SiteError(f"{exc}: a site build reads every file of the docs folder and of the "
                     "macros' folder, so move it out of them")


def _check_docs(cfg: Config) -> None:
    """Every file MkDocs is to read is a plain file (``check_plain``), checked unread: MkDocs
    would wait on a pipe for ever, or stop with a traceback."""
    try:
        for path in [*files_under(cfg.docs_dir), *(files_under(cfg.macros_dir) if cfg.macros_dir else [])]:
            check_plain(path)
    except UnreadableFile as exc:
        raise _unreadable(exc) from exc


def _check_site_folder(site_dir: Path) -> None:
    """Before MkDocs runs: its ``--clean`` empties the site folder (all but dotfiles), so the
    folder must be new, empty or one a build wrote (its marker or stamp)."""
    try:
        if site_dir.is_dir() and not _built_here(site_dir):
            theirs = sorted(name for name in os.listdir(site_dir) if not name.startswith("."))
            if theirs:
                raise SiteError(f"the site folder {site_dir} holds files a site build did not write "
                                f"({', '.join(theirs[:5])}): a build empties its folder, so it is not used; "
                                "name a new or empty folder as site_dir in the configuration")
    except OSError as exc:
        raise SiteError(f"cannot write the site into {site_dir}: {exc.strerror or exc}") from exc


def serve(db_path: Path, config: Path = Path("mkdocs.yml"), dev_addr: str = "127.0.0.1:8000") -> None:
    """Preview with ``mkdocs serve`` until interrupted. Edits to hand-written pages reload
    live; edits to curated data need a restart (the command reloads the database once)."""
    cfg = read_config(config)
    assets.sqljs_dir(cfg.path.parent)  # missing, a SiteError before the server starts
    _check_docs(cfg)
    try:
        subprocess.run(_mkdocs(["serve", "--dev-addr", dev_addr], cfg), cwd=cfg.path.parent,
                       env=_env(db_path), check=True)
    except subprocess.CalledProcessError as exc:
        raise SiteError(f"mkdocs serve failed (exit {exc.returncode})") from exc
    except KeyboardInterrupt:
        pass


# --- deploying ---------------------------------------------------------------------------


def check_deployable(config: Path) -> Config:
    """Refuse a deploy before anything is written: mike needs a git repository with a commit
    (it commits each version to a branch and names the source commit in its message)."""
    cfg = read_config(config)

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=cfg.path.parent, capture_output=True, text=True,
                              check=False)

    inside = git("rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        raise SiteError(f"{cfg.path.parent} is not inside a git repository: mike deploys each "
                        "version as a commit on a branch (run `git init` and commit first)")
    if git("rev-parse", "--verify", "--quiet", "HEAD").returncode != 0:
        raise SiteError(f"the git repository of {cfg.path.parent} has no commit yet: commit the "
                        "project first (mike names the source commit of each deploy)")
    return cfg


def deploy(version: str, db_path: Path, alias: str | None = None, config: Path = Path("mkdocs.yml"),
           branch: str = "gh-pages", title: str | None = None) -> None:
    """Build the site of release ``version`` from the database and commit it with mike to the
    local ``branch`` (never pushed); ``alias`` (e.g. latest) is moved to it and becomes the
    default version; ``title`` is what the version selector shows (else the version).
    Checking and recording the release is the caller's (``her2db release``); the version
    names the download files, so it must be a safe file name."""
    from . import generated  # here: the pages' code is MkDocs' to import, not a rebuild's

    try:
        generated.database_path(version)
    except UnsafePath as exc:
        raise SiteError(str(exc)) from exc
    cfg = check_deployable(config)
    assets.sqljs_dir(cfg.path.parent)
    _check_docs(cfg)  # mike's MkDocs would wait on a pipe for ever, a release already cut
    env = _env(db_path)
    with _site_folder(cfg.site_dir):  # mike's build empties it as ours does
        _run(_mike(["deploy", *(["--update-aliases"] if alias else []), *(["--title", title] if title else []),
                    version, *([alias] if alias else [])], cfg, branch), cfg, env, "mike deploy")
    if alias:
        _run(_mike(["set-default", alias], cfg, branch), cfg, env, "mike set-default")
