package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"praksis/db"
)

// announcement decodes the HX-Trigger header app.js reads aloud.
func announcement(t *testing.T, r response) string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(r.header.Get("HX-Trigger")), &m); err != nil {
		t.Fatalf("HX-Trigger %q: %v", r.header.Get("HX-Trigger"), err)
	}
	return m["praksis:announce"]
}

func TestAdminDecidesOrganisationWithHTMX(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	adminUser := ta.createUser(db.RoleAdmin)
	admin := ta.sessionFor(adminUser)
	admin.cookies[langCookie] = "en"
	ta.exec(`UPDATE users SET locale = 'en' WHERE id = $1`, adminUser.ID)

	for _, approve := range []bool{true, false} {
		p := ta.createPendingOrg()
		ta.exec(`UPDATE organisations SET name = $2 WHERE id = $1`, p.org.ID, "Kafé \"Ærlig\" "+unique(""))
		p.org, _ = ta.store.Organisation(ctx, p.org.ID)
		employer := ta.sessionFor(p.employer)
		if !strings.Contains(employer.get("/").text(), msg(t, "nb", "dashboard.pending_heading")) {
			t.Fatal("the employer does not see the pending state")
		}
		list := admin.get("/admin/organisations")
		if !strings.Contains(list.text(), p.org.Name) {
			t.Fatal("the pending organisation is not listed")
		}
		action, flash, status, heading := "approve", "flash.org_approved_named", db.OrgApproved, "dashboard.approved_heading"
		if !approve {
			action, flash, status, heading = "reject", "flash.org_rejected_named", db.OrgRejected, "dashboard.rejected_heading"
		}
		audits := ta.count("audit_log")
		res := htmxPost(admin, "/admin/organisations/"+itoa(p.org.ID)+"/"+action, url.Values{"reason": {"Ikke en arbeidsgiver i kommunen."}})
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d %s", action, res.status, res.body)
		}
		// Only the row: htmx swaps it in place.
		body := strings.TrimSpace(res.body)
		if strings.Contains(body, "<html") || strings.Contains(body, "<body") || !strings.HasPrefix(body, `<tr id="org-`+itoa(p.org.ID)+`"`) ||
			strings.Count(body, "<tr") != 1 {
			t.Errorf("%s: not just the row: %s", action, body)
		}
		if !strings.Contains(res.text(), msg(t, "en", "org.status_"+status)) {
			t.Errorf("%s: the row does not show the new status", action)
		}
		if !strings.Contains(res.header.Get("Vary"), "HX-Request") {
			t.Errorf("%s: Vary %q", action, res.header.Get("Vary"))
		}
		want := strings.ReplaceAll(msg(t, "en", flash), "{{.Name}}", p.org.Name)
		if got := announcement(t, res); got != want {
			t.Errorf("%s: announcement %q, want %q", action, got, want)
		}
		if ta.count("audit_log") != audits+1 {
			t.Errorf("%s: %d audit rows added", action, ta.count("audit_log")-audits)
		}
		entries, err := ta.store.AuditFor(ctx, "organisation", p.org.ID)
		if err != nil || len(entries) != 1 || entries[0].Action != "organisation."+action ||
			entries[0].ActorID == nil || *entries[0].ActorID != adminUser.ID {
			t.Errorf("%s: audit %+v %v", action, entries, err)
		}
		o, _ := ta.store.Organisation(ctx, p.org.ID)
		if o.Status() != status {
			t.Errorf("%s: organisation is %s", action, o.Status())
		}
		// The employer's next page shows the decision.
		if !strings.Contains(employer.get("/").text(), msg(t, "nb", heading)) {
			t.Errorf("%s: the employer does not see %s", action, heading)
		}
	}
}

