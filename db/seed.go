package db

import (
	"context"
	"fmt"
)

// DemoPassword is the password of every demo account (development only).
const DemoPassword = "praksis-demo"

// DemoOrgNumber is the demo organisation's number (valid mod-11).
const DemoOrgNumber = "910000004"

// DemoAccounts are the accounts `praksis seed --demo` creates; DESIGN.md
// names them, and production refuses to start while any of them exists.
var DemoAccounts = []struct{ Email, Name, Role string }{
	{"admin@example.org", "Astrid Admin", RoleAdmin},
	{"radgiver@example.org", "Rune Rådgiver", RoleAdviser},
	{"arbeidsgiver@example.org", "Anne Arbeidsgiver", RoleEmployer},
	{"nav@example.org", "Nils NAV", RoleNAV},
}

// SeedDemo creates the approved demo organisation and the demo accounts.
// It is idempotent: existing rows are left as they are, except that the
// demo password is reset so the documented password always works.
func (s *Store) SeedDemo(ctx context.Context) error {
	hash, err := HashPassword(DemoPassword)
	if err != nil {
		return err
	}
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	defer tx.Rollback()
	var orgID int64
	const org = `INSERT INTO organisations (name, org_number, kind, sector, municipality, approved_at)
		VALUES ('Fjordbyen Bakeri AS', $1, 'business', 'hospitality', 'Trondheim', now())
		ON CONFLICT (org_number) DO UPDATE SET name = organisations.name RETURNING id`
	if err := tx.QueryRowContext(ctx, org, DemoOrgNumber).Scan(&orgID); err != nil {
		return fmt.Errorf("db: seed organisation: %w", err)
	}
	const user = `INSERT INTO users (email, name, role, organisation_id, password_hash)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash, disabled_at = NULL`
	for _, a := range DemoAccounts {
		var org *int64
		if a.Role == RoleEmployer {
			org = &orgID
		}
		if _, err := tx.ExecContext(ctx, user, a.Email, a.Name, a.Role, org, hash); err != nil {
			return fmt.Errorf("db: seed user %s: %w", a.Email, err)
		}
	}
	return translate(tx.Commit())
}

// HasDemoData reports whether any demo account exists; production refuses
// to start when it does.
func (s *Store) HasDemoData(ctx context.Context) (bool, error) {
	emails := make([]string, len(DemoAccounts))
	for i, a := range DemoAccounts {
		emails[i] = a.Email
	}
	var found bool
	err := s.DB.GetContext(ctx, &found, `SELECT EXISTS (SELECT 1 FROM users WHERE email = ANY($1::citext[]))`, pqArray(emails))
	if err != nil {
		return false, fmt.Errorf("db: demo data: %w", err)
	}
	return found, nil
}
