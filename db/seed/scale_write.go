package seed

import (
	"time"

	"github.com/lib/pq"

	"praksis/db"
)

// The scale seed's writers for the rows that hang off participants and
// agreements (scale.go has the others). Rows that nothing points to
// (outcomes, notes, attendance, evaluations) are drawn here, each kind
// from a random stream of its own.

func (w *scaleWriter) writeOutcomes() error {
	r := newSrand(w.plan.seed, streamOutcomes)
	cols := []string{"id", "participant_id", "kind", "from_date", "employer", "note", "recorded_by", "created_at"}
	id := w.base.ids["outcomes"]
	yesterday := addDays(w.plan.today, -1)
	return w.copyInto("outcomes", cols, 0, func(row func(...any) error) error {
		for _, p := range w.plan.people {
			kind, employer := "", ""
			var from time.Time
			switch {
			case p.gotJob != nil: // the agreement ended early with a job there
				kind, from, employer = []string{"work_part", "work_full"}[r.IntN(2)], addDays(*p.gotJob, 1), p.gotJobAt
			case p.status == "completed" || p.status == "ended_early":
				if !r.chance(0.62) {
					continue
				}
				kind = db.OutcomeKinds[r.weighted(30, 25, 20, 15, 10)]
				from = addDays(p.end, r.between(-30, 120))
				if kind == "work_full" || kind == "work_part" {
					employer = w.plan.orgs[r.IntN(len(w.plan.orgs))].name
				}
			case p.status == "active" && p.end.Before(addDays(w.plan.today, 183)) && r.chance(0.12):
				kind, from = "work_part", addDays(w.plan.today, -r.between(1, 60))
				employer = w.plan.orgs[r.IntN(len(w.plan.orgs))].name
			default:
				continue
			}
			if from.After(yesterday) {
				from = yesterday
			}
			if err := row(id, p.id, kind, dateOnly(from), employer, "", p.adviser, w.plan.clampTS(from.Add(13*time.Hour))); err != nil {
				return err
			}
			id++
		}
		return nil
	})
}

func (w *scaleWriter) writeNotes() error {
	r := newSrand(w.plan.seed, streamNotes)
	cols := []string{"id", "participant_id", "author_id", "body", "created_at"}
	id := w.base.ids["participant_notes"]
	return w.copyInto("participant_notes", cols, 0, func(row func(...any) error) error {
		for _, p := range w.plan.people {
			if !r.chance(0.3) {
				continue
			}
			author := p.adviser
			if p.nav != 0 && r.chance(0.2) {
				author = p.nav
			}
			last := p.end
			if y := addDays(w.plan.today, -1); last.After(y) {
				last = y
			}
			at := addDays(p.created, r.between(1, max(1, daysBetween(p.created, last)))).Add(time.Duration(r.between(8, 16)) * time.Hour)
			if err := row(id, p.id, author, pickOf(r, scaleNotes), w.plan.clampTS(at)); err != nil {
				return err
			}
			id++
		}
		return nil
	})
}

func (w *scaleWriter) writeProposals() error {
	cols := []string{"id", "participant_id", "placement_id", "adviser_id", "note", "shared_adaptations", "status", "decline_reason",
		"decided_by", "decided_at", "created_at"}
	total := int64(len(w.plan.agreements) + len(w.plan.extra))
	return w.copyInto("proposals", cols, total, func(row func(...any) error) error {
		for _, a := range w.plan.agreements {
			if err := row(a.proposal, a.p.id, a.pl.id, a.p.adviser, "Motivert, ønsker praktisk arbeid og mer norsk i hverdagen.",
				"", "accepted", "", a.pl.org.employer, a.created, a.proposalCreatedAt); err != nil {
				return err
			}
		}
		for _, x := range w.plan.extra {
			reason, decider := "", int64(0)
			if x.status == "declined" {
				reason, decider = "Vi har ikke kapasitet til å ta imot flere akkurat nå.", x.pl.org.employer
			}
			if err := row(x.id, x.p.id, x.pl.id, x.p.adviser, "Kan dette passe?", "", x.status, reason, nullID(decider),
				nullTS(x.decided), x.created); err != nil {
				return err
			}
		}
		return nil
	})
}

var scaleGoals = [][]string{{"language", "work_experience"}, {"language"}, {"work_experience", "reference"}, {"language", "vocational", "social"}}