func TestAdminDecidesOrganisationWithoutHTMX(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	admin := ta.sessionFor(ta.createUser(db.RoleAdmin))
	p := ta.createPendingOrg()
	res := admin.post("/admin/organisations/"+itoa(p.org.ID)+"/approve", nil)
	if res.status != http.StatusSeeOther || res.location() != "/admin/organisations" {
		t.Fatalf("approve: %d to %q", res.status, res.location())
	}
	if res.header.Get("HX-Trigger") != "" {
		t.Error("an htmx announcement on a plain post")
	}
	page := admin.get(res.location())
	if !strings.Contains(page.text(), msg(t, "nb", "flash.org_approved")) {
		t.Error("no flash after the redirect")
	}
	if again := admin.get("/admin/organisations"); strings.Contains(again.text(), msg(t, "nb", "flash.org_approved")) {
		t.Error("the flash is shown twice")
	}
	if o, _ := ta.store.Organisation(ctx, p.org.ID); o.Status() != db.OrgApproved {
		t.Errorf("status %s", o.Status())
	}
	if !strings.Contains(ta.sessionFor(p.employer).get("/").text(), msg(t, "nb", "dashboard.approved_heading")) {
		t.Error("the employer does not see the approval")
	}
	if entries, _ := ta.store.AuditFor(ctx, "organisation", p.org.ID); len(entries) != 1 {
		t.Errorf("audit entries: %d", len(entries))
	}
	// A forged flash cookie cannot put text on the page.
	admin.cookies[flashCookie] = url.QueryEscape("<script>alert(1)</script>")
	if strings.Contains(admin.get("/admin/organisations").body, "<script>alert") {
		t.Error("a flash cookie's text reached the page")
	}
	// Unknown and malformed ids.
	for _, path := range []string{"/admin/organisations/999999999/approve", "/admin/organisations/abc/reject", "/admin/organisations/0/approve"} {
		if res := admin.post(path, nil); res.status != http.StatusNotFound {
			t.Errorf("%s: %d", path, res.status)
		}
	}
}

var otpRe = regexp.MustCompile(`<code class="otp">([^<]+)</code>`)

func TestAdminCreatesUsers(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	admin := ta.sessionFor(ta.createUser(db.RoleAdmin))
	for _, role := range []string{db.RoleAdviser, db.RoleNAV, db.RoleAdmin} {
		email := unique(role) + "@kommune.example"
		res := admin.post("/admin/users", url.Values{"name": {"Ny " + role}, "email": {email}, "role": {role}, "locale": {"en"}})
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d", role, res.status)
		}
		m := otpRe.FindStringSubmatch(res.body)
		if m == nil {
			t.Fatalf("%s: no one-time password shown", role)
		}
		otp := unescape(m[1])
		if PasswordProblem(otp, email) != "" {
			t.Errorf("%s: one-time password %q breaks the rules", role, otp)
		}
		u, err := ta.store.UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != role || u.Locale != "en" || !u.MustChangePassword || u.OrganisationID != nil {
			t.Errorf("%s: %+v", role, u)
		}
		if strings.Contains(u.PasswordHash, otp) {
			t.Error("the one-time password is stored in clear")
		}
		// Shown once: the list does not show it again.
		if strings.Contains(admin.get("/admin/users").body, otp) {
			t.Errorf("%s: the one-time password is shown again", role)
		}
		// The person signs in with it and must choose their own.
		c := ta.client()
		res = login(c, email, otp)
		if res.status != http.StatusSeeOther || res.location() != "/password" {
			t.Errorf("%s: first sign-in: %d to %q", role, res.status, res.location())
		}
		if res := c.get("/"); res.location() != "/password" {
			t.Errorf("%s: not held at /password", role)
		}
	}
	users := ta.count("users")
	// Refused: a duplicate e-mail, the employer role, missing fields.
	existing := ta.createUser(db.RoleNAV)
	users++
	for _, bad := range []struct {
		name         string
		form         url.Values
		field, msgID string
	}{
		{"duplicate e-mail", url.Values{"name": {"Dup"}, "email": {strings.ToUpper(existing.Email)}, "role": {db.RoleNAV}}, "email", "admin.users.email_taken"},
		{"employer", url.Values{"name": {"Emp"}, "email": {unique("emp") + "@test.example"}, "role": {db.RoleEmployer}}, "role", "form.choose"},
		{"unknown role", url.Values{"name": {"Root"}, "email": {unique("root") + "@test.example"}, "role": {"root"}}, "role", "form.choose"},
		{"no name", url.Values{"name": {""}, "email": {unique("nn") + "@test.example"}, "role": {db.RoleNAV}}, "name", "form.required"},
		{"bad e-mail", url.Values{"name": {"Bad"}, "email": {"not-an-address"}, "role": {db.RoleNAV}}, "email", "form.email_invalid"},
	} {
		for _, lang := range []string{"nb", "en"} {
			admin.cookies[langCookie] = lang
			ta.exec(`UPDATE users SET locale = $2 WHERE id = (SELECT user_id FROM sessions WHERE token_hash = $1)`, db.HashToken(admin.cookies[sessionCookie]), lang)
			res := admin.post("/admin/users", bad.form)
			if res.status != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d", bad.name, res.status)
				continue
			}
			if got, _ := fieldError(res.body, bad.field); unescape(got) != msg(t, lang, bad.msgID) {
				t.Errorf("%s %s: message beside %s: %q", bad.name, lang, bad.field, unescape(got))
			}
			if otpRe.MatchString(res.body) {
				t.Errorf("%s: a one-time password shown", bad.name)
			}
			if v, _ := inputValue(res.body, "name"); unescape(v) != bad.form.Get("name") {
				t.Errorf("%s: name not kept", bad.name)
			}
		}
	}
	if ta.count("users") != users {
		t.Error("refused forms made accounts")
	}
}

