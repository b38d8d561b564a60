package db

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// CountPlacements counts the matches of a search, up to max (a page of
// nothing found asks how many each relaxation would give; an exact count
// beyond a hundred would not change what it says).
func (s *Store) CountPlacements(ctx context.Context, f PlacementFilter, max int) (int, error) {
	f.After, f.Limit = nil, max-1
	q, args, err := s.searchStatement(ctx, f, true)
	if err != nil || q == "" {
		return 0, err
	}
	var n int
	if err := s.DB.GetContext(ctx, &n, q, args...); err != nil {
		return 0, fmt.Errorf("db: count placements: %w", err)
	}
	return n, nil
}

// nearWords are the words of the placements nearest to a typed word by
// trigram similarity, as the employers wrote them (one spelling per
// folded word), the nearest first.
const nearWords = `SELECT word FROM (
	SELECT DISTINCT ON (term) word, similarity(term, search_fold($1)) AS sim
	FROM search_terms WHERE term % search_fold($1) AND term <> search_fold($1)
	ORDER BY term, word) near
ORDER BY sim DESC, word LIMIT $2`

// SearchSuggestions are other searches, close to one that found nothing,
// that do find placements with the same filters ("Mente du …?"): the
// query with one of its words replaced by the nearest word of the
// placements. At most max, each checked to have hits.
func (s *Store) SearchSuggestions(ctx context.Context, f PlacementFilter, max int) ([]string, error) {
	words := strings.Fields(f.Query)
	if len(words) > 4 {
		words = words[:4]
	}
	var out []string
	seen := map[string]bool{}
	for i, w := range words {
		var near []string
		if err := s.DB.SelectContext(ctx, &near, nearWords, w, 5); err != nil {
			return nil, fmt.Errorf("db: search suggestions: %w", err)
		}
		for _, n := range near {
			alt := append(append(append([]string{}, words[:i]...), n), words[i+1:]...)
			q := strings.Join(alt, " ")
			if seen[q] {
				continue
			}
			seen[q] = true
			g := f
			g.Query = q
			hits, err := s.CountPlacements(ctx, g, 1)
			if err != nil {
				return nil, err
			}
			if hits > 0 {
				out = append(out, q)
				if len(out) == max {
					return out, nil
				}
			}
		}
	}
	return out, nil
}

// Relaxation is how many placements a search finds without one of its
// filters.
type Relaxation struct {
	Filter string // the filter's URL parameter: kind, sector, municipality, level_<skill>, free, start_before, lang
	Count  int
}

// SearchRelaxations counts, for every filter a search uses, what it finds
// without that filter (up to max), the most first; filters whose removal
// finds nothing are left out.
func (s *Store) SearchRelaxations(ctx context.Context, f PlacementFilter, max int) ([]Relaxation, error) {
	var tries []Relaxation
	var filters []PlacementFilter
	try := func(name string, on bool, drop func(*PlacementFilter)) {
		if !on {
			return
		}
		g := f
		g.Levels = map[string]Level{}
		for k, v := range f.Levels {
			g.Levels[k] = v
		}
		drop(&g)
		tries, filters = append(tries, Relaxation{Filter: name}), append(filters, g)
	}
	try("kind", f.Kind != "", func(g *PlacementFilter) { g.Kind = "" })
	try("sector", f.Sector != "", func(g *PlacementFilter) { g.Sector = "" })
	try("municipality", strings.TrimSpace(f.Municipality) != "", func(g *PlacementFilter) { g.Municipality = "" })
	for _, sk := range Skills {
		try("level_"+sk, f.Levels[sk] != "", func(g *PlacementFilter) { g.Levels[sk] = "" })
	}
	try("free", f.FreeSeats, func(g *PlacementFilter) { g.FreeSeats = false })
	try("start_before", f.StartBefore != nil, func(g *PlacementFilter) { g.StartBefore = nil })
	try("lang", f.Language != "", func(g *PlacementFilter) { g.Language = "" })
	var out []Relaxation
	for i, g := range filters {
		n, err := s.CountPlacements(ctx, g, max)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, Relaxation{Filter: tries[i].Filter, Count: n})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out, nil
}
