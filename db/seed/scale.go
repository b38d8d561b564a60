package seed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"praksis/db"
)

// The scale seed (`praksis seed --scale N`): N participants with
// proportional organisations, placements, agreements, results and
// attendance, for benchmarks at the size of the whole country's
// introduction programme. The plan (scale_plan.go,
// scale_agreements.go) is decided in memory from the seed; this file
// writes it with COPY in one transaction, then resets the sequences and
// vacuums, so the planner and index-only scans see what production would.

// ScaleOptions says what to seed.
type ScaleOptions struct {
	Participants int
	Seed         uint64
	// Progress, when set, hears how far each stage has come: rows done of
	// total (0 when the total is not known in advance). It is called every
	// few thousand rows and once at the end of a stage.
	Progress func(stage string, done, total int64)
}

// ScaleStats are the rows Scale wrote, per table.
type ScaleStats map[string]int64

// ScaleTables are the tables the scale seed writes, in the order it
// writes them.
var ScaleTables = []string{"organisations", "users", "placements", "participants", "language_results", "outcomes",
	"participant_notes", "proposals", "agreements", "attendance", "evaluations", "follow_ups"}

// ScaleEmailDomain is the domain of every account and address the scale
// seed makes (example.org is reserved: nothing is ever delivered there).
const ScaleEmailDomain = "bench.example.org"

// ErrScaleSeeded is returned when the database holds a scale seed already.
var ErrScaleSeeded = errors.New("seed: this database holds a scale seed already (drop it or use another DATABASE_URL)")

// MaxScale is the largest N the seed accepts.
const MaxScale = 2_000_000

