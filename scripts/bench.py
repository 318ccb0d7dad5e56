"""Benchmark her2db against floors measured in the same run, on the real corpus and synthetic ones.

    python scripts/bench.py [--studies real 1000] [--runs 5] [--site-runs 3] [--only edits startup]
                            [--plans] [--markdown FILE]

Every figure is the median of ``--runs`` runs, each a separate process, timed from the outside
(wall time, and the CPU time the OS counts, which a busy machine inflates least), with its peak
resident memory from the OS (``os.wait4``, which counts the process's own
children too, e.g. the ``mkdocs build`` a site build starts); no tracemalloc. Each run of a
figure alternates with a run of its floor, so a busy machine slows both alike. The figures
(``FIGURES``, one function each: add one with ``@figure(name)``) and their floors:

- load: ``scripts/floor_load.py``, the same files parsed by PyYAML's C loader and inserted with
  ``sqlite3.executemany`` in one transaction, nothing checked;
- validate with one warning in every file: a clean ``validate`` of the same corpus (synthetic only);
- start-up: ``her2db --help`` and ``her2db query "select 1"`` against ``python -c pass``;
- edits: ``add ae``, ``set`` and ``import-csv`` (20 rows) on the largest study file, against
  ``scripts/floor_edit.py`` (parse the one file with PyYAML's C loader, change it, write it
  atomically, insert or update the rows in SQLite in one transaction);
- site build: ``scripts/floor_site.py``, plain ``mkdocs build`` of the same pages, pre-written,
  with the same theme; a second build with nothing changed is compared with the first;
- rebuild: a site build with nothing changed since the last, against ``python -c pass`` (< 0.3 s);
- queries: each public view filtered by study_id, endpoint or term, in this process (median of
  ``--runs``), against the 20 ms target; ``--plans`` prints SQLite's query plans.
- the Query page (with the site): bytes transferred and seconds from opening the page to its
  first result, in Debian's Chromium on the built site served from 127.0.0.1
  (``scripts/bench_query_page.py``), against the 3 MB and 1 s targets.

``real`` is a copy of ``db/``; a number is ``scripts/synth.py``'s corpus of that many studies,
the same seed for every size. It prints each figure with its floor, the ratio, the target and
whether it holds (``--markdown`` writes them as a table too). Not a test: nothing here asserts times.
"""

from __future__ import annotations

import argparse
import csv
import json
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
    cpu: float  # user + system seconds: what a busy machine inflates least


@dataclass
class Figure:
    name: str
    ours: list[Sample] = field(default_factory=list)
    floor: list[Sample] = field(default_factory=list)
    floor_name: str = ""

    def median(self, which: str, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in getattr(self, which))


@dataclass(frozen=True)
class Target:
    """What a figure is held to: a ratio to its floor, a margin over it, or a time, in seconds
    (or, with ``memory``, a ratio of peak memory)."""

    ratio: float | None = None
    over: float | None = None
    at_most: float | None = None
    memory: bool = False

    def text(self) -> str:
        if self.memory:
            return f"peak memory ≤ {self.ratio:g}× floor"
        if self.ratio is not None:
            return f"time ≤ {self.ratio:g}× floor"
        if self.over is not None:
            return f"≤ floor + {self.over:g} s"
        return f"< {self.at_most:g} s"

    def holds(self, ours: float, floor: float) -> bool:
        if self.ratio is not None:
            return ours <= self.ratio * floor
        if self.over is not None:
            return ours - floor <= self.over
        return ours < (self.at_most or 0)


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
    return Sample(seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)  # ru_maxrss: KiB on Linux


Step = Callable[[int], Sample]
"""One run (the how-many-th, from 0): a separate process, timed."""


def interleave(figure: Figure, runs: int, ours: Step, floor: Step) -> Figure:
    for index in range(runs):
        figure.ours.append(ours(index))
        figure.floor.append(floor(index))
    return figure


