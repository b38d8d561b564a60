package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// LeaveKinds are the kinds of leave (permisjon) the municipality decides;
// labels are "leave.kind.<kind>".
var LeaveKinds = []string{"parental", "welfare", "other"}

// Leave is one approved leave from the programme.
type Leave struct {
	ID        int64     `db:"id"`
	Kind      string    `db:"kind"`
	FromDate  time.Time `db:"from_date"`
	ToDate    time.Time `db:"to_date"`
	DecidedOn time.Time `db:"decided_on"`
	Note      string    `db:"note"`
}

// Days is the leave's length in days, both ends included.
func (l Leave) Days() int { return int(l.ToDate.Sub(l.FromDate).Hours()/24) + 1 }

// Extension is one decision to extend the programme (forlengelse).
type Extension struct {
	ID        int64     `db:"id"`
	DecidedOn time.Time `db:"decided_on"`
	Months    int       `db:"months"`
	Reason    string    `db:"reason"`
}

// updateCurrentEnd sets the participant's programme_end to the current
// end (programme_current_end, migration 00016: the plan's end plus the
// extensions and, where the rule says so, the leave), inside the
// transaction that changed one of them, so every reader of the end sees
// the same day. Without a plan the stored end stays.
func updateCurrentEnd(ctx context.Context, tx *sqlx.Tx, participantID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE participants SET programme_end = e.day, updated_at = now()
		FROM (SELECT programme_current_end($1) AS day) e
		WHERE id = $1 AND e.day IS NOT NULL AND programme_end IS DISTINCT FROM e.day`, participantID); err != nil {
		return fmt.Errorf("db: programme end: %w", err)
	}
	return nil
}

// lockedPlan is what leave and extensions need of a participant, read
// under a lock on the participant's row so that two decisions at once
// are counted one after the other.
type lockedPlan struct {
	ProgrammeStart  time.Time `db:"programme_start"`
	CurrentEnd      time.Time `db:"programme_end"`
	ExtensionMonths int       `db:"extension_months"`
	Extended        int       `db:"extended"`
}

// lockPlan reads a participant of the adviser with their plan under a
// row lock; ErrNoPlan without a plan, ErrNotFound for another adviser.
func lockPlan(ctx context.Context, tx *sqlx.Tx, participantID, adviserID int64) (lockedPlan, error) {
	var p lockedPlan
	err := tx.GetContext(ctx, &p, `SELECT p.programme_start, p.programme_end, coalesce(r.extension_months, 0) AS extension_months,
			coalesce((SELECT sum(x.months)::int FROM programme_extensions x WHERE x.participant_id = p.id), 0) AS extended
		FROM participants p JOIN integration_plans ip ON ip.participant_id = p.id LEFT JOIN programme_rules r ON r.id = ip.rule_id
		WHERE p.id = $1 AND p.adviser_id = $2 FOR UPDATE OF p`, participantID, adviserID)
	if errors.Is(translate(err), ErrNotFound) {
		// Another adviser's participant, or one without a plan: the
		// plan decides what leave and extensions do.
		var exists bool
		if e := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM participants WHERE id = $1 AND adviser_id = $2)`,
			participantID, adviserID); e == nil && exists {
			return p, ErrNoPlan
		}
		return p, ErrNotFound
	}
	return p, err
}

// LeaveInput is a leave decision an adviser records.
type LeaveInput struct {
	Kind             string
	FromDate, ToDate time.Time
	DecidedOn        time.Time
	Note             string
}

