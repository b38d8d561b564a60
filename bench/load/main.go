// Command load is `make bench`'s load generator (bench/run starts it): it
// signs in as the demo adviser, employer and admin, finds the pages to
// measure, then drives each with a fixed number of concurrent
// connections for a fixed time, the floor (bench/floor) first and last,
// and prints a Markdown table for docs/benchmarks.md: requests/s, p50
// and p99 latency, throughput as a fraction of the floor, the server's
// peak memory, and what a first page load costs in compressed bytes.
//
// It is a second process on purpose, and uses fasthttp's client (already
// in the module through Fiber) because it costs less CPU per request
// than net/http's: client and server share the machine's cores. Other
// modes, for bench/run: -seeded (does -db hold a scale seed?), -wait URL
// (until it answers 200), -queries (the store calls behind each page,
// queries.go) and -jobs (the nightly jobs on a copy of -db, jobs.go).
package main

import (
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	_ "github.com/lib/pq"

	"praksis/db"
)

// acceptEncoding is what Chromium sends.
const acceptEncoding = "gzip, deflate, br, zstd"

type config struct {
	base, floor, dbURL string
	pid, floorPID      int
	pprof              string // http://host:port of the server's pprof, or ""
	// baseline is a second Praksis (an older binary on the same database):
	// each target is measured on it right after the current one, so the
	// comparison is made in one run, under the same load.
	baseline    string
	baselinePID int
	rounds      int // baseline comparisons per target, alternating
	conc        int
	dur, warmup time.Duration
	only        string
}

