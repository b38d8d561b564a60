package main

import (
	"fmt"
	"strings"
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

// printBaseline prints each page's throughput and latency on the
// baseline beside the current binary's, with their ratio.
func printBaseline(current, old []result) {
	if len(old) == 0 {
		return
	}
	byName := map[string]result{}
	for _, r := range old {
		byName[r.name] = r
	}
	fmt.Println("\nCurrent binary against the baseline (BENCH_BASELINE), each pair measured back to back in this run:")
	fmt.Println()
	fmt.Println("| target | baseline requests/s | current requests/s | current ÷ baseline | baseline p99 | current p99 | errors (baseline) |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range current {
		o, ok := byName[r.name]
		if !ok || o.rps == 0 {
			continue
		}
		fmt.Printf("| %s | %.0f | %.0f | %.2f | %s | %s | %d |\n", r.name, o.rps, r.rps, r.rps/o.rps, ms(o.p99), ms(r.p99), o.errs)
	}
}
