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

// ProgrammeRule is how long a programme under a regime may last, for whom
// and when (a programme_rules row, migrations 00004 and 00016).
type ProgrammeRule struct {
	ID              int64      `db:"id"`
	Regime          string     `db:"regime"`
	Track           string     `db:"track"`
	GoalCategory    *string    `db:"goal_category"`
	MinAge          *int       `db:"min_age"`
	MaxAge          *int       `db:"max_age"`
	MinMonths       int        `db:"min_months"`
	MaxMonths       int        `db:"max_months"`
	ExtensionMonths int        `db:"extension_months"`
	ValidFrom       time.Time  `db:"valid_from"`
	ValidTo         *time.Time `db:"valid_to"`
	LeaveExtends    bool       `db:"leave_extends"`
	Norskmal        string     `db:"norskmal"`
	Source          string     `db:"source"`
	Confirm         bool       `db:"confirm"`
	// Expired: the row's valid_to is before the day it was asked for.
	Expired bool `db:"expired"`
}

// Rule tracks: integreringsloven § 13 (upper secondary education or
// higher) and § 14 (without it); the other regimes have one track.
const (
	TrackAny = "any"
	TrackS13 = "s13"
	TrackS14 = "s14"
)

// Whether a plan has a Norwegian goal, by its rule (programme_rules.norskmal).
const (
	NorskmalRequired = "required"
	NorskmalOptional = "optional"
	NorskmalNone     = "none"
)

// ErrRuleExpired means the rule that would apply ended before the day
// asked for (kap. 6A past its valid_to): it is reported, never applied.
var ErrRuleExpired = errors.New("db: the programme rule has expired")

// ProgrammeTrack is the rule track of a participant: under
// integreringsloven § 13 with upper secondary education or higher, § 14
// without; 'any' under the other regimes.
func ProgrammeTrack(regime, education string) string {
	if regime != RegimeIntegration {
		return TrackAny
	}
	if education == "upper_secondary" || education == "higher" {
		return TrackS13
	}
	return TrackS14
}

const programmeRuleColumns = `r.id, r.regime, r.track, r.goal_category, r.min_age, r.max_age, r.min_months, r.max_months,
	r.extension_months, r.valid_from, r.valid_to, r.leave_extends, r.norskmal, r.source, r.confirm`

// ProgrammeRuleFor returns the regime-wide rule (track 'any', every age)
// for a regime on a date: the envelope the registration form checks.
// A rule whose valid_to has passed is returned with Expired set, so the
// caller can say so.
func (s *Store) ProgrammeRuleFor(ctx context.Context, regime string, on time.Time) (ProgrammeRule, error) {
	var r ProgrammeRule
	err := s.DB.GetContext(ctx, &r, `SELECT `+programmeRuleColumns+`, coalesce(r.valid_to < $2::date, false) AS expired
		FROM programme_rules r WHERE r.regime = $1 AND r.track = 'any' AND r.goal_category IS NULL AND r.valid_from <= $2::date
		ORDER BY r.valid_from DESC, r.id DESC LIMIT 1`, regime, dateOnly(on))
	return r, translate(err)
}

// RuleQuery is who a programme rule is looked up for, and on which day
// (the plan's date).
type RuleQuery struct {
	Regime       string
	Education    string
	GoalCategory string
	BirthYear    int
	On           time.Time
}

// ruleAtSQL picks the most specific row for a participant on a day: its
// track before 'any', a row for its sluttmål before one for every
// sluttmål, then the newest. Age is counted in whole years from the birth
// year (the only birth data Praksis keeps).
const ruleAtSQL = `SELECT ` + programmeRuleColumns + `, coalesce(r.valid_to < $5::date, false) AS expired
	FROM programme_rules r
	WHERE r.regime = $1 AND r.track IN ($2, 'any') AND (r.goal_category IS NULL OR r.goal_category = $3)
	  AND (r.min_age IS NULL OR $4 >= r.min_age) AND (r.max_age IS NULL OR $4 <= r.max_age)
	  AND r.valid_from <= $5::date
	ORDER BY (r.track <> 'any') DESC, (r.goal_category IS NOT NULL) DESC, r.valid_from DESC, r.id DESC LIMIT 1`

// ruleAt runs ruleAtSQL on q (the pool or a transaction).
func ruleAt(ctx context.Context, q sqlx.QueryerContext, in RuleQuery) (ProgrammeRule, error) {
	var r ProgrammeRule
	age := in.On.Year() - in.BirthYear
	err := sqlx.GetContext(ctx, q, &r, ruleAtSQL, in.Regime, ProgrammeTrack(in.Regime, in.Education), in.GoalCategory, age, dateOnly(in.On))
	if err != nil {
		return r, translate(err)
	}
	if r.Expired {
		return r, ErrRuleExpired
	}
	return r, nil
}

