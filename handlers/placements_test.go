package handlers

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
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
