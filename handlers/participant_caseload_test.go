package handlers

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"praksis/db"
)

var caseloadRowRe = regexp.MustCompile(`<a class="ds-link" href="/participants/(\d+)">`)

// caseloadIDs lists the participants of a caseload page, in order.
func caseloadIDs(t *testing.T, res response) []int64 {
	t.Helper()
	if res.status != http.StatusOK {
		t.Fatalf("caseload: %d\n%s", res.status, res.text())
	}
	var out []int64
	for _, m := range caseloadRowRe.FindAllStringSubmatch(res.body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, id)
	}
	return out
}

func sameIDs(got []int64, want ...int64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// The caseload sorts by name, programme end, gap and status through its
// header links (aria-sort follows), filters by status, searches names
// literally, and is scoped: a NAV user sees the linked participants, an
// admin everyone with the adviser.
func TestParticipantCaseload(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.namedUser(db.RoleAdviser, unique("Rådgiver Aas "))
	nav := ta.createUser(db.RoleNAV)
	c := ta.sessionFor(adviser)
	mk := func(first, last string, endDays int, status string, goal db.Level, results db.Level, linked bool) int64 {
		in := participantInput(first, last)
		in.ProgrammeEnd = today().AddDate(0, 0, endDays)
		in.Status = status
		in.Goals = map[string]db.Level{"listening": goal, "reading": goal, "writing": goal, "oral": goal}
		if linked {
			in.NavContactID = &nav.ID
		}
		id := ta.storeParticipant(adviser, in)
		ta.planFromGoals(id)
		if results != "" {
			for _, sk := range db.Skills {
				ta.addResult(id, adviser, sk, results, today().AddDate(0, 0, -20))
			}
		}
		return id
	}
	// name: A B C; end: B C A; gap: C A B; status: B A C.
	pa := mk("Anna", "Aasen", 300, "completed", db.LevelA2, db.LevelA1, true)  // gap 4
	pb := mk("Bente", "Berg", 100, "active", db.LevelA2, "", false)            // gap 16
	pc := mk("Cecilie", "Dahl", 200, "on_leave", db.LevelA1, db.LevelA1, true) // gap 0

	res := c.get("/participants")
	if ids := caseloadIDs(t, res); !sameIDs(ids, pb, pc, pa) {
		t.Errorf("default order (programme end): %v", ids)
	}
	sortLink := func(body, labelID string) (string, string) {
		t.Helper()
		re := regexp.MustCompile(`<th scope="col" aria-sort="([a-z]+)"><a href="([^"]+)">` + regexp.QuoteMeta(html.EscapeString(msg(t, "nb", labelID))) + `</a></th>`)
		m := re.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no sort link for %s", labelID)
		}
		return m[1], html.UnescapeString(m[2])
	}
	if sort, _ := sortLink(res.body, "participants.col_end"); sort != "ascending" {
		t.Errorf("aria-sort of the default column: %s", sort)
	}
	for _, col := range []struct {
		labelID   string
		asc, desc []int64
	}{
		{"participants.col_name", []int64{pa, pb, pc}, []int64{pc, pb, pa}},
		{"participants.col_norwegian", []int64{pc, pa, pb}, []int64{pb, pa, pc}},
		{"participant.status", []int64{pb, pa, pc}, []int64{pc, pa, pb}},
		{"participants.col_end", []int64{pb, pc, pa}, []int64{pa, pc, pb}},
	} {
		_, href := sortLink(c.get("/participants?sort=name&desc=1").body, col.labelID)
		if col.labelID == "participants.col_name" {
			// The name column is already sorted descending here: its link
			// turns it ascending.
			if strings.Contains(href, "desc=1") {
				t.Errorf("the link of the descending column keeps it descending: %s", href)
			}
		}
		res := c.get(href)
		if ids := caseloadIDs(t, res); !sameIDs(ids, col.asc...) {
			t.Errorf("%s ascending (%s): %v, want %v", col.labelID, href, ids, col.asc)
		}
		sort, next := sortLink(res.body, col.labelID)
		if sort != "ascending" {
			t.Errorf("%s ascending: aria-sort %s", col.labelID, sort)
		}
		res = c.get(next)
		if ids := caseloadIDs(t, res); !sameIDs(ids, col.desc...) {
			t.Errorf("%s descending (%s): %v, want %v", col.labelID, next, ids, col.desc)
		}
		if sort, _ := sortLink(res.body, col.labelID); sort != "descending" {
			t.Errorf("%s descending: aria-sort %s", col.labelID, sort)
		}
		if strings.Count(res.body, `aria-sort="none"`) != 3 {
			t.Errorf("%s: the other columns are not aria-sort=none", col.labelID)
		}
	}
	// Unknown sort keys fall back to the programme end.
	if ids := caseloadIDs(t, c.get("/participants?sort=p.id;DROP&desc=1")); !sameIDs(ids, pa, pc, pb) {
		t.Errorf("unknown sort: %v", ids)
	}

	// Status filter, kept in the sort links.
	res = c.get("/participants?status=on_leave")
	if ids := caseloadIDs(t, res); !sameIDs(ids, pc) {
		t.Errorf("status filter: %v", ids)
	}
	if _, href := sortLink(res.body, "participants.col_name"); !strings.Contains(href, "status=on_leave") {
		t.Errorf("the sort link drops the filter: %s", href)
	}
	if ids := caseloadIDs(t, c.get("/participants?status=bogus")); !sameIDs(ids, pb, pc, pa) {
		t.Errorf("unknown status filter: %v", ids)
	}
	// Search: part of a name, case-insensitive, across first and last name.
	for q, want := range map[string][]int64{"berg": {pb}, "ANNA": {pa}, "cecilie dahl": {pc}, "e": {pb, pc, pa}, "zz": nil} {
		res := c.get("/participants?q=" + url.QueryEscape(q))
		if ids := caseloadIDs(t, res); !sameIDs(ids, want...) {
			t.Errorf("search %q: %v, want %v", q, ids, want)
		}
		if len(want) == 0 && !strings.Contains(res.text(), msg(t, "nb", "participants.none_match")) {
			t.Errorf("search %q: no 'none match' message", q)
		}
	}
	// % and _ are literal characters, not wildcards.
	pct := mk("Hundre%", "Prosent", 400, "active", db.LevelA1, "", false)
	und := mk("Under_", "Strek", 500, "active", db.LevelA1, "", false)
	for q, want := range map[string][]int64{"%": {pct}, "_": {und}, "e%": {pct}, "r_": {und}, "a_a": nil} {
		if ids := caseloadIDs(t, c.get("/participants?q="+url.QueryEscape(q))); !sameIDs(ids, want...) {
			t.Errorf("search %q: %v, want %v", q, ids, want)
		}
	}

	// The NAV user: only the linked participants, no register button.
	res = ta.sessionFor(nav).get("/participants?sort=name")
	if ids := caseloadIDs(t, res); !sameIDs(ids, pa, pc) {
		t.Errorf("NAV list: %v, want the two linked", ids)
	}
	if strings.Contains(res.body, `href="/participants/new"`) || !strings.Contains(res.text(), msg(t, "nb", "participants.nav_heading")) {
		t.Error("the NAV list offers registering, or has the wrong heading")
	}
	if ids := caseloadIDs(t, ta.sessionFor(ta.createUser(db.RoleNAV)).get("/participants")); len(ids) != 0 {
		t.Errorf("an unlinked NAV user sees %v", ids)
	}
	// Another adviser sees none of these.
	if ids := caseloadIDs(t, ta.sessionFor(ta.createUser(db.RoleAdviser)).get("/participants")); len(ids) != 0 {
		t.Errorf("another adviser sees %v", ids)
	}
	// The admin: everyone (here searched by name), with the adviser column.
	other := ta.namedUser(db.RoleAdviser, unique("Rådgiver Berg "))
	theirs := ta.storeParticipant(other, participantInput("Bente", "Bergersen"))
	res = ta.sessionFor(ta.createUser(db.RoleAdmin)).get("/participants?q=berg&sort=name")
	ids := caseloadIDs(t, res)
	seen := map[int64]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	if !seen[pb] || !seen[theirs] {
		t.Errorf("admin list: %v lacks %d or %d", ids, pb, theirs)
	}
	if !strings.Contains(res.text(), msg(t, "nb", "participants.col_adviser")) || !strings.Contains(res.text(), adviser.Name) || !strings.Contains(res.text(), other.Name) {
		t.Error("the admin list has no adviser column with the advisers' names")
	}
	if strings.Contains(c.get("/participants").text(), "<th scope=\"col\">"+msg(t, "nb", "participants.col_adviser")) {
		t.Error("the adviser's own list has an adviser column")
	}
}

