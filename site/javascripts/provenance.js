/* her2db: where a number was read. Every number is a button; a click, tap, Enter or Space
 * opens the panel after it (primary publication, the review and place it was read in, the
 * verbatim quote), Escape or a second click closes it. Event delegation on the document, so
 * it keeps working when Material's instant navigation swaps the page content. */
(function () {
  "use strict";

  var open = null;

  function close(returnFocus) {
    if (!open) return;
    var button = open.querySelector(".her2db-n__value");
    open.querySelector(".her2db-prov").hidden = true;
    button.setAttribute("aria-expanded", "false");
    open.classList.remove("her2db-n--open");
    if (returnFocus) button.focus();
    open = null;
  }

  function place(panel, button) {
    // fixed to the viewport, below the number (above it near the bottom), never off screen
    var box = button.getBoundingClientRect();
    var width = Math.min(420, window.innerWidth - 16);
    panel.style.width = width + "px";
    panel.style.left = Math.max(8, Math.min(box.left, window.innerWidth - width - 8)) + "px";
    var below = box.bottom + 6;
    panel.style.top = below + "px";
    var height = panel.getBoundingClientRect().height;
    if (below + height > window.innerHeight - 8) {
      panel.style.top = Math.max(8, box.top - height - 6) + "px";
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".her2db-n__value") : null;
    if (button) {
      var wrapper = button.parentElement;
      var same = open === wrapper;
      close(false);
      if (same) return;
      var panel = wrapper.querySelector(".her2db-prov");
      panel.hidden = false;
      button.setAttribute("aria-expanded", "true");
      wrapper.classList.add("her2db-n--open");
      open = wrapper;
      place(panel, button);
      return;
    }
    if (open && !open.contains(event.target)) close(false);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && open) close(true);
  });

  window.addEventListener("scroll", function () { close(false); }, { passive: true });
})();
