package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"praksis/db"
)

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
