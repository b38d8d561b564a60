package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Organisation kinds.
const (
	KindBusiness = "business"
	KindPublic   = "public"
	KindNGO      = "ngo"
)

// OrgKinds lists the kinds an organisation can have, in display order.
var OrgKinds = []string{KindBusiness, KindPublic, KindNGO}

// Sectors is the short list of sectors placements and organisations are
// filed under; the labels live in the message catalogues as "sector.<code>".
var Sectors = []string{
	"health", "education", "retail", "hospitality", "construction", "industry",
	"transport", "cleaning", "agriculture", "office", "it", "culture", "public", "other",
}

// Organisation status, derived from the decision columns.
const (
	OrgPending  = "pending"
	OrgApproved = "approved"
	OrgRejected = "rejected"
)

// Organisation is an employer: a business, a public agency or an NGO.
type Organisation struct {
	ID           int64      `db:"id"`
	Name         string     `db:"name"`
	OrgNumber    string     `db:"org_number"`
	Kind         string     `db:"kind"`
	Sector       string     `db:"sector"`
	Municipality string     `db:"municipality"`
	CreatedAt    time.Time  `db:"created_at"`
	ApprovedAt   *time.Time `db:"approved_at"`
	RejectedAt   *time.Time `db:"rejected_at"`
	// RejectionReason is what the admin told the employers when rejecting.
	RejectionReason string `db:"rejection_reason"`
}

// Status is pending, approved or rejected.
func (o Organisation) Status() string {
	switch {
	case o.ApprovedAt != nil:
		return OrgApproved
	case o.RejectedAt != nil:
		return OrgRejected
	}
	return OrgPending
}

const orgColumns = `id, name, org_number, kind, sector, municipality, created_at, approved_at, rejected_at, rejection_reason`

// Signup is what an employer enters to register an organisation and
// themselves.
type Signup struct {
	OrgName, OrgNumber, Kind, Sector, Municipality string
	Name, Email, PasswordHash, Locale              string
}

// CreateOrganisationWithUser registers a pending organisation and its first
// employer in one transaction. ErrConflict means the organisation number or
// the e-mail is taken; which one is reported in the returned field name.
func (s *Store) CreateOrganisationWithUser(ctx context.Context, in Signup) (orgID, userID int64, conflictField string, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		orgID, userID, conflictField, err = createOrganisationWithUser(ctx, tx, in)
		return err
	})
	return orgID, userID, conflictField, err
}

func createOrganisationWithUser(ctx context.Context, tx *sqlx.Tx, in Signup) (orgID, userID int64, conflictField string, err error) {
	const insOrg = `INSERT INTO organisations (name, org_number, kind, sector, municipality)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (org_number) DO NOTHING RETURNING id`
	err = tx.QueryRowContext(ctx, insOrg, in.OrgName, in.OrgNumber, in.Kind, in.Sector, in.Municipality).Scan(&orgID)
	if err = translate(err); err == ErrNotFound {
		return 0, 0, "org_number", ErrConflict
	} else if err != nil {
		return 0, 0, "", fmt.Errorf("db: insert organisation: %w", err)
	}
	const insUser = `INSERT INTO users (email, name, role, organisation_id, locale, password_hash)
		VALUES ($1, $2, 'employer', $3, $4, $5) ON CONFLICT (email) DO NOTHING RETURNING id`
	err = tx.QueryRowContext(ctx, insUser, in.Email, in.Name, orgID, in.Locale, in.PasswordHash).Scan(&userID)
	if err = translate(err); err == ErrNotFound {
		return 0, 0, "email", ErrConflict
	} else if err != nil {
		return 0, 0, "", fmt.Errorf("db: insert user: %w", err)
	}
	return orgID, userID, "", nil
}

// SignupMailKey is the outbox dedupe key of a sign-up mail (the
// confirmation, or the notice to an address that has an account): each
// its own mail, all under a prefix per address, which RequestSignup's
// "sent lately?" check looks for.
func SignupMailKey(email, token string) string {
	return fmt.Sprintf("%s%x", signupKeyPrefix(email), HashToken(token)[:12])
}

func signupKeyPrefix(email string) string { return "signup:" + strings.ToLower(email) + ":" }

