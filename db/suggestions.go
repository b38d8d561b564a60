package db

import (
	"context"
	"fmt"
)

// Suggestion is a published placement with free seats, ranked for one
// participant, with the reasons behind its rank.
type Suggestion struct {
	Placement
	FitListening bool `db:"fit_listening"`
	FitReading   bool `db:"fit_reading"`
	FitWriting   bool `db:"fit_writing"`
	FitOral      bool `db:"fit_oral"`
	LevelFits    int  `db:"level_fits"`
	SameTown     bool `db:"same_town"`
	KindFits     bool `db:"kind_fits"`
	SharedLang   bool `db:"shared_language"`
	SectorFits   bool `db:"sector_fits"`
	// StartsSoon: the placement can be started within 60 days — it has
	// no fixed start, starts within 60 days, or has already started.
	StartsSoon bool `db:"starts_soon"`
	// Started: the placement's start date is past, so it is not "starting
	// soon" but open now (issue 20: a start a year ago read "snart").
	Started bool `db:"started"`
	Score   int  `db:"score"`
	// FarFromGoal says which kind of placement suited the person: far from
	// the norskmål, språkpraksis; close to it, work-oriented placements.
	FarFromGoal bool `db:"far_from_goal"`
}

// Fits reports whether the participant's best level meets the placement's
// requirement in a skill.
func (s Suggestion) Fits(skill string) bool {
	return bySkill(skill, s.FitListening, s.FitReading, s.FitWriting, s.FitOral)
}

// suggestionsSQL ranks every published placement with a free seat for one
// participant in one statement. The participant's best level per skill
// and total gap to the plan's norskmål (where the plan has one) are
// computed once (pt); each placement
// then scores:
//
//	4 × skills whose requirement the person meets (none required counts)
//	3 × same municipality as the person
//	2 × kind suits the distance to the norskmål (språkpraksis when 8 or
//	    more levels to go over the four skills; arbeidspraksis,
//	    arbeidstrening or lønnstilskudd when 2 or fewer; between, either
//	    språkpraksis or arbeidspraksis; any kind when the plan has no
//	    Norwegian goal)
//	2 × a workplace language the person speaks
//	2 × the sector of the person's sluttmål
//	1 × starts within 60 days (or by agreement)
//
// The weights favour what decides whether a placement can work at all
// (language level, getting there) over what makes it better.
const suggestionsSQL = `
WITH pt AS (
	SELECT p.id, p.municipality, p.languages, p.goal_sector, p.goal_category,
		b.best_listening, b.best_reading, b.best_writing, b.best_oral,
		-- The gap to the plan's Norwegian goal, skills with a goal only;
		-- NULL when the plan has none (issue 14: never the legacy
		-- participants.goal_* defaults).
		CASE WHEN num_nonnulls(ip.goal_listening, ip.goal_reading, ip.goal_writing, ip.goal_oral) > 0 THEN
		coalesce(greatest(0, cefr_rank(ip.goal_listening) - coalesce(cefr_rank(b.best_listening), 0)), 0)
		+ coalesce(greatest(0, cefr_rank(ip.goal_reading) - coalesce(cefr_rank(b.best_reading), 0)), 0)
		+ coalesce(greatest(0, cefr_rank(ip.goal_writing) - coalesce(cefr_rank(b.best_writing), 0)), 0)
		+ coalesce(greatest(0, cefr_rank(ip.goal_oral) - coalesce(cefr_rank(b.best_oral), 0)), 0) END AS gap_total
	FROM participants p
	LEFT JOIN integration_plans ip ON ip.participant_id = p.id
	` + bestLevelsJoin + `
	WHERE ` + scopeSQL + ` AND p.id = $4
), scored AS (
	SELECT ` + placementColumns + `,
		(p.level_listening IS NULL OR coalesce(p.level_listening <= pt.best_listening, false)) AS fit_listening,
		(p.level_reading IS NULL OR coalesce(p.level_reading <= pt.best_reading, false)) AS fit_reading,
		(p.level_writing IS NULL OR coalesce(p.level_writing <= pt.best_writing, false)) AS fit_writing,
		(p.level_oral IS NULL OR coalesce(p.level_oral <= pt.best_oral, false)) AS fit_oral,
		coalesce(pt.municipality <> '' AND lower(p.municipality) = lower(pt.municipality), false) AS same_town,
		CASE WHEN pt.gap_total IS NULL THEN true -- no Norwegian goal: no kind is preferred by it
			WHEN pt.gap_total >= 8 THEN p.kind = 'sprakpraksis'
			WHEN pt.gap_total <= 2 THEN p.kind IN ('arbeidspraksis', 'arbeidstrening', 'lonnstilskudd')
			ELSE p.kind IN ('sprakpraksis', 'arbeidspraksis') END AS kind_fits,
		coalesce(p.languages && pt.languages, false) AS shared_language,
		(pt.goal_sector <> '' AND p.sector = pt.goal_sector) AS sector_fits,
		(p.start_date IS NULL OR p.start_date <= oslo_today() + 60) AS starts_soon,
		coalesce(p.start_date < oslo_today(), false) AS started,
		coalesce(pt.gap_total >= 8, false) AS far_from_goal
	` + placementFrom + `, pt
	WHERE p.status = 'published' AND o.approved_at IS NOT NULL AND p.seats > p.seats_taken
	  AND (p.end_date IS NULL OR p.end_date >= oslo_today())
)
SELECT *,
	fit_listening::int + fit_reading::int + fit_writing::int + fit_oral::int AS level_fits,
	4 * (fit_listening::int + fit_reading::int + fit_writing::int + fit_oral::int)
	+ 3 * same_town::int + 2 * kind_fits::int + 2 * shared_language::int + 2 * sector_fits::int + starts_soon::int AS score
FROM scored
ORDER BY id = $6 DESC, score DESC, coalesce(published_at, created_at) DESC, id DESC
LIMIT $5`

// Suggestions ranks placements for a participant the scope may see; for
// anyone else's participant there are none (the scope is part of the one
// query, so callers that already loaded the participant pay nothing more).
// pin (0 for none) comes first if it is still open: the placement of a
// refused proposal, whose form is shown again as typed even when the
// ranking has moved it off the page.
func (s *Store) Suggestions(ctx context.Context, participantID int64, sc Scope, limit int, pin int64) ([]Suggestion, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	var out []Suggestion
	if err := s.DB.SelectContext(ctx, &out, suggestionsSQL, append(sc.args(), participantID, limit, pin)...); err != nil {
		return nil, fmt.Errorf("db: suggestions: %w", err)
	}
	return out, nil
}
