package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"praksis/db"
)

// An employer invites a colleague: refusals queue nothing, a valid
// invitation sends one mail, the colleague joins the same organisation
// through the link, and the link is then used.
func TestEmployerInvitesColleague(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	employer := ta.createUser(db.RoleEmployer)
	ta.exec(`UPDATE users SET name = 'Eva Berg' WHERE id = $1`, employer.ID)
	org, err := ta.store.Organisation(ctx, *employer.OrganisationID)
	if err != nil {
		t.Fatal(err)
	}
	c := ta.sessionFor(employer)

	page := c.get("/organisation")
	if page.status != http.StatusOK {
		t.Fatalf("/organisation: %d", page.status)
	}
	for _, want := range []string{org.Name, org.OrgNumber, org.Municipality, "Eva Berg", employer.Email,
		msg(t, "nb", "org.status_approved"), msg(t, "nb", "org.invite_heading")} {
		if !strings.Contains(page.text(), want) {
			t.Errorf("/organisation does not show %q", want)
		}
	}
	if !strings.Contains(page.body, `<a href="/organisation" aria-current="page">`) {
		t.Error("the menu does not mark the organisation page")
	}

	// Refused: an invalid address; nothing queued. (An address that has
	// an account answers like any other: TestInviteSameAnswerForAnyAddress.)
	outbox, tokens := ta.count("outbox"), ta.count("link_tokens")
	for _, lang := range []string{"nb", "en"} {
		ta.exec(`UPDATE users SET locale = $2 WHERE id = $1`, employer.ID, lang)
		for _, tc := range []struct{ name, email, id string }{
			{"Ola Nordmann", "ola(at)firma.no", "form.email_invalid"},
			{"Ola Nordmann", "", "form.required"},
		} {
			res := c.post("/organisation/invite", url.Values{"name": {tc.name}, "email": {tc.email}})
			got, _ := fieldError(res.body, "email")
			if res.status != http.StatusUnprocessableEntity || unescape(got) != msg(t, lang, tc.id) {
				t.Errorf("%s %q: %d %q, want %q", lang, tc.email, res.status, unescape(got), msg(t, lang, tc.id))
			}
			if v, _ := inputValue(res.body, "name"); unescape(v) != tc.name {
				t.Errorf("%s %q: the name typed is not kept: %q", lang, tc.email, v)
			}
		}
		res := c.post("/organisation/invite", url.Values{"name": {"  "}, "email": {"ok@test.example"}})
		if got, _ := fieldError(res.body, "name"); res.status != http.StatusUnprocessableEntity || unescape(got) != msg(t, lang, "form.required") {
			t.Errorf("%s: no name: %d %q", lang, res.status, got)
		}
	}
	ta.exec(`UPDATE users SET locale = 'nb' WHERE id = $1`, employer.ID)
	if ta.count("outbox") != outbox || ta.count("link_tokens") != tokens {
		t.Fatal("a refused invitation queued mail or made a token")
	}

	// A valid invitation.
	ta.drain()
	email := unique("ola") + "@test.example"
	res := c.post("/organisation/invite", url.Values{"name": {"Ola Nordmann"}, "email": {email}})
	if res.status != http.StatusSeeOther || res.location() != "/organisation" {
		t.Fatalf("invite: %d to %q", res.status, res.location())
	}
	if n := ta.outboxFor(email); n != 1 {
		t.Fatalf("mails queued: %d", n)
	}
	if n := ta.countWhere("link_tokens", "email = $1 AND purpose = 'invite' AND created_by = $2 AND (payload->>'org_id')::bigint = $3",
		email, employer.ID, org.ID); n != 1 {
		t.Fatalf("invitation tokens: %d", n)
	}
	page = c.get("/organisation")
	if !strings.Contains(page.text(), msg(t, "nb", "flash.invited")) {
		t.Error("no flash after inviting")
	}
	if !strings.Contains(page.text(), email) || !strings.Contains(page.text(), msg(t, "nb", "org.invited")) {
		t.Error("the open invitation is not listed")
	}
	ta.drain()
	m := oneMailTo(t, email)
	if m.Subject != msg(t, "nb", "email.invite.subject") {
		t.Errorf("subject %q", m.Subject)
	}
	for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
		body = unescape(body)
		for _, want := range []string{fill(msg(t, "nb", "email.greeting"), "Name", "Ola"), org.Name, msg(t, "nb", "email.invite.role_employer")} {
			if !strings.Contains(body, want) {
				t.Errorf("%s part: no %q", part, want)
			}
		}
		for _, not := range []string{"Nordmann", "Eva", "Berg", employer.Email} {
			if strings.Contains(body, not) {
				t.Errorf("%s part carries %q", part, not)
			}
		}
	}
	token := mailToken(t, m)
	link := "/l/" + token

	// Following the link: the form, the name prefilled.
	a, b := ta.client(), ta.client()
	for _, v := range []*client{a, b} {
		res := v.get(link)
		if res.status != http.StatusOK || !strings.Contains(res.text(), fill(msg(t, "nb", "invite.lead"), "Email", email)) {
			t.Fatalf("invite link: %d", res.status)
		}
		if name, _ := inputValue(res.body, "name"); name != "Ola Nordmann" {
			t.Errorf("name prefilled %q", name)
		}
	}
	// A refused accept keeps the link.
	res = a.post(link, url.Values{"name": {"Ola Nordmann"}, "password": {"short"}, "confirm": {"short"}})
	if got, _ := fieldError(res.body, "password"); res.status != http.StatusUnprocessableEntity || unescape(got) != msg(t, "nb", "form.password_short") {
		t.Errorf("short password: %d %q", res.status, got)
	}

	// Two browsers accept at once: one account.
	form := url.Values{"name": {"Ola B. Nordmann"}, "password": {"olas-own-password"}, "confirm": {"olas-own-password"}}
	results := make([]rawResult, 2)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, v := range []*client{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = v.postFrom(link, form)
		}()
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		switch r.status {
		case http.StatusSeeOther:
			if winner >= 0 {
				t.Error("both accepts succeeded")
			}
			winner = i
		case http.StatusGone:
		default:
			t.Errorf("accept %d: status %d", i, r.status)
		}
	}
	if n := ta.countWhere("users", "email = $1", email); n != 1 {
		t.Fatalf("accounts made: %d, want 1", n)
	}
	if winner < 0 {
		t.Fatal("no accept succeeded")
	}
	w := []*client{a, b}[winner]
	for _, ck := range results[winner].cookies {
		if ck.Value == "" {
			delete(w.cookies, ck.Name)
		} else {
			w.cookies[ck.Name] = ck.Value
		}
	}
	home := w.get("/")
	if !strings.Contains(home.text(), fill(msg(t, "nb", "dashboard.hello"), "Name", "Ola B. Nordmann")) ||
		!strings.Contains(home.text(), org.Name) || !strings.Contains(home.text(), msg(t, "nb", "flash.invite_accepted")) {
		t.Error("the new colleague's dashboard does not show the organisation")
	}
	nu, err := ta.store.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	if nu.Role != db.RoleEmployer || nu.OrganisationID == nil || *nu.OrganisationID != org.ID || nu.Name != "Ola B. Nordmann" ||
		nu.Locale != "nb" || nu.MustChangePassword {
		t.Errorf("account made: %+v", nu)
	}
	if ok, _ := db.CheckPassword(nu.PasswordHash, "olas-own-password"); !ok {
		t.Error("the chosen password does not check")
	}
	// The link is used; the inviter sees a colleague, not an invitation.
	if res := ta.client().get(link); res.status != http.StatusGone || !strings.Contains(res.text(), msg(t, "nb", "link.used_text")) ||
		!strings.Contains(res.text(), msg(t, "nb", "link.new_invite")) {
		t.Errorf("used invitation: %d", res.status)
	}
	page = c.get("/organisation")
	if !strings.Contains(page.text(), "Ola B. Nordmann") || strings.Contains(page.text(), msg(t, "nb", "org.invited")) {
		t.Error("the inviter's page does not show the new colleague as a member")
	}
}

