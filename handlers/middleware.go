package handlers

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

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
	c.Locals(clientIPKey, a.resolveClientIP(c))
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
func (a *App) csrfToken(c *fiber.Ctx) string { return maskToken(a.csrfRaw(c)) }

// maskToken returns the token XORed with a fresh random pad, pad first, so
// that no two responses carry the same bytes: a compressed page then gives
// nothing away about the token (BREACH).
func maskToken(raw string) string {
	pad := make([]byte, len(raw))
	if _, err := rand.Read(pad); err != nil {
		panic(err)
	}
	out := make([]byte, 2*len(raw))
	copy(out, pad)
	for i := range raw {
		out[len(raw)+i] = raw[i] ^ pad[i]
	}
	return base64.RawURLEncoding.EncodeToString(out)
}

// unmaskToken undoes maskToken ("" for anything malformed).
func unmaskToken(masked string) string {
	b, err := base64.RawURLEncoding.DecodeString(masked)
	if err != nil || len(b) == 0 || len(b)%2 != 0 {
		return ""
	}
	n := len(b) / 2
	raw := make([]byte, n)
	for i := 0; i < n; i++ {
		raw[i] = b[n+i] ^ b[i]
	}
	return string(raw)
}

// csrfRaw is the unmasked token a form's token must unmask to.
func (a *App) csrfRaw(c *fiber.Ctx) string {
	if s := session(c); s != nil {
		return s.CSRFToken
	}
	if s := participantSession(c); s != nil {
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
	if c.Cookies(sessionCookie) == "" && session(c) == nil && participantSession(c) == nil && c.Cookies(visitorCookie) == "" {
		return errStatus(fiber.StatusForbidden, "error.csrf")
	}
	want := a.csrfRaw(c)
	if got = unmaskToken(got); got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
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
	if participantSession(c) != nil {
		// A participant (participant_access.go) has no staff or employer
		// page: for them it does not exist.
		return errStatus(fiber.StatusNotFound, "error.not_found")
	}
	if c.Method() != fiber.MethodGet {
		return errStatus(fiber.StatusUnauthorized, "error.signed_out")
	}
	return a.redirect(c, "/login?next="+url.QueryEscape(c.OriginalURL()), "")
}

// requireRole lets through signed-in users with one of the roles. It is
// also the one place a rejected organisation's employers are stopped: the
// session carries the organisation's status, read on every request, so
// rejecting an approved organisation withdraws every employer route at
// once (agreements, attendance, evaluations, placements, proposals,
// invitations). Only their organisation page (requireOwnOrganisation),
// the dashboard and their own account stay open to them.
func (a *App) requireRole(roles ...string) fiber.Handler {
	return a.roleCheck(true, roles)
}

// requireOwnOrganisation lets an employer read their organisation's page
// whatever its status: there a rejected organisation's employers read
// that their access was withdrawn and whom to contact.
func (a *App) requireOwnOrganisation() fiber.Handler {
	return a.roleCheck(false, []string{db.RoleEmployer})
}

func (a *App) roleCheck(refuseWithdrawn bool, roles []string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		s := session(c)
		if s == nil {
			return a.requireUser(c)
		}
		if !Contains(roles, s.User.Role) {
			return errStatus(fiber.StatusForbidden, "error.forbidden")
		}
		if refuseWithdrawn && orgWithdrawn(s) {
			return errStatus(fiber.StatusForbidden, "error.org_withdrawn")
		}
		return c.Next()
	}
}

// orgWithdrawn reports whether s is an employer whose organisation has
// been rejected (before or after an approval).
func orgWithdrawn(s *db.Session) bool {
	return s.User.Role == db.RoleEmployer && orgStatus(s) == db.OrgRejected
}

// checkText refuses a request whose query or form holds text PostgreSQL
// cannot store (invalid UTF-8, NUL bytes). No browser sends it from a
// UTF-8 page; without this check it reached the database and became a 500.
// It also refuses control characters in one-line fields (textProblem)
// and more values than any form has (input_limits.go), each with its
// own message.
func (a *App) checkText(c *fiber.Ctx) error {
	ok, problem := true, ""
	var count inputCounter
	check := func(k, v []byte) {
		ok = ok && utf8.Valid(k) && utf8.Valid(v) && bytes.IndexByte(k, 0) < 0 && bytes.IndexByte(v, 0) < 0
		if problem == "" && !count.add(k) {
			problem = "error.too_many_values"
		}
		if problem == "" && ok {
			problem = textProblem(string(k), string(v))
		}
	}
	c.Request().URI().QueryArgs().VisitAll(check)
	c.Request().PostArgs().VisitAll(check)
	if ok && problem == "error.too_many_values" {
		return errStatus(fiber.StatusRequestEntityTooLarge, problem)
	}
	if ok && problem != "" {
		return errStatus(fiber.StatusBadRequest, problem)
	}
	// No form of ours is multipart; refusing it means no text arrives
	// unchecked by another route.
	if bytes.HasPrefix(c.Request().Header.ContentType(), []byte("multipart/")) {
		ok = false
	}
	if !ok {
		return errStatus(fiber.StatusBadRequest, "error.bad_request")
	}
	return c.Next()
}

