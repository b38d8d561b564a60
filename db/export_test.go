package db

import (
	"context"
	"database/sql"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"
)

// JobTxOf lets the package's external tests call a JobTx method inside a
// transaction they begin themselves (to hold it open, or run two at once),
// as Store.RunJob's work does.
func JobTxOf(tx *sqlx.Tx) *JobTx { return &JobTx{tx: tx} }

// InTx runs fn in a transaction, for the external tests that drive a
// job's steps by hand (production code's transactions stay in Store
// methods).
func (s *Store) InTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error { return s.inTx(ctx, fn) }

// BeginJobRun claims a run inside a transaction the test holds open, so a
// test can show that a second claim answers busy while the first is open
// (Store.RunJob does the same inside its own transaction).
func BeginJobRun(ctx context.Context, tx *sqlx.Tx, job string, slot time.Time, forced bool) (int64, string, error) {
	return beginJobRun(ctx, tx, job, slot, forced)
}

// ApplyMigration applies the one migration version (up) whatever else is
// applied, as a branch's build does to a developer's database, so a test
// can leave a gap below the newest applied version.
func ApplyMigration(ctx context.Context, conn *sql.DB, version int64) error {
	p, err := goose.NewProvider(goose.DialectPostgres, conn, migrations())
	if err != nil {
		return err
	}
	_, err = p.ApplyVersion(ctx, version, true)
	return err
}

// MigrateDownTo rolls the migrations back until version is the newest
// applied one.
func MigrateDownTo(ctx context.Context, conn *sql.DB, version int64) error {
	p, err := goose.NewProvider(goose.DialectPostgres, conn, migrations())
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}

// TranslateForTest maps a driver error as the store's methods do (a
// guard's SQLSTATE to its refusal), for tests that run a statement of a
// store method by hand.
func TranslateForTest(err error) error { return translate(err) }

// RemindersSentGone lets the retention test see which rules the pruning names.
var RemindersSentGone = remindersSentGone
