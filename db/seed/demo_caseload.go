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
	{"Olena", "Kovalenko", 1986, []string{"uk", "ru"}, "higher", "ukraine", 10, 12, "work_sector", "health", false, true,
		[]demoResult{r(2, "all", db.LevelA1), r(6, "all", db.LevelA2), r(9, "oral", db.LevelB1)}, ""},
	{"Ahmad", "Rahimi", 1993, []string{"prs", "fa"}, "primary", "integreringsloven", 20, 30, "work_or_education", "", false, true,
		[]demoResult{r(4, "all", db.LevelUnderA1), r(10, "all", db.LevelA1), r(16, "listening", db.LevelA2), r(16, "oral", db.LevelA2)}, ""},
	{"Selam", "Tesfay", 1998, []string{"ti", "am"}, "upper_secondary", "integreringsloven", 26, 30, "upper_secondary", "", false, false,
		[]demoResult{r(5, "all", db.LevelA1), r(12, "all", db.LevelA2), r(20, "all", db.LevelB1)}, "education"},
	{"Dmytro", "Shevchenko", 1979, []string{"uk"}, "upper_secondary", "ukraine", 11, 12, "work_sector", "construction", false, true,
		[]demoResult{r(3, "all", db.LevelA1), r(8, "oral", db.LevelA2), r(8, "listening", db.LevelA2)}, "work_part"},
	{"Amina", "Hassan", 1990, []string{"so", "ar"}, "none", "integreringsloven", 8, 36, "work_or_education", "", true, false,
		[]demoResult{r(3, "all", db.LevelNone), r(7, "oral", db.LevelUnderA1)}, ""},
	{"Yusuf", "Al-Sayed", 1988, []string{"ar", "en"}, "higher", "integreringsloven", 14, 24, "higher_education", "", false, false,
		[]demoResult{r(3, "all", db.LevelA2), r(9, "all", db.LevelB1), r(13, "reading", db.LevelB2), r(13, "writing", db.LevelB1)}, ""},
	{"Iryna", "Bondarenko", 1975, []string{"uk", "ru"}, "higher", "ukraine", 6, 12, "work_sector", "education", false, true,
		[]demoResult{r(2, "all", db.LevelUnderA1), r(5, "all", db.LevelA1)}, ""},
	{"Mohammed", "Noori", 2001, []string{"ps", "prs"}, "primary", "integreringsloven", 3, 30, "upper_secondary", "", false, false,
		[]demoResult{r(2, "oral", db.LevelUnderA1)}, ""},
	{"Mariam", "Osman", 1984, []string{"ar"}, "primary", "introduksjonsloven", 22, 24, "work_or_education", "", false, true,
		[]demoResult{r(6, "all", db.LevelA1), r(14, "all", db.LevelA2), r(20, "oral", db.LevelA2)}, "nav_measure"},
	{"Natalia", "Melnyk", 1992, []string{"uk", "en"}, "higher", "ukraine", 12, 12, "work_sector", "it", false, false,
		[]demoResult{r(3, "all", db.LevelA2), r(8, "all", db.LevelB1), r(11, "oral", db.LevelB2)}, "work_full"},
	{"Abdi", "Warsame", 1995, []string{"so"}, "none", "integreringsloven", 30, 36, "work_or_education", "", false, true,
		[]demoResult{r(6, "all", db.LevelUnderA1), r(14, "all", db.LevelA1), r(24, "oral", db.LevelA2), r(27, "listening", db.LevelA1)}, ""},
	{"Zahra", "Karimi", 1999, []string{"prs"}, "upper_secondary", "integreringsloven", 1, 24, "higher_education", "", false, false,
		nil, ""},
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
			start := today.AddDate(0, -d.startMonthsAgo, 0)
			end := start.AddDate(0, d.lengthMonths, 0)
			var navID *int64
			if d.linkN {
				navID = &nav
			}
			var id int64
			err := tx.GetContext(ctx, &id, `INSERT INTO participants (adviser_id, nav_contact_id, first_name, last_name, birth_year,
					languages, education, regime, programme_start, programme_end, goal_category, goal_sector,
					goal_listening, goal_reading, goal_writing, goal_oral, protected_address, municipality, address)
				SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, g.level, g.level, g.level, g.level, $13, 'Trondheim',
					CASE WHEN $13 THEN 'Hemmelig vei 1' ELSE '' END
				FROM (SELECT level FROM norskmal_defaults WHERE education = $7 AND skill = 'oral'
					ORDER BY valid_from DESC LIMIT 1) g
				RETURNING id`,
				adviser, navID, d.first, d.last, d.born, pq.Array(d.langs), d.education, d.regime, start, end, d.goal, d.sector, d.protected)
			if err != nil {
				return fmt.Errorf("seed: demo participant %s: %w", d.first, err)
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
