package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// PlanActivityKinds are the kinds of planned activity; labels are
// "plan.activity.<kind>".
var PlanActivityKinds = []string{"norwegian", "social_studies", "placement", "school", "other"}

// ReviewParties are who may take part in a plan review; labels are
// "plan.review.party.<code>".
var ReviewParties = []string{"participant", "adviser", "nav", "interpreter", "teacher", "other"}

// PlanActivity is one planned activity of an integration plan.
type PlanActivity struct {
	Kind        string    `db:"kind" json:"kind"`
	Description string    `db:"description" json:"description"`
	StartsOn    time.Time `db:"starts_on" json:"starts_on"`
	EndsOn      time.Time `db:"ends_on" json:"ends_on"`
}

// IntegrationPlan is a participant's current plan (integreringsplan).
// A goal per skill is nil where the plan has no Norwegian goal.
type IntegrationPlan struct {
	ID             int64      `db:"id"`
	ParticipantID  int64      `db:"participant_id"`
	Version        int        `db:"version"`
	DecidedOn      time.Time  `db:"decided_on"`
	PlanDate       time.Time  `db:"plan_date"`
	RuleID         *int64     `db:"rule_id"`
	OriginalEnd    time.Time  `db:"original_end"`
	GoalCategory   string     `db:"goal_category"`
	GoalSector     string     `db:"goal_sector"`
	GoalListening  *Level     `db:"goal_listening"`
	GoalReading    *Level     `db:"goal_reading"`
	GoalWriting    *Level     `db:"goal_writing"`
	GoalOral       *Level     `db:"goal_oral"`
	NextReviewDue  *time.Time `db:"next_review_due"`
	ConfirmedAt    *time.Time `db:"confirmed_at"`
	ProgrammeStart time.Time  `db:"programme_start"`
	CurrentEnd     time.Time  `db:"current_end"`
	Activities     []PlanActivity
}

// Goal is the plan's Norwegian goal in a skill, nil for none.
func (p IntegrationPlan) Goal(skill string) *Level {
	return bySkill(skill, p.GoalListening, p.GoalReading, p.GoalWriting, p.GoalOral)
}

// HasNorskmal reports whether the plan has a Norwegian goal in any skill:
// progress is then measured against it, else against the sluttmål.
func (p IntegrationPlan) HasNorskmal() bool {
	for _, sk := range Skills {
		if p.Goal(sk) != nil {
			return true
		}
	}
	return false
}

// ErrNoPlan means the participant has no integration plan yet.
var ErrNoPlan = errors.New("db: no integration plan")

// Plan returns a participant's current plan with its activities.
func (s *Store) Plan(ctx context.Context, participantID int64) (IntegrationPlan, error) {
	var p IntegrationPlan
	err := s.DB.GetContext(ctx, &p, `SELECT ip.id, ip.participant_id, ip.version, ip.decided_on, ip.plan_date, ip.rule_id, ip.original_end,
			ip.goal_category, ip.goal_sector, ip.goal_listening, ip.goal_reading, ip.goal_writing, ip.goal_oral,
			ip.next_review_due, ip.confirmed_at, p.programme_start, p.programme_end AS current_end
		FROM integration_plans ip JOIN participants p ON p.id = ip.participant_id WHERE ip.participant_id = $1`, participantID)
	if errors.Is(translate(err), ErrNotFound) {
		return p, ErrNoPlan
	}
	if err != nil {
		return p, fmt.Errorf("db: plan: %w", err)
	}
	if err := s.DB.SelectContext(ctx, &p.Activities, `SELECT kind, description, starts_on, ends_on FROM plan_activities
		WHERE plan_id = $1 ORDER BY starts_on, id`, p.ID); err != nil {
		return p, fmt.Errorf("db: plan activities: %w", err)
	}
	return p, nil
}

