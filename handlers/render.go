package handlers

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// Page is the data every template gets; each page's data type embeds it,
// so a misspelt field fails at template execution, not silently.
type Page struct {
	Title     string
	User      *db.User
	OrgStatus string
	CSRF      string
	Flash     string
	Locale    string
	Path      string
	Back      string // this page's address with its query, for the language switch
	RequestID string
	// Body is the rendered page inside the layout.
	Body template.HTML
	app  *App
}

func (p *Page) page() *Page { return p }

// T translates a message ID into the page's language; args are key, value
// pairs for the message's template.
func (p *Page) T(id string, args ...any) string { return p.app.translate(p.Locale, id, args...) }

// Num formats a number for the page's language: 37,5 in Norwegian, 37.5
// in English, no trailing zeros.
func (p *Page) Num(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if p.Locale == "nb" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Role returns the signed-in user's role, or "" for a visitor.
func (p *Page) Role() string {
	if p.User == nil {
		return ""
	}
	return p.User.Role
}

// OtherLocale is the language the switch offers.
func (p *Page) OtherLocale() string {
	if p.Locale == "en" {
		return "nb"
	}
	return "en"
}

// Roles lists every role, for menus and filters.
func (p *Page) Roles() []string { return db.Roles }

// Locales lists the languages Praksis speaks.
func (p *Page) Locales() []string { return Locales }

type pager interface{ page() *Page }

// announce asks app.js (through the HX-Trigger header) to read msg out in
// the page's live region after an htmx swap. Non-ASCII characters are
// \u-escaped because HTTP headers are not UTF-8.
func (a *App) announce(c *fiber.Ctx, msg string) {
	var b strings.Builder
	b.WriteString(`{"praksis:announce":"`)
	for _, r := range msg {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, "\\u%04x\\u%04x", r1, r2)
		case r < 0x20 || r > 0x7e:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString(`"}`)
	c.Set("HX-Trigger", b.String())
}

// newPage fills the common fields: user, CSRF token, flash, locale, path.
// titleID is the message ID of the page title.
func (a *App) newPage(c *fiber.Ctx, titleID string) Page {
	p := Page{app: a, Locale: a.locale(c), Path: c.Path(), Back: safeNext(c.OriginalURL()), CSRF: a.csrfToken(c), Flash: a.takeFlash(c)}
	if c.Method() != fiber.MethodGet {
		// A POST's answer (a form with errors): back to the page the form
		// was on, not to the action's address.
		p.Back = ""
		if u, err := url.Parse(c.Get(fiber.HeaderReferer)); err == nil && (u.Host == "" || u.Host == string(c.Request().Host())) {
			p.Back = safeNext(u.RequestURI())
		}
		if p.Back == "" {
			p.Back = "/"
		}
	}
	if rid, ok := c.Locals(requestIDKey).(string); ok {
		p.RequestID = rid
	}
	if s := session(c); s != nil {
		p.User = &s.User
		if s.OrgStatus != nil {
			p.OrgStatus = *s.OrgStatus
		}
	}
	p.Title = p.T(titleID)
	return p
}

// isFragment reports whether htmx asked for a part of the page: HX-Request
// set, and neither a boosted navigation nor a history restore, which need
// the whole page.
func isFragment(c *fiber.Ctx) bool {
	return c.Get("HX-Request") == "true" && c.Get("HX-Boosted") == "" && c.Get("HX-History-Restore-Request") == ""
}

// render writes pages/<name> inside the layout, or alone for an htmx
// request. It renders into a buffer first, so a template error becomes a
// clean error page instead of half a page.
func (a *App) render(c *fiber.Ctx, status int, name string, data pager) error {
	c.Vary("HX-Request")
	b, err := a.renderPage(name, data, isFragment(c))
	if err != nil {
		return err
	}
	return a.send(c, status, b)
}

// renderPage renders pages/<name>, inside the layout unless fragment (the
// request-free half of render, which the render benchmarks call).
func (a *App) renderPage(name string, data pager, fragment bool) ([]byte, error) {
	body := bodyBuffers.Get().(*bytes.Buffer)
	defer func() { body.Reset(); bodyBuffers.Put(body) }()
	body.Grow(sizeHint("pages/" + name))
	if err := a.views.Render(body, "pages/"+name, data); err != nil {
		return nil, err
	}
	if bytes.Contains(body.Bytes(), relabelMark) {
		// An error summary came before the fields it names: their labels
		// are known now (the fields recorded them), so render once more.
		body.Reset()
		if err := a.views.Render(body, "pages/"+name, data); err != nil {
			return nil, err
		}
	}
	rememberSize("pages/"+name, body.Len())
	if fragment {
		return bytes.Clone(body.Bytes()), nil
	}
	data.page().Body = template.HTML(body.String()) // #nosec: rendered by html/template
	var full bytes.Buffer
	full.Grow(body.Len() + sizeHint("layouts/base"))
	if err := a.views.Render(&full, "layouts/base", data); err != nil {
		return nil, err
	}
	rememberSize("layouts/base", full.Len()-body.Len())
	return full.Bytes(), nil
}

// bodyBuffers are the buffers a page's body is rendered into before the
// layout copies it: reused, as the body never leaves renderPage.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// sizes are the bytes each template wrote the last time (the layout's:
// without the body), so the next render allocates its buffer once instead
// of doubling it a dozen times over a 100 KB caseload: the copies were a
// tenth of the page's CPU and most of its garbage (docs/benchmarks.md).
var sizes sync.Map

func sizeHint(name string) int {
	if n, ok := sizes.Load(name); ok {
		return n.(int) + n.(int)/8
	}
	return 0
}

func rememberSize(name string, n int) {
	if old, ok := sizes.Load(name); !ok || old.(int) != n {
		sizes.Store(name, n)
	}
}

// relabelMark is the attribute partials/form/errors carries while a
// problem's field label is not yet known.
var relabelMark = []byte(" data-relabel")

// renderPartial writes one partials/<name> template, for htmx swaps.
func (a *App) renderPartial(c *fiber.Ctx, status int, name string, data any) error {
	c.Vary("HX-Request")
	var body bytes.Buffer
	if err := a.views.Render(&body, "partials/"+name, data); err != nil {
		return err
	}
	return a.send(c, status, body.Bytes())
}

func (a *App) send(c *fiber.Ctx, status int, b []byte) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).Send(b)
}