// RequestSignup queues m, the sign-up mail to email, and stores its
// confirmation token in (nil when the address has an account: m then
// tells its owner someone tried), unless a sign-up mail to the address was
// queued within every; sent says which. Both kinds share the limit, so
// the form cannot flood an inbox, and neither answer differs.
func (s *Store) RequestSignup(ctx context.Context, email string, in *NewLinkToken, m Mail, every time.Duration) (sent bool, err error) {
	prefix := signupKeyPrefix(email)
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		// One request per address at a time, so two at once cannot both
		// see "no recent mail" (there may be no account row to lock).
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, prefix); err != nil {
			return fmt.Errorf("db: lock sign-up: %w", err)
		}
		recent, err := MailQueuedWithin(ctx, tx, prefix, every)
		if err != nil || recent {
			return err
		}
		if in != nil {
			in.Purpose = PurposeSignup
			if err := createLinkToken(ctx, tx, *in); err != nil {
				return err
			}
		}
		sent, err = Enqueue(ctx, tx, m)
		return err
	})
	return sent && err == nil, err
}

// ConfirmSignup uses up a sign-up token and registers what it was for (in,
// built by the caller from the token's payload), in one transaction, and
// returns the new employer's id. ErrNotFound: the token was used or
// expired meanwhile; ErrConflict: the organisation number or the e-mail
// was registered since, which conflictField names (the token stays
// unused).
func (s *Store) ConfirmSignup(ctx context.Context, token string, in Signup) (userID int64, conflictField string, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		t, err := useLinkToken(ctx, tx, token, PurposeSignup)
		if err != nil {
			return err
		}
		if t.Email == nil || !strings.EqualFold(*t.Email, in.Email) {
			return fmt.Errorf("db: sign-up token for another address")
		}
		_, userID, conflictField, err = createOrganisationWithUser(ctx, tx, in)
		return err
	})
	return userID, conflictField, err
}

// Organisation returns one organisation.
func (s *Store) Organisation(ctx context.Context, id int64) (Organisation, error) {
	var o Organisation
	err := s.getPrepared(ctx, &o, `SELECT `+orgColumns+` FROM organisations WHERE id = $1`, id)
	return o, translate(err)
}

// OrganisationByNumber returns the organisation with an organisation number.
func (s *Store) OrganisationByNumber(ctx context.Context, orgNumber string) (Organisation, error) {
	var o Organisation
	err := s.DB.GetContext(ctx, &o, `SELECT `+orgColumns+` FROM organisations WHERE org_number = $1`, orgNumber)
	return o, translate(err)
}

// Organisations lists organisations with the given status ("" for all),
// pending ones oldest first (they have waited longest), others newest first.
func (s *Store) Organisations(ctx context.Context, status string) ([]Organisation, error) {
	const q = `SELECT ` + orgColumns + ` FROM organisations
		WHERE CASE $1
			WHEN 'pending'  THEN approved_at IS NULL AND rejected_at IS NULL
			WHEN 'approved' THEN approved_at IS NOT NULL
			WHEN 'rejected' THEN rejected_at IS NOT NULL
			ELSE true END
		ORDER BY (approved_at IS NULL AND rejected_at IS NULL) DESC,
			CASE WHEN approved_at IS NULL AND rejected_at IS NULL THEN created_at END ASC,
			created_at DESC
		LIMIT 500`
	var out []Organisation
	if err := s.DB.SelectContext(ctx, &out, q, status); err != nil {
		return nil, fmt.Errorf("db: organisations: %w", err)
	}
	return out, nil
}

// DecideOrganisation approves or rejects an organisation and records who
// did it in the audit log, in one transaction. Deciding again changes the
// decision (an admin may correct a mistake).
//
// Rejecting an approved organisation withdraws it (README, "Matching and
// agreements"): its employers lose every
// employer route and one-click link (the session's org status and the
// agreements' org_approved say so at once), and in the same transaction
// its published placements are taken down (paused, with the event
// "withdraw") and mails, the advisers' notices of its open agreements
// rendered by the caller (OpenAgreementsOf), are queued. Those are queued
// only when the decision withdraws an approval, so a second click queues
// nothing.
func (s *Store) DecideOrganisation(ctx context.Context, id, adminID int64, approve bool, ip string, mails ...Mail) (Organisation, error) {
	return s.Decide(ctx, OrgDecision{OrgID: id, AdminID: adminID, Approve: approve, IP: ip, Withdrawal: mails})
}

