package handlers

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"praksis/db"
)

// completePlacement is a placement with everything publishing needs, in
// the municipality given (tests use a unique one to find their own rows
// in the shared database).
func completePlacement(municipality string) db.PlacementInput {
	hours, days := 30, 4
	start, end := time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 8, 31, 0, 0, 0, 0, time.UTC)
	return db.PlacementInput{Kind: "arbeidspraksis", Title: "Lagermedarbeider", Tasks: "Rydde på lageret og pakke varer.",
		Sector: "retail", Address: "Kongens gate 1", Municipality: municipality, HoursPerWeek: &hours, DaysPerWeek: &days,
		StartDate: &start, EndDate: &end, Seats: 2, Levels: map[string]db.Level{"oral": db.LevelA2},
		Languages: []string{"en"}, Adaptations: []string{"flexible_hours"},
		SupervisorName: "Kari Nordmann", SupervisorEmail: "kari@firma.example", SupervisorPhone: "+47 912 34 567"}
}

// storePlacement saves a placement of the employer's organisation through
// the store and moves it to status the way the employer would (publish
// first for paused and closed), so its events are the real ones.
func (ta *testApp) storePlacement(employer db.User, in db.PlacementInput, status string) int64 {
	ta.t.Helper()
	ctx := context.Background()
	org := *employer.OrganisationID
	id, err := ta.store.CreatePlacement(ctx, org, employer.ID, in)
	if err != nil {
		ta.t.Fatal(err)
	}
	move := func(to, from, action string) {
		if err := ta.store.SetPlacementStatus(ctx, id, org, employer.ID, to, []string{from}, action, ""); err != nil {
			ta.t.Fatal(err)
		}
	}
	switch status {
	case db.PlacementPublished:
		move(db.PlacementPublished, db.PlacementDraft, "publish")
	case db.PlacementPaused:
		move(db.PlacementPublished, db.PlacementDraft, "publish")
		move(db.PlacementPaused, db.PlacementPublished, "pause")
	case db.PlacementClosed:
		move(db.PlacementPublished, db.PlacementDraft, "publish")
		move(db.PlacementClosed, db.PlacementPublished, "close")
	}
	return id
}

// placement reads a placement as stored.
func (ta *testApp) placement(id int64) db.Placement {
	ta.t.Helper()
	p, err := ta.store.Placement(context.Background(), id)
	if err != nil {
		ta.t.Fatalf("placement %d: %v", id, err)
	}
	return p
}

// validPlacementForm is the form an employer fills in completely.
func validPlacementForm(title string) url.Values {
	return url.Values{
		"kind": {"arbeidspraksis"}, "title": {title}, "tasks": {"Rydde på lageret og pakke varer."}, "sector": {"retail"},
		"municipality": {"Trondheim"}, "address": {"Kongens gate 1"}, "hours_per_week": {"30"}, "days_per_week": {"4"},
		"start_date": {"2030-03-01"}, "end_date": {"2030-08-31"}, "seats": {"2"},
		"level_listening": {"a2"}, "level_oral": {"a2"}, "languages": {"en", "uk"}, "adaptations": {"flexible_hours"},
		"supervisor_name": {"Kari Nordmann"}, "supervisor_email": {"kari@firma.example"}, "supervisor_phone": {"+47 912 34 567"},
	}
}

var placementPathRe = regexp.MustCompile(`^/placements/(\d+)$`)

