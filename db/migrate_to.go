package db

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"
)

// MigrateTo applies the migrations up to and including version, without
// the session lock of Migrate: for tests that build a database as an
// older release left it, fill it, and then migrate it on (a migration
// must keep what is there).
func MigrateTo(ctx context.Context, conn *sql.DB, version int64) error {
	p, err := goose.NewProvider(goose.DialectPostgres, conn, migrations())
	if err != nil {
		return fmt.Errorf("db: migrate to %d: %w", version, err)
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return fmt.Errorf("db: migrate to %d: %w", version, err)
	}
	return nil
}
