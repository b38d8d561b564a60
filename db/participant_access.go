package db

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// RoleParticipant is the role of a participant signed in to their own
// pages (issue 16). It is no account role (not in Roles): a participant
// has a ParticipantSession, never a users row.
const RoleParticipant = "participant"

// Kinds of participant invitation.
const (
	InviteLink = "link" // mailed
	InviteCode = "code" // QR code and short code on the adviser's screen
)

// CodeFailuresMax wrong codes starting with the same four characters burn
// the invitations that start so.
const CodeFailuresMax = 5

// ErrInviteUsed and ErrInviteExpired say why an invitation that exists
// does not work, so the page can say so; an unknown one is ErrNotFound.
var (
	ErrInviteUsed    = errors.New("db: invitation used")
	ErrInviteExpired = errors.New("db: invitation expired")
)

// codeAlphabet has no 0/O, 1/I/L: a code is read aloud and typed from a
// screen. 31 symbols, 10 of them: about 49 bits.
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// NewParticipantCode makes a short sign-in code, ten characters.
func NewParticipantCode() (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("db: code: %w", err)
	}
	for i := range b {
		// 256 is not a multiple of 31: the first 8 symbols are a little
		// likelier (9 in 256 against 8), which costs under a bit.
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b), nil
}

// NormaliseCode reads a typed code: case, spaces and dashes do not
// matter. It returns "" for anything that cannot be a code.
func NormaliseCode(s string) string {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\u00a0", "").Replace(strings.TrimSpace(s)))
	if len(s) != 10 {
		return ""
	}
	for _, r := range s {
		if !strings.ContainsRune(codeAlphabet, r) {
			return ""
		}
	}
	return s
}

// NewParticipantInvite is an invitation the adviser makes. Token (and for
// a code, Code) are made by the caller first, so a mail carrying the link
// is rendered before the call (Mail, queued in the same transaction).
type NewParticipantInvite struct {
	ParticipantID, AdviserID int64
	Kind                     string
	Token, Code              string
	TTL                      time.Duration
	// Email and Locale, when set, are remembered on the participant: where
	// their mails go and in which language.
	Email, Locale string
	Mail          *Mail
	IP            string
}

// CreateParticipantInvite stores an invitation for a participant of the
// adviser's caseload (ErrNotFound otherwise, and for a participant with a
// strictly confidential address: ErrProtectedAddress), audited.
func (s *Store) CreateParticipantInvite(ctx context.Context, in NewParticipantInvite) error {
	if len(in.Token) < 20 || (in.Kind == InviteCode) != (NormaliseCode(in.Code) != "") || (in.Kind != InviteCode && in.Kind != InviteLink) {
		return fmt.Errorf("db: participant invite: no token made")
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var protection string
		err := tx.GetContext(ctx, &protection, `SELECT protection FROM participants
			WHERE id = $1 AND adviser_id = $2 AND anonymised_at IS NULL FOR UPDATE`, in.ParticipantID, in.AdviserID)
		if err != nil {
			return translate(err)
		}
		if in.Email != "" || in.Locale != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE participants SET email = coalesce(NULLIF($2, ''), email),
				locale = coalesce(NULLIF($3, ''), locale) WHERE id = $1`, in.ParticipantID, in.Email, in.Locale); err != nil {
				return fmt.Errorf("db: participant email: %w", translate(err))
			}
		}
		var codeHash []byte
		var lookup *string
		if in.Kind == InviteCode {
			c := NormaliseCode(in.Code)
			codeHash, lookup = HashToken(c), &[]string{c[:4]}[0]
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO participant_invites (participant_id, kind, token_hash, code_hash, code_lookup,
			created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))`,
			in.ParticipantID, in.Kind, HashToken(in.Token), codeHash, lookup, in.AdviserID, in.TTL.Seconds()); err != nil {
			return fmt.Errorf("db: participant invite: %w", err)
		}
		if in.Mail != nil {
			if _, err := Enqueue(ctx, tx, *in.Mail); err != nil {
				return err
			}
		}
		return auditDetails(ctx, tx, in.AdviserID, "participant.access_"+in.Kind, "participant", in.ParticipantID, in.IP,
			map[string]any{"minutes": int(in.TTL.Minutes())})
	})
}

