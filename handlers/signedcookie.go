package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Short-lived signed cookies carry the state of a sign-in between two
// requests (the OpenID Connect state, nonce and PKCE verifier; a password
// checked and a second factor still to come; a WebAuthn challenge). They
// are signed with SECRET_KEY, so any replica can read them and none keeps
// anything in memory; each is bound to its purpose and expires.

// seal signs value for purpose, valid until now+ttl on the store's clock.
func (a *App) seal(purpose string, value []byte, ttl time.Duration) string {
	exp := make([]byte, 8)
	binary.BigEndian.PutUint64(exp, uint64(a.store.Now().Add(ttl).Unix()))
	body := append(exp, value...)
	return base64.RawURLEncoding.EncodeToString(body) + "." + base64.RawURLEncoding.EncodeToString(a.sign(purpose, body))
}

// unseal returns the value of a cookie made by seal for purpose, if its
// signature holds and it has not expired.
func (a *App) unseal(purpose, sealed string) ([]byte, bool) {
	b64, sig64, ok := strings.Cut(sealed, ".")
	if !ok {
		return nil, false
	}
	body, err1 := base64.RawURLEncoding.DecodeString(b64)
	sig, err2 := base64.RawURLEncoding.DecodeString(sig64)
	if err1 != nil || err2 != nil || len(body) < 8 {
		return nil, false
	}
	if !hmac.Equal(sig, a.sign(purpose, body)) &&
		(len(a.cfg.PreviousSecretKey) == 0 || !hmac.Equal(sig, signWith(a.cfg.PreviousSecretKey, purpose, body))) {
		return nil, false
	}
	if a.store.Now().Unix() >= int64(binary.BigEndian.Uint64(body[:8])) {
		return nil, false
	}
	return body[8:], true
}

func (a *App) sign(purpose string, body []byte) []byte {
	return signWith(a.cfg.SecretKey, purpose, body)
}

func signWith(key []byte, purpose string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("sealed:" + purpose + "\x00"))
	m.Write(body)
	return m.Sum(nil)
}

// setSealed sets a signed cookie on path for ttl.
func (a *App) setSealed(c *fiber.Ctx, name, path string, value []byte, ttl time.Duration) {
	c.Cookie(&fiber.Cookie{Name: name, Value: a.seal(name, value, ttl), Path: path, MaxAge: int(ttl.Seconds()),
		HTTPOnly: true, Secure: a.secure, SameSite: fiber.CookieSameSiteLaxMode})
}

// sealed reads a signed cookie (nil, false when missing, forged or expired).
func (a *App) sealed(c *fiber.Ctx, name string) ([]byte, bool) {
	v := c.Cookies(name)
	if v == "" {
		return nil, false
	}
	return a.unseal(name, v)
}

// clearCookieAt deletes a cookie set on a path other than "/".
func (a *App) clearCookieAt(c *fiber.Ctx, name, path string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: path, MaxAge: -1, Expires: time.Unix(0, 0), HTTPOnly: true,
		Secure: a.secure, SameSite: fiber.CookieSameSiteLaxMode})
}
