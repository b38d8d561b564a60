package handlers

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
	"praksis/mail"
)

// resetTTL is how long a password reset link works; resetEvery is the
// least time between two reset mails to one account.
const (
	resetTTL   = time.Hour
	resetEvery = 10 * time.Minute
)

type forgotPage struct {
	Page
	Form Form
	Sent bool
}

func (a *App) forgotForm(c *fiber.Ctx) error {
	p := forgotPage{Page: a.newPage(c, "forgot.title"), Form: newForm()}
	return a.render(c, fiber.StatusOK, "auth/forgot", &p)
}

// forgot sends a reset link when the address belongs to an enabled
// account, and answers the same either way, so the page does not reveal
// who has an account. At most one reset mail per account per 10 minutes,
// so the form cannot be used to flood someone's inbox.
func (a *App) forgot(c *fiber.Ctx) error {
	p := forgotPage{Page: a.newPage(c, "forgot.title"), Form: newForm()}
	email := strings.TrimSpace(c.FormValue("email"))
	p.Form.Values["email"] = email
	p.Form.Check(email != "", "email", "form.required")
	p.Form.Check(ValidEmail(email), "email", "form.email_invalid")
	if !p.Form.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "auth/forgot", &p)
	}
	ctx := c.UserContext()
	u, err := a.store.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, db.ErrNotFound):
	case err != nil:
		return err
	case u.DisabledAt == nil:
		// The token and its mail are made first; the store writes them only
		// if no reset mail went to the account within resetEvery.
		token, err := db.NewToken()
		if err != nil {
			return err
		}
		d := mail.Data{FirstName: mail.FirstName(u.Name), Link: a.mail.Link("/l/" + token)}
		m, err := a.mail.Render("reset", u.Locale, u.Email, db.ResetMailKey(u.ID, token), d)
		if err != nil {
			return err
		}
		in := db.NewLinkToken{Token: token, UserID: &u.ID, Email: u.Email, TTL: resetTTL}
		if _, err := a.store.RequestReset(ctx, in, m, resetEvery); err != nil {
			return err
		}
		a.wakeMail()
	}
	p.Sent = true
	return a.render(c, fiber.StatusOK, "auth/forgot", &p)
}
