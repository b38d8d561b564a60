package db

import (
	"context"
	"fmt"
)

// The demo accounts are known here, not only in the seed package, because
// production refuses to start while any of them exists (HasDemoData).

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
