package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Privacy refusals: the handlers map each to a plain message.
var (
	// ErrProtectedAddress refuses what is not done through the portal for
	// a participant with a strictly confidential address (kode 6): a
	// proposal, an agreement with employer access, an on-behalf consent.
	ErrProtectedAddress = errors.New("db: strictly confidential address (kode 6): handle the placement outside the portal")
	// ErrNoConsent refuses sharing what the participant has not agreed to
	// share with the organisation (or has withdrawn).
	ErrNoConsent = errors.New("db: no consent to share this with the organisation")
	// ErrInvalidConsent is a consent that does not hold together (unknown
	// item, adaptations without the item, on behalf without a reason).
	ErrInvalidConsent = errors.New("db: invalid consent")
)

// privacyRefusal maps the SQLSTATE the guards of migration 00017 raise
// (PX006, kode 6). ErrNoConsent comes from the Go check (proposalAllowed),
// not from a guard.
func privacyRefusal(code string) error {
	if code == "PX006" {
		return ErrProtectedAddress
	}
	return nil
}

// How a consent was given.
const (
	ConsentInPerson      = "in_person"
	ConsentOnBehalf      = "on_behalf"
	ConsentByParticipant = "by_participant"
)

// Consent is what a participant agreed to share with one organisation.
type Consent struct {
	ID             int64          `db:"id" json:"id"`
	ParticipantID  int64          `db:"participant_id" json:"-"`
	OrganisationID int64          `db:"organisation_id" json:"organisation_id"`
	OrgName        string         `db:"org_name" json:"organisation"`
	Items          pq.StringArray `db:"items" json:"items"`
	Adaptations    pq.StringArray `db:"adaptations" json:"adaptations"`
	GivenHow       string         `db:"given_how" json:"given_how"`
	OnBehalfReason *string        `db:"on_behalf_reason" json:"on_behalf_reason,omitempty"`
	ReasonNote     string         `db:"reason_note" json:"reason_note,omitempty"`
	GivenAt        time.Time      `db:"given_at" json:"given_at"`
	GivenByName    *string        `db:"given_by_name" json:"given_by,omitempty"`
	WithdrawnAt    *time.Time     `db:"withdrawn_at" json:"withdrawn_at,omitempty"`
	ReplacedBy     *int64         `db:"replaced_by" json:"replaced_by,omitempty"`
	// Since is when sharing with the organisation began: the oldest
	// consent of the chain of replacements that ends in this one.
	Since time.Time `db:"since" json:"since"`
}

// Active reports whether the consent is in force.
func (c Consent) Active() bool { return c.WithdrawnAt == nil }

// Covers reports whether the consent is in force and covers the item.
func (c Consent) Covers(item string) bool { return c.Active() && slices.Contains(c.Items, item) }

// ConsentInput is a consent being recorded. ActorID is the adviser who
// records it, 0 when the participant gives it themselves.
type ConsentInput struct {
	ParticipantID, OrganisationID int64
	Items, Adaptations            []string
	GivenHow, OnBehalfReason      string
	ReasonNote                    string
	ActorID                       int64
	IP                            string
}

func (in ConsentInput) valid() bool {
	for _, it := range in.Items {
		if !slices.Contains(ConsentItems, it) {
			return false
		}
	}
	for _, a := range in.Adaptations {
		if strings.TrimSpace(a) == "" || strings.Contains(a, "\n") {
			return false
		}
	}
	if (len(in.Adaptations) > 0) != slices.Contains(in.Items, ItemAdaptations) || len(in.Items) == 0 {
		return false
	}
	switch in.GivenHow {
	case ConsentInPerson, ConsentByParticipant:
		return in.OnBehalfReason == "" && (in.GivenHow == ConsentInPerson) == (in.ActorID != 0)
	case ConsentOnBehalf:
		return slices.Contains(ConsentReasons, in.OnBehalfReason) && in.ActorID != 0
	}
	return false
}