func TestAdminCannotDisableThemselves(t *testing.T) {
	ta := newTestApp(t)
	me := ta.createUser(db.RoleAdmin)
	c := ta.sessionFor(me)
	for _, htmx := range []bool{false, true} {
		var res response
		if htmx {
			res = htmxPost(c, "/admin/users/"+itoa(me.ID)+"/disable", nil)
		} else {
			res = c.post("/admin/users/"+itoa(me.ID)+"/disable", nil)
		}
		if res.status != http.StatusConflict || !strings.Contains(res.text(), msg(t, "nb", "admin.users.not_self")) {
			t.Errorf("htmx=%v: %d", htmx, res.status)
		}
	}
	u, _ := ta.store.UserByID(context.Background(), me.ID)
	if u.DisabledAt != nil {
		t.Fatal("the admin disabled themselves")
	}
	if c.get("/admin/users").status != http.StatusOK {
		t.Error("the admin lost their session")
	}
	// The list offers no disable button on one's own row.
	if strings.Contains(c.get("/admin/users?q="+url.QueryEscape(me.Email)).body, "/admin/users/"+itoa(me.ID)+"/disable") {
		t.Error("a disable button on the admin's own row")
	}
}

func TestAdminDisableWithHTMX(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	admin := ta.createUser(db.RoleAdmin)
	c := ta.sessionFor(admin)
	target := ta.createUser(db.RoleAdviser)
	res := htmxPost(c, "/admin/users/"+itoa(target.ID)+"/disable", nil)
	if res.status != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(res.body), `<tr id="user-`+itoa(target.ID)+`"`) {
		t.Fatalf("disable: %d %s", res.status, res.body)
	}
	want := strings.ReplaceAll(msg(t, "nb", "flash.user_disabled_named"), "{{.Name}}", target.Name)
	if got := announcement(t, res); got != want {
		t.Errorf("announcement %q, want %q", got, want)
	}
	if !strings.Contains(res.body, "/admin/users/"+itoa(target.ID)+"/enable") {
		t.Error("the row does not offer enable")
	}
	entries, _ := ta.store.AuditFor(ctx, "user", target.ID)
	if len(entries) != 1 || entries[0].Action != "user.disable" {
		t.Errorf("audit %+v", entries)
	}
	if res := htmxPost(c, "/admin/users/999999999/disable", nil); res.status != http.StatusNotFound {
		t.Errorf("unknown user: %d", res.status)
	}
}
