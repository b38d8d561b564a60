package handlers

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"

	"praksis/db"
)

// softKey is a passkey in software: an ES256 key that answers assertions
// the way a synced passkey does, with a sign count that stays 0 (so the
// count cannot tell a replay).
type softKey struct {
	id     []byte
	handle []byte
	key    *ecdsa.PrivateKey
}

// newSoftKey registers a software passkey for u directly in the store.
func newSoftKey(t *testing.T, ta *testApp, u db.User) softKey {
	t.Helper()
	ctx := context.Background()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := key.PublicKey.ECDH()
	if err != nil {
		t.Fatal(err)
	}
	raw := pub.Bytes() // 0x04 || x || y
	cose, err := webauthncbor.Marshal(webauthncose.EC2PublicKeyData{
		PublicKeyData: webauthncose.PublicKeyData{KeyType: int64(webauthncose.EllipticKey), Algorithm: int64(webauthncose.AlgES256)},
		Curve:         int64(webauthncose.P256), XCoord: raw[1:33], YCoord: raw[33:]})
	if err != nil {
		t.Fatal(err)
	}
	k := softKey{id: []byte(unique("cred")), key: key}
	if k.handle, err = ta.store.WebAuthnHandle(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	cred, _ := json.Marshal(webauthn.Credential{ID: k.id, PublicKey: cose, AttestationType: "none",
		Flags: webauthn.CredentialFlags{UserPresent: true, UserVerified: true}})
	if err := ta.store.AddPasskey(ctx, u.ID, k.id, cred, "Test", ""); err != nil {
		t.Fatal(err)
	}
	return k
}

// assert answers the challenge as an authenticator would (user present
// and verified), in the JSON static/js/passkeys.js posts.
func (k softKey) assert(t *testing.T, challenge string) string {
	t.Helper()
	b64 := base64.RawURLEncoding.EncodeToString
	clientData, _ := json.Marshal(map[string]any{"type": "webauthn.get", "challenge": challenge,
		"origin": testConfig().BaseURL, "crossOrigin": false})
	rp := sha256.Sum256([]byte("localhost"))
	authData := append(rp[:], 0x05, 0, 0, 0, 0) // flags UP|UV, sign count 0
	cd := sha256.Sum256(clientData)
	digest := sha256.Sum256(append(append([]byte{}, authData...), cd[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"id": b64(k.id), "rawId": b64(k.id), "type": "public-key",
		"response": map[string]string{"clientDataJSON": b64(clientData), "authenticatorData": b64(authData),
			"signature": b64(sig), "userHandle": b64(k.handle)}})
	return string(body)
}

// postJSON posts a passkey ceremony's JSON with the client's CSRF token.
func (c *client) postJSON(path, body string) response {
	c.ta.t.Helper()
	if c.csrf == "" {
		c.get("/login")
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.csrf)
	return c.do(req)
}

// TestPasskeyAssertionReplay: a passkey sign-in's challenge is good once.
// Sending the same sealed cookie and assertion again, from another
// browser within the cookie's five minutes, is refused and makes no
// session; the first sign-in worked and is audited once.
func TestPasskeyAssertionReplay(t *testing.T) {
	ta := newTestApp(t)
	u := ta.createUser(db.RoleAdviser)
	k := newSoftKey(t, ta, u)

	c := ta.client()
	res := c.postJSON("/login/passkey/options", "{}")
	var opts struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal([]byte(res.body), &opts); res.status != http.StatusOK || err != nil || opts.PublicKey.Challenge == "" {
		t.Fatalf("options: %d %v %s", res.status, err, res.body)
	}
	sealed := c.cookies[webauthnCookie]
	answer := k.assert(t, opts.PublicKey.Challenge)
	if res := c.postJSON("/login/passkey", answer); res.status != http.StatusOK || !strings.Contains(res.body, `"redirect"`) ||
		res.cookie(sessionCookie) == nil {
		t.Fatalf("sign-in: %d %s", res.status, res.body)
	}

	replay := ta.client()
	replay.get("/login")
	replay.cookies[webauthnCookie] = sealed
	res = replay.postJSON("/login/passkey", answer)
	if res.status != http.StatusUnauthorized || res.cookie(sessionCookie) != nil {
		t.Fatalf("replayed assertion: %d %s, want 401 and no session", res.status, res.body)
	}
	var audits int
	if err := ta.store.DB.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'user.passkey_sign_in' AND entity_id = $1`, u.ID); err != nil || audits != 1 {
		t.Errorf("%d sign-ins audited (%v), want 1", audits, err)
	}
}