// GiveConsent records a participant's consent to share items with an
// organisation, replacing the active one for that organisation (whose
// history stays). An adviser records it for a participant of their
// caseload (ErrNotFound otherwise, and for an unknown organisation);
// on behalf is refused for kode 6 (ErrProtectedAddress).
func (s *Store) GiveConsent(ctx context.Context, in ConsentInput) (int64, error) {
	if !in.valid() {
		return 0, ErrInvalidConsent
	}
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var protection string
		err := tx.GetContext(ctx, &protection, `SELECT p.protection FROM participants p
			WHERE p.id = $1 AND p.anonymised_at IS NULL AND ($2 = 0 OR p.adviser_id = $2)
			AND EXISTS (SELECT 1 FROM organisations o WHERE o.id = $3)
			FOR UPDATE OF p`, in.ParticipantID, in.ActorID, in.OrganisationID)
		if err != nil {
			return translate(err)
		}
		if protection == ProtectionKode6 && in.GivenHow == ConsentOnBehalf {
			return ErrProtectedAddress
		}
		var old *int64
		if err := tx.GetContext(ctx, &old, `UPDATE consents SET withdrawn_at = now(), withdrawn_by = NULLIF($3, 0)
			WHERE participant_id = $1 AND organisation_id = $2 AND withdrawn_at IS NULL RETURNING id`,
			in.ParticipantID, in.OrganisationID, in.ActorID); err != nil && translate(err) != ErrNotFound {
			return fmt.Errorf("db: end consent: %w", err)
		}
		adaptations := in.Adaptations
		if adaptations == nil {
			adaptations = []string{}
		}
		err = tx.GetContext(ctx, &id, `INSERT INTO consents (participant_id, organisation_id, items, adaptations, given_how,
			on_behalf_reason, reason_note, given_by) VALUES ($1, $2, $3, $4, $5, NULLIF($6, ''), $7, NULLIF($8, 0)) RETURNING id`,
			in.ParticipantID, in.OrganisationID, pq.Array(in.Items), pq.Array(adaptations), in.GivenHow, in.OnBehalfReason,
			in.ReasonNote, in.ActorID)
		if err != nil {
			return fmt.Errorf("db: record consent: %w", translate(err))
		}
		if old != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE consents SET replaced_by = $2 WHERE id = $1`, *old, id); err != nil {
				return fmt.Errorf("db: replace consent: %w", err)
			}
		}
		return auditDetails(ctx, tx, in.ActorID, "participant.consent_given", "participant", in.ParticipantID, in.IP,
			map[string]any{"organisation_id": in.OrganisationID, "items": in.Items, "given_how": in.GivenHow})
	})
	return id, err
}

// ConsentWithdrawal is what a withdrawal touched, for telling the adviser.
type ConsentWithdrawal struct {
	// ProposalsWithdrawn are the open proposals to the organisation,
	// withdrawn with the consent.
	ProposalsWithdrawn []int64
	// AgreementsBlocked are the agreements with the organisation still
	// open: the employer sees nothing of the person and their further
	// steps are blocked until a new consent.
	AgreementsBlocked []int64
}

// WithdrawConsent ends the active consent of a participant for an
// organisation (ErrNotFound when there is none, or the participant is
// not in the adviser's caseload; actorID 0: the participant themselves).
// The open proposals to the organisation are withdrawn with it.
func (s *Store) WithdrawConsent(ctx context.Context, participantID, orgID, actorID int64, ip string) (ConsentWithdrawal, error) {
	var out ConsentWithdrawal
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var id int64
		err := tx.GetContext(ctx, &id, `UPDATE consents c SET withdrawn_at = now(), withdrawn_by = NULLIF($3, 0)
			FROM participants p WHERE p.id = c.participant_id AND ($3 = 0 OR p.adviser_id = $3)
			AND c.participant_id = $1 AND c.organisation_id = $2 AND c.withdrawn_at IS NULL RETURNING c.id`,
			participantID, orgID, actorID)
		if err != nil {
			return translate(err)
		}
		if err := tx.SelectContext(ctx, &out.ProposalsWithdrawn, `UPDATE proposals pr SET status = 'withdrawn', decided_at = now()
			FROM placements pl WHERE pl.id = pr.placement_id AND pl.organisation_id = $2
			AND pr.participant_id = $1 AND pr.status = 'proposed' RETURNING pr.id`, participantID, orgID); err != nil {
			return fmt.Errorf("db: withdraw proposals: %w", err)
		}
		if err := tx.SelectContext(ctx, &out.AgreementsBlocked, `SELECT id FROM agreements ag
			WHERE participant_id = $1 AND organisation_id = $2
			AND agreement_status(ag, oslo_today()) NOT IN ('ended', 'cancelled') ORDER BY id`, participantID, orgID); err != nil {
			return fmt.Errorf("db: blocked agreements: %w", err)
		}
		return auditDetails(ctx, tx, actorID, "participant.consent_withdrawn", "participant", participantID, ip,
			map[string]any{"organisation_id": orgID, "consent_id": id})
	})
	return out, err
}

const consentSelect = `WITH RECURSIVE chain AS (
		SELECT id AS head, id, given_at FROM consents WHERE participant_id = $1
		UNION ALL
		SELECT chain.head, c.id, c.given_at FROM consents c JOIN chain ON c.replaced_by = chain.id
	), since AS (SELECT head, min(given_at) AS since FROM chain GROUP BY head)
	SELECT c.id, c.participant_id, c.organisation_id, o.name AS org_name, c.items, c.adaptations, c.given_how,
		c.on_behalf_reason, c.reason_note, c.given_at, u.name AS given_by_name, c.withdrawn_at, c.replaced_by, s.since
	FROM consents c JOIN organisations o ON o.id = c.organisation_id JOIN since s ON s.head = c.id
	LEFT JOIN users u ON u.id = c.given_by
	WHERE c.participant_id = $1 `

// Consents lists every consent of a participant, active and past, newest
// first: the history of what was shared with whom.
func (s *Store) Consents(ctx context.Context, participantID int64) ([]Consent, error) {
	var out []Consent
	if err := s.DB.SelectContext(ctx, &out, consentSelect+`ORDER BY c.given_at DESC, c.id DESC`, participantID); err != nil {
		return nil, fmt.Errorf("db: consents: %w", err)
	}
	return out, nil
}

// SharedWith lists the active consents of a participant ("shared with
// Fjordbyen Bakeri AS since …"), by organisation name.
func (s *Store) SharedWith(ctx context.Context, participantID int64) ([]Consent, error) {
	var out []Consent
	if err := s.selectPrepared(ctx, &out, consentSelect+`AND c.withdrawn_at IS NULL ORDER BY o.name, c.id`, participantID); err != nil {
		return nil, fmt.Errorf("db: shared with: %w", err)
	}
	return out, nil
}

// consentState reads the active consent of a participant for an
// organisation (nil without one) and whether one was ever withdrawn.
func consentState(ctx context.Context, q sqlx.QueryerContext, participantID, orgID int64) (*Consent, bool, error) {
	var rows []Consent
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT id, participant_id, organisation_id, items, adaptations, given_how,
		on_behalf_reason, reason_note, given_at, withdrawn_at, replaced_by, given_at AS since
		FROM consents WHERE participant_id = $1 AND organisation_id = $2 AND (withdrawn_at IS NULL OR replaced_by IS NULL)
		ORDER BY withdrawn_at IS NULL DESC, withdrawn_at DESC LIMIT 1`, participantID, orgID)
	if err != nil {
		return nil, false, fmt.Errorf("db: consent: %w", err)
	}
	if len(rows) == 0 {
		return nil, false, nil
	}
	if rows[0].Active() {
		return &rows[0], false, nil
	}
	return nil, true, nil
}

