package main

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/lib/pq"
)

// The nightly jobs at scale (issue 8: `progress` and `reminders` within 3×
// the time of one aggregate query over language_results, measured in the
// same run). They run through `praksis run-job NAME --force`, on a copy of
// the benchmark database made for the purpose and dropped afterwards, so
// each `make bench` times a first run on the same data (a second run of
// `reminders` finds everything sent already).

// aggregateQuery is the yardstick: the best level per participant and
// skill over every result, the core of what `progress` computes.
const aggregateQuery = `SELECT count(*) FROM (SELECT participant_id, skill, max(level) FROM language_results GROUP BY participant_id, skill) s`

var took = regexp.MustCompile(` in ([0-9.]+[µmn]?s) `)

func benchJobs(dbURL, praksis string) error {
	u, err := url.Parse(dbURL)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(u.Path, "/")
	copyName := name + "_jobs"
	admin := *u
	admin.Path = "/postgres"
	conn, err := sql.Open("postgres", admin.String())
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.Exec(`DROP DATABASE IF EXISTS ` + pq.QuoteIdentifier(copyName) + ` WITH (FORCE)`); err != nil {
		return err
	}
	t0 := time.Now()
	if _, err := conn.Exec(`CREATE DATABASE ` + pq.QuoteIdentifier(copyName) + ` TEMPLATE ` + pq.QuoteIdentifier(name)); err != nil {
		return fmt.Errorf("copy %s (is a server still connected to it?): %w", name, err)
	}
	defer conn.Exec(`DROP DATABASE IF EXISTS ` + pq.QuoteIdentifier(copyName) + ` WITH (FORCE)`)
	fmt.Fprintf(os.Stderr, "load: copied %s in %s\n", name, time.Since(t0).Round(time.Millisecond))
	cu := *u
	cu.Path = "/" + copyName
	db, err := sql.Open("postgres", cu.String())
	if err != nil {
		return err
	}
	defer db.Close()
	var people, results int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM participants), (SELECT count(*) FROM language_results)`).Scan(&people, &results); err != nil {
		return err
	}
	// The yardstick, three times (the first warms the cache), median.
	var agg []time.Duration
	for i := 0; i < 3; i++ {
		t := time.Now()
		var n int
		if err := db.QueryRow(aggregateQuery).Scan(&n); err != nil {
			return err
		}
		agg = append(agg, time.Since(t))
	}
	sort.Slice(agg, func(i, j int) bool { return agg[i] < agg[j] })
	yard := agg[1]
	fmt.Printf("\nJobs at %d participants (%d results), `praksis run-job NAME --force` on a copy of the database:\n\n", people, results)
	fmt.Println("| what | time | ÷ aggregate query (≤ 3) | what it did |")
	fmt.Println("|---|---:|---:|---|")
	fmt.Printf("| one aggregate query over language_results (median of 3) | %s | 1.0 | `%s` |\n", ms(yard), aggregateQuery)
	for _, job := range []string{"progress", "reminders"} {
		cmd := exec.Command(praksis, "run-job", job, "--force")
		cmd.Env = append(os.Environ(), "DATABASE_URL="+cu.String(), "LOG_LEVEL=warn", "CRON_ENABLED=false")
		t := time.Now()
		b, err := cmd.CombinedOutput()
		wall := time.Since(t)
		out := strings.TrimSpace(string(b))
		if err != nil {
			fmt.Printf("| job %s | failed | — | %s |\n", job, strings.ReplaceAll(out, "\n", " "))
			continue
		}
		d := wall
		if m := took.FindStringSubmatch(out); m != nil {
			if p, err := time.ParseDuration(m[1]); err == nil {
				d = p // the job's own time, without starting the process
			}
		}
		fmt.Printf("| job %s | %s | %.1f %s | %s |\n", job, ms(d), float64(d)/float64(yard), okMiss(float64(d)/float64(yard) <= 3),
			strings.ReplaceAll(out, "\n", " "))
	}
	return nil
}
