package handlers

import (
	"net/http"
	"strings"
	"testing"

	"praksis/db"
)

// TestLevelMeaningWhereChosen: where an employer chooses the Norwegian a
// placement needs, each level says what it means in plain words — in the
// options and in "What do the levels mean?" (issue 20).
func TestLevelMeaningWhereChosen(t *testing.T) {
	ta := newTestApp(t)
	c, _ := ta.signIn(db.RoleEmployer)
	res := c.get("/placements/new")
	if res.status != http.StatusOK {
		t.Fatalf("new form: %d", res.status)
	}
	for _, l := range []string{"a1", "a2", "b1", "b2"} {
		want := msg(t, "nb", "level."+l) + " – " + msg(t, "nb", "level.plain."+l)
		if strings.Count(res.text(), want) < 4 { // one option in each skill's select
			t.Errorf("the level selects do not explain %s as %q", l, want)
		}
	}
	if !strings.Contains(res.text(), msg(t, "nb", "level.plain.heading")) {
		t.Errorf("no explanation of the levels beside the selects")
	}
}