def site_project(work: Path) -> Path:
    """A copy of the site project (mkdocs.yml and the hand-written pages) that a build may write
    into; the package and node_modules are linked, not copied."""
    project = work / "project"
    project.mkdir(parents=True)
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(ROOT / "site", project / "site", ignore=shutil.ignore_patterns(".cache"))
    for name in ("her2db", "node_modules"):
        (project / name).symlink_to(ROOT / name)
    return project


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@dataclass
class Bench:
    """One corpus being measured: where it is, its database, and what has been measured."""

    label: str
    corpus: Path
    db: Path
    work: Path
    runs: int
    site_runs: int
    plans: bool
    real: bool
    figures: list[tuple[Figure, Target]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def her2db(self, *args: str, cwd: Path | None = None) -> Step:
        return lambda _: run([*HER2DB, *args], cwd=cwd)

    def python(self, *args: str) -> Step:
        return lambda _: run([PYTHON, *args])

    def add(self, figure: Figure, *targets: Target) -> None:
        self.figures.extend((figure, target) for target in targets)


FIGURES: dict[str, Callable[[Bench], None]] = {}
"""The figures by name, in the order they run (``--only`` picks some): each measures the tool
and its floor alternately and adds the result to the bench."""


def figure(name: str) -> Callable[[Callable[[Bench], None]], Callable[[Bench], None]]:
    def register(measure: Callable[[Bench], None]) -> Callable[[Bench], None]:
        FIGURES[name] = measure
        return measure
    return register


@figure("load")
def load_figure(bench: Bench) -> None:
    load = bench.her2db("load", "-q", "--sources", str(bench.corpus), "--db", str(bench.work / "load.sqlite"))
    fig = interleave(Figure("load", floor_name="floor_load.py"), bench.runs, load,
                     bench.python(str(HERE / "floor_load.py"), str(bench.corpus), str(bench.work / "floor.sqlite")))
    bench.add(fig, Target(ratio=2.0 if bench.real else 1.5), Target(ratio=2.0, memory=True))


@figure("validate")
def validate_figure(bench: Bench) -> None:
    if bench.real:
        return  # the synthetic corpus alone can be written with one warning per file
    count = len(list((bench.corpus / "studies").glob("*.yaml")))
    warned = synth.write_corpus(bench.work / "corpus-warned", count, seed=1, warning_per_file=True)
    fig = interleave(Figure("validate, one warning per file", floor_name="clean validate"), bench.runs,
                     bench.her2db("validate", "--sources", str(warned)),
                     bench.her2db("validate", "--sources", str(bench.corpus)))
    bench.add(fig, Target(ratio=1.3))


@figure("startup")
def startup_figure(bench: Bench) -> None:
    floor = bench.python("-c", "pass")
    bench.add(interleave(Figure("her2db --help", floor_name="python -c pass"), bench.runs,
                         bench.her2db("--help"), floor), Target(over=0.1))
    bench.add(interleave(Figure('her2db query "select 1"', floor_name="python -c pass"), bench.runs,
                         bench.her2db("query", "select 1", "--db", str(bench.db)), floor), Target(over=0.1))


@figure("edits")
def edit_figures(bench: Bench) -> None:
    """``add ae``, ``set`` and ``import-csv`` (20 rows) on the largest study file, against
    ``floor_edit.py`` on a copy of the corpus and database (each run adds new records)."""
    floor_corpus = bench.work / "floor-corpus"
    shutil.copytree(bench.corpus, floor_corpus, ignore=shutil.ignore_patterns(".*", "*.sqlite"))
    floor_db = bench.work / "floor-edit.sqlite"
    shutil.copy(bench.db, floor_db)
    study_file = max((bench.corpus / "studies").glob("*.yaml"), key=lambda p: p.stat().st_size)
    study_id, floor_file = study_file.stem, floor_corpus / "studies" / study_file.name
    records = iter(_new_adverse_events(bench.db, study_id))
    where = ["--sources", str(bench.corpus), "--db", str(bench.db)]

    def add(index: int) -> Sample:
        ae = next(records)
        flags = [f"--{k.replace('_', '-')}={v}" for k, v in ae.items()]
        return run([*HER2DB, "add", "ae", study_id, *flags, *where])

    def add_floor(index: int) -> Sample:
        return run([PYTHON, str(HERE / "floor_edit.py"), "add", str(floor_file), str(floor_db), "adverse_events",
                    json.dumps(next(records))])

    bench.add(interleave(Figure("add ae", floor_name="floor_edit.py add"), bench.runs, add, add_floor),
              Target(ratio=3.0))

    def set_field(index: int) -> Sample:
        return run([*HER2DB, "set", study_id, "results[0]", "notes", f"bench {index}", *where])

    def set_floor(index: int) -> Sample:
        return run([PYTHON, str(HERE / "floor_edit.py"), "set", str(floor_file), str(floor_db), "results", "0",
                    "notes", f"bench {index}"])

    bench.add(interleave(Figure("set", floor_name="floor_edit.py set"), bench.runs, set_field, set_floor),
              Target(ratio=3.0))

    def table(index: int) -> Path:
        path = bench.work / f"table-{index}-{len(list(bench.work.glob('table-*')))}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            rows = [next(records) for _ in range(20)]
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return path

    def import_csv(index: int) -> Sample:
        return run([*HER2DB, "import-csv", study_id, str(table(index)), "--kind", "ae", *where])

    def import_floor(index: int) -> Sample:
        return run([PYTHON, str(HERE / "floor_edit.py"), "import-csv", str(floor_file), str(floor_db),
                    "adverse_events", str(table(index))])

    bench.add(interleave(Figure("import-csv, 20 rows", floor_name="floor_edit.py import-csv"), bench.runs,
                         import_csv, import_floor), Target(ratio=3.0))


def _new_adverse_events(db: Path, study_id: str) -> list[dict[str, str]]:
    """Adverse events the study does not report yet, on its first arm: one per run of ``add``,
    twenty per run of ``import-csv``, for the tool and the floor alike."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        arm_id, arm, source = conn.execute("SELECT id, key, source_id FROM arm WHERE study_id = ? ORDER BY id",
                                           (study_id,)).fetchone()
        taken = set(conn.execute("SELECT term, category, grade FROM adverse_event WHERE arm_id = ? "
                                 "AND population_id IS NULL", (arm_id,)))
        terms = [term for (term,) in conn.execute("SELECT term FROM ae_term ORDER BY term")]
    finally:
        conn.close()
    return [{"arm": arm, "term": term, "category": category, "grade": grade, "n": "1", "source_id": source,
             "locator": "bench"}
            for category in ("adjudicated", "serious", "leading to interruption", "teae")
            for grade in ("5", ">=4", "3-4", "<=2", ">=3", "any") for term in terms
            if (term, category, grade) not in taken]


@figure("site")
def site_figures(bench: Bench) -> None:
    project = site_project(bench.work)
    floor_dir = bench.work / "floor-site"
    build = bench.her2db("site", "build", "--sources", str(bench.corpus), "--db", str(bench.db), cwd=project)

    def first_build() -> Sample:
        shutil.rmtree(project / "site" / ".cache", ignore_errors=True)
        shutil.rmtree(project / "public", ignore_errors=True)
        shutil.rmtree(project / ".cache", ignore_errors=True)
        return build(0)

    first = Figure("site build", floor_name="floor_site.py (plain mkdocs build)")
    second = Figure("site build, nothing changed", floor_name="first build")
    first.ours.append(first_build())
    run([PYTHON, str(HERE / "floor_site.py"), "prepare", str(project), str(bench.db), str(floor_dir)])
    floor = bench.python(str(HERE / "floor_site.py"), "build", str(floor_dir))
    first.floor.append(floor(0))
    second.ours.append(build(0))
    for _ in range(bench.site_runs - 1):
        first.ours.append(first_build())
        first.floor.append(floor(0))
        second.ours.append(build(0))
    second.floor = first.ours
    bench.add(first, Target(ratio=1.5))
    bench.add(second, Target(ratio=0.5), Target(at_most=0.3))
    ours_index = (project / "public" / "search" / "search_index.json").stat().st_size
    floor_index = (floor_dir / "public" / "search" / "search_index.json").stat().st_size
    ours_size, floor_size = folder_size(project / "public"), folder_size(floor_dir / "public")
    bench.lines.append(f"  search index: {ours_index / 2**20:.2f} MiB vs floor {floor_index / 2**20:.2f} MiB, "
                       f"ratio {ours_index / floor_index:.2f} (target ≤ 1): "
                       f"{'HOLDS' if ours_index <= floor_index else 'does not hold'}")
    bench.lines.append(f"  built site: {ours_size / 2**20:.1f} MiB vs floor {floor_size / 2**20:.1f} MiB, "
                       f"ratio {ours_size / floor_size:.2f} (target ≤ 1.5): "
                       f"{'HOLDS' if ours_size <= 1.5 * floor_size else 'does not hold'}")
    bench.lines.extend(bench_query_page.measure(project / "public", bench.runs))


@figure("rebuild")
def rebuild_figure(bench: Bench) -> None:
    """A site rebuild with nothing changed (one build first, not timed), against ``python -c
    pass``: what a reader of the rebuild waits for is the check that nothing changed."""
    project = site_project(bench.work / "rebuild")
    build = bench.her2db("site", "build", "--sources", str(bench.corpus), "--db", str(bench.db), cwd=project)
    build(0)
    bench.add(interleave(Figure("site rebuild, nothing changed", floor_name="python -c pass"), bench.runs,
                         build, bench.python("-c", "pass")), Target(at_most=0.3))


@figure("queries")
def query_figures(bench: Bench) -> None:
    """Each public view filtered by study_id, endpoint or term, in this process (median of
    ``--runs``, at least 11), against the 20 ms target; with ``--plans``, SQLite's plans."""
    conn = sqlite3.connect(f"{bench.db.resolve().as_uri()}?mode=ro", uri=True)
    results = []
    try:
        views = {name for (name,) in conn.execute("select name from sqlite_master where type = 'view'")}
        study = conn.execute("select id from study order by id").fetchone()[0]
        values = {**FILTER_VALUES, "study_id": study}
        for view, column in VIEW_FILTERS:
            if view not in views:
                continue
            sql = f"select * from {view} where {column} = ?"  # names from the list above, not input
            times = []
            for _ in range(max(bench.runs, 11)):  # cheap: more repeats, less noise
                started = time.perf_counter()
                conn.execute(sql, (values[column],)).fetchall()
                times.append((time.perf_counter() - started) * 1000)
            plan = [row[3] for row in conn.execute(f"explain query plan {sql}", (values[column],))] \
                if bench.plans else []
            results.append((f"{view} where {column} = ?", statistics.median(times), plan))
    finally:
        conn.close()
    worst = max(ms for _, ms, _ in results)
    bench.lines.append(f"  public views filtered by study_id / endpoint / term: slowest {worst:.2f} ms "
                       f"(target < {QUERY_TARGET_MS:g} ms): {'HOLDS' if worst < QUERY_TARGET_MS else 'does not hold'}")
    for name, ms, plan in results:
        bench.lines.append(f"    {name:<44} {ms:7.2f} ms")
        bench.lines.extend(f"        {step}" for step in plan)


def report(bench: Bench) -> tuple[list[str], list[str]]:
    """The figures as text lines, and as rows of a Markdown table."""
    text, rows = [], []
    for fig, target in bench.figures:
        attr = "rss_mib" if target.memory else "seconds"
        unit = "MiB" if target.memory else "s"
        ours, floor = fig.median("ours", attr), fig.median("floor", attr)
        holds = "HOLDS" if target.holds(ours, floor) else "does not hold"
        ours_cpu, floor_cpu = fig.median("ours", "cpu"), fig.median("floor", "cpu")
        cpu = "" if target.memory else \
            f"  [cpu {ours_cpu:.2f} s vs {floor_cpu:.2f} s, peak {fig.median('ours', 'rss_mib'):.0f} MiB]"
        text.append(f"  {fig.name:<32} {ours:8.2f} {unit:<3}  floor {floor:8.2f} {unit:<3} "
                    f"({fig.floor_name}, n={len(fig.ours)})  ratio {ours / floor:5.2f}×  "
                    f"target {target.text()}: {holds}{cpu}")
        cpu_cells = "not applicable" if target.memory else f"{ours_cpu:.2f} / {floor_cpu:.2f} s"
        rows.append(f"| {bench.label} | {fig.name} | {ours:.2f} {unit} | {floor:.2f} {unit} ({fig.floor_name}) | "
                    f"{ours / floor:.2f}× | {cpu_cells} | {target.text()}: {holds} |")
    return text + bench.lines, rows


def measure(size: str, runs: int, site_runs: int, plans: bool, work: Path, only: list[str]) -> Bench:
    real = size == "real"
    if real:
        corpus = work / "corpus"
        shutil.copytree(ROOT / "db", corpus, ignore=shutil.ignore_patterns(".*", "*.sqlite*"))
    else:
        corpus = synth.write_corpus(work / "corpus", int(size), seed=1)
    count = len(list((corpus / "studies").glob("*.yaml")))
    bench = Bench(f"{count} studies" + (" (db/)" if real else ""), corpus, work / "her2db.sqlite", work, runs,
                  site_runs, plans, real)
    run([*HER2DB, "load", "-q", "--sources", str(corpus), "--db", str(bench.db)])
    for name in only:
        FIGURES[name](bench)
    return bench


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--studies", nargs="+", default=["real", "1000"],
                        help="corpus sizes: 'real' (a copy of db/) or a number of synthetic studies")
    parser.add_argument("--runs", type=int, default=5, help="runs of each figure and of its floor")
    parser.add_argument("--site-runs", type=int, default=None,
                        help="runs of the site build (default: --runs, at most 3)")
    parser.add_argument("--plans", action="store_true", help="print the query plans of the public views")
    parser.add_argument("--only", nargs="+", choices=list(FIGURES), default=list(FIGURES))
    parser.add_argument("--markdown", type=Path, help="also write the figures as a Markdown table to this file")
    args = parser.parse_args()
    site_runs = args.site_runs or min(args.runs, 3)
    print(f"her2db benchmark: {os.cpu_count()} CPUs, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
          f"Python {sys.version.split()[0]}, medians of {args.runs} runs ({site_runs} for the site), "
          f"load average {os.getloadavg()[0]:.1f}")
    table = ["| corpus | figure | her2db | floor | ratio | cpu her2db / floor | target |",
             "|---|---|---|---|---|---|---|"]
    for size in args.studies:
        with tempfile.TemporaryDirectory(prefix="her2db-bench-") as tmp:
            bench = measure(size, args.runs, site_runs, args.plans, Path(tmp), [n for n in FIGURES if n in args.only])
            text, rows = report(bench)
            print(f"{bench.label}:", *text, sep="\n", flush=True)
            table.extend(rows)
    if args.markdown:
        args.markdown.write_text("\n".join(table) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
