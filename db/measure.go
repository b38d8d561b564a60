package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"
)

// The nightly measurement (job `progress`): a snapshot of every active
// participant's progress, then the cohort KPIs, both for one day and in
// the job's one transaction. Each step first deletes the day's rows, so a
// rerun gives the same result and a failed run leaves the day as it was.
//
// The formulas (also in README.md, "Progress measurement"):
//
//   - best level per skill: the highest level of the results taken on or
//     before the day (the certificate shows the best result; a weaker later
//     result does not lower it).
//   - gap per skill: levels from the best level (nothing: below the
//     lowest) up to the norskmål, 0 when reached; gap_total is the sum.
//   - pace window: the last 6 months, or from the programme start if that
//     is later; window_days is its length.
//   - levels gained: per skill, how far the best level moved towards the
//     norskmål in the window — from the best level before the window (or,
//     without one, the first result in it, the best of its day) to the
//     best level now, both capped at the goal — summed over the skills. Gains beyond the goal
//     do not count: they do not bring the goal closer.
//   - pace = levels_gained / window_days (levels per day). No pace when
//     nothing was gained.
//   - projected date = day + ceil(gap_total × window_days / levels_gained)
//     days: when the gap closes if the pace holds. NULL without a pace or
//     without a gap.
//   - has_element: a running or ready agreement, or a current outcome of
//     work or education: the programme's work or education element.
//   - risk: the programme ends within 6 months of the day AND either the
//     goal is not in reach at the current pace (a gap, and no pace or a
//     projected date after the programme's end) or no work or education
//     element is planned. The 6-month condition applies to both, as in
//     the caseload's marker: in a programme's first weeks nobody has a
//     placement yet, and flagging everyone would flag no one.
//   - attendance rate: present days / logged days over the 28 days up to
//     and including the day, over all the participant's agreements.

// ProgressSnapshot is one participant's measured progress on one day.
type ProgressSnapshot struct {
	ParticipantID int64     `db:"participant_id"`
	Day           time.Time `db:"day"`
	BestLevels
	SkillGaps
	LevelsGained   int        `db:"levels_gained"`
	WindowDays     int        `db:"window_days"`
	MonthsLeft     int        `db:"months_left"`
	AttendanceRate *float64   `db:"attendance_rate"`
	OutcomeKind    *string    `db:"outcome_kind"`
	HasElement     bool       `db:"has_element"`
	Risk           bool       `db:"risk"`
	ProjectedDate  *time.Time `db:"projected_date"`
}

// perSkill writes f(skill) for each skill, joined by sep.
func perSkill(sep string, f func(sk string) string) string {
	out := make([]string, len(Skills))
	for i, sk := range Skills {
		out[i] = f(sk)
	}
	return strings.Join(out, sep)
}

// skillAggs are a skill's columns of the per-participant aggregate b: the
// best level, the best level before the pace window, and the first
// result in it as one integer, (days into the window) × 8 + (7 − rank):
// its minimum is the earliest day's best result, and 7 − (min % 8) its
// rank (ranks are 1–7). Plain max/min over enums and integers, no arrays:
// 186,000 results at 100,000 participants.
func skillAggs(sk string) string {
	return `max(lr.level) FILTER (WHERE lr.skill = '` + sk + `') AS best_` + sk + `,
		max(lr.level) FILTER (WHERE lr.skill = '` + sk + `' AND lr.taken_on < p.wstart) AS before_` + sk + `,
		min((lr.taken_on - p.wstart) * 8 + 7 - cefr_rank(lr.level)) FILTER (WHERE lr.skill = '` + sk + `' AND lr.taken_on >= p.wstart) AS first_` + sk
}

