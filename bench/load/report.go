package main

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The load generator's report: the Markdown table of the targets, and
// what a first page load costs.

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
}

// printTable prints the results with each page's throughput and p99 as
// a fraction and multiple of the floor's (the mean of its two runs).
func printTable(results []result, cfg config) {
	var floorRPS, floorP99 float64
	floors := 0
	for _, r := range results {
		if r.floor {
			floorRPS += r.rps
			floorP99 += float64(r.p99)
			floors++
		}
	}
	if floors > 0 {
		floorRPS /= float64(floors)
		floorP99 /= float64(floors)
	}
	fmt.Println("| target | requests/s | p50 | p99 | × floor throughput (≥ 0.5) | p99 ÷ floor p99 (< 10) | avg response (compressed) | errors | peak RSS during |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		ratio, p99x := "—", "—"
		if !r.floor && floorRPS > 0 {
			ratio = fmt.Sprintf("%.2f %s", r.rps/floorRPS, okMiss(r.rps/floorRPS >= 0.5))
			p99x = fmt.Sprintf("%.1f %s", float64(r.p99)/floorP99, okMiss(float64(r.p99)/floorP99 < 10))
		}
		avg := int64(0)
		if r.n > 0 {
			avg = r.bytes / int64(r.n)
		}
		errs := strconv.Itoa(r.errs)
		if r.errs > 0 {
			errs += " (" + r.firstErr + ")"
		}
		rss := "—"
		if r.rss > 0 {
			rss = fmt.Sprintf("%.0f MB (%.0f at start)", float64(r.rss)/1024, float64(r.rssStart)/1024)
		}
		fmt.Printf("| %s | %.0f | %s | %s | %s | %s | %.1f KB | %s | %s |\n", r.name, r.rps, ms(r.p50), ms(r.p99), ratio, p99x,
			float64(avg)/1024, errs, rss)
	}
	fmt.Printf("\nfloor: %.0f requests/s, p99 %s (mean of the first and last run)\n", floorRPS, ms(time.Duration(floorP99)))
}

var (
	assetRef = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)
	cssRef   = regexp.MustCompile(`url\(["']?(/static/[^"')]+)`)
)

// firstLoad fetches a page and every stylesheet, script and icon it links
// as a first visit does (compressed), and checks that a repeat visit needs
// only the HTML: every asset must be cacheable as immutable.
func firstLoad(base, cookie, path string, limit int) error {
	status, page, _, err := get(base+path, cookie, nil) // decoded, to find the links
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("first load %s: %d %v", path, status, err)
	}
	status, body, h, err := get(base+path, cookie, map[string]string{"Accept-Encoding": acceptEncoding})
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("first load %s: %d %v", path, status, err)
	}
	fmt.Printf("\nFirst load of %s (Accept-Encoding: %s):\n\n", path, acceptEncoding)
	fmt.Println("| resource | encoding | bytes | Cache-Control |")
	fmt.Println("|---|---|---:|---|")
	fmt.Printf("| HTML %s | %s | %d | %s |\n", path, h.Get("Content-Encoding"), len(body), h.Get("Cache-Control"))
	total, htmlBytes := len(body), len(body)
	seen := map[string]bool{}
	immutable := true
	refs := assetRef.FindAllSubmatch(page, -1)
	for i := 0; i < len(refs); i++ {
		a := html.UnescapeString(string(refs[i][1]))
		if seen[a] {
			continue
		}
		seen[a] = true
		st, b, ah, err := get(base+a, cookie, map[string]string{"Accept-Encoding": acceptEncoding})
		if err != nil || st != http.StatusOK {
			return fmt.Errorf("asset %s: %d %v", a, st, err)
		}
		cc := ah.Get("Cache-Control")
		immutable = immutable && strings.Contains(cc, "immutable")
		total += len(b)
		if strings.HasSuffix(a, ".css") { // fonts and images a style sheet loads count too
			if _, css, _, err := get(base+a, cookie, nil); err == nil {
				refs = append(refs, cssRef.FindAllSubmatch(css, -1)...)
			}
		}
		fmt.Printf("| %s | %s | %d | %s |\n", a, ah.Get("Content-Encoding"), len(b), cc)
	}
	fmt.Printf("\nfirst load: %.1f KB compressed in total (target ≤ %d KB: %s); repeat visit: %s\n", float64(total)/1024,
		limit/1024, okMiss(total <= limit), map[bool]string{true: fmt.Sprintf("only the HTML (%.1f KB), every asset is immutable", float64(htmlBytes)/1024),
			false: "NOT every asset is cacheable as immutable"}[immutable])
	return nil
}
