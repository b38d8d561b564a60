package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"praksis/db"
)

// An admin sets the programme's contact details once (audited); rejecting
// an organisation needs a reason (refused without one, the row open with
// the message); the employers are mailed either way, with the reason and
// the contact details, and a rejected employer's dashboard and
// organisation page show both (issue 20).
func TestOrganisationDecisionsTellTheEmployer(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	admin := ta.sessionFor(ta.createUser(db.RoleAdmin))

	if res := admin.post("/admin/contact", url.Values{"name": {"Introduksjonsprogrammet"}, "email": {"ikke-en-adresse"}}); res.status != http.StatusUnprocessableEntity ||
		!strings.Contains(res.text(), msg(t, "nb", "form.email_invalid")) {
		t.Fatalf("contact with a bad address: %d", res.status)
	}
	contact := url.Values{"name": {"Introduksjonsprogrammet"}, "email": {"intro@kommune.example.no"}, "phone": {"+47 22 33 44 55"}}
	if res := admin.post("/admin/contact", contact); res.status != s303 {
		t.Fatalf("save contact: %d", res.status)
	}
	if n := ta.countWhere("audit_log", "action = 'programme_contact.update'"); n != 1 {
		t.Errorf("%d audit entries for the contact, want 1", n)
	}
	if page := admin.get("/admin/organisations"); !strings.Contains(page.text(), "intro@kommune.example.no") {
		t.Error("the organisations page does not show the contact details")
	}

	p := ta.createPendingOrg()
	path := "/admin/organisations/" + itoa(p.org.ID)
	// No reason: refused, nothing changes, nobody is mailed.
	res := htmxPost(admin, path+"/reject", url.Values{"reason": {"   "}})
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.text(), msg(t, "nb", "admin.orgs.reason_required")) ||
		!strings.Contains(res.body, `<details class="decide" open>`) {
		t.Fatalf("reject without a reason (htmx): %d %s", res.status, res.body)
	}
	res = admin.post(path+"/reject", nil)
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, `href="#f-reason-`+itoa(p.org.ID)+`"`) {
		t.Fatalf("reject without a reason: %d, want 422 with an error summary", res.status)
	}
	if o, _ := ta.store.Organisation(ctx, p.org.ID); o.Status() != db.OrgPending {
		t.Fatalf("a refused rejection changed the organisation: %s", o.Status())
	}
	if n := ta.countWhere("outbox", "recipient = $1", p.employer.Email); n != 0 {
		t.Fatalf("%d mails after a refused rejection", n)
	}

	const reason = "Virksomheten er ikke registrert i kommunen."
	if res := admin.post(path+"/reject", url.Values{"reason": {reason}}); res.status != s303 {
		t.Fatalf("reject: %d", res.status)
	}
	var text string
	if err := ta.store.DB.Get(&text, `SELECT body_text FROM outbox WHERE template = 'org_rejected' AND recipient = $1`, p.employer.Email); err != nil {
		t.Fatalf("no rejection mail to the employer: %v", err)
	}
	for _, want := range []string{reason, "intro@kommune.example.no", "+47 22 33 44 55", p.org.Name} {
		if !strings.Contains(text, want) {
			t.Errorf("the rejection mail does not say %q:\n%s", want, text)
		}
	}
	employer := ta.sessionFor(p.employer)
	for _, page := range []string{"/", "/organisation"} {
		body := employer.get(page).text()
		if !strings.Contains(body, reason) || !strings.Contains(body, "intro@kommune.example.no") {
			t.Errorf("%s of the rejected employer lacks the reason or the contact details", page)
		}
	}
	// Rejecting again tells nobody twice.
	if res := admin.post(path+"/reject", url.Values{"reason": {reason}}); res.status != s303 {
		t.Fatalf("reject again: %d", res.status)
	}
	if n := ta.countWhere("outbox", "template = 'org_rejected' AND recipient = $1", p.employer.Email); n != 1 {
		t.Errorf("%d rejection mails, want 1", n)
	}
	if res := admin.post(path+"/approve", nil); res.status != s303 {
		t.Fatalf("approve: %d", res.status)
	}
	if n := ta.countWhere("outbox", "template = 'org_approved' AND recipient = $1", p.employer.Email); n != 1 {
		t.Errorf("%d approval mails, want 1", n)
	}
	if o, _ := ta.store.Organisation(ctx, p.org.ID); o.RejectionReason != "" {
		t.Errorf("an approved organisation keeps the rejection reason %q", o.RejectionReason)
	}
}
