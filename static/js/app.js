// Praksis' own script: small, optional (every page works without it) and
// free of inline code so the Content-Security-Policy can forbid inline script.
(function () {
  "use strict";

  // The header menu is always shown from 48em; where the browser cannot
  // force a closed <details> open in CSS (no ::details-content), open it.
  var menu = document.querySelector("details.site-menu");
  if (menu && window.CSS && !CSS.supports("selector(::details-content)") &&
      window.matchMedia("(min-width: 48em)").matches) {
    menu.open = true;
  }

  // The printable summary's "Print" button.
  document.body.addEventListener("click", function (evt) {
    var t = evt.target;
    if (t && t.closest && t.closest("[data-print]")) window.print();
  });

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

  // The language switch returns to the page as it is now: when htmx
  // pushed a new address (a search), that address. (After a plain POST the
  // server already put the right page in the field.)
  document.body.addEventListener("htmx:pushedIntoHistory", function (evt) {
    var path = evt.detail && evt.detail.path;
    if (typeof path !== "string" || path.charAt(0) !== "/") return;
    var fields = document.querySelectorAll('form[action="/lang"] input[name="back"]');
    for (var i = 0; i < fields.length; i++) fields[i].value = path;
  });

  // Live validation swaps a field's message container (id f-NAME-msg):
  // mark the field invalid while a message is shown.
  document.body.addEventListener("htmx:afterSwap", function (evt) {
    var box = evt.detail.target;
    if (!box || !box.id || box.id.slice(-4) !== "-msg") return;
    var field = document.getElementById(box.id.slice(0, -4));
    if (!field) return;
    if (box.textContent.trim() !== "") {
      field.setAttribute("aria-invalid", "true");
    } else {
      field.removeAttribute("aria-invalid");
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