// clientIP is the address rate limits and the audit log use: always a
// valid IP (it goes into inet columns), worked out once per request.
func clientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(clientIPKey).(string); ok {
		return ip
	}
	return c.Context().RemoteIP().String()
}

const clientIPKey = "client_ip"

// resolveClientIP believes PROXY_HEADER only from a trusted proxy (or from
// anyone when no proxies are listed, as in tests), and takes the
// right-most address that is not a trusted proxy: the left part of an
// X-Forwarded-For is whatever the client wrote.
func (a *App) resolveClientIP(c *fiber.Ctx) string {
	remote := c.Context().RemoteIP()
	if a.cfg.ProxyHeader == "" || (len(a.trusted) > 0 && !a.isTrusted(remote)) {
		return remote.String()
	}
	parts := strings.Split(c.Get(a.cfg.ProxyHeader), ",")
	for i := len(parts) - 1; i >= 0; i-- {
		ip := net.ParseIP(strings.TrimSpace(parts[i]))
		if ip == nil || (len(a.trusted) > 0 && a.isTrusted(ip)) {
			continue
		}
		return ip.String()
	}
	return remote.String()
}

func (a *App) isTrusted(ip net.IP) bool {
	for _, n := range a.trusted {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// parseTrusted reads TRUSTED_PROXIES entries: addresses or CIDR ranges.
func parseTrusted(list []string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, s := range list {
		if !strings.Contains(s, "/") {
			if ip := net.ParseIP(s); ip != nil {
				bits := 32
				if ip.To4() == nil {
					bits = 128
				}
				out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
				continue
			}
		}
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			return nil, fmt.Errorf("handlers: TRUSTED_PROXIES entry %q is not an address or range", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// requestIDHeader carries a request's id in and out: a load balancer's id
// is kept when it looks like one, otherwise a new one is made; every log
// line about the request and the error page's reference carry it.
const requestIDHeader = "X-Request-ID"

// requestID gives each request its id (c.Locals(requestIDKey)) and echoes
// it in the response. An incoming id is accepted only if it is short and
// plain (letters, digits, . _ -), so it cannot forge log lines.
func (a *App) requestID(c *fiber.Ctx) error {
	id := c.Get(requestIDHeader)
	if !plainID(id) {
		id = newRequestID()
	}
	c.Locals(requestIDKey, id)
	c.Set(requestIDHeader, id)
	return c.Next()
}

func newRequestID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func plainID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '_' || ch == '-') {
			return false
		}
	}
	return true
}

// limit lets at most max requests per client address through within
// window for action, counted in PostgreSQL (request_hits) so the limit
// holds across replicas; more get 429 with the catalogue's "limit.<action>"
// message and a Retry-After. It goes on the routes it guards, after the
// CSRF check, so only real form posts count.
func (a *App) limit(action string, max int, window time.Duration) fiber.Handler {
	msgID := "limit." + action
	retry := fmt.Sprint(int(window.Seconds()))
	return func(c *fiber.Ctx) error {
		ok, err := a.store.AllowRequest(c.UserContext(), action, clientIP(c), max, window)
		if err != nil {
			return err
		}
		if !ok {
			c.Set(fiber.HeaderRetryAfter, retry)
			return errStatus(fiber.StatusTooManyRequests, msgID)
		}
		return c.Next()
	}
}

// gzipFast compresses a response with gzip at the fastest level (deflate
// for a client that takes only that), whatever else the client accepts.
var gzipFast = fasthttp.CompressHandlerLevel(func(*fasthttp.RequestCtx) {}, fasthttp.CompressBestSpeed)

// compressPage compresses every response but the static files (which come
// compressed once, at the best level: packedAsset). Pages get gzip at the
// fastest level, even where the browser also takes brotli: brotli's
// default level (4) was a third of a small page's CPU under load, its
// fastest (0) still twice gzip's for the same size (a 30 KB text: 8,536
// bytes in 233 µs against 8,440 in 101 µs; docs/benchmarks.md).
func compressPage(c *fiber.Ctx) error {
	if strings.HasPrefix(c.Path(), "/static/") {
		return c.Next()
	}
	if err := c.Next(); err != nil {
		return err
	}
	gzipFast(c.Context())
	return nil
}
