"""Benchmark her2db against floors measured in the same run, on synthetic corpora.

    python scripts/bench.py [--studies 100 1000] [--runs 5] [--site-runs 3] [--plans]

Every figure is the median of ``--runs`` runs, each a separate process, timed from the outside,
with its peak resident memory from the OS (``os.wait4``, which counts the process's own
children too, e.g. the ``mkdocs build`` a site build starts); no tracemalloc. Each run of a
figure alternates with a run of its floor, so a busy machine slows both alike. The floors:

- load: ``scripts/floor_load.py``, the same files parsed by PyYAML's C loader and inserted with
  ``sqlite3.executemany`` in one transaction, nothing checked;
- validate with one warning in every file: a clean ``validate`` of the same corpus;
- start-up: ``python -c pass``;
- site build: ``scripts/floor_site.py``, plain ``mkdocs build`` of the same pages, pre-written,
  with the same theme; a second build with nothing changed is compared with the first;
- queries: each public view filtered by study_id, endpoint or term, in this process (median of
  ``--runs``), against the 20 ms target; ``--plans`` prints SQLite's query plans.
- the Query page (with the site): bytes transferred and seconds from opening the page to its
  first result, in Debian's Chromium on the built site served from 127.0.0.1
  (``scripts/bench_query_page.py``), against the 3 MB and 1 s targets.

The corpus is ``scripts/synth.py``'s, the same seed for every size. It prints each figure with
its floor, the ratio, the target and whether it holds. Not a test: nothing here asserts times.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import bench_query_page  # noqa: E402  (scripts beside this one)
import synth  # noqa: E402

PYTHON = sys.executable
HER2DB = [PYTHON, "-c", "from her2db.cli import cli; cli(prog_name='her2db')"]
BIN_HER2DB = Path(PYTHON).parent / "her2db"
if BIN_HER2DB.exists():  # the console script, as a user runs it
    HER2DB = [str(BIN_HER2DB)]

# view, filter column, a value present in the synthetic corpus
VIEW_FILTERS = [
    ("v_studies", "study_id"), ("v_arm_results", "study_id"), ("v_arm_results", "endpoint"),
    ("v_comparisons", "study_id"), ("v_comparisons", "endpoint"), ("v_adverse_events", "study_id"),
    ("v_adverse_events", "term"), ("v_characteristics", "study_id"), ("v_populations", "study_id"),
    ("v_analyses", "study_id"), ("v_study_endpoints", "study_id"), ("v_study_endpoints", "endpoint"),
    ("v_study_field_basis", "study_id"),
]
FILTER_VALUES = {"study_id": "synthetic-00003", "endpoint": "PFS", "term": "neutropenia"}
QUERY_TARGET_MS = 20.0
STARTUP_TARGET_S = 0.15


@dataclass
class Sample:
    seconds: float
    rss_mib: float


@dataclass
class Figure:
    name: str
    ours: list[Sample] = field(default_factory=list)
    floor: list[Sample] = field(default_factory=list)
    floor_name: str = ""

    def median(self, which: str, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in getattr(self, which))


def run(command: list[str], cwd: Path | None = None) -> Sample:
    """Run ``command`` to completion: wall time and the peak resident memory the OS reports."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(command)} failed (exit {proc.returncode}):\n"
                             f"{err.read().decode(errors='replace')[-3000:]}")
    return Sample(seconds, usage.ru_maxrss / 1024)  # ru_maxrss is in KiB on Linux


def interleave(figure: Figure, runs: int, ours: Callable[[], Sample], floor: Callable[[], Sample]) -> Figure:
    for _ in range(runs):
        figure.ours.append(ours())
        figure.floor.append(floor())
    return figure