// createPlacement posts the form and returns the new placement's id from
// the redirect to its preview.
func createPlacement(t *testing.T, c *client, form url.Values) int64 {
	t.Helper()
	res := c.post("/placements", form)
	if res.status != http.StatusSeeOther {
		t.Fatalf("create placement: %d\n%s", res.status, res.text())
	}
	m := placementPathRe.FindStringSubmatch(res.location())
	if m == nil {
		t.Fatalf("create placement: redirect to %q, want /placements/:id", res.location())
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// placementFieldError is the validation message shown beside a field (decoded), or
// "" when there is none. Fields with a single input carry it in
// #f-<field>-error; the checkbox groups in their fieldset #f-<field>.
func placementFieldError(body, field string) string {
	if m := regexp.MustCompile(`id="f-` + regexp.QuoteMeta(field) + `-error">([^<]*)<`).FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	i := strings.Index(body, `<fieldset class="ds-fieldset" id="f-`+field+`"`)
	if i < 0 {
		return ""
	}
	set := body[i:]
	set = set[:strings.Index(set, "</fieldset>")]
	if m := regexp.MustCompile(`data-field="validation">([^<]*)<`).FindStringSubmatch(set); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

const (
	evilScript = `<script>alert(1)</script>`
	evilQuotes = `"quotes" & <b>`
)

// Everything the employer types is escaped wherever it is shown: the
// preview, the employer's list, the edit form, the adviser's search
// results and snippet, and the admin's views.
func TestPlacementTextEscapedEverywhere(t *testing.T) {
	ta := newTestApp(t)
	c, u := ta.signIn(db.RoleEmployer)

	// The new form starts with the signed-in person as supervisor.
	res := c.get("/placements/new")
	if res.status != http.StatusOK {
		t.Fatalf("new form: %d", res.status)
	}
	for _, want := range []string{`name="supervisor_name" type="text" value="` + html.EscapeString(u.Name) + `"`,
		`name="supervisor_email" type="email" value="` + u.Email + `"`, `name="seats" type="number" value="1"`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("new form lacks %s", want)
		}
	}
	for _, k := range db.PlacementKinds {
		if !strings.Contains(res.text(), msg(t, "nb", "placement.kind."+k+"_hint")) {
			t.Errorf("new form lacks the explanation of %s", k)
		}
	}

	town := unique("Escapeby")
	form := validPlacementForm("Kokk " + evilScript + " " + evilQuotes)
	// \x01 and \x02 are what the search marks matches with: typed, they
	// must not become <mark> in the snippet.
	form.Set("tasks", "Ta oppvasken på kjøkkenet. "+evilScript+" "+evilQuotes+" \x02\x01Lage\x01 middag.")
	form.Set("address", "Gate "+evilScript+" "+evilQuotes)
	form.Set("adaptations_other", "Tilpasning "+evilScript+" "+evilQuotes)
	form.Set("supervisor_name", "Leder "+evilScript+" "+evilQuotes)
	form.Set("municipality", town)
	id := createPlacement(t, c, form)
	p := ta.placement(id)
	if p.Status != db.PlacementDraft || p.Title != form.Get("title") || p.SupervisorName != form.Get("supervisor_name") {
		t.Fatalf("stored: %s %q %q", p.Status, p.Title, p.SupervisorName)
	}

	noRawTags := func(where string, res response, wantTexts ...string) {
		t.Helper()
		if res.status != http.StatusOK {
			t.Errorf("%s: status %d", where, res.status)
			return
		}
		for _, raw := range []string{evilScript, evilQuotes, "<b>", "<script>"} {
			if strings.Contains(res.body, raw) {
				t.Errorf("%s: %q appears unescaped", where, raw)
			}
		}
		for _, want := range wantTexts {
			if !strings.Contains(res.text(), want) {
				t.Errorf("%s: the text %q is not shown", where, want)
			}
		}
	}
	all := []string{form.Get("title"), form.Get("tasks"), form.Get("address"), form.Get("adaptations_other"), form.Get("supervisor_name")}
	noRawTags("preview", c.get("/placements/"+itoa(id)), all...)
	noRawTags("employer list", c.get("/placements"), form.Get("title"))
	noRawTags("edit form", c.get("/placements/"+itoa(id)+"/edit"), all...)

	if res := c.post("/placements/"+itoa(id)+"/publish", nil); res.status != http.StatusSeeOther {
		t.Fatalf("publish: %d %s", res.status, res.text())
	}
	adviser, _ := ta.signIn(db.RoleAdviser)
	search := adviser.get("/placements?" + url.Values{"q": {"oppvask"}, "municipality": {town}}.Encode())
	noRawTags("adviser search", search, form.Get("title"), `"quotes" &`)
	// The snippet is the one piece of HTML built outside the templates:
	// the employer's text escaped, only the matched word marked.
	snip := regexp.MustCompile(`(?s)<p class="ds-paragraph hit__snippet" data-size="sm">(.*?)</p>`).FindStringSubmatch(search.body)
	if snip == nil {
		t.Fatalf("no search snippet:\n%s", search.body)
	}
	if !strings.Contains(snip[1], `<mark>oppvasken</mark>`) || strings.Count(snip[1], "<") != 2 || strings.Count(snip[1], "<mark>") != 1 {
		t.Errorf("snippet is not escaped text with marks only: %s", snip[1])
	}
	if !strings.Contains(snip[1], `&amp;`) || !strings.Contains(html.UnescapeString(snip[1]), `alert(1)`) {
		t.Errorf("snippet lacks the employer's text: %s", snip[1])
	}
	noRawTags("adviser view", adviser.get("/placements/"+itoa(id)), all...)

	admin, _ := ta.signIn(db.RoleAdmin)
	noRawTags("admin search", admin.get("/placements?"+url.Values{"q": {"oppvask"}, "municipality": {town}}.Encode()), form.Get("title"))
	noRawTags("admin view", admin.get("/placements/"+itoa(id)), all...)
}

// Each kind of bad input, in both languages: 422, the catalogue's message
// beside the field, what was typed kept, and nothing saved.
func TestPlacementBadInput(t *testing.T) {
	ta := newTestApp(t)
	cases := []struct {
		name, field, value, msgID string
	}{
		{"unknown kind", "kind", "fastjobb", "form.choose"},
		{"unknown sector", "sector", "romfart", "form.choose"},
		{"unknown level", "level_oral", "c2", "form.choose"},
		{"C1 is not a requirement level", "level_reading", "c1", "form.choose"},
		{"end before start", "end_date", "2030-02-28", "placement.end_before_start"},
		{"no seats", "seats", "0", "placement.seats_range"},
		{"too many seats", "seats", "51", "placement.seats_range"},
		{"seats not a number", "seats", "abc", "placement.seats_range"},
		{"absurd seats", "seats", "100000", "placement.seats_range"},
		{"no hours", "hours_per_week", "0", "placement.hours_range"},
		{"too many hours", "hours_per_week", "41", "placement.hours_range"},
		{"eight days", "days_per_week", "8", "placement.days_range"},
		{"title too long", "title", strings.Repeat("t", 151), "form.too_long"},
		{"tasks too long", "tasks", strings.Repeat("o", 4001), "form.too_long"},
		{"address too long", "address", strings.Repeat("a", 201), "form.too_long"},
		{"municipality too long", "municipality", strings.Repeat("m", 101), "form.too_long"},
		{"other adaptations too long", "adaptations_other", strings.Repeat("å", 1001), "form.too_long"},
		{"supervisor name too long", "supervisor_name", strings.Repeat("n", 201), "form.too_long"},
		{"bad supervisor e-mail", "supervisor_email", "kari@", "form.email_invalid"},
		{"bad supervisor phone", "supervisor_phone", "ring meg", "placement.phone_invalid"},
		{"unknown language", "languages", "xx", "form.choose"},
		{"unknown adaptation", "adaptations", "free_beer", "form.choose"},
		{"invalid date", "start_date", "2030-02-30", "placement.date_invalid"},
	}
	for _, lang := range []string{"nb", "en"} {
		c, u := ta.signIn(db.RoleEmployer)
		ta.exec(`UPDATE users SET locale = $1 WHERE id = $2`, lang, u.ID)
		for _, tc := range cases {
			form := validPlacementForm("Lagermedarbeider")
			form.Set(tc.field, tc.value)
			res := c.post("/placements", form)
			if res.status != http.StatusUnprocessableEntity {
				t.Errorf("%s (%s): status %d, want 422", tc.name, lang, res.status)
				continue
			}
			if got, want := placementFieldError(res.body, tc.field), msg(t, lang, tc.msgID); got != want {
				t.Errorf("%s (%s): message beside %s %q, want %q", tc.name, lang, tc.field, got, want)
			}
			if !strings.Contains(res.text(), msg(t, lang, "form.summary")) {
				t.Errorf("%s (%s): no error summary", tc.name, lang)
			}
			// What was typed is still there: the bad value in text fields,
			// and the other fields as they were.
			switch tc.field {
			case "kind", "sector", "level_oral", "level_reading", "languages", "adaptations":
			case "tasks", "adaptations_other":
				if !strings.Contains(res.body, ">"+tc.value+"</textarea>") {
					t.Errorf("%s (%s): the typed %s is lost", tc.name, lang, tc.field)
				}
			default:
				if !regexp.MustCompile(`name="` + tc.field + `" type="[a-z]+" value="` + regexp.QuoteMeta(html.EscapeString(tc.value)) + `"`).MatchString(res.body) {
					t.Errorf("%s (%s): the typed %s is lost", tc.name, lang, tc.field)
				}
			}
			kept := []string{`name="hours_per_week" type="number" value="30"`, `<option value="retail" selected>`,
				`id="f-kind-arbeidspraksis" name="kind" value="arbeidspraksis" checked`, `<option value="a2" selected>`,
				`id="f-adapt-flexible_hours" name="adaptations" value="flexible_hours" checked`}
			for f, v := range map[string]string{"supervisor_name": "Kari Nordmann", "address": "Kongens gate 1"} {
				if tc.field != f {
					kept = append(kept, `name="`+f+`" type="text" value="`+v+`"`)
				}
			}
			if tc.field != "tasks" {
				kept = append(kept, ">Rydde på lageret og pakke varer.</textarea>")
			}
			if tc.field != "languages" {
				kept = append(kept, `id="f-lang-uk" name="languages" value="uk" checked`)
			}
			for _, k := range kept {
				if (tc.field == "kind" && strings.Contains(k, `name="kind"`)) || (tc.field == "adaptations" && strings.Contains(k, `name="adaptations"`)) ||
					(tc.field == "sector" && strings.Contains(k, "retail")) || (tc.field == "hours_per_week" && strings.Contains(k, "hours_per_week")) {
					continue // the field given a bad value
				}
				if !strings.Contains(res.body, k) {
					t.Errorf("%s (%s): %s not kept", tc.name, lang, k)
				}
			}
		}
		if n := ta.countWhere("placements", "organisation_id = $1", *u.OrganisationID); n != 0 {
			t.Errorf("%s: %d placements saved from bad input", lang, n)
		}
	}
}

// Publishing needs a complete placement and an approved organisation;
// every status move is a POST that follows the allowed transitions and is
// recorded with who made it; a closed placement stays.
func TestPlacementStatusMoves(t *testing.T) {
	ta := newTestApp(t)
	c, u := ta.signIn(db.RoleEmployer)

	// A draft with only the kind and a title can be saved, not published.
	id := createPlacement(t, c, url.Values{"kind": {"sprakpraksis"}, "title": {"Språkpraksis i barnehage"}, "seats": {"1"}})
	base := "/placements/" + itoa(id)
	res := c.post(base+"/publish", nil)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("publish an incomplete draft: %d", res.status)
	}
	text := res.text()
	if !strings.Contains(text, msg(t, "nb", "placements.cannot_publish")) {
		t.Error("no list of what is missing")
	}
	for _, f := range []string{"tasks", "sector", "municipality", "hours_per_week", "days_per_week", "start_date", "supervisor_name"} {
		if !strings.Contains(text, msg(t, "nb", "placement."+f)+": "+msg(t, "nb", "placement.publish_needs")) {
			t.Errorf("missing %s is not listed", f)
		}
	}
	if !strings.Contains(text, msg(t, "nb", "placement.publish_needs_contact")) {
		t.Error("missing contact is not listed")
	}
	if p := ta.placement(id); p.Status != db.PlacementDraft || ta.countWhere("placement_events", "placement_id = $1", id) != 0 {
		t.Fatalf("refused publish changed the placement: %s", p.Status)
	}
	// Only the contact missing: still refused.
	form := validPlacementForm("Språkpraksis i barnehage")
	form.Set("supervisor_email", "")
	form.Set("supervisor_phone", "")
	if res := c.post(base, form); res.status != http.StatusSeeOther {
		t.Fatalf("save: %d", res.status)
	}
	if res := c.post(base+"/publish", nil); res.status != http.StatusUnprocessableEntity || !strings.Contains(res.text(), msg(t, "nb", "placement.publish_needs_contact")) {
		t.Fatalf("publish without a contact: %d", res.status)
	}

	form.Set("supervisor_phone", "+47 912 34 567")
	if res := c.post(base, form); res.status != http.StatusSeeOther {
		t.Fatalf("save: %d", res.status)
	}
	wrong := msg(t, "nb", "placements.wrong_status")
	steps := []struct {
		action string
		status int
		want   string // status after
	}{
		{"pause", 409, db.PlacementDraft}, // a draft is not published
		{"resume", 409, db.PlacementDraft},
		{"reopen", 409, db.PlacementDraft},
		{"publish", 303, db.PlacementPublished},
		{"publish", 409, db.PlacementPublished},
		{"resume", 409, db.PlacementPublished},
		{"reopen", 409, db.PlacementPublished},
		{"pause", 303, db.PlacementPaused},
		{"pause", 409, db.PlacementPaused},
		{"publish", 409, db.PlacementPaused},
		{"resume", 303, db.PlacementPublished},
		{"close", 303, db.PlacementClosed},
		{"close", 409, db.PlacementClosed},
		{"pause", 409, db.PlacementClosed},
		{"resume", 409, db.PlacementClosed},
		{"publish", 409, db.PlacementClosed},
		{"reopen", 303, db.PlacementDraft},
		{"close", 303, db.PlacementClosed},
	}
	made := 0
	for _, st := range steps {
		before := ta.placement(id)
		res := c.post(base+"/"+st.action, nil)
		if res.status != st.status {
			t.Fatalf("%s from %s: %d, want %d", st.action, before.Status, res.status, st.status)
		}
		if p := ta.placement(id); p.Status != st.want {
			t.Fatalf("%s from %s: status %s, want %s", st.action, before.Status, p.Status, st.want)
		}
		if st.status == 409 {
			if !strings.Contains(res.text(), wrong) {
				t.Errorf("%s from %s: 409 without the message", st.action, before.Status)
			}
			continue
		}
		made++
		if res.location() != base {
			t.Errorf("%s: redirect to %q", st.action, res.location())
		}
		var actor int64
		if err := ta.store.DB.Get(&actor, `SELECT actor_id FROM placement_events WHERE placement_id = $1 ORDER BY id DESC LIMIT 1`, id); err != nil || actor != u.ID {
			t.Errorf("%s: last event by %d (%v), want %d", st.action, actor, err, u.ID)
		}
	}
	if n := ta.countWhere("placement_events", "placement_id = $1", id); n != made {
		t.Errorf("%d events, want one per move (%d)", n, made)
	}
	if p := ta.placement(id); p.PublishedAt == nil {
		t.Error("published_at not set by publishing")
	}
	// The history on the preview says what happened and who did it.
	res = c.get(base)
	for _, a := range []string{"publish", "pause", "resume", "close", "reopen"} {
		if !strings.Contains(res.text(), msg(t, "nb", "placements.event."+a)+" ("+u.Name+")") {
			t.Errorf("history lacks %s by %s", a, u.Name)
		}
	}

	// Closed is never deleted: it stays in the list, and there is no way
	// to remove it.
	if res := c.request(http.MethodDelete, base, url.Values{"csrf_token": {c.csrf}}, nil); res.status < 400 {
		t.Errorf("DELETE a placement: %d", res.status)
	}
	if list := c.get("/placements"); !strings.Contains(list.body, `href="`+base+`"`) || !strings.Contains(list.text(), msg(t, "nb", "placement.status.closed")) {
		t.Error("the closed placement is missing from the employer's list")
	}
	if n := ta.countWhere("placements", "id = $1 AND status = 'closed'", id); n != 1 {
		t.Error("the closed placement is gone")
	}
}

// An employer of an organisation still awaiting approval writes drafts
// but cannot publish.
func TestPlacementPendingOrganisation(t *testing.T) {
	ta := newTestApp(t)
	pending := ta.createPendingOrg()
	c := ta.sessionFor(pending.employer)
	res := c.get("/placements/new")
	if res.status != http.StatusOK || !strings.Contains(res.text(), msg(t, "nb", "placements.pending_org_drafts")) {
		t.Fatalf("new form for a pending organisation: %d", res.status)
	}
	id := createPlacement(t, c, validPlacementForm("Utkast fra venter"))
	res = c.post("/placements/"+itoa(id)+"/publish", nil)
	if res.status != http.StatusConflict || !strings.Contains(res.text(), msg(t, "nb", "placements.org_not_approved")) {
		t.Errorf("publish for a pending organisation: %d", res.status)
	}
	if p := ta.placement(id); p.Status != db.PlacementDraft || p.PublishedAt != nil {
		t.Errorf("status after refused publish: %s", p.Status)
	}
	if n := ta.countWhere("placement_events", "placement_id = $1", id); n != 0 {
		t.Errorf("%d events after a refused publish", n)
	}
	// Once approved, the same draft publishes.
	ta.exec(`UPDATE organisations SET approved_at = now() WHERE id = $1`, pending.org.ID)
	if res := c.post("/placements/"+itoa(id)+"/publish", nil); res.status != http.StatusSeeOther {
		t.Errorf("publish after approval: %d", res.status)
	}
}

// A published placement stays complete: an edit that removes a required
// field is refused and changes nothing; a good edit keeps it published.
func TestPlacementEditPublished(t *testing.T) {
	ta := newTestApp(t)
	c, u := ta.signIn(db.RoleEmployer)
	id := ta.storePlacement(u, completePlacement("Trondheim"), db.PlacementPublished)
	before := ta.placement(id)

	for _, field := range []string{"tasks", "sector", "hours_per_week", "start_date", "supervisor_name"} {
		form := validPlacementForm("Endret tittel")
		form.Set(field, "")
		res := c.post("/placements/"+itoa(id), form)
		if res.status != http.StatusUnprocessableEntity {
			t.Errorf("remove %s from a published placement: %d", field, res.status)
			continue
		}
		if got := placementFieldError(res.body, field); got != msg(t, "nb", "placement.publish_needs") {
			t.Errorf("remove %s: message %q", field, got)
		}
		if !strings.Contains(res.body, `value="Endret tittel"`) {
			t.Errorf("remove %s: the typed title is lost", field)
		}
	}
	if p := ta.placement(id); p.Title != before.Title || p.Tasks != before.Tasks || p.Status != db.PlacementPublished || !p.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("refused edits changed the placement: %+v", p)
	}
	if res := c.post("/placements/"+itoa(id), validPlacementForm("Endret tittel")); res.status != http.StatusSeeOther {
		t.Fatalf("good edit: %d", res.status)
	}
	if p := ta.placement(id); p.Title != "Endret tittel" || p.Status != db.PlacementPublished || p.Seats != 2 || p.Level("listening") != db.LevelA2 {
		t.Errorf("after a good edit: %q %s", p.Title, p.Status)
	}
}

