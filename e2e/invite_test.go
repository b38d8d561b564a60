package e2e

import (
	"fmt"
	"strings"
	"testing"

	"praksis/db"
)

// demoOrgName is the approved organisation seed.Demo creates for the
// demo employer.
const demoOrgName = "Fjordbyen Bakeri AS"

// TestEmployerInviteJourney: the demo employer invites a colleague from
// the organisation page; the invitation is listed as open and arrives by
// e-mail; the colleague, in a browser of their own, follows the link, finds
// their name filled in, chooses a password and lands on the dashboard of
// the same organisation, where the employer now sees them as a colleague.
// Once per language.
func TestEmployerInviteJourney(t *testing.T) {
	journey(t, resEmployer, resReminders)
	for _, lang := range languages {
		t.Run(lang, func(t *testing.T) { employerInvite(t, lang) })
	}
}

func employerInvite(t *testing.T, lang string) {
	b := newTab(t)
	b.expectStatus("employer signs in", b.signIn("arbeidsgiver@example.org", db.DemoPassword), 200)
	b.expectPath("/")
	b.ensureLanguage(lang)
	menu := `header nav a[href="/organisation"]`
	b.expect("menu item", b.text(menu), b.msg("nav.organisation"))
	b.expectStatus("open the organisation", b.submit(menu), 200)
	b.expectPath("/organisation")
	b.expect("heading", b.text("main h1"), demoOrgName)
	if !b.exists(menu + `[aria-current="page"]`) {
		t.Errorf("the menu does not mark the organisation page as current")
	}
	b.expect("invite heading", b.text("#invite-heading"), b.msg("org.invite_heading"))
	b.checkPage("organisation")

	// An invitation with nothing filled in is refused field by field.
	send := `main form[action="/organisation/invite"] button[type="submit"]`
	b.expectStatus("invite with nothing filled in", b.submit(send), 422)
	b.expect("name error", b.text("#f-name-error"), b.msg("form.required"))
	b.expect("e-mail error", b.text("#f-email-error"), b.msg("form.required"))
	if !b.exists(menu + `[aria-current]`) {
		t.Errorf("the menu does not mark the organisation section after a refused invitation")
	}
	b.checkPage("organisation-error")

	name := unique("Kari Kollega ")
	email := unique("colleague-"+lang+"-") + "@e2e.example"
	b.fill("#f-name", name)
	b.fill("#f-email", email)
	b.expectStatus("invite", b.submit(send), 200)
	b.expectPath("/organisation")
	b.expect("flash", b.text("#alerts"), b.msg("flash.invited"))
	// The open invitation is listed with the members.
	row := invitationRow(b, email)
	if row == "" {
		b.fatal("no open invitation for %s on the page", email)
	}
	for _, want := range []string{b.msg("org.invited_no_account"), b.msg("org.invited")} {
		if !strings.Contains(row, want) {
			t.Errorf("the invitation row %q does not say %q", row, want)
		}
	}
	b.checkPage("organisation-invited")

	// The mail, in the language the employer uses.
	m := b.mailTo(email)
	b.expect("subject", m.Subject, message(t, lang, "email.invite.subject"))
	b.expect("greeting", firstLine(m.Text), message(t, lang, "email.greeting", "Name", "Kari"))
	if !strings.Contains(m.Text, demoOrgName) {
		t.Errorf("the invitation does not name the organisation:\n%s", m.Text)
	}
	link := b.mailLink(m)

	// The colleague's own browser: no cookies and a bokmål Accept-Language,
	// yet the page speaks the language the invitation was written in.
	c := newTab(t)
	c.expectStatus("colleague opens the link", c.open(link), 200)
	c.lang = lang
	if got := eval[string](c, `document.documentElement.lang`); got != lang {
		t.Errorf("invitation page in %q, want the invitation's language %q", got, lang)
	}
	c.expect("invite heading", c.text("main h1"), c.msg("invite.heading"))
	c.expect("invite lead", c.text("main .lead"), c.msg("invite.lead", "Email", email))
	c.expect("name filled in", c.value("#f-name"), name)
	c.checkPage("invite")

	const password = "e2e-colleague-password"
	accept := `main form[action="` + link + `"] button[type="submit"]`
	c.fill("#f-password", password)
	c.fill("#f-confirm", password)
	c.expectStatus("accept the invitation", c.submit(accept), 200)
	c.expectPath("/")
	c.expect("flash", c.text("#alerts"), c.msg("flash.invite_accepted"))
	c.expect("greeting", c.text("main h1"), c.msg("dashboard.hello", "Name", name))
	c.expect("organisation", c.text("#org-heading"), demoOrgName)
	c.expect("status tag", c.text("main .summary .status"), c.msg("org.status_approved"))
	if !c.exists(`header nav a[href="/organisation"]`) {
		t.Errorf("the new colleague has no organisation menu item")
	}
	c.checkPage("invite-accepted")
	if u, err := store.UserByEmail(c.ctx, email); err != nil {
		t.Fatal(err)
	} else if u.Role != db.RoleEmployer || u.OrgName == nil || *u.OrgName != demoOrgName || u.Locale != lang {
		t.Errorf("the new account: role %s, organisation %v, locale %s; want employer at %s in %s", u.Role, u.OrgName, u.Locale, demoOrgName, lang)
	}

	// The employer now sees a colleague, not an open invitation.
	b.expectStatus("reload the organisation", b.open("/organisation"), 200)
	if row := invitationRow(b, email); row != "" {
		t.Errorf("the accepted invitation is still listed as open: %q", row)
	}
	b.expect("new member", eval[string](b, fmt.Sprintf(`(Array.from(document.querySelectorAll("main tbody tr"))
		.find(tr => tr.querySelector("td") && tr.querySelector("td").textContent.trim() === %q) || {querySelector: () => ({textContent: ""})})
		.querySelector("th").textContent.trim()`, email)), name)
	b.signOut()
}

// invitationRow is the text of the organisation page's table row for an
// open invitation to email ("" when there is none).
func invitationRow(b *tab, email string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(Array.from(document.querySelectorAll("main tbody tr"))
		.find(tr => tr.classList.contains("invitation") && tr.textContent.includes(%q)) || {textContent: ""})
		.textContent.replace(/\s+/g, " ").trim()`, email))
}
