package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"praksis/calendar"
	"praksis/db"
)

// TestReminderPrefsPage: a person sees the reminders their role can
// switch off (all on at first), those they always get, and the weekdays;
// saving changes only their own choices; a form without a weekday, or
// with a rule or day not offered, is refused in their language and
// changes nothing.
func TestReminderPrefsPage(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	employer := ta.createUser(db.RoleEmployer)
	other := ta.createUser(db.RoleEmployer)
	c := ta.sessionFor(employer)

	res := c.get("/settings/reminders")
	if res.status != http.StatusOK {
		t.Fatalf("GET: %d", res.status)
	}
	body := res.text()
	for _, id := range []string{"settings.reminders.heading", "settings.reminders.rule.ends", "settings.reminders.rule.proposal",
		"settings.reminders.required_heading", "settings.reminders.rule.attendance", "attendance.weekday_5"} {
		if !strings.Contains(body, msg(t, "nb", id)) {
			t.Errorf("the page lacks %q", msg(t, "nb", id))
		}
	}
	for _, box := range []string{`id="f-rule-ends" name="rules" value="ends" checked`, `id="f-rule-proposal" name="rules" value="proposal" checked`,
		`id="f-day-1" name="days" value="1" checked`, `id="f-day-5" name="days" value="5" checked`} {
		if !strings.Contains(res.body, box) {
			t.Errorf("the page lacks the checked box %s", box)
		}
	}
	if strings.Contains(res.body, `value="attendance"`) {
		t.Error("attendance is required by the agreement: it must not be a checkbox")
	}
	if !strings.Contains(res.body, `href="/settings/reminders" aria-current="page"`) {
		t.Error("the header's Notifications link is not marked current")
	}

	// Refused: no day; a required rule; a weekend day. Nothing saved.
	for _, bad := range []struct {
		form url.Values
		id   string
	}{
		{url.Values{"rules": {"ends"}}, "settings.reminders.day_required"},
		{url.Values{"rules": {"attendance"}, "days": {"1"}}, "settings.reminders.bad_rule"},
		{url.Values{"days": {"6"}}, "settings.reminders.bad_day"},
	} {
		res := c.post("/settings/reminders", bad.form)
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.text(), msg(t, "nb", bad.id)) {
			t.Errorf("%v: %d, want 422 with %q", bad.form, res.status, msg(t, "nb", bad.id))
		}
	}
	if n := ta.countWhere("reminder_prefs", "user_id = $1", employer.ID); n != 0 {
		t.Errorf("a refused form saved prefs (%d rows)", n)
	}

	// Saved: proposals on, ends off, Monday and Wednesday.
	res = c.post("/settings/reminders", url.Values{"rules": {"proposal"}, "days": {"3", "1"}})
	if res.status != http.StatusSeeOther || res.location() != "/settings/reminders" {
		t.Fatalf("save: %d → %s", res.status, res.location())
	}
	p, err := ta.store.ReminderPrefs(ctx, employer.ID)
	if err != nil || strings.Join(p.RulesOff, ",") != "ends" || len(p.Weekdays) != 2 || p.Weekdays[0] != 1 || p.Weekdays[1] != 3 {
		t.Errorf("saved prefs %+v (%v), want ends off on Monday and Wednesday", p, err)
	}
	res = c.get("/settings/reminders")
	if !strings.Contains(res.text(), msg(t, "nb", "flash.reminder_prefs_saved")) {
		t.Error("no flash after saving")
	}
	if strings.Contains(res.body, `value="ends" checked`) || !strings.Contains(res.body, `value="proposal" checked`) ||
		strings.Contains(res.body, `value="2" checked`) || !strings.Contains(res.body, `value="3" checked`) {
		t.Error("the page does not show the saved choices")
	}
	if n := ta.countWhere("audit_log", "action = 'reminders.prefs' AND actor_id = $1", employer.ID); n != 1 {
		t.Errorf("%d audit rows for the change, want 1", n)
	}
	if n := ta.countWhere("reminder_prefs", "user_id = $1", other.ID); n != 0 {
		t.Error("saving changed another person's prefs")
	}

	// In English, for an account in English; an adviser has other rules.
	adviser := ta.createUser(db.RoleAdviser)
	ta.exec(`UPDATE users SET locale = 'en' WHERE id = $1`, adviser.ID)
	ac := ta.sessionFor(adviser)
	res = ac.post("/settings/reminders", url.Values{"rules": {"ends"}})
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.text(), msg(t, "en", "settings.reminders.day_required")) {
		t.Errorf("English refusal: %d", res.status)
	}
	res = ac.get("/settings/reminders")
	if !strings.Contains(res.body, `value="programme_end" checked`) || !strings.Contains(res.text(), msg(t, "en", "settings.reminders.rule.follow_up")) {
		t.Error("the adviser's page lacks the programme-end choice or the required follow-up")
	}
}