// An organisation that is not approved cannot send invitations: anyone can
// sign one up, and its name would go into mail to any address.
func TestPendingOrganisationCannotInvite(t *testing.T) {
	ta := newTestApp(t)
	p := ta.createPendingOrg()
	c := ta.sessionFor(p.employer)
	page := c.get("/organisation")
	if page.status != http.StatusOK || !strings.Contains(page.text(), msg(t, "nb", "org.invite_not_approved")) ||
		strings.Contains(page.body, `action="/organisation/invite"`) {
		t.Errorf("pending organisation page: %d, or the invitation form is shown", page.status)
	}
	outbox := ta.count("outbox")
	res := c.post("/organisation/invite", url.Values{"name": {"Spam Mottaker"}, "email": {unique("victim") + "@test.example"}})
	if res.status != http.StatusForbidden || !strings.Contains(res.text(), msg(t, "nb", "org.invite_not_approved")) {
		t.Errorf("invite from a pending organisation: %d", res.status)
	}
	ta.exec(`UPDATE organisations SET rejected_at = now() WHERE id = $1`, p.org.ID)
	if res := c.post("/organisation/invite", url.Values{"name": {"Spam Mottaker"}, "email": {unique("victim") + "@test.example"}}); res.status != http.StatusForbidden {
		t.Errorf("invite from a rejected organisation: %d", res.status)
	}
	if ta.count("outbox") != outbox {
		t.Error("a pending or rejected organisation queued mail")
	}
}

