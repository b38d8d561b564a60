// The WebAuthn ceremonies of Praksis' passkeys: the server makes the
// options and checks the answers (handlers/passkeys.go); this file only
// carries them between the server and the browser's authenticator, turning
// the base64url strings of JSON into the ArrayBuffers the browser API takes
// and back. A button with data-passkey="register", "login" or "mfa" starts
// one; #passkey-status says what happens, in the page's language (its
// data-msg-* attributes).
(function () {
  "use strict";

  function toBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function toB64(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function say(key) {
    var el = document.getElementById("passkey-status");
    if (el) el.textContent = el.getAttribute("data-msg-" + key) || "";
  }

  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : "{}"
    }).then(function (res) {
      if (!res.ok) throw new Error("passkey: " + res.status);
      return res.json();
    });
  }

  function register(csrf) {
    var name = document.getElementById("f-passkey_name");
    var q = name && name.value ? "?name=" + encodeURIComponent(name.value) : "";
    return post("/settings/passkeys/options", csrf).then(function (opts) {
      var pk = opts.publicKey;
      pk.challenge = toBuf(pk.challenge);
      pk.user.id = toBuf(pk.user.id);
      (pk.excludeCredentials || []).forEach(function (c) { c.id = toBuf(c.id); });
      return navigator.credentials.create({ publicKey: pk });
    }).then(function (cred) {
      var r = cred.response;
      return post("/settings/passkeys" + q, csrf, {
        id: cred.id, rawId: toB64(cred.rawId), type: cred.type,
        response: {
          attestationObject: toB64(r.attestationObject), clientDataJSON: toB64(r.clientDataJSON),
          transports: r.getTransports ? r.getTransports() : []
        }
      });
    });
  }

  function login(csrf) {
    return post("/login/passkey/options", csrf).then(function (opts) {
      var pk = opts.publicKey;
      pk.challenge = toBuf(pk.challenge);
      (pk.allowCredentials || []).forEach(function (c) { c.id = toBuf(c.id); });
      return navigator.credentials.get({ publicKey: pk });
    }).then(function (cred) {
      var r = cred.response;
      return post("/login/passkey", csrf, {
        id: cred.id, rawId: toB64(cred.rawId), type: cred.type,
        response: {
          authenticatorData: toB64(r.authenticatorData), clientDataJSON: toB64(r.clientDataJSON),
          signature: toB64(r.signature), userHandle: r.userHandle ? toB64(r.userHandle) : ""
        }
      });
    });
  }

  document.addEventListener("click", function (evt) {
    var btn = evt.target && evt.target.closest && evt.target.closest("[data-passkey]");
    if (!btn) return;
    evt.preventDefault();
    if (!window.PublicKeyCredential || !navigator.credentials) { say("unsupported"); return; }
    var kind = btn.getAttribute("data-passkey"), csrf = btn.getAttribute("data-csrf");
    btn.disabled = true;
    say("working");
    (kind === "register" ? register(csrf) : login(csrf)).then(function (out) {
      window.location.assign(out.redirect || "/");
    }).catch(function () {
      btn.disabled = false;
      say("failed");
    });
  });
})();
