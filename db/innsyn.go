package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Innsyn is everything Praksis holds about a participant (GDPR art. 15),
// gathered from one snapshot of the database. Each section is a JSON
// array (the person an object) of rows with their column names, so the
// whole serialises to the machine-readable answer as it is and the HTML
// document renders each section as a table. Other people's data is left
// out: no recipient of a mail, no IP address, no e-mail or phone of staff.
type Innsyn struct {
	ParticipantID int64     `json:"participant_id"`
	ProducedAt    time.Time `json:"produced_at"`
	// The person and their plan (regime, dates, goals, norskmål).
	Person json.RawMessage `json:"person"`
	// The integration plan: its dates and goals, activities, reviews,
	// leave and extensions.
	Plan           json.RawMessage `json:"plan"`
	PlanActivities json.RawMessage `json:"plan_activities"`
	PlanReviews    json.RawMessage `json:"plan_reviews"`
	Leave          json.RawMessage `json:"leave"`
	Extensions     json.RawMessage `json:"extensions"`
	Results        json.RawMessage `json:"results"`
	Outcomes       json.RawMessage `json:"outcomes"`
	Notes          json.RawMessage `json:"notes"`
	Consents       json.RawMessage `json:"consents"`
	Proposals      json.RawMessage `json:"proposals"`
	Agreements     json.RawMessage `json:"agreements"`
	FollowUps      json.RawMessage `json:"follow_ups"`
	Attendance     json.RawMessage `json:"attendance"`
	Absences       json.RawMessage `json:"absence_classifications"`
	Evaluations    json.RawMessage `json:"evaluations"`
	Mails          json.RawMessage `json:"mails"`
	// Who read or changed the record, and when (the audit log).
	AccessLog json.RawMessage `json:"access_log"`
}

