package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// The answers a supervisor can give to "the agreement ends soon: can you
// offer work or an extension?" (reminder rule 5), as migration 00010's
// CHECK allows them.
const (
	OfferJob       = "job"
	OfferExtension = "extension"
	OfferNo        = "no"
)

// OfferAnswers lists the answers in the order the digest offers them.
var OfferAnswers = []string{OfferJob, OfferExtension, OfferNo}

// RecordOfferAnswer records the answer an offer_answer link carries, in
// one transaction: the token must still be valid and made for this
// agreement and answer (ErrNotFound otherwise, as for a link that no
// longer works); every open answer link of the agreement is used up, so
// the answer is recorded once whichever of the three is clicked again; the
// agreement keeps the answer and when; and the audit log gets
// agreement.offer_answer with no actor and the IP.
func (s *Store) RecordOfferAnswer(ctx context.Context, token string, agreementID int64, answer, ip string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var ok bool
		err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM link_tokens WHERE token_hash = $1 AND purpose = $2
			AND used_at IS NULL AND expires_at > now() AND payload->>'agreement_id' = $3::text AND payload->>'answer' = $4)`,
			HashToken(token), PurposeOfferAnswer, agreementID, answer)
		if err != nil {
			return fmt.Errorf("db: check answer link: %w", err)
		}
		if !ok {
			return ErrNotFound
		}
		// Two clicks that race are ordered by the row locks: the second
		// waits, then finds no open link and changes nothing.
		res, err := tx.ExecContext(ctx, `UPDATE link_tokens SET used_at = now()
			WHERE purpose = $1 AND used_at IS NULL AND payload->>'agreement_id' = $2::text`, PurposeOfferAnswer, agreementID)
		if err != nil {
			return fmt.Errorf("db: use answer links: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		// Not for an organisation rejected meanwhile: its links are withdrawn.
		res, err = tx.ExecContext(ctx, `UPDATE agreements ag SET offer_answer = $2, offer_answered_at = now()
			WHERE id = $1 AND cancelled_at IS NULL
			  AND EXISTS (SELECT 1 FROM organisations o WHERE o.id = ag.organisation_id AND o.approved_at IS NOT NULL)`, agreementID, answer)
		if err != nil {
			return fmt.Errorf("db: record offer answer: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return audit(ctx, tx, 0, "agreement.offer_answer", "agreement", agreementID, ip)
	})
}
