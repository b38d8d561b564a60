package handlers

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"praksis/db"
)

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
