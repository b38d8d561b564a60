package e2e

import (
	"fmt"
	"testing"

	"praksis/db"
)

// TestAdminUsers: an admin creates staff accounts with one-time passwords
// (the new-user form's secondary button; its primary one invites by e-mail,
// see TestAdminInviteAndOutbox), disables one in place with htmx (it can no
// longer sign in), and the other must choose their own password at the
// first sign-in. Once per language.
func TestAdminUsers(t *testing.T) {
	journey(t, resAdmin)
	for _, lang := range languages {
		t.Run(lang, func(t *testing.T) { adminUsers(t, lang) })
	}
}

func adminUsers(t *testing.T, lang string) {
	b := newTab(t)
	b.expectStatus("admin signs in", b.signIn("admin@example.org", db.DemoPassword), 200)
	b.ensureLanguage(lang)
	b.expectStatus("open users", b.submit(b.viaMenu(`header nav a[href="/admin/users"]`)), 200)
	b.expectPath("/admin/users")
	b.expect("heading", b.text("main h1"), b.msg("admin.users.heading"))
	// The admin menu is there on this page too (its role filter once hid it).
	if !b.exists(`header nav a[href="/admin/organisations"]`) || !b.exists(`header nav a[href="/admin/users"][aria-current="page"]`) {
		t.Errorf("the admin menu is missing on /admin/users")
	}
	b.checkPage("admin-users")

	// The new-user form sends an e-mail invitation by default; its
	// secondary button creates the account with a one-time password.
	invite := `main form[method="post"][action="/admin/users/invite"] button[type="submit"]:not([formaction])`
	create := `main form[method="post"][action="/admin/users/invite"] button[type="submit"][formaction="/admin/users"]`
	b.expect("invite button", b.text(invite), b.msg("admin.users.invite"))
	b.expect("one-time password button", b.text(create), b.msg("admin.users.create"))

	// An empty form is refused field by field.
	b.expectStatus("create with nothing filled in", b.submit(create), 422)
	b.expect("name error", b.text("#f-name-error"), b.msg("form.required"))
	b.expect("e-mail error", b.text("#f-email-error"), b.msg("form.required"))
	b.expect("role error", b.text("#f-role-error"), b.msg("form.choose"))
	b.checkPage("admin-users-error")

	// Two accounts: a NAV adviser and a programme adviser.
	newAccount := func(name, role string) (email, otp string) {
		t.Helper()
		email = unique(role+"-"+lang+"-") + "@e2e.example"
		b.fill("#f-name", name)
		b.fill("#f-email", email)
		b.choose("#f-role", role)
		b.choose("#f-locale", lang)
		b.expectStatus("create "+role, b.submit(create), 200)
		b.expect("created", b.text("main .ds-alert h2"), b.msg("admin.users.created", "Name", name))
		otp = b.text("main .otp")
		if len(otp) < 10 {
			b.fatal("one-time password %q is too short", otp)
		}
		return email, otp
	}
	navName := unique("Nora NAV ")
	navEmail, navOTP := newAccount(navName, db.RoleNAV)
	b.checkPage("admin-users-created")
	adviserName := unique("Ada Adviser ")
	adviserEmail, adviserOTP := newAccount(adviserName, db.RoleAdviser)

	// Disable the NAV account: the row changes in place.
	rowID := eval[string](b, fmt.Sprintf(`(Array.from(document.querySelectorAll("main tbody tr"))
		.find(tr => tr.querySelector("td").textContent.trim() === %q) || {id: ""}).id`, navEmail))
	if rowID == "" {
		b.fatal("no row for %s", navEmail)
	}
	row := "#" + rowID
	b.expect("status before", b.text(row+" .status"), b.msg("user.active"))
	b.do(
		evalVoid(`window.__marker = 1`),
		// Disabling has a confirm step in the row (issue 20): open it, then confirm.
		click(row+` details.decide > summary`),
		click(row+` form[action$="/disable"] button`),
	)
	b.waitFor(fmt.Sprintf(`(document.querySelector(%q) || {textContent: ""}).textContent.trim() === %q`, row+" .status", b.msg("user.disabled")))
	if eval[int](b, `window.__marker || 0`) != 1 {
		t.Errorf("the page reloaded: disabling should swap the row in place")
	}
	if !b.exists(row + ` form[action$="/enable"] button`) {
		t.Errorf("the disabled row should offer Enable")
	}
	b.expect("announcement", b.text("#live-region"), b.msg("flash.user_disabled_named", "Name", navName))
	if u, err := store.UserByEmail(b.ctx, navEmail); err != nil {
		t.Fatal(err)
	} else if u.DisabledAt == nil {
		t.Errorf("%s is not disabled in the database", navEmail)
	}
	b.checkPage("admin-users-disabled")
	b.signOut()

	// The disabled account cannot sign in, not even with its fresh password.
	b.expectStatus("disabled account signs in", b.signIn(navEmail, navOTP), 401)
	b.expectPath("/login")
	b.lang = eval[string](b, `document.documentElement.lang`)
	b.expect("sign-in error", b.text("#login-error"), b.msg("login.failed"))
	b.checkPage("login-failed")

	// The adviser's one-time password leads straight to choosing a new one,
	// in the language the admin chose for the account.
	b.expectStatus("adviser signs in", b.signIn(adviserEmail, adviserOTP), 200)
	b.expectPath("/password")
	b.lang = lang
	b.expect("notice", b.text("main .ds-alert"), b.msg("password.required"))
	b.checkPage("password-required")
	b.expectStatus("GET / before the change", b.open("/"), 200)
	b.expectPath("/password")

	const newPassword = "e2e-adviser-password"
	b.fill("#f-current", adviserOTP)
	b.fill("#f-new", newPassword)
	b.fill("#f-confirm", newPassword+"-typo")
	b.expectStatus("mismatched confirmation", b.submit(`main form[action="/password"] button[type="submit"]`), 422)
	b.expect("confirmation error", b.text("#f-confirm-error"), b.msg("password.mismatch"))
	b.checkPage("password-error")

	b.fill("#f-current", adviserOTP)
	b.fill("#f-new", newPassword)
	b.fill("#f-confirm", newPassword)
	b.expectStatus("change password", b.submit(`main form[action="/password"] button[type="submit"]`), 200)
	b.expectPath("/")
	b.expect("flash", b.text("#alerts"), b.msg("flash.password_changed"))
	b.expect("intro", b.text("main .lead"), b.msg("dashboard.intro_adviser"))
	b.checkPage("password-changed")
	b.signOut()

	// The new password works; the one-time one no longer does.
	b.expectStatus("one-time password again", b.signIn(adviserEmail, adviserOTP), 401)
	b.expectStatus("new password", b.signIn(adviserEmail, newPassword), 200)
	b.expectPath("/")
	b.signOut()
}
