package handlers

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"praksis/db"
)

// A protected address: the adviser sees the municipality and address;
// the linked NAV user and an admin see that it is hidden, never the text;
// every list shows the marker and not the data.
func TestParticipantProtectedAddress(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.createUser(db.RoleAdviser)
	nav := ta.createUser(db.RoleNAV)
	in := participantInput("Amina", unique("Skjult"))
	in.NavContactID = &nav.ID
	in.Municipality, in.Address = unique("Hemmeligvik"), unique("Løyndomsveien ")
	id := ta.storeParticipant(adviser, in)
	// The grade is set on the protection page only (SetProtection).
	if _, err := ta.store.SetProtection(context.Background(), id, adviser.ID, db.ProtectionKode7, ""); err != nil {
		t.Fatal(err)
	}
	open := participantInput("Abdi", unique("Apen"))
	open.NavContactID = &nav.ID
	open.Municipality, open.Address = unique("Synligby"), unique("Åpen gate ")
	openID := ta.storeParticipant(adviser, open)

	a, n, admin := ta.sessionFor(adviser), ta.sessionFor(nav), ta.sessionFor(ta.createUser(db.RoleAdmin))
	hidden := msg(t, "nb", "participants.hidden")
	marker := msg(t, "nb", "participants.protected")

	res := a.get(pPath(id, ""))
	if !strings.Contains(res.text(), in.Municipality) || !strings.Contains(res.text(), in.Address) || strings.Contains(res.text(), hidden) {
		t.Error("the adviser does not see the protected address")
	}
	if !strings.Contains(res.text(), marker) {
		t.Error("the adviser's profile does not mark the address as protected")
	}
	if res := a.get(pPath(id, "/edit")); !strings.Contains(res.text(), in.Address) {
		t.Error("the adviser's edit form lacks the address")
	}
	for who, c := range map[string]*client{"nav": n, "admin": admin} {
		res := c.get(pPath(id, ""))
		if res.status != http.StatusOK {
			t.Fatalf("%s: profile %d", who, res.status)
		}
		if strings.Count(res.text(), hidden) != 2 || !strings.Contains(res.text(), marker) {
			t.Errorf("%s: municipality and address not shown as hidden", who)
		}
		if strings.Contains(res.text(), in.Municipality) || strings.Contains(res.text(), in.Address) {
			t.Errorf("%s sees the protected address", who)
		}
		// Not protected: shown to everyone who may see the participant.
		res = c.get(pPath(openID, ""))
		if !strings.Contains(res.text(), open.Municipality) || !strings.Contains(res.text(), open.Address) || strings.Contains(res.text(), hidden) {
			t.Errorf("%s: an unprotected address is hidden", who)
		}
	}
	if res := admin.get(pPath(id, "/audit")); strings.Contains(res.text(), in.Municipality) || strings.Contains(res.text(), in.Address) {
		t.Error("the audit page shows the protected address")
	}
	for who, c := range map[string]*client{"adviser": a, "nav": n, "admin": admin} {
		res := c.get("/participants?q=" + url.QueryEscape(in.LastName))
		if ids := caseloadIDs(t, res); !sameIDs(ids, id) {
			t.Fatalf("%s: caseload search %v", who, ids)
		}
		if !strings.Contains(res.text(), marker) {
			t.Errorf("%s: the caseload has no protected marker", who)
		}
		if strings.Contains(res.text(), in.Municipality) || strings.Contains(res.text(), in.Address) {
			t.Errorf("%s: the caseload shows the protected address", who)
		}
		if res := c.get("/participants?q=" + url.QueryEscape(open.LastName)); strings.Contains(res.text(), marker) {
			t.Errorf("%s: the caseload marks an unprotected participant", who)
		}
	}
}

