// Package dbtest gives each test package a database of its own, cloned
// from a migrated template, so packages run in parallel against the real
// PostgreSQL and leave nothing behind.
package dbtest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"

	"praksis/db"
)

// DefaultAdminURL is used when TEST_DATABASE_URL is not set.
const DefaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var counter atomic.Int64

func adminURL() string {
	if v := os.Getenv("TEST_DATABASE_URL"); v != "" {
		return v
	}
	return DefaultAdminURL
}

// New creates a fresh, migrated database for one test package or test and
// returns its URL and a cleanup that drops it. It fails loudly when
// PostgreSQL does not answer: a test that needs the database never skips.
func New(ctx context.Context) (dbURL string, cleanup func(), err error) {
	admin, err := sql.Open("postgres", adminURL())
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := admin.PingContext(pctx); err != nil {
		return "", nil, fmt.Errorf("dbtest: PostgreSQL does not answer at TEST_DATABASE_URL (%s): %w; start it with scripts/dev-postgres", adminURL(), err)
	}
	name := fmt.Sprintf("praksis_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, counter.Add(1))
	// CREATE DATABASE ... TEMPLATE fails while another session is connected
	// to the template; the template is only connected to while it is built,
	// under the advisory lock. The clone happens under the same lock as
	// the check that the template exists: another checkout with other
	// migrations drops templates not its own, and could otherwise do so
	// between the two.
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(727274)`); err != nil {
		return "", nil, err
	}
	tmpl, err := ensureTemplate(ctx, conn)
	if err == nil {
		_, err = conn.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(name)+` TEMPLATE `+pq.QuoteIdentifier(tmpl))
	}
	_, _ = conn.ExecContext(ctx, `SELECT pg_advisory_unlock(727274)`)
	if err != nil {
		return "", nil, fmt.Errorf("dbtest: clone template: %w", err)
	}
	dbURL = withDatabase(adminURL(), name)
	cleanup = func() {
		a, err := sql.Open("postgres", adminURL())
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec(`DROP DATABASE IF EXISTS ` + pq.QuoteIdentifier(name) + ` WITH (FORCE)`)
	}
	return dbURL, cleanup, nil
}

// Open returns a Store on a fresh database for one test, dropped at the end.
func Open(t testing.TB) *db.Store {
	t.Helper()
	_, st := OpenURL(t)
	return st
}

// OpenURL is Open that also returns the database's URL (for code under
// test that connects by itself).
func OpenURL(t testing.TB) (string, *db.Store) {
	t.Helper()
	u, cleanup, err := New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st, err := db.Open(u)
	if err != nil {
		cleanup()
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(); cleanup() })
	return u, st
}

// ensureTemplate builds (once per set of migrations) a database with every
// migration applied. Its name carries a hash of the migrations, so a new
// migration makes a new template and old ones are dropped.
func ensureTemplate(ctx context.Context, conn *sql.Conn) (string, error) {
	h := sha256.New()
	for _, f := range db.MigrationFiles() {
		_, _ = io.WriteString(h, f)
	}
	name := "praksis_template_" + hex.EncodeToString(h.Sum(nil))[:12]
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	// Drop stale templates of older migration sets, but keep the newest
	// few: several checkouts (branches, worktrees) with different
	// migrations test against one PostgreSQL at once, and dropping their
	// templates failed each other's runs ("template database … does not
	// exist"). Newer databases have higher OIDs.
	rows, err := conn.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'praksis_template_%'
		ORDER BY oid DESC OFFSET 7`)
	if err != nil {
		return "", err
	}
	var stale []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err == nil {
			stale = append(stale, n)
		}
	}
	rows.Close()
	for _, n := range stale {
		_, _ = conn.ExecContext(ctx, `ALTER DATABASE `+pq.QuoteIdentifier(n)+` IS_TEMPLATE false`)
		_, _ = conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+pq.QuoteIdentifier(n)+` WITH (FORCE)`)
	}
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(name)); err != nil {
		return "", fmt.Errorf("dbtest: create template: %w", err)
	}
	tdb, err := sql.Open("postgres", withDatabase(adminURL(), name))
	if err != nil {
		return "", err
	}
	err = db.Migrate(ctx, tdb, slog.New(slog.NewTextHandler(io.Discard, nil)))
	tdb.Close()
	if err != nil {
		_, _ = conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+pq.QuoteIdentifier(name)+` WITH (FORCE)`)
		return "", fmt.Errorf("dbtest: migrate template: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `ALTER DATABASE `+pq.QuoteIdentifier(name)+` IS_TEMPLATE true`); err != nil {
		return "", err
	}
	return name, nil
}

func withDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + strings.TrimPrefix(name, "/")
	return u.String()
}