// Duplicating makes a new draft with the same text and no dates, and
// opens its edit form.
func TestPlacementDuplicate(t *testing.T) {
	ta := newTestApp(t)
	c, u := ta.signIn(db.RoleEmployer)
	in := completePlacement("Trondheim")
	in.Title = "Gammel plass " + evilQuotes
	in.Levels["listening"] = db.LevelB1
	in.Languages = []string{"uk", "ar"}
	src := ta.storePlacement(u, in, db.PlacementClosed)

	res := c.post("/placements/"+itoa(src)+"/duplicate", nil)
	m := regexp.MustCompile(`^/placements/(\d+)/edit$`).FindStringSubmatch(res.location())
	if res.status != http.StatusSeeOther || m == nil {
		t.Fatalf("duplicate: %d to %q", res.status, res.location())
	}
	copyID, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if copyID == src {
		t.Fatal("duplicate redirected to the original")
	}
	orig, cp := ta.placement(src), ta.placement(copyID)
	if cp.Status != db.PlacementDraft || cp.OrganisationID != orig.OrganisationID || cp.StartDate != nil || cp.EndDate != nil || cp.PublishedAt != nil {
		t.Errorf("copy: status %s, org %d, dates %v %v", cp.Status, cp.OrganisationID, cp.StartDate, cp.EndDate)
	}
	// The copy is named as one (issue 20), the rest as the original.
	if cp.Title != fill(msg(t, "nb", "placements.copy_title"), "Title", orig.Title) || cp.Tasks != orig.Tasks || cp.Kind != orig.Kind || cp.Sector != orig.Sector || cp.Seats != orig.Seats ||
		cp.Level("listening") != db.LevelB1 || cp.Level("oral") != db.LevelA2 || strings.Join(cp.Languages, ",") != "uk,ar" ||
		cp.SupervisorName != orig.SupervisorName || *cp.HoursPerWeek != *orig.HoursPerWeek {
		t.Errorf("copy differs from the original: %+v", cp)
	}
	if orig.Status != db.PlacementClosed {
		t.Errorf("original is %s after duplicating", orig.Status)
	}
	edit := c.get(res.location())
	if edit.status != http.StatusOK || !strings.Contains(edit.text(), in.Title) || !strings.Contains(edit.text(), msg(t, "nb", "flash.placement_duplicated")) {
		t.Errorf("edit form of the copy: %d", edit.status)
	}
	if !strings.Contains(edit.body, `name="start_date" type="date" value=""`) {
		t.Error("the copy's start date is not empty in the form")
	}
}

