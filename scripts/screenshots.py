"""Screenshots of the built site's key pages, at a laptop's and a phone's width, for people to
look at (an issue's closing note, a review), not a test.

    python scripts/screenshots.py OUT_DIR [--site public] [--dark]

Serves the built site (``her2db site build`` writes ``public/``) from 127.0.0.1 and opens each
page in Debian's Chromium (``/usr/bin/chromium``, through Playwright's Python API: never a
downloaded browser), full page, at 1280 x 900 and at 390 x 844 (a phone, touch). Writes
``OUT_DIR/<page>-<width>.png`` (``-dark`` added with ``--dark``).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
PAGES = {
    "home": "",
    "destiny-breast09": "studies/destiny-breast09/",
    "cleopatra": "studies/cleopatra/",
    "first-line": "comparisons/first-line/",
    "safety": "comparisons/safety/",
    "attrition": "comparisons/attrition/",
    "query": "query/",
    "releases": "releases/",
}
VIEWPORTS = {1280: {"width": 1280, "height": 900}, 390: {"width": 390, "height": 844}}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder the PNG files are written to")
    parser.add_argument("--site", type=Path, default=Path("public"), help="the built site [public]")
    parser.add_argument("--dark", action="store_true", help="the dark colour scheme")
    args = parser.parse_args()
    if not (args.site / "index.html").is_file():
        parser.error(f"{args.site}: no built site here (run `her2db site build`)")
    args.out.mkdir(parents=True, exist_ok=True)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(args.site.resolve())))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    scheme = "dark" if args.dark else "light"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for width, viewport in VIEWPORTS.items():
                context = browser.new_context(viewport=viewport, color_scheme=scheme,
                                              is_mobile=width < 600, has_touch=width < 600)
                tab = context.new_page()
                for name, path in PAGES.items():
                    tab.goto(base + path)
                    tab.wait_for_load_state("networkidle")
                    target = args.out / f"{name}-{width}{'-dark' if args.dark else ''}.png"
                    tab.screenshot(path=str(target), full_page=True)
                    print(target)
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