// innsynSections are the queries, each yielding one JSON value with $1
// the participant. Explicit columns: a new column is added here on
// purpose, not leaked by accident.
var innsynSections = []struct {
	name string
	q    string
}{
	{"person", `SELECT row_to_json(t) FROM (SELECT p.id, p.first_name, p.last_name, p.birth_year, p.phone, p.languages, p.education,
		p.regime, p.programme_start, p.programme_end, p.programme_hours, p.goal_category, p.goal_sector, p.goal_listening, p.goal_reading,
		p.goal_writing, p.goal_oral, p.protection, p.municipality, p.address, p.sick_child_quota, p.status, p.created_at, p.updated_at,
		a.name AS adviser, n.name AS nav_contact
		FROM participants p JOIN users a ON a.id = p.adviser_id LEFT JOIN users n ON n.id = p.nav_contact_id WHERE p.id = $1) t`},
	{"plan", `SELECT coalesce(json_agg(t), '[]') FROM (SELECT ip.version, ip.decided_on, ip.plan_date, ip.original_end,
		ip.goal_category, ip.goal_sector, ip.goal_listening, ip.goal_reading, ip.goal_writing, ip.goal_oral, ip.next_review_due,
		ip.confirmed_at, ip.updated_at FROM integration_plans ip WHERE ip.participant_id = $1) t`},
	{"plan_activities", `SELECT coalesce(json_agg(t ORDER BY t.starts_on, t.ends_on), '[]') FROM (SELECT a.kind, a.description,
		a.starts_on, a.ends_on FROM plan_activities a JOIN integration_plans ip ON ip.id = a.plan_id WHERE ip.participant_id = $1) t`},
	{"plan_reviews", `SELECT coalesce(json_agg(t ORDER BY t.held_on), '[]') FROM (SELECT r.held_on, r.took_part, r.changes,
		r.next_review_due, u.name AS written_by FROM plan_reviews r JOIN integration_plans ip ON ip.id = r.plan_id
		JOIN users u ON u.id = r.written_by WHERE ip.participant_id = $1) t`},
	{"leave", `SELECT coalesce(json_agg(t ORDER BY t.from_date), '[]') FROM (SELECT kind, from_date, to_date, decided_on, note
		FROM programme_leave WHERE participant_id = $1) t`},
	{"extensions", `SELECT coalesce(json_agg(t ORDER BY t.decided_on), '[]') FROM (SELECT decided_on, months, reason
		FROM programme_extensions WHERE participant_id = $1) t`},
	{"results", `SELECT coalesce(json_agg(t ORDER BY t.taken_on, t.skill), '[]') FROM (SELECT skill, level, taken_on, source, created_at
		FROM language_results WHERE participant_id = $1) t`},
	{"outcomes", `SELECT coalesce(json_agg(t ORDER BY t.from_date), '[]') FROM (SELECT kind, from_date, employer, note, created_at
		FROM outcomes WHERE participant_id = $1) t`},
	{"notes", `SELECT coalesce(json_agg(t ORDER BY t.created_at), '[]') FROM (SELECT n.body, n.created_at, u.name AS author
		FROM participant_notes n JOIN users u ON u.id = n.author_id WHERE n.participant_id = $1) t`},
	{"consents", `SELECT coalesce(json_agg(t ORDER BY t.given_at), '[]') FROM (SELECT o.name AS organisation, c.items, c.adaptations,
		c.given_how, c.on_behalf_reason, c.reason_note, c.given_at, u.name AS given_by, c.withdrawn_at
		FROM consents c JOIN organisations o ON o.id = c.organisation_id LEFT JOIN users u ON u.id = c.given_by
		WHERE c.participant_id = $1) t`},
	{"proposals", `SELECT coalesce(json_agg(t ORDER BY t.created_at), '[]') FROM (SELECT pl.title AS placement, o.name AS organisation,
		pr.status, pr.note, pr.shared_adaptations, pr.decline_reason, pr.created_at, pr.decided_at
		FROM proposals pr JOIN placements pl ON pl.id = pr.placement_id JOIN organisations o ON o.id = pl.organisation_id
		WHERE pr.participant_id = $1) t`},
	{"agreements", `SELECT coalesce(json_agg(t ORDER BY t.created_at), '[]') FROM (SELECT ag.id, o.name AS organisation,
		pl.title AS placement, agreement_status(ag, oslo_today()) AS status, ag.job_title, ag.tasks, ag.goals, ag.goals_text,
		ag.start_date, ag.end_date, ag.hours_per_week, ag.days_per_week, ag.follow_up_plan, ag.adaptations, ag.supervisor_name,
		ag.mentor_name, ag.employer_approved_at, ag.consent_at, ag.consent_mode, ag.consent_reason, ag.consent_note,
		ag.adviser_approved_at, ag.cancelled_at, ag.ended_on, ag.end_reason, ag.end_note, ag.employer_access_until, ag.created_at
		FROM agreements ag JOIN placements pl ON pl.id = ag.placement_id JOIN organisations o ON o.id = ag.organisation_id
		WHERE ag.participant_id = $1) t`},
	{"follow_ups", `SELECT coalesce(json_agg(t ORDER BY t.held_on), '[]') FROM (SELECT f.agreement_id, f.held_on, f.with_whom, f.notes,
		u.name AS written_by FROM follow_ups f JOIN agreements ag ON ag.id = f.agreement_id JOIN users u ON u.id = f.written_by
		WHERE ag.participant_id = $1) t`},
	{"attendance", `SELECT coalesce(json_agg(t ORDER BY t.day, t.agreement_id), '[]') FROM (SELECT at.agreement_id, at.day,
		coalesce(at.mark, CASE WHEN at.present THEN 'present' ELSE 'absent' END) AS reported, at.hours,
		at.absence AS proposed_by_employer FROM attendance at JOIN agreements ag ON ag.id = at.agreement_id WHERE ag.participant_id = $1) t`},
	{"absences", `SELECT coalesce(json_agg(t ORDER BY t.day), '[]') FROM (SELECT c.day, c.classification, c.note, c.classified_at,
		u.name AS classified_by FROM absence_classifications c JOIN users u ON u.id = c.classified_by WHERE c.participant_id = $1) t`},
	{"evaluations", `SELECT coalesce(json_agg(t ORDER BY t.created_at), '[]') FROM (SELECT e.agreement_id, e.phase, e.punctuality,
		e.cooperation, e.instructions, e.speaking, e.comment, e.created_at FROM evaluations e JOIN agreements ag ON ag.id = e.agreement_id
		WHERE ag.participant_id = $1) t`},
	// Mails about the person, or about several people of whom they are
	// one (a digest): the type, subject and dates, never the recipient or
	// the body (a digest's body is about others too).
	{"mails", `SELECT coalesce(json_agg(t ORDER BY t.created_at), '[]') FROM (SELECT u.template, u.subject, u.status, u.created_at, u.sent_at
		FROM (SELECT id, template, subject, status, created_at, sent_at FROM outbox WHERE participant_id = $1
			UNION SELECT o.id, o.template, o.subject, o.status, o.created_at, o.sent_at
			FROM outbox_participants op JOIN outbox o ON o.id = op.outbox_id WHERE op.participant_id = $1) u) t`},
	{"access_log", `SELECT coalesce(json_agg(t ORDER BY t.at, t.id), '[]') FROM (SELECT l.id, l.at, l.action, l.entity, l.entity_id,
		u.name AS actor, u.role AS actor_role
		FROM audit_log l LEFT JOIN users u ON u.id = l.actor_id
		WHERE (l.entity = 'participant' AND l.entity_id = $1)
		   OR (l.entity = 'agreement' AND l.entity_id IN (SELECT id FROM agreements WHERE participant_id = $1))) t`},
}

