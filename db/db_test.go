package db_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"praksis/db"
	"praksis/db/dbtest"
)

func TestValidOrgNumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
		why  string
	}{
		{"974760673", true, "Brønnøysundregistrene"},
		{"923609016", true, "Equinor"},
		{"910000004", true, "the demo organisation"},
		{"974760672", false, "wrong check digit"},
		{"974760674", false, "wrong check digit"},
		// 1·3+0+0+0+0+0+0+0 = 3 → 11-3 = 8.
		{"100000008", true, "check digit 8"},
		{"100000009", false, "check digit should be 8"},
		// Sum 11 (remainder 0) → check digit 0: 3·1 + 2·4 = 11.
		{"140000000", true, "remainder 0 gives check digit 0"},
		{"140000001", false, "remainder 0 but not 0"},
		{"000000000", true, "all zeros: sum 0, check digit 0"},
		// Sum 1 (remainder 1) → computed 10 → invalid whatever the last digit:
		// 3·5 + 2·4 = 23 = 2·11 + 1.
		{"540000000", false, "computed check digit 10"},
		{"540000001", false, "computed check digit 10"},
		{"540000009", false, "computed check digit 10"},
		{"97476067", false, "8 digits"},
		{"9747606730", false, "10 digits"},
		{"", false, "empty"},
		{"97476067a", false, "a letter"},
		{"974 760 673", false, "spaces (normalise first)"},
		{"-74760673", false, "a sign"},
		{"９74760673", false, "a full-width digit"},
	} {
		if got := db.ValidOrgNumber(c.in); got != c.want {
			t.Errorf("ValidOrgNumber(%q) = %v, want %v (%s)", c.in, got, c.want, c.why)
		}
	}
	// Every 8-digit prefix has at most one valid check digit, and none when
	// the computed digit is 10.
	weights := []int{3, 2, 7, 6, 5, 4, 3, 2}
	for _, prefix := range []string{"12345678", "98765432", "11111111", "54000000", "00000001"} {
		sum := 0
		for i, w := range weights {
			sum += int(prefix[i]-'0') * w
		}
		want := (11 - sum%11) % 11
		valid := 0
		for d := byte('0'); d <= '9'; d++ {
			if db.ValidOrgNumber(prefix + string(d)) {
				valid++
				if int(d-'0') != want {
					t.Errorf("%s%c valid, want check digit %d", prefix, d, want)
				}
			}
		}
		if (want == 10) != (valid == 0) || valid > 1 {
			t.Errorf("prefix %s: %d valid check digits (computed %d)", prefix, valid, want)
		}
	}
}

func TestNormaliseOrgNumber(t *testing.T) {
	for in, want := range map[string]string{
		"974760673":             "974760673",
		"974 760 673":           "974760673",
		"974.760.673":           "974760673",
		"974\u00a0760\u00a0673": "974760673", // non-breaking spaces, as copied from a web page
		" 974760673 ":           "974760673",
		"NO 974 760 673":        "NO974760673",
		"":                      "",
	} {
		if got := db.NormaliseOrgNumber(in); got != want {
			t.Errorf("NormaliseOrgNumber(%q) = %q, want %q", in, got, want)
		}
	}
	if !db.ValidOrgNumber(db.NormaliseOrgNumber("974\u00a0760\u00a0673")) {
		t.Error("a number with non-breaking spaces is not valid after normalising")
	}
}

func TestPasswordHash(t *testing.T) {
	const pw = "correct horse battery staple"
	h1, err := db.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q does not carry the OWASP parameters", h1)
	}
	if strings.Contains(h1, pw) {
		t.Error("the hash contains the password")
	}
	ok, err := db.CheckPassword(h1, pw)
	if err != nil || !ok {
		t.Errorf("round trip: %v %v", ok, err)
	}
	for _, wrong := range []string{"", "correct horse battery stapl", "Correct horse battery staple", pw + " "} {
		if ok, err := db.CheckPassword(h1, wrong); ok || err != nil {
			t.Errorf("CheckPassword(%q) = %v, %v", wrong, ok, err)
		}
	}
	h2, err := db.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if h1 == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	if ok, _ := db.CheckPassword(h2, pw); !ok {
		t.Error("second hash does not verify")
	}
	for _, bad := range []string{"", "plain", "$2a$10$abcdefghijklmnopqrstuv", "$argon2id$v=19$m=19456,t=2,p=1$!!!$!!!",
		"$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$a2V5", "$argon2id$v=18$m=19456,t=2,p=1$c2FsdA$a2V5"} {
		if ok, err := db.CheckPassword(bad, pw); ok || err == nil {
			t.Errorf("CheckPassword on %q = %v, %v; want an error", bad, ok, err)
		}
	}
	// One-time passwords are long enough and differ.
	a, b := db.RandomPassword(), db.RandomPassword()
	if len(a) < 16 || a == b {
		t.Errorf("RandomPassword: %q %q", a, b)
	}
}

