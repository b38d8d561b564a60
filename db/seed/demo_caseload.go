package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"praksis/db"
)

// demoParticipant is one person of the demo caseload, with a history.
type demoParticipant struct {
	first, last      string
	born             int
	langs            []string
	education        string
	regime           string
	startMonthsAgo   int
	lengthMonths     int
	goal             string
	sector           string
	protected, linkN bool
	results          []demoResult
	outcome          string
}

// demoResult is a result some months after the programme start.
type demoResult struct {
	month int
	skill string // "all" for every skill
	level db.Level
}

func r(month int, skill string, level db.Level) demoResult { return demoResult{month, skill, level} }

var demoCaseload = []demoParticipant{
	{"Olena", "Kovalenko", 1986, []string{"uk", "ru"}, "higher", "kap6a", 10, 12, "work_sector", "health", false, true,
		[]demoResult{r(2, "all", db.LevelA1), r(6, "all", db.LevelA2), r(9, "oral", db.LevelB1)}, ""},
	{"Ahmad", "Rahimi", 1993, []string{"prs", "fa"}, "primary", "integreringsloven", 20, 30, "work_or_education", "", false, true,
		[]demoResult{r(4, "all", db.LevelUnderA1), r(10, "all", db.LevelA1), r(16, "listening", db.LevelA2), r(16, "oral", db.LevelA2)}, ""},
	{"Selam", "Tesfay", 1998, []string{"ti", "am"}, "upper_secondary", "integreringsloven", 26, 30, "upper_secondary", "", false, false,
		[]demoResult{r(5, "all", db.LevelA1), r(12, "all", db.LevelA2), r(20, "all", db.LevelB1)}, "education"},
	{"Dmytro", "Shevchenko", 1979, []string{"uk"}, "upper_secondary", "kap6a", 11, 12, "work_sector", "construction", false, true,
		[]demoResult{r(3, "all", db.LevelA1), r(8, "oral", db.LevelA2), r(8, "listening", db.LevelA2)}, "work_part"},
	{"Amina", "Hassan", 1990, []string{"so", "ar"}, "none", "integreringsloven", 8, 36, "work_or_education", "", true, false,
		[]demoResult{r(3, "all", db.LevelNone), r(7, "oral", db.LevelUnderA1)}, ""},
	{"Yusuf", "Al-Sayed", 1988, []string{"ar", "en"}, "higher", "integreringsloven", 14, 24, "higher_education", "", false, false,
		[]demoResult{r(3, "all", db.LevelA2), r(9, "all", db.LevelB1), r(13, "reading", db.LevelB2), r(13, "writing", db.LevelB1)}, ""},
	{"Iryna", "Bondarenko", 1975, []string{"uk", "ru"}, "higher", "kap6a", 6, 12, "work_sector", "education", false, true,
		[]demoResult{r(2, "all", db.LevelUnderA1), r(5, "all", db.LevelA1)}, ""},
	{"Oksana", "Tkachenko", 1991, []string{"uk", "ru"}, "upper_secondary", "kap6a", 3, 12, "work_sector", "retail", false, false,
		[]demoResult{r(2, "oral", db.LevelUnderA1)}, ""},
	{"Mariam", "Osman", 1984, []string{"ar"}, "primary", "introduksjonsloven", 22, 24, "work_or_education", "", false, true,
		[]demoResult{r(6, "all", db.LevelA1), r(14, "all", db.LevelA2), r(20, "oral", db.LevelA2)}, "nav_measure"},
	{"Natalia", "Melnyk", 1992, []string{"uk", "en"}, "higher", "kap6a", 12, 12, "work_sector", "it", false, false,
		[]demoResult{r(3, "all", db.LevelA2), r(8, "all", db.LevelB1), r(11, "oral", db.LevelB2)}, "work_full"},
	{"Svitlana", "Boyko", 1980, []string{"uk"}, "primary", "kap6a", 11, 12, "work_or_education", "", false, true,
		[]demoResult{r(6, "all", db.LevelUnderA1), r(14, "all", db.LevelA1), r(24, "oral", db.LevelA2), r(27, "listening", db.LevelA1)}, ""},
	{"Andriy", "Kravchenko", 1983, []string{"uk", "en"}, "higher", "kap6a", 1, 12, "work_sector", "it", false, false,
		nil, ""},
}

