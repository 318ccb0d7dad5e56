"""Benchmark load and query speed and memory on synthetic corpora.

    python scripts/bench.py [--studies 200]

Times are reported as ratios against a baseline run in the same process (a corpus of 10
studies), so the numbers compare across machines: a load that scales linearly shows a time
ratio close to the size ratio. Never used as a timed assertion in tests.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import write_corpus

from her2db.load import load
from her2db.queries import run_query

QUERY = ("select study_id, endpoint, subgroup, estimate, ci_low, ci_high from v_comparisons "
         "where endpoint = 'PFS' and estimate < 0.7 order by estimate")


def measure(work: Path, studies: int) -> dict[str, float]:
    corpus = write_corpus(work / f"corpus-{studies}", studies)
    db = work / f"db-{studies}.sqlite"
    tracemalloc.start()
    started = time.perf_counter()
    load(corpus, db)
    load_seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    conn = sqlite3.connect(db)
    started = time.perf_counter()
    for _ in range(20):
        run_query(conn, QUERY)
    query_seconds = (time.perf_counter() - started) / 20
    conn.close()
    return {"load_s": load_seconds, "peak_mib": peak / 2**20, "query_s": query_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--studies", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base = measure(work, 10)
        big = measure(work, args.studies)
    size_ratio = args.studies / 10
    print(f"baseline (10 studies): load {base['load_s']:.3f} s, peak {base['peak_mib']:.1f} MiB, "
          f"query {base['query_s'] * 1000:.2f} ms")
    print(f"{args.studies} studies (size x{size_ratio:g}): load {big['load_s']:.3f} s, "
          f"peak {big['peak_mib']:.1f} MiB, query {big['query_s'] * 1000:.2f} ms")
    for key, label in (("load_s", "load time"), ("peak_mib", "peak memory"), ("query_s", "query time")):
        print(f"  {label} ratio: x{big[key] / base[key]:.2f}")


if __name__ == "__main__":
    main()