// PlanInput is a plan an adviser saves. Goals holds the skills with a
// Norwegian goal; a skill left out has none.
type PlanInput struct {
	DecidedOn, PlanDate      time.Time
	OriginalEnd              time.Time
	GoalCategory, GoalSector string
	Goals                    map[string]Level
	Activities               []PlanActivity
	// Reason says why the plan changed (a review, a correction); kept with
	// the version.
	Reason string
}

// planParticipant is what saving a plan needs of the participant.
type planParticipant struct {
	Regime         string    `db:"regime"`
	Education      string    `db:"education"`
	BirthYear      int       `db:"birth_year"`
	ProgrammeStart time.Time `db:"programme_start"`
}

// validatePlan checks a plan against itself and its rule; the first
// problem is returned as a *FieldError.
func validatePlan(in PlanInput, p planParticipant, r ProgrammeRule) error {
	switch {
	case in.DecidedOn.IsZero():
		return &FieldError{"decided_on", "form.required"}
	case in.PlanDate.IsZero():
		return &FieldError{"plan_date", "form.required"}
	case in.PlanDate.Before(in.DecidedOn):
		return &FieldError{"plan_date", "plan.before_decision"}
	case !oneOf(GoalCategories, in.GoalCategory):
		return &FieldError{"goal_category", "form.choose"}
	case in.GoalCategory == "work_sector" && in.GoalSector == "":
		return &FieldError{"goal_sector", "participant.sector_needed"}
	case !in.OriginalEnd.After(p.ProgrammeStart):
		return &FieldError{"original_end", "participant.end_before_start"}
	case in.OriginalEnd.After(p.ProgrammeStart.AddDate(0, r.MaxMonths, 0)):
		return &FieldError{"original_end", "participant.too_long"}
	case in.OriginalEnd.Before(p.ProgrammeStart.AddDate(0, r.MinMonths, 0)):
		return &FieldError{"original_end", "participant.too_short"}
	case utf8.RuneCountInString(in.Reason) > 500:
		return &FieldError{"reason", "form.too_long"}
	}
	goals := 0
	for _, sk := range Skills {
		l, ok := in.Goals[sk]
		if !ok {
			continue
		}
		if !l.Valid() {
			return &FieldError{"goal_" + sk, "form.choose"}
		}
		if r.Norskmal == NorskmalNone {
			return &FieldError{"goal_" + sk, "plan.no_norskmal"}
		}
		goals++
	}
	if goals == 0 && r.Norskmal == NorskmalRequired {
		return &FieldError{"goal_listening", "plan.norskmal_required"}
	}
	for i, a := range in.Activities {
		field := fmt.Sprintf("activity_%d", i)
		switch {
		case !oneOf(PlanActivityKinds, a.Kind):
			return &FieldError{field + "_kind", "form.choose"}
		case a.StartsOn.IsZero() || a.EndsOn.IsZero():
			return &FieldError{field + "_starts_on", "form.required"}
		case a.EndsOn.Before(a.StartsOn):
			return &FieldError{field + "_ends_on", "plan.activity_end_before_start"}
		case utf8.RuneCountInString(a.Description) > 500:
			return &FieldError{field + "_description", "form.too_long"}
		}
	}
	return nil
}

// SavePlan saves a participant's plan as a new version (an adviser of
// their caseload), in one transaction: it reads the rule in force on the
// plan's date for the participant (an expired rule or none refuses the
// plan), checks the plan against it (the end within the rule's range, a
// Norwegian goal only where the rule allows one, one where it requires
// it), replaces the activities, keeps the version whole, moves the
// programme's current end and audits. Bad input is a *FieldError and
// changes nothing; another adviser's participant is ErrNotFound.
func (s *Store) SavePlan(ctx context.Context, participantID, adviserID int64, in PlanInput, ip string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := savePlan(ctx, tx, participantID, adviserID, in); err != nil {
			return err
		}
		return audit(ctx, tx, adviserID, "participant.plan", "participant", participantID, ip)
	})
}