// An admin takes down a published placement with a reason the employer
// sees; no reason, or a placement that is not published, is refused.
func TestPlacementUnpublish(t *testing.T) {
	ta := newTestApp(t)
	employer, u := ta.signIn(db.RoleEmployer)
	admin, adminUser := ta.signIn(db.RoleAdmin)
	id := ta.storePlacement(u, completePlacement("Trondheim"), db.PlacementPublished)
	draft := ta.storePlacement(u, completePlacement("Trondheim"), db.PlacementDraft)
	path := "/placements/" + itoa(id) + "/unpublish"

	res := admin.post(path, url.Values{"reason": {"   "}})
	if res.status != http.StatusUnprocessableEntity || placementFieldError(res.body, "reason") != msg(t, "nb", "placements.reason_required") {
		t.Errorf("unpublish without a reason: %d", res.status)
	}
	if p := ta.placement(id); p.Status != db.PlacementPublished {
		t.Errorf("status after a refused unpublish: %s", p.Status)
	}
	res = admin.post("/placements/"+itoa(draft)+"/unpublish", url.Values{"reason": {"Hvorfor"}})
	if res.status != http.StatusConflict || !strings.Contains(res.text(), msg(t, "nb", "placements.wrong_status")) {
		t.Errorf("unpublish a draft: %d", res.status)
	}
	if p := ta.placement(draft); p.Status != db.PlacementDraft || p.UnpublishedReason != "" {
		t.Errorf("draft after a refused unpublish: %s %q", p.Status, p.UnpublishedReason)
	}

	reason := "Plassen erstatter en ordinær stilling <i>ikke lov</i>."
	if res := admin.post(path, url.Values{"reason": {reason}}); res.status != http.StatusSeeOther {
		t.Fatalf("unpublish: %d", res.status)
	}
	p := ta.placement(id)
	if p.Status != db.PlacementPaused || p.UnpublishedReason != reason {
		t.Errorf("after unpublish: %s %q", p.Status, p.UnpublishedReason)
	}
	if n := ta.countWhere("placement_events", "placement_id = $1 AND action = 'unpublish' AND actor_id = $2 AND reason = $3", id, adminUser.ID, reason); n != 1 {
		t.Errorf("unpublish events with the admin and reason: %d", n)
	}
	res = employer.get("/placements/" + itoa(id))
	if !strings.Contains(res.text(), msg(t, "nb", "placements.unpublished_heading")) || !strings.Contains(res.text(), reason) || strings.Contains(res.body, "<i>ikke") {
		t.Error("the employer does not see the reason (escaped)")
	}
	adviser, _ := ta.signIn(db.RoleAdviser)
	if res := adviser.get("/placements/" + itoa(id)); res.status != http.StatusNotFound {
		t.Errorf("adviser sees an unpublished placement: %d", res.status)
	}
	// Taking it down twice is a conflict.
	if res := admin.post(path, url.Values{"reason": {reason}}); res.status != http.StatusConflict {
		t.Errorf("unpublish twice: %d", res.status)
	}
}

// The form's live checks: htmx posts the form with the name of the field
// that changed, and gets only that field's message.
func TestPlacementLiveValidation(t *testing.T) {
	ta := newTestApp(t)
	c, u := ta.signIn(db.RoleEmployer)
	live := func(field string, form url.Values) response {
		t.Helper()
		return c.request(http.MethodPost, "/placements/validate", form,
			map[string]string{"HX-Request": "true", "HX-Trigger-Name": field, "X-CSRF-Token": c.csrf})
	}
	for _, lang := range []string{"nb", "en"} {
		ta.exec(`UPDATE users SET locale = $1 WHERE id = $2`, lang, u.ID)
		res := live("seats", url.Values{"seats": {"0"}})
		if res.status != http.StatusOK || strings.Contains(res.body, "<html") {
			t.Fatalf("%s: live check: %d %s", lang, res.status, res.body)
		}
		if got := placementFieldError(res.body, "seats"); got != msg(t, lang, "placement.seats_range") {
			t.Errorf("%s: seats=0: %q", lang, got)
		}
		// The form's other problems (no kind, no title) are not this field's.
		if strings.Contains(res.text(), msg(t, lang, "form.required")) || strings.Contains(res.text(), msg(t, lang, "form.choose")) {
			t.Errorf("%s: message for another field: %s", lang, res.body)
		}
		if res := live("seats", url.Values{"seats": {"3"}}); res.status != http.StatusOK || strings.TrimSpace(res.body) != "" {
			t.Errorf("%s: valid seats: %d %q", lang, res.status, res.body)
		}
		res = live("end_date", url.Values{"start_date": {"2030-05-01"}, "end_date": {"2030-04-01"}})
		if got := placementFieldError(res.body, "end_date"); got != msg(t, lang, "placement.end_before_start") {
			t.Errorf("%s: end before start: %q", lang, got)
		}
		res = live("title", url.Values{"title": {strings.Repeat("x", 151)}})
		if got := placementFieldError(res.body, "title"); got != msg(t, lang, "form.too_long") {
			t.Errorf("%s: long title: %q", lang, got)
		}
	}
	for _, field := range []string{"no_such_field", "languages", ""} {
		if res := live(field, url.Values{"seats": {"0"}, "languages": {"xx"}}); res.status != http.StatusOK || strings.TrimSpace(res.body) != "" {
			t.Errorf("trigger %q: %d %q", field, res.status, res.body)
		}
	}
	if n := ta.countWhere("placements", "organisation_id = $1", *u.OrganisationID); n != 0 {
		t.Errorf("live checks saved %d placements", n)
	}
	// The form asks for these checks.
	if res := c.get("/placements/new"); !strings.Contains(res.body, `hx-post="/placements/validate"`) {
		t.Error("the form has no live checks")
	}
}

