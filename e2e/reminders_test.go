package e2e

import (
	"context"
	"strings"
	"testing"

	"praksis/db"
)

// TestAdminReminders: the admin opens the reminder settings, is refused a
// threshold out of range, widens "programme ends within" from 90 to 120
// days and sees a participant whose programme ends in 100 days come into
// the preview of tomorrow's run (first name only); runs the job now from
// /admin/jobs; and reads the adviser's digest in the outbox. Once per
// language; the adviser's account is in the same language, so the digest is.
func TestAdminReminders(t *testing.T) {
	journey(t, resAdmin, resReminders)
	for _, lang := range languages {
		t.Run(lang, func(t *testing.T) { adminReminders(t, lang) })
	}
}

func adminReminders(t *testing.T, lang string) {
	ctx := context.Background()
	before, err := store.ReminderSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.SaveReminderSettings(context.Background(), before, 0, "") })

	// An adviser whose participant's programme ends in 100 days with no
	// Norwegian results. The settings page offers weekdays only; the
	// adviser gets digests every day here (the database allows all seven)
	// so that the journey does not depend on the day it runs.
	adviserEmail := unique("radgiver-paaminnelse-") + "@e2e.example"
	adviser, err := store.CreateUser(ctx, db.NewUser{Email: adviserEmail, Name: "Rita Rådgiver", Role: db.RoleAdviser, Locale: lang, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SaveReminderPrefs(ctx, adviser, db.ReminderPrefs{Weekdays: []int{1, 2, 3, 4, 5, 6, 7}}, ""); err != nil {
		t.Fatal(err)
	}
	last := unique("Etternavn")
	today := store.Today()
	b1 := db.LevelB1
	if _, err := store.CreateParticipant(ctx, adviser, db.ParticipantInput{FirstName: "Nadia", LastName: last, BirthYear: 1991,
		Education: "upper_secondary", Regime: "integreringsloven", ProgrammeStart: today.AddDate(0, -10, 0), ProgrammeEnd: today.AddDate(0, 0, 100),
		GoalCategory: "work_or_education", Status: "active",
		Goals: map[string]db.Level{"listening": b1, "reading": b1, "writing": b1, "oral": b1}}, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}

	b := newTab(t)
	b.expectStatus("admin signs in", b.signIn("admin@example.org", db.DemoPassword), 200)
	b.ensureLanguage(lang)
	menu := `header nav a[href="/admin/reminders"]`
	b.expect("menu item", b.text(menu), b.msg("nav.reminders"))
	b.expectStatus("open reminders", b.submit(b.viaMenu(menu)), 200)
	b.expectPath("/admin/reminders")
	b.expect("heading", b.text("main h1"), b.msg("admin.reminders.heading"))
	b.expect("threshold in force", b.value("#f-programme_end_days"), "90")
	if strings.Contains(b.text("main"), adviserEmail) {
		t.Errorf("with 90 days, the adviser of a programme ending in 100 days is already in the preview")
	}
	b.checkPage("admin-reminders")

	// Out of range: refused with the field's message, nothing saved.
	save := `main form[action="/admin/reminders"] button[type="submit"]`
	b.fill("#f-programme_end_days", "1000")
	b.expectStatus("save 1000 days", b.submit(save), 422)
	// The summary names the field (issue 20).
	b.expect("error summary", b.text("main .ds-error-summary li"), b.msg("admin.reminders.field.programme_end_days")+": "+b.msg("admin.reminders.range.programme_end_days"))
	b.expect("field message", b.text("#f-programme_end_days-error"), b.msg("admin.reminders.range.programme_end_days"))
	if got, _ := store.ReminderSettings(ctx); got.ProgrammeEndDays != 90 {
		t.Fatalf("a refused value was saved: %d", got.ProgrammeEndDays)
	}
	b.checkPage("admin-reminders-invalid")

	b.fill("#f-programme_end_days", "120")
	b.expectStatus("save 120 days", b.submit(save), 200)
	b.expectPath("/admin/reminders")
	b.expect("flash", b.text("#alerts"), b.msg("flash.reminder_settings_saved"))
	b.expect("new threshold", b.value("#f-programme_end_days"), "120")
	// The preview of tomorrow now lists the adviser with Nadia, by first
	// name only.
	card := eval[string](b, `(Array.from(document.querySelectorAll("main .reminder-preview")).find(e => e.textContent.includes(`+
		jsString(adviserEmail)+`)) || {textContent: ""}).textContent`)
	card = strings.Join(strings.Fields(card), " ")
	if !strings.Contains(card, "Nadia") || !strings.Contains(card, b.msg("admin.reminders.rule.programme_end")) || strings.Contains(card, last) {
		t.Errorf("the adviser's part of the preview: %q", card)
	}
	b.checkPage("admin-reminders-saved")

	// Run the job now from the jobs page.
	b.expectStatus("open jobs", b.submit(`main a[href="/admin/jobs#job-reminders"]`), 200)
	b.expectPath("/admin/jobs")
	run := `main form[action="/admin/jobs/reminders/run"] button[type="submit"]`
	b.expect("run button", b.text(run), b.msg("admin.jobs.run_now")+" reminders")
	b.expectStatus("run reminders now", b.submit(run), 200)
	want := b.msg("admin.jobs.result_ok", "Job", "reminders")
	prefix, _, _ := strings.Cut(want, "{{.Took}}")
	if result := b.text(`main .ds-alert[role="status"]`); !strings.HasPrefix(result, prefix) {
		t.Fatalf("run result %q, want %q…", result, prefix)
	}
	b.checkPage("admin-jobs-reminders")

	// The digest in the outbox, in the adviser's language.
	b.expectStatus("open the outbox", b.submit(b.viaMenu(`header nav a[href="/admin/outbox"]`)), 200)
	b.fill("#to", adviserEmail)
	b.expectStatus("search by recipient", b.submit(`main form[action="/admin/outbox"] button[type="submit"]`), 200)
	if n := eval[int](b, `document.querySelectorAll("main tbody tr").length`); n != 1 {
		b.fatal("%d mails to %s in the outbox, want one digest", n, adviserEmail)
	}
	subject := message(t, lang, "email.digest.subject", "Count", "1")
	b.expect("subject in the list", b.text("main tbody tr th"), subject)
	b.checkPage("admin-outbox-digest-list")
	b.expectStatus("open the digest", b.submit(`main tbody tr th a`), 200)
	b.expect("mail heading", b.text("main h1"), subject)
	text := eval[string](b, `(document.querySelector("main pre.mail-text") || {textContent: ""}).textContent`)
	if !strings.Contains(text, message(t, lang, "email.greeting", "Name", "Rita")) || !strings.Contains(text, "Nadia") ||
		!strings.Contains(text, message(t, lang, "email.digest.link_participant")) || strings.Contains(text, last) {
		t.Errorf("the digest's text:\n%s", text)
	}
	b.checkPage("admin-outbox-digest")

	// The admin's own notifications, from the header: the organisations
	// reminder can be switched off; a form without a day is refused.
	b.expectStatus("open notifications", b.submit(`header a[href="/settings/reminders"]`), 200)
	b.expect("heading", b.text("main h1"), b.msg("settings.reminders.heading"))
	b.expect("optional rule", b.text(`label[for="f-rule-org_waiting"]`), b.msg("settings.reminders.rule.org_waiting"))
	for _, d := range []string{"1", "2", "3", "4", "5"} {
		b.do(click("#f-day-" + d))
	}
	b.expectStatus("save without a day", b.submit(`main form[action="/settings/reminders"] button[type="submit"]`), 422)
	b.expect("error", b.text("main .ds-error-summary li"), b.msg("settings.reminders.days_legend")+": "+b.msg("settings.reminders.day_required"))
	b.checkPage("settings-reminders-invalid")
	b.do(click("#f-day-1"), click("#f-rule-org_waiting"))
	b.expectStatus("save Monday only", b.submit(`main form[action="/settings/reminders"] button[type="submit"]`), 200)
	b.expect("flash", b.text("#alerts"), b.msg("flash.reminder_prefs_saved"))
	admin, err := store.UserByEmail(ctx, "admin@example.org")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = store.SaveReminderPrefs(context.Background(), admin.ID, db.ReminderPrefs{Weekdays: []int{1, 2, 3, 4, 5}}, "")
	})
	if p, err := store.ReminderPrefs(ctx, admin.ID); err != nil || len(p.Weekdays) != 1 || p.Weekdays[0] != 1 || len(p.RulesOff) != 1 {
		t.Errorf("the admin's saved choices: %+v %v", p, err)
	}
	b.checkPage("settings-reminders")
	b.signOut()
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
