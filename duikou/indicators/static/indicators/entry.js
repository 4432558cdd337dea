// The indicator entry grid.
//
// Enter moves to the same column of the next row (each input carries data-col and data-idx), and leaves the last row.
// An indicator with a breakdown has its sub-rows (data-option) under its total: each is a cell of its own, saved the
// same way (keyed by data-code, indicator__option).
//
// Saving: a row — an indicator's value and its note, stored as one cell with one version — is saved as soon as one
// of its inputs is left (change, or focus leaving it), each row on its own: rows save side by side, no row waits for
// another. A row's own saves take turns: what is typed into it while its save is on the way is sent when the answer
// is back, with the version that answer gave, so the last value typed is the one kept and an earlier answer never
// shows over a later edit. The server still refuses a save based on a version someone else has since replaced (409):
// the row then says so, with the stored value, and keeps what was typed.
// Each answer also brings every row's notes, the checks and the derived values, with the revision (the sum of the
// report's cell versions) they were read at: an answer that overtook a later one does not overwrite it.
// Saves are sent with keepalive, so one started as the page is left still arrives; leaving while a row is on its way
// or was not saved asks first (beforeunload). Every row says where it stands in its 保存情况 cell (role=status):
// saving, saved (and whether its checks still ask for something), or why it was not saved — in words, from the
// page's data-* attributes (translated with the page), the colour only repeats them.
(function () {
  "use strict";

  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !e.target.matches("#grid input")) return;
    e.preventDefault();
    // the next row's input of the same column that is shown (a phone hides the notes of a breakdown's sub-rows)
    var t = e.target, next = null;
    var column = document.querySelectorAll('#grid input[data-col="' + t.dataset.col + '"]');
    for (var i = 0; i < column.length && !next; i++) {
      if (Number(column[i].dataset.idx) > Number(t.dataset.idx) && column[i].offsetParent !== null) next = column[i];
    }
    if (next) { next.focus(); next.select(); } else { t.blur(); }
  });

  var grid = document.getElementById("grid");
  if (!grid || !grid.dataset.cellUrl) return;
  var say = grid.dataset;
  var revision = Number(say.revision) || 0;
  var rows = {};

  grid.querySelectorAll("tr[data-code]").forEach(function (tr) {
    var value = tr.querySelector("input.cell-value"), comment = tr.querySelector("input.cell-comment");
    if (!value || !comment) return;
    var row = {
      code: tr.dataset.code, indicator: tr.dataset.indicator || tr.dataset.code, option: tr.dataset.option || "", tr: tr, value: value, comment: comment, state: tr.querySelector(".dk-cell-state"),
      version: Number(tr.dataset.version) || 0,
      sending: null,    // the body on its way
      refused: "",      // why the last save was not taken
      failed: false,    // no answer at all (network): sent again when the row is left again
      touched: false,   // saved from this page: its state is shown
      flag: tr.dataset.flag || "",
    };
    row.stored = live(row);     // what the server holds, as typed here
    row.committed = row.stored; // what the row should hold: its inputs as they were last left
    rows[row.code] = row;
  });

  function live(row) { return {value: row.value.value, comment: row.comment.value}; }
  function same(a, b) { return a.value === b.value && a.comment === b.comment; }
  function rowOf(el) { var tr = el.closest && el.closest("tr[data-code]"); return tr ? rows[tr.dataset.code] : null; }
  function pending(row) { return Boolean(row.sending) || !same(live(row), row.stored); }

  function save(row) {
    row.committed = live(row);
    if (row.sending) return; // sent when the answer is back (see answered)
    if (same(row.committed, row.stored)) { // back to what is stored: nothing to send, nothing refused
      row.refused = ""; row.failed = false;
      render(row);
      return;
    }
    if (row.refused && !row.failed && same(row.committed, row.attempt)) return; // the same answer again
    send(row);
  }

  function send(row) {
    var body = row.committed;
    row.sending = body; row.attempt = body; row.touched = true; row.refused = ""; row.failed = false;
    render(row);
    var form = new URLSearchParams({indicator: row.indicator, value: body.value, comment: body.comment, version: String(row.version)});
    if (row.option) form.set("option", row.option); // a sub-row of the indicator's breakdown
    fetch(say.cellUrl, {
      method: "POST", body: form, keepalive: true, credentials: "same-origin",
      headers: {"X-CSRFToken": say.csrf, "Accept": "application/json"},
    }).then(function (r) {
      if ((r.headers.get("Content-Type") || "").indexOf("application/json") !== 0) return {status: r.status, answer: null};
      return r.json().then(function (answer) { return {status: r.status, answer: answer}; });
    }).then(function (res) { answered(row, body, res.status, res.answer); },
            function () { answered(row, body, 0, null); });
  }

  function answered(row, body, status, answer) {
    row.sending = null;
    if (answer && answer.saved) {
      row.version = answer.version;
      row.tr.dataset.version = String(answer.version);
      row.stored = body;
      // the number as stored (1,200.50 → 1200.5), unless the input was changed meanwhile or is being typed in
      if (answer.value !== body.value && row.value.value === body.value && document.activeElement !== row.value) {
        row.value.value = answer.value;
        row.stored = {value: answer.value, comment: body.comment};
        if (same(row.committed, body)) row.committed = row.stored;
      }
    } else if (answer && answer.detail) {
      row.refused = say.refused + answer.detail;
    } else if (status === 0) {
      row.refused = say.offline; row.failed = true;
    } else {
      row.refused = status === 403 ? say.forbidden : say.failed; // a page instead of an answer: signed out, locked
    }
    if (answer) shared(answer);
    if (!same(row.committed, body)) { send(row); return; } // typed again while this one was on its way
    render(row);
  }

  // What one save changes for the whole grid: every row's notes and flag, the checks, the derived values.
  function shared(answer) {
    if (typeof answer.revision !== "number" || answer.revision < revision) return; // overtaken by a later answer
    revision = answer.revision;
    Object.keys(answer.rows || {}).forEach(function (code) {
      var cell = document.getElementById("msg-" + code);
      if (cell) cell.outerHTML = answer.rows[code].messages;
      if (rows[code]) { rows[code].flag = answer.rows[code].flag; render(rows[code]); }
    });
    var checks = document.getElementById("violations");
    if (checks && answer.violations) checks.outerHTML = answer.violations;
    Object.keys(answer.derived || {}).forEach(function (code) {
      var cell = document.getElementById("d-" + code);
      if (cell) cell.textContent = answer.derived[code] || "—";
    });
  }

  function render(row) {
    var kind = "", text = "";
    if (row.sending) { kind = "saving"; text = say.saving; }
    else if (row.refused) { kind = "refused"; text = row.refused; }
    else if (row.touched) {
      kind = row.flag ? "saved-" + row.flag : "saved";
      text = row.flag === "note" ? say.savedNote : row.flag === "error" ? say.savedError : say.saved;
    }
    if (row.state.textContent !== text) row.state.textContent = text; // unchanged words are not announced again
    row.tr.dataset.state = kind;
    row.tr.dataset.flag = row.flag;
    row.state.dataset.state = kind;
    row.value.setAttribute("aria-invalid", kind === "refused" ? "true" : "false");
    row.value.classList.toggle("is-invalid", kind === "refused");
    row.comment.classList.toggle("is-invalid", row.flag === "note");
    row.comment.setAttribute("aria-invalid", row.flag === "note" ? "true" : "false");
  }

  grid.addEventListener("change", function (e) { var row = rowOf(e.target); if (row) save(row); });
  // leaving a row whose inputs changed without a change event, or whose last save got no answer
  grid.addEventListener("focusout", function (e) {
    var row = rowOf(e.target);
    if (row && (row.failed || !same(live(row), row.committed))) save(row);
  });

  // Leaving the page: send what was typed and not yet sent (a tab closed while typing), then ask if anything is on
  // its way or was not saved. The keepalive saves already sent arrive whatever the answer.
  function flush() {
    Object.keys(rows).forEach(function (code) {
      var row = rows[code];
      if (row.failed || !same(live(row), row.committed)) save(row);
    });
  }
  window.addEventListener("beforeunload", function (e) {
    flush();
    if (!Object.keys(rows).some(function (code) { return pending(rows[code]); })) return undefined;
    e.preventDefault();
    e.returnValue = say.leave;
    return say.leave;
  });
  window.addEventListener("pagehide", flush);
})();
