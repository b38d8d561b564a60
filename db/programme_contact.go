package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ProgrammeContact is whom an employer can ask about the programme: set
// once by an admin, named in the mails about an organisation's approval
// or rejection and on a rejected organisation's pages.
type ProgrammeContact struct {
	Name      string     `db:"name"`
	Email     string     `db:"email"`
	Phone     string     `db:"phone"`
	UpdatedAt *time.Time `db:"updated_at"`
}

// Set reports whether an admin has given the contact details.
func (c ProgrammeContact) Set() bool { return c.Email != "" }

// ProgrammeContact returns the programme's contact details, the zero
// value while none are set.
func (s *Store) ProgrammeContact(ctx context.Context) (ProgrammeContact, error) {
	var c ProgrammeContact
	err := s.DB.GetContext(ctx, &c, `SELECT name, email, phone, updated_at FROM programme_contact`)
	if errors.Is(err, sql.ErrNoRows) {
		return ProgrammeContact{}, nil
	}
	if err != nil {
		return c, fmt.Errorf("db: programme contact: %w", err)
	}
	return c, nil
}

// SetProgrammeContact stores the programme's contact details, audited
// with the old and the new values.
func (s *Store) SetProgrammeContact(ctx context.Context, in ProgrammeContact, actorID int64, ip string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var old ProgrammeContact
		err := tx.GetContext(ctx, &old, `SELECT name, email, phone, updated_at FROM programme_contact FOR UPDATE`)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("db: programme contact: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO programme_contact (name, email, phone, updated_by)
			VALUES ($1, $2, $3, NULLIF($4::bigint, 0))
			ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone,
				updated_by = EXCLUDED.updated_by, updated_at = now()`, in.Name, in.Email, in.Phone, actorID)
		if err != nil {
			return fmt.Errorf("db: save programme contact: %w", translate(err))
		}
		values := func(c ProgrammeContact) map[string]string {
			return map[string]string{"name": c.Name, "email": c.Email, "phone": c.Phone}
		}
		details, _ := json.Marshal(map[string]any{"old": values(old), "new": values(in)})
		_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (actor_id, action, entity, details, ip)
			VALUES (NULLIF($1::bigint, 0), 'programme_contact.update', 'programme_contact', $2, NULLIF($3, '')::inet)`, actorID, string(details), ip)
		if err != nil {
			return fmt.Errorf("db: audit: %w", err)
		}
		return nil
	})
}
