package handlers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"praksis/db"
)

// metricValue finds one sample line of the exposition ("name{labels}"
// exactly as written) and returns its value.
func metricValue(t *testing.T, body, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: value %q", series, v)
			}
			return f
		}
	}
	t.Fatalf("no sample %s in:\n%s", series, body)
	return 0
}

// /metrics counts requests by route pattern and status class, never by
// raw path; it has the latency histogram, the outbox, the job runs and
// the database pool.
func TestMetrics(t *testing.T) {
	ta := newTestApp(t)
	c, _ := ta.signIn(db.RoleAdviser)
	token := strings.Repeat("Q", 43)
	for i := 0; i < 3; i++ {
		if res := c.get("/l/" + token); res.status != http.StatusNotFound {
			t.Fatalf("unknown link: %d", res.status)
		}
	}
	c.get("/placements")
	c.get("/no/such/page")
	ta.exec(`UPDATE outbox SET status = 'dead' WHERE id = $1`, ta.enqueueMail(unique("m")+"@test.example"))
	if _, err := ta.sys.Scheduler.Run(context.Background(), "retention", time.Now(), true); err != nil {
		t.Fatal(err)
	}

	res := c.get("/metrics")
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: %d %s", res.status, res.header.Get("Content-Type"))
	}
	body := res.body
	if strings.Contains(body, token) {
		t.Error("a raw path (with its token) became a label")
	}
	if n := metricValue(t, body, `praksis_http_requests_total{route="/l/:token",method="GET",status="4xx"}`); n < 3 {
		t.Errorf("link requests counted %v, want ≥ 3", n)
	}
	metricValue(t, body, `praksis_http_requests_total{route="/placements",method="GET",status="2xx"}`)
	metricValue(t, body, `praksis_http_requests_total{route="unmatched",method="GET",status="4xx"}`)
	// The histogram is cumulative and ends in +Inf = _count.
	lbl := `route="/l/:token",method="GET",status="4xx"`
	inf := metricValue(t, body, `praksis_http_request_duration_seconds_bucket{`+lbl+`,le="+Inf"}`)
	if cnt := metricValue(t, body, `praksis_http_request_duration_seconds_count{`+lbl+`}`); cnt != inf || cnt < 3 {
		t.Errorf("histogram count %v, +Inf bucket %v", cnt, inf)
	}
	if lo, hi := metricValue(t, body, `praksis_http_request_duration_seconds_bucket{`+lbl+`,le="0.005"}`), metricValue(t, body, `praksis_http_request_duration_seconds_bucket{`+lbl+`,le="10"}`); lo > hi {
		t.Errorf("buckets not cumulative: %v > %v", lo, hi)
	}
	if metricValue(t, body, `praksis_http_request_duration_seconds_sum{`+lbl+`}`) <= 0 {
		t.Error("latency sum is zero")
	}
	if n := metricValue(t, body, `praksis_outbox_mails{status="dead"}`); n < 1 {
		t.Errorf("dead mail %v, want ≥ 1", n)
	}
	metricValue(t, body, `praksis_outbox_mails{status="pending"}`)
	if n := metricValue(t, body, `praksis_job_runs_24h{job="retention",status="ok"}`); n < 1 {
		t.Errorf("retention runs %v, want ≥ 1", n)
	}
	if ts := metricValue(t, body, `praksis_job_last_success_timestamp_seconds{job="retention"}`); time.Since(time.Unix(int64(ts), 0)) > time.Minute {
		t.Errorf("last retention success at %v", ts)
	}
	metricValue(t, body, `praksis_job_runs_24h{job="status",status="failed"}`)
	if metricValue(t, body, "praksis_database_up") != 1 {
		t.Error("database_up is not 1")
	}
	if metricValue(t, body, "praksis_db_pool_max_open") != 20 {
		t.Error("pool size missing")
	}
	metricValue(t, body, "go_goroutines")
	// Every sample belongs to a family declared with # TYPE.
	typed := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+) `).FindAllStringSubmatch(body, -1) {
		typed[m[1]] = true
	}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name := regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*`).FindString(line)
		base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
		if !typed[name] && !typed[base] {
			t.Errorf("sample without # TYPE: %s", line)
		}
	}
}

