package handlers

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"praksis/db/dbtest"
)

func TestHealthz(t *testing.T) {
	ta := newTestApp(t)
	res := ta.client().get("/healthz")
	if res.status != http.StatusOK || res.body != "ok" {
		t.Fatalf("/healthz: %d %q", res.status, res.body)
	}
	if res.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", res.header.Get("Cache-Control"))
	}
	if res.cookie(visitorCookie) != nil || res.cookie(sessionCookie) != nil {
		t.Error("a probe got cookies")
	}
}

// /readyz follows the database without a restart: 503 while the schema is
// behind, 200 again once it is current.
func TestReadyzSchema(t *testing.T) {
	u, cleanup, err := dbtest.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	ta := newTestAppOn(t, u)
	c := ta.client()
	if res := c.get("/readyz"); res.status != http.StatusOK {
		t.Fatalf("migrated database: %d %q", res.status, res.body)
	}

	// Take the newest migration's row away, as if this binary were newer
	// than the database.
	var id, version int64
	var applied bool
	var tstamp any
	err = ta.store.DB.QueryRow(`SELECT id, version_id, is_applied, tstamp FROM goose_db_version
		ORDER BY version_id DESC, id DESC LIMIT 1`).Scan(&id, &version, &applied, &tstamp)
	if err != nil {
		t.Fatal(err)
	}
	if version != ta.app.schema || version == 0 {
		t.Fatalf("newest applied migration %d, the app expects %d", version, ta.app.schema)
	}
	ta.exec(`DELETE FROM goose_db_version WHERE id = $1`, id)
	res := c.get("/readyz")
	if res.status != http.StatusServiceUnavailable || !strings.Contains(res.body, "schema") {
		t.Errorf("schema behind: %d %q", res.status, res.body)
	}
	if res := c.get("/healthz"); res.status != http.StatusOK {
		t.Errorf("liveness follows readiness: %d", res.status)
	}

	ta.exec(`INSERT INTO goose_db_version (id, version_id, is_applied, tstamp) VALUES ($1, $2, $3, $4)`, id, version, applied, tstamp)
	if res := c.get("/readyz"); res.status != http.StatusOK {
		t.Errorf("schema restored: %d %q", res.status, res.body)
	}
}

// A database nobody answers for makes the replica unready, not dead.
func TestReadyzDatabaseUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // now nothing listens there
	ta := newTestAppOn(t, "postgres://postgres@127.0.0.1:"+itoa(int64(port))+"/praksis?sslmode=disable&connect_timeout=2")
	c := ta.client()
	res := c.get("/readyz")
	if res.status != http.StatusServiceUnavailable || !strings.Contains(res.body, "database") {
		t.Errorf("unreachable database: %d %q", res.status, res.body)
	}
	if strings.Contains(res.body, "127.0.0.1") || strings.Contains(res.body, "refused") {
		t.Errorf("the answer shows the connection error: %q", res.body)
	}
	if res := c.get("/healthz"); res.status != http.StatusOK {
		t.Errorf("/healthz without a database: %d", res.status)
	}
	// Pages that need no database still answer; signed-in ones fail cleanly.
	if res := c.get("/login"); res.status != http.StatusOK {
		t.Errorf("/login without a database: %d", res.status)
	}
	c.cookies[sessionCookie] = "some-token"
	// 503, not 500: the database is down, nothing is wrong with the request (issue 8).
	if res := c.get("/"); res.status != http.StatusServiceUnavailable || strings.Contains(res.text(), "refused") {
		t.Errorf("a session lookup without a database: %d", res.status)
	}
}