// InviteView is what the page behind a link shows before it is used: the
// first name and the language to greet in.
type InviteView struct {
	FirstName string `db:"first_name"`
	Locale    string `db:"locale"`
}

// ParticipantInvite looks up an invitation by its long token without
// using it: ErrNotFound, ErrInviteUsed, ErrInviteExpired, or who it is for.
func (s *Store) ParticipantInvite(ctx context.Context, token string) (InviteView, error) {
	var row struct {
		InviteView
		Used    bool `db:"used"`
		Expired bool `db:"expired"`
	}
	err := s.DB.GetContext(ctx, &row, `SELECT p.first_name, p.locale, i.used_at IS NOT NULL AS used, i.expires_at <= now() AS expired
		FROM participant_invites i JOIN participants p ON p.id = i.participant_id
		WHERE i.token_hash = $1 AND p.anonymised_at IS NULL`, HashToken(token))
	if err != nil {
		return InviteView{}, translate(err)
	}
	switch {
	case row.Used:
		return row.InviteView, ErrInviteUsed
	case row.Expired:
		return row.InviteView, ErrInviteExpired
	}
	return row.InviteView, nil
}

// ParticipantSignIn is a use of an invitation: the long token of a link
// or QR code, or a short code, and the session it opens.
type ParticipantSignIn struct {
	Token, Code        string
	SessionToken, CSRF string
	MaxAge             time.Duration
	IP                 string
}