// fitRe finds a level badge marked against the participant's level.
var fitRe = regexp.MustCompile(`level-badge--(yes|no)\b`)

var hitRe = regexp.MustCompile(`<h3 class="ds-heading" data-size="xs"><a class="ds-link" href="/placements/(\d+)">`)

// hits lists the placement ids of a results page, in order.
func hits(t *testing.T, res response) []string {
	t.Helper()
	if res.status != http.StatusOK {
		t.Fatalf("search: %d\n%s", res.status, res.text())
	}
	var out []string
	for _, m := range hitRe.FindAllStringSubmatch(res.body, -1) {
		out = append(out, m[1])
	}
	return out
}

func sameSet(got []string, want ...int64) bool {
	if len(got) != len(want) {
		return false
	}
	w := make([]string, len(want))
	for i, id := range want {
		w[i] = itoa(id)
	}
	g := append([]string(nil), got...)
	sort.Strings(g)
	sort.Strings(w)
	return strings.Join(g, ",") == strings.Join(w, ",")
}

// The adviser's search through the router: text with Norwegian stemming,
// every filter, published placements only, bad filters and cursors.
func TestPlacementSearch(t *testing.T) {
	ta := newTestApp(t)
	_, emp := ta.signIn(db.RoleEmployer)
	town := unique("Søkeby")
	date := func(s string) *time.Time {
		d, _ := time.Parse("2006-01-02", s)
		return &d
	}
	a1 := completePlacement(town)
	a1.Kind, a1.Sector, a1.Title = "sprakpraksis", "education", "Språkpraksis i barnehage"
	a1.Tasks = "Hjelpe til i barnehagen med måltider og lek."
	a1.Levels = map[string]db.Level{"oral": db.LevelA1}
	a1.StartDate, a1.EndDate, a1.Languages = date("2030-01-15"), nil, []string{"uk"}
	b1 := completePlacement(town)
	b1.Kind, b1.Sector, b1.Title, b1.Tasks = "arbeidspraksis", "retail", "Lagermedarbeider", "Rydde på lageret."
	b1.Levels = map[string]db.Level{"oral": db.LevelB1, "listening": db.LevelB1}
	b1.StartDate, b1.Seats, b1.Languages = date("2030-06-01"), 1, []string{"en"}
	none := completePlacement(town)
	none.Kind, none.Sector, none.Title, none.Tasks = "arbeidstrening", "hospitality", "Kjøkkenhjelp", "Kutte grønnsaker på kjøkkenet."
	none.Levels, none.StartDate, none.EndDate, none.Languages = map[string]db.Level{}, nil, nil, nil

	pA, pB, pN := ta.storePlacement(emp, a1, db.PlacementPublished), ta.storePlacement(emp, b1, db.PlacementPublished), ta.storePlacement(emp, none, db.PlacementPublished)
	ta.exec(`UPDATE placements SET seats_taken = seats WHERE id = $1`, pB) // full
	// The same words in placements advisers must never see.
	hidden := map[string]int64{}
	for _, st := range []string{db.PlacementDraft, db.PlacementPaused, db.PlacementClosed} {
		hidden[st] = ta.storePlacement(emp, a1, st)
	}

	adviser, _ := ta.signIn(db.RoleAdviser)
	q := func(kv ...string) string {
		v := url.Values{"municipality": {town}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return "/placements?" + v.Encode()
	}
	for _, tc := range []struct {
		name string
		path string
		want []int64
	}{
		{"municipality only", q(), []int64{pA, pB, pN}},
		{"municipality in other case", "/placements?municipality=" + url.QueryEscape(strings.ToUpper(town)), []int64{pA, pB, pN}},
		{"stemming: plural finds the definite singular", q("q", "barnehager"), []int64{pA}},
		{"stemming: verb form", q("q", "ryddet"), []int64{pB}},
		{"words in the title", q("q", "kjøkkenhjelp"), []int64{pN}},
		{"no such word", q("q", "astronaut"), nil},
		{"kind", q("kind", "arbeidspraksis"), []int64{pB}},
		{"sector", q("sector", "hospitality"), []int64{pN}},
		{"oral A2: B1 is too much", q("level_oral", "a2"), []int64{pA, pN}},
		{"oral B2: all", q("level_oral", "b2"), []int64{pA, pB, pN}},
		{"not enough to assess: only no requirement", q("level_oral", "ikke_nok_grunnlag"), []int64{pN}},
		{"listening A2: B1 listening is too much", q("level_listening", "a2"), []int64{pA, pN}},
		{"reading given, nothing requires it", q("level_reading", "under_a1"), []int64{pA, pB, pN}},
		{"free seats", q("free", "1"), []int64{pA, pN}},
		{"start before", q("start_before", "2030-03-01"), []int64{pA}},
		{"start before, later", q("start_before", "2030-12-31"), []int64{pA, pB}},
		{"workplace language", q("lang", "uk"), []int64{pA}},
		{"filters together", q("q", "barnehage", "kind", "sprakpraksis", "level_oral", "a1", "free", "1", "lang", "uk"), []int64{pA}},
	} {
		if got := hits(t, adviser.get(tc.path)); !sameSet(got, tc.want...) {
			t.Errorf("%s: hits %v, want %v", tc.name, got, tc.want)
		}
	}

	// An admin sees every status; the results say which.
	admin, _ := ta.signIn(db.RoleAdmin)
	res := admin.get(q())
	if got := hits(t, res); !sameSet(got, pA, pB, pN, hidden[db.PlacementDraft], hidden[db.PlacementPaused], hidden[db.PlacementClosed]) {
		t.Errorf("admin: hits %v", got)
	}
	if !strings.Contains(res.text(), msg(t, "nb", "placement.status.closed")) {
		t.Error("admin results do not show the status")
	}
	if got := hits(t, admin.get(q("q", "barnehage"))); len(got) != 4 {
		t.Errorf("admin text search: %d hits, want 4", len(got))
	}

	// A bad filter is reported and ignored; the rest still apply.
	for _, bad := range [][]string{{"kind", "fastjobb"}, {"sector", "space"}, {"level_oral", "c7"}, {"start_before", "2030-13-01"}, {"lang", "xx"}} {
		res := adviser.get(q(bad...))
		if got := hits(t, res); !sameSet(got, pA, pB, pN) {
			t.Errorf("bad %s: hits %v", bad[0], got)
		}
		if !strings.Contains(res.text(), msg(t, "nb", "placements.bad_filter")) {
			t.Errorf("bad %s: no message", bad[0])
		}
	}
	if res := adviser.get(q()); strings.Contains(res.text(), msg(t, "nb", "placements.bad_filter")) {
		t.Error("bad_filter message without a bad filter")
	}
	for _, after := range []string{"garbage", "1_2", "x_1_1", "0.1_y_3", "0.1_1_0", "0.1_1_-4", "NaN_1_1", "0_-9223372036854775807_1", "0_9223372036854775807_1"} {
		if res := adviser.get(q("after", after)); res.status != http.StatusBadRequest {
			t.Errorf("after=%s: %d, want 400", after, res.status)
		}
	}

	// Every result shows why it fits: level badges marked against the
	// participant's levels, seats and start.
	res = adviser.get(q("level_oral", "a2", "kind", "sprakpraksis"))
	body := res.text()
	if !strings.Contains(res.body, "level-badge level-badge--yes") || !strings.Contains(body, msg(t, "nb", "placements.fit_yes")) {
		t.Error("no fit marker on the oral badge")
	}
	if n := len(fitRe.FindAllString(res.body, -1)); n != 1 {
		t.Errorf("%d fit markers, want 1 (only the skill given)", n)
	}
	if !strings.Contains(body, fill(msg(t, "nb", "placements.seats_free_n"), "Free", "2", "Seats", "2")) ||
		!strings.Contains(body, fill(msg(t, "nb", "placements.starts"), "Date", "15.01.2030")) {
		t.Errorf("result lacks seats or start:\n%s", body)
	}
	if res := adviser.get(q("kind", "arbeidstrening")); !strings.Contains(res.text(), msg(t, "nb", "placements.start_open")) ||
		fitRe.MatchString(res.body) {
		t.Error("a result without levels given shows markers, or lacks the open start")
	}

	// htmx asks for the results only; the same query string without
	// JavaScript gives the whole page with the same hits.
	for _, path := range []string{q(), q("q", "barnehage"), q("level_oral", "a2")} {
		frag := adviser.request(http.MethodGet, path, nil, map[string]string{"HX-Request": "true", "HX-Target": "results"})
		if frag.status != http.StatusOK || strings.Contains(frag.body, "<html") || !strings.Contains(frag.body, `id="results"`) || strings.Contains(frag.body, `role="search"`) {
			t.Errorf("%s: htmx results: %d\n%s", path, frag.status, frag.body)
		}
		if v := strings.Join(frag.header.Values("Vary"), ","); !strings.Contains(v, "HX-Request") {
			t.Errorf("%s: Vary %q lacks HX-Request", path, v)
		}
		page := adviser.get(path)
		if !strings.Contains(page.body, "<html") || !strings.Contains(page.body, `role="search"`) {
			t.Errorf("%s: plain GET is not the whole page", path)
		}
		if v := strings.Join(page.header.Values("Vary"), ","); !strings.Contains(v, "HX-Request") {
			t.Errorf("%s: page Vary %q lacks HX-Request", path, v)
		}
		if f, p := hits(t, frag), hits(t, page); strings.Join(f, ",") != strings.Join(p, ",") || len(f) == 0 {
			t.Errorf("%s: htmx hits %v, page hits %v", path, f, p)
		}
	}
	// The search form updates the results and the URL with htmx.
	if res := adviser.get("/placements"); !strings.Contains(res.body, `hx-get="/placements" hx-target="#results"`) || !strings.Contains(res.body, `hx-push-url="true"`) {
		t.Error("the search form does not update the results with htmx")
	}

	// The adviser opens a published placement: all of it and the contact.
	res = adviser.get("/placements/" + itoa(pA))
	if res.status != http.StatusOK || !strings.Contains(res.text(), a1.Tasks) || !strings.Contains(res.text(), a1.SupervisorEmail) || !strings.Contains(res.text(), a1.SupervisorPhone) {
		t.Errorf("adviser view: %d", res.status)
	}
	if strings.Contains(res.body, `/placements/`+itoa(pA)+`/publish`) || strings.Contains(res.body, msg(t, "nb", "placements.history")) {
		t.Error("the adviser sees the employer's actions or history")
	}
}

var nextRe = regexp.MustCompile(`<a class="ds-button" data-variant="secondary" href="([^"]+)"`)

// Keyset paging: 25 published placements in pages of 20, following the
// page's own next link; no hit twice, none lost, and a placement published
// between pages does not shift the second page. Both search shapes (the
// second starts with 26, the late one of the first included).
func TestPlacementSearchPaging(t *testing.T) {
	ta := newTestApp(t)
	_, emp := ta.signIn(db.RoleEmployer)
	town := unique("Sideby")
	in := completePlacement(town)
	in.Tasks = "Sortere post og svare i telefonen på kontoret."
	var all []int64
	for i := 0; i < 25; i++ {
		in.Title = "Kontorhjelp " + itoa(int64(i))
		all = append(all, ta.storePlacement(emp, in, db.PlacementPublished))
	}
	adviser, _ := ta.signIn(db.RoleAdviser)
	for _, start := range []string{
		"/placements?" + url.Values{"municipality": {town}}.Encode(),
		"/placements?" + url.Values{"municipality": {town}, "q": {"kontoret"}}.Encode(),
	} {
		want := append([]int64(nil), all...) // what exists when the search starts
		seen := map[string]bool{}
		path, pages := start, 0
		for path != "" {
			pages++
			if pages > 5 {
				t.Fatalf("%s: more than 5 pages", start)
			}
			res := adviser.get(path)
			got := hits(t, res)
			// The htmx fragment of the same URL has the same hits.
			frag := adviser.request(http.MethodGet, path, nil, map[string]string{"HX-Request": "true", "HX-Target": "results"})
			if f := hits(t, frag); strings.Join(f, ",") != strings.Join(got, ",") {
				t.Errorf("page %d: htmx hits %v, page hits %v", pages, f, got)
			}
			for _, id := range got {
				if seen[id] {
					t.Errorf("%s: %s on two pages", start, id)
				}
				seen[id] = true
			}
			if pages == 1 {
				if len(got) != 20 {
					t.Errorf("%s: first page has %d hits", start, len(got))
				}
				// Published after the first page was read: newest, so it
				// belongs before the cursor and never on page 2.
				in.Title = "Kontorhjelp sen"
				all = append(all, ta.storePlacement(emp, in, db.PlacementPublished))
			}
			path = ""
			if m := nextRe.FindStringSubmatch(res.body); m != nil {
				path = html.UnescapeString(m[1])
				if !strings.Contains(path, "after=") || !strings.Contains(path, url.QueryEscape(town)) {
					t.Errorf("next link %q lacks the cursor or the filters", path)
				}
			}
			if pages == 2 && !strings.Contains(res.text(), msg(t, "nb", "placements.first_page")) {
				t.Error("page 2 has no link to the first page")
			}
		}
		if pages != 2 {
			t.Errorf("%s: %d pages, want 2", start, pages)
		}
		if len(seen) != len(want) {
			t.Errorf("%s: %d placements seen, want %d", start, len(seen), len(want))
		}
		for _, id := range want {
			if !seen[itoa(id)] {
				t.Errorf("%s: placement %d never shown", start, id)
			}
		}
	}
	// A fresh search shows the newest first.
	if got := hits(t, adviser.get("/placements?"+url.Values{"municipality": {town}}.Encode())); len(got) != 20 || got[0] != itoa(all[len(all)-1]) {
		t.Errorf("newest placement not first on a fresh search: %v", got)
	}
}

// The employer's list shows status, seats taken of seats and the start.
func TestPlacementEmployerList(t *testing.T) {
	ta := newTestApp(t)
	c, u := ta.signIn(db.RoleEmployer)
	res := c.get("/placements")
	if res.status != http.StatusOK || !strings.Contains(res.text(), msg(t, "nb", "placements.none_heading")) {
		t.Fatalf("empty list: %d", res.status)
	}
	id := ta.storePlacement(u, completePlacement("Trondheim"), db.PlacementPublished)
	ta.exec(`UPDATE placements SET seats_taken = 1 WHERE id = $1`, id)
	draft := ta.storePlacement(u, completePlacement("Trondheim"), db.PlacementDraft)
	res = c.get("/placements")
	text := res.text()
	for _, want := range []string{msg(t, "nb", "placement.status.published"), msg(t, "nb", "placement.status.draft"), "1 / 2", "01.03.2030",
		`href="/placements/` + itoa(id) + `"`, `href="/placements/` + itoa(draft) + `"`, `href="/placements/new"`} {
		if !strings.Contains(text, want) {
			t.Errorf("list lacks %s", want)
		}
	}
}

// The dashboards lead to the placements.
func TestDashboardsLinkPlacements(t *testing.T) {
	ta := newTestApp(t)
	for _, tc := range []struct {
		role  string
		links map[string]string
	}{
		{db.RoleEmployer, map[string]string{"/placements": "dashboard.placements_link", "/placements/new": "dashboard.new_placement"}},
		{db.RoleAdviser, map[string]string{"/placements": "dashboard.search_link"}},
	} {
		c, u := ta.signIn(tc.role)
		for _, lang := range []string{"nb", "en"} {
			ta.exec(`UPDATE users SET locale = $1 WHERE id = $2`, lang, u.ID)
			res := c.get("/")
			for href, id := range tc.links {
				if !strings.Contains(res.text(), `href="`+href+`">`+msg(t, lang, id)+`</a>`) {
					t.Errorf("%s dashboard (%s) has no link to %s", tc.role, lang, href)
				}
			}
		}
	}
}

// Text PostgreSQL cannot store (invalid UTF-8, NUL) is refused with 400
// before it reaches the database, and nothing is saved.
func TestPlacementUnstorableText(t *testing.T) {
	ta := newTestApp(t)
	c, u := ta.signIn(db.RoleEmployer)
	id := ta.storePlacement(u, completePlacement("Trondheim"), db.PlacementDraft)
	before := ta.placement(id)
	for _, bad := range []string{"Kokk\x00", "Kokk\xff"} {
		for _, path := range []string{"/placements", "/placements/" + itoa(id)} {
			if res := c.post(path, validPlacementForm(bad)); res.status != http.StatusBadRequest || !strings.Contains(res.text(), msg(t, "nb", "error.bad_request")) {
				t.Errorf("POST %s with %q: %d, want 400", path, bad, res.status)
			}
		}
	}
	if n := ta.countWhere("placements", "organisation_id = $1", *u.OrganisationID); n != 1 {
		t.Errorf("%d placements, want 1", n)
	}
	if p := ta.placement(id); p.Title != before.Title || !p.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("placement changed: %q", p.Title)
	}
	adviser, _ := ta.signIn(db.RoleAdviser)
	for _, q := range []string{"q=%ff", "q=kokk%00", "municipality=%c3", "kind=%00"} {
		if res := adviser.get("/placements?" + q); res.status != http.StatusBadRequest {
			t.Errorf("search %s: %d, want 400", q, res.status)
		}
	}
	// Norwegian letters are of course fine.
	if res := adviser.get("/placements?q=" + url.QueryEscape("kjøkken æøå")); res.status != http.StatusOK {
		t.Errorf("search with æøå: %d", res.status)
	}
}

