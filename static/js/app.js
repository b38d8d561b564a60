// Praksis' own script: small, optional (every page works without it) and
// free of inline code so the Content-Security-Policy can forbid inline script.
(function () {
  "use strict";

  // Read out what an htmx action did (the server sends HX-Trigger).
  document.body.addEventListener("praksis:announce", function (evt) {
    var region = document.getElementById("live-region");
    if (region && evt.detail && typeof evt.detail.value === "string") {
      region.textContent = evt.detail.value;
    }
  });

  // After a row is swapped, the button that was pressed is gone: keep the
  // keyboard user in place by focusing the first control of the new row,
  // or its heading cell.
  document.body.addEventListener("htmx:afterSwap", function (evt) {
    var el = evt.detail.elt;
    if (!el || !el.isConnected) {
      el = evt.detail.target && document.getElementById(evt.detail.target.id);
    }
    if (el && el.tagName === "TR") {
      var target = el.querySelector("button") || el.querySelector("th");
      if (target) {
        if (target.tagName === "TH") target.setAttribute("tabindex", "-1");
        target.focus();
      }
    }
  });

  // Put focus on an error summary so screen readers read it first.
  function focusSummary() {
    var s = document.querySelector("[data-autofocus]");
    if (s) s.focus();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusSummary);
  } else {
    focusSummary();
  }
})();
