package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// ReminderPrefs are one user's choices; without a saved row, every rule
// on Monday to Friday.
type ReminderPrefs struct {
	RulesOff []string
	Weekdays []int
}

// ReminderPrefs reads a user's choices (the defaults when none are saved).
func (s *Store) ReminderPrefs(ctx context.Context, userID int64) (ReminderPrefs, error) {
	var row struct {
		RulesOff pq.StringArray `db:"rules_off"`
		Weekdays pq.Int64Array  `db:"weekdays"`
	}
	err := s.DB.GetContext(ctx, &row, `SELECT rules_off, weekdays FROM reminder_prefs WHERE user_id = $1`, userID)
	if err = translate(err); err == ErrNotFound {
		return ReminderPrefs{Weekdays: append([]int(nil), ReminderWeekdays...)}, nil
	} else if err != nil {
		return ReminderPrefs{}, fmt.Errorf("db: reminder prefs: %w", err)
	}
	p := ReminderPrefs{RulesOff: row.RulesOff}
	for _, d := range row.Weekdays {
		p.Weekdays = append(p.Weekdays, int(d))
	}
	return p, nil
}

// SaveReminderPrefs stores a user's own choices (validated by the caller).
func (s *Store) SaveReminderPrefs(ctx context.Context, userID int64, p ReminderPrefs, ip string) error {
	days := make([]int64, len(p.Weekdays))
	for i, d := range p.Weekdays {
		days[i] = int64(d)
	}
	off := p.RulesOff
	if off == nil {
		off = []string{}
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO reminder_prefs (user_id, rules_off, weekdays) VALUES ($1, $2, $3::smallint[])
			ON CONFLICT (user_id) DO UPDATE SET rules_off = EXCLUDED.rules_off, weekdays = EXCLUDED.weekdays, updated_at = now()`,
			userID, pq.Array(off), pq.Array(days))
		if err != nil {
			return fmt.Errorf("db: save reminder prefs: %w", translate(err))
		}
		return audit(ctx, tx, userID, "reminders.prefs", "user", userID, ip)
	})
}
