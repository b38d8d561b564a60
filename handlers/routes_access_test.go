package handlers

import (
	"net/url"
	"strings"
	"testing"

	"praksis/db"
)

// Paths nobody routes are 404 for everyone, and the admin area refuses
// non-admins before revealing what exists.
func TestUnknownPaths(t *testing.T) {
	ta := newTestApp(t, areaOnConfig)
	participant := ta.storeParticipant(ta.createUser(db.RoleAdviser), participantInput("Ukjent", unique("Deltaker")))
	for _, role := range matrixRoles {
		var c *client
		switch role {
		case "":
			c, _ = ta.signIn("")
		case db.RoleParticipant:
			c = ta.participantClient(participant)
		default:
			c = ta.sessionFor(ta.createUser(role))
		}
		if res := c.get("/no-such-page"); res.status != s404 {
			t.Errorf("%q: /no-such-page: %d", role, res.status)
		}
		want := s403
		switch role {
		case "":
			want = s303
		case db.RoleAdmin, db.RoleParticipant:
			want = s404
		}
		if res := c.get("/admin/no-such-page"); res.status != want {
			t.Errorf("%q: /admin/no-such-page: %d, want %d", role, res.status, want)
		}
		if res := c.get("/admin/organisations/1/approve"); res.status != want {
			t.Errorf("%q: GET on a POST-only route: %d, want %d", role, res.status, want)
		}
	}
}

type pendingOrg struct {
	org      db.Organisation
	employer db.User
}

// TestPlacementsOfAnotherOrganisation: an employer reaching for another
// organisation's placement by id gets 404, the same as for an id that does
// not exist (not 403, which would tell the id is real), on every route
// that takes an id; an adviser gets 404 for a placement that is not
// published. Nothing changes.
func TestPlacementsOfAnotherOrganisation(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.createUser(db.RoleEmployer)
	in := completePlacement(unique("Eierkommune "))
	ids := map[string]int64{}
	for _, st := range []string{db.PlacementDraft, db.PlacementPublished, db.PlacementPaused, db.PlacementClosed} {
		ids[st] = ta.storePlacement(owner, in, st)
	}
	before := map[int64]db.Placement{}
	for _, id := range ids {
		before[id] = ta.placement(id)
	}
	events := ta.count("placement_events")

	other, otherUser := ta.signIn(db.RoleEmployer)
	pending := ta.createPendingOrg()
	outsiders := map[string]*client{"employer of another organisation": other, "employer of a pending organisation": ta.sessionFor(pending.employer)}
	notFound := msg(t, "nb", "error.not_found")
	for who, c := range outsiders {
		for st, id := range ids {
			base := "/placements/" + itoa(id)
			for _, path := range []string{base, base + "/edit"} {
				if res := c.get(path); res.status != s404 || !strings.Contains(res.text(), notFound) {
					t.Errorf("%s: GET %s (%s): %d, want 404 with the message", who, path, st, res.status)
				}
			}
			form := validPlacementForm("Overtatt av en annen")
			for _, path := range []string{base, base + "/publish", base + "/pause", base + "/resume", base + "/close", base + "/reopen", base + "/duplicate"} {
				if res := c.post(path, form); res.status != s404 || !strings.Contains(res.text(), notFound) {
					t.Errorf("%s: POST %s (%s): %d, want 404 with the message", who, path, st, res.status)
				}
			}
		}
		// Their own list does not show the placements either.
		if res := c.get("/placements"); res.status != s200 || strings.Contains(res.body, in.Municipality) || strings.Contains(res.body, `href="/placements/`+itoa(ids[db.PlacementPublished])+`"`) {
			t.Errorf("%s: own list shows another organisation's placement (%d)", who, res.status)
		}
	}
	// An id that does not exist answers exactly the same.
	if res := other.get("/placements/999999999"); res.status != s404 {
		t.Errorf("unknown id: %d", res.status)
	}
	if res := other.get("/placements/abc"); res.status != s404 {
		t.Errorf("non-numeric id: %d", res.status)
	}

	adviser, _ := ta.signIn(db.RoleAdviser)
	for st, id := range ids {
		want := s404
		if st == db.PlacementPublished {
			want = s200
		}
		if res := adviser.get("/placements/" + itoa(id)); res.status != want {
			t.Errorf("adviser: GET a %s placement: %d, want %d", st, res.status, want)
		}
	}

	for _, id := range ids {
		after := ta.placement(id)
		b := before[id]
		if after.Status != b.Status || after.Title != b.Title || !after.UpdatedAt.Equal(b.UpdatedAt) {
			t.Errorf("placement %d changed: %s %q, was %s %q", id, after.Status, after.Title, b.Status, b.Title)
		}
	}
	if n := ta.count("placement_events"); n != events {
		t.Errorf("%d status events recorded by outsiders", n-events)
	}
	for _, orgID := range []int64{*otherUser.OrganisationID, pending.org.ID} {
		if n := ta.countWhere("placements", "organisation_id = $1", orgID); n != 0 {
			t.Errorf("an outsider's organisation got %d placements (a duplicate?)", n)
		}
	}
	if n := ta.countWhere("placements", "organisation_id = $1", *owner.OrganisationID); n != len(ids) {
		t.Errorf("the owner has %d placements, want %d", n, len(ids))
	}
}