// progressInsert writes the day's snapshots in one statement for every
// active participant, in participant order (the order of the primary key
// and of the foreign key's look-ups: a third cheaper to insert than in
// hash order). It is set-based on purpose: each input is read once,
// never queried per participant (docs/benchmarks.md).
//
// The arithmetic is done in stages (k → q → r → s), each a subquery with
// OFFSET 0 so PostgreSQL does not flatten it: flattened, every use of
// gap_total or gained repeats the whole expression below it, and the risk
// column alone evaluated cefr_rank some hundred times a row (half the
// statement's time at 100,000 participants).
//
//   - b: per skill the best level, the best before the window and the first
//     result in it, through the (participant_id) INCLUDE (skill, level,
//     taken_on) index (an index-only scan per participant);
//   - e: a running or ready agreement. Both end on or after the day, or
//     have no end date yet (agreement_status, migration 00006): two ranges
//     of the jobs index (migration 00012), read without the table;
//   - att: the 28 days of attendance summed per agreement first (some
//     11,000), then joined to the agreements' participants in the jobs
//     index. A cancelled agreement has no attendance (it never started:
//     AttendanceOpen), so the index leaving them out changes nothing.
var progressInsert = `INSERT INTO progress_snapshots (participant_id, day, best_listening, best_reading, best_writing, best_oral,
	gap_listening, gap_reading, gap_writing, gap_oral, gap_total, levels_gained, window_days, months_left,
	attendance_rate, outcome_kind, has_element, risk, projected_date)
WITH p AS NOT MATERIALIZED (
	SELECT id, programme_start, programme_end, goal_listening, goal_reading, goal_writing, goal_oral,
		greatest(programme_start, ($1::date - interval '6 months')::date) AS wstart
	FROM participants WHERE status = 'active'
), o AS (
	SELECT DISTINCT ON (oc.participant_id) oc.participant_id, oc.kind
	FROM outcomes oc JOIN p ON p.id = oc.participant_id
	WHERE oc.from_date <= $1::date
	ORDER BY oc.participant_id, oc.from_date DESC, oc.id DESC
), e AS (
	SELECT ag.participant_id FROM agreements ag
	WHERE ag.cancelled_at IS NULL AND ag.ended_on IS NULL AND ag.end_date >= $1::date
	  AND agreement_status(ag, $1::date) IN ('running', 'ready')
	UNION
	SELECT ag.participant_id FROM agreements ag
	WHERE ag.cancelled_at IS NULL AND ag.ended_on IS NULL AND ag.end_date IS NULL
	  AND agreement_status(ag, $1::date) IN ('running', 'ready')
), att AS (
	SELECT ag.participant_id, sum(a.present) AS present, sum(a.logged) AS logged
	FROM (SELECT agreement_id, count(*) FILTER (WHERE present) AS present, count(*) FILTER (WHERE mark IS DISTINCT FROM 'not_work_day') AS logged
		FROM attendance WHERE day > $1::date - 28 AND day <= $1::date GROUP BY agreement_id) a
	JOIN agreements ag ON ag.id = a.agreement_id AND ag.cancelled_at IS NULL
	GROUP BY ag.participant_id
)
SELECT s.id, $1::date, s.best_listening, s.best_reading, s.best_writing, s.best_oral,
	s.gap_listening, s.gap_reading, s.gap_writing, s.gap_oral, s.gap_total, s.gained, s.days, s.months_left,
	s.attendance_rate, s.kind, s.has,
	s.programme_end <= ($1::date + interval '6 months')::date
		AND ((s.gap_total > 0 AND (s.projected IS NULL OR s.projected > s.programme_end)) OR NOT s.has),
	s.projected
FROM (SELECT r.*, CASE WHEN r.gap_total > 0 AND r.gained > 0 AND r.days > 0
		THEN $1::date + ceil(r.gap_total * r.days::numeric / r.gained)::int END AS projected
	FROM (SELECT q.*, ` + perSkill(" + ", func(sk string) string { return "q.gap_" + sk }) + ` AS gap_total,
			` + perSkill(" + ", func(sk string) string { return "q.gain_" + sk }) + ` AS gained
		FROM (SELECT k.*,
				` + perSkill(",\n\t\t\t\t", func(sk string) string {
	return "greatest(0, k.goal_" + sk + " - coalesce(k.rank_" + sk + ", 0)) AS gap_" + sk
}) + `,
				` + perSkill(",\n\t\t\t\t", func(sk string) string {
	// Levels gained: from the best before the window (else the first in
	// it) to the best now, both capped at the goal; 0 without results.
	return "coalesce(greatest(0, least(k.rank_" + sk + ", k.goal_" + sk + ") - least(coalesce(k.before_" + sk + ", k.first_" + sk + "), k.goal_" + sk + ")), 0) AS gain_" + sk
}) + `,
				CASE WHEN k.programme_end <= $1::date THEN 0
					ELSE (date_part('year', k.time_left) * 12 + date_part('month', k.time_left))::int END AS months_left
			FROM (SELECT p.id, p.programme_end,
					` + perSkill(", ", func(sk string) string { return "b.best_" + sk }) + `,
					` + perSkill(", ", func(sk string) string { return "cefr_rank(p.goal_" + sk + ") AS goal_" + sk }) + `,
					` + perSkill(", ", func(sk string) string { return "cefr_rank(b.best_" + sk + ") AS rank_" + sk }) + `,
					` + perSkill(", ", func(sk string) string {
	return "cefr_rank(b.before_" + sk + ") AS before_" + sk + ", 7 - b.first_" + sk + " % 8 AS first_" + sk
}) + `,
					greatest(0, $1::date - p.wstart) AS days, age(p.programme_end, $1::date) AS time_left,
					round(att.present::numeric / nullif(att.logged, 0), 4) AS attendance_rate, o.kind,
					e.participant_id IS NOT NULL OR coalesce(o.kind IN ('work_full', 'work_part', 'education'), false) AS has
				FROM p
				LEFT JOIN LATERAL (
					-- Per skill: the best level now, the best before the pace
					-- window and the first result in it.
					SELECT ` + perSkill(",\n\t\t\t\t\t\t", skillAggs) + `
					FROM language_results lr WHERE lr.participant_id = p.id AND lr.taken_on <= $1::date) b ON true
				LEFT JOIN o ON o.participant_id = p.id
				LEFT JOIN e ON e.participant_id = p.id
				LEFT JOIN att ON att.participant_id = p.id
				OFFSET 0) k
			OFFSET 0) q
		OFFSET 0) r
	OFFSET 0) s
ORDER BY s.id`

