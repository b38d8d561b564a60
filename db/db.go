// Package db is Praksis' storage layer: the connection, the migrations and one
// file per table or aggregate with its SQL beside the function that runs it.
// It imports no web code.
package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"praksis/calendar"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// Store wraps the connection pool; every query of the application is a
// method on it.
type Store struct {
	DB *sqlx.DB
	// Rules are the configurable agreement cadences (zero: the defaults).
	Rules AgreementRules
	// Retention is the retention step's configuration (zero: the defaults).
	Retention RetentionConfig
	// Clock is the time now; nil means time.Now. Tests set it to move
	// through an agreement's weeks.
	Clock func() time.Time
	// stmts are the prepared statements of the hot reads (prepared.go);
	// nil in a Store made without Open, which then prepares nothing.
	stmts *stmtCache
}

// Now is the store's clock.
func (s *Store) Now() time.Time {
	if s.Clock != nil {
		return s.Clock()
	}
	return time.Now()
}

// Today is the current day in Europe/Oslo, at midnight UTC so that it
// compares and formats as a plain date.
func (s *Store) Today() time.Time {
	return calendar.Today(s.Now())
}

// ConnString is the connection string Praksis uses for a DATABASE_URL: with
// lib/pq's binary_parameters on, unless the URL says otherwise. Without it
// lib/pq sends a query with arguments in two round trips (parse and
// describe, wait, then bind and execute); with it, in one. Only []byte
// arguments change form (sent as binary), and Praksis passes none to a
// column whose binary form differs from its text (jsonb arguments go as
// strings). bench/floor connects the same way.
func ConnString(databaseURL string) string {
	if strings.Contains(databaseURL, "binary_parameters") {
		return databaseURL
	}
	if u, err := url.Parse(databaseURL); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("binary_parameters", "yes")
		u.RawQuery = q.Encode()
		return u.String()
	}
	return databaseURL + " binary_parameters=yes"
}

// Open connects to PostgreSQL and sets pool limits suited to one replica.
// It does not fail when the server is down: sql.DB reconnects on use, so
// a replica that starts before its database recovers by itself.
func Open(databaseURL string) (*Store, error) {
	conn, err := sqlx.Open("postgres", ConnString(databaseURL))
	if err != nil {
		return nil, fmt.Errorf("db: open: %w", err)
	}
	conn.SetMaxOpenConns(20)
	conn.SetMaxIdleConns(20)
	conn.SetConnMaxIdleTime(5 * time.Minute)
	return &Store{DB: conn, stmts: &stmtCache{m: map[string]*sqlx.Stmt{}}}, nil
}

// Close closes the prepared statements and the pool.
func (s *Store) Close() error {
	if s.stmts != nil {
		s.stmts.close()
	}
	return s.DB.Close()
}

// Ping checks that the database answers within ctx.
func (s *Store) Ping(ctx context.Context) error { return s.DB.PingContext(ctx) }

func migrations() fs.FS {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		panic(err) // the embedded directory is fixed at compile time
	}
	return sub
}

// LatestVersion is the newest migration compiled into this binary. It
// reads the file names (goose.NewProvider refuses a nil *sql.DB, so it
// cannot list sources without a connection).
func LatestVersion() int64 {
	entries, err := fs.ReadDir(migrations(), ".")
	if err != nil {
		return 0
	}
	var latest int64
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		if v, err := goose.NumericComponent(e.Name()); err == nil && v > latest {
			latest = v
		}
	}
	return latest
}

// MigrateOption changes how Migrate applies the migrations.
type MigrateOption func(*migrateOptions)

type migrateOptions struct{ outOfOrder bool }

