package faults

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const testSecret = "faults-secret-faults-secret-faults-secret"

// server is a `praksis serve` process.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	log  *logSink
	done chan struct{}
}

// logSink keeps a process's stderr: JSON log lines (LOG_FORMAT=json).
type logSink struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// lines parses every log line; a line that is not JSON fails the test.
func (l *logSink) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(l.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Errorf("log line is not JSON: %q", sc.Text())
			continue
		}
		out = append(out, m)
	}
	return out
}

// startServer runs `praksis serve` on a free port against dbURL with the
// extra environment given, and waits until it answers /healthz.
func startServer(t *testing.T, dbURL string, extra map[string]string) *server {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	env := map[string]string{
		"DATABASE_URL": dbURL, "LISTEN_ADDR": fmt.Sprintf("127.0.0.1:%d", port), "BASE_URL": base,
		"SECRET_KEY": testSecret, "LOG_FORMAT": "json", "LOG_LEVEL": "info", "CRON_ENABLED": "false",
		"MAIL_RATE": "1000", "SHUTDOWN_TIMEOUT": "3s",
	}
	for k, v := range extra {
		env[k] = v
	}
	s := &server{t: t, base: base, log: &logSink{}, done: make(chan struct{})}
	s.cmd = exec.Command(binary, "serve")
	s.cmd.Env = baseEnv(env)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(s.stop)
	ok := waitUntil(20*time.Second, func() bool {
		select {
		case <-s.done:
			return true
		default:
		}
		res, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	select {
	case <-s.done:
		t.Fatalf("praksis serve exited at start:\n%s", s.log)
	default:
	}
	if !ok {
		t.Fatalf("praksis serve did not answer within 20 s:\n%s", s.log)
	}
	return s
}

// stop ends the process with SIGTERM (SIGKILL if it does not finish).
func (s *server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// runPraksis runs one praksis command to its end and returns its output.
func runPraksis(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = baseEnv(env)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// browser is a person's browser: cookies (kept by name, whatever the
// replica: one site behind a load balancer) and the CSRF token of the last
// page. It never follows redirects, so tests see the 303s.
type browser struct {
	t       *testing.T
	hc      *http.Client
	mu      sync.Mutex
	cookies map[string]string
	csrf    string
	// keepCSRF holds on to the token of the page signed in on: a form
	// loaded before an error page still carries its own token.
	keepCSRF bool
}

var csrfRe = regexp.MustCompile(`"X-CSRF-Token": "([^"]+)"`)

func newBrowser(t *testing.T) *browser {
	return &browser{t: t, cookies: map[string]string{}, hc: &http.Client{
		Timeout:       15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// reply is an answer and how long it took.
type reply struct {
	status int
	body   string
	header http.Header
	took   time.Duration
	err    error
}

func (b *browser) do(req *http.Request) reply {
	b.mu.Lock()
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	b.mu.Unlock()
	start := time.Now()
	res, err := b.hc.Do(req)
	if err != nil {
		return reply{err: err, took: time.Since(start)}
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	r := reply{status: res.StatusCode, body: string(body), header: res.Header, took: time.Since(start)}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	if m := csrfRe.FindStringSubmatch(r.body); m != nil && !b.keepCSRF {
		b.csrf = m[1]
	}
	return r
}

func (b *browser) get(u string) reply {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form with the browser's CSRF token.
func (b *browser) post(u string, form url.Values) reply {
	b.mu.Lock()
	form.Set("csrf_token", b.csrf)
	b.mu.Unlock()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signIn signs in on the replica at base with a demo account.
func (b *browser) signIn(base, email string) {
	b.t.Helper()
	b.get(base + "/login")
	if r := b.post(base+"/login", url.Values{"email": {email}, "password": {"praksis-demo"}}); r.status != http.StatusSeeOther {
		b.t.Fatalf("sign in as %s at %s: %d %v", email, base, r.status, r.err)
	}
	b.get(base + "/") // the session's CSRF token
}

// tab is a second tab of the same browser (the same cookies, the token of
// its own page), for a writer running beside readers.
func (b *browser) tab() *browser {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := newBrowser(b.t)
	for k, v := range b.cookies {
		t.cookies[k] = v
	}
	t.csrf, t.keepCSRF = b.csrf, true
	return t
}
