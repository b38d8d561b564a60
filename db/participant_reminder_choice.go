package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// MyReminders is whether the participant's own reminders (issue 16: "your
// placement starts tomorrow", "a plan review is coming") go out. They go
// to the e-mail address the adviser recorded with the invitation, so they
// are on by default once there is an address; the participant turns them
// off and on again on their own page (/me/reminders), and the adviser
// sees the choice on the profile.
type MyReminders struct {
	Email string `db:"email"` // "" when the adviser has recorded none
	On    bool   `db:"reminders"`
}

// Sent reports whether reminders actually go out: chosen and addressable.
func (m MyReminders) Sent() bool { return m.On && m.Email != "" }

// MyRemindersOf reads a participant's reminder choice and address.
func (s *Store) MyRemindersOf(ctx context.Context, participantID int64) (MyReminders, error) {
	var m MyReminders
	err := s.getPrepared(ctx, &m, `SELECT coalesce(email, '') AS email, reminders FROM participants
		WHERE id = $1 AND anonymised_at IS NULL`, participantID)
	return m, translate(err)
}

// SetMyReminders records the participant's own choice, audited as done
// by the participant (no staff actor), in one transaction. Choosing what
// is already chosen writes nothing.
func (s *Store) SetMyReminders(ctx context.Context, participantID int64, on bool, ip string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE participants SET reminders = $2
			WHERE id = $1 AND anonymised_at IS NULL AND reminders <> $2`, participantID, on)
		if err != nil {
			return fmt.Errorf("db: participant reminders: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		action := "participant.reminders_off"
		if on {
			action = "participant.reminders_on"
		}
		return auditDetails(ctx, tx, 0, action, "participant", participantID, ip, map[string]string{"by": "participant"})
	})
}
