package main

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// The baseline: the same pages on an older binary serving the same
// database (bench/run's BENCH_BASELINE), each measured right after the
// current binary's run of it, so "no page slower" is read from one run
// instead of two runs on a machine whose load varies by ~20 %.

// baselineTwins makes, for every target, the same request against the
// baseline server with its own sessions. cookies maps each demo account
// to its session on the current server.
func baselineTwins(cfg config, targets []target, cookies map[string]string) (map[string]target, error) {
	if cfg.baseline == "" {
		return nil, nil
	}
	sessions := map[string]string{} // current server's cookie → baseline's
	for email, cookie := range cookies {
		c, err := signIn(cfg.baseline, email)
		if err != nil {
			return nil, fmt.Errorf("baseline: %w", err)
		}
		sessions[cookie] = c
	}
	twins := map[string]target{}
	for _, t := range targets {
		if t.group == "participant" {
			// The participant's session is made on the current server
			// only, and a baseline from before issue 16 has no area.
			continue
		}
		twin := t
		twin.url = cfg.baseline + strings.TrimPrefix(t.url, cfg.base)
		twin.cookie = sessions[t.cookie]
		if len(t.headers) > 0 {
			twin.headers = map[string]string{}
			for k, v := range t.headers {
				twin.headers[k] = strings.Replace(v, cfg.base, cfg.baseline, 1)
			}
		}
		twins[t.name] = twin
	}
	return twins, nil
}

// printBaseline prints each page's median throughput and p99 on the
// baseline beside the current binary's, measured alternately rounds times
// (current, baseline | baseline, current | …, so that each goes first as
// often as the other): on a shared machine whose load moves within
// seconds, one pair can differ by ±30 % from noise alone.
func printBaseline(current, old []result, rounds int) {
	if len(old) == 0 {
		return
	}
	byName := func(rs []result) (map[string][]result, []string) {
		m, order := map[string][]result{}, []string{}
		for _, r := range rs {
			if _, ok := m[r.name]; !ok {
				order = append(order, r.name)
			}
			m[r.name] = append(m[r.name], r)
		}
		return m, order
	}
	cur, order := byName(current)
	base, _ := byName(old)
	fmt.Printf("\nCurrent binary against the baseline (BENCH_BASELINE): each target measured %d times on each, alternating which goes first; medians:\n\n", rounds)
	fmt.Println("| target | baseline requests/s | current requests/s | current ÷ baseline | per round | baseline p99 | current p99 | errors (baseline) |")
	fmt.Println("|---|---:|---:|---:|---|---:|---:|---:|")
	for _, name := range order {
		c, b := cur[name], base[name]
		if len(b) == 0 {
			continue
		}
		var perRound []string
		errs := 0
		for i := range b {
			if i < len(c) && b[i].rps > 0 {
				perRound = append(perRound, fmt.Sprintf("%.2f", c[i].rps/b[i].rps))
			}
			errs += b[i].errs
		}
		cr, br := medianOf(c, func(r result) float64 { return r.rps }), medianOf(b, func(r result) float64 { return r.rps })
		cp, bp := medianOf(c, func(r result) float64 { return float64(r.p99) }), medianOf(b, func(r result) float64 { return float64(r.p99) })
		fmt.Printf("| %s | %.0f | %.0f | %.2f | %s | %s | %s | %d |\n", name, br, cr, cr/br, strings.Join(perRound, " "),
			ms(time.Duration(bp)), ms(time.Duration(cp)), errs)
	}
}

// medianOf is the median of f over rs.
func medianOf(rs []result, f func(result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	sort.Float64s(v)
	if len(v) == 0 {
		return 0
	}
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}
