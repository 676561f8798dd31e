/* partyflow web: small progressive enhancements; every page works without this file. */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  // Member pickers: filter a list of people (checkboxes, radios or one row per person) by name,
  // branch or status as one types; every word typed must match. A chosen person stays in view.
  document.addEventListener("input", function (ev) {
    var input = ev.target;
    if (!input.matches || !input.matches("input[data-filter]")) return;
    var id = input.getAttribute("data-filter");
    var list = document.getElementById(id);
    var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var matches = 0;
    list.querySelectorAll("[data-name]").forEach(function (item) {
      var text = item.getAttribute("data-name").toLowerCase();
      var box = item.querySelector("input[type=checkbox], input[type=radio]");
      var match = words.every(function (w) { return text.indexOf(w) !== -1; });
      item.hidden = !match && !(box && box.checked);
      if (match) matches++;
    });
    var none = document.querySelector('[data-filter-none="' + id + '"]');
    if (none) none.hidden = matches > 0;
  });

  // A select that submits its form when changed (the language switch, the branch of a new
  // meeting): wired here, not in an onchange attribute (Content-Security-Policy: no inline script).
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });

  // "Select all" in the queue.
  document.addEventListener("change", function (ev) {
    var box = ev.target;
    if (!box.matches || !box.matches("input[data-check-all]")) return;
    var form = box.closest("form");
    form.querySelectorAll('input[name="' + box.getAttribute("data-check-all") + '"]').forEach(function (b) { b.checked = box.checked; });
  });

  // Keyboard: "/" focuses the inbox search; "c" claims the open task (outside text fields).
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey || (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)))) return;
    var el = document.querySelector('[data-shortcut="' + ev.key + '"]');
    if (!el) return;
    ev.preventDefault();
    if (el.tagName === "INPUT") el.focus(); else el.click();
  });

  // The case diagram: bpmn-js NavigatedViewer with a marker per step state and a count badge on
  // steps run more than once. The bpmn.io watermark stays as the viewer draws it (licence).
  onReady(function () {
    var container = document.getElementById("diagram");
    var dataEl = document.getElementById("diagram-data");
    if (!container || !dataEl || !window.BpmnJS) return;
    var data = JSON.parse(dataEl.textContent);
    var viewer = new window.BpmnJS({ container: container });
    viewer.importXML(data.xml).then(function () {
      var canvas = viewer.get("canvas");
      var overlays = viewer.get("overlays");
      var registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      // A long process fitted into the box is too small to read: zoom to a readable scale and
      // bring the first open step into view (drag and scroll to see the rest).
      if (canvas.zoom() < 0.7) {
        var ids = Object.keys(data.states);
        var open = ids.filter(function (id) { return /open|overdue/.test(data.states[id].state) && registry.get(id); })[0]
          || ids.filter(function (id) { return registry.get(id); }).pop();
        canvas.zoom(0.85);
        var pad = Math.round(container.clientWidth / 4);
        if (open && canvas.scrollToElement) canvas.scrollToElement(registry.get(open), { top: 60, left: pad, right: pad, bottom: 60 });
      }
      Object.keys(data.states).forEach(function (id) {
        var s = data.states[id];
        if (!registry.get(id)) return;
        canvas.addMarker(id, "pf-" + s.state);
        if (s.count > 1) {
          overlays.add(id, "pf-count", { position: { top: -10, right: 10 }, html: '<span class="pf-count" title="×' + s.count + '">×' + s.count + "</span>" });
        }
      });
      container.setAttribute("data-ready", "1");
    }).catch(function (err) {
      container.textContent = String(err && err.message || err);
    });
  });
})();
