package db_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"praksis/db"
)

// TestMigrateOutOfOrder: a database that ran a branch's newer migration
// before main's older one (00014 before 00013 here) is refused by the
// strict order production uses, with a message that says what happened,
// and caught up by the development option, which applies the missing one.
func TestMigrateOutOfOrder(t *testing.T) {
	ctx := context.Background()
	_, st := emptyDatabase(t)
	conn := st.DB.DB
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.MigrateTo(ctx, conn, 12); err != nil {
		t.Fatal(err)
	}
	if err := db.ApplyMigration(ctx, conn, 14); err != nil {
		t.Fatal(err)
	}
	applied := func(v int64) bool {
		t.Helper()
		var ok bool
		if err := conn.QueryRow(`SELECT EXISTS (SELECT 1 FROM goose_db_version WHERE version_id = $1 AND is_applied)`, v).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}

	err := db.Migrate(ctx, conn, log)
	if err == nil || !strings.Contains(err.Error(), "version 13") || !strings.Contains(err.Error(), "docs/operations.md") {
		t.Fatalf("strict order: %v, want a refusal naming 00013 and the operations guide", err)
	}
	if applied(13) || applied(15) {
		t.Error("the strict order applied something after refusing")
	}

	if err := db.Migrate(ctx, conn, log, db.AllowOutOfOrder()); err != nil {
		t.Fatalf("out of order allowed: %v", err)
	}
	for _, v := range []int64{13, 15, db.LatestVersion()} {
		if !applied(v) {
			t.Errorf("migration %d not applied", v)
		}
	}
	if v, err := st.SchemaVersion(ctx); err != nil || v != db.LatestVersion() {
		t.Errorf("schema version %d %v, want %d", v, err, db.LatestVersion())
	}
}
