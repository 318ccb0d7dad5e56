/* her2db: what Material's markup leaves out for assistive technology. The search dialog gets
 * a name, and Material's wrappers of wide Markdown tables become keyboard-reachable, named
 * scroll regions (our own tables are rendered that way already). Runs on every page Material's
 * instant navigation shows (`document$`), or once without it. */
(function () {
  "use strict";

  function label(wrapper) {
    var table = wrapper.querySelector("table");
    var caption = table && table.caption ? table.caption.textContent : "";
    if (caption) return caption.trim();
    var heading = null;
    for (var node = wrapper.closest(".md-typeset__table") || wrapper; node && !heading; node = node.previousElementSibling) {
      if (/^H[1-6]$/.test(node.tagName)) heading = node;
    }
    return heading ? heading.textContent.replace(/¶$/, "").trim() + " (table)" : "Table";
  }

  function setUp() {
    document.querySelectorAll(".md-search[role=dialog]").forEach(function (dialog) {
      dialog.setAttribute("aria-label", "Search");
    });
    var seen = {};
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (wrapper) {
      var name = label(wrapper);
      seen[name] = (seen[name] || 0) + 1;  // every region's name is unique on the page
      wrapper.setAttribute("tabindex", "0");
      wrapper.setAttribute("role", "region");
      wrapper.setAttribute("aria-label", seen[name] > 1 ? name + " " + seen[name] : name);
    });
  }

  // A scroll box wider than the screen shows a cue (her2db.css), gone once scrolled to its end.
  function overflow() {
    document.querySelectorAll(".her2db-scroll, .her2db-figscroll, .md-typeset__scrollwrap").forEach(function (box) {
      var wide = box.scrollWidth > box.clientWidth + 1;
      box.classList.toggle("her2db-overflows", wide);
      box.classList.toggle("her2db-at-end", wide && box.scrollLeft + box.clientWidth >= box.scrollWidth - 1);
      if (!box.dataset.her2dbWatched) {
        box.dataset.her2dbWatched = "1";
        box.addEventListener("scroll", overflow, { passive: true });
      }
    });
  }
  // after Material has wrapped the page's Markdown tables (its own subscriber may run later)
  function overflowSoon() { window.setTimeout(overflow, 0); }
  window.addEventListener("resize", overflow);
  window.addEventListener("load", overflow);
  if (typeof document$ !== "undefined") {
    document$.subscribe(overflowSoon);
  } else {
    document.addEventListener("DOMContentLoaded", overflowSoon);
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(setUp);
  } else {
    document.addEventListener("DOMContentLoaded", setUp);
  }
})();
