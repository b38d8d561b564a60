package handlers

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

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
		prefix := fmt.Sprintf("reset:%d:", u.ID)
		err = a.store.InTx(ctx, func(tx *sqlx.Tx) error {
			// The account row is locked so two requests at once cannot both
			// see "no recent mail"; the window slides (a key with a 10-minute
			// bucket in it let two requests a second apart across a bucket
			// boundary both send). No mail, no token: a link nobody
			// receives is not created.
			if err := db.LockUser(ctx, tx, u.ID); err != nil {
				return err
			}
			recent, err := db.MailQueuedWithin(ctx, tx, prefix, resetEvery)
			if err != nil || recent {
				return err
			}
			token, err := db.CreateLinkToken(ctx, tx, db.NewLinkToken{Purpose: db.PurposeReset, UserID: &u.ID, Email: u.Email, TTL: resetTTL})
			if err != nil {
				return err
			}
			d := mail.Data{FirstName: mail.FirstName(u.Name), Link: a.mail.Link("/l/" + token)}
			return a.queueMail(ctx, tx, "reset", u.Locale, u.Email, fmt.Sprintf("%s%x", prefix, db.HashToken(token)[:12]), d)
		})
		if err != nil {
			return err
		}
		a.wakeMail()
	}
	p.Sent = true
	return a.render(c, fiber.StatusOK, "auth/forgot", &p)
}