// Names and notes with markup are shown as text everywhere: caseload,
// profile (the chart's title and its table included), edit form, audit
// page and the admin's list.
func TestParticipantTextEscaped(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.createUser(db.RoleAdviser)
	nav := ta.createUser(db.RoleNAV)
	c := ta.sessionFor(adviser)
	form := validParticipantForm(evilScript, evilQuotes+unique(" x"))
	form.Set("nav_contact", itoa(nav.ID))
	form.Set("municipality", evilQuotes)
	id := createParticipant(t, c, form)
	p := ta.participant(id)
	if p.FirstName != evilScript || !strings.HasPrefix(p.LastName, evilQuotes) {
		t.Fatalf("the name was not stored as typed: %q %q", p.FirstName, p.LastName)
	}
	ta.addResult(id, adviser, "oral", db.LevelA2, today().AddDate(0, 0, -5))
	for _, body := range []string{evilScript, evilQuotes} {
		if res := c.post(pPath(id, "/notes"), url.Values{"body": {body}}); res.status != http.StatusSeeOther {
			t.Fatalf("note: %d", res.status)
		}
	}
	if res := c.post(pPath(id, "/outcomes"), url.Values{"kind": {"other"}, "from_date": {ymd(today())}, "employer": {evilQuotes}, "note": {evilScript}}); res.status != http.StatusSeeOther {
		t.Fatalf("outcome: %d", res.status)
	}
	admin := ta.sessionFor(ta.createUser(db.RoleAdmin))
	n := ta.sessionFor(nav)
	q := "/participants?q=" + url.QueryEscape(strings.ToLower(p.LastName[len(evilQuotes):]))
	pages := map[string]response{
		"caseload":        c.get(q),
		"profile":         c.get(pPath(id, "")),
		"edit form":       c.get(pPath(id, "/edit")),
		"nav caseload":    n.get("/participants"),
		"nav profile":     n.get(pPath(id, "")),
		"admin list":      admin.get(q),
		"admin profile":   admin.get(pPath(id, "")),
		"audit page":      admin.get(pPath(id, "/audit")),
		"invalid re-show": c.post(pPath(id, "/results"), url.Values{"skill": {"oral"}}),
	}
	for name, res := range pages {
		if res.status != http.StatusOK && !(name == "invalid re-show" && res.status == http.StatusUnprocessableEntity) {
			t.Errorf("%s: status %d", name, res.status)
			continue
		}
		if strings.Contains(res.body, "<script>alert") || strings.Contains(res.body, `"quotes" & <b>`) || strings.Contains(res.body, "<b>") {
			t.Errorf("%s: markup from a name or note reached the page unescaped", name)
		}
		if !strings.Contains(res.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: the escaped name is not shown", name)
		}
		if !strings.Contains(res.body, "&#34;quotes&#34; &amp; &lt;b&gt;") {
			t.Errorf("%s: the escaped quotes are not shown", name)
		}
	}
	// The chart's title names the person, escaped, inside the SVG.
	prof := pages["profile"].body
	m := regexp.MustCompile(`<title id="chart-title">([^<]*)</title>`).FindStringSubmatch(prof)
	if m == nil || html.UnescapeString(m[1]) != fill(msg(t, "nb", "participants.chart_title"), "Name", evilScript) {
		t.Errorf("chart title: %v", m)
	}
	// The notes and the outcome are shown once each, as text.
	if strings.Count(pages["profile"].text(), evilScript) < 3 { // heading, chart title, note, outcome note
		t.Error("the note or the outcome is missing from the profile")
	}
}

