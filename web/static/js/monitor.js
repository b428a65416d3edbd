// The monitor's script: it draws the BPMN diagram with the vendored bpmn-js viewer and
// marks element states on it, and tells htmx's polling when to hold off. Every page
// works without it.
(function () {
  "use strict";

  // weftLiveOK is the filter of the live parts' polling (hx-trigger="every 5s
  // [weftLiveOK(this)]"): no refresh while the tab is hidden, while a field inside has
  // focus, or while check boxes inside are ticked (a bulk action in the making).
  window.weftLiveOK = function (el) {
    if (document.visibilityState !== "visible") return false;
    var active = document.activeElement;
    if (active && active !== document.body && el.contains(active)) return false;
    return !el.querySelector("input[type=checkbox]:checked");
  };

  var viewer = null;
  var markers = ["weft-active", "weft-incident", "weft-done", "weft-terminated", "weft-taken"];

  function diagramState() {
    var el = document.getElementById("diagram-state");
    if (!el) return null;
    try {
      return JSON.parse(el.textContent);
    } catch (e) {
      return null;
    }
  }

  function badge(cls, n, title) {
    var span = document.createElement("span");
    span.className = "weft-badge " + cls;
    span.textContent = String(n);
    span.title = n + " " + title;
    return span;
  }

  // mark puts the element states of #diagram-state on the drawn diagram.
  function mark() {
    if (!viewer) return;
    var st = diagramState();
    if (!st) return;
    var canvas = viewer.get("canvas");
    var overlays = viewer.get("overlays");
    var registry = viewer.get("elementRegistry");
    overlays.remove({ type: "weft" });
    registry.forEach(function (e) {
      markers.forEach(function (m) {
        canvas.removeMarker(e.id, m);
      });
    });
    var elements = st.elements || {};
    Object.keys(elements).forEach(function (id) {
      if (!registry.get(id)) return;
      var s = elements[id];
      if (s.incidents) canvas.addMarker(id, "weft-incident");
      else if (s.active) canvas.addMarker(id, "weft-active");
      else if (s.completed) canvas.addMarker(id, "weft-done");
      else if (s.terminated) canvas.addMarker(id, "weft-terminated");
      if (s.active) overlays.add(id, "weft", { position: { bottom: 8, left: -8 }, html: badge("weft-badge-active", s.active, "active") });
      if (s.incidents) overlays.add(id, "weft", { position: { bottom: 8, right: 8 }, html: badge("weft-badge-incident", s.incidents, "incidents") });
      if (s.completed) overlays.add(id, "weft", { position: { top: -8, right: 8 }, html: badge("weft-badge-done", s.completed, "completed") });
      if (s.terminated) overlays.add(id, "weft", { position: { top: -8, left: -8 }, html: badge("weft-badge-terminated", s.terminated, "terminated") });
    });
    (st.flows || []).forEach(function (id) {
      if (registry.get(id)) canvas.addMarker(id, "weft-taken");
    });
  }

  function note(container, text) {
    var p = container.querySelector(".diagram-note");
    if (!p) {
      p = document.createElement("p");
      p.className = "diagram-note";
      container.appendChild(p);
    }
    p.textContent = text;
  }

  function draw() {
    var container = document.getElementById("diagram");
    if (!container || typeof window.BpmnJS === "undefined") return;
    var url = container.getAttribute("data-xml-url");
    note(container, "Loading the diagram…");
    fetch(url, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.text();
      })
      .then(function (xml) {
        viewer = new window.BpmnJS({ container: container });
        return viewer.importXML(xml);
      })
      .then(function () {
        var p = container.querySelector(".diagram-note");
        if (p) p.remove();
        container.classList.add("diagram-drawn");
        // Fit large diagrams, centre small ones at their own size.
        var canvas = viewer.get("canvas");
        canvas.zoom("fit-viewport", "auto");
        if (canvas.zoom() > 1) canvas.zoom(1, "auto");
        mark();
      })
      .catch(function (err) {
        if (viewer) {
          viewer.destroy();
          viewer = null;
        }
        note(container, "The diagram could not be drawn (" + (err && err.message ? err.message : err) +
          "); its elements are listed below.");
      });
  }

  // After an action (its success message is on the page) the monitor waited for the
  // read model to show it, up to a few seconds; when it did not, the read model is
  // behind: refresh the live parts soon, rather than at the next poll.
  function refreshSoon() {
    if (!document.querySelector(".flash-success") || typeof window.htmx === "undefined") return;
    [700, 2000].forEach(function (ms) {
      setTimeout(function () {
        document.querySelectorAll(".live").forEach(function (el) {
          if (window.weftLiveOK(el)) window.htmx.trigger(el, "weftRefresh");
        });
      }, ms);
    });
  }

  draw();
  refreshSoon();
  document.body.addEventListener("htmx:afterSwap", mark);
})();