def site_project(work: Path) -> Path:
    """A copy of the site project (mkdocs.yml and the hand-written pages) that a build may write
    into; the package and node_modules are linked, not copied."""
    project = work / "project"
    project.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(ROOT / "site", project / "site", ignore=shutil.ignore_patterns(".cache"))
    for name in ("her2db", "node_modules"):
        (project / name).symlink_to(ROOT / name)
    return project


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def query_figures(db: Path, runs: int, plans: bool) -> list[tuple[str, float, list[str]]]:
    """(view filtered by column, median ms, query plan) for every public view and filter."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    out = []
    try:
        views = {name for (name,) in conn.execute("select name from sqlite_master where type = 'view'")}
        for view, column in VIEW_FILTERS:
            if view not in views:
                continue
            sql = f"select * from {view} where {column} = ?"  # names from the list above, not input
            times = []
            for _ in range(max(runs, 11)):  # cheap: more repeats, less noise
                started = time.perf_counter()
                conn.execute(sql, (FILTER_VALUES[column],)).fetchall()
                times.append((time.perf_counter() - started) * 1000)
            plan = [row[3] for row in conn.execute(f"explain query plan {sql}", (FILTER_VALUES[column],))] \
                if plans else []
            out.append((f"{view} where {column} = ?", statistics.median(times), plan))
    finally:
        conn.close()
    return out


def measure(studies: int, runs: int, site_runs: int, plans: bool, work: Path, only: set[str]) -> list[str]:
    corpus = synth.write_corpus(work / "corpus", studies, seed=1)
    warned = synth.write_corpus(work / "corpus-warned", studies, seed=1, warning_per_file=True)
    db = work / "her2db.sqlite"
    lines: list[str] = []
    figures: list[tuple[Figure, float | None, str]] = []  # figure, target ratio, target text

    def her2db(*args: str, cwd: Path | None = None) -> Callable[[], Sample]:
        return lambda: run([*HER2DB, *args], cwd=cwd)

    def python(*args: str) -> Callable[[], Sample]:
        return lambda: run([PYTHON, *args])

    run([*HER2DB, "load", "-q", "--sources", str(corpus), "--db", str(db)])
    if "load" in only:
        fig = interleave(Figure("load", floor_name="floor_load.py"), runs,
                         her2db("load", "-q", "--sources", str(corpus), "--db", str(work / "load.sqlite")),
                         python(str(HERE / "floor_load.py"), str(corpus), str(work / "floor.sqlite")))
        figures.append((fig, 1.5, "time ≤ 1.5× floor"))
        figures.append((fig, 2.0, "peak memory ≤ 2× floor"))
    if "validate" in only:
        fig = interleave(Figure("validate, one warning per file", floor_name="clean validate"), runs,
                         her2db("validate", "--sources", str(warned)), her2db("validate", "--sources", str(corpus)))
        figures.append((fig, 1.3, "time ≤ 1.3× clean"))
    if "startup" in only:
        fig = interleave(Figure("her2db --help", floor_name="python -c pass"), runs,
                         her2db("--help"), python("-c", "pass"))
        figures.append((fig, None, f"≤ {STARTUP_TARGET_S} s"))
        fig = interleave(Figure("her2db query", floor_name="python -c pass"), runs,
                         her2db("query", "select count(*) from v_studies", "--db", str(db)), python("-c", "pass"))
        figures.append((fig, None, f"≤ {STARTUP_TARGET_S} s"))
    if "site" in only:
        project = site_project(work)
        floor_dir = work / "floor-site"
        build = her2db("site", "build", "--sources", str(corpus), "--db", str(db), cwd=project)

        def first_build() -> Sample:
            shutil.rmtree(project / "site" / ".cache", ignore_errors=True)
            shutil.rmtree(project / "public", ignore_errors=True)
            shutil.rmtree(project / ".cache", ignore_errors=True)
            return build()

        first = Figure("site build", floor_name="floor_site.py (plain mkdocs build)")
        second = Figure("site build, nothing changed", floor_name="first build")
        first.ours.append(first_build())
        run([PYTHON, str(HERE / "floor_site.py"), "prepare", str(project), str(db), str(floor_dir)])
        floor = python(str(HERE / "floor_site.py"), "build", str(floor_dir))
        first.floor.append(floor())
        second.ours.append(build())
        for _ in range(site_runs - 1):
            first.ours.append(first_build())
            first.floor.append(floor())
            second.ours.append(build())
        second.floor = first.ours
        figures.append((first, 1.5, "time ≤ 1.5× floor"))
        figures.append((second, 0.5, "time ≤ 0.5× first build"))
        ours_index = (project / "public" / "search" / "search_index.json").stat().st_size
        floor_index = (floor_dir / "public" / "search" / "search_index.json").stat().st_size
        ours_size, floor_size = folder_size(project / "public"), folder_size(floor_dir / "public")
        lines.append(f"  search index: {ours_index / 2**20:.2f} MiB vs floor {floor_index / 2**20:.2f} MiB, "
                     f"ratio {ours_index / floor_index:.2f} (target ≤ 1): "
                     f"{'HOLDS' if ours_index <= floor_index else 'does not hold'}")
        lines.append(f"  built site: {ours_size / 2**20:.1f} MiB vs floor {floor_size / 2**20:.1f} MiB, "
                     f"ratio {ours_size / floor_size:.2f} (target ≤ 1.5): "
                     f"{'HOLDS' if ours_size <= 1.5 * floor_size else 'does not hold'}")
        lines.extend(bench_query_page.measure(project / "public", runs))

    out = []
    for fig, target, text in figures:
        memory = "memory" in text
        attr = "rss_mib" if memory else "seconds"
        ours, floor = fig.median("ours", attr), fig.median("floor", attr)
        unit = "MiB" if memory else "s"
        ratio = ours / floor
        holds = ratio <= target if target is not None else ours <= STARTUP_TARGET_S
        out.append(f"  {fig.name:<32} {ours:8.2f} {unit:<3}  floor {floor:8.2f} {unit:<3} "
                   f"({fig.floor_name}, n={len(fig.ours)})  ratio {ratio:5.2f}×  target {text}: "
                   f"{'HOLDS' if holds else 'does not hold'}"
                   + ("" if memory else f"  [peak {fig.median('ours', 'rss_mib'):.0f} MiB]"))
    out.extend(lines)
    if "queries" in only:
        results = query_figures(db, runs, plans)
        worst = max(ms for _, ms, _ in results)
        out.append(f"  public views filtered by study_id / endpoint / term: slowest {worst:.2f} ms "
                   f"(target < {QUERY_TARGET_MS:g} ms): {'HOLDS' if worst < QUERY_TARGET_MS else 'does not hold'}")
        for name, ms, plan in results:
            out.append(f"    {name:<44} {ms:7.2f} ms")
            for step in plan:
                out.append(f"        {step}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--studies", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--runs", type=int, default=5, help="runs of each figure and of its floor")
    parser.add_argument("--site-runs", type=int, default=None,
                        help="runs of the site build (default: --runs, at most 3)")
    parser.add_argument("--plans", action="store_true", help="print the query plans of the public views")
    parser.add_argument("--only", nargs="+", choices=["load", "validate", "startup", "site", "queries"],
                        default=["load", "validate", "startup", "site", "queries"])
    args = parser.parse_args()
    site_runs = args.site_runs or min(args.runs, 3)
    print(f"her2db benchmark: {os.cpu_count()} CPUs, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
          f"Python {sys.version.split()[0]}, medians of {args.runs} runs ({site_runs} for the site)")
    for studies in args.studies:
        with tempfile.TemporaryDirectory(prefix="her2db-bench-") as tmp:
            print(f"{studies} studies:", flush=True)
            for line in measure(studies, args.runs, site_runs, args.plans, Path(tmp), set(args.only)):
                print(line, flush=True)


if __name__ == "__main__":
    main()
