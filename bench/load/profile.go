package main

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/pprof/profile"
)

// Where a page's server CPU goes: with -pprof, each page measured alone is
// also profiled (net/http/pprof of a `go build -tags pprof` server), and
// its samples are split by what the stack was doing, first match from
// the top of this list. The split times the server CPU per request that
// /proc measured, so the parts add up to it. Together with PostgreSQL's
// CPU per request it says why a page misses its target (issue 19: "where
// a target is still missed, profile it").
var cpuParts = []struct {
	name   string
	frames []string // a frame whose function name starts with one of these
}{
	{"GC", []string{"runtime.gcBgMarkWorker", "runtime.gcAssistAlloc", "runtime.bgsweep", "runtime.bgscavenge", "runtime.gcStart"}},
	{"templates", []string{"html/template.", "text/template.", "praksis/handlers.(*App).fragment"}},
	{"store calls (driver, scan)", []string{"praksis/db.", "database/sql.", "github.com/lib/pq.", "github.com/jmoiron/sqlx."}},
	{"compression", []string{"compress/", "github.com/andybalholm/brotli", "github.com/klauspost/compress", "github.com/valyala/fasthttp.nonblockingWriteGzip", "github.com/valyala/fasthttp.compress"}},
	{"handler's own Go", []string{"praksis/"}},
	{"HTTP server, network", []string{"github.com/valyala/fasthttp.", "github.com/gofiber/", "internal/poll.", "syscall.", "net."}},
}

type profileResult struct {
	name          string
	appPer, pgPer time.Duration
	parts         []float64 // share of the samples per cpuParts, then "other"
	samples       int64
	err           error
}

// fetchProfile takes a CPU profile of the server over d.
func fetchProfile(base string, d time.Duration) profileResult {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	c := &http.Client{Timeout: d + 30*time.Second}
	resp, err := c.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", strings.TrimSuffix(base, "/"), secs))
	if err != nil {
		return profileResult{err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return profileResult{err: fmt.Errorf("pprof: %s", resp.Status)}
	}
	p, err := profile.Parse(resp.Body)
	if err != nil {
		return profileResult{err: err}
	}
	return splitProfile(p)
}

// splitProfile shares a CPU profile's samples out to cpuParts.
func splitProfile(p *profile.Profile) profileResult {
	idx := len(p.SampleType) - 1 // cpu nanoseconds (after the sample count)
	for i, st := range p.SampleType {
		if st.Type == "cpu" {
			idx = i
		}
	}
	res := profileResult{parts: make([]float64, len(cpuParts)+1)}
	var total float64
	for _, s := range p.Sample {
		v := float64(s.Value[idx])
		total += v
		res.samples++
		part := len(cpuParts) // other
	find:
		for i, cp := range cpuParts {
			for _, loc := range s.Location {
				for _, ln := range loc.Line {
					if ln.Function == nil {
						continue
					}
					for _, f := range cp.frames {
						if strings.HasPrefix(ln.Function.Name, f) {
							part = i
							break find
						}
					}
				}
			}
		}
		res.parts[part] += v
	}
	if total > 0 {
		for i := range res.parts {
			res.parts[i] /= total
		}
	}
	return res
}

// printProfiles prints where each profiled page's server CPU went, per
// request, beside PostgreSQL's.
func printProfiles(rs []profileResult) {
	if len(rs) == 0 {
		return
	}
	fmt.Printf("\nWhere each page's CPU goes alone, per request (server CPU split by its CPU profile, %s):\n\n", "go build -tags pprof, net/http/pprof")
	head := "| page | PostgreSQL | server |"
	sep := "|---|---:|---:|"
	for _, cp := range cpuParts {
		head += " " + cp.name + " |"
		sep += "---:|"
	}
	fmt.Println(head + " other | samples |")
	fmt.Println(sep + "---:|---:|")
	for _, r := range rs {
		if r.err != nil {
			fmt.Printf("| %s | %s | %s | profile failed: %v |\n", r.name, ms(r.pgPer), ms(r.appPer), r.err)
			continue
		}
		line := fmt.Sprintf("| %s | %s | %s |", r.name, ms(r.pgPer), ms(r.appPer))
		for _, sh := range r.parts {
			line += fmt.Sprintf(" %.2f ms |", sh*float64(r.appPer)/1e6)
		}
		fmt.Printf("%s %d |\n", line, r.samples)
	}
}
