package db

import (
	"context"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"
)

// PlacementFilter is an adviser's search. Zero values mean "any".
type PlacementFilter struct {
	Query        string
	Kind         string
	Sector       string
	Municipality string
	// Levels is the participant's highest level per skill: a placement
	// matches when it requires at most that level (or nothing).
	Levels      map[string]Level
	FreeSeats   bool
	StartBefore *time.Time
	Language    string
	// AnyStatus lets an admin see drafts, paused and closed placements too.
	AnyStatus bool
	After     *Cursor
	Limit     int
}

// Cursor is the keyset position after the last hit of a page: results are
// ordered by (rank, published_at, id), all descending, so a page starts
// strictly after its cursor and rows inserted meanwhile never shift it.
type Cursor struct {
	Rank        float64
	PublishedAt time.Time
	ID          int64
}

// String encodes the cursor for a URL.
func (c Cursor) String() string {
	return strconv.FormatFloat(c.Rank, 'g', -1, 64) + "_" + strconv.FormatInt(c.PublishedAt.UnixMicro(), 10) + "_" + strconv.FormatInt(c.ID, 10)
}

// ParseCursor decodes Cursor.String; a malformed cursor is an error.
func ParseCursor(s string) (*Cursor, error) {
	parts := strings.Split(s, "_")
	if len(parts) != 3 {
		return nil, fmt.Errorf("db: bad cursor")
	}
	r, err1 := strconv.ParseFloat(parts[0], 64)
	us, err2 := strconv.ParseInt(parts[1], 10, 64)
	id, err3 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || id <= 0 {
		return nil, fmt.Errorf("db: bad cursor")
	}
	return &Cursor{Rank: r, PublishedAt: time.UnixMicro(us), ID: id}, nil
}

// PlacementHit is a search result: the placement, its rank and a snippet
// of its tasks around the words searched for.
type PlacementHit struct {
	Placement
	Rank    float64 `db:"rank"`
	Snippet string  `db:"snippet"`
}

// SnippetHTML is the snippet with every character the employer typed
// escaped and only the matched words marked.
func (h PlacementHit) SnippetHTML() string {
	s := html.EscapeString(h.Snippet)
	s = strings.ReplaceAll(s, "\x01", "<mark>")
	return strings.ReplaceAll(s, "\x02", "</mark>")
}

// The search is one statement per page. The inner query filters with the
// partial indexes on published placements (GIN on the tsvector and the
// languages, B-tree on kind and municipality), orders by the keyset and
// stops at limit+1 rows; only those rows get a ts_headline snippet.
const searchPlacements = `
WITH q AS (SELECT CASE WHEN $1 = '' THEN NULL ELSE websearch_to_tsquery('norwegian', $1) END AS tsq)
SELECT sub.*,
	CASE WHEN q.tsq IS NULL THEN '' ELSE ts_headline('norwegian', sub.tasks, q.tsq,
		'StartSel=' || chr(1) || ', StopSel=' || chr(2) || ', MaxWords=28, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "') END AS snippet
FROM q, (
	SELECT ` + placementColumns + `,
		CASE WHEN q.tsq IS NULL THEN 0 ELSE ts_rank(p.search, q.tsq)::float8 END AS rank
	FROM q, placements p JOIN organisations o ON o.id = p.organisation_id
	WHERE (p.status = 'published' OR $16)
	  AND (q.tsq IS NULL OR p.search @@ q.tsq)
	  AND ($2 = '' OR p.kind = $2)
	  AND ($3 = '' OR p.sector = $3)
	  AND ($4 = '' OR lower(p.municipality) = lower($4))
	  AND ($5::cefr_level IS NULL OR p.level_listening IS NULL OR p.level_listening <= $5::cefr_level)
	  AND ($6::cefr_level IS NULL OR p.level_reading IS NULL OR p.level_reading <= $6::cefr_level)
	  AND ($7::cefr_level IS NULL OR p.level_writing IS NULL OR p.level_writing <= $7::cefr_level)
	  AND ($8::cefr_level IS NULL OR p.level_oral IS NULL OR p.level_oral <= $8::cefr_level)
	  AND (NOT $9 OR p.seats > p.seats_taken)
	  AND ($10::date IS NULL OR p.start_date <= $10::date)
	  AND ($11 = '' OR p.languages @> ARRAY[$11]::text[])
	  AND ($12::float8 IS NULL OR
	       (CASE WHEN q.tsq IS NULL THEN 0 ELSE ts_rank(p.search, q.tsq)::float8 END, coalesce(p.published_at, p.created_at), p.id)
	         < ($12::float8, $13::timestamptz, $14::bigint))
	ORDER BY rank DESC, coalesce(p.published_at, p.created_at) DESC, p.id DESC
	LIMIT $15
) sub
ORDER BY sub.rank DESC, coalesce(sub.published_at, sub.created_at) DESC, sub.id DESC`

// SearchPlacements returns one page of hits and the cursor of the next
// page (nil on the last page).
func (s *Store) SearchPlacements(ctx context.Context, f PlacementFilter) ([]PlacementHit, *Cursor, error) {
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 20
	}
	var rank, at, id any
	if f.After != nil {
		rank, at, id = f.After.Rank, f.After.PublishedAt, f.After.ID
	}
	var startBefore any
	if f.StartBefore != nil {
		startBefore = f.StartBefore.Format("2006-01-02")
	}
	var hits []PlacementHit
	err := s.DB.SelectContext(ctx, &hits, searchPlacements, strings.TrimSpace(f.Query), f.Kind, f.Sector, strings.TrimSpace(f.Municipality),
		levelArg(f.Levels["listening"]), levelArg(f.Levels["reading"]), levelArg(f.Levels["writing"]), levelArg(f.Levels["oral"]),
		f.FreeSeats, startBefore, f.Language, rank, at, id, f.Limit+1, f.AnyStatus)
	if err != nil {
		return nil, nil, fmt.Errorf("db: search placements: %w", err)
	}
	if len(hits) <= f.Limit {
		return hits, nil, nil
	}
	hits = hits[:f.Limit]
	last := hits[len(hits)-1]
	when := last.CreatedAt
	if last.PublishedAt != nil {
		when = *last.PublishedAt
	}
	return hits, &Cursor{Rank: last.Rank, PublishedAt: when, ID: last.ID}, nil
}

// Municipalities lists the municipalities of published placements, for
// the search form's suggestions.
func (s *Store) Municipalities(ctx context.Context) ([]string, error) {
	var out []string
	err := s.DB.SelectContext(ctx, &out, `SELECT DISTINCT municipality FROM placements
		WHERE status = 'published' AND municipality <> '' ORDER BY municipality LIMIT 500`)
	if err != nil {
		return nil, fmt.Errorf("db: municipalities: %w", err)
	}
	return out, nil
}
