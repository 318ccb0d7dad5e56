"""Build, preview and deploy the reference site (MkDocs Material, mkdocs-macros, mike).

The site is generated in two steps. First this module writes what MkDocs cannot make
itself into the docs folder: one real Markdown page per study (so MkDocs, search and the tags
plugin see ordinary files), the forest plots, and the download files. Then MkDocs builds,
always ``--strict``; the hand-written pages call macros (``her2db/macros.py``) that read the
same database through the same named queries and templates. Rendering lives here, once, for
both paths: Jinja2 with autoescaping, and every value escaped for HTML *and* Markdown, so a
curated string can never become markup, a table column or a Jinja expression.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from mkdocs.utils import yaml_load
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from . import assets, curated, sitequeries
from .db import connect
from .files import dump_tree, read_document, write_atomic
from .load import LoadError, load, source_files, sources_digest
from .plots import ForestRow, forest_svg
from .queries import plain_number
from .validate import RELEASES_FILE

TEMPLATES = Path(__file__).resolve().parent / "templates"
DB_ENV = "HER2DB_SITE_DB"  # tells the macros module (inside mkdocs) which database to read
URL_ENV = "HER2DB_SITE_DATABASE_URL"  # ... or which --database-url, when the site reads one
STUDIES_DIR = "studies"
FIGURES_DIR = "figures"
DOWNLOADS_DIR = "downloads"
FIRST_LINE_FOREST = "first-line-pfs-hr.svg"
DEV_LABEL = "dev"
VERSION_RE = re.compile(r"^\d{4}\.(0[1-9]|1[0-2])$")

# Characters that mean something to HTML, to Markdown (emphasis, code, links, tables,
# headings, attribute lists) or to Jinja; each becomes a numeric character reference, which
# browsers and the search indexer read back as the character itself.
_ESCAPES = {ord(c): f"&#{ord(c)};" for c in "&<>\"'\\`*_[]{}|#~^$"}
_WHITESPACE = re.compile(r"\s+")


class SiteError(Exception):
    """The site could not be built or deployed; the message says why (with mkdocs' output)."""


@dataclass
class SiteBuild:
    """What a build produced: the site folder, its number of pages (of which study pages)."""

    out_dir: Path
    pages: int
    studies: int
    docs_dir: Path
    label: str


# --- rendering ---------------------------------------------------------------------------


def escape(value: Any) -> Markup:
    """``value`` as text safe in HTML, in Markdown (also inside table cells) and in Jinja.
    Runs of whitespace become one space, so no value can break a line or a table row."""
    return Markup(_WHITESPACE.sub(" ", str(value)).translate(_ESCAPES))


def _finalize(value: Any) -> Any:
    """Applied to every ``{{ }}``: templates' own markup passes, everything else is escaped."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return ""
    return escape(value)


def num(value: Any, decimals: int = 0) -> str:
    """A stored number as the curator entered it (0.00001 not 1e-05, 49 not 49.0), with at
    least ``decimals`` decimals."""
    if value is None:
        return "—"
    if isinstance(value, bool) or (isinstance(value, int) and not decimals):
        return str(value)
    text = str(plain_number(float(value)))
    if decimals:
        whole, _, fraction = text.partition(".")
        text = f"{whole}.{fraction.ljust(decimals, '0')}"
    return text


def _decimals(row: dict[str, Any]) -> int:
    """Ratios (HR, OR, RR) are printed with two decimals by convention: 0.30, not 0.3."""
    return 2 if row.get("measure") in curated.RATIO_MEASURES else 0


def ci(row: dict[str, Any]) -> str:
    """"0.44–0.71"; a level other than 95% is named ("90% CI 0.5–0.9")."""
    if row.get("ci_low") is None and row.get("ci_high") is None:
        return ""
    level = row.get("ci_level")
    prefix = f"{num(level)}% CI " if level is not None and level != 95 else ""
    digits = _decimals(row)
    return f"{prefix}{num(row.get('ci_low'), digits)}–{num(row.get('ci_high'), digits)}"


def effect(row: dict[str, Any], measure: bool = True) -> str:
    """A comparison's estimate with its CI: "HR 0.56 (0.44–0.71)"."""
    interval = ci(row)
    text = f"{num(row['estimate'], _decimals(row))} ({interval or 'CI not reported'})"
    return f"{row['measure']} {text}" if measure else text


def p_value(row: dict[str, Any]) -> str:
    if row.get("p_value") is None:
        return ""
    return f"p {row.get('p_operator') or '='} {num(row['p_value'])}"


def amount(value: Any, unit: str | None) -> str:
    """A number with its unit: 70.1%, 40.7 months, 0.67."""
    if unit == curated.PERCENT_UNIT:
        return f"{num(value)}%"
    return f"{num(value)} {unit}" if unit else num(value)


def result_value(row: dict[str, Any]) -> str:
    """An arm result's value: NR / NE flags, the number and unit, and its CI."""
    if row.get("not_reached"):
        text = "NR"
    elif row.get("not_estimable"):
        text = "NE"
    elif row.get("value") is None:
        text = "—"
    else:
        text = amount(row["value"], row.get("unit"))
    if interval := ci(row):
        text += f" ({interval})"
    return text


def statistic(row: dict[str, Any]) -> str:
    text = row["statistic"]
    if row.get("timepoint_months") is not None:
        text += f" at {num(row['timepoint_months'])} months"
    return text


def grade(value: str) -> str:
    return {"any": "any grade", ">=3": "grade ≥3", "3-4": "grade 3–4", ">=4": "grade ≥4",
            "5": "grade 5", "<=2": "grade ≤2"}.get(value, f"grade {value}")


def ae_value(row: dict[str, Any] | None) -> str:
    """An adverse-event cell the way safety tables print it: n (%), or whichever is known;
    percentages with one decimal at least, as those tables do (1.0, not 1)."""
    if row is None:
        return "—"
    if row.get("n") is not None and row.get("pct") is not None:
        return f"{num(row['n'])} ({num(row['pct'], 1)})"
    if row.get("pct") is not None:
        return f"{num(row['pct'], 1)}%"
    return num(row.get("n"))


def provenance(row: dict[str, Any]) -> str:
    """Where a number was read: source id, locator, the primary publication and the quote."""
    text = f"Source: {row['source_id']}, {row['locator']}"
    if row.get("cites"):
        text += f" (cites {row['cites']})"
    if row.get("quote"):
        text += f". Quote: “{row['quote']}”"
    return text


AE_CATEGORIES = {
    "teae": "Treatment-emergent adverse events (TEAEs)",
    "treatment-related": "Treatment-related adverse events",
    "serious": "Serious adverse events",
    "leading to discontinuation": "Adverse events leading to discontinuation",
    "leading to dose reduction": "Adverse events leading to dose reduction",
    "leading to interruption": "Adverse events leading to interruption",
    "adjudicated": "Adjudicated adverse events",
}


def ae_category(category: str, short: bool = False) -> str:
    """The heading of a category, or (``short``) the label beside a term in a mixed table."""
    if short:
        return "TEAE" if category == "teae" else category
    return AE_CATEGORIES.get(category, category)


def abbreviation(code: str) -> str:
    """The short form of an endpoint code as readers know it (CNS_PFS is CNS-PFS); long codes
    such as TREATMENT_DURATION are names, not abbreviations, and have none."""
    return code.replace("_", "-") if len(code) <= 7 else ""


def endpoint_name(code: str, label: str) -> str:
    """"CNS progression-free survival (CNS-PFS)": the label, and the abbreviation if any."""
    short = abbreviation(code)
    return f"{label} ({short})" if short else label


def href(path: str) -> Markup:
    """A relative link target, percent-encoded (``_`` stays: it is harmless in a URL)."""
    return Markup(quote(path, safe="/#.-_~"))


def external(url: str | None) -> Markup | None:
    """An http(s) URL, percent-encoded where needed; any other scheme (javascript:, data:)
    gives None, so templates print the text without a link."""
    if not url or urlsplit(url).scheme not in ("http", "https"):
        return None
    return Markup(quote(url, safe=":/?#=&%.-_~+,;@!"))


def filesize(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    return f"{size / 1000:.1f} kB" if size < 1_000_000 else f"{size / 1_000_000:.1f} MB"


def registry_url(registry_id: str | None) -> str | None:
    match = re.search(r"NCT\d{8}", registry_id or "")
    return f"https://clinicaltrials.gov/study/{match.group(0)}" if match else None


def front_matter(value: Any) -> Markup:
    """A YAML (JSON) string of the escaped value (or of already safe markup, e.g. a captured
    ``{% set %}`` block), for a page's front matter."""
    safe = value if isinstance(value, Markup) else escape(value)
    return Markup(json.dumps(str(safe), ensure_ascii=False))


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, finalize=_finalize,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters.update(num=num, ci=ci, effect=effect, p_value=p_value, amount=amount,
                       result_value=result_value, statistic=statistic, grade=grade,
                       ae_value=ae_value, provenance=provenance, abbreviation=abbreviation,
                       endpoint_name=endpoint_name, ae_category=ae_category,
                       registry_url=registry_url, href=href, external=external,
                       filesize=filesize, front_matter=front_matter)
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


# --- configuration and database ----------------------------------------------------------


@dataclass
class Config:
    path: Path
    docs_dir: Path
    site_dir: Path


def read_config(config: Path) -> Config:
    """The folders of the MkDocs configuration, resolved against the file's directory."""
    if not config.is_file():
        raise SiteError(f"MkDocs configuration {config} not found")
    with config.open("rb") as handle:
        data = yaml_load(handle) or {}
    base = config.resolve().parent
    return Config(config.resolve(), base / data.get("docs_dir", "docs"), base / data.get("site_dir", "site"))


def ensure_database(db_path: Path, sources: Path, database_url: str | None = None) -> bool:
    """(Re)load the database if it is missing or older than any curated file (for PostgreSQL:
    loaded from other sources than these, by the digest the load stored); True if loaded."""
    if database_url is not None:
        from . import pg

        if pg.stored_digest(database_url) == sources_digest(sources):
            return False
        load(sources, db_path, database_url=database_url)
        return True
    newest = max((p.stat().st_mtime for p in source_files(sources, db_path)), default=0.0)
    if db_path.exists() and db_path.stat().st_mtime >= newest:
        return False
    load(sources, db_path)
    return True


@contextmanager
def _connection(db_path: Path, database_url: str | None = None) -> Iterator[sqlite3.Connection]:
    conn = connect(db_path, database_url)
    try:
        yield conn
    finally:
        conn.close()


# --- generated files ---------------------------------------------------------------------


def _fresh_dir(path: Path) -> Path:
    """Empty ``path`` and mark it ignored by git: it holds build output inside the docs."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    (path / ".gitignore").write_text("# generated by `her2db site build`\n*\n", encoding="utf-8")
    return path


def forest_rows(comparisons: list[dict[str, Any]], label_key: str,
                emphasize_whole: bool = True) -> list[ForestRow]:
    """Plot rows of comparisons; the whole-population row stands out among subgroups."""
    return [ForestRow(label=c[label_key] or "Whole population", estimate=c["estimate"],
                      ci_low=c["ci_low"], ci_high=c["ci_high"], text=effect(c, measure=False),
                      emphasis=emphasize_whole and c["subgroup"] is None)
            for c in comparisons]


def write_study_pages(conn: sqlite3.Connection, docs_dir: Path) -> int:
    """One Markdown page per study, with its forest plots, into ``<docs_dir>/studies``."""
    out = _fresh_dir(docs_dir / STUDIES_DIR)
    ids = sitequeries.study_ids(conn)
    for study_id in ids:
        page = sitequeries.study_page(conn, study_id)
        assert page is not None
        for forest in page.forests:
            title = f"{forest.endpoint}: {forest.experimental_arm} vs {forest.control_arm}"
            forest_svg(forest_rows(forest.rows, "subgroup"), out / "img" / f"{forest.slug}.svg", title)
        (out / f"{study_id}.md").write_text(render("study.md", page=page, root="../"), encoding="utf-8")
    return len(ids)


def write_figures(conn: sqlite3.Connection, docs_dir: Path) -> None:
    """The cross-study figures of the comparison pages."""
    out = _fresh_dir(docs_dir / FIGURES_DIR)
    hrs = sitequeries.first_line_pfs_hrs(conn)
    for hr in hrs:
        hr["forest_label"] = f"{hr['acronym']} ({hr['analysis']})" if hr["analysis"] else hr["acronym"]
    if hrs:
        forest_svg(forest_rows(hrs, "forest_label", emphasize_whole=False), out / FIRST_LINE_FOREST,
                   "PFS, whole population: first-line and maintenance trials")


def download_name(label: str, view: str | None = None, suffix: str = ".sqlite") -> str:
    return f"her2db-{label}-{view}{suffix}" if view else f"her2db-{label}{suffix}"


_DOWNLOAD_RE = re.compile(r"^her2db-(?P<label>[0-9a-z.]+?)(?:-(?P<view>v_[a-z_]+))?\.(?P<format>sqlite|csv|json)$")


def download_files(docs_dir: Path) -> list[dict[str, Any]]:
    """The files ``write_downloads`` left in the docs folder, described for the downloads page."""
    out = []
    for path in sorted((docs_dir / DOWNLOADS_DIR).glob("her2db-*")):
        if match := _DOWNLOAD_RE.match(path.name):
            out.append({"name": path.name, "size": path.stat().st_size, **match.groupdict()})
    return sorted(out, key=lambda f: f["view"] is not None)  # the database first


def write_downloads(conn: sqlite3.Connection, db_path: Path, docs_dir: Path, label: str) -> None:
    """The SQLite file and CSV and JSON of every public view, the release in the names."""
    out = _fresh_dir(docs_dir / DOWNLOADS_DIR)
    shutil.copyfile(db_path, out / download_name(label))
    for view in sitequeries.public_views(conn):
        columns, rows = sitequeries.view_rows(conn, view)
        with (out / download_name(label, view, ".csv")).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(rows)
        (out / download_name(label, view, ".json")).write_text(
            json.dumps([dict(zip(columns, row)) for row in rows], indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8")


def generate(db_path: Path, cfg: Config, label: str, database_url: str | None = None) -> int:
    """Write every generated file into the docs folder; return the number of study pages.
    Pages are read from ``database_url`` when given; ``db_path`` is the SQLite download."""
    with _connection(db_path, database_url) as conn:
        studies = write_study_pages(conn, cfg.docs_dir)
        write_figures(conn, cfg.docs_dir)
        write_downloads(conn, db_path, cfg.docs_dir, label)
    assets.write_assets(cfg.path.parent, cfg.docs_dir)
    return studies


# --- running MkDocs and mike -------------------------------------------------------------


def _env(db_path: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment of mkdocs and mike: our database, and this interpreter's scripts first
    on PATH (mike runs ``mkdocs`` by name)."""
    env = dict(os.environ)
    env[DB_ENV] = str(db_path.resolve())
    env.pop(URL_ENV, None)
    if database_url is not None:
        env[URL_ENV] = database_url
    env["NO_MKDOCS_2_WARNING"] = "1"  # the successor notice would bury real warnings
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def _run(command: list[str], cfg: Config, db_path: Path, what: str, database_url: str | None = None) -> None:
    """Run mkdocs or mike quietly; on failure their whole output goes into the SiteError."""
    result = subprocess.run(command, cwd=cfg.path.parent, env=_env(db_path, database_url),
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise SiteError(f"{what} failed (exit {result.returncode}):\n{output}")


def _mkdocs(args: list[str], cfg: Config) -> list[str]:
    return [sys.executable, "-m", "mkdocs", *args, "--config-file", str(cfg.path)]


def _mike(args: list[str], cfg: Config, branch: str) -> list[str]:
    mike = shutil.which("mike", path=str(Path(sys.executable).parent)) or shutil.which("mike")
    if mike is None:
        raise SiteError("mike is not installed (pip install mike)")
    return [mike, *args, "--config-file", str(cfg.path), "--branch", branch]


def _count_pages(docs_dir: Path) -> int:
    return sum(1 for _ in docs_dir.rglob("*.md"))


def build(db_path: Path, sources: Path, config: Path = Path("mkdocs.yml"),
          database_url: str | None = None) -> SiteBuild:
    """Reload the database if its sources changed, generate the pages, run ``mkdocs build
    --strict``. Downloads are labelled "dev": only ``deploy`` names a release. With
    ``database_url`` the pages are read from that database; the SQLite download (and the
    Query page's database) is then loaded from the same sources into a temporary file."""
    cfg = read_config(config)
    ensure_database(db_path, sources, database_url)
    mkdocs = _mkdocs(["build", "--strict", "--clean"], cfg)
    if database_url is None:
        studies = generate(db_path, cfg, DEV_LABEL)
        _run(mkdocs, cfg, db_path, "mkdocs build")
    else:
        with tempfile.TemporaryDirectory(prefix="her2db-site-") as tmp:
            download = Path(tmp) / "her2db.sqlite"
            load(sources, download)
            studies = generate(download, cfg, DEV_LABEL, database_url)
            _run(mkdocs, cfg, download, "mkdocs build", database_url)
    return SiteBuild(cfg.site_dir, _count_pages(cfg.docs_dir), studies, cfg.docs_dir, DEV_LABEL)


def _load_or_fail(db_path: Path, sources: Path, force: bool = False) -> None:
    """Load like ``build`` does, but report data errors as a ``SiteError``."""
    try:
        if force:
            load(sources, db_path)
        else:
            ensure_database(db_path, sources)
    except LoadError as exc:
        problems = "\n".join(str(p) for p in exc.report.errors)
        raise SiteError(f"{exc}; fix them and retry:\n{problems}") from exc


def serve(db_path: Path, sources: Path, config: Path = Path("mkdocs.yml"),
          dev_addr: str = "127.0.0.1:8000") -> None:
    """Generate the pages, then preview with ``mkdocs serve`` until interrupted. Edits to
    hand-written pages reload live; edits to curated data need a restart (pages are
    generated once)."""
    cfg = read_config(config)
    _load_or_fail(db_path, sources)
    generate(db_path, cfg, DEV_LABEL)
    try:
        subprocess.run(_mkdocs(["serve", "--dev-addr", dev_addr], cfg), cwd=cfg.path.parent,
                       env=_env(db_path), check=True)
    except subprocess.CalledProcessError as exc:
        raise SiteError(f"mkdocs serve failed (exit {exc.returncode})") from exc
    except KeyboardInterrupt:
        pass


# --- releases ----------------------------------------------------------------------------


def record_release(version: str, db_path: Path, sources: Path, date: str) -> curated.ReleaseEntry:
    """Add (or, for a re-deploy, update) ``version`` in ``<sources>/releases.yaml`` with the
    database's counts, keeping the file's comments, and write it atomically."""
    with _connection(db_path) as conn:
        totals = sitequeries.totals(conn)
    entry = curated.ReleaseEntry(version=version, date=date, studies=totals["studies"],
                                 results=totals["results"], comparisons=totals["comparisons"],
                                 adverse_events=totals["adverse_events"])
    path = sources / RELEASES_FILE
    if path.exists():
        tree = read_document(path).tree
    else:
        tree = CommentedMap()
        tree.yaml_set_start_comment("Data releases, one per `her2db site deploy VERSION`.")
    if not isinstance(tree.get("releases"), CommentedSeq):
        tree["releases"] = CommentedSeq()
    item = CommentedMap()
    for key, value in entry.model_dump(exclude_none=True).items():
        item[key] = DoubleQuotedScalarString(value) if isinstance(value, str) else value
    releases = tree["releases"]
    existing = [i for i, r in enumerate(releases) if str(r.get("version")) == version]
    if existing:
        releases[existing[0]] = item
    else:
        releases.append(item)
    write_atomic(path, dump_tree(tree))
    return entry


def _check_git(cfg: Config) -> None:
    """mike commits each version to a branch and names the source commit in its message."""
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


def deploy(version: str, db_path: Path, sources: Path, alias: str | None = None,
           config: Path = Path("mkdocs.yml"), branch: str = "gh-pages") -> curated.ReleaseEntry:
    """Record release ``version`` (YYYY.MM), build the site with it and commit it with mike to
    the local ``branch`` (never pushed); ``alias`` (e.g. latest) is moved to it and becomes
    the default version. If mike fails, the release file is restored."""
    if not VERSION_RE.match(version):
        raise SiteError(f"release version {version!r} must be YYYY.MM, e.g. 2026.02")
    cfg = read_config(config)
    _check_git(cfg)
    _load_or_fail(db_path, sources)
    releases_path = sources / RELEASES_FILE
    previous = releases_path.read_text(encoding="utf-8") if releases_path.exists() else None
    entry = record_release(version, db_path, sources, dt.date.today().isoformat())
    try:
        _load_or_fail(db_path, sources, force=True)
        generate(db_path, cfg, version)
        _run(_mike(["deploy", *(["--update-aliases"] if alias else []), version,
                    *([alias] if alias else [])], cfg, branch), cfg, db_path, "mike deploy")
        if alias:
            _run(_mike(["set-default", alias], cfg, branch), cfg, db_path, "mike set-default")
    except BaseException:
        if previous is None:
            releases_path.unlink(missing_ok=True)
        else:
            write_atomic(releases_path, previous)
        load(sources, db_path)
        raise
    return entry