// Innsyn gathers everything held about a participant for their adviser
// (or an admin: actor), audited as participant.innsyn in the same
// transaction. ErrNotFound for an unknown or anonymised participant.
func (s *Store) Innsyn(ctx context.Context, participantID, actorID int64, ip string) (Innsyn, error) {
	var out Innsyn
	// One snapshot for every section: the answer is consistent.
	err := s.inTxOpts(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead}, func(tx *sqlx.Tx) error {
		var err error
		if out, err = gatherInnsyn(ctx, tx, participantID, s.Now()); err != nil {
			return err
		}
		return audit(ctx, tx, actorID, "participant.innsyn", "participant", participantID, ip)
	})
	return out, err
}

// ArchiveInnsyn gathers what the archive bundle of a participant is made
// from, in the retention run's transaction (the bundle's own audit row
// is SaveArchiveBundle's). ErrNotFound for an anonymised participant.
func (t *JobTx) ArchiveInnsyn(ctx context.Context, participantID int64, now time.Time) (Innsyn, error) {
	return gatherInnsyn(ctx, t.tx, participantID, now)
}

// gatherInnsyn reads every section of a participant with q.
func gatherInnsyn(ctx context.Context, q sqlx.QueryerContext, participantID int64, now time.Time) (Innsyn, error) {
	out := Innsyn{ParticipantID: participantID, ProducedAt: now}
	dest := map[string]*json.RawMessage{"person": &out.Person, "plan": &out.Plan, "plan_activities": &out.PlanActivities,
		"plan_reviews": &out.PlanReviews, "leave": &out.Leave, "extensions": &out.Extensions, "results": &out.Results,
		"outcomes": &out.Outcomes, "notes": &out.Notes, "consents": &out.Consents, "proposals": &out.Proposals,
		"agreements": &out.Agreements, "follow_ups": &out.FollowUps, "attendance": &out.Attendance, "absences": &out.Absences,
		"evaluations": &out.Evaluations, "mails": &out.Mails, "access_log": &out.AccessLog}
	var live bool
	if err := sqlx.GetContext(ctx, q, &live, `SELECT anonymised_at IS NULL FROM participants WHERE id = $1`, participantID); err != nil {
		return out, translate(err)
	}
	if !live {
		return out, ErrNotFound
	}
	for _, sec := range innsynSections {
		var b []byte
		if err := q.QueryRowxContext(ctx, sec.q, participantID).Scan(&b); err != nil {
			return out, fmt.Errorf("db: innsyn %s: %w", sec.name, err)
		}
		*dest[sec.name] = b
	}
	return out, nil
}