// demoLegal is each demo participant's legal side and plan (issue 14),
// by first name. Trondheim's mix: most hold collective protection
// (kapittel 6A), some of them with no Norwegian goal in the plan; the
// others asylum, resettlement or family reunification under
// integreringsloven, one settled before 2021 under introduksjonsloven
// (no norskmål at all). One has had parental leave that moved the end,
// one an extension, one plan review is overdue.
var demoLegal = map[string]struct {
	basis, sex      string
	noGoal          bool // the plan has no Norwegian goal (kap. 6A may have none)
	leaveDays       int  // parental leave from a month after the start
	extensionMonths int
	reviewOverdue   bool
}{
	"Olena":    {basis: "collective_protection", sex: "woman"},
	"Ahmad":    {basis: "asylum", sex: "man", extensionMonths: 6},
	"Selam":    {basis: "resettlement", sex: "woman"},
	"Dmytro":   {basis: "collective_protection", sex: "man", noGoal: true},
	"Amina":    {basis: "family_reunification", sex: "woman"},
	"Yusuf":    {basis: "asylum", sex: "man", reviewOverdue: true},
	"Iryna":    {basis: "collective_protection", sex: "woman"},
	"Oksana":   {basis: "collective_protection", sex: "woman", leaveDays: 42},
	"Mariam":   {basis: "resettlement", sex: "woman"},
	"Natalia":  {basis: "collective_protection", sex: "woman", noGoal: true},
	"Svitlana": {basis: "collective_protection", sex: "woman", noGoal: true},
	"Andriy":   {basis: "collective_protection", sex: "man"},
}

// DemoRuleSource is the source of the kapittel 6A row the demo adds the
// way an admin does: the seeded row ends on 30 June 2026, so without a
// newer one no kap. 6A plan dated after it could be saved. A real
// municipality gets that row from its legal adviser, never from a seed.
const DemoRuleSource = "demo: kapittel 6A forlenget"

// DemoRules adds the newer kap. 6A row through Store.AddProgrammeRule (as
// the admin page does: validated, audited), unless a kap. 6A row is in
// force today already.
func DemoRules(ctx context.Context, s *db.Store) error {
	today := s.Today()
	var n int
	if err := s.DB.GetContext(ctx, &n, `SELECT count(*) FROM programme_rules WHERE regime = 'kap6a'
		AND valid_from <= $1::date AND (valid_to IS NULL OR valid_to >= $1::date)`, dateOnly(today)); err != nil || n > 0 {
		return err
	}
	var admin int64
	if err := s.DB.GetContext(ctx, &admin, `SELECT id FROM users WHERE email = 'admin@example.org'`); err != nil {
		return fmt.Errorf("seed: demo admin: %w", err)
	}
	minAge, maxAge := 18, 55
	from := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)
	if _, err := s.AddProgrammeRule(ctx, admin, db.RuleInput{Regime: db.RegimeKap6A, Track: db.TrackAny, MinAge: &minAge, MaxAge: &maxAge,
		MinMonths: 3, MaxMonths: 12, ValidFrom: from, ValidTo: &to, LeaveExtends: true, Norskmal: "optional",
		Source: DemoRuleSource}, ""); err != nil {
		return fmt.Errorf("seed: demo kap. 6A rule: %w", err)
	}
	return nil
}