// The audit log: each profile view leaves exactly one row, each change one
// row of its action, a refused change none; the admin reads them with the
// actors' names at /participants/:id/audit.
func TestParticipantAudit(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.namedUser(db.RoleAdviser, unique("Revisjon Rådgiver "))
	nav := ta.namedUser(db.RoleNAV, unique("Revisjon Veileder "))
	adminUser := ta.namedUser(db.RoleAdmin, unique("Revisjon Admin "))
	newAdviser := ta.createUser(db.RoleAdviser)
	c, n, admin := ta.sessionFor(adviser), ta.sessionFor(nav), ta.sessionFor(adminUser)

	form := validParticipantForm("Zahra", unique("Karimi"))
	form.Set("nav_contact", itoa(nav.ID))
	id := createParticipant(t, c, form)
	rows := func() int { return ta.countWhere("audit_log", "entity = 'participant' AND entity_id = $1", id) }
	if rows() != 1 || ta.auditRows(id, "participant.create") != 1 {
		t.Fatalf("after registering: %d rows", rows())
	}
	type step struct {
		name, action string
		by           *client
		actor        db.User
		do           func(*client) response
		status       int
	}
	get := func(path string) func(*client) response { return func(c *client) response { return c.get(path) } }
	post := func(path string, f url.Values) func(*client) response {
		return func(c *client) response { return c.post(path, f) }
	}
	steps := []step{
		{"adviser views", "participant.view", c, adviser, get(pPath(id, "")), 200},
		{"NAV views", "participant.view", n, nav, get(pPath(id, "")), 200},
		{"admin views", "participant.view", admin, adminUser, get(pPath(id, "")), 200},
		{"update", "participant.update", c, adviser, post(pPath(id, ""), form), 303},
		{"result", "participant.result", c, adviser, post(pPath(id, "/results"), url.Values{"skill": {"oral"}, "level": {"a1"}, "taken_on": {ymd(today())}, "source": {"teacher"}}), 303},
		{"outcome", "participant.outcome", c, adviser, post(pPath(id, "/outcomes"), url.Values{"kind": {"education"}, "from_date": {ymd(today())}}), 303},
		{"adviser note", "participant.note", c, adviser, post(pPath(id, "/notes"), url.Values{"body": {"Notat"}}), 303},
		{"NAV note", "participant.note", n, nav, post(pPath(id, "/notes"), url.Values{"body": {"Notat fra NAV"}}), 303},
		{"reassign", "participant.reassign", admin, adminUser, post(pPath(id, "/reassign"), url.Values{"adviser": {itoa(newAdviser.ID)}}), 303},
		// Refused changes change nothing, but the page they answer with
		// shows the participant again: one view row, no change row.
		{"invalid update", "participant.view", ta.sessionFor(newAdviser), newAdviser, post(pPath(id, ""), url.Values{"first_name": {""}}), 422},
		{"invalid result", "participant.view", ta.sessionFor(newAdviser), newAdviser, post(pPath(id, "/results"), url.Values{"skill": {"oral"}, "level": {"a1"}, "taken_on": {ymd(today().AddDate(0, 0, 2))}, "source": {"teacher"}}), 422},
		{"invalid outcome", "participant.view", ta.sessionFor(newAdviser), newAdviser, post(pPath(id, "/outcomes"), url.Values{"kind": {"x"}}), 422},
		{"invalid note", "participant.view", n, nav, post(pPath(id, "/notes"), url.Values{"body": {""}}), 422},
		{"invalid reassign", "participant.view", admin, adminUser, post(pPath(id, "/reassign"), url.Values{"adviser": {itoa(nav.ID)}}), 422},
		{"old adviser's view (404)", "", c, adviser, get(pPath(id, "")), 404},
	}
	for _, s := range steps {
		total := rows()
		var mine int
		if s.action != "" {
			mine = ta.countWhere("audit_log", "entity = 'participant' AND entity_id = $1 AND action = $2 AND actor_id = $3 AND host(ip) = $4",
				id, s.action, s.actor.ID, s.by.ip)
		}
		res := s.do(s.by)
		if res.status != s.status {
			t.Fatalf("%s: %d, want %d\n%s", s.name, res.status, s.status, res.text())
		}
		want := total
		if s.action != "" {
			want++
			if got := ta.countWhere("audit_log", "entity = 'participant' AND entity_id = $1 AND action = $2 AND actor_id = $3 AND host(ip) = $4",
				id, s.action, s.actor.ID, s.by.ip); got != mine+1 {
				t.Errorf("%s: %d new %s rows by the actor from %s, want 1", s.name, got-mine, s.action, s.by.ip)
			}
		}
		if got := rows(); got != want {
			t.Errorf("%s: %d new audit rows, want %d", s.name, got-total, want-total)
		}
	}

	// The admin's audit page lists them, newest first, with names.
	res := admin.get(pPath(id, "/audit"))
	if res.status != http.StatusOK {
		t.Fatalf("audit page: %d", res.status)
	}
	text := res.text()
	for _, s := range steps {
		if s.action == "" {
			continue
		}
		row := s.actor.Name + " (" + msg(t, "nb", "role."+s.actor.Role) + ")</td><td>" + msg(t, "nb", "audit."+s.action) + "</td><td>" + s.by.ip
		if !strings.Contains(text, row) {
			t.Errorf("audit page lacks %q", row)
		}
	}
	if !strings.Contains(text, msg(t, "nb", "audit.participant.create")) {
		t.Error("audit page lacks the registration")
	}
	// The page lists the log as it was; reading it adds one row of its own.
	if got, want := strings.Count(res.body, "<tr><td class=\"nowrap\">"), rows()-1; got != want {
		t.Errorf("audit page has %d rows, the log had %d", got, want)
	}
	if got := ta.auditRows(id, "participant.audit"); got != 1 {
		t.Errorf("reading the audit page left %d rows, want 1", got)
	}
	// Reading the audit page is not itself a profile view: 3 views and
	// the 5 refused changes' pages.
	if got := ta.auditRows(id, "participant.view"); got != 8 {
		t.Errorf("view rows: %d, want 8", got)
	}
	if !strings.Contains(admin.get(pPath(id, "")).body, `href="`+pPath(id, "/audit")+`"`) {
		t.Error("the admin's profile does not link to the audit page")
	}
}

