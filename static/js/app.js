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

  // The header's "Administrasjon" menu (a <details>) from 48em is a
  // dropdown: Escape closes it (back on its summary), as does a click
  // elsewhere. On a phone it is part of the folded menu, always shown;
  // where ::details-content is unknown, it is opened.
  var submenus = document.querySelectorAll("details.site-submenu");
  if (window.CSS && !CSS.supports("selector(::details-content)") &&
      !window.matchMedia("(min-width: 48em)").matches) {
    for (var m = 0; m < submenus.length; m++) submenus[m].open = true;
  }
  function closeSubmenus(except) {
    for (var i = 0; i < submenus.length; i++) {
      if (submenus[i] !== except && submenus[i].open && window.matchMedia("(min-width: 48em)").matches) {
        submenus[i].open = false;
      }
    }
  }
  document.addEventListener("click", function (evt) {
    var t = evt.target;
    closeSubmenus(t && t.closest ? t.closest("details.site-submenu") : null);
  });
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape") return;
    var open = document.activeElement && document.activeElement.closest &&
      document.activeElement.closest("details.site-submenu[open]");
    closeSubmenus(null);
    if (open) open.querySelector("summary").focus();
  });

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
      // The first control shown: a closed confirm step's summary comes
      // before the button hidden inside it.
      var target = el.querySelector("summary, button") || el.querySelector("th");
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

  // A live search form (data-search) asks once per distinct search and
  // leaves empty fields out of the request and so of the address htmx
  // pushes: typing, then leaving the field (change) or pressing Enter
  // (submit), used to ask, and push the same address, twice. Without this
  // script the plain GET form sends every field, which the server ignores
  // when empty.
  var searchSent = null;
  function searchQuery(formData) {
    return new URLSearchParams(formData).toString();
  }
  document.body.addEventListener("htmx:configRequest", function (evt) {
    var form = evt.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-search]")) return;
    var data = evt.detail.formData, empty = [];
    data.forEach(function (v, k) {
      if (typeof v === "string" && v.trim() === "") empty.push(k);
    });
    for (var i = 0; i < empty.length; i++) data.delete(empty[i]);
    var q = searchQuery(data);
    if (q === searchSent || (searchSent === null && q === new URLSearchParams(location.search).toString())) {
      evt.preventDefault();
      return;
    }
    searchSent = q;
  });
  document.body.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.detail.elt;
    if (form && form.matches && form.matches("form[data-search]")) searchSent = null;
  });

  // A live search's results (data-announce on the swapped region) are
  // not read out whole: the live region gets their count.
  document.body.addEventListener("htmx:afterSwap", function (evt) {
    var box = evt.detail.target, region = document.getElementById("live-region");
    if (!box || !region || !box.hasAttribute || !box.hasAttribute("data-announce")) return;
    var what = box.querySelector(box.getAttribute("data-announce"));
    if (what) region.textContent = what.textContent.trim();
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

  // Put focus on an error summary so screen readers read it first (the
  // autofocus attribute does the same without this script), also when
  // htmx swapped a refused form in.
  function focusSummary(root) {
    var s = (root || document).querySelector("[data-autofocus]");
    if (s) s.focus();
  }
  document.body.addEventListener("htmx:afterSwap", function (evt) {
    var t = evt.detail.target;
    if (t && t.querySelector) focusSummary(t);
  });

  // A long text's counter ("123 av 1000 tegn"): the server states the
  // limit; this keeps the count current as the person types.
  function updateCount(field) {
    var box = document.querySelector('[data-count-for="' + field.id + '"]');
    if (!box) return;
    var n = Array.from(field.value).length, max = parseInt(box.getAttribute("data-max"), 10);
    box.textContent = box.getAttribute("data-pattern").replace("{n}", String(n));
    box.classList.toggle("char-count--over", n > max);
  }
  document.body.addEventListener("input", function (evt) {
    var t = evt.target;
    if (t && t.id && t.tagName === "TEXTAREA") updateCount(t);
  });

  // Switching language reloads the page: keep what was typed in its forms.
  // The values go to sessionStorage under the page's address just before
  // the switch and are put back once, right after the page loads again.
  // Passwords, hidden fields (the CSRF token) and files are never kept.
  // (After a refused POST the page's address is the form's action; the
  // switch returns to the page the form was on, its "back" field.)
  function carryKey(path) { return "praksis:carry:" + path; }
  function kept(el) {
    return el.name && !el.disabled && el.type !== "password" && el.type !== "hidden" &&
      el.type !== "file" && el.type !== "submit" && el.type !== "button";
  }
  function pageForms() {
    return Array.prototype.filter.call(document.querySelectorAll("main form"), function (f) {
      return (f.getAttribute("method") || "").toLowerCase() === "post";
    });
  }
  document.body.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form || form.getAttribute("action") !== "/lang") return;
    var saved = [];
    pageForms().forEach(function (f, i) {
      var values = {};
      Array.prototype.forEach.call(f.elements, function (el) {
        if (!kept(el)) return;
        if ((el.type === "checkbox" || el.type === "radio")) {
          values[el.name] = values[el.name] || [];
          if (el.checked) values[el.name].push(el.value);
        } else {
          values[el.name] = [el.value];
        }
      });
      saved.push({ action: f.getAttribute("action"), index: i, values: values });
    });
    var back = form.querySelector('input[name="back"]'), path = location.pathname;
    if (back && back.value) path = new URL(back.value, location.href).pathname;
    try {
      sessionStorage.setItem(carryKey(path), JSON.stringify({ at: Date.now(), forms: saved }));
    } catch (e) { /* storage full or off: the switch still works */ }
  }, true);
  (function restore() {
    var raw;
    try {
      raw = sessionStorage.getItem(carryKey(location.pathname));
      sessionStorage.removeItem(carryKey(location.pathname));
    } catch (e) { return; }
    if (!raw) return;
    var data;
    try { data = JSON.parse(raw); } catch (e) { return; }
    if (!data || Date.now() - data.at > 5 * 60 * 1000) return;
    var forms = pageForms();
    data.forms.forEach(function (s) {
      var f = forms[s.index];
      if (!f || f.getAttribute("action") !== s.action) return;
      var changed = false;
      Array.prototype.forEach.call(f.elements, function (el) {
        if (!kept(el) || !Object.prototype.hasOwnProperty.call(s.values, el.name)) return;
        var v = s.values[el.name];
        if (el.type === "checkbox" || el.type === "radio") {
          var on = v.indexOf(el.value) >= 0;
          changed = changed || on !== el.checked;
          el.checked = on;
        } else if (typeof v[0] === "string" && v[0] !== el.value) {
          changed = true;
          el.value = v[0];
          if (el.tagName === "TEXTAREA") updateCount(el);
        }
      });
      // A form being filled in inside a <details> stays open.
      var d = f.closest("details");
      if (d && changed) d.open = true;
    });
  })();

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { focusSummary(); });
  } else {
    focusSummary();
  }
})();
