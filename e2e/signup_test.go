package e2e

import (
	"fmt"
	"testing"

	"praksis/db"
)

// TestEmployerSignupApprovalJourney: a visitor offers a placement, signs
// up (first with a wrong organisation number), waits for approval; an admin
// approves in place with htmx; the employer then sees the approval. Once
// per language.
func TestEmployerSignupApprovalJourney(t *testing.T) {
	journey(t, resAdmin, resReminders)
	for _, lang := range languages {
		t.Run(lang, func(t *testing.T) { employerSignupApproval(t, lang) })
	}
}

func employerSignupApproval(t *testing.T, lang string) {
	b := newTab(t)

	// The landing page comes in bokmål to a Norwegian browser.
	b.expectStatus("GET /", b.open("/"), 200)
	b.expect("landing heading", b.text("main h1"), b.msg("home.heading"))
	if lang != "nb" {
		b.switchLanguage()
		b.expect("landing heading", b.text("main h1"), b.msg("home.heading"))
	}
	b.checkPage("landing")

	// "Offer a placement" leads to the sign-up form.
	cta := `main .hero a[href="/signup"]`
	b.expect("call to action", b.text(cta), b.msg("home.cta_offer"))
	b.expectStatus("follow the call to action", b.submit(cta), 200)
	b.expectPath("/signup")
	b.expect("sign-up heading", b.text("main h1"), b.msg("signup.heading"))
	b.checkPage("signup")

	orgName := unique("E2E Bakeri " + lang + " ")
	email := unique("employer-"+lang+"-") + "@e2e.example"
	const password = "e2e-employer-password"
	b.fill("#f-org_name", orgName)
	b.fill("#f-org_number", "123 456 789") // the check digit should be 5
	b.choose("#f-kind", "business")
	b.choose("#f-sector", "hospitality")
	b.fill("#f-municipality", "Trondheim")
	b.fill("#f-name", "Eva Employer")
	b.fill("#f-email", email)
	b.fill("#f-password", password)
	b.expectStatus("sign up with a wrong organisation number", b.submit(`main form[action="/signup"] button[type="submit"]`), 422)
	b.expectPath("/signup")

	// The message is beside the field, tied to it, and counted in the summary.
	b.expect("organisation number error", b.text("#f-org_number-error"), b.msg("signup.org_number_invalid"))
	b.expect("aria-invalid", eval[string](b, `document.getElementById("f-org_number").getAttribute("aria-invalid") || ""`), "true")
	b.expect("aria-describedby", eval[string](b, `document.getElementById("f-org_number").getAttribute("aria-describedby") || ""`), "f-org_number-error f-org_number-hint")
	b.expect("error summary", b.text(".ds-error-summary h2"), b.msg("form.summary", "Count", "1"))
	b.expect("focus", eval[string](b, `document.activeElement.className`), "ds-error-summary")
	if n := eval[int](b, `document.querySelectorAll("[aria-invalid=true]").length`); n != 1 {
		t.Errorf("%d fields marked invalid, want only the organisation number", n)
	}
	// What was typed is kept, except the password.
	for sel, want := range map[string]string{
		"#f-org_name": orgName, "#f-org_number": "123456789", "#f-kind": "business", "#f-sector": "hospitality",
		"#f-municipality": "Trondheim", "#f-name": "Eva Employer", "#f-email": email, "#f-password": "",
	} {
		b.expect("kept value of "+sel, b.value(sel), want)
	}
	b.checkPage("signup-error")

	// Corrected, the sign-up asks to confirm the address by e-mail (the
	// same answer an address with an account gets), and the link in the
	// mail registers the organisation and signs the employer in.
	number := orgNumber()
	b.fill("#f-org_number", number)
	b.fill("#f-password", password)
	b.expectStatus("sign up", b.submit(`main form[action="/signup"] button[type="submit"]`), 200)
	b.expectPath("/signup/sent")
	b.expect("check your e-mail", b.text("main h1"), b.msg("signup.sent_heading"))
	b.checkPage("signup-sent")
	m := b.mailTo(email)
	b.expect("subject", m.Subject, message(t, lang, "email.signup_confirm.subject"))
	link := b.mailLink(m)
	b.expectStatus("open the confirmation link", b.open(link), 200)
	b.expect("confirm heading", b.text("main h1"), b.msg("signup.confirm_heading"))
	b.checkPage("signup-confirm")
	b.expectStatus("confirm", b.submit(`main form[action="`+link+`"] button[type="submit"]`), 200)
	b.expectPath("/")
	b.expect("flash", b.text("#alerts"), b.msg("flash.signed_up"))
	b.expect("greeting", b.text("main h1"), b.msg("dashboard.hello", "Name", "Eva Employer"))
	b.expect("pending notice", b.text("main .ds-alert h2"), b.msg("dashboard.pending_heading"))
	b.expect("status tag", b.text("main .summary .status"), b.msg("org.status_pending"))
	b.expect("organisation", b.text("#org-heading"), orgName)
	b.checkPage("employer-pending")
	b.signOut()
	b.checkPage("login-signed-out")

	// The admin approves the organisation from the list, in place.
	b.expectStatus("admin signs in", b.signIn("admin@example.org", db.DemoPassword), 200)
	b.expectPath("/")
	b.ensureLanguage(lang)
	b.checkPage("admin-dashboard")
	b.expectStatus("open organisations", b.submit(b.viaMenu(`header nav a[href="/admin/organisations"]`)), 200)
	b.expectPath("/admin/organisations")
	b.expect("organisations heading", b.text("main h1"), b.msg("admin.orgs.heading"))
	b.checkPage("admin-organisations")

	rowID := eval[string](b, fmt.Sprintf(`(Array.from(document.querySelectorAll("main tbody tr"))
		.find(tr => tr.querySelector("th").textContent.trim() === %q) || {id: ""}).id`, orgName))
	if rowID == "" {
		b.fatal("no row for %q in the pending list", orgName)
	}
	row := "#" + rowID
	b.expect("status before", b.text(row+" .status"), b.msg("org.status_pending"))
	b.do(
		evalVoid(`window.__marker = 1`),
		click(row+` details:has(form[action$="/approve"]) > summary`), // the confirm step
		click(row+` form[action$="/approve"] button`),
	)
	approved := b.msg("org.status_approved")
	b.waitFor(fmt.Sprintf(`(document.querySelector(%q) || {textContent: ""}).textContent.trim() === %q`, row+" .status", approved))
	// Swapped by htmx: the same document, still on the list.
	if eval[int](b, `window.__marker || 0`) != 1 {
		t.Errorf("the page reloaded: approving should swap the row in place")
	}
	b.expectPath("/admin/organisations")
	if b.exists(row + ` form[action$="/approve"]`) {
		t.Errorf("the approved row still offers Approve")
	}
	if !b.exists(row + ` form[action$="/reject"] button`) {
		t.Errorf("the approved row should still offer Reject")
	}
	b.expect("announcement", b.text("#live-region"), b.msg("flash.org_approved_named", "Name", orgName))
	b.expect("focus after the swap", eval[string](b, `document.activeElement.closest("tr") ? document.activeElement.closest("tr").id : document.activeElement.tagName`), rowID)
	o, err := store.OrganisationByNumber(b.ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status() != db.OrgApproved {
		t.Errorf("organisation %s is %s in the database, want approved", number, o.Status())
	}
	b.checkPage("admin-organisations-approved")
	b.signOut()

	// The employer sees the approval.
	b.expectStatus("employer signs in", b.signIn(email, password), 200)
	b.expectPath("/")
	b.lang = lang // the language chosen before signing up is stored on the account
	b.expect("flash", b.text("#alerts"), b.msg("flash.signed_in"))
	b.expect("approved notice", b.text("main .ds-alert h2"), b.msg("dashboard.approved_heading"))
	b.expect("status tag", b.text("main .summary .status"), b.msg("org.status_approved"))
	b.checkPage("employer-approved")
}
