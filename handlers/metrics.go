package handlers

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// latencyBounds are the upper bounds (seconds) of the request latency
// histogram: from a cached asset to a page that should have been faster.
var latencyBounds = [...]float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics holds this replica's request counters. Series are keyed by the
// route pattern (never the raw path: /l/<token> must not become a label,
// and the label set stays bounded), the method and the status class.
type metrics struct {
	started time.Time
	series  sync.Map // seriesKey → *httpSeries
}

type seriesKey struct{ method, route, class string }

// httpSeries is one histogram; buckets are not cumulative here (each
// request adds to one), the exposition sums them.
type httpSeries struct {
	buckets [len(latencyBounds) + 1]atomic.Uint64
	sumNano atomic.Uint64
}

func newMetrics() *metrics { return &metrics{started: time.Now()} }

func (m *metrics) observe(method, route string, status int, took time.Duration) {
	k := seriesKey{method, route, strconv.Itoa(status/100) + "xx"}
	v, ok := m.series.Load(k)
	if !ok {
		v, _ = m.series.LoadOrStore(k, &httpSeries{})
	}
	s := v.(*httpSeries)
	secs := took.Seconds()
	i := sort.SearchFloat64s(latencyBounds[:], secs)
	s.buckets[i].Add(1)
	s.sumNano.Add(uint64(took.Nanoseconds()))
}

// observe times every request, gives an error to the error handler here
// (so the status it sets is the one counted and logged), records the
// request in the metrics by route pattern and writes one log line with
// the request id. The line holds no personal data: the route pattern,
// not the path (which can hold a one-time token), no query string (which
// can hold a name searched for), no user; the client address is logged
// for security (docs/operations.md).
func (a *App) observe(c *fiber.Ctx) error {
	start := time.Now()
	if err := c.Next(); err != nil {
		if herr := a.handleError(c, err); herr != nil {
			return herr
		}
	}
	a.record(c, a.routeOf(c), start)
	return nil
}

// record counts a finished request and logs it.
func (a *App) record(c *fiber.Ctx, route string, start time.Time) {
	took := time.Since(start)
	status := c.Response().StatusCode()
	a.metrics.observe(c.Method(), route, status, took)
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case route == "/healthz" || route == "/readyz" || route == "/metrics" || strings.HasPrefix(route, "/static/"):
		level = slog.LevelDebug // probes and assets: only when asked for
	}
	a.log.LogAttrs(context.Background(), level, "request",
		slog.Any("request_id", c.Locals(requestIDKey)),
		slog.String("method", c.Method()),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Float64("ms", float64(took.Microseconds())/1000),
		slog.Int("bytes", len(c.Response().Body())),
		slog.String("ip", clientIP(c)))
}

// routeOf is the pattern of the route that answered. A request answered
// by middleware before its route (a refused CSRF token, a database that
// is down while the session is read) is given the pattern it would have
// reached; one that matched nothing is "unmatched".
func (a *App) routeOf(c *fiber.Ctx) string {
	// A middleware's route (Use) matches by prefix; a route's pattern
	// matches the whole path.
	if r := c.Route(); r != nil && patternMatches(r.Path, c.Path()) {
		return r.Path
	}
	a.patternsOnce.Do(func() {
		for _, r := range a.fiber.GetRoutes(true) {
			a.patterns = append(a.patterns, [2]string{r.Method, r.Path})
		}
	})
	for _, p := range a.patterns {
		if p[0] == c.Method() && patternMatches(p[1], c.Path()) {
			return p[1]
		}
	}
	return "unmatched"
}

// patternMatches reports whether path fits a Fiber pattern with :params
// and a trailing *.
func patternMatches(pattern, path string) bool {
	for {
		pSeg, pRest, pMore := strings.Cut(strings.TrimPrefix(pattern, "/"), "/")
		xSeg, xRest, xMore := strings.Cut(strings.TrimPrefix(path, "/"), "/")
		switch {
		case pSeg == "*":
			return true
		case strings.HasPrefix(pSeg, ":"):
			if xSeg == "" {
				return false
			}
		case pSeg != xSeg:
			return false
		}
		if !pMore || !xMore {
			return pMore == xMore
		}
		pattern, path = "/"+pRest, "/"+xRest
	}
}

