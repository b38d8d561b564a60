package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"praksis/db"
)

// Making accounts is audited: creating one, inviting, accepting.
func TestAccountCreationAudited(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.createUser(db.RoleAdmin)
	c := ta.sessionFor(admin)
	email := unique("audited") + "@test.example"
	if res := c.post("/admin/users", url.Values{"name": {"Ola Opprettet"}, "email": {email}, "role": {"adviser"}, "locale": {"nb"}}); res.status != http.StatusOK {
		t.Fatalf("create: %d", res.status)
	}
	created, err := ta.store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	if n := ta.countWhere("audit_log", "action = 'user.create' AND actor_id = $1 AND entity_id = $2", admin.ID, created.ID); n != 1 {
		t.Errorf("user.create rows: %d", n)
	}
	invited := unique("invited") + "@test.example"
	if res := c.post("/admin/users/invite", url.Values{"name": {"Ida Invitert"}, "email": {invited}, "role": {"nav"}, "locale": {"nb"}}); res.status != http.StatusSeeOther {
		t.Fatalf("invite: %d", res.status)
	}
	if n := ta.countWhere("audit_log", "action = 'user.invite' AND actor_id = $1", admin.ID); n != 1 {
		t.Errorf("user.invite rows: %d", n)
	}
	ta.drain()
	token := mailToken(t, oneMailTo(t, invited))
	v := ta.client()
	v.get("/l/" + token)
	if res := v.post("/l/"+token, url.Values{"name": {"Ida Invitert"}, "password": {"idas-own-password"}, "confirm": {"idas-own-password"}}); res.status != http.StatusSeeOther {
		t.Fatalf("accept: %d", res.status)
	}
	u, err := ta.store.UserByEmail(context.Background(), invited)
	if err != nil {
		t.Fatal(err)
	}
	if n := ta.countWhere("audit_log", "action = 'user.invite_accept' AND actor_id = $1 AND entity_id = $1", u.ID); n != 1 {
		t.Errorf("user.invite_accept rows: %d", n)
	}
}

// TestInviteSameAnswerForAnyAddress: an employer's invitation answers the
// same for an unknown address and for one that has an account (an
// adviser's, an admin's, the employer's own): the same redirect and flash,
// the same row among the open invitations. The owner of an existing
// account gets a mail saying someone tried, with no link that could make
// an account; the account's role and organisation do not change.
func TestInviteSameAnswerForAnyAddress(t *testing.T) {
	ta := newTestApp(t)
	employer := ta.createUser(db.RoleEmployer)
	c := ta.sessionFor(employer)
	adviser, admin := ta.createUser(db.RoleAdviser), ta.createUser(db.RoleAdmin)
	type answer struct {
		status   int
		location string
		flash    bool
		listed   bool
	}
	invite := func(email string) answer {
		res := c.post("/organisation/invite", url.Values{"name": {"Ola Nordmann"}, "email": {email}})
		page := c.get("/organisation")
		return answer{res.status, res.location(), strings.Contains(page.text(), msg(t, "nb", "flash.invited")),
			strings.Contains(page.text(), email)}
	}
	want := invite(unique("ukjent") + "@test.example")
	if want.status != http.StatusSeeOther || !want.flash || !want.listed {
		t.Fatalf("an unknown address: %+v", want)
	}
	users := ta.count("users")
	for _, u := range []db.User{adviser, admin, employer} {
		if got := invite(u.Email); got != want {
			t.Errorf("%s (%s): %+v, want the same answer as for an unknown address %+v", u.Email, u.Role, got, want)
		}
		ta.drain()
		m := oneMailTo(t, u.Email)
		if m.Subject != msg(t, "nb", "email.invite_exists.subject") || strings.Contains(m.Text, "/l/") {
			t.Errorf("%s: mail %q, or it carries a link token", u.Email, m.Subject)
		}
		after, err := ta.store.UserByID(context.Background(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.Role != u.Role || (after.OrganisationID == nil) != (u.OrganisationID == nil) ||
			(u.OrganisationID != nil && *after.OrganisationID != *u.OrganisationID) {
			t.Errorf("%s: the account changed: %+v", u.Email, after)
		}
	}
	if ta.count("users") != users {
		t.Error("an invitation to a taken address made an account")
	}
}

// TestInviteLimits: an employer sends at most inviteMaxPerUser invitations
// an hour, whatever the address or the IP; an IP at most inviteMaxPerIP,
// whoever sends them. Past a limit: 429 with the message in the sender's
// language, and no mail.
func TestInviteLimits(t *testing.T) {
	ta := newTestApp(t)
	employer := ta.createUser(db.RoleEmployer)
	c := ta.sessionFor(employer)
	for i := 0; i < inviteMaxPerUser; i++ {
		c.ip = ta.client().ip // a fresh address each time: the person is limited
		if res := c.post("/organisation/invite", url.Values{"name": {"Ola"}, "email": {unique("ola") + "@test.example"}}); res.status != http.StatusSeeOther {
			t.Fatalf("invitation %d: %d", i+1, res.status)
		}
	}
	for _, lang := range []string{"nb", "en"} {
		ta.exec(`UPDATE users SET locale = $2 WHERE id = $1`, employer.ID, lang)
		c.ip = ta.client().ip
		email := unique("ola") + "@test.example"
		res := c.post("/organisation/invite", url.Values{"name": {"Ola"}, "email": {email}})
		if res.status != http.StatusTooManyRequests || !strings.Contains(res.text(), msg(t, lang, "limit.invite")) {
			t.Errorf("%s: invitation past the per-person limit: %d", lang, res.status)
		}
		if ta.outboxFor(email) != 0 {
			t.Errorf("%s: a refused invitation queued mail", lang)
		}
	}
	// One IP, many employers.
	ip := ta.client().ip
	sent := 0
	for sent < inviteMaxPerIP {
		e := ta.sessionFor(ta.createUser(db.RoleEmployer))
		e.ip = ip
		for i := 0; i < inviteMaxPerUser && sent < inviteMaxPerIP; i++ {
			if res := e.post("/organisation/invite", url.Values{"name": {"Ola"}, "email": {unique("ola") + "@test.example"}}); res.status != http.StatusSeeOther {
				t.Fatalf("invitation %d from one IP: %d", sent+1, res.status)
			}
			sent++
		}
	}
	e := ta.sessionFor(ta.createUser(db.RoleEmployer))
	e.ip = ip
	if res := e.post("/organisation/invite", url.Values{"name": {"Ola"}, "email": {unique("ola") + "@test.example"}}); res.status != http.StatusTooManyRequests ||
		!strings.Contains(res.text(), msg(t, "nb", "limit.invite")) {
		t.Errorf("invitation past the per-IP limit: %d", res.status)
	}
}
