package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Participant vocabularies; labels are "participant.<field>.<code>" in the
// catalogues.
var (
	Educations           = []string{"none", "primary", "upper_secondary", "higher"}
	Regimes              = []string{RegimeIntegration, RegimeIntroduction, RegimeKap6A}
	GoalCategories       = []string{"work_sector", "higher_education", "upper_secondary", "work_or_education"}
	ParticipantStatuses  = []string{"active", "on_leave", "completed", "ended_early"}
	OutcomeKinds         = []string{"work_full", "work_part", "education", "nav_measure", "other"}
	ResultSources        = []string{"norskprove", "teacher"}
	SickChildQuotas      = []string{"standard", "many_children", "single_parent", "single_parent_many_children"}
	ParticipantLanguages = []string{"uk", "ru", "ar", "ti", "prs", "ps", "so", "ku", "fa", "am", "sw", "fr", "en", "es", "tr", "ur", "my", "nb"}
)

// Participant is a person in the introduction programme.
type Participant struct {
	ID               int64          `db:"id"`
	AdviserID        int64          `db:"adviser_id"`
	AdviserName      string         `db:"adviser_name"`
	NavContactID     *int64         `db:"nav_contact_id"`
	NavName          *string        `db:"nav_name"`
	FirstName        string         `db:"first_name"`
	LastName         string         `db:"last_name"`
	BirthYear        int            `db:"birth_year"`
	Languages        pq.StringArray `db:"languages"`
	Education        string         `db:"education"`
	Regime           string         `db:"regime"`
	ProgrammeStart   time.Time      `db:"programme_start"`
	ProgrammeEnd     time.Time      `db:"programme_end"`
	ProgrammeHours   float64        `db:"programme_hours"`
	GoalCategory     string         `db:"goal_category"`
	GoalSector       string         `db:"goal_sector"`
	GoalListening    Level          `db:"goal_listening"`
	GoalReading      Level          `db:"goal_reading"`
	GoalWriting      Level          `db:"goal_writing"`
	GoalOral         Level          `db:"goal_oral"`
	ProtectedAddress bool           `db:"protected_address"`
	Municipality     string         `db:"municipality"`
	Address          string         `db:"address"`
	Status           string         `db:"status"`
	LegalBasis       string         `db:"legal_basis"`
	PermitDate       *time.Time     `db:"permit_date"`
	Sex              string         `db:"sex"`
	Phone            string         `db:"phone"`            // shared with an employer only as consented
	SickChildQuota   string         `db:"sick_child_quota"` // the quota's category, not the family
	CreatedAt        time.Time      `db:"created_at"`
	UpdatedAt        time.Time      `db:"updated_at"`
}

// Goal is the norskmål for a skill.
func (p Participant) Goal(skill string) Level {
	return bySkill(skill, p.GoalListening, p.GoalReading, p.GoalWriting, p.GoalOral)
}

// participantColumns: birth_year is NULL once a participant is anonymised
// (0 = not known), though the scope leaves such rows out.
const participantColumns = `p.id, p.adviser_id, a.name AS adviser_name, p.nav_contact_id, n.name AS nav_name,
	p.first_name, p.last_name, coalesce(p.birth_year, 0) AS birth_year, p.languages, p.education, p.regime, p.programme_start, p.programme_end, p.programme_hours::float8 AS programme_hours,
	p.goal_category, p.goal_sector, p.goal_listening, p.goal_reading, p.goal_writing, p.goal_oral,
	p.protected_address, p.municipality, p.address, p.status, p.legal_basis, p.permit_date, p.sex, p.phone, p.sick_child_quota, p.created_at, p.updated_at`

const participantFrom = ` FROM participants p JOIN users a ON a.id = p.adviser_id LEFT JOIN users n ON n.id = p.nav_contact_id `

// Scope is whose participants a user may see: an adviser their own
// caseload, a NAV user those linked to them, an admin everyone.
type Scope struct {
	AdviserID int64
	NavID     int64
	All       bool
}

// scopeSQL is the WHERE clause for a scope, with its arguments at $1, $2,
// $3. An anonymised participant is in no one's scope: the row stays for
// statistics under a pseudonym, with no name and no birth year to show,
// so every list, profile and export that reads through a scope leaves it out.
const scopeSQL = `(($3 OR ($1 <> 0 AND p.adviser_id = $1) OR ($2 <> 0 AND p.nav_contact_id = $2)) AND p.anonymised_at IS NULL)`

func (sc Scope) args() []any { return []any{sc.AdviserID, sc.NavID, sc.All} }

// scopeParams is true whatever the scope's values: a statement written
// for one shape of scope (scopeFor) uses one of $1–$3 and names the others
// because PostgreSQL must learn every parameter's type; not referring to a
// column, it is checked once per run, not per row.
const scopeParams = `($1::bigint, $2::bigint, $3::boolean) IS NOT NULL`

