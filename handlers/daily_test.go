package handlers

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"praksis/db"
)

// TestProfileTimelineEvents: the profile's timeline has the proposal, its
// answer, the agreement's days (proposed, approved, starts, ends) and its
// follow-ups beside the programme's start and end, newest first, each
// linking to its page; NAV gets no link to the placement, which it cannot
// open; the view is audited as before (issue 20).
func TestProfileTimelineEvents(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	fx := ta.freshAgreement()
	ta.approveAll(fx)
	a := ta.agreement(fx.id)
	held := today().AddDate(0, 0, -3)
	if err := ta.store.AddFollowUp(ctx, fx.id, ta.actorFor(fx.adviser), held, []string{"participant"}, "Går fint."); err != nil {
		t.Fatal(err)
	}
	title := a.PlacementTitle
	if a.JobTitle != "" {
		title = a.JobTitle
	}
	fill := func(id string, kv ...string) string {
		s := msg(t, "nb", id)
		for i := 0; i+1 < len(kv); i += 2 {
			s = strings.ReplaceAll(s, "{{."+kv[i]+"}}", kv[i+1])
		}
		return s
	}
	agreementLink := `href="/agreements/` + itoa(fx.id) + `"`
	placementLink := `href="/placements/` + itoa(fx.placement) + `"`
	want := []struct{ label, link string }{
		{fill("participants.tl_proposed", "Title", a.PlacementTitle, "Org", a.OrgName), placementLink},
		{fill("participants.tl_proposal_answered", "Title", a.PlacementTitle, "Answer", msg(t, "nb", "proposals.status_accepted")), agreementLink},
		{fill("participants.tl_agreement_proposed", "Title", title, "Org", a.OrgName), agreementLink},
		{fill("participants.tl_agreement_approved", "Title", title), agreementLink},
		{fill("participants.tl_agreement_started", "Title", title, "Org", a.OrgName), agreementLink},
		{fill("participants.tl_agreement_ends", "Title", title), agreementLink},
		{fill("participants.tl_follow_up", "Title", title), `href="/agreements/` + itoa(fx.id) + `#followups-heading"`},
	}
	item := regexp.MustCompile(`(?s)<li class="timeline__item[^"]*"><span class="timeline__date">(\d\d)\.(\d\d)\.(\d{4})</span> (.*?)</li>`)
	for _, who := range []db.User{fx.adviser, fx.nav} {
		before := ta.countWhere("audit_log", "action = 'participant.view' AND entity_id = $1 AND actor_id = $2", fx.participant, who.ID)
		res := ta.sessionFor(who).get(pPath(fx.participant, ""))
		if res.status != http.StatusOK {
			t.Fatalf("%s: profile %d", who.Role, res.status)
		}
		body := res.text()
		items := item.FindAllStringSubmatch(body, -1)
		if len(items) < len(want)+2 {
			t.Fatalf("%s: %d timeline items, want at least %d", who.Role, len(items), len(want)+2)
		}
		for _, w := range want {
			found := ""
			for _, it := range items {
				if strings.Contains(it[4], ">"+w.label+"</a>") || strings.HasSuffix(strings.TrimSpace(it[4]), w.label) {
					found = it[4]
				}
			}
			switch {
			case found == "":
				t.Errorf("%s: the timeline lacks %q", who.Role, w.label)
			case who.Role == db.RoleNAV && w.link == placementLink:
				if strings.Contains(found, "<a ") {
					t.Errorf("NAV: %q links to a placement NAV cannot open: %s", w.label, found)
				}
			case !strings.Contains(found, w.link):
				t.Errorf("%s: %q does not link to its page (%s): %s", who.Role, w.label, w.link, found)
			}
		}
		// Newest first: each date is on or before the one above it.
		for i := 1; i < len(items); i++ {
			prev, cur := items[i-1][3]+items[i-1][2]+items[i-1][1], items[i][3]+items[i][2]+items[i][1]
			if cur > prev {
				t.Errorf("%s: the timeline is not newest first: %s.%s.%s after %s.%s.%s", who.Role,
					items[i][1], items[i][2], items[i][3], items[i-1][1], items[i-1][2], items[i-1][3])
			}
		}
		// Nothing said at the follow-up reaches the timeline.
		if tl := body[strings.Index(body, `<ol class="timeline">`):]; strings.Contains(tl[:strings.Index(tl, "</ol>")], "Går fint.") {
			t.Errorf("%s: the follow-up's notes are on the timeline", who.Role)
		}
		if after := ta.countWhere("audit_log", "action = 'participant.view' AND entity_id = $1 AND actor_id = $2", fx.participant, who.ID); after != before+1 {
			t.Errorf("%s: %d audited views after one, want %d", who.Role, after, before+1)
		}
	}
}

// TestUserDisableHasConfirmStep: the users list offers disabling behind a
// confirm step in the row (a <details> naming the person and what happens,
// the real submit inside), with the CSRF token; nothing changes until that
// form is sent (issue 20).
func TestUserDisableHasConfirmStep(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.createUser(db.RoleAdmin)
	c := ta.sessionFor(admin)
	target := ta.createUser(db.RoleAdviser)
	res := c.get("/admin/users?q=" + target.Email)
	row := regexp.MustCompile(`(?s)<tr id="user-` + itoa(target.ID) + `">.*?</tr>`).FindString(res.body)
	if row == "" {
		t.Fatalf("no row for the target: %d", res.status)
	}
	step := regexp.MustCompile(`(?s)<details class="decide">\s*<summary[^>]*>` + regexp.QuoteMeta(msg(t, "nb", "admin.users.disable_open")) +
		`.*?<form method="post" action="/admin/users/` + itoa(target.ID) + `/disable"[^>]*>\s*<input type="hidden" name="csrf_token" value="[^"]+">` +
		`.*?</form>\s*</details>`).FindString(row)
	if step == "" {
		t.Fatalf("the disable form is not inside a confirm step:\n%s", row)
	}
	confirm := strings.ReplaceAll(msg(t, "nb", "admin.users.disable_confirm"), "{{.Name}}", target.Name)
	if !strings.Contains(res.text(), confirm) {
		t.Errorf("the confirm step does not say %q", confirm)
	}
	if u, err := ta.store.UserByID(context.Background(), target.ID); err != nil || u.DisabledAt != nil {
		t.Errorf("opening the list changed the account: %+v %v", u.DisabledAt, err)
	}
	// The confirmed form disables, and only then.
	if res := c.post("/admin/users/"+itoa(target.ID)+"/disable", nil); res.status != http.StatusSeeOther {
		t.Fatalf("confirm: %d", res.status)
	}
	if u, err := ta.store.UserByID(context.Background(), target.ID); err != nil || u.DisabledAt == nil {
		t.Errorf("the confirmed step did not disable: %v", err)
	}
}
