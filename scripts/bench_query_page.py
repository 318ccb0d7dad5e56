"""How light the Query page is: bytes transferred before its first result, and the time from
opening the page to that result, on a built site served from 127.0.0.1.

    python scripts/bench_query_page.py PUBLIC_DIR [--runs 5]

Each run opens the page in a fresh browser context (nothing cached) of Debian's Chromium
(``/usr/bin/chromium``, driven by Playwright's Python API; never a downloaded browser, started
and served as the test suite does, ``tests/her2db_testing.py``) at a
link that holds a query (``query/#sql=…``), the way a shared link opens it. The first result is
the moment the result table enters the page (a MutationObserver added before the page's own
scripts); the bytes are the Resource Timing transfer sizes (headers and bodies) of the page
and of every request that ended before that moment. ``scripts/bench.py`` calls ``measure`` on
the site it builds; this script alone measures any built site. Not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

TESTS = Path(__file__).resolve().parent.parent / "tests"  # the suite's browser and server helpers
CHROMIUM = "/usr/bin/chromium"  # Debian's; the suite's helpers launch the same
QUERY = "SELECT study_id, acronym, kind, line, n_enrolled FROM v_studies ORDER BY study_id"
TARGET_BYTES = 3_000_000
TARGET_SECONDS = 1.0
TIMEOUT_MS = 60_000
# Added before the page's scripts: the time the first result table appears.
WATCH_RESULT = """
new MutationObserver((changes, observer) => {
  if (document.querySelector('#query-result table')) {
    window.__her2dbBenchFirstResult = performance.now();
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""
# Bytes of the page and of the requests that ended by then, and of those that had not.
TRANSFERRED = """at => {
  const entries = performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'));
  const before = entries.filter(e => e.responseEnd <= at);
  return {total: before.reduce((sum, e) => sum + e.transferSize, 0),
          requests: before.map(e => [e.name, e.transferSize])};
}"""
LOADED = "() => performance.getEntriesByType('navigation')[0].loadEventEnd"


@dataclass
class Run:
    seconds: float
    bytes: int
    requests: list[tuple[str, int]]
    floor_seconds: float  # the same page opened without a query, until its load event


def runs(public: Path, count: int) -> list[Run]:
    """``count`` runs of opening the Query page at a link to ``QUERY`` until its first result,
    each followed by its floor: the page opened without a query, until its load event (the
    theme, the page and its scripts, on the same busy or idle machine)."""
    # the suite's own Chromium settings and static server; imported here: the benchmark's
    # other figures need neither a browser nor pytest
    sys.path.insert(0, str(TESTS))
    from her2db_testing import ARGS, serve
    from playwright.sync_api import sync_playwright

    out = []
    with serve(public) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        def fresh_page(fragment: str) -> tuple[Any, Any]:
            context = browser.new_context(viewport={"width": 1280, "height": 900})  # nothing cached
            page = context.new_page()
            page.add_init_script(WATCH_RESULT)
            page.goto(f"{base}query/{fragment}")
            return context, page

        try:
            for _ in range(count):
                context, page = fresh_page(f"#sql={quote(QUERY, safe='')}")
                at = page.wait_for_function("() => window.__her2dbBenchFirstResult", timeout=TIMEOUT_MS).json_value()
                seen = page.evaluate(TRANSFERRED, at)
                context.close()
                context, page = fresh_page("")
                page.wait_for_load_state("load")
                floor = page.wait_for_function(LOADED, timeout=TIMEOUT_MS).json_value()
                context.close()
                out.append(Run(at / 1000, seen["total"], [(u, s) for u, s in seen["requests"]], floor / 1000))
        finally:
            browser.close()
    return out


def measure(public: Path, count: int) -> list[str]:
    """The two figures, medians of ``count`` runs, beside their targets, as report lines."""
    if not Path(CHROMIUM).exists():
        return [f"  Query page: not measured, {CHROMIUM} is missing (apt-get install chromium)"]
    results = runs(public, count)
    seconds = statistics.median(r.seconds for r in results)
    floor = statistics.median(r.floor_seconds for r in results)
    size = statistics.median(r.bytes for r in results)
    heaviest = sorted(results[0].requests, key=lambda r: -r[1])[:4]
    return [
        f"  Query page, bytes before the first result   {size / 1e6:8.2f} MB  (n={count})  "
        f"target ≤ {TARGET_BYTES / 1e6:g} MB: {'HOLDS' if size <= TARGET_BYTES else 'does not hold'}",
        f"  Query page, page open → first result        {seconds:8.2f} s   floor {floor:.2f} s (the page "
        f"without a query, to its load event; n={count})  target ≤ {TARGET_SECONDS:g} s: "
        f"{'HOLDS' if seconds <= TARGET_SECONDS else 'does not hold'}",
        "    heaviest: " + ", ".join(f"{url.rsplit('/', 1)[-1] or url} {size / 1e6:.2f} MB" for url, size in heaviest),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("public", type=Path, help="a built site (the folder `her2db site build` writes)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for line in measure(args.public, args.runs):
        print(line, flush=True)


if __name__ == "__main__":
    main()
