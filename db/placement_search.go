package db

import (
	"context"
	"fmt"
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
// of its tasks around the words searched for. In Snippet and MarkedTitle
// the matched words are between the control characters 1 and 2 (taken
// out of the employer's text first, so they only ever mark matches); the
// web layer escapes the text and turns them into markup.
type PlacementHit struct {
	Placement
	Rank        float64 `db:"rank"`
	Snippet     string  `db:"snippet"`
	MarkedTitle string  `db:"marked_title"`
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
// (placements_search_filters_idx, migrations 00011 and 00013), so with
// words they narrow the matches inside the index.
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

const searchBrowse = `SELECT ` + placementColumns + `, 0::float8 AS rank, '' AS snippet, '' AS marked_title` + placementFrom + searchVisible + searchFilters + `
	  AND ($13::timestamptz IS NULL OR (` + searchOrderKey + `, p.id) < ($13::timestamptz, $14::bigint))
	ORDER BY ` + searchOrderKey + ` DESC, p.id DESC
	LIMIT $12`

// searchWords turns what was typed ($1) into text search queries, as
// text: "words" for matching, "exact" and "title" for ranking. The
// placements' vector holds their words folded (lower case, no accents)
// and unstemmed (text search configuration praksis_fold, migration
// 00013). Each typed word, folded the same way, becomes the OR of the
// words of search_terms that
//
//   - begin with it: its inflections and the compounds it begins
//     ('lager' → lageret, lagermedarbeider);
//   - end with it, after at least two letters and before at most an
//     inflection ('assistent' → kjøkkenassistent, barnehageassistenten);
//     only for words of four letters or more, and never in the middle of
//     a word, where a short word is mostly a coincidence ('lege' is not
//     found in 'kolleger');
//   - or, for a word of five letters or more found in no word of the
//     placements, are one typo away (levenshtein ≤ 1, candidates from the
//     trigram index), and the words that begin or end with those
//     ('barnehge' → barnehage, barnehageassistent); a word found as it
//     is, if only inside a compound, is taken as meant ('lager' does not
//     also find 'dager');
//   - or begin or end with its Norwegian stem, when the stem has five
//     letters or more ('barnehagene' → barnehag → barnehage); a shorter
//     stem matches too much ('lager' → lag → lage, laget);
//
// at most 40 per typed word, the closest first; the typed words are
// ANDed. "exact" is the typed words alone; "title" is any form of any of
// them, weighted A (a title). Lexemes are quoted for the
// tsquery syntax (a backslash before a quote or a backslash), and a word
// used in LIKE or a regular expression has its special characters
// escaped.
//
// One trigram index scan finds the words that contain a typed word
// (inside); the forms above are picked from those, so a word found as
// typed costs one scan, and only corrections and stems cost more.
//
// It is its own statement, prepared (a lookup of a few words in a table
// of a few thousand; its plan does not depend on them): folded into the
// search as CTEs it made every search plan 0.5 ms longer, and the search
// itself keeps the shape whose plan depends on the filters.
const searchWords = `WITH typed AS (
	SELECT lexeme AS w FROM unnest(to_tsvector('praksis_fold', $1)) LIMIT 8
), inside AS (
	SELECT y.w, t.term FROM typed y JOIN search_terms t
		ON length(y.w) >= 3 AND t.term LIKE '%' || replace(replace(replace(y.w, '\', '\\'), '%', '\%'), '_', '\_') || '%'
), fixes AS (
	SELECT y.w, t.term FROM typed y JOIN search_terms t ON t.term % y.w
	WHERE length(y.w) >= 5 AND NOT EXISTS (SELECT 1 FROM inside i WHERE i.w = y.w)
		AND levenshtein_less_equal(t.term, y.w, 1) <= 1
), stems AS (
	SELECT y.w, s.lexeme AS term FROM typed y, unnest(to_tsvector('norwegian', y.w)) s
	WHERE length(s.lexeme) >= 5 AND s.lexeme <> y.w
), bases AS (
	SELECT w, w AS base FROM typed
	UNION SELECT w, term FROM fixes
	UNION SELECT w, term FROM stems
), near AS (
	SELECT w, w AS base, term FROM inside
	UNION ALL
	SELECT b.w, b.base, t.term FROM bases b JOIN search_terms t
		ON b.base <> b.w AND length(b.base) >= 3
		AND t.term LIKE '%' || replace(replace(replace(b.base, '\', '\\'), '%', '\%'), '_', '\_') || '%'
), alts AS (
	SELECT w, base AS term FROM bases
	UNION
	SELECT w, term FROM near
	WHERE starts_with(term, base)
		OR (length(base) >= 4 AND term ~ ('^..+' || regexp_replace(base, '([^[:alnum:]])', '\\\1', 'g') || '(e|en|er|et|a|s|ene|ere|erne|ens|ets|ane)?$'))
), ranked AS (
	SELECT w, term, row_number() OVER (PARTITION BY w ORDER BY term <> w, length(term), term) AS n FROM alts
), per_word AS (
	SELECT w, '(' || string_agg(quoted, ' | ') || ')' AS any_of, string_agg(quoted || ':A', ' | ') AS in_title
	FROM (SELECT w, '''' || replace(replace(term, '\', '\\'), '''', '\''') || '''' AS quoted FROM ranked WHERE n <= 40) t
	GROUP BY w
), q AS (
	SELECT coalesce((SELECT string_agg(any_of, ' & ') FROM per_word), '') AS words,
	coalesce((SELECT string_agg('''' || replace(replace(w, '\', '\\'), '''', '\''') || '''', ' & ') FROM typed), '') AS exact,
	coalesce((SELECT string_agg(in_title, ' | ') FROM per_word), '') AS title
)
SELECT words, exact, title, words::tsquery = exact::tsquery AS same FROM q`

// searchTerms are the queries of searchWords: Any, the words with their
// other forms ("" when nothing typed can be searched for: only
// punctuation); Exact, the words as typed; Title, any of the words' forms
// in a title; Same when no typed word has other forms.
type searchTerms struct {
	Any   string `db:"words"`
	Exact string `db:"exact"`
	Title string `db:"title"`
	Same  bool   `db:"same"`
}

// expand looks the typed words up (searchWords).
func (s *Store) expand(ctx context.Context, typed string) (searchTerms, error) {
	var t searchTerms
	if err := s.getPrepared(ctx, &t, searchWords, typed); err != nil {
		return t, fmt.Errorf("db: search words: %w", err)
	}
	return t, nil
}

// searchRank is a match's rank ($15 the words with their other forms,
// $17 the words as typed, $18 any of their forms in the title; when the
// queries are one, $17 is that title query, for searchText): the rank
// of the words as typed, plus one when a form of one of them is in the
// title. So a title with the word or a compound of it ('Lagermedarbeider'
// for 'lager') comes first, then the word itself in the tasks or the
// employer's name (through the vector's weights), then a compound of it
// there. searchRankSame is the rank when no typed word has other forms
// (the queries are one). Ranking is most of a text search's time, and
// ts_rank's cost grows with the terms of its query: ranking by the
// expanded query as well took 4.1–4.6 ms for 'lager' at national scale
// against 3.2–3.4 ms for this (docs/benchmarks.md, "Search").
const (
	searchRank     = `(ts_rank(p.search, $17::tsquery) + CASE WHEN p.search @@ $18::tsquery THEN 1 ELSE 0 END)::float8`
	searchRankSame = `ts_rank(p.search, $15::tsquery)::float8`
)

// searchRanked ranks a text search's matches: the ids, ranks and sort
// keys of one page (or, for a count, of up to $12 matches).
func searchRanked(rank string) string {
	return `
	SELECT p.id, ` + rank + ` AS rank, ` + searchOrderKey + ` AS at
	FROM placements p` + searchVisibleRanked + searchFilters + `
	  AND p.search @@ $15::tsquery
	  AND ($16::float8 IS NULL OR (` + rank + `, ` + searchOrderKey + `, p.id)
	        < ($16::float8, $13::timestamptz, $14::bigint))
	ORDER BY rank DESC, at DESC, p.id DESC
	LIMIT $12`
}

// searchText ranks every match (the order needs them all, on page 20 as
// on page 1) but carries only the id, the rank and the sort key through
// the ranking: the page's rows are read in full, joined to their
// organisation and given a snippet afterwards. Sorting thousands of whole
// rows (tasks and all) to keep 21 cost more than ranking them.
//
// The snippet and the title mark matches with the control characters 1
// and 2, so they are removed from the employer's text first: typed ones
// must not become markup.
//
// The title gets its ts_headline only when a form of a typed word is in
// it (title, the parameter of that query, weighted A: only the title has
// weight A in the vector); otherwise the headline would mark nothing and
// marked_title is empty (the page shows the title as it is). Most hits of a
// search match in their tasks or the employer's name, not the title (none
// of the bench search's page), and a headline parses its text: this saved
// about 0.4 ms a page (docs/benchmarks.md, "Search speed against the old
// binary").
func searchText(rank, title string) string {
	return `SELECT ` + placementColumns + `, top.rank,
	ts_headline('praksis_fold', translate(p.tasks, chr(1) || chr(2), ''), $15::tsquery,
		'StartSel=' || chr(1) || ', StopSel=' || chr(2) || ', MaxWords=28, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "') AS snippet,
	CASE WHEN p.search @@ ` + title + `::tsquery THEN ts_headline('praksis_fold', translate(p.title, chr(1) || chr(2), ''), $15::tsquery,
		'StartSel=' || chr(1) || ', StopSel=' || chr(2) || ', HighlightAll=true') ELSE '' END AS marked_title
FROM (` + searchRanked(rank) + `
) top
JOIN placements p ON p.id = top.id
JOIN organisations o ON o.id = p.organisation_id
ORDER BY top.rank DESC, ` + searchOrderKey + ` DESC, p.id DESC`
}

// The text search's statements, with one rank or two.
var (
	searchTextTwo   = searchText(searchRank, "$18")
	searchTextOne   = searchText(searchRankSame, "$17")
	searchCountTwo  = `SELECT count(*) FROM (` + searchRanked(searchRank) + `) top`
	searchCountOne  = `SELECT count(*) FROM (` + searchRanked(searchRankSame) + `) top`
	searchBrowseCnt = `SELECT count(*) FROM (` + searchBrowse + `) b`
)

// searchQuery picks the statement and its arguments for a filter and the
// expansion of its words ("" when it has none). An empty statement means
// nothing can match (words that are only punctuation).
func searchQuery(f PlacementFilter, t searchTerms, count bool) (string, []any) {
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
	switch {
	case strings.TrimSpace(f.Query) == "" && count:
		return searchBrowseCnt, args
	case strings.TrimSpace(f.Query) == "":
		return searchBrowse, args
	case t.Any == "":
		return "", nil
	case t.Same:
		if count {
			return searchCountOne, append(args, t.Any, rank)
		}
		return searchTextOne, append(args, t.Any, rank, t.Title)
	case count:
		return searchCountTwo, append(args, t.Any, rank, t.Exact, t.Title)
	}
	return searchTextTwo, append(args, t.Any, rank, t.Exact, t.Title)
}

// searchStatement expands a filter's words, if any, and picks its statement.
func (s *Store) searchStatement(ctx context.Context, f PlacementFilter, count bool) (string, []any, error) {
	var t searchTerms
	if strings.TrimSpace(f.Query) != "" {
		var err error
		if t, err = s.expand(ctx, strings.TrimSpace(f.Query)); err != nil {
			return "", nil, err
		}
	}
	q, args := searchQuery(f, t, count)
	return q, args, nil
}

// SearchPlacements returns one page of hits and the cursor of the next
// page (nil on the last page).
func (s *Store) SearchPlacements(ctx context.Context, f PlacementFilter) ([]PlacementHit, *Cursor, error) {
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 20
	}
	q, args, err := s.searchStatement(ctx, f, false)
	if err != nil || q == "" {
		return nil, nil, err
	}
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
	q, args, err := s.searchStatement(ctx, f, false)
	if err != nil || q == "" {
		return "", err
	}
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
