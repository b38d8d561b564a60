package seed

import (
	"context"
	"fmt"

	"praksis/db"
)

// Demo creates the approved demo organisation and the demo accounts.
// It is idempotent: existing rows are left as they are, except that the
// demo password is reset so the documented password always works.
func Demo(ctx context.Context, s *db.Store) error {
	hash, err := db.HashPassword(db.DemoPassword)
	if err != nil {
		return err
	}
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seed: begin: %w", err)
	}
	defer tx.Rollback()
	var orgID int64
	const org = `INSERT INTO organisations (name, org_number, kind, sector, municipality, approved_at)
		VALUES ('Fjordbyen Bakeri AS', $1, 'business', 'hospitality', 'Trondheim', now())
		ON CONFLICT (org_number) DO UPDATE SET name = organisations.name RETURNING id`
	if err := tx.QueryRowContext(ctx, org, db.DemoOrgNumber).Scan(&orgID); err != nil {
		return fmt.Errorf("seed: seed organisation: %w", err)
	}
	const user = `INSERT INTO users (email, name, role, organisation_id, password_hash)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash, disabled_at = NULL`
	for _, a := range db.DemoAccounts {
		var org *int64
		if a.Role == db.RoleEmployer {
			org = &orgID
		}
		if _, err := tx.ExecContext(ctx, user, a.Email, a.Name, a.Role, org, hash); err != nil {
			return fmt.Errorf("seed: seed user %s: %w", a.Email, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seed: commit: %w", err)
	}
	return nil
}

// DemoAll writes everything `praksis seed --demo` writes: the demo
// accounts, the adviser's caseload, the organisation's placements and the
// agreements between them. Like each part, it is idempotent.
func DemoAll(ctx context.Context, s *db.Store) error {
	for _, part := range []func(context.Context, *db.Store) error{Demo, DemoRules, DemoCaseload, DemoPlacements, DemoAgreements} {
		if err := part(ctx, s); err != nil {
			return err
		}
	}
	return nil
}