// OrgDecision is an admin's approval or rejection of an organisation.
type OrgDecision struct {
	OrgID, AdminID int64
	Approve        bool
	Reason         string // a rejection's reason, kept and told to the employers
	IP             string
	// Notices (to the organisation's employers) are queued with the
	// decision; Withdrawal (to advisers) only when a rejection withdraws
	// an approval.
	Notices, Withdrawal []Mail
}

// Decide records an organisation's approval or rejection, audited, with
// its mails, in one transaction. Rejecting an approved organisation
// withdraws its access (withdrawOrganisation).
func (s *Store) Decide(ctx context.Context, d OrgDecision) (Organisation, error) {
	var o Organisation
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var wasApproved bool
		err := tx.GetContext(ctx, &wasApproved, `SELECT approved_at IS NOT NULL FROM organisations WHERE id = $1 FOR UPDATE`, d.OrgID)
		if err != nil {
			return translate(err)
		}
		const q = `UPDATE organisations SET
				approved_at = CASE WHEN $2 THEN coalesce(approved_at, now()) END,
				rejected_at = CASE WHEN $2 THEN NULL ELSE coalesce(rejected_at, now()) END,
				rejection_reason = CASE WHEN $2 THEN '' ELSE $4 END,
				decided_by = $3
			WHERE id = $1 RETURNING ` + orgColumns
		if err := tx.GetContext(ctx, &o, q, d.OrgID, d.Approve, d.AdminID, d.Reason); err != nil {
			return translate(err)
		}
		action := "organisation.reject"
		if d.Approve {
			action = "organisation.approve"
		}
		if err := audit(ctx, tx, d.AdminID, action, "organisation", d.OrgID, d.IP); err != nil {
			return err
		}
		for _, m := range d.Notices {
			if _, err := Enqueue(ctx, tx, m); err != nil {
				return err
			}
		}
		if d.Approve || !wasApproved {
			return nil
		}
		return withdrawOrganisation(ctx, tx, d.OrgID, d.AdminID, d.Withdrawal)
	})
	return o, err
}

// withdrawOrganisation takes down a rejected organisation's published
// placements, with an event each, and queues the advisers' mails.
func withdrawOrganisation(ctx context.Context, tx *sqlx.Tx, id, adminID int64, mails []Mail) error {
	_, err := tx.ExecContext(ctx, `WITH down AS (
			UPDATE placements SET status = 'paused', updated_at = now()
			WHERE organisation_id = $1 AND status = 'published' RETURNING id)
		INSERT INTO placement_events (placement_id, action, actor_id) SELECT id, 'withdraw', $2 FROM down`, id, adminID)
	if err != nil {
		return fmt.Errorf("db: withdraw placements: %w", err)
	}
	for _, m := range mails {
		if _, err := Enqueue(ctx, tx, m); err != nil {
			return err
		}
	}
	return nil
}

// OpenAgreement is an agreement of an organisation that is not over
// (neither ended nor cancelled), with the participant's adviser: whom to
// tell when the organisation is rejected, and whom its employers can
// contact then.
type OpenAgreement struct {
	ID            int64  `db:"id"`
	AdviserName   string `db:"adviser_name"`
	AdviserEmail  string `db:"adviser_email"`
	AdviserLocale string `db:"adviser_locale"`
	Title         string `db:"title"`
	ParticipantID int64  `db:"participant_id"`
}

// OpenAgreementsOf lists an organisation's agreements that are not over
// on today, with each participant's (enabled) adviser.
func (s *Store) OpenAgreementsOf(ctx context.Context, orgID int64, today time.Time) ([]OpenAgreement, error) {
	var out []OpenAgreement
	err := s.DB.SelectContext(ctx, &out, `SELECT ag.id, ad.name AS adviser_name, ad.email AS adviser_email, ad.locale AS adviser_locale,
			coalesce(nullif(ag.job_title, ''), pl.title) AS title, ag.participant_id
		FROM agreements ag
		JOIN placements pl ON pl.id = ag.placement_id
		JOIN participants p ON p.id = ag.participant_id
		JOIN users ad ON ad.id = p.adviser_id
		WHERE ag.organisation_id = $1 AND agreement_status(ag, $2::date) NOT IN ('ended', 'cancelled') AND ad.disabled_at IS NULL
		ORDER BY ag.id`, orgID, dateOnly(today))
	if err != nil {
		return nil, fmt.Errorf("db: open agreements: %w", err)
	}
	return out, nil
}
