package db

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/lib/pq"
)

// PoolStats is the connection pool's state, for /metrics.
func (s *Store) PoolStats() sql.DBStats { return s.DB.Stats() }

// JobMetrics is one scheduled job's runs of the last 24 hours.
type JobMetrics struct {
	Name           string
	OK, Failed     float64 // runs by outcome
	LongestSeconds float64
	LastSuccess    float64 // Unix time of the last success; 0: never
}

// DatabaseMetrics is what every replica sees alike: the mail waiting and
// dead, how long the oldest due mail has waited, and per job its runs.
type DatabaseMetrics struct {
	Outbox           map[string]float64 // pending, failed, dead
	OldestDueSeconds float64
	Jobs             []JobMetrics // in the order of the names asked for
}

// databaseMetricsSQL reads what every replica sees alike: the mail waiting
// and dead, how long the oldest due mail has waited, and per job the
// runs of the last 24 hours, their longest duration and the last success.
// Each part reads through an index (outbox_due_idx, job_runs_recent_idx),
// so a scrape stays cheap however long the history grows.
const databaseMetricsSQL = `SELECT 'outbox' AS kind, status AS name, count(*)::float8 AS a, 0::float8 AS b, 0::float8 AS c, 0::float8 AS d
	FROM outbox WHERE status IN ('pending', 'failed') GROUP BY status
UNION ALL
SELECT 'outbox', 'dead', (SELECT count(*) FROM outbox WHERE status = 'dead'), 0, 0, 0
UNION ALL
SELECT 'outbox_age', '', coalesce(extract(epoch FROM now() - min(next_attempt_at)), 0), 0, 0, 0
	FROM outbox WHERE status IN ('pending', 'failed') AND next_attempt_at <= now()
UNION ALL
SELECT 'job', j.job, coalesce(r.ok, 0), coalesce(r.failed, 0), coalesce(r.longest, 0), coalesce(extract(epoch FROM s.finished_at), 0)
	FROM unnest($1::text[]) AS j(job)
	LEFT JOIN LATERAL (
		SELECT count(*) FILTER (WHERE status = 'ok') AS ok, count(*) FILTER (WHERE status = 'failed') AS failed,
			max(extract(epoch FROM finished_at - started_at)) AS longest
		FROM job_runs WHERE job = j.job AND started_at > now() - interval '24 hours') r ON true
	LEFT JOIN LATERAL (
		SELECT finished_at FROM job_runs WHERE job = j.job AND status = 'ok'
		ORDER BY started_at DESC LIMIT 1) s ON true`

// DatabaseMetrics reads the outbox and the runs of the named jobs in one
// query, for /metrics.
func (s *Store) DatabaseMetrics(ctx context.Context, jobs []string) (DatabaseMetrics, error) {
	type row struct {
		Kind string  `db:"kind"`
		Name string  `db:"name"`
		A    float64 `db:"a"`
		B    float64 `db:"b"`
		C    float64 `db:"c"`
		D    float64 `db:"d"`
	}
	var rows []row
	if err := s.DB.SelectContext(ctx, &rows, databaseMetricsSQL, pq.Array(jobs)); err != nil {
		return DatabaseMetrics{}, fmt.Errorf("db: metrics: %w", err)
	}
	m := DatabaseMetrics{Outbox: map[string]float64{"pending": 0, "failed": 0, "dead": 0}}
	for _, r := range rows {
		switch r.Kind {
		case "outbox":
			m.Outbox[r.Name] = r.A
		case "outbox_age":
			m.OldestDueSeconds = r.A
		case "job":
			m.Jobs = append(m.Jobs, JobMetrics{Name: r.Name, OK: r.A, Failed: r.B, LongestSeconds: r.C, LastSuccess: r.D})
		}
	}
	return m, nil
}