// scopeFor is scopeSQL written for the scope's shape: an adviser's own
// participants, a NAV contact's, everyone's. Under a plan made once for
// every value (a prepared statement), scopeSQL's OR of the three cannot
// use the index on the adviser's or the NAV contact's column; one
// condition per shape can (as agreementScopeBy per role). The same rule,
// the same rows: any other shape (none of the three) keeps scopeSQL.
func scopeFor(sc Scope) string {
	switch {
	case sc.All:
		return `($3 AND ` + scopeParams + ` AND p.anonymised_at IS NULL)`
	case sc.AdviserID != 0 && sc.NavID == 0:
		return `(p.adviser_id = $1 AND ` + scopeParams + ` AND p.anonymised_at IS NULL)`
	case sc.NavID != 0 && sc.AdviserID == 0:
		return `(p.nav_contact_id = $2 AND ` + scopeParams + ` AND p.anonymised_at IS NULL)`
	}
	return scopeSQL
}

// ParticipantIn returns a participant if the scope may see them, else
// ErrNotFound (a participant of another adviser does not "exist").
func (s *Store) ParticipantIn(ctx context.Context, id int64, sc Scope) (Participant, error) {
	var p Participant
	err := s.DB.GetContext(ctx, &p, `SELECT `+participantColumns+participantFrom+`WHERE `+scopeSQL+` AND p.id = $4`,
		append(sc.args(), id)...)
	return p, translate(err)
}

// ParticipantInput is what an adviser registers or edits.
type ParticipantInput struct {
	FirstName, LastName          string
	BirthYear                    int
	Languages                    []string
	Education, Regime            string
	ProgrammeStart, ProgrammeEnd time.Time
	ProgrammeHours               float64 // 37.5 or 30 a week
	GoalCategory, GoalSector     string
	Goals                        map[string]Level
	// No protected address here: the grade is set only by SetProtection
	// (audited), never by the participant form (review finding F4).
	Municipality, Address string
	NavContactID          *int64
	Status                string
	Phone                 string
	SickChildQuota        string // "" is "standard"
}

// quota is the sick-child quota's category, standard unless set.
func (in ParticipantInput) quota() string {
	if in.SickChildQuota == "" {
		return "standard"
	}
	return in.SickChildQuota
}

// ProgrammeHours are the full-time programme's weekly hours.
var ProgrammeHours = []string{"37.5", "30"}

// hours is the weekly programme hours, full time (37.5) unless set.
func (in ParticipantInput) hours() float64 {
	if in.ProgrammeHours == 0 {
		return 37.5
	}
	return in.ProgrammeHours
}

// CreateParticipant registers a participant in an adviser's caseload and
// writes the audit row in the same transaction.
func (s *Store) CreateParticipant(ctx context.Context, adviserID int64, in ParticipantInput, ip string) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if id, err = insertParticipant(ctx, tx, adviserID, in); err != nil {
			return err
		}
		return audit(ctx, tx, adviserID, "participant.create", "participant", id, ip)
	})
	return id, err
}

// insertParticipant inserts a participant row inside the caller's
// transaction.
func insertParticipant(ctx context.Context, tx *sqlx.Tx, adviserID int64, in ParticipantInput) (int64, error) {
	var id int64
	const q = `INSERT INTO participants (adviser_id, nav_contact_id, first_name, last_name, birth_year, languages, education,
			regime, programme_start, programme_end, goal_category, goal_sector, goal_listening, goal_reading, goal_writing,
			goal_oral, municipality, address, status, programme_hours, phone, sick_child_quota)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) RETURNING id`
	err := tx.QueryRowContext(ctx, q, adviserID, in.NavContactID, in.FirstName, in.LastName, in.BirthYear,
		pq.Array(nonNil(in.Languages)), in.Education, in.Regime, in.ProgrammeStart, in.ProgrammeEnd, in.GoalCategory,
		in.GoalSector, string(in.Goals["listening"]), string(in.Goals["reading"]), string(in.Goals["writing"]),
		string(in.Goals["oral"]), in.Municipality, in.Address, in.Status, in.hours(), in.Phone, in.quota()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("db: create participant: %w", err)
	}
	return id, nil
}

// UpdateParticipant changes a participant of the adviser's own caseload;
// another adviser's participant is ErrNotFound.
func (s *Store) UpdateParticipant(ctx context.Context, id, adviserID int64, in ParticipantInput, ip string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := updateParticipant(ctx, tx, id, adviserID, in); err != nil {
			return err
		}
		return audit(ctx, tx, adviserID, "participant.update", "participant", id, ip)
	})
}

