package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// LanguageResult is one Norwegian result in one skill.
type LanguageResult struct {
	ID           int64     `db:"id"`
	Skill        string    `db:"skill"`
	Level        Level     `db:"level"`
	TakenOn      time.Time `db:"taken_on"`
	Source       string    `db:"source"`
	RecorderName *string   `db:"recorder_name"`
}

// Outcome is what a participant went on to: work, education, a measure.
type Outcome struct {
	ID           int64     `db:"id"`
	Kind         string    `db:"kind"`
	FromDate     time.Time `db:"from_date"`
	Employer     string    `db:"employer"`
	Note         string    `db:"note"`
	RecorderName *string   `db:"recorder_name"`
}

// Note is a dated note on a participant, by its author.
type Note struct {
	ID         int64     `db:"id"`
	Body       string    `db:"body"`
	AuthorName string    `db:"author_name"`
	AuthorRole string    `db:"author_role"`
	CreatedAt  time.Time `db:"created_at"`
}

// Results lists a participant's results, oldest first (the chart's order).
func (s *Store) Results(ctx context.Context, participantID int64) ([]LanguageResult, error) {
	var out []LanguageResult
	err := s.selectPrepared(ctx, &out, `SELECT r.id, r.skill, r.level, r.taken_on, r.source, u.name AS recorder_name
		FROM language_results r LEFT JOIN users u ON u.id = r.recorded_by
		WHERE r.participant_id = $1 ORDER BY r.taken_on, r.id`, participantID)
	if err != nil {
		return nil, fmt.Errorf("db: results: %w", err)
	}
	return out, nil
}

// Outcomes lists a participant's outcomes, newest first.
func (s *Store) Outcomes(ctx context.Context, participantID int64) ([]Outcome, error) {
	var out []Outcome
	err := s.selectPrepared(ctx, &out, `SELECT o.id, o.kind, o.from_date, o.employer, o.note, u.name AS recorder_name
		FROM outcomes o LEFT JOIN users u ON u.id = o.recorded_by
		WHERE o.participant_id = $1 ORDER BY o.from_date DESC, o.id DESC`, participantID)
	if err != nil {
		return nil, fmt.Errorf("db: outcomes: %w", err)
	}
	return out, nil
}

// Notes lists a participant's notes, newest first.
func (s *Store) Notes(ctx context.Context, participantID int64) ([]Note, error) {
	var out []Note
	err := s.selectPrepared(ctx, &out, `SELECT n.id, n.body, u.name AS author_name, u.role AS author_role, n.created_at
		FROM participant_notes n JOIN users u ON u.id = n.author_id
		WHERE n.participant_id = $1 ORDER BY n.created_at DESC, n.id DESC LIMIT 200`, participantID)
	if err != nil {
		return nil, fmt.Errorf("db: notes: %w", err)
	}
	return out, nil
}

// AddResult records a result for a participant of the adviser's caseload.
func (s *Store) AddResult(ctx context.Context, participantID, adviserID int64, skill string, level Level, on time.Time, source, ip string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO language_results (participant_id, skill, level, taken_on, source, recorded_by)
			SELECT id, $3, $4, $5, $6, $2 FROM participants WHERE id = $1 AND adviser_id = $2`,
			participantID, adviserID, skill, string(level), on, source)
		if err != nil {
			return fmt.Errorf("db: add result: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return audit(ctx, tx, adviserID, "participant.result", "participant", participantID, ip)
	})
}

// AddOutcome records an outcome for a participant of the adviser's caseload.
func (s *Store) AddOutcome(ctx context.Context, participantID, adviserID int64, kind string, from time.Time, employer, note, ip string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO outcomes (participant_id, kind, from_date, employer, note, recorded_by)
			SELECT id, $3, $4, $5, $6, $2 FROM participants WHERE id = $1 AND adviser_id = $2`,
			participantID, adviserID, kind, from, employer, note)
		if err != nil {
			return fmt.Errorf("db: add outcome: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return audit(ctx, tx, adviserID, "participant.outcome", "participant", participantID, ip)
	})
}

// AddNote adds a note by anyone whose scope includes the participant.
func (s *Store) AddNote(ctx context.Context, participantID int64, sc Scope, authorID int64, body, ip string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO participant_notes (participant_id, author_id, body)
			SELECT p.id, $5, $6 FROM participants p WHERE `+scopeSQL+` AND p.id = $4`,
			append(sc.args(), participantID, authorID, body)...)
		if err != nil {
			return fmt.Errorf("db: add note: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return audit(ctx, tx, authorID, "participant.note", "participant", participantID, ip)
	})
}

// AuditRow is one access to or change of a participant, for the admin's
// audit page and access requests.
type AuditRow struct {
	At        time.Time `db:"at"`
	Action    string    `db:"action"`
	ActorName *string   `db:"actor_name"`
	ActorRole *string   `db:"actor_role"`
	IP        *string   `db:"ip"`
}

// Role is the actor's role, "" when the row has no actor (the template
// cannot dereference ActorRole itself: print shows a pointer's address).
func (r AuditRow) Role() string {
	if r.ActorRole == nil {
		return ""
	}
	return *r.ActorRole
}

// ParticipantAudit lists every audit row about a participant and their
// agreements, newest first.
func (s *Store) ParticipantAudit(ctx context.Context, participantID int64) ([]AuditRow, error) {
	var out []AuditRow
	err := s.DB.SelectContext(ctx, &out, `SELECT l.at, l.action, u.name AS actor_name, u.role AS actor_role, host(l.ip) AS ip
		FROM audit_log l LEFT JOIN users u ON u.id = l.actor_id
		WHERE (l.entity = 'participant' AND l.entity_id = $1)
			OR (l.entity = 'agreement' AND l.entity_id IN (SELECT id FROM agreements WHERE participant_id = $1))
		ORDER BY l.at DESC, l.id DESC LIMIT 2000`, participantID)
	if err != nil {
		return nil, fmt.Errorf("db: participant audit: %w", err)
	}
	return out, nil
}