func (w *scaleWriter) writeAgreements() error {
	cols := []string{"id", "proposal_id", "participant_id", "placement_id", "organisation_id", "supervisor_name", "supervisor_email",
		"supervisor_phone", "goals", "goals_text", "job_title", "tasks", "start_date", "end_date", "hours_per_week", "days_per_week",
		"follow_up_plan", "follow_up_weeks", "adaptations", "mentor_name", "mentor_phone", "mentor_tasks",
		"employer_approved_by", "employer_approved_at", "consent_by", "consent_at", "consent_mode", "consent_reason",
		"adviser_approved_by", "adviser_approved_at", "first_approved_at", "cancelled_at", "ended_on", "end_reason", "end_note", "seat_held",
		"employer_access_until", "status_seen", "access_expired_at", "created_at", "updated_at",
		"nav_decision", "nav_decided_by", "nav_decided_at", "nav_first_approved_at"}
	today := w.plan.today
	return w.copyInto("agreements", cols, int64(len(w.plan.agreements)), func(row func(...any) error) error {
		for _, a := range w.plan.agreements {
			at := func(days, hour int) *time.Time {
				t := w.plan.clampTS(addDays(a.created, days).Add(time.Duration(hour) * time.Hour))
				return &t
			}
			var empAt, consentAt, advAt *time.Time
			var empBy, consentBy, advBy int64
			var mode, why any
			if a.approvals == 1 || a.approvals == 3 {
				empAt, empBy = at(1, 1), a.pl.org.employer
			}
			if a.approvals >= 2 {
				consentAt, consentBy, mode = at(2, 2), a.p.adviser, "in_person"
				if a.id%5 < 2 {
					mode, why = "on_behalf", db.ConsentReasons[a.id%2]
				}
			}
			if a.approvals == 3 {
				advAt, advBy = at(3, 3), a.p.adviser
			}
			// NAV's measures: NAV approved before the adviser's last
			// approval (the order of issue 14); one awaiting the adviser
			// or NAV has no decision yet.
			var navDecision any
			var navBy int64
			var navAt *time.Time
			if advAt != nil && (a.pl.kind == "arbeidstrening" || a.pl.kind == "lonnstilskudd") {
				navDecision, navBy, navAt = "approved", a.p.nav, at(3, 2)
			}
			var start, end, hours, days any
			if a.status != db.AgreementDraft {
				start, end, hours, days = dateOnly(a.start), dateOnly(a.end), a.hours, a.days
			}
			var reason any
			note := ""
			if a.endReason != "" {
				reason, note = a.endReason, "Avsluttet før tiden."
			}
			var expired *time.Time
			if a.access != nil && a.access.Before(today) {
				t := addDays(*a.access, 1).Add(5 * time.Minute)
				expired = &t
			}
			updated := a.created
			for _, t := range []*time.Time{empAt, consentAt, advAt, a.cancelledAt} {
				if t != nil && t.After(updated) {
					updated = *t
				}
			}
			if err := row(a.id, a.proposal, a.p.id, a.pl.id, a.pl.org.id, a.pl.supName, a.pl.supEmail, a.pl.supPhone,
				pq.Array(scaleGoals[a.id%int64(len(scaleGoals))]), "Øve på muntlig norsk med kolleger og lære rutinene på arbeidsplassen.",
				a.pl.title, a.pl.tasks, start, end, hours, days,
				"Rådgiveren kommer på besøk annenhver uke den første måneden, deretter hver fjerde uke.", w.base.followUpWeeks,
				"Enkle skriftlige instrukser med bilder.", a.pl.supName, a.pl.supPhone, "Viser rutinene og er tilgjengelig for spørsmål.",
				nullID(empBy), nullTS(empAt), nullID(consentBy), nullTS(consentAt), mode, why, nullID(advBy), nullTS(advAt),
				nullTS(advAt), nullTS(a.cancelledAt), nullDay(a.endedOn), reason, note, holdsSeat(a.status), nullDay(a.access), a.status,
				nullTS(expired), a.created, updated, navDecision, nullID(navBy), nullTS(navAt), nullTS(navAt)); err != nil {
				return err
			}
		}
		return nil
	})
}

// holdsSeat is whether an agreement in this status keeps its seat.
func holdsSeat(status string) bool {
	return status == db.AgreementDraft || status == db.AgreementAwaiting || status == db.AgreementReady || status == db.AgreementRunning
}