// TestAdminRemindersPage: the admin sees the thresholds and what
// tomorrow's run would send (the same rules as the job, nothing written
// but the audit of the participants it names); new thresholds are saved,
// audited and change the preview; bad numbers are refused with a message
// per field and nothing is saved.
func TestAdminRemindersPage(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	// Wednesday 11 June 2025: the preview is of Thursday 12 June.
	ta.store.Clock = func() time.Time { return time.Date(2025, 6, 11, 10, 0, 0, 0, calendar.Oslo) }
	admin := ta.createUser(db.RoleAdmin)
	c := ta.sessionFor(admin)
	before, err := ta.store.ReminderSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ta.store.SaveReminderSettings(context.Background(), before, admin.ID, "") })

	// An organisation waiting since Monday 9 June, and a participant whose
	// programme ends on 1 July with no results.
	pending := ta.createPendingOrg()
	ta.exec(`UPDATE organisations SET created_at = '2025-06-09 10:00+02' WHERE id = $1`, pending.org.ID)
	adviser := ta.createUser(db.RoleAdviser)
	first := unique("Zainab")
	pt := ta.storeParticipant(adviser, participantInput(first, "Etternavnsen"))
	ta.exec(`UPDATE participants SET programme_start = '2024-09-01', programme_end = '2025-07-01' WHERE id = $1`, pt)
	runs, mails, sent := ta.count("job_runs"), ta.count("outbox"), ta.count("reminders_sent")

	res := c.get("/admin/reminders")
	if res.status != http.StatusOK {
		t.Fatalf("GET: %d", res.status)
	}
	body := res.text()
	if !strings.Contains(body, strings.ReplaceAll(msg(t, "nb", "admin.reminders.preview_heading"), "{{.Date}}", "12.06.2025")) {
		t.Error("the preview is not of 12.06.2025")
	}
	section := func(body, email string) string {
		i := strings.Index(body, email)
		if i < 0 {
			return ""
		}
		rest := body[i:]
		if j := strings.Index(rest, "</table>"); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	if s := section(body, admin.Email); !strings.Contains(s, pending.org.Name) || !strings.Contains(s, msg(t, "nb", "admin.reminders.rule.org_waiting")) {
		t.Errorf("the admin's part of the preview lacks the waiting organisation:\n%s", s)
	}
	if s := section(body, adviser.Email); !strings.Contains(s, first) || strings.Contains(s, "Etternavnsen") {
		t.Errorf("the adviser's part should name %s by first name only:\n%s", first, s)
	}
	if !strings.Contains(res.body, `name="ends_within_days" type="number" value="14"`) {
		t.Error("the form does not show the threshold in force")
	}
	if ta.count("job_runs") != runs || ta.count("outbox") != mails || ta.count("reminders_sent") != sent {
		t.Error("the preview wrote runs, mail or reminders")
	}
	if n := ta.countWhere("audit_log", "action = 'participant.list' AND actor_id = $1 AND entity_id = $2", admin.ID, pt); n != 1 {
		t.Errorf("%d audit rows for the participant the preview named, want 1", n)
	}

	// Bad input: each field's own message, nothing saved, nothing audited.
	form := url.Values{}
	for _, l := range db.ReminderLimits {
		form.Set(l.Name, "3")
	}
	form.Set("ends_within_days", "abc")
	form.Set("programme_end_days", "1000")
	form.Set("evaluation_start_weeks", "")
	form.Set("attendance_weekday", "6")
	res = c.post("/admin/reminders", form)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad input: %d, want 422", res.status)
	}
	for _, f := range []string{"ends_within_days", "programme_end_days", "evaluation_start_weeks", "attendance_weekday"} {
		if !strings.Contains(res.text(), msg(t, "nb", "admin.reminders.range."+f)) {
			t.Errorf("no message for %s", f)
		}
	}
	if !strings.Contains(res.body, `value="abc"`) {
		t.Error("the refused form does not keep what was typed")
	}
	if got, _ := ta.store.ReminderSettings(ctx); !sameThresholds(got, before) {
		t.Errorf("a refused form changed the settings: %+v", got)
	}
	if n := ta.countWhere("audit_log", "action = 'reminders.settings' AND actor_id = $1", admin.ID); n != 0 {
		t.Error("a refused form was audited")
	}
	// In English for an English account.
	ta.exec(`UPDATE users SET locale = 'en' WHERE id = $1`, admin.ID)
	if res := c.post("/admin/reminders", form); !strings.Contains(res.text(), msg(t, "en", "admin.reminders.range.programme_end_days")) {
		t.Error("no English message for an English account")
	}
	ta.exec(`UPDATE users SET locale = 'nb' WHERE id = $1`, admin.ID)

	// Saved: organisations are now reminded of after 5 days, so Monday's
	// is not in tomorrow's run any more.
	form = url.Values{}
	for _, l := range db.ReminderLimits {
		form.Set(l.Name, itoa(int64(*before.Field(l.Name))))
	}
	form.Set("org_waiting_days", "5")
	res = c.post("/admin/reminders", form)
	if res.status != http.StatusSeeOther || res.location() != "/admin/reminders" {
		t.Fatalf("save: %d → %s", res.status, res.location())
	}
	got, err := ta.store.ReminderSettings(ctx)
	if err != nil || got.OrgWaitingDays != 5 || got.EndsWithinDays != before.EndsWithinDays {
		t.Errorf("saved: %+v (%v)", got, err)
	}
	if n := ta.countWhere("audit_log", "action = 'reminders.settings' AND actor_id = $1", admin.ID); n != 1 {
		t.Errorf("%d audit rows for the change, want 1", n)
	}
	res = c.get("/admin/reminders")
	if !strings.Contains(res.text(), msg(t, "nb", "flash.reminder_settings_saved")) || !strings.Contains(res.body, `name="org_waiting_days" type="number" value="5"`) {
		t.Error("after saving: no flash or not the new value")
	}
	if s := section(res.text(), admin.Email); strings.Contains(s, pending.org.Name) {
		t.Error("with 5 days, an organisation waiting 3 days is still in the preview")
	}
}