// TestParticipantAccessMatrix: for a participant of adviser A linked to
// NAV user N, every participant route as A, another adviser B, N, another
// NAV user M, an employer, an admin and a visitor. Someone outside the
// participant's scope gets 404 (not 403, which would tell the id is
// real); a role that may never call a route gets 403; N reads the
// profile without any way to change it, except a note. Forms are valid,
// so a refusal is the authorisation's doing, and a refused request
// changes no row.
func TestParticipantAccessMatrix(t *testing.T) {
	ta := newTestApp(t)
	a, b := ta.createUser(db.RoleAdviser), ta.createUser(db.RoleAdviser)
	n, m := ta.createUser(db.RoleNAV), ta.createUser(db.RoleNAV)
	later := ta.createUser(db.RoleAdviser) // the admin moves the participant to them, last
	in := participantInput("Tilgang", unique("Matrise"))
	in.NavContactID = &n.ID
	pid := ta.storeParticipant(a, in)
	orig := ta.participant(pid)

	who := []string{"adviser A", "adviser B", "NAV linked", "NAV unlinked", "employer", "admin", "visitor"}
	clients := map[string]*client{
		"adviser A": ta.sessionFor(a), "adviser B": ta.sessionFor(b), "NAV linked": ta.sessionFor(n), "NAV unlinked": ta.sessionFor(m),
		"employer": ta.sessionFor(ta.createUser(db.RoleEmployer)), "admin": ta.sessionFor(ta.createUser(db.RoleAdmin)),
	}
	clients["visitor"], _ = ta.signIn("")

	base := "/participants/" + itoa(pid)
	update := validParticipantForm(in.FirstName, in.LastName)
	update.Set("nav_contact", itoa(n.ID))
	type row struct {
		method, path string
		form         url.Values
		want         map[string]int
	}
	// Statuses in the order of who.
	st := func(s ...int) map[string]int {
		out := map[string]int{}
		for i, w := range who {
			out[w] = s[i]
		}
		return out
	}
	rows := []row{
		{"GET", "/participants", nil, st(s200, s200, s200, s200, s403, s200, s303)},
		{"GET", "/participants/new", nil, st(s200, s200, s403, s403, s403, s403, s303)},
		{"POST", "/participants", validParticipantForm("Ny", unique("Deltaker")), st(s303, s303, s403, s403, s403, s403, s401)},
		{"GET", base, nil, st(s200, s404, s200, s404, s403, s200, s303)},
		{"GET", base + "/edit", nil, st(s200, s404, s403, s403, s403, s403, s303)},
		{"POST", base, update, st(s303, s404, s403, s403, s403, s403, s401)},
		{"POST", base + "/results", url.Values{"skill": {"oral"}, "level": {"a2"}, "taken_on": {ymd(today())}, "source": {"teacher"}},
			st(s303, s404, s403, s403, s403, s403, s401)},
		{"POST", base + "/outcomes", url.Values{"kind": {"work_part"}, "from_date": {ymd(today())}, "employer": {"Bakeriet"}},
			st(s303, s404, s403, s403, s403, s403, s401)},
		// The plan (the update above made version 1): the adviser edits,
		// the linked NAV user and admins read.
		{"GET", base + "/plan", nil, st(s200, s404, s200, s404, s403, s200, s303)},
		{"POST", base + "/plan", url.Values{"decided_on": {ymd(today().AddDate(0, -2, 0))}, "plan_date": {ymd(today().AddDate(0, -2, 0))},
			"original_end": {ymd(today().AddDate(0, 4, 0))}, "goal_category": {"work_or_education"}, "goal_oral": {"b1"}},
			st(s303, s404, s403, s403, s403, s403, s401)},
		{"POST", base + "/plan/reviews", url.Values{"review_held_on": {ymd(today())}, "review_took_part": {"adviser"}},
			st(s303, s404, s403, s403, s403, s403, s401)},
		{"POST", base + "/leave", url.Values{"leave_kind": {"welfare"}, "leave_from_date": {ymd(today())},
			"leave_to_date": {ymd(today().AddDate(0, 0, 4))}, "leave_decided_on": {ymd(today())}}, st(s303, s404, s403, s403, s403, s403, s401)},
		{"POST", base + "/extensions", url.Values{"ext_decided_on": {ymd(today())}, "ext_months": {"3"}, "ext_reason": {"Sykdom"}},
			st(s303, s404, s403, s403, s403, s403, s401)},
		{"POST", base + "/notes", url.Values{"body": {"Et notat"}}, st(s303, s404, s303, s404, s403, s403, s401)},
		{"GET", base + "/audit", nil, st(s403, s403, s403, s403, s403, s200, s303)},
		{"POST", base + "/reassign", url.Values{"adviser": {itoa(later.ID)}}, st(s403, s403, s403, s403, s403, s303, s401)},
	}
	notFound, forbidden := msg(t, "nb", "error.not_found"), msg(t, "nb", "error.forbidden")
	for _, r := range rows {
		for _, w := range who {
			c := clients[w]
			before := ta.participantCounts()
			views := ta.countWhere("audit_log", "action = 'participant.view'")
			var res response
			if r.method == "GET" {
				res = c.get(r.path)
			} else {
				form := url.Values{}
				for k, v := range r.form {
					form[k] = v
				}
				res = c.post(r.path, form)
			}
			want := r.want[w]
			if res.status != want {
				t.Errorf("%s %s as %s: %d, want %d", r.method, r.path, w, res.status, want)
				continue
			}
			switch want {
			case s404:
				if !strings.Contains(res.text(), notFound) || strings.Contains(res.text(), in.LastName) {
					t.Errorf("%s %s as %s: 404 without the message, or showing the participant", r.method, r.path, w)
				}
			case s403:
				if !strings.Contains(res.text(), forbidden) || strings.Contains(res.text(), in.LastName) {
					t.Errorf("%s %s as %s: 403 without the message, or showing the participant", r.method, r.path, w)
				}
			case s303:
				if r.method == "GET" && w == "visitor" && res.location() != "/login?next="+url.QueryEscape(r.path) {
					t.Errorf("%s %s as visitor: redirect to %q", r.method, r.path, res.location())
				}
			}
			if want == s401 || want == s403 || want == s404 || (r.method == "GET" && (r.path == "/participants" || r.path == "/participants/new")) {
				// Refused, or a list or an empty form: no row changes.
				ta.sameCounts(r.method+" "+r.path+" as "+w, before)
			}
			if r.method == "GET" && r.path == base && want == s200 {
				if n := ta.countWhere("audit_log", "action = 'participant.view'"); n != views+1 {
					t.Errorf("profile as %s: %d view rows, want 1", w, n-views)
				}
			}
		}
	}
	if p := ta.participant(pid); p.AdviserID != later.ID || p.FirstName != orig.FirstName {
		t.Errorf("after the matrix: adviser %d (want %d), name %q", p.AdviserID, later.ID, p.FirstName)
	}
	// Exactly the allowed changes were made, by the allowed people.
	for _, c := range []struct {
		table, where string
		args         []any
		want         int
	}{
		{"language_results", "participant_id = $1", []any{pid}, 1},
		{"outcomes", "participant_id = $1", []any{pid}, 1},
		{"participant_notes", "participant_id = $1", []any{pid}, 2},
		{"participant_notes", "participant_id = $1 AND author_id = $2", []any{pid, n.ID}, 1},
		{"audit_log", "entity = 'participant' AND entity_id = $1 AND action = 'participant.update' AND actor_id = $2", []any{pid, a.ID}, 1},
		{"audit_log", "entity = 'participant' AND entity_id = $1 AND action = 'participant.view'", []any{pid}, 4}, // 3 profiles + the edit form
		{"participants", "adviser_id = $1", []any{b.ID}, 1},
	} {
		if got := ta.countWhere(c.table, c.where, c.args...); got != c.want {
			t.Errorf("%s where %s %v: %d, want %d", c.table, c.where, c.args, got, c.want)
		}
	}

	// The lists: B and M do not see the participant, N and the admin do.
	q := "/participants?q=" + url.QueryEscape(in.LastName)
	for w, want := range map[string]int{"adviser B": 0, "NAV unlinked": 0, "NAV linked": 1, "admin": 1} {
		if ids := caseloadIDs(t, clients[w].get(q)); len(ids) != want {
			t.Errorf("%s's list: %v, want %d row(s)", w, ids, want)
		}
	}

	// N's profile is read-only: no edit link, no result, outcome or move
	// forms; a note form and the read-only notice.
	res := clients["NAV linked"].get(base)
	for _, s := range []string{`href="` + base + `/edit"`, `action="` + base + `/results"`, `action="` + base + `/outcomes"`,
		`action="` + base + `/reassign"`, `href="` + base + `/audit"`} {
		if strings.Contains(res.body, s) {
			t.Errorf("the NAV user's profile has %s", s)
		}
	}
	if !strings.Contains(res.body, `action="`+base+`/notes"`) || !strings.Contains(res.text(), msg(t, "nb", "participants.nav_readonly")) {
		t.Error("the NAV user's profile lacks the note form or the read-only notice")
	}
	// The admin reads and moves, and never edits.
	res = clients["admin"].get(base)
	for _, s := range []string{`href="` + base + `/edit"`, `action="` + base + `/results"`, `action="` + base + `/outcomes"`, `action="` + base + `/notes"`} {
		if strings.Contains(res.body, s) {
			t.Errorf("the admin's profile has %s", s)
		}
	}
	// An id that does not exist answers like another adviser's.
	for _, p := range []string{"/participants/999999999", "/participants/999999999/edit", "/participants/0", "/participants/x"} {
		if res := clients["adviser A"].get(p); res.status != s404 {
			t.Errorf("GET %s: %d, want 404", p, res.status)
		}
	}
}