func main() {
	var cfg config
	flag.StringVar(&cfg.base, "base", "", "Praksis, e.g. http://127.0.0.1:3000")
	flag.StringVar(&cfg.floor, "floor", "", "the floor server, e.g. http://127.0.0.1:3999")
	flag.StringVar(&cfg.dbURL, "db", os.Getenv("DATABASE_URL"), "the database Praksis serves (to pick a participant)")
	flag.IntVar(&cfg.pid, "pid", 0, "process id of `praksis serve` (its peak RSS is read from /proc)")
	flag.IntVar(&cfg.floorPID, "floor-pid", 0, "process id of the floor server (its peak RSS too)")
	flag.StringVar(&cfg.baseline, "baseline", "", "an older Praksis on the same database, measured beside each target (optional)")
	flag.IntVar(&cfg.baselinePID, "baseline-pid", 0, "process id of the baseline server")
	flag.StringVar(&cfg.pprof, "pprof", "", "address of the server's net/http/pprof (a `go build -tags pprof` binary): profile each page alone")
	flag.IntVar(&cfg.rounds, "rounds", 3, "with -baseline: measure each target this many times on each server, alternating, and compare the medians")
	flag.IntVar(&cfg.conc, "c", 32, "concurrent connections")
	flag.DurationVar(&cfg.dur, "d", 10*time.Second, "measured time per target")
	flag.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "unmeasured time per target before it")
	flag.StringVar(&cfg.only, "only", "", "measure only targets whose name contains this")
	seeded := flag.Bool("seeded", false, "only report (exit status) whether -db holds a scale seed")
	wait := flag.String("wait", "", "only wait (up to 60 s) until this URL answers 200")
	jobs := flag.Bool("jobs", false, "only time the nightly jobs (on a copy of -db) against one aggregate query")
	praksis := flag.String("praksis", "bin/praksis", "the praksis binary, for -jobs")
	queries := flag.Bool("queries", false, "only time the store calls behind each page, one at a time")
	flag.Parse()
	var err error
	switch {
	case *seeded:
		err = checkSeeded(cfg.dbURL)
	case *wait != "":
		err = waitFor(*wait, 60*time.Second)
	case *jobs:
		err = benchJobs(cfg.dbURL, *praksis)
	case *queries && cfg.only == strings.TrimSpace(mePrefix):
		err = benchMeQueriesOnly(cfg.dbURL) // participant.go
	case *queries:
		err = benchQueries(cfg.dbURL)
	default:
		err = bench(cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

// checkSeeded succeeds when the database exists and holds a scale seed.
func checkSeeded(dbURL string) error {
	conn, err := sql.Open("postgres", dbURL)
	if err != nil {
		return err
	}
	defer conn.Close()
	var n int
	if err := conn.QueryRow(`SELECT count(*) FROM participants`).Scan(&n); err != nil {
		return err
	}
	var seeded bool
	if err := conn.QueryRow(`SELECT EXISTS (SELECT 1 FROM users WHERE email LIKE '%@bench.example.org')`).Scan(&seeded); err != nil {
		return err
	}
	if !seeded {
		return errors.New("no scale seed in the database")
	}
	fmt.Printf("database holds a scale seed of %d participants\n", n)
	return nil
}

func waitFor(u string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer 200 within %s (%v)", u, limit, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// target is one page to measure.
type target struct {
	name, url, cookie string
	headers           map[string]string
	floor             bool // the floor itself
	group             string
}

func bench(cfg config) error {
	if cfg.base == "" || cfg.floor == "" {
		return errors.New("-base and -floor are required")
	}
	adviser, err := signIn(cfg.base, "radgiver@example.org")
	if err != nil {
		return err
	}
	employer, err := signIn(cfg.base, "arbeidsgiver@example.org")
	if err != nil {
		return err
	}
	admin, err := signIn(cfg.base, "admin@example.org")
	if err != nil {
		return err
	}
	participant, people, err := pickParticipant(cfg.dbURL)
	if err != nil {
		return err
	}
	search := "/placements?q=norsk&kind=sprakpraksis&level_oral=a2"
	deep, page, err := followNext(cfg.base, adviser, search, 20)
	if err != nil {
		return err
	}
	fmt.Printf("# make bench: %d participants, %d connections, %s per target (after %s warm-up), %s\n\n",
		people, cfg.conc, cfg.dur, cfg.warmup, time.Now().UTC().Format("2006-01-02 15:04 MST"))
	floor := target{name: "floor (minimal page, 1 PK query)", url: cfg.floor + "/floor", floor: true}
	fragment := map[string]string{"HX-Request": "true", "HX-Target": "results", "HX-Current-URL": cfg.base + search}
	targets := []target{
		{name: "search: text + 2 filters, page 1", url: cfg.base + search, cookie: adviser, group: "search"},
		{name: fmt.Sprintf("search: same, keyset page %d", page), url: cfg.base + deep, cookie: adviser, group: "search"},
		{name: "search: htmx fragment (HX-Request)", url: cfg.base + search, cookie: adviser, headers: fragment, group: "fragment"},
		{name: "participant profile with chart", url: fmt.Sprintf("%s/participants/%d", cfg.base, participant), cookie: adviser, group: "page"},
		{name: "employer dashboard /", url: cfg.base + "/", cookie: employer, group: "page"},
		{name: "adviser dashboard /", url: cfg.base + "/", cookie: adviser, group: "page"},
	}
	kpiStatus, _, _, err := get(cfg.base+"/admin/kpi", admin, nil)
	if err != nil {
		return err
	}
	if kpiStatus == http.StatusOK {
		targets = append(targets, target{name: "KPI page /admin/kpi", url: cfg.base + "/admin/kpi", cookie: admin, group: "page"})
	}
	// Issue 17: a compound searched for by its first part, and the
	// caseload searched by a participant's name spelt otherwise.
	name, err := caseloadName(cfg.dbURL)
	if err != nil {
		return err
	}
	targets = append(targets,
		target{name: "search: compound part (q=lager), page 1", url: cfg.base + "/placements?q=lager", cookie: adviser, group: "search"},
		target{name: "caseload name search (q=" + name + ")", url: cfg.base + "/participants?q=" + url.QueryEscape(name), cookie: adviser, group: "page"})
	// The participant's own pages: a block of their own (participant.go).
	me, meCookie, err := meBench(cfg)
	if err != nil {
		return err
	}
	targets = append(targets, me...)
	// Last: its 700 KB pages leave the heap large for a while, which
	// would show in the next target's peak RSS.
	targets = append(targets, target{name: "adviser caseload (500; first page of 100)", url: cfg.base + "/participants", cookie: adviser, group: "page"})
	twins, err := baselineTwins(cfg, targets, map[string]string{"radgiver@example.org": adviser, "arbeidsgiver@example.org": employer, "admin@example.org": admin})
	if err != nil {
		return err
	}
	loadStart := loadAvg()
	var results, old, current []result
	startPeak := map[int]int64{} // VmHWM before each reset: start-up and the set-up requests
	all := append(append([]target{floor}, targets...), floor)
	for _, t := range all {
		if cfg.only != "" && !t.floor && !strings.Contains(t.name, cfg.only) {
			continue
		}
		fmt.Fprintf(os.Stderr, "load: %s …\n", t.name)
		pid := cfg.pid
		if t.floor {
			pid = cfg.floorPID
		}
		if before := readRSS(pid, "VmHWM"); before > startPeak[pid] {
			startPeak[pid] = before
		}
		rssStart := readRSS(pid, "VmRSS")
		resetPeak(pid)
		r := measure(t, cfg)
		r.rss, r.rssStart = readRSS(pid, "VmHWM"), rssStart
		results = append(results, r)
		if twin, ok := twins[t.name]; ok {
			// Rounds in the order C B | B C | C B | …: whichever runs second
			// in a pair finds the pages' rows in PostgreSQL's cache the first
			// one warmed (on a busy machine that favoured the second by
			// 10–20 % for the search pages, docs/benchmarks.md), so each
			// binary goes first in half of the rounds.
			pair := []result{r}
			for round := 1; round <= cfg.rounds; round++ {
				fmt.Fprintf(os.Stderr, "load: %s (baseline, round %d) …\n", t.name, round)
				if round%2 == 0 {
					old = append(old, measure(twin, cfg))
					pair = append(pair, measure(t, cfg))
					continue
				}
				if round > 1 {
					pair = append(pair, measure(t, cfg))
				}
				old = append(old, measure(twin, cfg))
			}
			current = append(current, pair...)
		}
	}
	printTable(results, cfg)
	printBaseline(current, old, cfg.rounds)
	fmt.Printf("load average (1 min) of the machine: %s at the start, %s at the end — other work on it skews the ratios\n", loadStart, loadAvg())
	if kpiStatus != http.StatusOK {
		fmt.Printf("\nKPI page /admin/kpi: not built (it answered %d)\n", kpiStatus)
	}
	if cfg.pid > 0 {
		peak := startPeak[cfg.pid]
		for _, r := range results {
			if !r.floor && r.rss > peak {
				peak = r.rss
			}
		}
		fmt.Printf("\npraksis serve peak RSS (VmHWM over the run, start-up included): %.1f MB (target < 100 MB: %s)\n",
			float64(peak)/1024, okMiss(peak < 100*1024))
	}
	if err := firstLoad(cfg.base, adviser, search, 80*1024); err != nil {
		return err
	}
	pagesAlone(floor, targets, cfg)
	return firstLoad(cfg.base, meCookie, "/me", meFirstLoadLimit)
}

// signIn signs in with the demo password and returns the Cookie header
// of the session: GET /login for the visitor cookie and CSRF token, then
// the form, as a browser does (same-origin).
func signIn(base, email string) (string, error) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(base + "/login")
	if err != nil {
		return "", err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		return "", fmt.Errorf("sign in %s: no CSRF token on /login (%d)", email, resp.StatusCode)
	}
	form := url.Values{"email": {email}, "password": {db.DemoPassword}, "csrf_token": {html.UnescapeString(string(m[1]))}}
	req, _ := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err = client.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		return "", fmt.Errorf("sign in %s: %d (is the database seeded with `praksis seed --scale`?)", email, resp.StatusCode)
	}
	u, _ := url.Parse(base)
	var parts []string
	for _, c := range jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; "), nil
}

// get fetches a page as a browser would (compressed), for the set-up.
func get(u, cookie string, headers map[string]string) (int, []byte, http.Header, error) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header, err
}

