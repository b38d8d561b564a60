package handlers

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

const (
	sessionCookie = "praksis_session"
	visitorCookie = "praksis_visitor"
	requestIDKey  = "requestid" // where Fiber's requestid middleware puts the id
	sessionKey    = "session"
	// touchEvery limits how often a request moves a session's last_seen_at,
	// so reading pages does not write to the database each time.
	touchEvery = time.Minute
)

// securityHeaders sets the headers every response carries. The CSP allows
// no inline script: htmx is configured from a <meta> tag, app.js is a file.
func (a *App) securityHeaders(c *fiber.Ctx) error {
	a.setSecurityHeaders(c)
	return c.Next()
}

func (a *App) setSecurityHeaders(c *fiber.Ctx) {
	c.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if a.cfg.Production {
		c.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
}

func session(c *fiber.Ctx) *db.Session {
	s, _ := c.Locals(sessionKey).(*db.Session)
	return s
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// loadSession finds the signed-in user from the session cookie. An
// unknown, expired or idle session clears the cookie; the request goes on
// as a visitor.
func (a *App) loadSession(c *fiber.Ctx) error {
	token := c.Cookies(sessionCookie)
	if token == "" {
		return c.Next()
	}
	s, err := a.store.SessionByToken(c.UserContext(), token, a.cfg.SessionIdleTimeout)
	if errors.Is(err, db.ErrNotFound) {
		a.clearCookie(c, sessionCookie)
		return c.Next()
	} else if err != nil {
		return err
	}
	if time.Since(s.LastSeenAt) > touchEvery {
		if err := a.store.TouchSession(c.UserContext(), s.ID); err != nil {
			return err
		}
	}
	c.Locals(sessionKey, &s)
	// A user with a one-time password chooses their own before anything else.
	if s.User.MustChangePassword && !mayUseWithOneTimePassword(c.Path()) {
		return a.redirect(c, "/password", "")
	}
	return c.Next()
}

func mayUseWithOneTimePassword(path string) bool {
	return path == "/password" || path == "/logout" || path == "/lang"
}

func (a *App) setSessionCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: token, Path: "/", HTTPOnly: true, Secure: a.secure,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: int(a.cfg.SessionMaxAge.Seconds())})
}

// clearCookie deletes a cookie. Fiber writes no Max-Age for a negative
// MaxAge, so an expiry in the past is what makes the browser delete it.
func (a *App) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0), HTTPOnly: true,
		Secure: a.secure, SameSite: fiber.CookieSameSiteLaxMode})
}

// csrfToken is the token forms carry. Signed in, it is the session's own
// token (bound to the session, stored with it). A visitor gets a random
// cookie and the token is its HMAC under SECRET_KEY, so checking a
// visitor's form needs no database at all.
func (a *App) csrfToken(c *fiber.Ctx) string {
	if s := session(c); s != nil {
		return s.CSRFToken
	}
	v := c.Cookies(visitorCookie)
	if v == "" {
		if t, ok := c.Locals(visitorCookie).(string); ok {
			v = t // set earlier in this request
		} else {
			v = randomToken()
			c.Locals(visitorCookie, v)
			c.Cookie(&fiber.Cookie{Name: visitorCookie, Value: v, Path: "/", HTTPOnly: true, Secure: a.secure,
				SameSite: fiber.CookieSameSiteLaxMode})
		}
	}
	m := hmac.New(sha256.New, a.cfg.SecretKey)
	m.Write([]byte("csrf:" + v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF guards every state-changing request: the browser must say the
// request is same-origin (Sec-Fetch-Site or Origin), and it must carry the
// token as the csrf_token form field or the X-CSRF-Token header htmx sends.
func (a *App) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if site := c.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return errStatus(fiber.StatusForbidden, "error.csrf")
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" && !a.sameOrigin(c, origin) {
		return errStatus(fiber.StatusForbidden, "error.csrf")
	}
	got := c.Get("X-CSRF-Token")
	if got == "" {
		got = c.FormValue("csrf_token")
	}
	if c.Cookies(sessionCookie) == "" && session(c) == nil && c.Cookies(visitorCookie) == "" {
		return errStatus(fiber.StatusForbidden, "error.csrf")
	}
	want := a.csrfToken(c)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errStatus(fiber.StatusForbidden, "error.csrf")
	}
	return c.Next()
}

// sameOrigin accepts the BASE_URL origin and the origin the request was
// addressed to (a replica reached directly).
func (a *App) sameOrigin(c *fiber.Ctx, origin string) bool {
	if strings.EqualFold(origin, a.origin) {
		return true
	}
	// The Host header itself, not X-Forwarded-Host: that one is only
	// believed from a trusted proxy, through BASE_URL above.
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && u.Scheme == c.Protocol() && strings.EqualFold(u.Host, string(c.Request().Host()))
}

// requireUser lets signed-in users through; a visitor is sent to sign in
// and brought back afterwards.
func (a *App) requireUser(c *fiber.Ctx) error {
	if session(c) != nil {
		return c.Next()
	}
	if c.Method() != fiber.MethodGet {
		return errStatus(fiber.StatusUnauthorized, "error.signed_out")
	}
	return a.redirect(c, "/login?next="+url.QueryEscape(c.OriginalURL()), "")
}

// requireRole lets through signed-in users with one of the roles.
func (a *App) requireRole(roles ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		s := session(c)
		if s == nil {
			return a.requireUser(c)
		}
		if !Contains(roles, s.User.Role) {
			return errStatus(fiber.StatusForbidden, "error.forbidden")
		}
		return c.Next()
	}
}

// checkText refuses a request whose query or form holds text PostgreSQL
// cannot store (invalid UTF-8, NUL bytes). No browser sends it from a
// UTF-8 page; without this check it reached the database and became a 500.
func (a *App) checkText(c *fiber.Ctx) error {
	ok := true
	check := func(k, v []byte) {
		ok = ok && utf8.Valid(k) && utf8.Valid(v) && bytes.IndexByte(k, 0) < 0 && bytes.IndexByte(v, 0) < 0
	}
	c.Request().URI().QueryArgs().VisitAll(check)
	c.Request().PostArgs().VisitAll(check)
	if !ok {
		return errStatus(fiber.StatusBadRequest, "error.bad_request")
	}
	return c.Next()
}

// clientIP is the address rate limits and the audit log use.
func clientIP(c *fiber.Ctx) string { return c.IP() }