func sameThresholds(a, b db.ReminderSettings) bool {
	for _, l := range db.ReminderLimits {
		if *a.Field(l.Name) != *b.Field(l.Name) {
			return false
		}
	}
	return true
}

// TestReminderDigestLinks: the one-click link a digest of the reminders
// job carries opens the week's attendance form without signing in, like
// the link the agreement page sends, and saves that week; the digest is
// queued in the supervisor's language and names the participant by first
// name only.
func TestReminderDigestLinks(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	employer, adviser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	ag := ta.attendanceAgreement(employer, adviser, "2025-06-02", "2025-09-30", true)
	ta.exec(`INSERT INTO attendance (agreement_id, day, present, hours) VALUES ($1, '2025-06-02', true, 6)`, ag.id)
	// Friday 13 June 2025, 10:00: the week of 9 June is due.
	now := time.Date(2025, 6, 13, 10, 0, 0, 0, calendar.Oslo)
	ta.store.Clock = func() time.Time { return now }
	res, err := ta.sys.Scheduler.Run(ctx, "reminders", now, true)
	if err != nil || res.Status != "ok" {
		t.Fatalf("run: %+v %v", res, err)
	}
	var m db.OutboxMail
	if err := ta.store.DB.Get(&m, `SELECT id, dedupe_key, recipient, template, locale, subject, body_text, body_html, status,
		attempts, next_attempt_at, last_error, created_at, sent_at FROM outbox WHERE recipient = $1`, ag.supervisor); err != nil {
		t.Fatalf("the supervisor's digest: %v", err)
	}
	if m.Template != "digest" || m.Locale != "nb" || !strings.Contains(m.Text, ag.first) || strings.Contains(m.Text, ag.last) {
		t.Errorf("digest %q (%s):\n%s", m.Subject, m.Locale, m.Text)
	}
	_, rest, ok := strings.Cut(m.Text, "http://localhost:3000/l/")
	if !ok {
		t.Fatalf("no one-click link in:\n%s", m.Text)
	}
	token := strings.Fields(rest)[0]
	c := ta.client()
	page := c.get("/l/" + token)
	if page.status != http.StatusOK || !strings.Contains(page.body, `name="state_0"`) || !strings.Contains(page.text(), ag.first) {
		t.Fatalf("the link: %d\n%s", page.status, page.body)
	}
	if r := c.post("/l/"+token, url.Values{"state_0": {"present"}, "hours_0": {"6"}}); r.status != http.StatusOK && r.status != http.StatusSeeOther {
		t.Fatalf("saving through the link: %d", r.status)
	}
	if n := ta.countWhere("attendance", "agreement_id = $1 AND day = '2025-06-09'", ag.id); n != 1 {
		t.Errorf("the week of 9 June through the digest's link: %d days logged, want 1", n)
	}
}
