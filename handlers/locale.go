package handlers

import (
	"net/url"

	"github.com/gofiber/fiber/v2"
)

// setLanguage stores the language choice: on the account when signed in,
// in a cookie for visitors; then returns to the page the person was on.
func (a *App) setLanguage(c *fiber.Ctx) error {
	lang := c.FormValue("lang")
	if !validLocale(lang) {
		return errStatus(fiber.StatusBadRequest, "error.bad_request")
	}
	if s := session(c); s != nil {
		if err := a.store.SetLocale(c.UserContext(), s.User.ID, lang); err != nil {
			return err
		}
		s.User.Locale = lang
	}
	c.Cookie(&fiber.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: a.secure, SameSite: fiber.CookieSameSiteLaxMode, HTTPOnly: true})
	back := safeNext(c.FormValue("back"))
	if back == "" {
		if u, err := url.Parse(c.Get(fiber.HeaderReferer)); err == nil {
			back = safeNext(u.RequestURI())
		}
	}
	if back == "" {
		back = "/"
	}
	return a.redirect(c, back, "")
}