// Admins invite advisers, NAV counsellors and admins in a chosen
// language; employers are not invited this way; the account made has the
// role and no organisation.
func TestAdminInvitesStaff(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	admin := ta.sessionFor(ta.createUser(db.RoleAdmin))
	ta.drain()
	emails := map[string]string{}
	langs := map[string]string{db.RoleAdviser: "en", db.RoleNAV: "nb", db.RoleAdmin: "en"}
	for _, role := range []string{db.RoleAdviser, db.RoleNAV, db.RoleAdmin} {
		email := unique(role) + "@kommune.example"
		emails[role] = email
		res := admin.post("/admin/users/invite", url.Values{"name": {"Siri Ny " + role}, "email": {email}, "role": {role}, "locale": {langs[role]}})
		if res.status != http.StatusSeeOther || res.location() != "/admin/users" {
			t.Fatalf("%s: %d to %q", role, res.status, res.location())
		}
		if n := ta.countWhere("outbox", "recipient = $1 AND template = 'invite' AND locale = $2", email, langs[role]); n != 1 {
			t.Errorf("%s: %d invitations queued in %s", role, n, langs[role])
		}
		if _, err := ta.store.UserByEmail(ctx, email); err != db.ErrNotFound {
			t.Errorf("%s: an account exists before the invitation is accepted: %v", role, err)
		}
	}
	if !strings.Contains(admin.get("/admin/users").text(), msg(t, "nb", "flash.invited")) {
		t.Error("no flash after inviting")
	}

	// Refused: the employer role, no role, an address with an account.
	outbox := ta.count("outbox")
	for _, tc := range []struct{ role, email, field, id string }{
		{db.RoleEmployer, unique("emp") + "@test.example", "role", "form.choose"},
		{"", unique("none") + "@test.example", "role", "form.choose"},
		{db.RoleAdviser, "siri.kommune.example", "email", "form.email_invalid"},
		{db.RoleAdviser, ta.createUser(db.RoleNAV).Email, "email", "admin.users.email_taken"},
	} {
		res := admin.post("/admin/users/invite", url.Values{"name": {"Nei"}, "email": {tc.email}, "role": {tc.role}, "locale": {"nb"}})
		if got, _ := fieldError(res.body, tc.field); res.status != http.StatusUnprocessableEntity || unescape(got) != msg(t, "nb", tc.id) {
			t.Errorf("%q %s: %d %q", tc.role, tc.email, res.status, got)
		}
	}
	if ta.count("outbox") != outbox {
		t.Error("a refused invitation queued mail")
	}

	ta.drain()
	for role, email := range emails {
		lang := langs[role]
		m := oneMailTo(t, email)
		if m.Subject != msg(t, lang, "email.invite.subject") || !strings.Contains(m.Text, msg(t, lang, "email.invite.role_"+role)) ||
			!strings.Contains(m.Text, fill(msg(t, lang, "email.greeting"), "Name", "Siri")) {
			t.Errorf("%s: mail not in %s or without the role: %q\n%s", role, lang, m.Subject, m.Text)
		}
		token := mailToken(t, m)
		if role != db.RoleNAV {
			continue
		}
		c := ta.client()
		c.get("/l/" + token)
		res := c.post("/l/"+token, url.Values{"name": {"Siri Ny"}, "password": {"siris-own-password"}, "confirm": {"siris-own-password"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("accept: %d", res.status)
		}
		u, err := ta.store.UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != db.RoleNAV || u.OrganisationID != nil || u.Locale != lang || u.Name != "Siri Ny" {
			t.Errorf("account made: %+v", u)
		}
		if !strings.Contains(c.get("/").text(), fill(msg(t, lang, "dashboard.hello"), "Name", "Siri Ny")) {
			t.Error("not signed in in the invitation's language")
		}
	}

	// An invitation to an address that got an account in the meantime is
	// refused at the link, and the link stays unused.
	email := emails[db.RoleAdviser]
	token := mailToken(t, oneMailTo(t, email))
	if _, err := ta.store.CreateUser(ctx, db.NewUser{Email: email, Name: "Already", Role: db.RoleAdviser, Locale: "nb", PasswordHash: testHash()}); err != nil {
		t.Fatal(err)
	}
	c := ta.client()
	c.get("/l/" + token)
	res := c.post("/l/"+token, url.Values{"name": {"Siri"}, "password": {"siris-own-password"}, "confirm": {"siris-own-password"}})
	// The page speaks the invitation's language (the visitor chose none).
	if res.status != http.StatusConflict || !strings.Contains(res.text(), msg(t, langs[db.RoleAdviser], "invite.account_exists")) {
		t.Errorf("accept when the account exists: %d", res.status)
	}
	if tok, _ := ta.store.LinkTokenLookup(ctx, token); tok.UsedAt != nil {
		t.Error("a refused accept used the link")
	}
}

// An invitation dies with its sender's access: a disabled inviter's or a
// rejected organisation's invitation creates no account.
func TestInvitationWithdrawn(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	for _, what := range []string{"inviter disabled", "organisation rejected"} {
		employer := ta.createUser(db.RoleEmployer)
		email := unique("colleague") + "@test.example"
		res := ta.sessionFor(employer).post("/organisation/invite", url.Values{"name": {"Kari Kollega"}, "email": {email}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("%s: invite: %d", what, res.status)
		}
		ta.drain()
		token := mailToken(t, oneMailTo(t, email))
		admin := ta.createUser(db.RoleAdmin)
		if what == "inviter disabled" {
			if _, err := ta.store.SetDisabled(ctx, employer.ID, admin.ID, true, ""); err != nil {
				t.Fatal(err)
			}
		} else if _, err := ta.store.DecideOrganisation(ctx, *employer.OrganisationID, admin.ID, false, ""); err != nil {
			t.Fatal(err)
		}
		c := ta.client()
		c.get("/l/" + token)
		res = c.post("/l/"+token, url.Values{"name": {"Kari Kollega"}, "password": {"karis-own-password"}, "confirm": {"karis-own-password"}})
		if res.status != http.StatusGone || !strings.Contains(res.text(), msg(t, "nb", "invite.withdrawn")) {
			t.Errorf("%s: accept answered %d", what, res.status)
		}
		if n := ta.countWhere("users", "email = $1", email); n != 0 {
			t.Errorf("%s: an account was created", what)
		}
	}
}