// A closed placement is read-only: its edit form and an update answer 409
// with the message and change nothing; reopened as a draft, it can be
// edited again.
func TestPlacementClosedReadOnly(t *testing.T) {
	ta := newTestApp(t)
	u := ta.createUser(db.RoleEmployer)
	c := ta.sessionFor(u)
	id := ta.storePlacement(u, completePlacement("Trondheim"), db.PlacementClosed)
	base := "/placements/" + itoa(id)
	before := ta.placement(id)
	events := ta.countWhere("placement_events", "placement_id = $1", id)
	for _, lang := range []string{"nb", "en"} {
		ta.exec(`UPDATE users SET locale = $1 WHERE id = $2`, lang, u.ID)
		res := c.get(base + "/edit")
		if res.status != http.StatusConflict || !strings.Contains(res.text(), msg(t, lang, "placements.closed_readonly")) {
			t.Errorf("%s: edit form of a closed placement: %d, want 409 with the message", lang, res.status)
		}
		if strings.Contains(res.body, `action="`+base+`"`) {
			t.Errorf("%s: the 409 page has the edit form", lang)
		}
		res = c.post(base, validPlacementForm("Endret etter avslutning"))
		if res.status != http.StatusConflict || !strings.Contains(res.text(), msg(t, lang, "placements.closed_readonly")) {
			t.Errorf("%s: update of a closed placement: %d, want 409 with the message", lang, res.status)
		}
	}
	after := ta.placement(id)
	if after.Title != before.Title || after.Status != db.PlacementClosed || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("the closed placement changed: %q %s", after.Title, after.Status)
	}
	if n := ta.countWhere("placement_events", "placement_id = $1", id); n != events {
		t.Errorf("%d events recorded by refused edits", n-events)
	}
	// The preview offers no edit link for it.
	ta.exec(`UPDATE users SET locale = 'nb' WHERE id = $1`, u.ID)
	if res := c.get(base); strings.Contains(res.body, `href="`+base+`/edit"`) {
		t.Error("the closed placement's preview links to its edit form")
	}
	// Reopened, it is a draft and can be changed.
	if res := c.post(base+"/reopen", nil); res.status != http.StatusSeeOther {
		t.Fatalf("reopen: %d", res.status)
	}
	if res := c.get(base + "/edit"); res.status != http.StatusOK {
		t.Errorf("edit form after reopening: %d", res.status)
	}
	if res := c.post(base, validPlacementForm("Endret etter gjenåpning")); res.status != http.StatusSeeOther {
		t.Errorf("update after reopening: %d", res.status)
	}
	if p := ta.placement(id); p.Title != "Endret etter gjenåpning" {
		t.Errorf("title after reopening and editing: %q", p.Title)
	}
}

