"""What a reader notices on the built site (the session's `built` build): one notation for
absent values with its legend, flags on questioned numbers, computed values labelled, figures
with axes, and the phone (390 x 844 in Debian's Chromium): no clipped cell without a scroll
cue, figure text of 11 px or more, trial names never broken inside a word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from her2db_testing import CHROMIUM, open_page
from playwright.sync_api import Page
from sitebuild import Built, parse

from her2db.model.notation import ABSENCES, BY_KEY
from her2db.publish import absent

PHONE_PAGES = ("", "studies/", "studies/destiny-breast09/", "studies/cleopatra/", "comparisons/first-line/",
               "comparisons/safety/", "comparisons/attrition/")
# those with a table wider than a phone, which scrolls in its own box
SCROLL_PAGES = ("studies/", "studies/destiny-breast09/", "comparisons/first-line/", "comparisons/safety/")
# glyphs that once stood for several kinds of absence
AMBIGUOUS = {"—", "–", "-", "n.r.", "n/a", "N/A", "NA"}
_MARKER = re.compile(r'<(abbr|span) class="her2db-absent" data-absent="([a-z-]+)"[^>]*>([^<]*)<')
_LEGEND = re.compile(r'<p class="her2db-legend her2db-notation".*?</p>', re.S)


def test_absent_values_have_one_notation_each_and_a_legend(built: Built) -> None:
    pages = sorted(built.public.rglob("*.html"))
    used: set[str] = set()
    for path in pages:
        html = path.read_text(encoding="utf-8")
        cells = [c for t in parse(path).tables for r in t for c in r]
        assert not [c for c in cells if c in AMBIGUOUS], path
        markers = _MARKER.findall(html)
        for tag, key, text in markers:
            assert text == BY_KEY[key].text and (tag == "abbr") == BY_KEY[key].abbreviation, (path, key, text)
        keys = {key for _, key, _ in markers}
        used |= keys
        legends = " ".join(_LEGEND.findall(html))
        for key in keys:
            assert BY_KEY[key].meaning in legends, (path, key)
    assert {"not-reached", "not-estimable", "not-reported", "not-applicable"} <= used
    assert len({a.text for a in ABSENCES}) == len(ABSENCES)
    # the first-line legend explains only what its table uses
    first_line = (built.public / "comparisons/first-line/index.html").read_text(encoding="utf-8")
    assert "not applicable" not in " ".join(_LEGEND.findall(first_line)) and ">n/a<" not in first_line


def test_legends_follow_the_tables_that_use_them() -> None:
    html = ('<table><td><span class="her2db-absent" data-absent="not-reported">not reported</span></td></table>'
            '<table><td>1</td></table><ul><li>' + str(absent.marker("not-reached")) + '</li></ul><p>x</p>')
    out = absent.add_legends(html)
    first, second = out.index("</table>"), out.index("</table>", out.index("</table>") + 1)
    assert "the source gives no value" in out[first:second] and "not reached" not in out[first:second]
    assert out.index("</abbr> not reached") > out.index("</ul>") and out.count("her2db-notation") == 2


def test_numbers_carry_their_context(built: Built) -> None:
    patina = built.page("studies/patina")
    assert any("0.68 (0.543–1.07)" in c and "likely misprint" in c for t in patina.tables for r in t for c in r)
    db09 = (built.public / "studies/destiny-breast09/index.html").read_text(encoding="utf-8")
    key = db09[db09.index('class="her2db-key"'):db09.index("</div>", db09.index('class="her2db-key"'))]
    text = re.sub(r"<[^>]+>", "", re.sub(r'<span class="her2db-prov".*?</span></span>', "", key, flags=re.S))
    assert "Treatment-emergent adverse events (TEAEs), grade ≥3" in text
    assert "Treatment-related adverse events, grade ≥3" in text and "text and table disagree" in text
    # ILD grade >=3: computed from any grade and grade <=2, its formula in the source panel
    page = built.page("studies/destiny-breast09")
    assert any("computed" in c for t in page.tables for r in t for c in r if r and "Interstitial" in r[0])
    assert any("grade ≥3 = any grade − grade ≤2 = 46 − 44" in p for p in page.provenances)
    assert "denominator unclear" in page.text  # the 34.2% beside the 32.4%
    # the safety page keeps ILD of one category in one table
    safety = built.page("comparisons/safety")
    ild_tables = [t for t in safety.tables if any(r and r[0].startswith("Interstitial lung disease") for r in t)]
    assert len(ild_tables) == 1 and any(r[0].endswith("grade ≥3") for r in ild_tables[0])
    # the attrition reasons: a labelled remainder; the dot plot: an axis
    attrition = built.page("comparisons/attrition")
    assert "no reason given by the source: 3.7%" in attrition.text
    assert any(re.search(r"0%\s*25%\s*50%\s*75%\s*100%", c) for t in attrition.tables for c in t[0])


def test_generated_wording(built: Built) -> None:
    text = " ".join(built.page(p).text for p in ("", "comparisons/first-line", "studies"))
    assert "vs Placebo" not in text and "vs placebo + trastuzumab" in text
    assert "Proceeding to the next line probability" not in text
    assert "Probability of proceeding to the next line at 60 months" in text
    captions = re.findall(r"<(?:fig)?caption>([^<])", "".join(
        p.read_text(encoding="utf-8") for p in built.public.rglob("*.html")))
    assert not [c for c in captions if c.islower()]
    assert "beside the plot" not in built.page("comparisons/first-line").text


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
@pytest.mark.parametrize("path", PHONE_PAGES)
def test_phone_shows_every_cell_or_a_scroll_cue(site_url: str, phone: Page, path: str) -> None:
    """At 390 px the page never scrolls sideways; every cell is in view or in a box that
    scrolls, with its cue; plot text is 11 px or more; a study's name never breaks mid-word.
    A box wider than the phone is a named region the keyboard reaches and scrolls, its first
    column staying in view; the first-line table reads as cards."""
    open_page(phone, site_url + path)
    report = phone.evaluate("""() => {
      const open = el => el.closest('details:not([open])') === null;
      const clipped = [];
      document.querySelectorAll('article td, article th').forEach(cell => {
        if (!open(cell) || !cell.getClientRects().length) return;
        let box = cell;  // the box that scrolls the cell into view: a wrapper, or the page
        while (box.parentElement && !(['auto', 'scroll'].includes(getComputedStyle(box).overflowX)
                                      && box.scrollWidth > box.clientWidth + 1)) box = box.parentElement;
        const right = Math.min(box.getBoundingClientRect().right, window.innerWidth);
        if (cell.getBoundingClientRect().right > right + 1 && !box.classList.contains('her2db-overflows'))
          clipped.push(cell.textContent.trim().slice(0, 40));
      });
      const small = [];
      document.querySelectorAll('article svg text').forEach(t => {
        const svg = t.ownerSVGElement, scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        const size = parseFloat(getComputedStyle(t).fontSize) * scale;
        if (open(t) && size < 11) small.push([t.textContent, size.toFixed(1)]);
      });
      const broken = [];
      document.querySelectorAll('article table a[href*="studies/"]').forEach(a => {
        if (!open(a)) return;
        const words = a.textContent.split(/[\\s-]+/).filter(Boolean);  // a hyphen may end a line
        let at = 0;
        for (const word of words) {
          const node = a.firstChild, start = a.textContent.indexOf(word, at);
          at = start + word.length;
          if (!node || node.nodeType !== 3) continue;
          const range = document.createRange();
          range.setStart(node, start); range.setEnd(node, at);
          const lines = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
          if (lines.size > 1) broken.push(word);
        }
      });
      return {clipped, small, broken, width: document.documentElement.scrollWidth};
    }""")
    assert report["width"] <= 390, report["width"]
    assert report["clipped"] == [], report["clipped"][:5]
    assert report["small"] == [], report["small"][:5]
    assert report["broken"] == [], report["broken"]
    if path in SCROLL_PAGES:
        boxes = phone.locator("article .her2db-scroll")
        wide = [boxes.nth(i) for i in range(boxes.count())
                if boxes.nth(i).evaluate("b => b.scrollWidth > b.clientWidth && b.closest('details:not([open])') === null")]
        assert wide, "some table is wider than a phone"
        for box in wide:
            assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
            assert box.get_attribute("aria-label")
        # the keyboard reaches the box and scrolls it; the first column stays in view
        box = wide[0]
        box.focus()
        assert phone.evaluate("document.activeElement.classList.contains('her2db-scroll')")
        first = box.locator("tbody tr").first.locator("th, td").first
        before = first.bounding_box()["x"]
        phone.keyboard.press("ArrowRight")
        phone.keyboard.press("End")
        box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
        assert box.evaluate("b => b.scrollLeft") > 0
        assert abs(first.bounding_box()["x"] - before) <= 1, "the first column scrolled away"
    if path == "comparisons/first-line/":  # the first-line table reads as cards: the effect column is whole
        cell = phone.locator("table.her2db-compare td[data-label='PFS HR (95% CI)']").first
        box, screen = cell.bounding_box(), 390
        assert box["x"] >= 0 and box["x"] + box["width"] <= screen and "0.62 (0.51–0.75)" in cell.inner_text()


def test_figures_have_axis_labels(built: Built) -> None:
    for path in ("studies/destiny-breast09", "comparisons/first-line"):
        html = (built.public / path / "index.html").read_text(encoding="utf-8")
        for svg in re.findall(r"<svg class=\"her2db-forest__svg\".*?</svg>", html, re.S):
            assert re.search(r'class="her2db-forest__xlabel"[^>]*>Hazard ratio', svg)
            assert re.search(r'class="her2db-forest__head"[^>]*>HR', svg)