// In production /metrics is not public: a remote client gets 404 whoever
// is signed in; a loopback scraper, or one with METRICS_TOKEN, reads it. A
// request that came through a proxy is not loopback, even from one.
func TestMetricsNotPublicInProduction(t *testing.T) {
	ta := newTestApp(t, func(c *Config) { c.Production = true; c.MetricsToken = "scrape-token-0123456789" })
	admin := ta.sessionFor(ta.createUser(db.RoleAdmin))
	// app.Test's connection comes from 0.0.0.0: not loopback.
	if res := admin.get("/metrics"); res.status != http.StatusNotFound || strings.Contains(res.body, "praksis_") {
		t.Errorf("remote admin: %d", res.status)
	}
	bearer := func(tok string) response {
		return admin.request(http.MethodGet, "/metrics", nil, map[string]string{"Authorization": "Bearer " + tok})
	}
	if res := bearer("wrong-token"); res.status != http.StatusNotFound {
		t.Errorf("wrong token: %d", res.status)
	}
	if res := bearer("scrape-token-0123456789"); res.status != http.StatusOK || !strings.Contains(res.body, "praksis_http_requests_total") {
		t.Errorf("right token: %d", res.status)
	}

	base := ta.serve()
	get := func(header map[string]string) int {
		req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := get(nil); got != http.StatusOK {
		t.Errorf("loopback scraper: %d", got)
	}
	if got := get(map[string]string{"X-Forwarded-For": "203.0.113.7"}); got != http.StatusNotFound {
		t.Errorf("a client behind a proxy on loopback: %d", got)
	}
}

// syncBuffer is a log sink the server goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		out = append(out, m)
	}
	return out
}

// Every request gets an id (a plain incoming X-Request-ID is kept, anything
// else replaced), echoed in the response and on its log line; the line has
// the route pattern, not the path, and no query string.
func TestRequestIDAndLogLine(t *testing.T) {
	ta := newTestApp(t)
	var buf syncBuffer
	ta.app.log = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := ta.client()
	token := strings.Repeat("T", 43)
	res := c.request(http.MethodGet, "/l/"+token+"?secret=Ola+Nordmann", nil, map[string]string{"X-Request-ID": "lb-1234.abc_DEF"})
	if got := res.header.Get("X-Request-ID"); got != "lb-1234.abc_DEF" {
		t.Errorf("kept id: %q", got)
	}
	bad := c.request(http.MethodGet, "/login", nil, map[string]string{"X-Request-ID": `forged" level=ERROR msg="x`})
	gen := bad.header.Get("X-Request-ID")
	if gen == "" || strings.ContainsAny(gen, `" =`) {
		t.Errorf("a forged id was not replaced: %q", gen)
	}
	lines := buf.lines(t)
	byID := map[string]map[string]any{}
	for _, l := range lines {
		if l["msg"] == "request" {
			byID[l["request_id"].(string)] = l
		}
	}
	l, ok := byID["lb-1234.abc_DEF"]
	if !ok {
		t.Fatalf("no request line with the incoming id in %v", lines)
	}
	if l["route"] != "/l/:token" || l["status"] != float64(404) || l["method"] != "GET" || l["ip"] != c.ip {
		t.Errorf("request line: %v", l)
	}
	if _, ok := byID[gen]; !ok {
		t.Errorf("no request line with the generated id %s", gen)
	}
	raw, _ := json.Marshal(lines)
	for _, secret := range []string{token, "Nordmann", "secret="} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
	// A server error shows its id on the page and in the log.
	admin := ta.sessionFor(ta.createUser(db.RoleAdmin))
	ta.store.Close() // the next query fails: a 500
	res = admin.get("/")
	id := res.header.Get("X-Request-ID")
	if res.status != http.StatusInternalServerError || id == "" || !strings.Contains(res.body, id) {
		t.Errorf("500 page without its request id %q: %d", id, res.status)
	}
	found := false
	for _, l := range buf.lines(t) {
		if l["request_id"] == id && l["level"] == "ERROR" {
			found = true
		}
	}
	if !found {
		t.Error("no error log line with the 500's request id")
	}
}

// A database that is down gives a clear 503 page (the catalogue's words, no
// internals), fast, and /readyz says 503.
func TestDatabaseDownIs503(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ta := newTestAppOn(t, "postgres://postgres@127.0.0.1:"+itoa(int64(port))+"/praksis?sslmode=disable&connect_timeout=2")
	c := ta.client()
	c.cookies[sessionCookie] = "some-token"
	for _, lang := range []string{"nb", "en"} {
		c.lang = lang
		start := time.Now()
		res := c.get("/participants")
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s: took %s", lang, took)
		}
		if res.status != http.StatusServiceUnavailable {
			t.Fatalf("%s: status %d", lang, res.status)
		}
		for _, id := range []string{"error.unavailable", "error.heading_503"} {
			if !strings.Contains(res.text(), msg(t, lang, id)) {
				t.Errorf("%s: no %s on the page", lang, id)
			}
		}
		for _, leak := range []string{"refused", "dial", "pq:", "127.0.0.1", "goroutine"} {
			if strings.Contains(res.text(), leak) {
				t.Errorf("%s: the page shows %q", lang, leak)
			}
		}
	}
	if res := c.get("/readyz"); res.status != http.StatusServiceUnavailable {
		t.Errorf("/readyz: %d", res.status)
	}
	// A form post fails the same way, with nothing half done.
	v := ta.client()
	v.get("/signup")
	if res := v.post("/password/forgot", url.Values{"email": {"a@test.example"}}); res.status != http.StatusServiceUnavailable {
		t.Errorf("POST while down: %d", res.status)
	}
}