// AllowOutOfOrder lets Migrate apply a migration numbered below the newest
// one the database has run (development only: cmd/praksis passes it
// outside production). Branches number their migrations in parallel, so a
// developer's database that ran a branch's 00017 meets main's 00013 later;
// without this goose refuses to start. In production the order is strict:
// a database only ever runs main's migrations, in order, and a gap means
// it ran a build that was not main's, which must be looked at, not papered
// over (docs/operations.md, "Migrations").
func AllowOutOfOrder() MigrateOption {
	return func(o *migrateOptions) { o.outOfOrder = true }
}

// Migrate applies every pending migration under a PostgreSQL session
// advisory lock, so replicas that start together migrate once and the
// others wait, then find nothing to do. A migration numbered below the
// newest applied one is refused unless AllowOutOfOrder is given.
func Migrate(ctx context.Context, conn *sql.DB, log *slog.Logger, opts ...MigrateOption) error {
	var o migrateOptions
	for _, opt := range opts {
		opt(&o)
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, conn, migrations(), goose.WithSessionLocker(locker),
		goose.WithAllowOutofOrder(o.outOfOrder))
	if err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil && strings.Contains(err.Error(), "missing (out-of-order) migration") {
		return fmt.Errorf("db: migrate: %w (this database ran a newer migration than one it lacks: a build that was not main's; "+
			"production applies migrations in order only, see docs/operations.md, \"Migrations\")", err)
	}
	if err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
	}
	return nil
}

// SchemaVersion reads the newest applied migration from goose's table.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	err := s.DB.QueryRowContext(ctx, `SELECT max(version_id) FROM goose_db_version WHERE is_applied`).Scan(&v)
	if err != nil {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "42P01" { // undefined_table: never migrated
			return 0, nil
		}
		return 0, fmt.Errorf("db: schema version: %w", err)
	}
	return v.Int64, nil
}

// EnsureDatabase creates the database named in databaseURL when it does not
// exist, connecting to the server's "postgres" database to do so. It is
// used by development commands; production databases are provisioned.
func EnsureDatabase(ctx context.Context, databaseURL string) error {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return fmt.Errorf("db: parse DATABASE_URL: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" || name == "postgres" {
		return nil
	}
	admin := *u
	admin.Path = "/postgres"
	conn, err := sql.Open("postgres", admin.String())
	if err != nil {
		return fmt.Errorf("db: open: %w", err)
	}
	defer conn.Close()
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("db: check database %q: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = conn.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(name))
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "42P04" { // duplicate_database: another process won
		return nil
	}
	if err != nil {
		return fmt.Errorf("db: create database %q: %w", name, err)
	}
	return nil
}

// MigrationFiles returns the name and content of every embedded migration,
// in order; tests hash them to know when their template is stale.
func MigrationFiles() []string {
	entries, _ := fs.ReadDir(migrations(), ".")
	var out []string
	for _, e := range entries {
		b, _ := fs.ReadFile(migrations(), e.Name())
		out = append(out, e.Name(), string(b))
	}
	return out
}

// inTx runs fn in a transaction and commits when it returns nil. Changes
// and the mail or tokens they cause are written together this way.
func (s *Store) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	return s.inTxOpts(ctx, nil, fn)
}

// inTxOpts is inTx with transaction options (an isolation level): they
// must be set at BEGIN, before setTxDay's statement.
func (s *Store) inTxOpts(ctx context.Context, opts *sql.TxOptions, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.DB.BeginTxx(ctx, opts)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	defer tx.Rollback()
	if err := s.setTxDay(ctx, tx); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", translate(err))
	}
	return nil
}

// setTxDay tells the caseload's triggers (migration 00027) the store's
// day for the transaction when the store runs on a clock of its own
// (tests): they measure on it instead of the database's today in Oslo.
// On the wall clock the two are the same day and nothing is sent.
func (s *Store) setTxDay(ctx context.Context, tx *sqlx.Tx) error {
	if s.Clock == nil {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT set_config('praksis.today', $1, true)`, s.Today().Format("2006-01-02")); err != nil {
		return fmt.Errorf("db: set day: %w", err)
	}
	return nil
}
