package db

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
)

// AgreementLink is a one-click attendance or evaluation link mailed to an
// agreement's supervisor. Token is made by NewToken before the call, so
// the mail that carries it is rendered first.
type AgreementLink struct {
	Token       string
	Purpose     string // PurposeAttendance or PurposeEvaluation
	AgreementID int64
	Email       string
	Payload     map[string]any // week or phase, and lang
	TTL         time.Duration
}

// SendAgreementLink stores the link's token with an audit row
// agreement.link_sent and queues its mail m, in one transaction: the mail
// exists exactly when the link does.
func (s *Store) SendAgreementLink(ctx context.Context, l AgreementLink, m Mail, who LinkWriter) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := sendLink(ctx, tx, l, who); err != nil {
			return err
		}
		_, err := Enqueue(ctx, tx, m)
		return err
	})
}

// sendLink creates a one-click link's token for an agreement inside tx,
// with an audit row agreement.link_sent. The payload names the agreement
// besides what l.Payload says.
func sendLink(ctx context.Context, tx *sqlx.Tx, l AgreementLink, who LinkWriter) error {
	payload := map[string]any{}
	for k, v := range l.Payload {
		payload[k] = v
	}
	payload["agreement_id"] = l.AgreementID
	var by *int64
	if who.UserID != 0 {
		id := who.UserID
		by = &id
	}
	in := NewLinkToken{Token: l.Token, Purpose: l.Purpose, Email: l.Email, Payload: payload, CreatedBy: by, TTL: l.TTL}
	if err := createLinkToken(ctx, tx, in); err != nil {
		return err
	}
	return audit(ctx, tx, who.UserID, "agreement.link_sent", "agreement", l.AgreementID, who.IP)
}
