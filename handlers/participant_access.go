package handlers

import (
	"bytes"
	"errors"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
	"praksis/locale"
)

// The participant area (issue 16) has its own session: a cookie of its
// own, a table of its own (participant_sessions), loaded by
// loadParticipant beside the staff session without touching it. A
// participant is no user: requireUser answers 404 to a participant
// session, so no staff or employer route (nor another participant's id)
// exists for them.
const (
	meCookie      = "praksis_me"
	meLangCookie  = "praksis_me_lang"
	meFlashCookie = "praksis_me_flash"
	meSessionKey  = "participant_session"
	// meMaxAge caps a participant session whatever SESSION_MAX_AGE says.
	meMaxAge = 12 * time.Hour
	// codeFailureKey is the login_failures "e-mail" wrong codes and links
	// are counted under, per client address.
	codeFailureKey = "participant-code"
)

func participantSession(c *fiber.Ctx) *db.ParticipantSession {
	s, _ := c.Locals(meSessionKey).(*db.ParticipantSession)
	return s
}

// loadParticipant finds the participant signed in by the area's cookie;
// an unknown, expired or idle one clears the cookie. With the area off
// the cookie is not even read.
func (a *App) loadParticipant(c *fiber.Ctx) error {
	token := c.Cookies(meCookie)
	if token == "" || !a.cfg.ParticipantArea {
		return c.Next()
	}
	s, err := a.store.ParticipantSessionByToken(c.UserContext(), token, a.cfg.SessionIdleTimeout)
	if errors.Is(err, db.ErrNotFound) {
		a.clearCookie(c, meCookie)
		return c.Next()
	} else if err != nil {
		return err
	}
	if time.Since(s.LastSeenAt) > touchEvery {
		if err := a.store.TouchParticipantSession(c.UserContext(), s.ID); err != nil {
			return err
		}
	}
	c.Locals(meSessionKey, &s)
	return c.Next()
}

// areaOn makes every participant route 404 while PARTICIPANT_AREA is off.
func (a *App) areaOn(c *fiber.Ctx) error {
	if !a.cfg.ParticipantArea {
		return errStatus(fiber.StatusNotFound, "error.not_found")
	}
	return c.Next()
}

// requireParticipant lets a signed-in participant through; anyone else
// is sent to sign in with a code (a POST is refused).
func (a *App) requireParticipant(c *fiber.Ctx) error {
	if !a.cfg.ParticipantArea {
		return errStatus(fiber.StatusNotFound, "error.not_found")
	}
	if participantSession(c) != nil {
		return c.Next()
	}
	if session(c) != nil {
		// Staff have nothing to see here: the area is the participant's.
		return errStatus(fiber.StatusNotFound, "error.not_found")
	}
	if c.Method() != fiber.MethodGet {
		return errStatus(fiber.StatusUnauthorized, "error.signed_out")
	}
	return a.redirect(c, "/me/login", "")
}

// meLocale is the participant area's language: the participant's own
// choice, else the visitor's cookie, else the browser's, else plain
// Norwegian.
func (a *App) meLocale(c *fiber.Ctx) string {
	if s := participantSession(c); s != nil && locale.ValidParticipant(s.Locale) {
		return s.Locale
	}
	if l := c.Cookies(meLangCookie); locale.ValidParticipant(l) {
		return l
	}
	for _, part := range strings.Split(c.Get(fiber.HeaderAcceptLanguage), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		switch {
		case base == "fa": // Dari is written as Persian; browsers say fa-AF
			return "prs"
		case base == "no" || base == "nn" || base == "nb":
			return "nb"
		case locale.ValidParticipant(base):
			return base
		}
	}
	return "nb"
}

// meLang is one language of the picker, named in itself.
type meLang struct{ Code, Name string }

var meLangs = []meLang{{"uk", "Українська"}, {"nb", "Norsk (enkel)"}, {"en", "English"}, {"ar", "العربية"},
	{"ti", "ትግርኛ"}, {"prs", "دری"}}

// mePage is the data of every participant page.
type mePage struct {
	Page
	Dir      string
	SignedIn bool
	Name     string
	Langs    []meLang
	// NB is the same message in plain Norwegian, shown under a refusal in
	// another language (a link that does not work).
	NB func(id string, args ...any) string
}