// A caseload page shows names, levels and outcomes: each participant on it
// gets one audit row, written in one statement.
func TestCaseloadListIsAudited(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.createUser(db.RoleAdviser)
	a := ta.storeParticipant(adviser, participantInput("Liste", unique("En")))
	b := ta.storeParticipant(adviser, participantInput("Liste", unique("To")))
	if res := ta.sessionFor(adviser).get("/participants"); res.status != http.StatusOK {
		t.Fatalf("caseload: %d", res.status)
	}
	for _, id := range []int64{a, b} {
		if got := ta.countWhere("audit_log", "entity_id = $1 AND action = 'participant.list' AND actor_id = $2", id, adviser.ID); got != 1 {
			t.Errorf("participant %d: %d list rows, want 1", id, got)
		}
	}
	// Another adviser's empty list audits nobody.
	other := ta.createUser(db.RoleAdviser)
	ta.sessionFor(other).get("/participants")
	if got := ta.countWhere("audit_log", "action = 'participant.list' AND actor_id = $1", other.ID); got != 0 {
		t.Errorf("an empty list left %d rows", got)
	}
}

// A caseload longer than a page is paged: a hundred a page, in the sort's
// order across pages, filters kept in the links, only the shown rows
// audited, and a page number out of range shows the nearest page.
func TestCaseloadPages(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.createUser(db.RoleAdviser)
	last := unique("Side")
	var ids []int64
	for i := 0; i < caseloadPageSize+5; i++ {
		ids = append(ids, ta.storeParticipant(adviser, participantInput(fmt.Sprintf("P%03d", i), last)))
	}
	c := ta.sessionFor(adviser)
	first := c.get("/participants?sort=name")
	got := caseloadIDs(t, first)
	if !sameIDs(got, ids[:caseloadPageSize]...) {
		t.Fatalf("page 1 lists %d rows, want the first %d by name", len(got), caseloadPageSize)
	}
	if !strings.Contains(first.text(), "Viser 1–100 av 105 deltakere") || !strings.Contains(first.text(), "Side 1 av 2") {
		t.Errorf("page 1 does not say which rows it shows:\n%s", first.text())
	}
	if !strings.Contains(first.body, `href="/participants?sort=name&amp;page=2" rel="next"`) || strings.Contains(first.body, `rel="prev"`) {
		t.Error("page 1 has no link to page 2, or a link back")
	}
	if n := ta.countWhere("audit_log", "action = 'participant.list' AND actor_id = $1", adviser.ID); n != caseloadPageSize {
		t.Errorf("page 1 audited %d participants, want %d", n, caseloadPageSize)
	}
	second := c.get("/participants?sort=name&page=2")
	if got := caseloadIDs(t, second); !sameIDs(got, ids[caseloadPageSize:]...) {
		t.Fatalf("page 2 lists %v", got)
	}
	if !strings.Contains(second.text(), "Viser 101–105 av 105 deltakere") || !strings.Contains(second.body, `href="/participants?sort=name&amp;page=1" rel="prev"`) || strings.Contains(second.body, `rel="next"`) {
		t.Errorf("page 2 is not the last page:\n%s", second.text())
	}
	// The other direction and a filter carry over to the links.
	desc := c.get("/participants?sort=name&desc=1&status=active")
	if got := caseloadIDs(t, desc); len(got) != caseloadPageSize || got[0] != ids[len(ids)-1] {
		t.Fatalf("descending page 1 starts with %v", got[:1])
	}
	if !strings.Contains(desc.body, `href="/participants?sort=name&amp;desc=1&amp;status=active&amp;page=2"`) {
		t.Error("the next link forgets the direction or the filter")
	}
	for _, q := range []string{"page=99", "page=-3", "page=abc", "page=99999999999999999999"} {
		res := c.get("/participants?sort=name&" + q)
		got := caseloadIDs(t, res)
		if q == "page=99" || q == "page=99999999999999999999" {
			if !sameIDs(got, ids[caseloadPageSize:]...) {
				t.Errorf("%s: %d rows, want the last page", q, len(got))
			}
		} else if !sameIDs(got, ids[:caseloadPageSize]...) {
			t.Errorf("%s: %d rows, want the first page", q, len(got))
		}
	}
	// English says the same.
	c.post("/lang", url.Values{"lang": {"en"}})
	if en := c.get("/participants?sort=name&page=2"); !strings.Contains(en.text(), "Showing 101–105 of 105 participants") || !strings.Contains(en.text(), "Page 2 of 2") {
		t.Errorf("English pager:\n%s", en.text())
	}
}
