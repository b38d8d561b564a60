package db

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// QueueMail writes one rendered mail to the outbox on its own, for a mail
// that follows a change already committed (an agreement approved). A mail
// whose dedupe key is already queued is not queued again.
func (s *Store) QueueMail(ctx context.Context, m Mail) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		_, err := Enqueue(ctx, tx, m)
		return err
	})
}