func (a *App) newMePage(c *fiber.Ctx, titleID string) mePage {
	p := mePage{Page: a.newPage(c, titleID), Dir: "ltr", Langs: meLangs}
	p.Locale = a.meLocale(c)
	p.Flash = a.takeMeFlash(c, p.Locale)
	p.Title = p.T(titleID)
	if locale.RTL(p.Locale) {
		p.Dir = "rtl"
	}
	if s := participantSession(c); s != nil {
		p.SignedIn, p.Name = true, s.FirstName
	}
	p.NB = func(id string, args ...any) string { return a.translate("nb", id, args...) }
	return p
}

// renderMe writes pages/me/<name> inside the participant layout.
func (a *App) renderMe(c *fiber.Ctx, status int, name string, data pager) error {
	var body bytes.Buffer
	if err := a.views.Render(&body, "pages/me/"+name, data); err != nil {
		return err
	}
	data.page().Body = template.HTML(body.String()) // #nosec: rendered by html/template
	var full bytes.Buffer
	if err := a.views.Render(&full, "layouts/participant", data); err != nil {
		return err
	}
	return a.send(c, status, full.Bytes())
}

// setMeFlash and takeMeFlash carry a participant message ID ("me.*")
// to the next page, as setFlash does for staff.
func (a *App) setMeFlash(c *fiber.Ctx, id string) {
	c.Cookie(&fiber.Cookie{Name: meFlashCookie, Value: id, Path: "/me", MaxAge: 60, HTTPOnly: true, Secure: a.secure,
		SameSite: fiber.CookieSameSiteLaxMode})
}

func (a *App) takeMeFlash(c *fiber.Ctx, lang string) string {
	id := c.Cookies(meFlashCookie)
	if id == "" {
		return ""
	}
	c.Cookie(&fiber.Cookie{Name: meFlashCookie, Value: "", Path: "/me", MaxAge: -1, Expires: time.Unix(0, 0), HTTPOnly: true,
		Secure: a.secure, SameSite: fiber.CookieSameSiteLaxMode})
	if !strings.HasPrefix(id, "me.") || !a.tr.Has("nb", id) {
		return ""
	}
	return a.translate(lang, id)
}

// meLoginPage is the sign-in with a code.
type meLoginPage struct {
	mePage
	Code, Error string
}

func (a *App) meLoginForm(c *fiber.Ctx) error {
	if participantSession(c) != nil {
		return a.redirect(c, "/me", "")
	}
	p := meLoginPage{mePage: a.newMePage(c, "me.signin.title")}
	if c.Query("out") != "" {
		p.Flash = p.T("me.signedout")
	}
	return a.renderMe(c, fiber.StatusOK, "login", &p)
}

// codeThrottled reports whether the client address has had too many
// wrong codes or links within LOGIN_WINDOW (counted in PostgreSQL, so
// across replicas; each code's own count is in the store).
func (a *App) codeThrottled(c *fiber.Ctx) (bool, error) {
	_, byIP, err := a.store.LoginFailures(c.UserContext(), codeFailureKey, clientIP(c), a.cfg.LoginWindow)
	return byIP >= a.cfg.LoginMaxFailuresPerIP, err
}

func (a *App) meLogin(c *fiber.Ctx) error {
	p := meLoginPage{mePage: a.newMePage(c, "me.signin.title"), Code: c.FormValue("code")}
	if slow, err := a.codeThrottled(c); err != nil {
		return err
	} else if slow {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(a.cfg.LoginWindow.Seconds())))
		p.Error = "me.signin.slow"
		return a.renderMe(c, fiber.StatusTooManyRequests, "login", &p)
	}
	err := a.meSignIn(c, db.ParticipantSignIn{Code: p.Code})
	if err == nil {
		return a.redirect(c, "/me", "")
	}
	if !isInviteRefusal(err) {
		return err
	}
	p.Error = "me.signin.bad"
	return a.renderMe(c, fiber.StatusUnprocessableEntity, "login", &p)
}

func isInviteRefusal(err error) bool {
	return errors.Is(err, db.ErrNotFound) || errors.Is(err, db.ErrInviteUsed) || errors.Is(err, db.ErrInviteExpired)
}