// savePlan is SavePlan inside a transaction the caller holds, which
// audits: the registration form creates version 1 as part of registering
// (one audit row for the one use case).
func savePlan(ctx context.Context, tx *sqlx.Tx, participantID, adviserID int64, in PlanInput) error {
	in.DecidedOn, in.PlanDate, in.OriginalEnd = civilDay(in.DecidedOn), civilDay(in.PlanDate), civilDay(in.OriginalEnd)
	var p planParticipant
	if err := tx.GetContext(ctx, &p, `SELECT regime, education, birth_year, programme_start FROM participants
		WHERE id = $1 AND adviser_id = $2 FOR UPDATE`, participantID, adviserID); err != nil {
		return translate(err)
	}
	r, err := ruleAt(ctx, tx, RuleQuery{Regime: p.Regime, Education: p.Education, GoalCategory: in.GoalCategory,
		BirthYear: p.BirthYear, On: in.PlanDate})
	switch {
	case errors.Is(err, ErrRuleExpired):
		return &FieldError{"plan_date", "plan.rule_expired"}
	case errors.Is(err, ErrNotFound):
		return &FieldError{"plan_date", "plan.no_rule"}
	case err != nil:
		return err
	}
	if err := validatePlan(in, p, r); err != nil {
		return err
	}
	goal := func(sk string) any {
		if l, ok := in.Goals[sk]; ok {
			return string(l)
		}
		return nil
	}
	var interval int
	if err := tx.GetContext(ctx, &interval, `SELECT review_interval_months FROM measure_rules
		WHERE valid_from <= $1::date ORDER BY valid_from DESC LIMIT 1`, dateOnly(in.PlanDate)); err != nil {
		return fmt.Errorf("db: measure rule: %w", translate(err))
	}
	var planID int64
	err = tx.GetContext(ctx, &planID, `INSERT INTO integration_plans (participant_id, decided_on, plan_date, rule_id, original_end,
			goal_category, goal_sector, goal_listening, goal_reading, goal_writing, goal_oral, next_review_due, confirmed_at, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, ($3::date + make_interval(months => $12))::date, now(), $13)
		ON CONFLICT (participant_id) DO UPDATE SET version = integration_plans.version + 1, decided_on = EXCLUDED.decided_on,
			plan_date = EXCLUDED.plan_date, rule_id = EXCLUDED.rule_id, original_end = EXCLUDED.original_end,
			goal_category = EXCLUDED.goal_category, goal_sector = EXCLUDED.goal_sector,
			goal_listening = EXCLUDED.goal_listening, goal_reading = EXCLUDED.goal_reading,
			goal_writing = EXCLUDED.goal_writing, goal_oral = EXCLUDED.goal_oral,
			next_review_due = coalesce(integration_plans.next_review_due, EXCLUDED.next_review_due),
			confirmed_at = now(), updated_by = EXCLUDED.updated_by, updated_at = now()
		RETURNING id`,
		participantID, dateOnly(in.DecidedOn), dateOnly(in.PlanDate), r.ID, dateOnly(in.OriginalEnd), in.GoalCategory, in.GoalSector,
		goal("listening"), goal("reading"), goal("writing"), goal("oral"), interval, adviserID)
	if err != nil {
		return fmt.Errorf("db: save plan: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM plan_activities WHERE plan_id = $1`, planID); err != nil {
		return fmt.Errorf("db: save plan activities: %w", err)
	}
	for _, a := range in.Activities {
		if _, err := tx.ExecContext(ctx, `INSERT INTO plan_activities (plan_id, kind, description, starts_on, ends_on)
			VALUES ($1, $2, $3, $4, $5)`, planID, a.Kind, strings.TrimSpace(a.Description), dateOnly(a.StartsOn), dateOnly(a.EndsOn)); err != nil {
			return fmt.Errorf("db: save plan activities: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, planVersionInsert, planID, strings.TrimSpace(in.Reason), adviserID); err != nil {
		return fmt.Errorf("db: keep plan version: %w", err)
	}
	// The sluttmål is also on the participant (read there until phase 2
	// moves its readers to the plan).
	if _, err := tx.ExecContext(ctx, `UPDATE participants SET goal_category = $2, goal_sector = $3, updated_at = now() WHERE id = $1`,
		participantID, in.GoalCategory, in.GoalSector); err != nil {
		return fmt.Errorf("db: save plan: %w", err)
	}
	if err := updateCurrentEnd(ctx, tx, participantID); err != nil {
		return err
	}
	return nil
}

// planVersionInsert keeps the plan ($1) as it now is, activities
// included, under its version number; $2 the reason, $3 who saved it.
const planVersionInsert = `INSERT INTO integration_plan_versions (plan_id, version, content, reason, saved_by)
	SELECT ip.id, ip.version, jsonb_build_object('decided_on', ip.decided_on, 'plan_date', ip.plan_date, 'rule_id', ip.rule_id,
		'original_end', ip.original_end, 'goal_category', ip.goal_category, 'goal_sector', ip.goal_sector,
		'goals', jsonb_build_object('listening', ip.goal_listening, 'reading', ip.goal_reading, 'writing', ip.goal_writing, 'oral', ip.goal_oral),
		'activities', coalesce((SELECT jsonb_agg(jsonb_build_object('kind', a.kind, 'description', a.description,
			'starts_on', a.starts_on, 'ends_on', a.ends_on) ORDER BY a.starts_on, a.id) FROM plan_activities a WHERE a.plan_id = ip.id), '[]'::jsonb)),
		$2, $3
	FROM integration_plans ip WHERE ip.id = $1`

// PlanVersion is one kept version of a plan; Content is its JSON.
type PlanVersion struct {
	Version int       `db:"version"`
	Content string    `db:"content"`
	Reason  string    `db:"reason"`
	SavedBy *int64    `db:"saved_by"`
	SavedAt time.Time `db:"saved_at"`
}

// PlanVersions lists every version of a participant's plan, oldest first.
func (s *Store) PlanVersions(ctx context.Context, participantID int64) ([]PlanVersion, error) {
	var out []PlanVersion
	err := s.DB.SelectContext(ctx, &out, `SELECT v.version, v.content::text AS content, v.reason, v.saved_by, v.saved_at
		FROM integration_plan_versions v JOIN integration_plans ip ON ip.id = v.plan_id
		WHERE ip.participant_id = $1 ORDER BY v.version`, participantID)
	if err != nil {
		return nil, fmt.Errorf("db: plan versions: %w", err)
	}
	return out, nil
}

// ReviewInput is a plan review an adviser records. NextDue nil: the
// cadence of the measure rule in force (6 months by default).
type ReviewInput struct {
	HeldOn   time.Time
	TookPart []string
	Changes  string
	NextDue  *time.Time
}

// PlanReview is a recorded plan review.
type PlanReview struct {
	ID            int64     `db:"id"`
	HeldOn        time.Time `db:"held_on"`
	TookPart      []string  `db:"-"`
	TookPartText  string    `db:"took_part"`
	Changes       string    `db:"changes"`
	NextReviewDue time.Time `db:"next_review_due"`
	WrittenBy     int64     `db:"written_by"`
}

// RecordPlanReview records a review of a participant's plan (an adviser
// of their caseload) and sets when the next is due, audited, in one
// transaction. Refused (*FieldError): no one named, a review before the
// plan's date or in the future, a next review not after it.
func (s *Store) RecordPlanReview(ctx context.Context, participantID, adviserID int64, in ReviewInput, ip string) (int64, error) {
	in.HeldOn = civilDay(in.HeldOn)
	switch {
	case in.HeldOn.IsZero():
		return 0, &FieldError{"held_on", "form.required"}
	case in.HeldOn.After(s.Today()):
		return 0, &FieldError{"held_on", "plan.review_in_future"}
	case len(in.TookPart) == 0:
		return 0, &FieldError{"took_part", "form.required"}
	case utf8.RuneCountInString(in.Changes) > 4000:
		return 0, &FieldError{"changes", "form.too_long"}
	case in.NextDue != nil && !civilDay(*in.NextDue).After(in.HeldOn):
		return 0, &FieldError{"next_review_due", "plan.next_review_before"}
	}
	for _, w := range in.TookPart {
		if !oneOf(ReviewParties, w) {
			return 0, &FieldError{"took_part", "form.choose"}
		}
	}
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var plan struct {
			ID       int64     `db:"id"`
			PlanDate time.Time `db:"plan_date"`
		}
		if err := tx.GetContext(ctx, &plan, `SELECT ip.id, ip.plan_date FROM integration_plans ip
			JOIN participants p ON p.id = ip.participant_id
			WHERE ip.participant_id = $1 AND p.adviser_id = $2 FOR UPDATE OF ip`, participantID, adviserID); err != nil {
			return translate(err)
		}
		if in.HeldOn.Before(plan.PlanDate) {
			return &FieldError{"held_on", "plan.review_before_plan"}
		}
		var next any
		if in.NextDue != nil {
			next = dateOnly(*in.NextDue)
		}
		if err := tx.GetContext(ctx, &id, `INSERT INTO plan_reviews (plan_id, held_on, took_part, changes, next_review_due, written_by)
			SELECT $1, $2::date, $3, $4, coalesce($5::date, ($2::date + make_interval(months => mr.review_interval_months))::date), $6
			FROM (SELECT review_interval_months FROM measure_rules WHERE valid_from <= $2::date ORDER BY valid_from DESC LIMIT 1) mr
			RETURNING id`, plan.ID, dateOnly(in.HeldOn), pqArray(in.TookPart), strings.TrimSpace(in.Changes), next, adviserID); err != nil {
			return fmt.Errorf("db: plan review: %w", translate(err))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE integration_plans SET next_review_due = r.next_review_due, updated_at = now()
			FROM plan_reviews r WHERE r.id = $2 AND integration_plans.id = $1`, plan.ID, id); err != nil {
			return fmt.Errorf("db: plan review: %w", err)
		}
		return audit(ctx, tx, adviserID, "participant.plan_review", "participant", participantID, ip)
	})
	return id, err
}

// PlanReviews lists the reviews of a participant's plan, newest first.
func (s *Store) PlanReviews(ctx context.Context, participantID int64) ([]PlanReview, error) {
	var out []PlanReview
	err := s.DB.SelectContext(ctx, &out, `SELECT r.id, r.held_on, array_to_string(r.took_part, ',') AS took_part, r.changes,
			r.next_review_due, r.written_by
		FROM plan_reviews r JOIN integration_plans ip ON ip.id = r.plan_id
		WHERE ip.participant_id = $1 ORDER BY r.held_on DESC, r.id DESC`, participantID)
	if err != nil {
		return nil, fmt.Errorf("db: plan reviews: %w", err)
	}
	for i := range out {
		out[i].TookPart = strings.Split(out[i].TookPartText, ",")
	}
	return out, nil
}

// ReviewDue is a participant whose plan review is due.
type ReviewDue struct {
	ParticipantID int64     `db:"participant_id"`
	AdviserID     int64     `db:"adviser_id"`
	FirstName     string    `db:"first_name"`
	DueOn         time.Time `db:"next_review_due"`
}

// PlanReviewsDue lists the active participants whose plan review is due
// on or before day, the longest overdue first: the reminder rule "plan
// review due" and the caseload's marker read it (phase 2).
func (s *Store) PlanReviewsDue(ctx context.Context, day time.Time) ([]ReviewDue, error) {
	var out []ReviewDue
	err := s.DB.SelectContext(ctx, &out, `SELECT p.id AS participant_id, p.adviser_id, p.first_name, ip.next_review_due
		FROM integration_plans ip JOIN participants p ON p.id = ip.participant_id
		WHERE ip.next_review_due <= $1::date AND p.status = 'active'
		ORDER BY ip.next_review_due, p.id`, dateOnly(day))
	if err != nil {
		return nil, fmt.Errorf("db: plan reviews due: %w", err)
	}
	return out, nil
}