// emptyDatabase returns a database with nothing in it: a clone of the test
// template with its schema removed, so Migrate has everything to do.
func emptyDatabase(t *testing.T) (string, *db.Store) {
	t.Helper()
	u, st := dbtest.OpenURL(t)
	if _, err := st.DB.Exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := st.DB.Get(&n, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`); err != nil || n != 0 {
		t.Fatalf("database not empty: %d tables, %v", n, err)
	}
	return u, st
}

// Replicas starting together migrate once: the advisory lock makes the
// others wait and find nothing to do.
func TestMigrateConcurrently(t *testing.T) {
	u, st := emptyDatabase(t)
	conn := st.DB.DB
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each replica has its own pool, as separate processes would.
			st, err := db.Open(u)
			if err != nil {
				errs <- err
				return
			}
			defer st.Close()
			errs <- db.Migrate(context.Background(), st.DB.DB, slog.New(slog.NewTextHandler(io.Discard, nil)))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Migrate: %v", err)
		}
	}
	rows, err := conn.Query(`SELECT version_id, count(*) FROM goose_db_version WHERE version_id > 0 GROUP BY version_id ORDER BY version_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var versions []int64
	for rows.Next() {
		var v, n int64
		if err := rows.Scan(&v, &n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("migration %d applied %d times", v, n)
		}
		versions = append(versions, v)
	}
	if want := len(db.MigrationFiles()) / 2; len(versions) != want {
		t.Errorf("%d migrations recorded, %d embedded", len(versions), want)
	}
	if len(versions) == 0 || versions[len(versions)-1] != db.LatestVersion() {
		t.Errorf("recorded %v, LatestVersion %d", versions, db.LatestVersion())
	}
	v, err := st.SchemaVersion(context.Background())
	if err != nil || v != db.LatestVersion() || v == 0 {
		t.Errorf("SchemaVersion = %d, %v; LatestVersion %d", v, err, db.LatestVersion())
	}
	var tables int
	if err := conn.QueryRow(`SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('organisations', 'users', 'sessions')`).Scan(&tables); err != nil || tables != 3 {
		t.Errorf("tables after migrating: %d %v", tables, err)
	}
	// Migrating again does nothing.
	if err := db.Migrate(context.Background(), conn, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(`SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&n); err != nil || n != len(versions) {
		t.Errorf("rerun: %d rows, %v", n, err)
	}
}

func TestSchemaVersionNeverMigrated(t *testing.T) {
	_, st := emptyDatabase(t)
	v, err := st.SchemaVersion(context.Background())
	if err != nil || v != 0 {
		t.Errorf("SchemaVersion of an empty database = %d, %v", v, err)
	}
}

func TestConnString(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://postgres@127.0.0.1:5432/praksis?sslmode=disable": "postgres://postgres@127.0.0.1:5432/praksis?binary_parameters=yes&sslmode=disable",
		"postgresql://u:p@db/praksis":                                "postgresql://u:p@db/praksis?binary_parameters=yes",
		"postgres://postgres@127.0.0.1/praksis?binary_parameters=no": "postgres://postgres@127.0.0.1/praksis?binary_parameters=no",
		"host=127.0.0.1 dbname=praksis sslmode=disable":              "host=127.0.0.1 dbname=praksis sslmode=disable binary_parameters=yes",
	} {
		if got := db.ConnString(in); got != want {
			t.Errorf("ConnString(%q) = %q, want %q", in, got, want)
		}
	}
}
