"""How light the Query page is: bytes transferred before its first result, and the time from
opening the page to that result, on a built site served from 127.0.0.1.

    python scripts/bench_query_page.py PUBLIC_DIR [--runs 5]

Each run opens the page in a fresh browser context (nothing cached) of Debian's Chromium
(``/usr/bin/chromium``, driven by Playwright's Python API; never a downloaded browser) at a
link that holds a query (``query/#sql=…``), the way a shared link opens it. The first result is
the moment the result table enters the page (a MutationObserver added before the page's own
scripts); the bytes are the Resource Timing transfer sizes (headers and bodies) of the page
and of every request that ended before that moment. ``scripts/bench.py`` calls ``measure`` on
the site it builds; this script alone measures any built site. Not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import statistics
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
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
  return {before: before.reduce((sum, e) => sum + e.transferSize, 0),
          requests: before.map(e => [e.name, e.transferSize]),
          later: entries.filter(e => e.responseEnd > at).map(e => e.name)};
}"""


@dataclass
class Run:
    seconds: float
    bytes: int
    requests: list[tuple[str, int]]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """``directory`` served on a free port of 127.0.0.1 (a plain static server); the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def runs(public: Path, count: int) -> list[Run]:
    """``count`` runs of opening the Query page at a link to ``QUERY`` until its first result."""
    from playwright.sync_api import sync_playwright  # the benchmark's other figures need no browser

    out = []
    with serve(public) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for _ in range(count):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                try:
                    page = context.new_page()
                    page.add_init_script(WATCH_RESULT)
                    page.goto(f"{base}query/#sql={quote(QUERY, safe='')}")
                    at = page.wait_for_function("() => window.__her2dbBenchFirstResult",
                                                timeout=TIMEOUT_MS).json_value()
                    seen = page.evaluate(TRANSFERRED, at)
                    out.append(Run(at / 1000, seen["before"], [(u, s) for u, s in seen["requests"]]))
                finally:
                    context.close()
        finally:
            browser.close()
    return out


def measure(public: Path, count: int) -> list[str]:
    """The two figures, medians of ``count`` runs, beside their targets, as report lines."""
    results = runs(public, count)
    seconds = statistics.median(r.seconds for r in results)
    size = statistics.median(r.bytes for r in results)
    heaviest = sorted(results[0].requests, key=lambda r: -r[1])[:4]
    return [
        f"  Query page, bytes before the first result   {size / 1e6:8.2f} MB  (n={count})  "
        f"target ≤ {TARGET_BYTES / 1e6:g} MB: {'HOLDS' if size <= TARGET_BYTES else 'does not hold'}",
        f"  Query page, page open → first result        {seconds:8.2f} s   (n={count})  "
        f"target ≤ {TARGET_SECONDS:g} s: {'HOLDS' if seconds <= TARGET_SECONDS else 'does not hold'}",
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
