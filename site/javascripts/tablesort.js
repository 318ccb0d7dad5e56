/* her2db: sortable tables, shipped with the site (no CDN).
 * Every content table with a single header row becomes sortable: click a heading to sort by
 * that column, again to reverse. Numbers sort as numbers ("1,157" and "40.7 months" too);
 * an absent value (NR, NE, "not reported", "not applicable": a data-absent marker) always
 * sorts last. Material's instant navigation replaces the page
 * content without a reload, so tables are set up on every `document$` emission. */
(function () {
  "use strict";

  function cellKey(row, index) {
    var cell = row.cells[index];
    var text = cell ? cell.textContent.trim() : "";
    if (text === "" || (cell.querySelector("[data-absent]") && !/\d/.test(text))) {
      return { empty: true, number: NaN, text: "" };
    }
    var match = text.replace(/,/g, "").match(/^[<>=≤≥~]*\s*(-?\d+(?:\.\d+)?)/);
    return { empty: false, number: match ? parseFloat(match[1]) : NaN, text: text };
  }

  function compare(a, b) {
    if (a.empty || b.empty) {
      return a.empty === b.empty ? 0 : a.empty ? 1 : -1;
    }
    if (!isNaN(a.number) && !isNaN(b.number) && a.number !== b.number) {
      return a.number - b.number;
    }
    return a.text.localeCompare(b.text, undefined, { numeric: true, sensitivity: "base" });
  }

  function sortBy(table, header, index) {
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var headers = table.tHead.rows[0].cells;
    for (var i = 0; i < headers.length; i++) {
      headers[i].setAttribute("aria-sort", "none");
    }
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (row, position) {
      return { row: row, key: cellKey(row, index), position: position };
    });
    rows.sort(function (a, b) {
      var order = compare(a.key, b.key);
      if (order !== 0 && !a.key.empty && !b.key.empty && !ascending) {
        order = -order;
      }
      return order || a.position - b.position;
    });
    rows.forEach(function (item) {
      body.appendChild(item.row);
    });
  }

  function setUp(table) {
    if (!table.tHead || table.tHead.rows.length !== 1 || !table.tBodies.length) {
      return; // multi-row headers (adverse-event tables) keep their printed order
    }
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (header, index) {
      header.setAttribute("aria-sort", "none");
      header.setAttribute("tabindex", "0");
      header.addEventListener("click", function () {
        sortBy(table, header, index);
      });
      header.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          sortBy(table, header, index);
        }
      });
    });
  }

  window.her2dbSortable = setUp; // for tables made later, such as the Query page's results

  function setUpAll() {
    document.querySelectorAll("article table").forEach(setUp);
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(setUpAll);
  } else {
    document.addEventListener("DOMContentLoaded", setUpAll);
  }
})();