var nextLink = regexp.MustCompile(`<a class="ds-button" data-variant="secondary" href="([^"]+)" hx-get=`)

// followNext walks the search's keyset pages as a person clicking "next"
// does (handlers/placements.go builds the link with the cursor) and
// returns the URL of page n (or the last page, if there are fewer).
func followNext(base, cookie, first string, n int) (string, int, error) {
	u := first
	for page := 1; page < n; page++ {
		status, body, _, err := get(base+u, cookie, nil)
		if err != nil || status != http.StatusOK {
			return "", 0, fmt.Errorf("search page %d: %d %v", page, status, err)
		}
		m := nextLink.FindSubmatch(body)
		if m == nil {
			return u, page, nil
		}
		u = html.UnescapeString(string(m[1]))
	}
	return u, n, nil
}

// pickParticipant is the demo adviser's participant with the longest
// history (most results, then agreements): the heaviest profile and chart.
func pickParticipant(dbURL string) (int64, int, error) {
	conn, err := sql.Open("postgres", dbURL)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	var id int64
	var people int
	err = conn.QueryRow(`SELECT p.id, (SELECT count(*) FROM participants) FROM participants p JOIN users u ON u.id = p.adviser_id
		WHERE u.email = 'radgiver@example.org'
		ORDER BY (SELECT count(*) FROM language_results r WHERE r.participant_id = p.id) DESC,
			(SELECT count(*) FROM agreements a WHERE a.participant_id = p.id) DESC, p.id LIMIT 1`).Scan(&id, &people)
	if err != nil {
		return 0, 0, fmt.Errorf("pick a participant (DATABASE_URL/-db): %w", err)
	}
	return id, people, nil
}

// caseloadName is the last name of a participant of the demo adviser's
// caseload, spelt as another transliteration would (w for v, ou for u,
// a doubled consonant), lower case: the caseload's name search must find
// it through the spelling rules (issue 17), not the typed letters.
func caseloadName(dbURL string) (string, error) {
	conn, err := sql.Open("postgres", dbURL)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	var last string
	err = conn.QueryRow(`SELECT lower(p.last_name) FROM participants p JOIN users u ON u.id = p.adviser_id
		WHERE u.email = 'radgiver@example.org' AND p.last_name ~* '^[a-z]+(v|u)[a-z]*$' ORDER BY p.id LIMIT 1`).Scan(&last)
	if err != nil {
		return "", fmt.Errorf("pick a caseload name: %w", err)
	}
	if i := strings.IndexAny(last, "vu"); i >= 0 {
		alt := map[byte]string{'v': "w", 'u': "ou"}[last[i]]
		last = last[:i] + alt + last[i+1:]
	}
	return last, nil
}

// loadAvg is the machine's 1-minute load average.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// resetPeak starts a new peak RSS (VmHWM) for the process: writing 5 to
// clear_refs does that (Linux), so each target gets a peak of its own.
func resetPeak(pid int) {
	if pid > 0 {
		_ = os.WriteFile("/proc/"+strconv.Itoa(pid)+"/clear_refs", []byte("5"), 0)
	}
}

// readRSS reads a memory figure (kB) of a process from /proc.
func readRSS(pid int, field string) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

func okMiss(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISS"
}
