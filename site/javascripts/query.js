/* her2db Query page: SQL in the reader's browser on the release's own SQLite file.
 *
 * SQLite is sql.js (WebAssembly), shipped inside the site. The page fetches the engine and the
 * database once, gzip-compressed (a browser without DecompressionStream fetches the
 * uncompressed originals), keeps their bytes, and runs every query in a Web Worker built from
 * them, which unpacks them (the packed database comes without its indexes, which the worker
 * builds once the first result is shown): a
 * query that runs past the time limit is stopped by terminating the worker, and a fresh one
 * starts from the kept bytes, so the page stays usable (and works offline once loaded).
 * Loaded only by this page (a script element in its content: Material's instant navigation
 * runs it again on every visit). */
(function () {
  "use strict";

  var root = document.getElementById("her2db-query");
  if (!root) {
    return;
  }
  if (window.her2dbQuery) {
    window.her2dbQuery.close(); // an earlier visit's worker (instant navigation)
  }
  var config = JSON.parse(root.getAttribute("data-config"));
  var editor = document.getElementById("query-sql");
  var runButton = document.getElementById("query-run");
  var csvButton = document.getElementById("query-csv");
  var linkAnchor = document.getElementById("query-link");
  var statusBox = document.getElementById("query-status");
  var errorBox = document.getElementById("query-error");
  var resultBox = document.getElementById("query-result");
  var INDENT = "  ";
  var PERMALINK = "#sql=";

  /* --- the worker: this function's source runs inside it, after sql.js's loader ---------- */

  function workerMain() {
    var db = null;

    // The one message for any statement that would write, whether this page or SQLite stops it.
    var READ_ONLY = "Only SELECT queries (or WITH … SELECT) can run here: the database is " +
      "read-only. Use her2db or the downloaded file to change a copy of it.";

    function UserError(message, offset) {
      this.message = message;
      this.offset = offset;
    }

    // Where SQLite's message points in the query: the token of "near "...": syntax error"
    // (the first occurrence at which the query fails the same way), or the name that is
    // "no such column/table/function".
    function errorOffset(sql, message) {
      var near = /near "([\s\S]*)": syntax error/.exec(message);
      if (near) {
        var token = near[1];
        var first = -1;
        for (var at = sql.indexOf(token); at !== -1; at = sql.indexOf(token, at + 1)) {
          if (first === -1) {
            first = at;
          }
          try {
            db.prepare(sql.slice(0, at + token.length)).free();
          } catch (e) {
            if (String(e.message) === message) {
              return at;
            }
          }
        }
        return first === -1 ? undefined : first;
      }
      if (/incomplete input/.test(message)) {
        return sql.replace(/\s+$/, "").length;
      }
      var name = /no such (?:column|table|function): ([\w.]+)/.exec(message);
      if (name) {
        var word = name[1].split(".").pop().replace(/[^\w]/g, "");
        var found = new RegExp("\\b" + word + "\\b", "i").exec(sql);
        return found ? found.index : undefined;
      }
      return undefined;
    }

    function stripComments(text) {
      return text.replace(/^(\s+|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*/, "");
    }

    // Only one statement, and it must read: SELECT or WITH … SELECT. The database is also
    // opened with query_only, and lives in the worker's memory, so nothing could persist.
    function prepareOne(sql) {
      var statements = db.iterateStatements(sql);
      var first = statements.next();
      if (first.done) {
        throw new UserError("The query is empty: write one SELECT statement.");
      }
      var statement = first.value;
      var rest = statements.getRemainingSQL();
      var more = false;
      try {
        var others = db.iterateStatements(rest);
        more = !others.next().done;
        others["return"]();
      } catch (e) {
        more = true;
      }
      if (more) {
        statements["return"]();
        throw new UserError("Only one statement at a time: remove everything after the first " +
          "statement (the second one starts here), or run them one by one.",
          sql.length - rest.length + (rest.length - rest.replace(/^[\s;]+/, "").length));
      }
      var keyword = stripComments(statement.getSQL()).slice(0, 6).toUpperCase();
      if ((keyword !== "SELECT" && keyword.slice(0, 4) !== "WITH") ||
          statement.getColumnNames().length === 0) {
        statements["return"]();
        throw new UserError(READ_ONLY, sql.length - stripComments(sql).length);
      }
      return { statement: statement, statements: statements };
    }

    function cell(value) {
      if (value instanceof Uint8Array) {
        return "x'" + Array.prototype.map.call(value, function (b) {
          return (b < 16 ? "0" : "") + b.toString(16);
        }).join("") + "'";
      }
      return value;
    }

    function run(sql, maxRows) {
      var prepared = prepareOne(sql);
      var statement = prepared.statement;
      var columns = statement.getColumnNames();
      var rows = [];
      try {
        while (rows.length <= maxRows && statement.step()) {
          rows.push(statement.get().map(cell));
        }
      } finally {
        prepared.statements["return"]();
      }
      var truncated = rows.length > maxRows;
      return { columns: columns, rows: truncated ? rows.slice(0, maxRows) : rows, truncated: truncated };
    }

    var engine = null; // Promise of sql.js, compiling while the page still fetches the database
    var indexes = []; // [name, statement] of the indexes the packed copy ships without
    var indexing = false;

    // One index a task, once the first result is shown: a query sent meanwhile waits for one
    // index at most. An index the database already has (the original, fetched where a browser
    // cannot unpack) is left as it is; one that cannot be built leaves queries slower, not wrong.
    function buildNextIndex() {
      var next = indexes.shift();
      if (!next) {
        return;
      }
      var exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?");
      try {
        exists.bind([next[0]]);
        if (!exists.step()) {
          db.exec("PRAGMA query_only = OFF");
          try {
            db.exec(next[1]);
          } catch (ignored) {
            // queries still answer, without this index
          } finally {
            db.exec("PRAGMA query_only = ON");
          }
        }
      } finally {
        exists.free();
      }
      setTimeout(buildNextIndex, 0);
    }

    self.onmessage = function (event) {
      var message = event.data;
      if (message.type === "engine") {
        /* global initSqlJs, unpack */
        engine = unpack(message.wasm).then(function (wasm) {
          return initSqlJs({ wasmBinary: wasm });
        });
        return;
      }
      if (message.type === "open") {
        Promise.all([engine, unpack(message.database)]).then(function (parts) {
          db = new parts[0].Database(new Uint8Array(parts[1]));
          db.exec("PRAGMA query_only = ON");
          indexes = Object.keys(message.indexes).sort().map(function (name) {
            return [name, message.indexes[name]];
          });
          self.postMessage({ type: "ready" });
        }, function (error) {
          self.postMessage({ type: "failed", message: String(error && error.message || error) });
        });
        return;
      }
      var started = Date.now();
      try {
        var result = run(message.sql, message.maxRows);
        result.type = "result";
        result.id = message.id;
        result.ms = Date.now() - started;
        self.postMessage(result);
      } catch (error) {
        var text = String(error && error.message || error);
        var offset = error instanceof UserError ? error.offset : errorOffset(message.sql, text);
        if (/readonly|read-only|query_only/i.test(text)) {
          text = READ_ONLY;
        }
        self.postMessage({ type: "error", id: message.id, message: text, offset: offset });
      }
      if (!indexing) {
        indexing = true;
        setTimeout(buildNextIndex, 0);
      }
    };
  }

  /* --- loading: the engine and the database, fetched once from this site -------------- */

  var loaded = null; // {engine: Promise of {loader, wasm}, database: Promise of its bytes}
  var worker = null;
  var ready = null; // Promise that the current worker has opened the database
  var pending = null; // {id, resolve, reject, timer}
  var nextId = 1;
  var lastResult = null;

  function fetchOk(url) {
    return fetch(new URL(url, document.baseURI).href).then(function (response) {
      if (!response.ok) {
        throw new Error("could not load " + url + " (HTTP " + response.status + ")");
      }
      return response.arrayBuffer();
    });
  }

  // gzip bytes unpacked (DecompressionStream); other bytes as they are: the original a browser
  // that cannot unpack fetched, or what a server that decoded the gzip itself (Content-Encoding)
  // sent. Runs here for sql.js's loader and inside the worker (its source is added to the
  // worker's) for the engine and the database: the page's own thread stays free meanwhile.
  function unpack(bytes) {
    var head = new Uint8Array(bytes, 0, Math.min(2, bytes.byteLength));
    if (head[0] !== 0x1f || head[1] !== 0x8b) {
      return Promise.resolve(bytes);
    }
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
  }

  // The bytes of [packed, original]: the gzip file, or the original where the browser cannot unpack.
  function fetchPacked(urls) {
    return fetchOk(typeof DecompressionStream === "undefined" ? urls[1] : urls[0]);
  }

  function load() {
    if (!loaded) {
      var assets = {
        engine: Promise.all([fetchPacked(config.engine[0]).then(unpack), fetchPacked(config.engine[1])])
          .then(function (parts) {
            return { loader: new TextDecoder().decode(parts[0]), wasm: parts[1] };
          }),
        database: fetchPacked(config.database)
      };
      Promise.all([assets.engine, assets.database])["catch"](function () {
        if (loaded === assets) {
          loaded = null; // let the next Run try again
        }
      });
      loaded = assets;
    }
    return loaded;
  }

  // A worker gets the engine as soon as it is here (it unpacks and compiles it while the
  // database still comes), then the database, both still packed. Both are sent as copies: the
  // kept bytes must survive it.
  function startWorker() {
    var assets = load();
    ready = assets.engine.then(function (engine) {
      var source = engine.loader + "\n;" + unpack.toString() + "\n;(" + workerMain.toString() + ")();\n";
      var url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
      var started = new Worker(url);
      worker = started;
      URL.revokeObjectURL(url);
      var opened = new Promise(function (resolve, reject) {
        started.onmessage = function (event) {
          if (event.data.type === "ready") {
            started.onmessage = onWorkerMessage;
            started.onerror = onWorkerCrash;
            resolve();
          } else {
            reject(new Error("SQLite did not start: " + event.data.message));
          }
        };
        started.onerror = function (event) {
          reject(new Error("SQLite did not start: " + (event.message || "worker error")));
        };
      });
      started.postMessage({ type: "engine", wasm: engine.wasm.slice(0) });
      return assets.database.then(function (database) {
        started.postMessage({ type: "open", database: database.slice(0), indexes: config.indexes });
        return opened;
      });
    });
    ready["catch"](function () {
      stopWorker();
    });
    return ready;
  }

  function stopWorker() {
    if (worker) {
      worker.terminate();
    }
    worker = null;
    ready = null;
  }

  function onWorkerMessage(event) {
    var message = event.data;
    if (!pending || message.id !== pending.id) {
      return;
    }
    var current = pending;
    pending = null;
    clearTimeout(current.timer);
    if (message.type === "result") {
      current.resolve(message);
    } else {
      current.reject(message);
    }
  }

  function onWorkerCrash(event) {
    var current = pending;
    pending = null;
    stopWorker(); // the next query starts a fresh one
    if (current) {
      clearTimeout(current.timer);
      current.reject({ message: "SQLite stopped unexpectedly (" + (event.message || "worker error") +
        "); run the query again." });
    }
  }

  function execute(sql) {
    return (ready || startWorker()).then(function () {
      return new Promise(function (resolve, reject) {
        var id = nextId++;
        pending = {
          id: id, resolve: resolve, reject: reject,
          timer: setTimeout(function () {
            pending = null;
            stopWorker(); // the only way to stop a running query; a fresh worker is started below
            startWorker();
            reject({ message: "The query was stopped after the time limit of " + config.timeLimit +
              " seconds. Narrow it down (a WHERE clause, a LIMIT), or check a recursive query " +
              "for an end condition." });
          }, config.timeLimit * 1000)
        };
        worker.postMessage({ type: "run", id: id, sql: sql, maxRows: config.maxRows });
      });
    });
  }

  /* --- showing results ---------------------------------------------------------------- */

  // Numbers as written (0.00001, not 1e-5; 49, not 49.0), the way `her2db query` prints them.
  function plainNumber(value) {
    var text = String(value);
    var match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
    if (!match) {
      return text;
    }
    var digits = match[2] + (match[3] || "");
    var point = 1 + parseInt(match[4], 10);
    if (point <= 0) {
      return match[1] + "0." + "0".repeat(-point) + digits;
    }
    return match[1] + (point >= digits.length ? digits + "0".repeat(point - digits.length)
      : digits.slice(0, point) + "." + digits.slice(point));
  }

  function display(value) {
    if (value === null || value === undefined) {
      return "";
    }
    return typeof value === "number" ? plainNumber(value) : String(value);
  }

  // as her2db/model/formulas.py: a text a spreadsheet would run as a formula gets a quote before it
  function neutralised(value) {
    var text = display(value);
    var formula = typeof value === "string" && text.length > 1 && /^[=+\-@\t\r]/.test(text) &&
      !/^-?\d+(\.\d+)?$/.test(text);
    return formula ? "'" + text : text;
  }

  function csvField(value) {
    var text = neutralised(value);
    return /[",\r\n]/.test(text) ? "\"" + text.replace(/"/g, "\"\"") + "\"" : text;
  }

  function toCsv(result) {
    return [result.columns].concat(result.rows).map(function (row) {
      return row.map(csvField).join(",");
    }).join("\n") + "\n";
  }

  function setStatus(text) {
    statusBox.textContent = text;
  }

  function clearError() {
    errorBox.textContent = "";
  }

  function lineAndColumn(sql, offset) {
    var before = sql.slice(0, offset).split("\n");
    return { line: before.length, column: before[before.length - 1].length + 1 };
  }

  function showError(sql, error) {
    clearError();
    var title = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = "Error: ";
    title.appendChild(strong);
    title.appendChild(document.createTextNode(error.message));
    errorBox.appendChild(title);
    if (typeof error.offset === "number" && error.offset >= 0 && error.offset <= sql.length) {
      var where = lineAndColumn(sql, error.offset);
      var place = document.createElement("p");
      place.textContent = "At line " + where.line + ", column " + where.column + ":";
      var pre = document.createElement("pre");
      pre.textContent = sql.split("\n")[where.line - 1] + "\n" + " ".repeat(where.column - 1) + "^";
      errorBox.appendChild(place);
      errorBox.appendChild(pre);
      editor.setSelectionRange(error.offset, error.offset);
    }
  }

  function showResult(result) {
    lastResult = result;
    resultBox.textContent = "";
    var count = result.rows.length;
    var summary = count === 1 ? "1 row" : count + " rows";
    if (result.truncated) {
      summary = "First " + count + " rows shown (the row cap); narrow the query to see the rest";
    }
    var caption = document.createElement("caption");
    caption.textContent = summary;
    var table = document.createElement("table");
    table.appendChild(caption);
    var head = table.createTHead().insertRow();
    result.columns.forEach(function (name) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = name;
      head.appendChild(th);
    });
    var body = table.createTBody();
    result.rows.forEach(function (row) {
      var tr = body.insertRow();
      row.forEach(function (value) {
        tr.insertCell().textContent = display(value);
      });
    });
    var scroll = document.createElement("div"); // Material's wrappers: wide tables scroll
    scroll.className = "md-typeset__scrollwrap";
    var wrapper = document.createElement("div");
    wrapper.className = "md-typeset__table";
    wrapper.appendChild(table);
    scroll.appendChild(wrapper);
    resultBox.appendChild(scroll);
    if (window.her2dbSortable) {
      window.her2dbSortable(table); // the site's own sortable tables (tablesort.js)
    }
    csvButton.disabled = false;
    setStatus(summary + " in " + result.ms + " ms.");
  }

  /* --- the editor --------------------------------------------------------------------- */

  function permalink(sql) {
    return PERMALINK + encodeURIComponent(sql);
  }

  function run() {
    if (pending || runButton.disabled) {
      return Promise.resolve(); // one query at a time; the running one ends or times out first
    }
    var sql = editor.value;
    linkAnchor.href = permalink(sql);
    history.replaceState(history.state, "", permalink(sql));
    clearError();
    runButton.disabled = true;
    setStatus(loaded ? "Running…" : "Loading SQLite and the database (first query only)…");
    return execute(sql).then(showResult, function (error) {
      lastResult = null;
      csvButton.disabled = true;
      resultBox.textContent = "";
      setStatus("The query did not run.");
      showError(sql, error);
    }).then(function () {
      runButton.disabled = false;
    });
  }

  function insert(text) {
    var start = editor.selectionStart;
    var end = editor.selectionEnd;
    editor.setRangeText(text, start, end, "end");
    editor.focus();
  }

  var tabMovesFocus = false; // after Esc, Tab leaves the editor (no keyboard trap)

  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    } else if (event.key === "Escape") {
      tabMovesFocus = true;
    } else if (event.key === "Tab" && !tabMovesFocus && !event.shiftKey) {
      event.preventDefault();
      insert(INDENT);
    } else if (event.key !== "Tab" && event.key !== "Shift") {
      tabMovesFocus = false;
    }
  });
  editor.addEventListener("blur", function () {
    tabMovesFocus = false;
  });
  runButton.addEventListener("click", run);
  csvButton.addEventListener("click", function () {
    if (!lastResult) {
      return;
    }
    var link = document.createElement("a");
    // with a byte order mark, like the CSV downloads: spreadsheets then read it as UTF-8
    link.href = URL.createObjectURL(new Blob(["\ufeff" + toCsv(lastResult)], { type: "text/csv" }));
    link.download = config.database[1].split("/").pop().replace(/\.sqlite$/, "") + "-query.csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () {
      URL.revokeObjectURL(link.href);
    }, 0);
  });
  root.querySelectorAll("[data-insert]").forEach(function (button) {
    button.addEventListener("click", function () {
      insert(button.getAttribute("data-insert"));
    });
  });
  root.querySelectorAll("[data-example]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (runButton.disabled) {
        return;
      }
      editor.value = config.examples[button.getAttribute("data-example")];
      run();
    });
  });

  function fromLocation() {
    if (location.hash.indexOf(PERMALINK) !== 0) {
      return;
    }
    var sql;
    try {
      sql = decodeURIComponent(location.hash.slice(PERMALINK.length));
    } catch (e) {
      setStatus("The link's query is not valid URL encoding.");
      return;
    }
    if (sql !== editor.value || !lastResult) {
      editor.value = sql;
      run();
    }
  }

  window.addEventListener("hashchange", fromLocation);
  linkAnchor.href = permalink(editor.value);
  window.her2dbQuery = {
    close: function () {
      window.removeEventListener("hashchange", fromLocation);
      stopWorker();
    }
  };
  fromLocation();
})();