// Scale writes the scale data. It first makes the demo accounts (the
// demo adviser gets the bench caseload of 500, the demo employer's
// organisation many agreements, so `make bench` signs in with the
// documented password); every other account has the demo password too.
func Scale(ctx context.Context, s *db.Store, opt ScaleOptions) (ScaleStats, error) {
	if opt.Participants < 10 || opt.Participants > MaxScale {
		return nil, fmt.Errorf("seed: scale must be between 10 and %d participants", MaxScale)
	}
	if err := Demo(ctx, s); err != nil {
		return nil, err
	}
	// The demo accounts' hash (of DemoPassword, just set) serves every
	// account: one argon2id hash costs 19 MiB and a noticeable moment.
	var hash string
	if err := s.DB.GetContext(ctx, &hash, `SELECT password_hash FROM users WHERE email = $1`, db.DemoAccounts[0].Email); err != nil {
		return nil, fmt.Errorf("seed: scale seed: demo password: %w", err)
	}
	w := &scaleWriter{ctx: ctx, progress: opt.Progress, stats: ScaleStats{}, hash: hash}
	err := inTx(ctx, s, func(tx *sqlx.Tx) error {
		w.tx = tx
		// Ids are given here, not by the sequences: lock out other
		// writers, then set each sequence past the ids used.
		if _, err := tx.ExecContext(ctx, `LOCK TABLE `+strings.Join(ScaleTables, ", ")+` IN EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("seed: scale seed: lock: %w", err)
		}
		var seeded bool
		if err := tx.GetContext(ctx, &seeded, `SELECT EXISTS (SELECT 1 FROM users WHERE email LIKE '%@' || $1)`, ScaleEmailDomain); err != nil {
			return fmt.Errorf("seed: scale seed: %w", err)
		} else if seeded {
			return ErrScaleSeeded
		}
		b, err := readScaleBase(ctx, s, tx)
		if err != nil {
			return err
		}
		w.base = b
		w.report("plan", 0, 0)
		w.plan = planScale(opt.Participants, opt.Seed, s.Today(), b)
		w.report("plan", 1, 1)
		// The caseload's triggers (migration 00027) would measure each
		// batch as it is written: off for this transaction, and every
		// participant measured once at the end instead.
		if _, err := tx.ExecContext(ctx, `SELECT set_config('praksis.caseload_deferred', 'on', true)`); err != nil {
			return fmt.Errorf("seed: scale seed: defer caseload: %w", err)
		}
		if err := w.writeAll(); err != nil {
			return err
		}
		w.report("caseload", 0, 1)
		if _, err := tx.ExecContext(ctx, `SELECT set_config('praksis.caseload_deferred', 'off', true), caseload_refresh_all($1::date, false)`,
			s.Today().Format("2006-01-02")); err != nil {
			return fmt.Errorf("seed: scale seed: caseload: %w", err)
		}
		w.report("caseload", 1, 1)
		for _, t := range ScaleTables {
			if t == "attendance" {
				continue // no id
			}
			if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), coalesce(max(id), 0) + 1, false) FROM `+t, t); err != nil {
				return fmt.Errorf("seed: scale seed: reset sequence of %s: %w", t, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// VACUUM cannot run in a transaction: afterwards, for the planner's
	// statistics and the visibility map that index-only scans need.
	for i, t := range ScaleTables {
		w.report("vacuum", int64(i), int64(len(ScaleTables)))
		if _, err := s.DB.ExecContext(ctx, `VACUUM (ANALYZE) `+t); err != nil {
			return w.stats, fmt.Errorf("seed: scale seed: vacuum %s: %w", t, err)
		}
	}
	w.report("vacuum", int64(len(ScaleTables)), int64(len(ScaleTables)))
	return w.stats, nil
}

// readScaleBase reads the first free id of every table, the demo rows and the
// norskmål defaults in force today.
func readScaleBase(ctx context.Context, s *db.Store, tx *sqlx.Tx) (*scaleBase, error) {
	r := s.AgreementRules()
	b := &scaleBase{ids: map[string]int64{}, goals: map[string]db.Level{}, accessWeeks: r.EmployerAccessWeeks, followUpWeeks: r.FollowUpWeeks}
	for _, t := range ScaleTables {
		if t == "attendance" {
			continue
		}
		var id int64
		if err := tx.GetContext(ctx, &id, `SELECT coalesce(max(id), 0) + 1 FROM `+t); err != nil {
			return nil, fmt.Errorf("seed: scale seed: ids of %s: %w", t, err)
		}
		b.ids[t] = id
	}
	err := tx.QueryRowxContext(ctx, `SELECT o.id, o.name, o.municipality, o.org_number, u.id, u.name,
			(SELECT id FROM users WHERE email = 'radgiver@example.org'), (SELECT id FROM users WHERE email = 'nav@example.org'),
			(SELECT id FROM users WHERE email = 'admin@example.org')
		FROM organisations o JOIN users u ON u.organisation_id = o.id WHERE o.org_number = $1 AND u.email = 'arbeidsgiver@example.org'`,
		db.DemoOrgNumber).Scan(&b.demoOrg, &b.demoOrgName, &b.demoOrgTown, &b.demoNum, &b.demoEmployer, &b.demoEmployerName,
		&b.demoAdviser, &b.demoNAV, &b.admin)
	if err != nil {
		return nil, fmt.Errorf("seed: scale seed: demo accounts: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT ON (education) education, level FROM norskmal_defaults
		WHERE skill = 'oral' AND valid_from <= $1 ORDER BY education, valid_from DESC`, dateOnly(s.Today()))
	if err != nil {
		return nil, fmt.Errorf("seed: scale seed: norskmål: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e string
		var l db.Level
		if err := rows.Scan(&e, &l); err != nil {
			return nil, err
		}
		b.goals[e] = l
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, e := range db.Educations {
		if b.goals[e] == "" {
			return nil, fmt.Errorf("seed: scale seed: no norskmål default for education %s", e)
		}
	}
	return b, nil
}

// scaleWriter COPYs the plan into the tables.
type scaleWriter struct {
	ctx      context.Context
	tx       *sqlx.Tx
	base     *scaleBase
	plan     *scalePlan
	hash     string
	progress func(stage string, done, total int64)
	stats    ScaleStats
}

func (w *scaleWriter) report(stage string, done, total int64) {
	if w.progress != nil {
		w.progress(stage, done, total)
	}
}

// copyInto streams the rows gen emits into table with COPY FROM STDIN.
func (w *scaleWriter) copyInto(table string, cols []string, total int64, gen func(row func(vals ...any) error) error) error {
	stmt, err := w.tx.PrepareContext(w.ctx, `COPY `+table+` (`+strings.Join(cols, ", ")+`) FROM STDIN`)
	if err != nil {
		return fmt.Errorf("seed: scale seed: copy %s: %w", table, err)
	}
	defer stmt.Close()
	var n int64
	w.report(table, 0, total)
	row := func(vals ...any) error {
		if _, err := stmt.ExecContext(w.ctx, vals...); err != nil {
			return err
		}
		if n++; n%5000 == 0 {
			w.report(table, n, total)
		}
		return nil
	}
	if err := gen(row); err != nil {
		return fmt.Errorf("seed: scale seed: copy %s: %w", table, err)
	}
	if _, err := stmt.ExecContext(w.ctx); err != nil { // an Exec without values ends the COPY
		return fmt.Errorf("seed: scale seed: copy %s: %w", table, err)
	}
	w.stats[table] = n
	w.report(table, n, n)
	return nil
}

func (w *scaleWriter) writeAll() error {
	for _, f := range []func() error{w.writeOrgs, w.writeUsers, w.writePlacements, w.writeParticipants, w.writeResults,
		w.writeOutcomes, w.writeNotes, w.writeProposals, w.writeAgreements, w.writeAttendance, w.writeEvaluations, w.writeFollowUps} {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// dateOnly is a date column's value; nullDay the same for a nullable one.
func dateOnly(t time.Time) string { return t.Format("2006-01-02") }

func nullDay(t *time.Time) any {
	if t == nil {
		return nil
	}
	return dateOnly(*t)
}

func nullTS(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

func nullLevel(l *db.Level) any {
	if l == nil {
		return nil
	}
	return string(*l)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (w *scaleWriter) writeOrgs() error {
	cols := []string{"id", "name", "org_number", "kind", "sector", "municipality", "created_at", "approved_at", "rejected_at", "decided_by"}
	return w.copyInto("organisations", cols, int64(len(w.plan.orgs)), func(row func(...any) error) error {
		for _, o := range w.plan.orgs {
			var approved, rejected *time.Time
			if o.approved {
				approved = &o.decided
			} else if o.rejected {
				rejected = &o.decided
			}
			decider := w.base.admin
			if approved == nil && rejected == nil {
				decider = 0
			}
			if err := row(o.id, o.name, o.number, o.kind, o.sector, o.town, o.created, nullTS(approved), nullTS(rejected), nullID(decider)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (w *scaleWriter) writeUsers() error {
	cols := []string{"id", "email", "name", "role", "organisation_id", "locale", "password_hash", "created_at", "password_changed_at"}
	return w.copyInto("users", cols, int64(len(w.plan.users)), func(row func(...any) error) error {
		for _, u := range w.plan.users {
			if err := row(u.id, u.email, u.name, u.role, nullID(u.org), u.locale, w.hash, u.created, u.created); err != nil {
				return err
			}
		}
		return nil
	})
}

func (w *scaleWriter) writePlacements() error {
	cols := []string{"id", "organisation_id", "kind", "title", "tasks", "sector", "address", "municipality", "hours_per_week",
		"days_per_week", "start_date", "end_date", "seats", "seats_taken", "level_listening", "level_reading", "level_writing",
		"level_oral", "languages", "adaptations", "adaptations_other", "supervisor_name", "supervisor_email", "supervisor_phone",
		"status", "published_at", "created_by", "created_at", "updated_at"}
	return w.copyInto("placements", cols, int64(len(w.plan.placements)), func(row func(...any) error) error {
		for _, p := range w.plan.placements {
			var published *time.Time
			updated := p.created
			if p.hasPublished {
				published, updated = &p.published, p.published
			}
			if err := row(p.id, p.org.id, p.kind, p.title, p.tasks, p.sector, p.addr, p.town, p.hours, p.days, dateOnly(p.start),
				nullDay(p.end), p.seats, p.taken, nullLevel(p.levels[0]), nullLevel(p.levels[1]), nullLevel(p.levels[2]),
				nullLevel(p.levels[3]), pq.Array(p.langs), pq.Array(p.adapt), p.adaptOther, p.supName, p.supEmail, p.supPhone,
				p.status, nullTS(published), p.org.employer, p.created, updated); err != nil {
				return err
			}
		}
		return nil
	})
}

func (w *scaleWriter) writeParticipants() error {
	cols := []string{"id", "adviser_id", "nav_contact_id", "first_name", "last_name", "birth_year", "languages", "education",
		"regime", "programme_start", "programme_end", "programme_hours", "goal_category", "goal_sector", "goal_listening",
		"goal_reading", "goal_writing", "goal_oral", "protected_address", "municipality", "address", "status", "created_at", "updated_at",
		"legal_basis", "permit_date", "sex"}
	err := w.copyInto("participants", cols, int64(len(w.plan.people)), func(row func(...any) error) error {
		for _, p := range w.plan.people {
			if err := row(p.id, p.adviser, nullID(p.nav), p.first, p.last, p.born, pq.Array(p.langs), p.edu, p.regime,
				dateOnly(p.start), dateOnly(p.end), p.hours, p.goalCat, p.goalSector, string(p.goals[0]), string(p.goals[1]),
				string(p.goals[2]), string(p.goals[3]), p.protected, p.town, p.addr, p.status, p.created, p.created,
				p.basis, dateOnly(p.permit), p.sex); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return w.writePlans()
}

// writePlans gives every participant their integration plan (version 1,
// as registration does), in one statement: the rule in force on the plan
// date, the norskmål where the plan has one — always under
// integreringsloven, never under introduksjonsloven, and under kap. 6A in
// one plan of three (the goal is optional there) — and the next review
// the first six-month mark from the start that is still ahead.
func (w *scaleWriter) writePlans() error {
	if len(w.plan.people) == 0 {
		return nil
	}
	res, err := w.tx.ExecContext(w.ctx, `INSERT INTO integration_plans (participant_id, decided_on, plan_date, rule_id, original_end,
			goal_category, goal_sector, goal_listening, goal_reading, goal_writing, goal_oral, next_review_due, confirmed_at)
		SELECT p.id, p.programme_start - 14, p.programme_start,
			(SELECT r.id FROM programme_rules r WHERE r.regime = p.regime AND r.track = 'any' AND r.goal_category IS NULL
				AND r.valid_from <= p.programme_start AND (r.valid_to IS NULL OR r.valid_to >= p.programme_start)
				ORDER BY r.valid_from DESC LIMIT 1),
			p.programme_end, p.goal_category, p.goal_sector, g.listening, g.reading, g.writing, g.oral,
			(p.programme_start + make_interval(months => 6 * (1 + greatest(0, ($1::date - p.programme_start) / 183))))::date,
			p.created_at
		FROM participants p
		CROSS JOIN LATERAL (SELECT p.regime = 'integreringsloven' OR (p.regime = 'kap6a' AND p.id % 3 = 0) AS has) k
		CROSS JOIN LATERAL (SELECT CASE WHEN k.has THEN p.goal_listening END AS listening, CASE WHEN k.has THEN p.goal_reading END AS reading,
			CASE WHEN k.has THEN p.goal_writing END AS writing, CASE WHEN k.has THEN p.goal_oral END AS oral) g
		WHERE p.id >= $2 AND NOT EXISTS (SELECT 1 FROM integration_plans ip WHERE ip.participant_id = p.id)`,
		dateOnly(w.plan.today), w.plan.people[0].id)
	if err != nil {
		return fmt.Errorf("seed: scale seed: plans: %w", err)
	}
	n, _ := res.RowsAffected()
	w.stats["integration_plans"] = n
	return nil
}

func (w *scaleWriter) writeResults() error {
	cols := []string{"id", "participant_id", "skill", "level", "taken_on", "source", "recorded_by", "created_at"}
	id := w.base.ids["language_results"]
	return w.copyInto("language_results", cols, int64(len(w.plan.results)), func(row func(...any) error) error {
		for _, r := range w.plan.results {
			if err := row(id, r.p.id, r.skill, string(r.level), dateOnly(r.on), r.source, r.p.adviser, r.on.Add(14*time.Hour)); err != nil {
				return err
			}
			id++
		}
		return nil
	})
}