// meSignIn uses an invitation and sets the session cookie; a refusal is
// counted against the client address.
func (a *App) meSignIn(c *fiber.Ctx, in db.ParticipantSignIn) error {
	in.SessionToken, in.CSRF, in.IP = randomToken(), randomToken(), clientIP(c)
	in.MaxAge = min(meMaxAge, a.cfg.SessionMaxAge)
	lang, err := a.store.UseParticipantInvite(c.UserContext(), in)
	if isInviteRefusal(err) {
		if rerr := a.store.RecordLoginFailure(c.UserContext(), codeFailureKey, clientIP(c)); rerr != nil {
			return rerr
		}
		return err
	} else if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: meCookie, Value: in.SessionToken, Path: "/", HTTPOnly: true, Secure: a.secure,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: int(in.MaxAge.Seconds())})
	a.setMeLangCookie(c, lang)
	return nil
}

func (a *App) setMeLangCookie(c *fiber.Ctx, lang string) {
	c.Cookie(&fiber.Cookie{Name: meLangCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, Secure: a.secure,
		SameSite: fiber.CookieSameSiteLaxMode, HTTPOnly: true})
}

// meLinkPage greets the person a link or QR code is for, with a button:
// opening the link uses nothing (a mail scanner may open it first).
type meLinkPage struct {
	mePage
	Token, FirstName string
}

func (a *App) meLinkShow(c *fiber.Ctx) error {
	inv, err := a.store.ParticipantInvite(c.UserContext(), c.Params("token"))
	if isInviteRefusal(err) {
		return a.meBadLink(c, inv.Locale, err)
	} else if err != nil {
		return err
	}
	if c.Cookies(meLangCookie) == "" && participantSession(c) == nil {
		c.Request().Header.SetCookie(meLangCookie, inv.Locale) // greet in their language
	}
	p := meLinkPage{mePage: a.newMePage(c, "me.link.title"), Token: c.Params("token"), FirstName: inv.FirstName}
	return a.renderMe(c, fiber.StatusOK, "welcome", &p)
}

func (a *App) meLinkUse(c *fiber.Ctx) error {
	if slow, err := a.codeThrottled(c); err != nil {
		return err
	} else if slow {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(a.cfg.LoginWindow.Seconds())))
		return a.meBadLink(c, "", db.ErrInviteExpired)
	}
	err := a.meSignIn(c, db.ParticipantSignIn{Token: c.Params("token")})
	if isInviteRefusal(err) {
		return a.meBadLink(c, "", err)
	} else if err != nil {
		return err
	}
	return a.redirect(c, "/me", "")
}

// meBadLink is the one page for a link that does not work, in the
// participant's language (the invitation's when it is known) and in
// plain Norwegian: 404 for an unknown link, 410 for a used or old one.
func (a *App) meBadLink(c *fiber.Ctx, lang string, err error) error {
	if locale.ValidParticipant(lang) && c.Cookies(meLangCookie) == "" {
		c.Request().Header.SetCookie(meLangCookie, lang)
	}
	p := a.newMePage(c, "me.bad.title")
	status := fiber.StatusGone
	if errors.Is(err, db.ErrNotFound) {
		status = fiber.StatusNotFound
	}
	return a.renderMe(c, status, "bad", &p)
}

// meLanguage stores the participant's language: on the participant when
// signed in (their mails use it too), in a cookie always.
func (a *App) meLanguage(c *fiber.Ctx) error {
	lang := c.FormValue("lang")
	if !locale.ValidParticipant(lang) {
		return errStatus(fiber.StatusBadRequest, "error.bad_request")
	}
	if s := participantSession(c); s != nil {
		if err := a.store.SetParticipantLocale(c.UserContext(), s.ParticipantID, lang); err != nil {
			return err
		}
	}
	a.setMeLangCookie(c, lang)
	back := safeNext(c.FormValue("back"))
	if back != "/me" && !strings.HasPrefix(back, "/me/") && !strings.HasPrefix(back, "/me?") {
		back = "/me"
	}
	return a.redirect(c, back, "")
}

func (a *App) meLogout(c *fiber.Ctx) error {
	s := participantSession(c)
	if err := a.store.EndParticipantSession(c.UserContext(), s.ID, s.ParticipantID, clientIP(c)); err != nil {
		return err
	}
	a.clearCookie(c, meCookie)
	return a.redirect(c, "/me/login?out=1", "")
}

// The adviser's side: the card on the profile (partials/participants/
// access_card) invites by mail or by a code on screen, and ends every
// session of the participant.

// ParticipantArea reports whether the participant area is on (the
// profile shows the invite card only then).
func (p *Page) ParticipantArea() bool { return p.app.cfg.ParticipantArea }

// ParticipantLanguages lists the languages a participant may be invited in.
func (p *Page) ParticipantLanguages() []string { return locale.Participant }