// metricsAllowed: /metrics is open in development; in production only to
// a scraper on the same machine (a loopback peer that did not come through
// a proxy) or one with the METRICS_TOKEN bearer token.
func (a *App) metricsAllowed(c *fiber.Ctx) bool {
	if !a.cfg.Production {
		return true
	}
	if tok := a.cfg.MetricsToken; tok != "" {
		got, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
		if ok && subtle.ConstantTimeCompare([]byte(got), []byte(tok)) == 1 {
			return true
		}
	}
	remote := c.Context().RemoteIP()
	client := net.ParseIP(clientIP(c))
	return remote.IsLoopback() && client != nil && client.IsLoopback()
}

// metricsPage answers GET /metrics in the Prometheus text format: this
// replica's requests, its database pool and Go runtime, and — read from
// PostgreSQL, the same on every replica — the outbox and the job runs.
func (a *App) metricsPage(c *fiber.Ctx) error {
	if !a.metricsAllowed(c) {
		return errStatus(fiber.StatusNotFound, "error.not_found")
	}
	var b bytes.Buffer
	a.writeHTTPMetrics(&b)
	a.writePoolMetrics(&b)
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	a.writeDatabaseMetrics(ctx, &b)
	writeRuntimeMetrics(&b, a.metrics.started)
	c.Set(fiber.HeaderContentType, "text/plain; version=0.0.4; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b.Bytes())
}

func family(b *bytes.Buffer, name, typ, help string) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func num(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// label escapes a label value as the text format wants.
func label(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

func (a *App) writeHTTPMetrics(b *bytes.Buffer) {
	type row struct {
		k seriesKey
		s *httpSeries
	}
	var rows []row
	a.metrics.series.Range(func(k, v any) bool {
		rows = append(rows, row{k.(seriesKey), v.(*httpSeries)})
		return true
	})
	sort.Slice(rows, func(i, j int) bool {
		x, y := rows[i].k, rows[j].k
		if x.route != y.route {
			return x.route < y.route
		}
		if x.method != y.method {
			return x.method < y.method
		}
		return x.class < y.class
	})
	family(b, "praksis_http_requests_total", "counter", "Requests answered, by route pattern, method and status class.")
	counts := make([]uint64, len(rows))
	for i, r := range rows {
		for j := range r.s.buckets {
			counts[i] += r.s.buckets[j].Load()
		}
		fmt.Fprintf(b, "praksis_http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} %d\n", label(r.k.route), r.k.method, r.k.class, counts[i])
	}
	family(b, "praksis_http_request_duration_seconds", "histogram", "Time to answer a request, by route pattern, method and status class.")
	for _, r := range rows {
		lbl := fmt.Sprintf("route=\"%s\",method=\"%s\",status=\"%s\"", label(r.k.route), r.k.method, r.k.class)
		var cum uint64
		for j := range r.s.buckets {
			cum += r.s.buckets[j].Load()
			le := math.Inf(1)
			if j < len(latencyBounds) {
				le = latencyBounds[j]
			}
			fmt.Fprintf(b, "praksis_http_request_duration_seconds_bucket{%s,le=\"%s\"} %d\n", lbl, num(le), cum)
		}
		fmt.Fprintf(b, "praksis_http_request_duration_seconds_sum{%s} %s\n", lbl, num(float64(r.s.sumNano.Load())/1e9))
		fmt.Fprintf(b, "praksis_http_request_duration_seconds_count{%s} %d\n", lbl, cum)
	}
}

func (a *App) writePoolMetrics(b *bytes.Buffer) {
	st := a.store.PoolStats()
	gauge := func(name, help string, v float64) {
		family(b, name, "gauge", help)
		fmt.Fprintf(b, "%s %s\n", name, num(v))
	}
	counter := func(name, help string, v float64) {
		family(b, name, "counter", help)
		fmt.Fprintf(b, "%s %s\n", name, num(v))
	}
	gauge("praksis_db_pool_max_open", "Most connections the pool may open.", float64(st.MaxOpenConnections))
	gauge("praksis_db_pool_open", "Connections open now.", float64(st.OpenConnections))
	gauge("praksis_db_pool_in_use", "Connections in use now.", float64(st.InUse))
	gauge("praksis_db_pool_idle", "Idle connections now.", float64(st.Idle))
	counter("praksis_db_pool_wait_total", "Times a request waited for a free connection.", float64(st.WaitCount))
	counter("praksis_db_pool_wait_seconds_total", "Time spent waiting for a free connection.", st.WaitDuration.Seconds())
	counter("praksis_db_pool_closed_idle_total", "Connections closed as idle for too long.", float64(st.MaxIdleClosed+st.MaxIdleTimeClosed))
}

// writeDatabaseMetrics writes what every replica sees alike, read from
// PostgreSQL (db.Store.DatabaseMetrics): the outbox and the job runs.
func (a *App) writeDatabaseMetrics(ctx context.Context, b *bytes.Buffer) {
	var names []string
	for _, j := range a.sched.Jobs() {
		names = append(names, j.Name)
	}
	m, err := a.store.DatabaseMetrics(ctx, names)
	family(b, "praksis_database_up", "gauge", "1 when this replica could read the database for this scrape.")
	if err != nil {
		a.log.Warn("metrics: database", "err", err)
		b.WriteString("praksis_database_up 0\n")
		return
	}
	b.WriteString("praksis_database_up 1\n")
	outbox, age, jobs := m.Outbox, m.OldestDueSeconds, m.Jobs
	family(b, "praksis_outbox_mails", "gauge", "Mail in the outbox not sent yet, by status (pending, failed: will be retried; dead: given up).")
	for _, st := range []string{"pending", "failed", "dead"} {
		fmt.Fprintf(b, "praksis_outbox_mails{status=\"%s\"} %s\n", st, num(outbox[st]))
	}
	family(b, "praksis_outbox_oldest_due_seconds", "gauge", "How long the oldest mail that is due has waited to be sent (0: none waits).")
	fmt.Fprintf(b, "praksis_outbox_oldest_due_seconds %s\n", num(age))
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].Name < jobs[j].Name })
	family(b, "praksis_job_runs_24h", "gauge", "Runs of each scheduled job in the last 24 hours, by outcome (all replicas).")
	for _, j := range jobs {
		fmt.Fprintf(b, "praksis_job_runs_24h{job=\"%s\",status=\"ok\"} %s\n", label(j.Name), num(j.OK))
		fmt.Fprintf(b, "praksis_job_runs_24h{job=\"%s\",status=\"failed\"} %s\n", label(j.Name), num(j.Failed))
	}
	family(b, "praksis_job_longest_run_seconds_24h", "gauge", "Longest run of each job in the last 24 hours.")
	for _, j := range jobs {
		fmt.Fprintf(b, "praksis_job_longest_run_seconds_24h{job=\"%s\"} %s\n", label(j.Name), num(j.LongestSeconds))
	}
	family(b, "praksis_job_last_success_timestamp_seconds", "gauge", "When each job last finished without error (Unix time; 0: never).")
	for _, j := range jobs {
		fmt.Fprintf(b, "praksis_job_last_success_timestamp_seconds{job=\"%s\"} %s\n", label(j.Name), num(j.LastSuccess))
	}
}

func writeRuntimeMetrics(b *bytes.Buffer, started time.Time) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	family(b, "go_goroutines", "gauge", "Goroutines that exist now.")
	fmt.Fprintf(b, "go_goroutines %d\n", runtime.NumGoroutine())
	family(b, "go_memstats_heap_alloc_bytes", "gauge", "Bytes of allocated heap objects.")
	fmt.Fprintf(b, "go_memstats_heap_alloc_bytes %d\n", ms.HeapAlloc)
	family(b, "go_memstats_sys_bytes", "gauge", "Bytes of memory obtained from the system.")
	fmt.Fprintf(b, "go_memstats_sys_bytes %d\n", ms.Sys)
	if rss, ok := residentBytes(); ok {
		family(b, "process_resident_memory_bytes", "gauge", "Resident memory of this process.")
		fmt.Fprintf(b, "process_resident_memory_bytes %d\n", rss)
	}
	family(b, "process_start_time_seconds", "gauge", "When this process started (Unix time).")
	fmt.Fprintf(b, "process_start_time_seconds %d\n", started.Unix())
}

// residentBytes reads VmRSS from /proc (Linux; elsewhere nothing).
func residentBytes() (int64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}
