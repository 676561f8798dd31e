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
  // It opens fitted to the box's width, but never smaller than READABLE (a long process then shows
  // its first open step, the rest by dragging); 适应宽度 shows the whole width, ＋/－ zoom. On a
  // phone the step list comes first and the diagram is drawn when its button opens it.
  var READABLE = 0.6;
  onReady(function () {
    var container = document.getElementById("diagram");
    var dataEl = document.getElementById("diagram-data");
    if (!container || !dataEl || !window.BpmnJS) return;
    var box = container.closest("details");
    var data = JSON.parse(dataEl.textContent);
    var viewer = null;

    function widthScale(canvas) {
      var inner = canvas.getRootElement ? canvas.viewbox().inner : null;
      if (!inner || !inner.width) return 1;
      return (container.clientWidth - 16) / inner.width;
    }
    function fitWidth(canvas, readable) {
      var inner = canvas.viewbox().inner;
      var scale = widthScale(canvas);
      if (readable && scale < READABLE) {
        var ids = Object.keys(data.states);
        var registry = viewer.get("elementRegistry");
        var open = ids.filter(function (id) { return /open|overdue/.test(data.states[id].state) && registry.get(id); })[0]
          || ids.filter(function (id) { return registry.get(id); }).pop();
        canvas.zoom(READABLE);
        // the start at the left edge, unless the open step would then lie past three quarters
        var vb = canvas.viewbox();
        var x0 = inner.x - 8 / READABLE;
        var el = open && registry.get(open);
        if (el && el.x + el.width > x0 + vb.width * 0.75) x0 = el.x - vb.width / 4;
        canvas.viewbox({ x: x0, y: inner.y - 8 / READABLE, width: vb.width, height: vb.height });
      } else {
        var s = Math.min(scale, 1.2);
        canvas.zoom(s);
        var v = canvas.viewbox();
        canvas.viewbox({ x: inner.x - 8 / s, y: inner.y - 8 / s, width: v.width, height: v.height });
      }
      container.setAttribute("data-scale", canvas.zoom().toFixed(3));
    }
    function draw() {
      if (viewer) return;
      viewer = new window.BpmnJS({ container: container });
      viewer.importXML(data.xml).then(function () {
        var canvas = viewer.get("canvas");
        var overlays = viewer.get("overlays");
        var registry = viewer.get("elementRegistry");
        fitWidth(canvas, true);
        Object.keys(data.states).forEach(function (id) {
          var s = data.states[id];
          if (!registry.get(id)) return;
          canvas.addMarker(id, "pf-" + s.state);
          if (s.count > 1) {
            overlays.add(id, "pf-count", { position: { top: -10, right: 10 }, html: '<span class="pf-count" title="×' + s.count + '">×' + s.count + "</span>" });
          }
        });
        document.querySelectorAll("[data-diagram]").forEach(function (btn) {
          btn.addEventListener("click", function () {
            var what = btn.getAttribute("data-diagram");
            if (what === "fit") fitWidth(canvas, false);
            else canvas.zoom(canvas.zoom() * (what === "in" ? 1.25 : 0.8));
            container.setAttribute("data-scale", canvas.zoom().toFixed(3));
          });
        });
        container.setAttribute("data-ready", "1");
      }).catch(function (err) {
        container.textContent = String(err && err.message || err);
      });
    }
    if (box && window.matchMedia("(max-width: 640px)").matches) {
      box.open = false;
      box.addEventListener("toggle", function () { if (box.open) draw(); });
    } else {
      draw();
    }
  });
})();
