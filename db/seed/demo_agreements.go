package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"praksis/calendar"
	"praksis/db"
)

// demoAgreement is one demo agreement: whose, and where in its life.
type demoAgreement struct {
	first      string // the demo participant's first name
	status     string // what agreement_status() should say today
	startDays  int    // start relative to today
	lengthDays int
	endedDays  *int   // ended early this many days ago (relative)
	endReason  string // with endedDays
	cancelled  bool
	approvals  int // 0 none, 1 employer, 2 and the participant's consent, 3 all
	missing    bool
	navMeasure bool // on the arbeidstrening placement: NAV decides (issue 14)
}

func days(n int) *int { return &n }

// demoAgreements cover every status, plus an agreement whose employer
// access has run out (ended 20 weeks ago).
var demoAgreements = []demoAgreement{
	{first: "Iryna", status: db.AgreementDraft, startDays: 14, lengthDays: 90, missing: true},
	{first: "Dmytro", status: db.AgreementAwaiting, startDays: 10, lengthDays: 18, approvals: 1},
	{first: "Yusuf", status: db.AgreementReady, startDays: 7, lengthDays: 90, approvals: 3},
	{first: "Olena", status: db.AgreementRunning, startDays: -35, lengthDays: 84, approvals: 3},
	{first: "Selam", status: db.AgreementEnded, startDays: -98, lengthDays: 84, approvals: 3},
	{first: "Natalia", status: db.AgreementEnded, startDays: -60, lengthDays: 58, approvals: 3, endedDays: days(-21), endReason: "got_job"},
	{first: "Ahmad", status: db.AgreementCancelled, startDays: 5, lengthDays: 60, approvals: 1, cancelled: true},
	{first: "Mariam", status: db.AgreementEnded, startDays: -230, lengthDays: 90, approvals: 3},
	// An arbeidstrening the employer approved and the participant agreed
	// to: it waits for the NAV user's decision before the adviser's.
	{first: "Svitlana", status: db.AgreementAwaiting, startDays: 21, lengthDays: 180, approvals: 2, navMeasure: true},
}