// writeAttendance logs the planned days as the employer's week form does
// (db.SaveAttendanceWeek): a mark per day and no category of absence,
// which is the adviser's to classify (DOMAIN.md). Mostly present, some
// days absent, mostly with notice (an illness often two or three days in
// a row), by the supervisor's employer account or through a one-click
// link (no account).
func (w *scaleWriter) writeAttendance() error {
	r := newSrand(w.plan.seed, streamAttendance)
	cols := []string{"agreement_id", "day", "present", "hours", "mark", "logged_by", "logged_at"}
	return w.copyInto("attendance", cols, w.plan.attendance, func(row func(...any) error) error {
		for _, a := range w.plan.agreements {
			if a.attendance == 0 {
				continue
			}
			absent := 0.02 + 0.13*r.Float64()*r.Float64()
			hours := min(12, float64(int(a.hours/float64(a.days)*2))/2)
			sick := 0
			for wk := a.start; !wk.After(a.lastLogged); wk = addDays(wk, 7) {
				var by any
				if r.chance(0.7) {
					by = a.pl.org.employer
				}
				logged := w.plan.clampTS(addDays(wk, 4).Add(time.Duration(r.between(12, 19)) * time.Hour))
				for d := 0; d < a.days; d++ {
					dd := addDays(wk, d)
					if dd.After(a.lastLogged) {
						break
					}
					present, h, mark := true, hours, db.MarkPresent
					switch {
					case sick > 0:
						sick--
						present, h, mark = false, 0, db.MarkAbsentNotified
					case r.chance(absent):
						present, h, mark = false, 0, db.MarkAbsentNotNotified
						if r.chance(0.85) { // told the supervisor; ill for a few days, often
							mark = db.MarkAbsentNotified
							if r.chance(0.45) {
								sick = r.between(0, 2)
							}
						}
					}
					if err := row(a.id, dateOnly(dd), present, h, mark, by, logged); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

func (w *scaleWriter) writeEvaluations() error {
	r := newSrand(w.plan.seed, streamEvaluations)
	cols := []string{"id", "agreement_id", "phase", "punctuality", "cooperation", "instructions", "speaking", "comment", "written_by", "created_at"}
	id := w.base.ids["evaluations"]
	rating := func(notObserved float64) any {
		if r.chance(notObserved) {
			return nil
		}
		return 1 + r.weighted(5, 20, 45, 30)
	}
	return w.copyInto("evaluations", cols, w.plan.evaluations, func(row func(...any) error) error {
		for _, a := range w.plan.agreements {
			for i, ph := range a.evalPhases {
				var by any
				if r.chance(0.7) {
					by = a.pl.org.employer
				}
				speaking := 0.05
				if i == 0 {
					speaking = 0.5 // seldom judged in week two
				}
				if err := row(id, a.id, ph.phase, rating(0.02), rating(0.02), rating(0.05), rating(speaking), pickOf(r, scaleComments),
					by, w.plan.clampTS(ph.on.Add(15*time.Hour))); err != nil {
					return err
				}
				id++
			}
		}
		return nil
	})
}

func (w *scaleWriter) writeFollowUps() error {
	r := newSrand(w.plan.seed, streamFollowUps)
	cols := []string{"id", "agreement_id", "held_on", "with_whom", "notes", "written_by", "created_at"}
	id := w.base.ids["follow_ups"]
	notes := []string{"Besøk på arbeidsplassen. Trives, ønsker flere oppgaver med kundekontakt.", "Samtale med veileder: god utvikling, øver mer på muntlig norsk.",
		"Fravær tatt opp; plan for oppfølging avtalt.", "Alt går etter planen."}
	return w.copyInto("follow_ups", cols, w.plan.followUps, func(row func(...any) error) error {
		for _, a := range w.plan.agreements {
			for _, on := range a.followUps {
				with := []string{"participant", "supervisor"}
				if a.p.nav != 0 && r.chance(0.2) {
					with = append(with, "nav")
				}
				if err := row(id, a.id, dateOnly(on), pq.Array(with), pickOf(r, notes), a.p.adviser, w.plan.clampTS(on.Add(15*time.Hour))); err != nil {
					return err
				}
				id++
			}
		}
		return nil
	})
}
