package handlers

import (
	"context"

	"github.com/jmoiron/sqlx"

	"praksis/db"
	"praksis/mail"
)

// queueMail renders an e-mail and writes it to the outbox inside tx, so it
// exists exactly when the change that caused it commits. Call a.wakeMail
// after the commit to send it at once.
func (a *App) queueMail(ctx context.Context, tx *sqlx.Tx, template, lang, to, dedupeKey string, d mail.Data) error {
	m, err := a.mail.Render(template, lang, to, dedupeKey, d)
	if err != nil {
		return err
	}
	_, err = db.Enqueue(ctx, tx, m)
	return err
}

// wakeMail asks the outbox sender to deliver now rather than at the next
// minute.
func (a *App) wakeMail() {
	if a.sender != nil {
		a.sender.Wake()
	}
}