// DemoCaseload gives the demo adviser a realistic caseload (a dozen
// participants with results, outcomes and a note), some linked to the demo
// NAV user. It does nothing when the adviser already has participants.
func DemoCaseload(ctx context.Context, s *db.Store) error {
	return inTx(ctx, s, func(tx *sqlx.Tx) error {
		var adviser, nav int64
		if err := tx.GetContext(ctx, &adviser, `SELECT id FROM users WHERE email = 'radgiver@example.org'`); err != nil {
			return fmt.Errorf("seed: demo adviser: %w", err)
		}
		if err := tx.GetContext(ctx, &nav, `SELECT id FROM users WHERE email = 'nav@example.org'`); err != nil {
			return fmt.Errorf("seed: demo nav: %w", err)
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM participants WHERE adviser_id = $1`, adviser); err != nil || n > 0 {
			return err
		}
		today := time.Now().UTC().Truncate(24 * time.Hour)
		for _, d := range demoCaseload {
			legal := demoLegal[d.first]
			start := today.AddDate(0, -d.startMonthsAgo, 0)
			end := start.AddDate(0, d.lengthMonths, 0)
			var navID *int64
			if d.linkN {
				navID = &nav
			}
			var id int64
			err := tx.GetContext(ctx, &id, `INSERT INTO participants (adviser_id, nav_contact_id, first_name, last_name, birth_year,
					languages, education, regime, programme_start, programme_end, goal_category, goal_sector,
					goal_listening, goal_reading, goal_writing, goal_oral, protected_address, municipality, address,
					legal_basis, permit_date, sex)
				SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, g.level, g.level, g.level, g.level, $13, 'Trondheim',
					CASE WHEN $13 THEN 'Hemmelig vei 1' ELSE '' END, $14, $15, $16
				FROM (SELECT level FROM norskmal_defaults WHERE education = $7 AND skill = 'oral'
					ORDER BY valid_from DESC LIMIT 1) g
				RETURNING id`,
				adviser, navID, d.first, d.last, d.born, pq.Array(d.langs), d.education, d.regime, start, end, d.goal, d.sector, d.protected,
				legal.basis, permitDate(d.regime, start), legal.sex)
			if err != nil {
				return fmt.Errorf("seed: demo participant %s: %w", d.first, err)
			}
			if err := demoPlan(ctx, tx, id, adviser, d.regime, legal.noGoal, today, legal.reviewOverdue); err != nil {
				return fmt.Errorf("seed: demo plan %s: %w", d.first, err)
			}
			if err := demoLeaveAndExtension(ctx, tx, id, adviser, start, legal.leaveDays, legal.extensionMonths); err != nil {
				return fmt.Errorf("seed: demo leave %s: %w", d.first, err)
			}
			for _, res := range d.results {
				skills := []string{res.skill}
				if res.skill == "all" {
					skills = db.Skills
				}
				for i, sk := range skills {
					on := start.AddDate(0, res.month, i*2)
					if on.After(today) {
						on = today
					}
					source := "norskprove"
					if res.month%2 == 1 {
						source = "teacher"
					}
					if _, err := tx.ExecContext(ctx, `INSERT INTO language_results (participant_id, skill, level, taken_on, source, recorded_by)
						VALUES ($1, $2, $3, $4, $5, $6)`, id, sk, string(res.level), on, source, adviser); err != nil {
						return fmt.Errorf("seed: demo result: %w", err)
					}
				}
			}
			if d.outcome != "" {
				if _, err := tx.ExecContext(ctx, `INSERT INTO outcomes (participant_id, kind, from_date, employer, recorded_by)
					VALUES ($1, $2, $3, $4, $5)`, id, d.outcome, today.AddDate(0, 0, -20), "Fjordbyen Bakeri AS", adviser); err != nil {
					return fmt.Errorf("seed: demo outcome: %w", err)
				}
			}
			if d.linkN {
				if _, err := tx.ExecContext(ctx, `INSERT INTO participant_notes (participant_id, author_id, body, created_at)
					VALUES ($1, $2, $3, $4)`, id, adviser, "Møte med NAV avtalt. Ønsker praksis med mer muntlig norsk.", today.AddDate(0, 0, -7)); err != nil {
					return fmt.Errorf("seed: demo note: %w", err)
				}
			}
		}
		return nil
	})
}

// permitDate is when a demo participant's residence permit was granted:
// before 2021 under introduksjonsloven (its transitional rules), else a
// month or two before the programme started.
func permitDate(regime string, start time.Time) time.Time {
	if regime == db.RegimeIntroduction {
		return time.Date(2020, 11, 16, 0, 0, 0, 0, time.UTC)
	}
	return start.AddDate(0, -2, 0)
}

// demoPlan writes a participant's integration plan (version 1, as the
// registration does): the rule in force on the plan date, the
// participant's norskmål unless the plan has none (introduksjonsloven
// never; kap. 6A where noGoal), and the next review a few weeks ahead, or
// three weeks past when overdue.
func demoPlan(ctx context.Context, tx *sqlx.Tx, id, adviser int64, regime string, noGoal bool, today time.Time, overdue bool) error {
	goals := !noGoal && regime != db.RegimeIntroduction
	next := today.AddDate(0, 0, 21+int(id%5)*7)
	if overdue {
		next = today.AddDate(0, 0, -21)
	}
	var plan int64
	if err := tx.GetContext(ctx, &plan, `INSERT INTO integration_plans (participant_id, decided_on, plan_date, rule_id, original_end,
			goal_category, goal_sector, goal_listening, goal_reading, goal_writing, goal_oral, next_review_due, confirmed_at, updated_by)
		SELECT p.id, p.programme_start - 14, p.programme_start,
			(SELECT r.id FROM programme_rules r WHERE r.regime = p.regime AND r.track = 'any' AND r.goal_category IS NULL
				AND r.valid_from <= p.programme_start AND (r.valid_to IS NULL OR r.valid_to >= p.programme_start)
				ORDER BY r.valid_from DESC LIMIT 1),
			p.programme_end, p.goal_category, p.goal_sector,
			CASE WHEN $2 THEN p.goal_listening END, CASE WHEN $2 THEN p.goal_reading END,
			CASE WHEN $2 THEN p.goal_writing END, CASE WHEN $2 THEN p.goal_oral END, $3, now(), $4
		FROM participants p WHERE p.id = $1 RETURNING id`, id, goals, dateOnly(next), adviser); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO integration_plan_versions (plan_id, version, content, reason, saved_by)
		SELECT ip.id, 1, jsonb_build_object('decided_on', ip.decided_on, 'plan_date', ip.plan_date, 'rule_id', ip.rule_id,
			'original_end', ip.original_end, 'goal_category', ip.goal_category, 'goal_sector', ip.goal_sector,
			'goals', jsonb_build_object('listening', ip.goal_listening, 'reading', ip.goal_reading, 'writing', ip.goal_writing, 'oral', ip.goal_oral)),
			'Registrert', $2
		FROM integration_plans ip WHERE ip.id = $1`, plan, adviser)
	return err
}

// demoLeaveAndExtension records parental leave from a month after the
// start and an extension, when the participant has them, and moves the
// programme's end as db/leave.go does (programme_current_end).
func demoLeaveAndExtension(ctx context.Context, tx *sqlx.Tx, id, adviser int64, start time.Time, leaveDays, months int) error {
	if leaveDays == 0 && months == 0 {
		return nil
	}
	if leaveDays > 0 {
		from := start.AddDate(0, 1, 0)
		if _, err := tx.ExecContext(ctx, `INSERT INTO programme_leave (participant_id, kind, from_date, to_date, decided_on, note, recorded_by)
			VALUES ($1, 'parental', $2, $3, $4, 'Foreldrepermisjon', $5)`, id, dateOnly(from), dateOnly(from.AddDate(0, 0, leaveDays-1)),
			dateOnly(from.AddDate(0, 0, -10)), adviser); err != nil {
			return err
		}
	}
	if months > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO programme_extensions (participant_id, decided_on, months, reason, recorded_by)
			VALUES ($1, current_date - 30, $2, 'Trenger mer tid til norskopplæring før fagbrev', $3)`, id, months, adviser); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE participants SET programme_end = programme_current_end(id) WHERE id = $1`, id)
	return err
}

// DemoPlacements gives the demo organisation a few placements (four
// published, one draft), unless it has some already.
func DemoPlacements(ctx context.Context, s *db.Store) error {
	return inTx(ctx, s, func(tx *sqlx.Tx) error {
		var org, user int64
		if err := tx.QueryRowxContext(ctx, `SELECT o.id, u.id FROM organisations o JOIN users u ON u.organisation_id = o.id
			WHERE o.org_number = $1 AND u.email = 'arbeidsgiver@example.org'`, db.DemoOrgNumber).Scan(&org, &user); err != nil {
			return fmt.Errorf("seed: demo organisation: %w", err)
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM placements WHERE organisation_id = $1`, org); err != nil || n > 0 {
			return err
		}
		const q = `INSERT INTO placements (organisation_id, created_by, kind, title, tasks, sector, address, municipality,
				hours_per_week, days_per_week, start_date, seats, level_listening, level_oral, languages, adaptations,
				supervisor_name, supervisor_email, supervisor_phone, status, published_at)
			VALUES ($1, $2, $3, $4, $5, 'hospitality', 'Bakkegata 5', 'Trondheim', $6, $7, current_date + $8::int, $9,
				$10::cefr_level, $11::cefr_level, $12, $13, 'Anne Arbeidsgiver', 'arbeidsgiver@example.org', '+47 900 00 000',
				$14, CASE WHEN $14 = 'published' THEN now() - make_interval(days => $8::int) END)`
		rows := []struct {
			kind, title, tasks    string
			hours, days, in, seat int
			listening, oral       any
			langs, adapt          []string
			status                string
		}{
			{"sprakpraksis", "Bakeriassistent", "Du hjelper til med baking av brød og boller, oppvask og å fylle disken i butikken. Mye prat med kolleger og kunder – fin for å øve norsk.",
				30, 5, 14, 2, nil, "a1", []string{"en", "uk"}, []string{"simple_tasks_first", "english_mentor"}, "published"},
			{"arbeidspraksis", "Kafémedarbeider", "Servering, kassa og kundeservice i kafeen vår i sentrum. Passer for deg som vil jobbe med mennesker.",
				25, 4, 30, 1, "a2", "b1", []string{"en"}, []string{"flexible_hours"}, "published"},
			{"arbeidstrening", "Kjøkkenassistent", "Forberedelse av råvarer, enkel matlaging og oppvask på produksjonskjøkkenet. Vi lærer deg opp steg for steg.",
				37, 5, 7, 1, nil, "a2", []string{"ar", "en"}, []string{"visual_instructions", "work_clothes"}, "published"},
			{"sommerjobb", "Sommerhjelp i utsalget", "Salg, varepåfylling og rydding i butikken i sommermånedene.",
				30, 5, 200, 3, "a2", "a2", []string{"en"}, nil, "published"},
			{"annet", "Sjåfør for varelevering", "Kjøre varer ut til kafeer og butikker i Trondheim. Førerkort klasse B kreves.",
				20, 3, 60, 1, "b1", "b1", nil, nil, "draft"},
		}
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, q, org, user, r.kind, r.title, r.tasks, r.hours, r.days, r.in, r.seat,
				r.listening, r.oral, pq.Array(append([]string{}, r.langs...)), pq.Array(append([]string{}, r.adapt...)), r.status); err != nil {
				return fmt.Errorf("seed: demo placement: %w", err)
			}
		}
		return nil
	})
}