// Sign-ups and password reset requests are limited per client address in
// PostgreSQL: past the limit 429 with a clear message in the person's
// language and a Retry-After; another address is not affected.
func TestSignupAndResetLimits(t *testing.T) {
	ta := newTestApp(t, func(c *Config) { c.SignupMaxPerIP = 3; c.ResetMaxPerIP = 2 })
	for _, tc := range []struct {
		path, msgID string
		max         int
		form        url.Values
	}{
		{"/signup", "limit.signup", 3, url.Values{"org_name": {"X"}}},
		{"/password/forgot", "limit.reset", 2, url.Values{"email": {"nobody@test.example"}}},
	} {
		for _, lang := range []string{"nb", "en"} {
			c := ta.client()
			c.lang = lang
			c.get("/login")
			for i := 0; i < tc.max; i++ {
				if res := c.post(tc.path, clone(tc.form)); res.status == http.StatusTooManyRequests || res.status == http.StatusForbidden {
					t.Fatalf("%s %s: limited at request %d of %d", tc.path, lang, i+1, tc.max)
				}
			}
			res := c.post(tc.path, clone(tc.form))
			if res.status != http.StatusTooManyRequests || !strings.Contains(res.text(), msg(t, lang, tc.msgID)) {
				t.Errorf("%s %s over the limit: %d", tc.path, lang, res.status)
			}
			if res.header.Get("Retry-After") != "3600" {
				t.Errorf("%s: Retry-After %q", tc.path, res.header.Get("Retry-After"))
			}
			if other := ta.client(); other.post(tc.path, clone(tc.form)).status == http.StatusTooManyRequests {
				t.Errorf("%s: another address is limited too", tc.path)
			}
		}
	}
	// A limited reset request sends nothing, even for a real account.
	u := ta.createUser(db.RoleAdviser)
	c := ta.client()
	c.get("/login")
	for i := 0; i < 2; i++ {
		c.post("/password/forgot", url.Values{"email": {"nobody@test.example"}})
	}
	if res := c.post("/password/forgot", url.Values{"email": {u.Email}}); res.status != http.StatusTooManyRequests || ta.outboxFor(u.Email) != 0 {
		t.Errorf("limited reset: %d, %d mails", res.status, ta.outboxFor(u.Email))
	}
}

func clone(v url.Values) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = append([]string(nil), x...)
	}
	return out
}

// The limit holds across replicas: two apps on one database share it.
func TestLimitAcrossReplicas(t *testing.T) {
	a := newTestApp(t, func(c *Config) { c.SignupMaxPerIP = 2 })
	b := newTestApp(t, func(c *Config) { c.SignupMaxPerIP = 2 })
	ca, cb := a.client(), b.client()
	cb.ip = ca.ip // the same person, balanced onto both
	ca.get("/login")
	cb.get("/login")
	ca.post("/signup", url.Values{})
	cb.post("/signup", url.Values{})
	if res := ca.post("/signup", url.Values{}); res.status != http.StatusTooManyRequests {
		t.Errorf("third sign-up across two replicas: %d", res.status)
	}
}

// Oversized headers get 431 with the catalogue's page; a slow client is cut
// off after the read timeout instead of holding its connection.
func TestHeaderSizeAndSlowClients(t *testing.T) {
	ta := newTestApp(t, func(c *Config) { c.ReadTimeout = time.Second })
	base := ta.serve()
	req, _ := http.NewRequest(http.MethodGet, base+"/login", nil)
	req.Header.Set("Cookie", "junk="+strings.Repeat("x", 16<<10))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge || !strings.Contains(string(body), "informasjonskapsler") {
		t.Errorf("16 KiB cookie: %d %.200s", res.StatusCode, body)
	}
	req, _ = http.NewRequest(http.MethodGet, base+"/login", nil)
	req.Header.Set("Cookie", "ok="+strings.Repeat("x", 3<<10))
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("3 KiB cookie: %v %v", res, err)
	} else {
		res.Body.Close()
	}

	// Headers that never finish, and a body that never arrives.
	for name, start := range map[string]string{
		"headers": "GET /login HTTP/1.1\r\nHost: x\r\nX-Slow: ",
		"body":    "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=",
	} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write([]byte(start)); err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = io.ReadAll(conn) // returns when the server closes the connection
		took := time.Since(began)
		conn.Close()
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Errorf("slow %s: still connected after 10 s", name)
		} else if took > 5*time.Second {
			t.Errorf("slow %s: cut after %s, want about 1 s", name, took)
		}
	}
}