// ProgrammeRuleAt returns the rule in force on a day for a participant's
// attributes. ErrNotFound: no rule covers them (an age outside the
// programme's, a regime without rows yet). ErrRuleExpired, with the rule:
// the row that would apply has ended; the caller shows it as expired and
// applies nothing.
func (s *Store) ProgrammeRuleAt(ctx context.Context, in RuleQuery) (ProgrammeRule, error) {
	return ruleAt(ctx, s.DB, in)
}

// ProgrammeRules lists every rule row, by regime, track and date, each
// marked expired as of today: the admin's page.
func (s *Store) ProgrammeRules(ctx context.Context) ([]ProgrammeRule, error) {
	var out []ProgrammeRule
	err := s.DB.SelectContext(ctx, &out, `SELECT `+programmeRuleColumns+`, coalesce(r.valid_to < $1::date, false) AS expired
		FROM programme_rules r ORDER BY r.regime, r.track, r.goal_category NULLS FIRST, r.valid_from`, dateOnly(s.Today()))
	if err != nil {
		return nil, fmt.Errorf("db: programme rules: %w", err)
	}
	return out, nil
}

// RuleInput is a new dated rule row an admin adds.
type RuleInput struct {
	Regime, Track   string
	GoalCategory    string // "" for every sluttmål
	MinAge, MaxAge  *int
	MinMonths       int
	MaxMonths       int
	ExtensionMonths int
	ValidFrom       time.Time
	ValidTo         *time.Time
	LeaveExtends    bool
	Norskmal        string
	Source          string
}

// validate checks a rule on its own; the first problem is returned.
func (in RuleInput) validate() error {
	switch {
	case !oneOf(Regimes, in.Regime):
		return &FieldError{"regime", "form.choose"}
	case !oneOf([]string{TrackAny, TrackS13, TrackS14}, in.Track):
		return &FieldError{"track", "form.choose"}
	case in.Track != TrackAny && in.Regime != RegimeIntegration:
		return &FieldError{"track", "rule.track_regime"}
	case in.GoalCategory != "" && !oneOf(GoalCategories, in.GoalCategory):
		return &FieldError{"goal_category", "form.choose"}
	case in.MinAge != nil && (*in.MinAge < 0 || *in.MinAge > 120), in.MaxAge != nil && (*in.MaxAge < 0 || *in.MaxAge > 120):
		return &FieldError{"min_age", "rule.age_range"}
	case in.MinAge != nil && in.MaxAge != nil && *in.MinAge > *in.MaxAge:
		return &FieldError{"max_age", "rule.age_range"}
	case in.MinMonths < 1 || in.MinMonths > 120:
		return &FieldError{"min_months", "rule.months_range"}
	case in.MaxMonths < in.MinMonths || in.MaxMonths > 120:
		return &FieldError{"max_months", "rule.months_range"}
	case in.ExtensionMonths < 0 || in.ExtensionMonths > 36:
		return &FieldError{"extension_months", "rule.months_range"}
	case in.ValidFrom.IsZero():
		return &FieldError{"valid_from", "form.required"}
	case in.ValidTo != nil && in.ValidTo.Before(in.ValidFrom):
		return &FieldError{"valid_to", "rule.to_before_from"}
	case !oneOf([]string{NorskmalRequired, NorskmalOptional, NorskmalNone}, in.Norskmal):
		return &FieldError{"norskmal", "form.choose"}
	case strings.TrimSpace(in.Source) == "":
		return &FieldError{"source", "form.required"}
	case utf8.RuneCountInString(in.Source) > 500:
		return &FieldError{"source", "form.too_long"}
	}
	return nil
}

// sameKeySQL matches the rows of the same key as the new one ($1–$5).
const sameKeySQL = `regime = $1 AND track = $2 AND coalesce(goal_category, '') = $3
	AND coalesce(min_age, -1) = coalesce($4::int, -1) AND coalesce(max_age, -1) = coalesce($5::int, -1)`