// proposalAllowed checks, with q (inside the proposing transaction), that
// a proposal may be sent: not for kode 6 (ErrProtectedAddress), and only
// with an active consent for the placement's organisation that covers the
// note if there is one and every line of the shared adaptations
// (ErrNoConsent). ErrNotFound: no such participant or placement.
func proposalAllowed(ctx context.Context, q sqlx.QueryerContext, in NewProposal) error {
	var row struct {
		Protection string `db:"protection"`
		OrgID      int64  `db:"organisation_id"`
	}
	err := sqlx.GetContext(ctx, q, &row, `SELECT p.protection, pl.organisation_id FROM participants p, placements pl
		WHERE p.id = $1 AND pl.id = $2 AND p.anonymised_at IS NULL`, in.ParticipantID, in.PlacementID)
	if err != nil {
		return translate(err)
	}
	if row.Protection == ProtectionKode6 {
		return ErrProtectedAddress
	}
	c, _, err := consentState(ctx, q, in.ParticipantID, row.OrgID)
	if err != nil {
		return err
	}
	if c == nil || (strings.TrimSpace(in.Note) != "" && !c.Covers(ItemNote)) {
		return ErrNoConsent
	}
	for _, l := range strings.Split(in.SharedAdaptations, "\n") {
		if l = strings.TrimSpace(l); l != "" && (!c.Covers(ItemAdaptations) || !slices.Contains(c.Adaptations, l)) {
			return ErrNoConsent
		}
	}
	return nil
}

// ProposalAllowed answers before a proposal is made whether it may be
// (see proposalAllowed), so the adviser is told why not up front; the
// proposing transaction checks again.
func (s *Store) ProposalAllowed(ctx context.Context, in NewProposal) error {
	return proposalAllowed(ctx, s.DB, in)
}

// auditDetails writes one audit_log row with details inside the caller's
// transaction. Details name what changed, never free text about a person.
func auditDetails(ctx context.Context, tx *sqlx.Tx, actorID int64, action, entity string, entityID int64, ip string, details any) error {
	b, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("db: audit details: %w", err)
	}
	const q = `INSERT INTO audit_log (actor_id, action, entity, entity_id, details, ip)
		VALUES (NULLIF($1, 0), $2, $3, $4, $5::jsonb, NULLIF($6, '')::inet)`
	if _, err := tx.ExecContext(ctx, q, actorID, action, entity, entityID, string(b), ip); err != nil {
		return fmt.Errorf("db: audit: %w", err)
	}
	return nil
}