// redirect sends the browser to a local path after a successful POST:
// HX-Redirect for htmx, 303 See Other otherwise, with an optional flash
// message ID shown on the next page.
func (a *App) redirect(c *fiber.Ctx, to, flashID string) error {
	if flashID != "" {
		a.setFlash(c, flashID)
	}
	if c.Get("HX-Request") == "true" {
		c.Set("HX-Redirect", to)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// rowAnswer answers a decision on one row of an admin table (approve or
// reject an organisation, disable or enable an account): a plain form post
// goes back to the list with the flash; htmx gets the updated row from
// partial, and the flash, naming the row, is read out.
func (a *App) rowAnswer(c *fiber.Ctx, list, titleID, flashID, name, partial string, row func(*Page) any) error {
	if !isFragment(c) {
		return a.redirect(c, list, flashID)
	}
	p := a.newPage(c, titleID)
	a.announce(c, p.T(flashID+"_named", "Name", name))
	return a.renderPartial(c, fiber.StatusOK, partial, row(&p))
}

const flashCookie = "praksis_flash"

// setFlash stores a message ID (never text) in a short-lived cookie; the
// next page translates and clears it. Nothing is written to the database.
func (a *App) setFlash(c *fiber.Ctx, id string) {
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: url.QueryEscape(id), Path: "/", MaxAge: 60,
		HTTPOnly: true, Secure: a.secure, SameSite: fiber.CookieSameSiteLaxMode})
}

func (a *App) takeFlash(c *fiber.Ctx) string {
	raw := c.Cookies(flashCookie)
	if raw == "" {
		return ""
	}
	a.clearCookie(c, flashCookie)
	id, err := url.QueryUnescape(raw)
	// Only flash messages of the catalogue: a forged cookie can pick one
	// of those at most, never inject text.
	if err != nil || !strings.HasPrefix(id, "flash.") || !a.tr.Has(Locales[0], id) {
		return ""
	}
	return a.translate(a.locale(c), id)
}
