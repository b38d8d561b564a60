package handlers

import (
	"context"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
	"praksis/mail"
)

// The mail an agreement's approval sends, and the language of whoever
// it goes to.

// announceApproval tells the other side what is theirs to do next: the
// adviser when the employer approved, the supervisor when the agreement
// is approved by all. The mails carry no personal data, only a link.
func (a *App) announceApproval(c *fiber.Ctx, before db.Agreement) error {
	ctx := c.UserContext()
	ag, err := a.store.AgreementIn(ctx, before.ID, db.AgreementScope{Role: db.RoleAdmin}, a.today())
	if err != nil {
		return err
	}
	var to, lang, name, tmpl string
	switch {
	case session(c).User.Role == db.RoleEmployer:
		adv, err := a.store.UserByID(ctx, ag.AdviserID)
		if err != nil {
			return err
		}
		to, lang, name, tmpl = adv.Email, adv.Locale, adv.Name, "agreement_to_approve"
	case ag.AdviserApprovedAt != nil:
		if lang, err = a.localeOf(ctx, ag.SupervisorEmail); err != nil {
			return err
		}
		to, name, tmpl = ag.SupervisorEmail, ag.SupervisorName, "agreement_approved"
	default:
		return nil
	}
	d := mail.Data{FirstName: mail.FirstName(name), Link: a.mail.Link(agreementPath(ag.ID)), Vars: map[string]string{"Placement": ag.PlacementTitle}}
	m, err := a.mail.Render(tmpl, lang, to, fmt.Sprintf("%s:%d:%d", tmpl, ag.ID, ag.LockVersion), d)
	if err != nil {
		return err
	}
	// The approval has committed already: the mail follows on its own.
	if err := a.store.QueueMail(ctx, m); err != nil {
		return err
	}
	a.wakeMail()
	return nil
}

// localeOf is the language of the account with this e-mail address, or
// the default for someone without one (a supervisor often has none).
func (a *App) localeOf(ctx context.Context, email string) (string, error) {
	u, err := a.store.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, db.ErrNotFound):
		return Locales[0], nil
	case err != nil:
		return "", err
	case !validLocale(u.Locale):
		return Locales[0], nil
	}
	return u.Locale, nil
}
