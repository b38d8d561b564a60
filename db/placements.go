package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Placement kinds (DOMAIN.md): labels and one-line explanations live in
// the catalogues as "placement.kind.<code>" and "<…>_hint".
var PlacementKinds = []string{"sprakpraksis", "arbeidspraksis", "arbeidstrening", "lonnstilskudd", "sommerjobb", "annet"}

// Placement statuses.
const (
	PlacementDraft     = "draft"
	PlacementPublished = "published"
	PlacementPaused    = "paused"
	PlacementClosed    = "closed"
)

// WorkplaceLanguages are the languages an employer can say are spoken at
// the workplace besides Norwegian (ISO 639 codes; labels "language.<code>").
var WorkplaceLanguages = []string{"nb", "en", "uk", "ru", "ar", "ti", "prs", "so", "pl", "lt", "es", "fr", "tr", "ku", "fa", "ur", "sv", "de"}

// Adaptations an employer can offer (labels "adaptation.<code>").
var Adaptations = []string{"simple_tasks_first", "english_mentor", "mother_tongue_colleague", "visual_instructions",
	"flexible_hours", "part_time_start", "work_clothes", "step_free"}

// Placement is a work placement offered by an organisation.
type Placement struct {
	ID                int64          `db:"id"`
	OrganisationID    int64          `db:"organisation_id"`
	OrgName           string         `db:"org_name"`
	OrgApproved       bool           `db:"org_approved"`
	Kind              string         `db:"kind"`
	Title             string         `db:"title"`
	Tasks             string         `db:"tasks"`
	Sector            string         `db:"sector"`
	Address           string         `db:"address"`
	Municipality      string         `db:"municipality"`
	HoursPerWeek      *int           `db:"hours_per_week"`
	DaysPerWeek       *int           `db:"days_per_week"`
	StartDate         *time.Time     `db:"start_date"`
	EndDate           *time.Time     `db:"end_date"`
	Seats             int            `db:"seats"`
	SeatsTaken        int            `db:"seats_taken"`
	LevelListening    *Level         `db:"level_listening"`
	LevelReading      *Level         `db:"level_reading"`
	LevelWriting      *Level         `db:"level_writing"`
	LevelOral         *Level         `db:"level_oral"`
	Languages         pq.StringArray `db:"languages"`
	Adaptations       pq.StringArray `db:"adaptations"`
	AdaptationsOther  string         `db:"adaptations_other"`
	SupervisorName    string         `db:"supervisor_name"`
	SupervisorEmail   string         `db:"supervisor_email"`
	SupervisorPhone   string         `db:"supervisor_phone"`
	Status            string         `db:"status"`
	UnpublishedReason string         `db:"unpublished_reason"`
	PublishedAt       *time.Time     `db:"published_at"`
	CreatedAt         time.Time      `db:"created_at"`
	UpdatedAt         time.Time      `db:"updated_at"`
}

// FreeSeats is how many seats are still open.
func (p Placement) FreeSeats() int {
	if n := p.Seats - p.SeatsTaken; n > 0 {
		return n
	}
	return 0
}

// Level returns the required level of a skill ("" for no requirement).
func (p Placement) Level(skill string) Level {
	return orNone(bySkill(skill, p.LevelListening, p.LevelReading, p.LevelWriting, p.LevelOral))
}

const placementColumns = `p.id, p.organisation_id, o.name AS org_name, o.approved_at IS NOT NULL AS org_approved, coalesce(p.kind, '') AS kind, p.title, p.tasks, p.sector, p.address,
	p.municipality, p.hours_per_week, p.days_per_week, p.start_date, p.end_date, p.seats, p.seats_taken,
	p.level_listening, p.level_reading, p.level_writing, p.level_oral, p.languages, p.adaptations,
	p.adaptations_other, p.supervisor_name, p.supervisor_email, p.supervisor_phone, p.status,
	p.unpublished_reason, p.published_at, p.created_at, p.updated_at`

const placementFrom = ` FROM placements p JOIN organisations o ON o.id = p.organisation_id `