// UseParticipantInvite uses an invitation once and opens a participant
// session, audited, in one transaction. A wrong code counts against the
// invitations starting with its first four characters (CodeFailuresMax
// burns them). It returns the participant's locale, or ErrNotFound,
// ErrInviteUsed or ErrInviteExpired (with the locale when known).
func (s *Store) UseParticipantInvite(ctx context.Context, in ParticipantSignIn) (locale string, err error) {
	col, secret := "token_hash", in.Token
	if in.Code != "" {
		col, secret = "code_hash", NormaliseCode(in.Code)
	}
	if secret == "" {
		return "", ErrNotFound
	}
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		var row struct {
			ID            int64      `db:"id"`
			ParticipantID int64      `db:"participant_id"`
			Locale        string     `db:"locale"`
			UsedAt        *time.Time `db:"used_at"`
			Expired       bool       `db:"expired"`
			Burnt         bool       `db:"burnt"`
		}
		err := tx.GetContext(ctx, &row, `SELECT i.id, i.participant_id, p.locale, i.used_at, i.expires_at <= now() AS expired,
			i.failures >= $2 AS burnt
			FROM participant_invites i JOIN participants p ON p.id = i.participant_id
			WHERE i.`+col+` = $1 AND p.anonymised_at IS NULL FOR UPDATE OF i`, HashToken(secret), CodeFailuresMax)
		if err != nil {
			return translate(err)
		}
		locale = row.Locale
		switch {
		case row.UsedAt != nil:
			return ErrInviteUsed
		case row.Expired || row.Burnt:
			return ErrInviteExpired
		}
		if _, err := tx.ExecContext(ctx, `UPDATE participant_invites SET used_at = now() WHERE id = $1`, row.ID); err != nil {
			return fmt.Errorf("db: use invite: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO participant_sessions (token_hash, participant_id, csrf_token, expires_at, ip)
			VALUES ($1, $2, $3, now() + make_interval(secs => $4), NULLIF($5, '')::inet)`,
			HashToken(in.SessionToken), row.ParticipantID, in.CSRF, in.MaxAge.Seconds(), in.IP); err != nil {
			return fmt.Errorf("db: participant session: %w", err)
		}
		return auditDetails(ctx, tx, 0, "participant.signed_in", "participant", row.ParticipantID, in.IP,
			map[string]any{"by": RoleParticipant, "invite_id": row.ID})
	})
	if errors.Is(err, ErrNotFound) && in.Code != "" {
		// Count the miss against the codes that start so, in PostgreSQL,
		// so the count holds across replicas.
		if _, uerr := s.DB.ExecContext(ctx, `UPDATE participant_invites SET failures = failures + 1
			WHERE code_lookup = $1 AND used_at IS NULL`, secret[:4]); uerr != nil {
			return "", fmt.Errorf("db: code failure: %w", uerr)
		}
	}
	return locale, err
}

// ParticipantSession is a participant signed in to their own pages.
type ParticipantSession struct {
	ID            int64     `db:"id"`
	ParticipantID int64     `db:"participant_id"`
	CSRFToken     string    `db:"csrf_token"`
	LastSeenAt    time.Time `db:"last_seen_at"`
	FirstName     string    `db:"first_name"`
	Locale        string    `db:"locale"`
}

// ParticipantSessionByToken returns the live participant session of a
// cookie token (not past its expiry, not idle longer than idle, of a
// participant not anonymised); anything else is ErrNotFound.
func (s *Store) ParticipantSessionByToken(ctx context.Context, token string, idle time.Duration) (ParticipantSession, error) {
	var ps ParticipantSession
	err := s.getPrepared(ctx, &ps, `SELECT s.id, s.participant_id, s.csrf_token, s.last_seen_at, p.first_name, p.locale
		FROM participant_sessions s JOIN participants p ON p.id = s.participant_id
		WHERE s.token_hash = $1 AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => $2)
		  AND p.anonymised_at IS NULL`, HashToken(token), idle.Seconds())
	return ps, translate(err)
}

// TouchParticipantSession moves last_seen_at to now (at most once a minute).
func (s *Store) TouchParticipantSession(ctx context.Context, id int64) error {
	if _, err := s.DB.ExecContext(ctx, `UPDATE participant_sessions SET last_seen_at = now() WHERE id = $1`, id); err != nil {
		return fmt.Errorf("db: touch participant session: %w", err)
	}
	return nil
}

// EndParticipantSession signs one participant session out, audited.
func (s *Store) EndParticipantSession(ctx context.Context, id, participantID int64, ip string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM participant_sessions WHERE id = $1`, id); err != nil {
			return fmt.Errorf("db: end participant session: %w", err)
		}
		return auditDetails(ctx, tx, 0, "participant.signed_out", "participant", participantID, ip, map[string]any{"by": RoleParticipant})
	})
}

// EndParticipantAccess is the adviser's "sign out everywhere": every
// session of the participant ends and every open invitation stops
// working. It returns how many sessions ended (ErrNotFound outside the
// adviser's caseload).
func (s *Store) EndParticipantAccess(ctx context.Context, participantID, adviserID int64, ip string) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var id int64
		if err := tx.GetContext(ctx, &id, `SELECT id FROM participants WHERE id = $1 AND adviser_id = $2`, participantID, adviserID); err != nil {
			return translate(err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM participant_sessions WHERE participant_id = $1`, participantID)
		if err != nil {
			return fmt.Errorf("db: end participant sessions: %w", err)
		}
		m, _ := res.RowsAffected()
		n = int(m)
		if _, err := tx.ExecContext(ctx, `UPDATE participant_invites SET expires_at = least(expires_at, now())
			WHERE participant_id = $1 AND used_at IS NULL`, participantID); err != nil {
			return fmt.Errorf("db: end participant invites: %w", err)
		}
		return auditDetails(ctx, tx, adviserID, "participant.access_ended", "participant", participantID, ip, map[string]any{"sessions": n})
	})
	return n, err
}

// SetParticipantLocale remembers the language a participant picked; it
// is used for their pages and their mails.
func (s *Store) SetParticipantLocale(ctx context.Context, participantID int64, lang string) error {
	if _, err := s.DB.ExecContext(ctx, `UPDATE participants SET locale = $2 WHERE id = $1`, participantID, lang); err != nil {
		return fmt.Errorf("db: participant locale: %w", translate(err))
	}
	return nil
}