// An admin moves a participant to another adviser: the new one sees it,
// the old one gets 404; a non-adviser or an unknown id is refused.
func TestParticipantReassign(t *testing.T) {
	ta := newTestApp(t)
	from := ta.createUser(db.RoleAdviser)
	to := ta.namedUser(db.RoleAdviser, unique("Ny Rådgiver "))
	disabled := ta.createUser(db.RoleAdviser)
	ta.exec(`UPDATE users SET disabled_at = now() WHERE id = $1`, disabled.ID)
	nav := ta.createUser(db.RoleNAV)
	adminUser := ta.createUser(db.RoleAdmin)
	id := ta.storeParticipant(from, participantInput("Iryna", unique("Bondarenko")))
	admin := ta.sessionFor(adminUser)
	path := pPath(id, "/reassign")

	res := admin.get(pPath(id, ""))
	if !strings.Contains(res.body, `action="`+path+`"`) || !strings.Contains(res.body, `<option value="`+itoa(to.ID)+`"`) {
		t.Fatal("the admin's profile has no reassign form with the advisers")
	}
	if strings.Contains(res.body, `<option value="`+itoa(disabled.ID)+`"`) {
		t.Error("a disabled adviser is offered")
	}
	before := ta.participantCounts()
	for _, lang := range []string{"nb", "en"} {
		ta.exec(`UPDATE users SET locale = $1 WHERE id = $2`, lang, adminUser.ID)
		for name, k := range map[string]struct{ value, msgID string }{
			"a NAV user":         {itoa(nav.ID), "participant.not_adviser"},
			"the admin":          {itoa(adminUser.ID), "participant.not_adviser"},
			"a disabled adviser": {itoa(disabled.ID), "participant.not_adviser"},
			"an unknown id":      {"999999999", "participant.not_adviser"},
			"no choice":          {"", "form.choose"},
			"not a number":       {"x", "form.choose"},
		} {
			res := admin.post(path, url.Values{"adviser": {k.value}})
			if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.text(), msg(t, lang, k.msgID)) {
				t.Errorf("%s: reassign to %s: %d, want 422 with %q", lang, name, res.status, msg(t, lang, k.msgID))
			}
		}
	}
	ta.sameCounts("refused reassignments", before)
	if p := ta.participant(id); p.AdviserID != from.ID {
		t.Fatalf("a refused reassignment moved the participant to %d", p.AdviserID)
	}
	ta.exec(`UPDATE users SET locale = 'nb' WHERE id = $1`, adminUser.ID)

	res = admin.post(path, url.Values{"adviser": {itoa(to.ID)}})
	if res.status != http.StatusSeeOther || res.location() != pPath(id, "") {
		t.Fatalf("reassign: %d %q", res.status, res.location())
	}
	if p := ta.participant(id); p.AdviserID != to.ID {
		t.Errorf("after reassigning: adviser %d, want %d", p.AdviserID, to.ID)
	}
	if n := ta.countWhere("audit_log", "entity = 'participant' AND entity_id = $1 AND action = 'participant.reassign' AND actor_id = $2", id, adminUser.ID); n != 1 {
		t.Errorf("reassign audit rows: %d", n)
	}
	if res := admin.get(pPath(id, "")); !strings.Contains(res.text(), msg(t, "nb", "flash.participant_reassigned")) || !strings.Contains(res.text(), to.Name) {
		t.Error("the profile does not show the move or the new adviser")
	}
	newC, oldC := ta.sessionFor(to), ta.sessionFor(from)
	if res := newC.get(pPath(id, "")); res.status != http.StatusOK || !strings.Contains(res.body, `href="`+pPath(id, "/edit")+`"`) {
		t.Errorf("the new adviser: %d, or cannot edit", res.status)
	}
	if ids := caseloadIDs(t, newC.get("/participants")); !sameIDs(ids, id) {
		t.Errorf("the new adviser's caseload: %v", ids)
	}
	for _, p := range []string{"", "/edit"} {
		if res := oldC.get(pPath(id, p)); res.status != http.StatusNotFound {
			t.Errorf("the old adviser: GET %s: %d, want 404", p, res.status)
		}
	}
	if res := oldC.post(pPath(id, "/notes"), url.Values{"body": {"Fortsatt min?"}}); res.status != http.StatusNotFound {
		t.Errorf("the old adviser adds a note: %d", res.status)
	}
	if ids := caseloadIDs(t, oldC.get("/participants")); len(ids) != 0 {
		t.Errorf("the old adviser's caseload: %v", ids)
	}
}