// PlacementInput is what an employer writes; validation happens in the
// web layer, the table's CHECKs guard the rest.
type PlacementInput struct {
	Kind, Title, Tasks, Sector, Address, Municipality string
	HoursPerWeek, DaysPerWeek                         *int
	StartDate, EndDate                                *time.Time
	Seats                                             int
	Levels                                            map[string]Level // by skill; "" = no requirement
	Languages, Adaptations                            []string
	AdaptationsOther                                  string
	SupervisorName, SupervisorEmail, SupervisorPhone  string
}

func levelArg(l Level) any {
	if l == "" {
		return nil
	}
	return string(l)
}

// CreatePlacement stores a new draft for an organisation.
func (s *Store) CreatePlacement(ctx context.Context, orgID, userID int64, in PlacementInput) (int64, error) {
	const q = `INSERT INTO placements (organisation_id, created_by, kind, title, tasks, sector, address, municipality,
			hours_per_week, days_per_week, start_date, end_date, seats, level_listening, level_reading, level_writing,
			level_oral, languages, adaptations, adaptations_other, supervisor_name, supervisor_email, supervisor_phone)
		VALUES ($1, $2, NULLIF($3, ''), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
		RETURNING id`
	var id int64
	err := s.DB.QueryRowContext(ctx, q, orgID, userID, in.Kind, in.Title, in.Tasks, in.Sector, in.Address, in.Municipality,
		in.HoursPerWeek, in.DaysPerWeek, in.StartDate, in.EndDate, in.Seats,
		levelArg(in.Levels["listening"]), levelArg(in.Levels["reading"]), levelArg(in.Levels["writing"]), levelArg(in.Levels["oral"]),
		pq.Array(nonNil(in.Languages)), pq.Array(nonNil(in.Adaptations)), in.AdaptationsOther,
		in.SupervisorName, in.SupervisorEmail, in.SupervisorPhone).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("db: create placement: %w", err)
	}
	return id, nil
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// UpdatePlacement changes an organisation's own placement; another
// organisation's placement is ErrNotFound (no existence leak).
func (s *Store) UpdatePlacement(ctx context.Context, id, orgID int64, in PlacementInput) error {
	const q = `UPDATE placements SET kind = NULLIF($3, ''), title = $4, tasks = $5, sector = $6, address = $7, municipality = $8,
			hours_per_week = $9, days_per_week = $10, start_date = $11, end_date = $12, seats = $13,
			level_listening = $14, level_reading = $15, level_writing = $16, level_oral = $17, languages = $18,
			adaptations = $19, adaptations_other = $20, supervisor_name = $21, supervisor_email = $22,
			supervisor_phone = $23, updated_at = now()
		WHERE id = $1 AND organisation_id = $2`
	res, err := s.DB.ExecContext(ctx, q, id, orgID, in.Kind, in.Title, in.Tasks, in.Sector, in.Address, in.Municipality,
		in.HoursPerWeek, in.DaysPerWeek, in.StartDate, in.EndDate, in.Seats,
		levelArg(in.Levels["listening"]), levelArg(in.Levels["reading"]), levelArg(in.Levels["writing"]), levelArg(in.Levels["oral"]),
		pq.Array(nonNil(in.Languages)), pq.Array(nonNil(in.Adaptations)), in.AdaptationsOther,
		in.SupervisorName, in.SupervisorEmail, in.SupervisorPhone)
	if err != nil {
		return fmt.Errorf("db: update placement: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Placement returns one placement with its organisation's name.
func (s *Store) Placement(ctx context.Context, id int64) (Placement, error) {
	var p Placement
	err := s.DB.GetContext(ctx, &p, `SELECT `+placementColumns+placementFrom+`WHERE p.id = $1`, id)
	return p, translate(err)
}

// OrgPlacements lists an organisation's placements, open ones first, then
// by last change.
func (s *Store) OrgPlacements(ctx context.Context, orgID int64) ([]Placement, error) {
	var out []Placement
	err := s.DB.SelectContext(ctx, &out, `SELECT `+placementColumns+placementFrom+`WHERE p.organisation_id = $1
		ORDER BY p.status = 'closed', p.updated_at DESC, p.id DESC LIMIT 500`, orgID)
	if err != nil {
		return nil, fmt.Errorf("db: org placements: %w", err)
	}
	return out, nil
}

// SetPlacementStatus moves a placement to a new status and records the
// event in one transaction. from lists the statuses the move is allowed
// from; orgID 0 means any organisation (an admin). ErrNotFound means no
// such placement for this organisation; ErrConflict that it is in a
// status the move does not start from.
func (s *Store) SetPlacementStatus(ctx context.Context, id, orgID, actorID int64, to string, from []string, action, reason string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var cur string
		err := tx.GetContext(ctx, &cur, `SELECT status FROM placements WHERE id = $1 AND ($2::bigint = 0 OR organisation_id = $2::bigint) FOR UPDATE`, id, orgID)
		if err != nil {
			return translate(err)
		}
		ok := false
		for _, f := range from {
			ok = ok || f == cur
		}
		if !ok {
			return ErrConflict
		}
		const q = `UPDATE placements SET status = $2, updated_at = now(),
				published_at = CASE WHEN $2 = 'published' THEN now() ELSE published_at END,
				unpublished_reason = CASE WHEN $3 = 'unpublish' THEN $4 WHEN $2 = 'published' THEN '' ELSE unpublished_reason END
			WHERE id = $1`
		if _, err := tx.ExecContext(ctx, q, id, to, action, reason); err != nil {
			return fmt.Errorf("db: placement status: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO placement_events (placement_id, action, actor_id, reason) VALUES ($1, $2, $3, $4)`,
			id, action, actorID, reason)
		if err != nil {
			return fmt.Errorf("db: placement event: %w", err)
		}
		return nil
	})
}

// PlacementEvent is one recorded status change.
type PlacementEvent struct {
	Action    string    `db:"action"`
	ActorName *string   `db:"actor_name"`
	Reason    string    `db:"reason"`
	At        time.Time `db:"at"`
}

// PlacementEvents lists a placement's status changes, newest first.
func (s *Store) PlacementEvents(ctx context.Context, id int64) ([]PlacementEvent, error) {
	var out []PlacementEvent
	err := s.DB.SelectContext(ctx, &out, `SELECT e.action, u.name AS actor_name, e.reason, e.at
		FROM placement_events e LEFT JOIN users u ON u.id = e.actor_id
		WHERE e.placement_id = $1 ORDER BY e.at DESC, e.id DESC LIMIT 100`, id)
	if err != nil {
		return nil, fmt.Errorf("db: placement events: %w", err)
	}
	return out, nil
}

// DuplicatePlacement copies an organisation's placement into a new draft
// (dates cleared: an old placement's dates are rarely right again) titled
// title, so the two can be told apart ("" keeps the original's title).
func (s *Store) DuplicatePlacement(ctx context.Context, id, orgID, userID int64, title string) (int64, error) {
	const q = `INSERT INTO placements (organisation_id, created_by, kind, title, tasks, sector, address, municipality,
			hours_per_week, days_per_week, seats, level_listening, level_reading, level_writing, level_oral,
			languages, adaptations, adaptations_other, supervisor_name, supervisor_email, supervisor_phone, unpublished_reason)
		SELECT organisation_id, $3, kind, left(coalesce(NULLIF($4, ''), title), 150), tasks, sector, address, municipality,
			hours_per_week, days_per_week, seats, level_listening, level_reading, level_writing, level_oral,
			languages, adaptations, adaptations_other, supervisor_name, supervisor_email, supervisor_phone,
			unpublished_reason -- a copy of a taken-down placement is taken down too
		FROM placements WHERE id = $1 AND organisation_id = $2
		RETURNING id`
	var newID int64
	err := s.DB.QueryRowContext(ctx, q, id, orgID, userID, title).Scan(&newID)
	if err = translate(err); err != nil {
		if err == ErrNotFound {
			return 0, err
		}
		return 0, fmt.Errorf("db: duplicate placement: %w", err)
	}
	return newID, nil
}
