package e2e

import (
	"context"
	"strings"
	"testing"

	"praksis/db"
)

// TestPasswordResetJourney: an adviser who forgot their password asks for
// a link from the sign-in page, gets it by e-mail in their language, sets a
// new password (a mismatch is refused beside the field) and is signed in;
// the old password stops working, the new one works, and the link cannot
// be used twice. Once per language, each with a fresh account.
func TestPasswordResetJourney(t *testing.T) {
	journey(t, resReminders)
	for _, lang := range languages {
		t.Run(lang, func(t *testing.T) { passwordReset(t, lang) })
	}
}

func passwordReset(t *testing.T, lang string) {
	const oldPassword = "e2e-old-password"
	const newPassword = "e2e-new-password"
	name := unique("Rita Reset ")
	email := unique("reset-"+lang+"-") + "@e2e.example"
	hash, err := db.HashPassword(oldPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateUser(context.Background(), db.NewUser{Email: email, Name: name, Role: db.RoleAdviser,
		Locale: lang, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}

	b := newTab(t)
	b.expectStatus("GET /login", b.open("/login"), 200)
	if lang != "nb" {
		b.switchLanguage()
	}
	forgot := `main a[href="/password/forgot"]`
	b.expect("forgot link", b.text(forgot), b.msg("login.forgot"))
	b.checkPage("login")

	b.expectStatus("follow the forgot link", b.submit(forgot), 200)
	b.expectPath("/password/forgot")
	b.expect("heading", b.text("main h1"), b.msg("forgot.heading"))
	b.checkPage("forgot")

	b.fill("#f-email", email)
	b.expectStatus("ask for a link", b.submit(`main form[action="/password/forgot"] button[type="submit"]`), 200)
	// The answer is the same whether or not the address has an account.
	b.expect("confirmation", b.text("main .ds-alert"), b.msg("forgot.sent", "Email", email))
	if b.exists(`main form[action="/password/forgot"]`) {
		t.Errorf("the form is still shown after sending")
	}
	b.expect("back link", b.text(`main a[href="/login"]`), b.msg("forgot.back"))
	b.checkPage("forgot-sent")

	// The mail, in the account's language.
	m := b.mailTo(email)
	b.expect("subject", m.Subject, message(t, lang, "email.reset.subject"))
	b.expect("greeting", firstLine(m.Text), message(t, lang, "email.greeting", "Name", "Rita"))
	link := b.mailLink(m)

	b.expectStatus("open the link", b.open(link), 200)
	b.expect("reset heading", b.text("main h1"), b.msg("reset.heading"))
	b.expect("reset lead", b.text("main .lead"), b.msg("reset.lead", "Email", email))
	b.checkPage("reset")

	// A mismatched confirmation is refused beside the field.
	save := `main form[action="` + link + `"] button[type="submit"]`
	b.fill("#f-password", newPassword)
	b.fill("#f-confirm", newPassword+"-typo")
	b.expectStatus("mismatched confirmation", b.submit(save), 422)
	b.expect("confirmation error", b.text("#f-confirm-error"), b.msg("password.mismatch"))
	b.expect("aria-invalid", eval[string](b, `document.getElementById("f-confirm").getAttribute("aria-invalid") || ""`), "true")
	b.expect("the password is not sent back", b.value("#f-password"), "")
	b.checkPage("reset-error")

	b.fill("#f-password", newPassword)
	b.fill("#f-confirm", newPassword)
	b.expectStatus("save the new password", b.submit(save), 200)
	b.expectPath("/")
	b.expect("flash", b.text("#alerts"), b.msg("flash.password_changed"))
	b.expect("greeting", b.text("main h1"), b.msg("dashboard.hello", "Name", name))
	if !b.signedIn() {
		t.Errorf("not signed in after the reset")
	}
	b.checkPage("reset-done")
	b.signOut()

	// The old password no longer works; the new one does.
	b.expectStatus("old password", b.signIn(email, oldPassword), 401)
	b.lang = eval[string](b, `document.documentElement.lang`)
	b.expect("sign-in error", b.text("#login-error"), b.msg("login.failed"))
	b.expectStatus("new password", b.signIn(email, newPassword), 200)
	b.expectPath("/")
	b.signOut()

	// The link works once.
	b.expectStatus("open the link again", b.open(link), 410)
	b.expect("used heading", b.text("main h1"), b.msg("link.used_heading"))
	b.expect("used text", b.text("main .ds-alert"), b.msg("link.used_text"))
	b.expect("new link offer", b.text(`main a[href="/password/forgot"]`), b.msg("link.new_reset"))
	b.expect("sign-in offer", b.text(`main a[href="/login"]`), b.msg("nav.login"))
	b.checkPage("reset-used")
}

// firstLine is the first line of a text, trimmed.
func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(l)
}