// AddLeave records approved leave (an adviser of the participant's
// caseload) and moves the programme's current end by its length where the
// plan's rule says leave does, audited, in one transaction. Refused
// (*FieldError, nothing changed): an unknown kind, the end before the
// start, leave outside the programme, or leave overlapping other leave
// (the exclusion constraint of migration 00016 decides that, so it holds
// for every writer). ErrNoPlan: the participant has no plan yet.
func (s *Store) AddLeave(ctx context.Context, participantID, adviserID int64, in LeaveInput, ip string) (int64, error) {
	in.FromDate, in.ToDate, in.DecidedOn = civilDay(in.FromDate), civilDay(in.ToDate), civilDay(in.DecidedOn)
	switch {
	case !oneOf(LeaveKinds, in.Kind):
		return 0, &FieldError{"kind", "form.choose"}
	case in.FromDate.IsZero():
		return 0, &FieldError{"from_date", "form.required"}
	case in.ToDate.IsZero():
		return 0, &FieldError{"to_date", "form.required"}
	case in.ToDate.Before(in.FromDate):
		return 0, &FieldError{"to_date", "leave.to_before_from"}
	case in.DecidedOn.IsZero():
		return 0, &FieldError{"decided_on", "form.required"}
	case utf8.RuneCountInString(in.Note) > 1000:
		return 0, &FieldError{"note", "form.too_long"}
	}
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		p, err := lockPlan(ctx, tx, participantID, adviserID)
		if err != nil {
			return err
		}
		if in.FromDate.Before(p.ProgrammeStart) || in.FromDate.After(p.CurrentEnd) {
			return &FieldError{"from_date", "leave.outside_programme"}
		}
		err = tx.GetContext(ctx, &id, `INSERT INTO programme_leave (participant_id, kind, from_date, to_date, decided_on, note, recorded_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			participantID, in.Kind, dateOnly(in.FromDate), dateOnly(in.ToDate), dateOnly(in.DecidedOn), strings.TrimSpace(in.Note), adviserID)
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "23P01" { // exclusion_violation: overlaps other leave
			return &FieldError{"from_date", "leave.overlap"}
		}
		if err != nil {
			return fmt.Errorf("db: add leave: %w", err)
		}
		if err := updateCurrentEnd(ctx, tx, participantID); err != nil {
			return err
		}
		return audit(ctx, tx, adviserID, "participant.leave", "participant", participantID, ip)
	})
	return id, err
}

// ExtensionInput is an extension decision an adviser records.
type ExtensionInput struct {
	DecidedOn time.Time
	Months    int
	Reason    string
}

// AddExtension records a decision to extend the programme (an adviser of
// the participant's caseload), within the plan's rule: all extensions
// together at most its extension_months. It moves the current end and is
// audited, in one transaction. Refused (*FieldError): no reason, no
// months, or past the rule's maximum. ErrNoPlan: no plan yet.
func (s *Store) AddExtension(ctx context.Context, participantID, adviserID int64, in ExtensionInput, ip string) (int64, error) {
	in.DecidedOn = civilDay(in.DecidedOn)
	switch {
	case in.DecidedOn.IsZero():
		return 0, &FieldError{"decided_on", "form.required"}
	case in.Months < 1 || in.Months > 36:
		return 0, &FieldError{"months", "extension.months_range"}
	case strings.TrimSpace(in.Reason) == "":
		return 0, &FieldError{"reason", "form.required"}
	case utf8.RuneCountInString(in.Reason) > 1000:
		return 0, &FieldError{"reason", "form.too_long"}
	}
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		p, err := lockPlan(ctx, tx, participantID, adviserID)
		if err != nil {
			return err
		}
		if p.Extended+in.Months > p.ExtensionMonths {
			return &FieldError{"months", "extension.over_max"}
		}
		if err := tx.GetContext(ctx, &id, `INSERT INTO programme_extensions (participant_id, decided_on, months, reason, recorded_by)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			participantID, dateOnly(in.DecidedOn), in.Months, strings.TrimSpace(in.Reason), adviserID); err != nil {
			return fmt.Errorf("db: add extension: %w", err)
		}
		if err := updateCurrentEnd(ctx, tx, participantID); err != nil {
			return err
		}
		return audit(ctx, tx, adviserID, "participant.extension", "participant", participantID, ip)
	})
	return id, err
}

// Leaves lists a participant's leave, oldest first (the timeline).
func (s *Store) Leaves(ctx context.Context, participantID int64) ([]Leave, error) {
	var out []Leave
	if err := s.selectPrepared(ctx, &out, `SELECT id, kind, from_date, to_date, decided_on, note FROM programme_leave
		WHERE participant_id = $1 ORDER BY from_date, id`, participantID); err != nil {
		return nil, fmt.Errorf("db: leave: %w", err)
	}
	return out, nil
}

// Extensions lists a participant's extensions, oldest first.
func (s *Store) Extensions(ctx context.Context, participantID int64) ([]Extension, error) {
	var out []Extension
	if err := s.selectPrepared(ctx, &out, `SELECT id, decided_on, months, reason FROM programme_extensions
		WHERE participant_id = $1 ORDER BY decided_on, id`, participantID); err != nil {
		return nil, fmt.Errorf("db: extensions: %w", err)
	}
	return out, nil
}

// ProgrammeEnds are a programme's original end (the plan's) and its
// current end (with extensions and leave), both shown on the profile.
type ProgrammeEnds struct {
	Original time.Time `db:"original_end"`
	Current  time.Time `db:"current_end"`
	// Derived is programme_current_end computed now; it equals Current
	// unless something wrote the end around the Store.
	Derived time.Time `db:"derived_end"`
}

// ProgrammeEndsOf returns a participant's original and current end.
// ErrNoPlan: no plan yet.
func (s *Store) ProgrammeEndsOf(ctx context.Context, participantID int64) (ProgrammeEnds, error) {
	var e ProgrammeEnds
	err := s.getPrepared(ctx, &e, `SELECT ip.original_end, p.programme_end AS current_end, programme_current_end(p.id) AS derived_end
		FROM participants p JOIN integration_plans ip ON ip.participant_id = p.id WHERE p.id = $1`, participantID)
	if errors.Is(translate(err), ErrNotFound) {
		return e, ErrNoPlan
	}
	return e, err
}
