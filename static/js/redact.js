/* Drawing boxes to hide on a photo. The form underneath is the source of truth: one row of
 * four percentages and a mode per box, which works by keyboard and without JavaScript.
 * This script shows the rows as boxes on the photo, adds a row for each box drawn with a
 * finger, pen or mouse (pointer events), and lets rows be deleted. */
(function () {
  "use strict";

  var MIN_SIZE = 0.5; // percent: smaller drags are taps, not boxes
  var KEYS = ["x", "y", "w", "h"];

  function clamp(value) { return Math.min(100, Math.max(0, value)); }
  function round(value) { return Math.round(value * 100) / 100; }

  function setUp(editor) {
    var overlay = editor.querySelector("[data-overlay]");
    var rowsBox = editor.querySelector("[data-rows]");
    var template = editor.querySelector("[data-row-template]");
    var tools = editor.querySelector("[data-tools]");
    var drawButton = editor.querySelector("[data-draw]");
    var newMode = editor.querySelector("[data-new-mode]");
    var fieldset = editor.querySelector("fieldset");
    var editable = !(fieldset && fieldset.disabled);
    var drawing = false;
    var draft = null;

    function rows() { return Array.prototype.slice.call(rowsBox.querySelectorAll("[data-row]")); }

    function valuesOf(row) {
      var values = {};
      for (var i = 0; i < KEYS.length; i += 1) {
        var raw = row.querySelector("[data-" + KEYS[i] + "]").value;
        if (raw === "" || !isFinite(parseFloat(raw))) { return null; }
        values[KEYS[i]] = clamp(parseFloat(raw));
      }
      values.mode = row.querySelector("[data-mode]").value;
      return values;
    }

    function place(box, values) {
      box.style.left = values.x + "%";
      box.style.top = values.y + "%";
      box.style.width = Math.min(values.w, 100 - values.x) + "%";
      box.style.height = Math.min(values.h, 100 - values.y) + "%";
    }

    function render() {
      overlay.querySelectorAll(".redaction-box").forEach(function (box) { box.remove(); });
      rows().forEach(function (row, index) {
        var values = valuesOf(row);
        if (!values) { return; }
        var box = document.createElement("div");
        box.className = "redaction-box redaction-" + values.mode;
        box.textContent = String(index + 1);
        place(box, values);
        overlay.appendChild(box);
      });
    }

    function renumber() {
      rows().forEach(function (row, index) {
        var number = String(index + 1);
        row.querySelector("[data-row-number]").textContent = number;
        row.querySelectorAll("[aria-label]").forEach(function (control) {
          var label = control.getAttribute("aria-label").replace(/^Box [^:]*:/, "Box " + number + ":");
          control.setAttribute("aria-label", label);
        });
      });
    }

    function wire(row) {
      var remove = row.querySelector("[data-delete]");
      if (remove && editable) {
        remove.hidden = false;
        remove.addEventListener("click", function () {
          row.remove();
          ensureBlankRow();
          renumber();
          render();
        });
      }
    }

    function blankRow() {
      var last = rows().pop();
      return last && KEYS.every(function (key) {
        return last.querySelector("[data-" + key + "]").value === "";
      }) ? last : null;
    }

    function ensureBlankRow() {
      if (blankRow()) { return; }
      var row = template.content.firstElementChild.cloneNode(true);
      rowsBox.appendChild(row);
      wire(row);
    }

    function addBox(values) {
      var row = blankRow();
      KEYS.forEach(function (key) { row.querySelector("[data-" + key + "]").value = round(values[key]); });
      row.querySelector("[data-mode]").value = newMode.value;
      ensureBlankRow();
      renumber();
      editor.dataset.unsaved = "true";
      render();
    }

    /* ---------- drawing ---------- */

    function pointAt(event) {
      var bounds = overlay.getBoundingClientRect();
      return {
        x: clamp((event.clientX - bounds.left) / bounds.width * 100),
        y: clamp((event.clientY - bounds.top) / bounds.height * 100)
      };
    }

    function rectangle(from, to) {
      return {
        x: Math.min(from.x, to.x), y: Math.min(from.y, to.y),
        w: Math.abs(to.x - from.x), h: Math.abs(to.y - from.y)
      };
    }

    overlay.addEventListener("pointerdown", function (event) {
      if (!drawing) { return; }
      event.preventDefault();
      overlay.setPointerCapture(event.pointerId);
      var start = pointAt(event);
      var box = document.createElement("div");
      box.className = "redaction-box redaction-draft";
      overlay.appendChild(box);
      draft = { start: start, box: box, pointer: event.pointerId };
    });

    overlay.addEventListener("pointermove", function (event) {
      if (!draft || event.pointerId !== draft.pointer) { return; }
      place(draft.box, rectangle(draft.start, pointAt(event)));
    });

    function finish(event, keep) {
      if (!draft || event.pointerId !== draft.pointer) { return; }
      var values = rectangle(draft.start, pointAt(event));
      draft.box.remove();
      draft = null;
      if (keep && values.w >= MIN_SIZE && values.h >= MIN_SIZE) { addBox(values); }
    }
    overlay.addEventListener("pointerup", function (event) { finish(event, true); });
    overlay.addEventListener("pointercancel", function (event) { finish(event, false); });

    function setDrawing(on) {
      drawing = on;
      drawButton.setAttribute("aria-pressed", on ? "true" : "false");
      drawButton.textContent = on ? "Stop drawing" : "Draw boxes on the photo";
      // While drawing, a finger on the photo draws instead of scrolling the page.
      overlay.classList.toggle("drawing", on);
    }

    /* ---------- start ---------- */

    function markUnsaved() { editor.dataset.unsaved = "true"; render(); }

    rows().forEach(wire);
    rowsBox.addEventListener("input", markUnsaved);
    rowsBox.addEventListener("change", markUnsaved);
    rowsBox.addEventListener("click", function (event) {
      if (event.target.closest("[data-delete]")) { editor.dataset.unsaved = "true"; }
    });
    editor.querySelector("[data-redaction-form]").addEventListener("submit", function () {
      delete editor.dataset.unsaved;
    });
    render();
    if (editable) {
      tools.hidden = false;
      drawButton.addEventListener("click", function () { setDrawing(!drawing); });
    }
  }

  document.querySelectorAll("[data-redactor]").forEach(setUp);

  // Approving publishes the photo as last saved: do not let drawn boxes be forgotten.
  document.querySelectorAll(".decision-set form, form[data-publishes]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!document.querySelector("[data-redactor][data-unsaved]")) { return; }
      var message = "You have hidden areas that are not saved yet, so the photo would be " +
        "published without them. Go ahead anyway?";
      if (!window.confirm(message)) { event.preventDefault(); }
    });
  });
})();