// WriteProgressSnapshots replaces the day's snapshots inside the run's
// transaction (the progress job's) and returns how many it wrote.
func (t *JobTx) WriteProgressSnapshots(ctx context.Context, day time.Time) (int64, error) {
	if err := jobSettings(ctx, t.tx); err != nil {
		return 0, err
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM progress_snapshots WHERE day = $1::date`, dateOnly(day)); err != nil {
		return 0, fmt.Errorf("db: clear progress snapshots: %w", err)
	}
	res, err := t.tx.ExecContext(ctx, progressInsert, dateOnly(day))
	if err != nil {
		return 0, fmt.Errorf("db: progress snapshots: %w", err)
	}
	return res.RowsAffected()
}

// SnapshotsOn lists the day's snapshots of the given participants (all of
// them when ids is empty), by participant.
func (s *Store) SnapshotsOn(ctx context.Context, day time.Time, ids []int64) ([]ProgressSnapshot, error) {
	var out []ProgressSnapshot
	err := s.DB.SelectContext(ctx, &out, `SELECT participant_id, day, best_listening, best_reading, best_writing, best_oral,
		gap_listening, gap_reading, gap_writing, gap_oral, gap_total, levels_gained, window_days, months_left,
		attendance_rate::float8 AS attendance_rate, outcome_kind, has_element, risk, projected_date
		FROM progress_snapshots WHERE day = $1::date AND (cardinality($2::bigint[]) = 0 OR participant_id = ANY($2))
		ORDER BY participant_id`, dateOnly(day), pq.Array(nonNilIDs(ids)))
	if err != nil {
		return nil, fmt.Errorf("db: snapshots: %w", err)
	}
	return out, nil
}

// nonNilIDs is ids, or an empty list for nil (pq sends nil as NULL).
func nonNilIDs(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}