// updateParticipant writes a participant row inside the caller's
// transaction; ErrNotFound for another adviser's participant.
func updateParticipant(ctx context.Context, tx *sqlx.Tx, id, adviserID int64, in ParticipantInput) error {
	const q = `UPDATE participants SET nav_contact_id = $3, first_name = $4, last_name = $5, birth_year = $6, languages = $7,
			education = $8, regime = $9, programme_start = $10, programme_end = $11, goal_category = $12, goal_sector = $13,
			goal_listening = $14, goal_reading = $15, goal_writing = $16, goal_oral = $17,
			municipality = $18, address = $19, status = $20, programme_hours = $21, phone = $22, sick_child_quota = $23, updated_at = now()
		WHERE id = $1 AND adviser_id = $2`
	res, err := tx.ExecContext(ctx, q, id, adviserID, in.NavContactID, in.FirstName, in.LastName, in.BirthYear,
		pq.Array(nonNil(in.Languages)), in.Education, in.Regime, in.ProgrammeStart, in.ProgrammeEnd, in.GoalCategory,
		in.GoalSector, string(in.Goals["listening"]), string(in.Goals["reading"]), string(in.Goals["writing"]),
		string(in.Goals["oral"]), in.Municipality, in.Address, in.Status, in.hours(), in.Phone, in.quota())
	if err != nil {
		return fmt.Errorf("db: update participant: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Reassign moves a participant to another adviser (admin), audited.
func (s *Store) Reassign(ctx context.Context, id, adviserID, adminID int64, ip string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE participants SET adviser_id = $2, updated_at = now() WHERE id = $1
			AND EXISTS (SELECT 1 FROM users WHERE id = $2 AND role = 'adviser' AND disabled_at IS NULL)`, id, adviserID)
		if err != nil {
			return fmt.Errorf("db: reassign: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return audit(ctx, tx, adminID, "participant.reassign", "participant", id, ip)
	})
}

// LogParticipantView records that actor opened a participant's profile
// (or the edit form, which shows the same data).
func (s *Store) LogParticipantView(ctx context.Context, actorID, id int64, ip string) error {
	return s.LogParticipantAccess(ctx, actorID, id, "participant.view", ip)
}

// LogParticipantAccess records one read of a participant's data, in a
// transaction of its own committed like any other: DOMAIN.md has every
// access to participant data audit-logged, and a record that a crash of
// PostgreSQL could lose after the page was shown would not be that.
// Committing it with synchronous_commit off was measured (one at a time
// 0.4–0.6 ms → 0.3 ms a record) and not kept (docs/operations.md, "The
// audit log").
//
// It is one statement, prepared, committed on its own (autocommit): the
// same commit as a transaction of one INSERT, without the BEGIN and
// COMMIT round trips.
func (s *Store) LogParticipantAccess(ctx context.Context, actorID, id int64, action, ip string) error {
	if err := s.execPrepared(ctx, auditInsert, actorID, action, "participant", id, ip); err != nil {
		return fmt.Errorf("db: audit: %w", err)
	}
	return nil
}

// DefaultGoals returns the norskmål per skill for an education level, from
// the rules in force on the programme start.
func (s *Store) DefaultGoals(ctx context.Context, education string, start time.Time) (map[string]Level, error) {
	// The newest rule on or before the start; for a programme older than
	// every rule (the old Introduction Act), the oldest rule.
	rows, err := s.DB.QueryContext(ctx, `SELECT DISTINCT ON (skill) skill, level FROM norskmal_defaults
		WHERE education = $1 ORDER BY skill, (valid_from <= $2) DESC, CASE WHEN valid_from <= $2 THEN valid_from END DESC, valid_from`, education, start)
	if err != nil {
		return nil, fmt.Errorf("db: default goals: %w", err)
	}
	defer rows.Close()
	out := map[string]Level{}
	for rows.Next() {
		var sk string
		var l Level
		if err := rows.Scan(&sk, &l); err != nil {
			return nil, err
		}
		out[sk] = l
	}
	return out, rows.Err()
}

// NormalisedName is lower-cased and trimmed, for search.
func NormalisedName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// LogListed records that actor saw these rows of an entity (participant
// or agreement) in a list: one audit row each, action "<entity>.list",
// in one statement.
func (s *Store) LogListed(ctx context.Context, actorID int64, entity string, ids []int64, ip string) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.execPrepared(ctx, `INSERT INTO audit_log (actor_id, action, entity, entity_id, ip)
		SELECT $1, $4::text || '.list', $4::text, id, NULLIF($3, '')::inet FROM unnest($2::bigint[]) AS id`,
		actorID, pq.Array(ids), ip, entity)
	if err != nil {
		return fmt.Errorf("db: audit list: %w", err)
	}
	return nil
}
