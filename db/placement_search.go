package db

import (
	"context"
	"fmt"
	"html"
	"math"
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

// maxCursorMicros is the last instant a cursor may name (the year 9999).
var maxCursorMicros = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).UnixMicro()

// ParseCursor decodes Cursor.String; a malformed cursor is an error.
func ParseCursor(s string) (*Cursor, error) {
	parts := strings.Split(s, "_")
	if len(parts) != 3 {
		return nil, fmt.Errorf("db: bad cursor")
	}
	r, err1 := strconv.ParseFloat(parts[0], 64)
	us, err2 := strconv.ParseInt(parts[1], 10, 64)
	id, err3 := strconv.ParseInt(parts[2], 10, 64)
	// A rank is finite and not negative, and the time one PostgreSQL can
	// hold: anything else did not come from String and would fail in SQL.
	if err1 != nil || err2 != nil || err3 != nil || id <= 0 || math.IsNaN(r) || math.IsInf(r, 0) || r < 0 ||
		us < 0 || us > maxCursorMicros {
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

// The search is one statement per page, in two shapes. Without search
// words it walks the partial index on (published_at, id) of published
// placements and stops after limit+1 rows; with words the GIN index finds
// the matches, which are ranked, and only the rows of the page get a
// ts_headline snippet. Filters are shared; $1…$14 mean the same in both.
//
// Who may be found: published placements of approved organisations, or
// everything for an admin ($11). searchVisible says it where the
// organisation is joined (browsing reads only a page of rows, each joined
// anyway). searchVisibleRanked says the same without the join, for the
// ranking of a text search, which reads every match: it excludes the few
// organisations that are not approved (organisations_unapproved_idx,
// migration 00011) instead of joining thousands of matches to theirs.
// TestSearchTextRankFiltersAndPages holds the two to the same answer.
const searchVisible = `
	WHERE ((p.status = 'published' AND o.approved_at IS NOT NULL) OR $11)`

const searchVisibleRanked = `
	WHERE ((p.status = 'published' AND NOT EXISTS (
			SELECT 1 FROM organisations u WHERE u.id = p.organisation_id AND u.approved_at IS NULL)) OR $11)`

// searchFilters are the adviser's filters. Kind, sector and municipality
// are also columns of the text search's GIN index
// (placements_search_filters_idx, migration 00011), so with words they
// narrow the matches inside the index.
const searchFilters = `
	  AND ($1 = '' OR p.kind = $1)
	  AND ($2 = '' OR p.sector = $2)
	  AND ($3 = '' OR lower(p.municipality) = lower($3))
	  AND ($4::cefr_level IS NULL OR p.level_listening IS NULL OR p.level_listening <= $4::cefr_level)
	  AND ($5::cefr_level IS NULL OR p.level_reading IS NULL OR p.level_reading <= $5::cefr_level)
	  AND ($6::cefr_level IS NULL OR p.level_writing IS NULL OR p.level_writing <= $6::cefr_level)
	  AND ($7::cefr_level IS NULL OR p.level_oral IS NULL OR p.level_oral <= $7::cefr_level)
	  AND (NOT $8 OR p.seats > p.seats_taken)
	  AND ($9::date IS NULL OR p.start_date <= $9::date)
	  AND ($10 = '' OR p.languages @> ARRAY[$10]::text[])`

// A published placement always has published_at; drafts (seen by admins)
// sort by creation. The index is on this same expression.
const searchOrderKey = `coalesce(p.published_at, p.created_at)`

const searchBrowse = `SELECT ` + placementColumns + `, 0::float8 AS rank, '' AS snippet` + placementFrom + searchVisible + searchFilters + `
	  AND ($13::timestamptz IS NULL OR (` + searchOrderKey + `, p.id) < ($13::timestamptz, $14::bigint))
	ORDER BY ` + searchOrderKey + ` DESC, p.id DESC
	LIMIT $12`

// searchText ranks every match (the order needs them all, on page 20 as
// on page 1) but carries only the id, the rank and the sort key through
// the ranking: the page's rows are read in full, joined to their
// organisation and given a snippet afterwards. Sorting thousands of whole
// rows (tasks and all) to keep 21 cost more than ranking them.
//
// The snippet marks matches with the control characters 1 and 2 (which
// SnippetHTML turns into <mark>), so they are removed from the employer's
// text first: typed ones must not become markup.
const searchText = `SELECT ` + placementColumns + `, top.rank,
	ts_headline('norwegian', translate(p.tasks, chr(1) || chr(2), ''), websearch_to_tsquery('norwegian', $15),
		'StartSel=' || chr(1) || ', StopSel=' || chr(2) || ', MaxWords=28, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "') AS snippet
FROM (
	SELECT p.id, ts_rank(p.search, websearch_to_tsquery('norwegian', $15))::float8 AS rank
	FROM placements p` + searchVisibleRanked + searchFilters + `
	  AND p.search @@ websearch_to_tsquery('norwegian', $15)
	  AND ($16::float8 IS NULL OR (ts_rank(p.search, websearch_to_tsquery('norwegian', $15))::float8, ` + searchOrderKey + `, p.id)
	        < ($16::float8, $13::timestamptz, $14::bigint))
	ORDER BY rank DESC, ` + searchOrderKey + ` DESC, p.id DESC
	LIMIT $12
) top
JOIN placements p ON p.id = top.id
JOIN organisations o ON o.id = p.organisation_id
ORDER BY top.rank DESC, ` + searchOrderKey + ` DESC, p.id DESC`

// searchQuery picks the statement and its arguments for a filter.
func searchQuery(f PlacementFilter) (string, []any) {
	var at, id, rank any
	if f.After != nil {
		at, id, rank = f.After.PublishedAt, f.After.ID, f.After.Rank
	}
	var startBefore any
	if f.StartBefore != nil {
		startBefore = f.StartBefore.Format("2006-01-02")
	}
	args := []any{f.Kind, f.Sector, strings.TrimSpace(f.Municipality),
		levelArg(f.Levels["listening"]), levelArg(f.Levels["reading"]), levelArg(f.Levels["writing"]), levelArg(f.Levels["oral"]),
		f.FreeSeats, startBefore, f.Language, f.AnyStatus, f.Limit + 1, at, id}
	if q := strings.TrimSpace(f.Query); q != "" {
		return searchText, append(args, q, rank)
	}
	return searchBrowse, args
}

// SearchPlacements returns one page of hits and the cursor of the next
// page (nil on the last page).
func (s *Store) SearchPlacements(ctx context.Context, f PlacementFilter) ([]PlacementHit, *Cursor, error) {
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 20
	}
	q, args := searchQuery(f)
	var hits []PlacementHit
	if err := s.DB.SelectContext(ctx, &hits, q, args...); err != nil {
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
// the search form's suggestions: one spelling per name (case aside).
//
// Every full search page asks, so it must not read every published
// placement: a plain DISTINCT took 36–300 ms at 25,000 placements
// (docs/benchmarks.md, "make bench"). This walks placements_municipality_idx
// from one name to the next (a "skip scan", two index probes per name),
// so it costs what the number of municipalities costs.
func (s *Store) Municipalities(ctx context.Context) ([]string, error) {
	var out []string
	err := s.DB.SelectContext(ctx, &out, `WITH RECURSIVE towns(town) AS (
			SELECT min(lower(municipality)) FROM placements WHERE status = 'published' AND municipality <> ''
			UNION ALL
			SELECT (SELECT min(lower(municipality)) FROM placements
				WHERE status = 'published' AND municipality <> '' AND lower(municipality) > towns.town)
			FROM towns WHERE towns.town IS NOT NULL)
		SELECT (SELECT municipality FROM placements WHERE status = 'published' AND lower(municipality) = towns.town LIMIT 1)
		FROM towns WHERE town IS NOT NULL ORDER BY 1 LIMIT 500`)
	if err != nil {
		return nil, fmt.Errorf("db: municipalities: %w", err)
	}
	return out, nil
}

// ExplainSearch runs a first-page search under EXPLAIN (ANALYZE, BUFFERS)
// and returns the plan, for docs/benchmarks.md.
func (s *Store) ExplainSearch(ctx context.Context, f PlacementFilter) (string, error) {
	if f.Limit <= 0 {
		f.Limit = 20
	}
	q, args := searchQuery(f)
	rows, err := s.DB.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+q, args...)
	if err != nil {
		return "", fmt.Errorf("db: explain: %w", err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		b.WriteString(line + "\n")
	}
	return b.String(), rows.Err()
}
