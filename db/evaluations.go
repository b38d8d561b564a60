package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// EvaluationPhases are when the supervisor evaluates: at the start, in
// the middle and at the end of the agreement, once each.
var EvaluationPhases = []string{"start", "mid", "end"}

// EvaluationCriteria are the rated aspects, in the form's order.
var EvaluationCriteria = []string{"punctuality", "cooperation", "instructions", "speaking"}

// Evaluation is one phase's evaluation; a nil rating is "not observed".
type Evaluation struct {
	ID           int64     `db:"id"`
	AgreementID  int64     `db:"agreement_id"`
	Phase        string    `db:"phase"`
	Punctuality  *int      `db:"punctuality"`
	Cooperation  *int      `db:"cooperation"`
	Instructions *int      `db:"instructions"`
	Speaking     *int      `db:"speaking"`
	Comment      string    `db:"comment"`
	Author       string    `db:"author"` // "" when written through a one-click link
	CreatedAt    time.Time `db:"created_at"`
}

// Rating is a rating by criterion name (EvaluationCriteria), for
// templates; nil is "not observed".
func (e Evaluation) Rating(criterion string) *int {
	switch criterion {
	case "punctuality":
		return e.Punctuality
	case "cooperation":
		return e.Cooperation
	case "instructions":
		return e.Instructions
	case "speaking":
		return e.Speaking
	}
	return nil
}

// Evaluations lists an agreement's evaluations in phase order.
func (s *Store) Evaluations(ctx context.Context, agreementID int64) ([]Evaluation, error) {
	var out []Evaluation
	err := s.DB.SelectContext(ctx, &out, `SELECT e.id, e.agreement_id, e.phase, e.punctuality, e.cooperation, e.instructions,
		e.speaking, e.comment, coalesce(u.name, '') AS author, e.created_at
		FROM evaluations e LEFT JOIN users u ON u.id = e.written_by
		WHERE e.agreement_id = $1 ORDER BY array_position(ARRAY['start', 'mid', 'end'], e.phase)`, agreementID)
	if err != nil {
		return nil, fmt.Errorf("db: evaluations: %w", err)
	}
	return out, nil
}

// NewEvaluation is what AddEvaluation stores.
type NewEvaluation struct {
	Phase                                            string
	Punctuality, Cooperation, Instructions, Speaking *int
	Comment                                          string
}

// AddEvaluation stores one phase's evaluation with an audit row. The
// agreement must be running or ended (ErrNotStarted); a phase already
// evaluated is ErrConflict. Through a link (who.UserID 0) the evaluation
// token is used up in the same transaction, so it works once: a second
// use, or a token made for another agreement or phase, is ErrNotFound.
func (s *Store) AddEvaluation(ctx context.Context, agreementID int64, e NewEvaluation, who LinkWriter) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if who.UserID == 0 {
			if err := linkStillValid(ctx, tx, who.Token, PurposeEvaluation, agreementID, "", e.Phase); err != nil {
				return err
			}
			if _, err := useLinkToken(ctx, tx, who.Token, PurposeEvaluation); err != nil {
				return err
			}
		}
		if err := checkOpen(ctx, tx, agreementID, who); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO evaluations (agreement_id, phase, punctuality, cooperation, instructions,
			speaking, comment, written_by) VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, 0))`,
			agreementID, e.Phase, e.Punctuality, e.Cooperation, e.Instructions, e.Speaking, e.Comment, who.UserID)
		if err != nil {
			if err := translate(err); err == ErrConflict {
				return err
			}
			return fmt.Errorf("db: add evaluation: %w", err)
		}
		return audit(ctx, tx, who.UserID, "agreement.evaluation", "agreement", agreementID, who.IP)
	})
}

// EvaluationRating is one criterion's rating; nil Value is "not observed".
type EvaluationRating struct {
	Criterion string
	Value     *int
}

// Ratings lists the ratings in EvaluationCriteria's order.
func (e Evaluation) Ratings() []EvaluationRating {
	out := make([]EvaluationRating, len(EvaluationCriteria))
	for i, c := range EvaluationCriteria {
		out[i] = EvaluationRating{c, e.Rating(c)}
	}
	return out
}

// Level is the rating 1–4, or 0 for "not observed".
func (r EvaluationRating) Level() int {
	if r.Value == nil {
		return 0
	}
	return *r.Value
}