// A placement the municipality took down: the employer cannot resume it
// (409, it stays paused, no resume button); only an admin publishes it
// again, which clears the reason and records who did it. Republishing a
// placement that is not taken down is a conflict.
func TestPlacementTakenDownAndRepublished(t *testing.T) {
	ta := newTestApp(t)
	u := ta.createUser(db.RoleEmployer)
	employer := ta.sessionFor(u)
	adminUser := ta.namedUser(db.RoleAdmin, unique("Kommuneadmin "))
	admin := ta.sessionFor(adminUser)
	adviser := ta.sessionFor(ta.createUser(db.RoleAdviser))
	id := ta.storePlacement(u, completePlacement("Trondheim"), db.PlacementPublished)
	base := "/placements/" + itoa(id)
	reason := "Erstatter en ordinær stilling."

	// Before it is taken down, there is nothing to publish again.
	if res := admin.post(base+"/republish", nil); res.status != http.StatusConflict || !strings.Contains(res.text(), msg(t, "nb", "placements.wrong_status")) {
		t.Errorf("republish a published placement: %d, want 409", res.status)
	}
	if res := admin.get(base); strings.Contains(res.body, `action="`+base+`/republish"`) {
		t.Error("a published placement offers 'publish again'")
	}
	if res := admin.post(base+"/unpublish", url.Values{"reason": {reason}}); res.status != http.StatusSeeOther {
		t.Fatalf("unpublish: %d", res.status)
	}
	events := ta.countWhere("placement_events", "placement_id = $1", id)

	// The employer cannot put it back up, and is not offered to.
	if res := employer.get(base); strings.Contains(res.body, `action="`+base+`/resume"`) || !strings.Contains(res.text(), reason) {
		t.Error("the employer's preview of a taken-down placement offers resume, or lacks the reason")
	}
	for _, lang := range []string{"nb", "en"} {
		ta.exec(`UPDATE users SET locale = $1 WHERE id = $2`, lang, u.ID)
		res := employer.post(base+"/resume", nil)
		if res.status != http.StatusConflict || !strings.Contains(res.text(), msg(t, lang, "placements.taken_down")) {
			t.Errorf("%s: employer resumes a taken-down placement: %d, want 409 with the message", lang, res.status)
		}
	}
	if p := ta.placement(id); p.Status != db.PlacementPaused || p.UnpublishedReason != reason {
		t.Errorf("after the refused resume: %s %q", p.Status, p.UnpublishedReason)
	}
	if n := ta.countWhere("placement_events", "placement_id = $1", id); n != events {
		t.Errorf("the refused resume recorded %d events", n-events)
	}
	if res := adviser.get(base); res.status != http.StatusNotFound {
		t.Errorf("adviser sees the taken-down placement: %d", res.status)
	}
	// The employer's own pause and resume still work on another placement.
	other := ta.storePlacement(u, completePlacement("Trondheim"), db.PlacementPaused)
	if res := employer.post("/placements/"+itoa(other)+"/resume", nil); res.status != http.StatusSeeOther {
		t.Errorf("resume an ordinary paused placement: %d", res.status)
	}
	// Nor can the admin republish the employer's own pause.
	ta.exec(`UPDATE placements SET status = 'paused' WHERE id = $1`, other)
	if res := admin.post("/placements/"+itoa(other)+"/republish", nil); res.status != http.StatusConflict {
		t.Errorf("republish a placement the employer paused: %d, want 409", res.status)
	}
	if p := ta.placement(other); p.Status != db.PlacementPaused {
		t.Errorf("the employer's paused placement is %s after a refused republish", p.Status)
	}

	// The admin's view offers to publish it again, with the lead text.
	res := admin.get(base)
	form := regexp.MustCompile(`(?s)<form method="post" action="` + regexp.QuoteMeta(base+"/republish") + `"[^>]*>(.*?)</form>`).FindStringSubmatch(res.body)
	if form == nil {
		t.Fatal("the admin's view of a taken-down placement has no 'publish again' form")
	}
	if !strings.Contains(form[1], `name="csrf_token" value="`+admin.csrf+`"`) || !strings.Contains(html.UnescapeString(form[1]), msg(t, "nb", "placements.republish")) {
		t.Error("the 'publish again' form lacks the CSRF field or its label")
	}
	if !strings.Contains(res.text(), msg(t, "nb", "placements.republish_lead")) {
		t.Error("the 'publish again' form lacks its lead text")
	}
	res = admin.post(base+"/republish", nil)
	if res.status != http.StatusSeeOther || res.location() != base {
		t.Fatalf("republish: %d to %q", res.status, res.location())
	}
	p := ta.placement(id)
	if p.Status != db.PlacementPublished || p.UnpublishedReason != "" {
		t.Errorf("after republish: %s %q", p.Status, p.UnpublishedReason)
	}
	if n := ta.countWhere("placement_events", "placement_id = $1 AND action = 'republish' AND actor_id = $2", id, adminUser.ID); n != 1 {
		t.Errorf("republish events by the admin: %d", n)
	}
	res = admin.get(base)
	if !strings.Contains(res.text(), msg(t, "nb", "flash.placement_republish")) ||
		!strings.Contains(res.text(), msg(t, "nb", "placements.event.republish")+" ("+adminUser.Name+")") {
		t.Error("no flash, or the history lacks the republish by the admin")
	}
	if res := adviser.get(base); res.status != http.StatusOK {
		t.Errorf("adviser after republish: %d", res.status)
	}
	// Twice is a conflict.
	if res := admin.post(base+"/republish", nil); res.status != http.StatusConflict {
		t.Errorf("republish twice: %d", res.status)
	}
}

