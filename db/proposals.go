package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Proposal statuses.
const (
	ProposalOpen     = "proposed"
	ProposalAccepted = "accepted"
	ProposalDeclined = "declined"
)

// Proposal is an adviser's proposal of a participant for a placement.
// What an employer may see of the participant is limited to the fields
// marked below (first name, levels, languages, shared adaptations).
type Proposal struct {
	ID                int64          `db:"id"`
	ParticipantID     int64          `db:"participant_id"`
	PlacementID       int64          `db:"placement_id"`
	PlacementTitle    string         `db:"placement_title"`
	OrganisationID    int64          `db:"organisation_id"`
	OrgName           string         `db:"org_name"`
	AdviserName       string         `db:"adviser_name"`
	Note              string         `db:"note"`
	SharedAdaptations string         `db:"shared_adaptations"`
	Status            string         `db:"status"`
	DeclineReason     string         `db:"decline_reason"`
	DecidedAt         *time.Time     `db:"decided_at"`
	CreatedAt         time.Time      `db:"created_at"`
	FirstName         string         `db:"first_name"` // for the employer
	Languages         pq.StringArray `db:"languages"`  // for the employer
	BestLevels                       // for the employer
	AgreementID       *int64         `db:"agreement_id"` // once accepted
	AccessUntil       *time.Time     `db:"access_until"` // the agreement's employer access
}

const proposalSelect = `SELECT pr.id, pr.participant_id, pr.placement_id, pl.title AS placement_title, pl.organisation_id,
	o.name AS org_name, a.name AS adviser_name, pr.note, pr.shared_adaptations, pr.status, pr.decline_reason,
	pr.decided_at, pr.created_at, p.first_name, p.languages,
	b.best_listening, b.best_reading, b.best_writing, b.best_oral, ag.id AS agreement_id,
	ag.employer_access_until AS access_until
FROM proposals pr
LEFT JOIN agreements ag ON ag.proposal_id = pr.id
JOIN placements pl ON pl.id = pr.placement_id
JOIN organisations o ON o.id = pl.organisation_id
JOIN users a ON a.id = pr.adviser_id
JOIN participants p ON p.id = pr.participant_id
` + bestLevelsJoin + ` `

// NewProposal is what an adviser sends. ID is 0, or an id reserved by
// ProposalDraft so the mails announcing the proposal can link to it.
type NewProposal struct {
	ID                                    int64
	ParticipantID, PlacementID, AdviserID int64
	Note, SharedAdaptations               string
}

// Recipient is someone a mail goes to.
type Recipient struct{ Email, Name, Locale string }

// ProposalDraft is what the mails announcing a new proposal need before
// it is stored: a reserved id (their link and dedupe key name it), the
// placement's title and who they go to.
type ProposalDraft struct {
	ID             int64
	PlacementTitle string
	Recipients     []Recipient
}

// ProposalDraft reserves a proposal id and reads the placement's title and
// the proposal's recipients, so the caller can render the mails before
// Propose stores everything in one transaction. An id reserved for a
// proposal that is then refused is skipped, as a rolled-back insert's
// would be. ErrNotFound: no such placement.
//
// Read here rather than inside Propose's transaction: the mails are values
// made before it, and a recipient who joins in the milliseconds between is
// told by the next proposal, as one who joined just after would be.
func (s *Store) ProposalDraft(ctx context.Context, placementID int64) (ProposalDraft, error) {
	d := ProposalDraft{}
	err := s.DB.QueryRowxContext(ctx, `SELECT nextval(pg_get_serial_sequence('proposals', 'id')), title
		FROM placements WHERE id = $1`, placementID).Scan(&d.ID, &d.PlacementTitle)
	if err != nil {
		return d, translate(err)
	}
	d.Recipients, err = proposalRecipients(ctx, s.DB, placementID)
	return d, err
}

// Propose records a proposal (createProposal) and queues the mails that
// announce it, in one transaction, and returns its id.
func (s *Store) Propose(ctx context.Context, in NewProposal, mails []Mail, ip string) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if id, err = createProposal(ctx, tx, in, ip); err != nil {
			return err
		}
		for _, m := range mails {
			if _, err := Enqueue(ctx, tx, m); err != nil {
				return err
			}
		}
		return nil
	})
	return id, err
}

// createProposal records a proposal inside tx, for a participant in the
// adviser's caseload and a published placement of an approved
// organisation with a free seat. ErrNotFound: no such participant or
// placement for this adviser; ErrConflict: already proposed (and open or
// accepted) or no free seat; ErrProtectedAddress (kode 6) and ErrNoConsent
// (no active consent for the organisation covering the note and every
// shared adaptation) from proposalAllowed, checked in the same
// transaction as the insert.
func createProposal(ctx context.Context, tx *sqlx.Tx, in NewProposal, ip string) (int64, error) {
	var id int64
	// A zero in.ID takes the next id from the sequence (the column's default).
	const q = `INSERT INTO proposals (id, participant_id, placement_id, adviser_id, note, shared_adaptations)
		SELECT coalesce(NULLIF($6::bigint, 0), nextval(pg_get_serial_sequence('proposals', 'id'))), p.id, pl.id, $3, $4, $5
		FROM participants p, placements pl JOIN organisations o ON o.id = pl.organisation_id
		WHERE p.id = $1 AND p.adviser_id = $3 AND pl.id = $2 AND pl.status = 'published' AND o.approved_at IS NOT NULL
		RETURNING id`
	err := tx.GetContext(ctx, &id, q, in.ParticipantID, in.PlacementID, in.AdviserID, in.Note, in.SharedAdaptations, in.ID)
	if err = translate(err); err != nil {
		if err == ErrNotFound || err == ErrConflict {
			return 0, err
		}
		return 0, fmt.Errorf("db: create proposal: %w", err)
	}
	// After the insert, whose conditions say ErrNotFound for what the
	// adviser may not propose at all; a refusal rolls the insert back.
	if err := proposalAllowed(ctx, tx, in); err != nil {
		return 0, err
	}
	var free bool
	if err := tx.GetContext(ctx, &free, `SELECT seats > seats_taken FROM placements WHERE id = $1`, in.PlacementID); err != nil {
		return 0, fmt.Errorf("db: seats: %w", err)
	}
	if !free {
		return 0, ErrConflict
	}
	return id, audit(ctx, tx, in.AdviserID, "participant.propose", "participant", in.ParticipantID, ip)
}

