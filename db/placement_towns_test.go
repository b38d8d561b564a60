package db_test

import (
	"context"
	"strings"
	"testing"

	"github.com/lib/pq"

	"praksis/db/dbtest"
)

// TestMunicipalities: the search form's suggestions are the municipalities
// of published placements, once each whatever the case, sorted; drafts,
// closed placements and empty municipalities are left out.
func TestMunicipalities(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	_, err := st.DB.ExecContext(ctx, `
		INSERT INTO organisations (name, org_number, kind, sector, municipality, approved_at)
		VALUES ('Kommunetest AS', '974760673', 'business', 'retail', 'Oslo', now());
		INSERT INTO placements (organisation_id, kind, title, municipality, status, published_at)
		SELECT (SELECT id FROM organisations WHERE org_number = '974760673'), 'sprakpraksis', 'Plass', m, s, now()
		FROM (VALUES ('Oslo', 'published'), ('oslo', 'published'), ('Bergen', 'published'), ('Ålesund', 'published'),
			('', 'published'), ('Tromsø', 'draft'), ('Bodø', 'closed'), ('Bergen', 'published')) v(m, s);`)
	if err != nil {
		t.Fatal(err)
	}
	towns, err := st.Municipalities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range towns {
		seen[strings.ToLower(m)] = true
	}
	if len(towns) != 3 || !seen["bergen"] || !seen["oslo"] || !seen["ålesund"] {
		t.Errorf("municipalities %v, want Bergen, Oslo, Ålesund once each", towns)
	}
	// Sorted as the database sorts text (its collation decides where Å goes).
	var sorted []string
	if err := st.DB.SelectContext(ctx, &sorted, `SELECT x FROM unnest($1::text[]) x ORDER BY x`, pq.Array(towns)); err != nil {
		t.Fatal(err)
	}
	if strings.Join(sorted, ",") != strings.Join(towns, ",") {
		t.Errorf("municipalities %v not sorted (%v)", towns, sorted)
	}
}
