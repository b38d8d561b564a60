package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Roles.
const (
	RoleEmployer = "employer"
	RoleAdviser  = "adviser"
	RoleNAV      = "nav"
	RoleAdmin    = "admin"
)

// Roles lists every role in display order.
var Roles = []string{RoleEmployer, RoleAdviser, RoleNAV, RoleAdmin}

// User is an account of any role.
type User struct {
	ID                 int64      `db:"id"`
	Email              string     `db:"email"`
	Name               string     `db:"name"`
	Role               string     `db:"role"`
	OrganisationID     *int64     `db:"organisation_id"`
	Locale             string     `db:"locale"`
	PasswordHash       string     `db:"password_hash"`
	MustChangePassword bool       `db:"must_change_password"`
	CreatedAt          time.Time  `db:"created_at"`
	DisabledAt         *time.Time `db:"disabled_at"`
	// OrgName is filled by the queries that join the organisation.
	OrgName *string `db:"org_name"`
}

const userColumns = `u.id, u.email, u.name, u.role, u.organisation_id, u.locale, u.password_hash,
	u.must_change_password, u.created_at, u.disabled_at, o.name AS org_name`

const userFrom = ` FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id `

// UserByEmail finds an account by e-mail (case-insensitive).
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := s.DB.GetContext(ctx, &u, `SELECT `+userColumns+userFrom+`WHERE u.email = $1`, email)
	return u, translate(err)
}

// UserByID finds an account by id.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	var u User
	err := s.DB.GetContext(ctx, &u, `SELECT `+userColumns+userFrom+`WHERE u.id = $1`, id)
	return u, translate(err)
}

// NewUser is an account created by an admin or the command line.
type NewUser struct {
	Email, Name, Role, Locale, PasswordHash string
	OrganisationID                          *int64
	MustChangePassword                      bool
}

// CreateUser inserts an account; ErrConflict means the e-mail is taken.
func (s *Store) CreateUser(ctx context.Context, in NewUser) (int64, error) {
	return createUser(ctx, s.DB, in)
}

// createUser is CreateUser inside the caller's transaction.
func createUser(ctx context.Context, q sqlx.QueryerContext, in NewUser) (int64, error) {
	const ins = `INSERT INTO users (email, name, role, organisation_id, locale, password_hash, must_change_password)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`
	var id int64
	err := q.QueryRowxContext(ctx, ins, in.Email, in.Name, in.Role, in.OrganisationID, in.Locale,
		in.PasswordHash, in.MustChangePassword).Scan(&id)
	if err != nil {
		if err = translate(err); err == ErrConflict {
			return 0, err
		}
		return 0, fmt.Errorf("db: create user: %w", err)
	}
	return id, nil
}

// Users lists accounts, filtered by role ("" for all) and a search over
// name and e-mail, ordered by name. A name is also found from another
// common Latin spelling of it, as in the caseload (caseloadWhere).
func (s *Store) Users(ctx context.Context, role, search string) ([]User, error) {
	const q = `SELECT ` + userColumns + userFrom + `
		WHERE ($1 = '' OR u.role = $1)
		  AND ($2 = '' OR u.name ILIKE '%' || $2 || '%' OR u.email ILIKE '%' || $2 || '%' -- $2 is LIKE-escaped
		       OR u.name_key LIKE ALL ((SELECT name_patterns($2))::text[]))
		ORDER BY u.disabled_at IS NOT NULL, lower(u.name), u.id LIMIT 500`
	var out []User
	if err := s.DB.SelectContext(ctx, &out, q, role, likeEscape(search)); err != nil {
		return nil, fmt.Errorf("db: users: %w", err)
	}
	return out, nil
}

// SetPassword stores a new hash and ends every session of the user except
// keepSessionID (the one that made the change), so a stolen session does
// not survive a password change.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string, keepSessionID int64) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error { return setPassword(ctx, tx, userID, hash, keepSessionID) })
}

// setPassword is SetPassword inside the caller's transaction (keep 0 to
// end every session, as after a reset by e-mail).
func setPassword(ctx context.Context, tx *sqlx.Tx, userID int64, hash string, keepSessionID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2, must_change_password = false,
		password_changed_at = now() WHERE id = $1`, userID, hash); err != nil {
		return fmt.Errorf("db: set password: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id <> $2`, userID, keepSessionID); err != nil {
		return fmt.Errorf("db: end sessions: %w", err)
	}
	return nil
}

// SetLocale stores the user's language choice.
func (s *Store) SetLocale(ctx context.Context, userID int64, locale string) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE users SET locale = $2 WHERE id = $1`, userID, locale)
	if err != nil {
		return fmt.Errorf("db: set locale: %w", err)
	}
	return nil
}

// SetDisabled disables or re-enables an account. Disabling deletes the
// user's sessions in the same transaction, so they end at once.
func (s *Store) SetDisabled(ctx context.Context, userID, adminID int64, disabled bool, ip string) (User, error) {
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return User{}, fmt.Errorf("db: begin: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END
		WHERE id = $1`, userID, disabled)
	if err != nil {
		return User{}, fmt.Errorf("db: set disabled: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return User{}, ErrNotFound
	}
	action := "user.enable"
	if disabled {
		action = "user.disable"
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
			return User{}, fmt.Errorf("db: end sessions: %w", err)
		}
	}
	if err := audit(ctx, tx, adminID, action, "user", userID, ip); err != nil {
		return User{}, err
	}
	if err := tx.Commit(); err != nil {
		return User{}, fmt.Errorf("db: commit: %w", err)
	}
	return s.UserByID(ctx, userID)
}

// AdminCounts returns the number of organisations awaiting approval and of
// active accounts per role, for the admin dashboard.
func (s *Store) AdminCounts(ctx context.Context) (pending int, perRole map[string]int, err error) {
	const q = `SELECT 'pending' AS k, count(*) AS n FROM organisations WHERE approved_at IS NULL AND rejected_at IS NULL
		UNION ALL SELECT role, count(*) FROM users WHERE disabled_at IS NULL GROUP BY role`
	rows, err := s.DB.QueryContext(ctx, q)
	if err != nil {
		return 0, nil, fmt.Errorf("db: admin counts: %w", err)
	}
	defer rows.Close()
	perRole = map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return 0, nil, fmt.Errorf("db: admin counts: %w", err)
		}
		if k == "pending" {
			pending = n
		} else {
			perRole[k] = n
		}
	}
	return pending, perRole, rows.Err()
}

// OrganisationMembers lists an organisation's accounts by name.
func (s *Store) OrganisationMembers(ctx context.Context, orgID int64) ([]User, error) {
	var out []User
	err := s.DB.SelectContext(ctx, &out, `SELECT `+userColumns+userFrom+`WHERE u.organisation_id = $1 ORDER BY lower(u.name), u.id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("db: organisation members: %w", err)
	}
	return out, nil
}

// lockUser takes a row lock on the account until tx ends, so checks and
// writes about one account (such as "was a reset mail sent lately?") do
// not race with a concurrent request for the same account.
func lockUser(ctx context.Context, tx *sqlx.Tx, userID int64) error {
	var id int64
	if err := tx.GetContext(ctx, &id, `SELECT id FROM users WHERE id = $1 FOR UPDATE`, userID); err != nil {
		return fmt.Errorf("db: lock user: %w", translate(err))
	}
	return nil
}
