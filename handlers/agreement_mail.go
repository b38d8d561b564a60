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

// approvalMail renders the mail that tells the other side what is theirs
// to do next once the signed-in user's approval commits: the adviser when
// the employer approves, the supervisor when the adviser approves (the
// adviser approves last, so the agreement is then approved by all). The
// store queues it in the approval's transaction (Store.Approve). The
// mails carry no personal data, only a link; the outbox row names the
// participant (for innsyn). lockVersion is the version approved; the
// approval makes it lockVersion+1, which the dedupe key names.
func (a *App) approvalMail(c *fiber.Ctx, id int64, lockVersion int) (*db.Mail, error) {
	ctx := c.UserContext()
	ag, err := a.store.AgreementIn(ctx, id, db.AgreementScope{Role: db.RoleAdmin}, a.today())
	if err != nil {
		return nil, err
	}
	var to, lang, name, tmpl string
	switch session(c).User.Role {
	case db.RoleEmployer:
		adv, err := a.store.UserByID(ctx, ag.AdviserID)
		if err != nil {
			return nil, err
		}
		to, lang, name, tmpl = adv.Email, adv.Locale, adv.Name, "agreement_to_approve"
	case db.RoleAdviser:
		if lang, err = a.localeOf(ctx, ag.SupervisorEmail); err != nil {
			return nil, err
		}
		to, name, tmpl = ag.SupervisorEmail, ag.SupervisorName, "agreement_approved"
	default:
		return nil, nil
	}
	d := mail.Data{FirstName: mail.FirstName(name), Link: a.mail.Link(agreementPath(ag.ID)), Vars: map[string]string{"Placement": ag.PlacementTitle}}
	m, err := a.mail.Render(tmpl, lang, to, fmt.Sprintf("%s:%d:%d", tmpl, ag.ID, lockVersion+1), d)
	if err != nil {
		return nil, err
	}
	m.About = []int64{ag.ParticipantID}
	return &m, nil
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
