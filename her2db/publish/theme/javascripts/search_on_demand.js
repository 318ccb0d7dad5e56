/* The site's search index (search/search_index.json, several MB on a large corpus) is loaded
 * only when the reader searches. Without this, every page opened (each one, when instant
 * navigation is off) downloads the index and builds it in a worker, the reader's CPU
 * included, for a search most readers of a page never make. MkDocs Material requests the index
 * with XMLHttpRequest as soon as its bundle starts; this script runs just before the bundle
 * (her2db/publish/theme/main.html puts it there on every page) and holds that one request
 * until the reader opens the search box, by click, tap or keyboard shortcut. Opened by
 * instant navigation, the bundle already runs and has its index: nothing is held then. */
(function () {
  "use strict";

  if (document.documentElement.classList.contains("js") || window.her2dbSearchOnDemand) {
    return; // the bundle runs already (instant navigation), or this page held the index already
  }
  window.her2dbSearchOnDemand = true;
  var INDEX = /\/search\/search_index\.json$/;
  var held = [];
  var wanted = false;

  function release() {
    if (wanted) {
      return;
    }
    wanted = true;
    held.splice(0).forEach(function (send) {
      send();
    });
  }

  function searching(event) {
    var target = event.target;
    if (target && target.matches && (target.matches(".md-search__input") ||
        (target.id === "__search" && target.checked))) {
      release();
    }
  }
  document.addEventListener("focusin", searching, true);
  document.addEventListener("change", searching, true);

  var open = XMLHttpRequest.prototype.open;
  var send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    this.her2dbHeld = !wanted && INDEX.test(new URL(String(url), document.baseURI).pathname);
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    var request = this;
    var args = arguments;
    if (!request.her2dbHeld || wanted) {
      return send.apply(request, args);
    }
    held.push(function () {
      send.apply(request, args);
    });
  };
})();