// A code sent twice in the placement form (a checkbox and a crafted
// field, or a double submit) is stored once.
func TestPlacementDuplicateCodes(t *testing.T) {
	ta := newTestApp(t)
	u := ta.createUser(db.RoleEmployer)
	c := ta.sessionFor(u)
	form := validPlacementForm("Lager")
	form["languages"] = []string{"en", "en", "uk"}
	form["adaptations"] = []string{"flexible_hours", "flexible_hours"}
	id := createPlacement(t, c, form)
	p := ta.placement(id)
	if strings.Join(p.Languages, ",") != "en,uk" || strings.Join(p.Adaptations, ",") != "flexible_hours" {
		t.Errorf("stored codes: %v %v", p.Languages, p.Adaptations)
	}
	form["languages"] = []string{"en", "en"}
	if res := c.post("/placements/"+itoa(id), form); res.status != http.StatusSeeOther {
		t.Fatalf("update: %d", res.status)
	}
	if p := ta.placement(id); strings.Join(p.Languages, ",") != "en" {
		t.Errorf("languages after the update: %v", p.Languages)
	}
}

// A takedown cannot be dodged by closing, reopening and publishing the
// draft; the admin can publish the draft again once it is complete.
func TestPlacementTakedownNotBypassed(t *testing.T) {
	ta := newTestApp(t)
	u := ta.createUser(db.RoleEmployer)
	employer := ta.sessionFor(u)
	admin := ta.sessionFor(ta.createUser(db.RoleAdmin))
	id := ta.storePlacement(u, completePlacement("Trondheim"), db.PlacementPublished)
	base := "/placements/" + itoa(id)
	if res := admin.post(base+"/unpublish", url.Values{"reason": {"Erstatter ordinær stilling."}}); res.status != http.StatusSeeOther {
		t.Fatalf("unpublish: %d", res.status)
	}
	for _, step := range []string{"/close", "/reopen"} {
		if res := employer.post(base+step, nil); res.status != http.StatusSeeOther {
			t.Fatalf("%s: %d", step, res.status)
		}
	}
	res := employer.post(base+"/publish", nil)
	if res.status != http.StatusConflict || !strings.Contains(res.text(), msg(t, "nb", "placements.taken_down")) {
		t.Errorf("publishing a reopened taken-down placement: %d, want 409 with the takedown message", res.status)
	}
	if p := ta.placement(id); p.Status != db.PlacementDraft || p.UnpublishedReason == "" {
		t.Fatalf("after the refused publish: %s %q", p.Status, p.UnpublishedReason)
	}
	// Incomplete now: the admin cannot publish it either.
	ta.exec(`UPDATE placements SET tasks = '' WHERE id = $1`, id)
	res = admin.post(base+"/republish", nil)
	if res.status != http.StatusConflict || !strings.Contains(res.text(), msg(t, "nb", "placements.republish_incomplete")) {
		t.Errorf("republishing an incomplete draft: %d", res.status)
	}
	ta.exec(`UPDATE placements SET tasks = 'Rydde og vaske' WHERE id = $1`, id)
	if res := admin.post(base+"/republish", nil); res.status != http.StatusSeeOther {
		t.Fatalf("republish the fixed draft: %d", res.status)
	}
	if p := ta.placement(id); p.Status != db.PlacementPublished || p.UnpublishedReason != "" {
		t.Errorf("after republish: %s %q", p.Status, p.UnpublishedReason)
	}
}