// proposalRecipients are the e-mail addresses (and languages) a new
// proposal is announced to: the placement's supervisor if one is given,
// else every enabled employer of the organisation.
func proposalRecipients(ctx context.Context, q sqlx.QueryerContext, placementID int64) ([]Recipient, error) {
	var out []Recipient
	rows, err := q.QueryContext(ctx, `
		SELECT pl.supervisor_email, pl.supervisor_name, coalesce(u.locale, 'nb')
		FROM placements pl LEFT JOIN users u ON u.email = pl.supervisor_email AND u.disabled_at IS NULL
		WHERE pl.id = $1 AND pl.supervisor_email <> ''
		UNION ALL
		SELECT u.email, u.name, u.locale FROM placements pl JOIN users u ON u.organisation_id = pl.organisation_id
		WHERE pl.id = $1 AND pl.supervisor_email = '' AND u.disabled_at IS NULL`, placementID)
	if err != nil {
		return nil, fmt.Errorf("db: proposal recipients: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Recipient
		if err := rows.Scan(&r.Email, &r.Name, &r.Locale); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ProposalsForParticipant lists a participant's proposals, newest first.
func (s *Store) ProposalsForParticipant(ctx context.Context, participantID int64) ([]Proposal, error) {
	var out []Proposal
	err := s.selectPrepared(ctx, &out, proposalSelect+`WHERE pr.participant_id = $1 ORDER BY pr.created_at DESC, pr.id DESC`, participantID)
	if err != nil {
		return nil, fmt.Errorf("db: proposals: %w", err)
	}
	return out, nil
}

// ProposalsForOrganisation lists the proposals to an organisation's
// placements, open ones first.
func (s *Store) ProposalsForOrganisation(ctx context.Context, orgID int64) ([]Proposal, error) {
	var out []Proposal
	err := s.selectPrepared(ctx, &out, proposalSelect+`WHERE pl.organisation_id = $1
		ORDER BY pr.status <> 'proposed', pr.created_at DESC, pr.id DESC LIMIT 500`, orgID)
	if err != nil {
		return nil, fmt.Errorf("db: proposals: %w", err)
	}
	return out, nil
}

// ProposalForOrganisation returns a proposal to one of the organisation's
// placements; anyone else's is ErrNotFound.
func (s *Store) ProposalForOrganisation(ctx context.Context, id, orgID int64) (Proposal, error) {
	var p Proposal
	err := s.DB.GetContext(ctx, &p, proposalSelect+`WHERE pr.id = $1 AND pl.organisation_id = $2`, id, orgID)
	return p, translate(err)
}

// DecideProposal accepts or declines an open proposal for the employer's
// organisation. Accepting locks the placement row and takes a seat, so
// two employers' users accepting at the same moment cannot overbook:
// the second waits for the lock and then finds the seats taken
// (ErrConflict). A decided proposal is ErrConflict too.
//
// Accepting also starts the agreement, in the same transaction, and
// returns its id.
func (s *Store) DecideProposal(ctx context.Context, id, orgID, actorID int64, accept bool, reason, ip string) (int64, error) {
	var agreementID int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var placementID, participantID int64
		var status string
		// The participant's row first, as SetProtection takes it (FOR
		// UPDATE, then the proposals): accepting inserts an agreement,
		// whose kode-6 guard reads the participant FOR SHARE, and taking
		// the proposal's lock before that one would deadlock with a
		// SetProtection withdrawing the proposal (review finding F5).
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM participants WHERE id = (SELECT participant_id FROM proposals WHERE id = $1)
			FOR SHARE`, id); err != nil {
			return fmt.Errorf("db: decide proposal: %w", err)
		}
		err := tx.QueryRowxContext(ctx, `SELECT pr.placement_id, pr.participant_id, pr.status FROM proposals pr
			JOIN placements pl ON pl.id = pr.placement_id WHERE pr.id = $1 AND pl.organisation_id = $2
			FOR UPDATE OF pr, pl`, id, orgID).Scan(&placementID, &participantID, &status)
		if err != nil {
			return translate(err)
		}
		if status != ProposalOpen {
			return ErrConflict
		}
		next := ProposalDeclined
		if accept {
			res, err := tx.ExecContext(ctx, `UPDATE placements SET seats_taken = seats_taken + 1 WHERE id = $1 AND seats_taken < seats`, placementID)
			if err != nil {
				return fmt.Errorf("db: take seat: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrConflict
			}
			next = ProposalAccepted
			reason = "" // only a decline has a reason
		}
		if _, err := tx.ExecContext(ctx, `UPDATE proposals SET status = $2, decline_reason = $3, decided_by = $4, decided_at = now()
			WHERE id = $1`, id, next, reason, actorID); err != nil {
			return fmt.Errorf("db: decide proposal: %w", err)
		}
		if accept {
			if agreementID, err = createAgreement(ctx, tx, id, actorID, s.Today(), s.AgreementRules(), ip); err != nil {
				return err
			}
		}
		return audit(ctx, tx, actorID, "participant.proposal_"+next, "participant", participantID, ip)
	})
	return agreementID, err
}
