package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"praksis/db"
)

// TestPublishDisabledWithReason: the draft of an organisation awaiting
// approval offers "Publiser" disabled, with the reason beside it; a
// draft offers no "Avslutt plassen"; a refused publish (an old page) is
// not a dead end: it links back to the preview.
func TestPublishDisabledWithReason(t *testing.T) {
	ta := newTestApp(t)
	pending := ta.createPendingOrg()
	c := ta.sessionFor(pending.employer)
	id := createPlacement(t, c, validPlacementForm("Utkast fra venter"))
	base := "/placements/" + itoa(id)

	page := c.get(base)
	button := regexp.MustCompile(`<form method="post" action="` + base + `/publish">.*?<button[^>]*>`).FindString(page.body)
	if !strings.Contains(button, " disabled") || !strings.Contains(button, `aria-describedby="cannot-publish"`) {
		t.Errorf("the publish button of a pending organisation's draft is not disabled with a reason: %s", button)
	}
	if !regexp.MustCompile(`id="cannot-publish"[^>]*>` + regexp.QuoteMeta(msg(t, "nb", "placements.pending_org_drafts"))).MatchString(page.body) {
		t.Error("the reason is not beside the button")
	}
	if strings.Contains(page.body, `action="`+base+`/close"`) {
		t.Error("a draft offers to close the placement")
	}

	res := c.request(http.MethodPost, base+"/publish", url.Values{"csrf_token": {c.csrf}}, map[string]string{"Referer": "http://example.com" + base})
	if res.status != http.StatusConflict || !strings.Contains(res.body, `href="`+base+`"`) || !strings.Contains(res.text(), msg(t, "nb", "error.back_referer")) {
		t.Errorf("the refused publish: %d, without a link back to the preview", res.status)
	}
	// Without a referrer: back to the resource the address belongs to.
	res = c.post(base+"/publish", nil)
	if res.status != http.StatusConflict || !strings.Contains(res.body, `href="`+base+`"`) {
		t.Errorf("the refused publish without a referrer: %d, without a link to the placement", res.status)
	}

	// Approved: the button is enabled, and a published placement may be closed.
	ta.exec(`UPDATE organisations SET approved_at = now() WHERE id = $1`, pending.org.ID)
	c = ta.sessionFor(pending.employer)
	page = c.get(base)
	if button := regexp.MustCompile(`<form method="post" action="` + base + `/publish">.*?<button[^>]*>`).FindString(page.body); strings.Contains(button, "disabled") {
		t.Errorf("the publish button of an approved organisation is disabled: %s", button)
	}
}

// TestDraftWithTitleOnly: a draft is saved with nothing but a title, as
// the form promises; publishing it still needs everything, the kind
// included.
func TestDraftWithTitleOnly(t *testing.T) {
	ta := newTestApp(t)
	c, _ := ta.signIn(db.RoleEmployer)
	title := unique("Bare en tittel ")
	res := c.post("/placements", url.Values{"title": {title}, "seats": {"1"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("a draft with a title only: %d\n%s", res.status, res.text())
	}
	m := regexp.MustCompile(`^/placements/(\d+)$`).FindStringSubmatch(res.location())
	if m == nil {
		t.Fatalf("after saving the draft: %q", res.location())
	}
	var kind *string
	if err := ta.store.DB.Get(&kind, `SELECT kind FROM placements WHERE id = $1 AND title = $2 AND status = 'draft'`, m[1], title); err != nil || kind != nil {
		t.Fatalf("the draft stored: %v, kind %v", err, kind)
	}
	if page := c.get(res.location()); page.status != http.StatusOK || !strings.Contains(page.text(), title) {
		t.Errorf("the draft's preview: %d", page.status)
	}
	if page := c.get(res.location() + "/edit"); page.status != http.StatusOK {
		t.Errorf("the draft's edit form: %d", page.status)
	}
	if list := c.get("/placements"); !strings.Contains(list.text(), title) {
		t.Error("the draft is missing from the employer's list")
	}
	pub := c.post(res.location()+"/publish", nil)
	if pub.status != http.StatusUnprocessableEntity || !strings.Contains(pub.text(), msg(t, "nb", "placement.kind")+": "+msg(t, "nb", "placement.publish_needs")) {
		t.Errorf("publishing a draft without a kind: %d, want 422 naming the kind", pub.status)
	}
	if n := ta.countWhere("placements", "id = $1 AND status = 'draft'", m[1]); n != 1 {
		t.Error("the incomplete draft was published")
	}
}

// TestFutureWeekSaysWhen: a week that has not begun says from which day
// it can be logged and links back.
func TestFutureWeekSaysWhen(t *testing.T) {
	ta := newTestApp(t)
	ta.fixedClock()
	employerUser, adviserUser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	f := ta.attendanceAgreement(employerUser, adviserUser, attStart, attEnd, true)
	employer := ta.sessionFor(employerUser)
	res := employer.get(f.path("/attendance/2030-06-17"))
	want := msg(t, "nb", "attendance.future_week") + " " + fill(msg(t, "nb", "attendance.opens_on"), "Date", "17.06.2030")
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.text(), want) {
		t.Errorf("a future week: %d, want 422 saying %q", res.status, want)
	}
	if !strings.Contains(res.body, `href="`+f.path("")+`"`) {
		t.Error("the future week's page has no link back to the agreement")
	}
	// Headed "not yet", not "invalid details": nothing was wrong with it.
	if !strings.Contains(res.body, msg(t, "nb", "error.heading_not_yet")+"</h1>") || strings.Contains(res.body, msg(t, "nb", "error.heading_422")) {
		t.Errorf("a future week's heading is not %q", msg(t, "nb", "error.heading_not_yet"))
	}
}