// AddProgrammeRule adds a dated rule row (an admin), validated, and
// audits it. A row of the same key that is open (no valid_to) and starts
// earlier ends the day before the new one starts ("from this day the rule
// is …", audited too); any other overlap with a row of the same key is
// refused. The table is locked against other writers for the check (rule
// changes are rare), so two admins cannot add overlapping rows at once.
func (s *Store) AddProgrammeRule(ctx context.Context, actorID int64, in RuleInput, ip string) (int64, error) {
	if err := in.validate(); err != nil {
		return 0, err
	}
	in.ValidFrom = civilDay(in.ValidFrom)
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `LOCK TABLE programme_rules IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("db: lock programme rules: %w", err)
		}
		key := []any{in.Regime, in.Track, in.GoalCategory, in.MinAge, in.MaxAge}
		var closing []int64
		if err := tx.SelectContext(ctx, &closing, `SELECT id FROM programme_rules WHERE `+sameKeySQL+`
			AND valid_to IS NULL AND valid_from < $6::date`, append(key, dateOnly(in.ValidFrom))...); err != nil {
			return fmt.Errorf("db: add programme rule: %w", err)
		}
		for _, c := range closing {
			if _, err := tx.ExecContext(ctx, `UPDATE programme_rules SET valid_to = $2::date - 1 WHERE id = $1`, c, dateOnly(in.ValidFrom)); err != nil {
				return fmt.Errorf("db: close programme rule: %w", err)
			}
			if err := audit(ctx, tx, actorID, "programme_rule.close", "programme_rule", c, ip); err != nil {
				return err
			}
		}
		var to any
		if in.ValidTo != nil {
			to = dateOnly(*in.ValidTo)
		}
		var overlap bool
		if err := tx.GetContext(ctx, &overlap, `SELECT EXISTS (SELECT 1 FROM programme_rules WHERE `+sameKeySQL+`
			AND daterange(valid_from, valid_to, '[]') && daterange($6::date, $7::date, '[]'))`,
			append(key, dateOnly(in.ValidFrom), to)...); err != nil {
			return fmt.Errorf("db: add programme rule: %w", err)
		}
		if overlap {
			return &FieldError{"valid_from", "rule.overlap"}
		}
		var goal any
		if in.GoalCategory != "" {
			goal = in.GoalCategory
		}
		// confirm: a row an admin adds is the municipality's own decision.
		if err := tx.GetContext(ctx, &id, `INSERT INTO programme_rules (regime, track, goal_category, min_age, max_age, min_months,
				max_months, extension_months, valid_from, valid_to, leave_extends, norskmal, source, confirm, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, false, $14) RETURNING id`,
			in.Regime, in.Track, goal, in.MinAge, in.MaxAge, in.MinMonths, in.MaxMonths, in.ExtensionMonths,
			dateOnly(in.ValidFrom), to, in.LeaveExtends, in.Norskmal, strings.TrimSpace(in.Source), actorID); err != nil {
			return fmt.Errorf("db: add programme rule: %w", translate(err))
		}
		return audit(ctx, tx, actorID, "programme_rule.create", "programme_rule", id, ip)
	})
	return id, err
}

// RulePreview is a participant a new rule row would apply to: their plan
// falls in its dates and they match its key. Outside: their programme's
// planned length is outside the new row's range (with its extension).
type RulePreview struct {
	ParticipantID int64     `db:"participant_id"`
	FirstName     string    `db:"first_name"`
	LastName      string    `db:"last_name"`
	PlanDate      time.Time `db:"plan_date"`
	OriginalEnd   time.Time `db:"original_end"`
	CurrentRuleID *int64    `db:"rule_id"`
	Outside       bool      `db:"outside"`
}

// PreviewProgrammeRule lists whom a new rule row would affect, before it
// is added (validated like AddProgrammeRule): the participants with a
// plan dated within the row's dates who match its regime, track, sluttmål
// and age, and whether their planned length falls outside it. It changes
// nothing.
func (s *Store) PreviewProgrammeRule(ctx context.Context, in RuleInput) ([]RulePreview, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var to any
	if in.ValidTo != nil {
		to = dateOnly(*in.ValidTo)
	}
	var out []RulePreview
	err := s.DB.SelectContext(ctx, &out, `SELECT p.id AS participant_id, p.first_name, p.last_name, ip.plan_date, ip.original_end, ip.rule_id,
			ip.original_end > (p.programme_start + make_interval(months => $7::int + $8::int))::date
				OR ip.original_end < (p.programme_start + make_interval(months => $6::int))::date AS outside
		FROM integration_plans ip JOIN participants p ON p.id = ip.participant_id
		WHERE p.regime = $1
		  AND ($2 = 'any' OR $2 = CASE WHEN p.education IN ('upper_secondary', 'higher') THEN 's13' ELSE 's14' END)
		  AND ($3 = '' OR ip.goal_category = $3)
		  AND ($4::int IS NULL OR date_part('year', ip.plan_date) - p.birth_year >= $4::int)
		  AND ($5::int IS NULL OR date_part('year', ip.plan_date) - p.birth_year <= $5::int)
		  AND ip.plan_date >= $9::date AND ($10::date IS NULL OR ip.plan_date <= $10::date)
		ORDER BY lower(p.last_name), lower(p.first_name), p.id`,
		in.Regime, in.Track, in.GoalCategory, in.MinAge, in.MaxAge, in.MinMonths, in.MaxMonths, in.ExtensionMonths,
		dateOnly(in.ValidFrom), to)
	if err != nil {
		return nil, fmt.Errorf("db: preview programme rule: %w", err)
	}
	return out, nil
}