// DemoAgreements gives the demo employer and adviser agreements in
// every status on a placement of their own, with attendance (an illness
// and an invalid absence to flag), evaluations and follow-ups. It does
// nothing when the demo organisation has agreements already.
func DemoAgreements(ctx context.Context, s *db.Store) error {
	r := s.AgreementRules()
	today := s.Today()
	return inTx(ctx, s, func(tx *sqlx.Tx) error {
		var org, employer, adviser int64
		if err := tx.QueryRowxContext(ctx, `SELECT o.id, u.id, (SELECT id FROM users WHERE email = 'radgiver@example.org')
			FROM organisations o JOIN users u ON u.organisation_id = o.id
			WHERE o.org_number = $1 AND u.email = 'arbeidsgiver@example.org'`, db.DemoOrgNumber).Scan(&org, &employer, &adviser); err != nil {
			return fmt.Errorf("seed: demo organisation: %w", err)
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM agreements WHERE organisation_id = $1`, org); err != nil || n > 0 {
			return err
		}
		var placement int64
		if err := tx.GetContext(ctx, &placement, `INSERT INTO placements (organisation_id, created_by, kind, title, tasks, sector, address,
				municipality, hours_per_week, days_per_week, start_date, seats, seats_taken, level_oral, languages, supervisor_name,
				supervisor_email, supervisor_phone, status, published_at)
			VALUES ($1, $2, 'arbeidspraksis', 'Lagermedarbeider', 'Varemottak, plukking av ordre og pakking i lageret vårt på Heimdal.',
				'hospitality', 'Industriveien 3', 'Trondheim', 30, 5, $3::date - 365, 10, 0, 'a1', '{en,ar}', 'Anne Arbeidsgiver',
				'arbeidsgiver@example.org', '+47 900 00 000', 'published', now() - interval '1 year') RETURNING id`,
			org, employer, dateOnly(today)); err != nil {
			return fmt.Errorf("seed: demo placement: %w", err)
		}
		var navPlacement int64
		if err := tx.GetContext(ctx, &navPlacement, `INSERT INTO placements (organisation_id, created_by, kind, title, tasks, sector, address,
				municipality, hours_per_week, days_per_week, start_date, seats, seats_taken, level_oral, languages, supervisor_name,
				supervisor_email, supervisor_phone, status, published_at)
			VALUES ($1, $2, 'arbeidstrening', 'Kjøkkenassistent i kantina', 'Forberede råvarer, servere lunsj og holde kjøkkenet rent. NAVs arbeidstrening.',
				'hospitality', 'Industriveien 3', 'Trondheim', 30, 5, $3::date - 30, 2, 0, 'a1', '{en,uk}', 'Anne Arbeidsgiver',
				'arbeidsgiver@example.org', '+47 900 00 000', 'published', now() - interval '30 days') RETURNING id`,
			org, employer, dateOnly(today)); err != nil {
			return fmt.Errorf("seed: demo nav placement: %w", err)
		}
		for _, d := range demoAgreements {
			placement := placement
			if d.navMeasure {
				placement = navPlacement
			}
			var pt int64
			if err := tx.GetContext(ctx, &pt, `SELECT id FROM participants WHERE adviser_id = $1 AND first_name = $2`, adviser, d.first); err != nil {
				return fmt.Errorf("seed: demo participant %s: %w", d.first, err)
			}
			start := today.AddDate(0, 0, d.startDays)
			end := start.AddDate(0, 0, d.lengthDays-1)
			decided := start.AddDate(0, 0, -14)
			var proposal int64
			if err := tx.GetContext(ctx, &proposal, `INSERT INTO proposals (participant_id, placement_id, adviser_id, note, status, decided_by, decided_at, created_at)
				VALUES ($1, $2, $3, 'Motivert, ønsker praktisk arbeid.', 'accepted', $4, $5, $5::timestamptz - interval '3 days') RETURNING id`,
				pt, placement, adviser, employer, decided); err != nil {
				return fmt.Errorf("seed: demo proposal: %w", err)
			}
			supervisorEmail := "arbeidsgiver@example.org"
			var schedStart, schedEnd *time.Time = &start, &end
			if d.missing {
				schedStart, schedEnd = nil, nil
			}
			at := func(k int) *time.Time {
				if d.approvals >= k {
					t := decided.Add(time.Duration(8+k) * time.Hour)
					return &t
				}
				return nil
			}
			var access *string
			var cancelledAt *time.Time
			var endedOn *string
			var reason *string
			switch {
			case d.cancelled:
				c := today.AddDate(0, 0, -10)
				cancelledAt = &c
				a := dateOnly(c.AddDate(0, 0, 7*r.EmployerAccessWeeks))
				access = &a
			case d.endedDays != nil:
				e := dateOnly(today.AddDate(0, 0, *d.endedDays))
				endedOn, reason = &e, &d.endReason
				a := dateOnly(today.AddDate(0, 0, *d.endedDays+7*r.EmployerAccessWeeks))
				access = &a
			case !d.missing:
				a := dateOnly(end.AddDate(0, 0, 7*r.EmployerAccessWeeks))
				access = &a
			}
			consentMode := (*string)(nil)
			consentReason := (*string)(nil)
			if d.approvals >= 2 {
				m, why := "on_behalf", "no_bankid"
				consentMode, consentReason = &m, &why
			}
			held := d.status == db.AgreementDraft || d.status == db.AgreementAwaiting || d.status == db.AgreementReady || d.status == db.AgreementRunning
			var id int64
			err := tx.GetContext(ctx, &id, `INSERT INTO agreements (proposal_id, participant_id, placement_id, organisation_id,
					supervisor_name, supervisor_email, supervisor_phone, goals, goals_text, job_title, tasks, start_date, end_date,
					hours_per_week, days_per_week, follow_up_plan, follow_up_weeks, adaptations, mentor_name, mentor_phone, mentor_tasks,
					employer_approved_by, employer_approved_at, consent_by, consent_at, consent_mode, consent_reason,
					adviser_approved_by, adviser_approved_at, first_approved_at, cancelled_at, ended_on, end_reason, end_note, seat_held,
					employer_access_until, created_at)
				VALUES ($1, $2, $3, $4, 'Anne Arbeidsgiver', $5, '+47 900 00 000', '{language,work_experience}',
					'Øve på muntlig norsk med kolleger og lære rutinene i et lager.', 'Lagermedarbeider',
					'Varemottak, plukking og pakking.', $6, $7, 30, 5, 'Rådgiveren kommer på besøk annenhver uke den første måneden.',
					$8, 'Enkle skriftlige instrukser med bilder.', 'Karim Lund', '+47 911 11 111', 'Viser rutinene og er tilgjengelig for spørsmål.',
					CASE WHEN $9::timestamptz IS NOT NULL THEN $10::bigint END, $9, CASE WHEN $11::timestamptz IS NOT NULL THEN $12::bigint END, $11,
					$13, $14, CASE WHEN $15::timestamptz IS NOT NULL THEN $12::bigint END, $15, $15, $16, $17, $18,
					CASE WHEN $17::date IS NOT NULL THEN 'Fikk fast deltidsstilling hos oss.' WHEN $16::timestamptz IS NOT NULL THEN 'Deltakeren begynner på et kurs i stedet.' ELSE '' END,
					$19, $20, $21)
				RETURNING id`, proposal, pt, placement, org, supervisorEmail, schedStart, schedEnd, r.FollowUpWeeks,
				at(1), employer, at(2), adviser, consentMode, consentReason, at(3), cancelledAt, endedOn, reason, held, access, decided)
			if err != nil {
				return fmt.Errorf("seed: demo agreement %s: %w", d.first, err)
			}
			if held {
				if _, err := tx.ExecContext(ctx, `UPDATE placements SET seats_taken = seats_taken + 1 WHERE id = $1`, placement); err != nil {
					return err
				}
			}
			var got string
			if err := tx.GetContext(ctx, &got, `SELECT agreement_status(ag, $2::date) FROM agreements ag WHERE id = $1`, id, dateOnly(today)); err != nil {
				return err
			}
			if got != d.status {
				return fmt.Errorf("seed: demo agreement %s is %s, want %s", d.first, got, d.status)
			}
			if d.endReason == "got_job" {
				if _, err := tx.ExecContext(ctx, `INSERT INTO outcomes (participant_id, kind, from_date, employer, recorded_by)
					VALUES ($1, 'work_part', $2::date + 1, 'Fjordbyen Bakeri AS', $3)`, pt, *endedOn, adviser); err != nil {
					return err
				}
			}
			if d.startDays < 0 {
				if err := seedDemoFollowThrough(ctx, tx, id, adviser, employer, start, end, today, d); err != nil {
					return err
				}
			}
		}
		// And a proposal the demo employer has yet to answer.
		if _, err := tx.ExecContext(ctx, `INSERT INTO proposals (participant_id, placement_id, adviser_id, note, shared_adaptations, created_at)
			SELECT p.id, pl.id, $1, 'Svitlana har jobbet i bakeri i Kharkiv og vil gjerne øve norsk med kolleger.',
				'Trenger enkle instrukser i starten.', now() - interval '2 days'
			FROM participants p, placements pl WHERE p.adviser_id = $1 AND p.first_name = 'Svitlana'
				AND pl.organisation_id = $2 AND pl.title = 'Bakeriassistent'`, adviser, org); err != nil {
			return fmt.Errorf("seed: demo open proposal: %w", err)
		}
		// Each demo participant proposed to the organisation consented, in
		// a meeting with the adviser, to share what the employer's pages
		// show (issue 15): without it the demo employer would see no one.
		if _, err := tx.ExecContext(ctx, `INSERT INTO consents (participant_id, organisation_id, items, adaptations, given_how, given_by, given_at)
			SELECT participant_id, $2, CASE WHEN ad = '{}' THEN '{first_name,levels,languages,note,full_name,phone}'::text[]
					ELSE '{first_name,levels,languages,note,adaptations,full_name,phone}'::text[] END, ad, 'in_person', $1, since
			FROM (SELECT pr.participant_id, min(pr.created_at) - interval '1 day' AS since,
					coalesce(array_agg(DISTINCT btrim(pr.shared_adaptations)) FILTER (WHERE btrim(pr.shared_adaptations) <> ''), '{}') AS ad
				FROM proposals pr JOIN placements pl ON pl.id = pr.placement_id
				WHERE pr.adviser_id = $1 AND pl.organisation_id = $2 GROUP BY pr.participant_id) x
			ON CONFLICT (participant_id, organisation_id) WHERE withdrawn_at IS NULL DO NOTHING`, adviser, org); err != nil {
			return fmt.Errorf("seed: demo consents: %w", err)
		}
		return nil
	})
}

// demoAbsence is a demo day of absence: what the employer's week form
// records (a mark, no category), and what the adviser classified it as
// the day after ("" leaves it for the adviser to classify).
type demoAbsence struct {
	mark, classification string
}

// demoAbsences are the absences by the agreement's working day: a day of
// illness with notice (egenmelding), a day away without notice (invalid;
// for the running agreement only) and a sick child, which the adviser
// has yet to classify on the running agreement.
func demoAbsences(n int, status string) (demoAbsence, bool) {
	running := status == db.AgreementRunning
	switch {
	case n == 8:
		return demoAbsence{db.MarkAbsentNotified, db.AbsenceEgenmelding}, true
	case n == 14 && running:
		return demoAbsence{db.MarkAbsentNotNotified, db.AbsenceInvalid}, true
	case n == 17 && running:
		return demoAbsence{db.MarkAbsentNotified, ""}, true
	case n == 17:
		return demoAbsence{db.MarkAbsentNotified, db.AbsenceSickChild}, true
	}
	return demoAbsence{}, false
}

// seedDemoFollowThrough logs attendance for the weeks that have passed as
// the employer's week form does, with the adviser's classifications of
// the absences (demoAbsences), the evaluations that are due and a
// follow-up meeting.
func seedDemoFollowThrough(ctx context.Context, tx *sqlx.Tx, id, adviser, employer int64, start, end, today time.Time, d demoAgreement) error {
	last := end
	if d.endedDays != nil {
		last = today.AddDate(0, 0, *d.endedDays)
	}
	// Whole weeks only, up to last Friday: this week is not logged yet.
	weekStart := calendar.Monday(today)
	if last.After(weekStart.AddDate(0, 0, -1)) {
		last = weekStart.AddDate(0, 0, -1)
	}
	n := 0
	for day := start; !day.After(last); day = day.AddDate(0, 0, 1) {
		if !calendar.Workday(day) {
			continue
		}
		n++
		present, hours, mark := true, 6.0, db.MarkPresent
		away, absent := demoAbsences(n, d.status)
		if absent {
			present, hours, mark = false, 0, away.mark
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO attendance (agreement_id, day, present, hours, mark, logged_by, logged_at)
			VALUES ($1, $2, $3, $4, $5, $6, $2::date + interval '16 hours')`, id, dateOnly(day), present, hours, mark, employer); err != nil {
			return fmt.Errorf("seed: demo attendance: %w", err)
		}
		if away.classification == "" {
			continue
		}
		// As db.ClassifyAbsence writes it: by the participant's adviser,
		// only for a day of the programme.
		if _, err := tx.ExecContext(ctx, `INSERT INTO absence_classifications (participant_id, day, classification, classified_by, classified_at)
			SELECT p.id, $2::date, $3, $4, $2::date + interval '1 day 10 hours'
			FROM agreements ag JOIN participants p ON p.id = ag.participant_id
			WHERE ag.id = $1 AND p.adviser_id = $4 AND $2::date BETWEEN p.programme_start AND p.programme_end
			ON CONFLICT (participant_id, day) DO NOTHING`, id, dateOnly(day), away.classification, adviser); err != nil {
			return fmt.Errorf("seed: demo absence classification: %w", err)
		}
	}
	phases := []struct {
		phase string
		after int
	}{{"start", 14}, {"mid", 42}, {"end", 80}}
	for i, ph := range phases {
		on := start.AddDate(0, 0, ph.after)
		if on.After(today) || on.After(last.AddDate(0, 0, 3)) {
			break
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO evaluations (agreement_id, phase, punctuality, cooperation, instructions, speaking,
				comment, written_by, created_at) VALUES ($1, $2, 3, 4, $3, $4, $5, $6, $7)`, id, ph.phase, 2+i%2, nullIfZero(i+1),
			"Blid og punktlig. Forstår stadig mer av det som blir sagt i pausene.", employer, on); err != nil {
			return fmt.Errorf("seed: demo evaluation: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO follow_ups (agreement_id, held_on, with_whom, notes, written_by)
		VALUES ($1, $2, '{participant,supervisor}', 'Besøk på arbeidsplassen. Trives, ønsker flere oppgaver med kundekontakt.', $3)`,
		id, dateOnly(start.AddDate(0, 0, 12)), adviser); err != nil {
		return fmt.Errorf("seed: demo follow-up: %w", err)
	}
	return nil
}

// nullIfZero is a rating, or "not observed" (NULL) for the first phase's
// speaking, which a supervisor seldom judges in week two.
func nullIfZero(i int) *int {
	if i == 1 {
		return nil
	}
	v := 2 + i%3
	return &v
}
