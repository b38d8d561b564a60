package jobs

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
	"praksis/locale"
	"praksis/mail"
	"praksis/mail/smtptest"
)

// The reminders job on a fixed clock in the past (mail held to office
// hours is then due for the real sender): Friday 13 June 2025, 07:00 in
// Oslo, the job's scheduled slot.
var (
	remFriday7 = time.Date(2025, 6, 13, 7, 0, 0, 0, Oslo)
	remMonday7 = time.Date(2025, 6, 16, 7, 0, 0, 0, Oslo)
)

// remWorld builds rows with plain SQL on a fresh database, so the job sees
// only them.
type remWorld struct {
	t   *testing.T
	st  *db.Store
	org int64
	now time.Time
}

func newRemWorld(t *testing.T) *remWorld {
	t.Helper()
	w := &remWorld{t: t, st: dbtest.Open(t), now: remFriday7}
	w.st.Clock = func() time.Time { return w.now }
	w.org = w.id(`INSERT INTO organisations (name, org_number, kind, sector, municipality, approved_at)
		VALUES ('Fjordbyen Bakeri AS', '910000001', 'business', 'retail', 'Trondheim', now()) RETURNING id`)
	return w
}

func (w *remWorld) id(q string, args ...any) int64 {
	w.t.Helper()
	var id int64
	if err := w.st.DB.Get(&id, q, args...); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	return id
}

func (w *remWorld) exec(q string, args ...any) {
	w.t.Helper()
	if _, err := w.st.DB.Exec(q, args...); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
}

func (w *remWorld) user(role, name, locale string) (int64, string) {
	w.t.Helper()
	email := uniq(role) + "@test.example"
	var org any
	if role == db.RoleEmployer {
		org = w.org
	}
	return w.id(`INSERT INTO users (email, name, role, organisation_id, locale, password_hash) VALUES ($1, $2, $3, $4, $5, 'x') RETURNING id`,
		email, name, role, org, locale), email
}

// agreement makes an approved agreement of a new participant of adviser
// (first and last name given) from start to end, supervised by the address.
func (w *remWorld) agreement(adviser int64, first, last, start, end, supervisorName, supervisor string) int64 {
	w.t.Helper()
	p := w.id(`INSERT INTO participants (adviser_id, first_name, last_name, birth_year, education, regime, programme_start, programme_end,
		goal_category, goal_listening, goal_reading, goal_writing, goal_oral)
		VALUES ($1, $2, $3, 1990, 'primary', 'integreringsloven', '2024-09-01', '2026-09-01', 'work_or_education', 'a2', 'a2', 'a2', 'a2')
		RETURNING id`, adviser, first, last)
	pl := w.id(`INSERT INTO placements (organisation_id, kind, title, status, seats, seats_taken) VALUES ($1, 'sprakpraksis', 'Bakeriet', 'published', 1, 1) RETURNING id`, w.org)
	pr := w.id(`INSERT INTO proposals (participant_id, placement_id, adviser_id, status) VALUES ($1, $2, $3, 'accepted') RETURNING id`, p, pl, adviser)
	// The consent recorded at the approval, as Store.RecordConsent writes it.
	w.id(`INSERT INTO consents (participant_id, organisation_id, items, given_how, given_by)
		VALUES ($1, $2, '{first_name,levels,languages,note}', 'in_person', $3) RETURNING id`, p, w.org, adviser)
	return w.id(`INSERT INTO agreements (proposal_id, participant_id, placement_id, organisation_id, supervisor_name, supervisor_email,
		job_title, start_date, end_date, hours_per_week, days_per_week, employer_approved_at, consent_at, consent_mode, adviser_approved_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'Bakerlærling', $7, $8, 30, 5, now(), now(), 'in_person', now()) RETURNING id`,
		pr, p, pl, w.org, supervisorName, supervisor, start, end)
}

// outbox lists the queued mails to a recipient.
func (w *remWorld) outbox(to string) []db.OutboxMail {
	w.t.Helper()
	var out []db.OutboxMail
	if err := w.st.DB.Select(&out, `SELECT `+outboxCols+` FROM outbox WHERE recipient = $1 ORDER BY id`, to); err != nil {
		w.t.Fatal(err)
	}
	return out
}

const outboxCols = `id, dedupe_key, recipient, template, locale, subject, body_text, body_html, status, attempts, next_attempt_at,
	last_error, created_at, sent_at`

func (w *remWorld) count(q string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.st.DB.Get(&n, q, args...); err != nil {
		w.t.Fatal(err)
	}
	return n
}

func (w *remWorld) scheduler() *Scheduler {
	w.t.Helper()
	s, err := NewScheduler(w.st, quiet, nil, Reminders(w.st, newRenderer(w.t)))
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

func (w *remWorld) run(s *Scheduler, at time.Time, force bool) Result {
	w.t.Helper()
	w.now = at
	res, err := s.Run(context.Background(), "reminders", at, force)
	if err != nil || res.Skipped != "" || res.Status != "ok" {
		w.t.Fatalf("run at %s: %+v %v", at, res, err)
	}
	return res
}

var linkRe = regexp.MustCompile(`https://praksis\.example/l/([A-Za-z0-9_-]{20,})`)

// TestRemindersDigest: a supervisor with three agreements gets ONE mail
// listing the three weeks to log, each with its own one-click link for
// that agreement and week, held until 08:00; the adviser gets theirs in
// English; the mails carry first names only; they are delivered through
// a real SMTP server; a rerun, a second runner at the same time and the
// next day's catch-up send nothing new.
func TestRemindersDigest(t *testing.T) {
	w := newRemWorld(t)
	ctx := context.Background()
	adviser, adviserEmail := w.user(db.RoleAdviser, "Siri Rådgiver", "en")
	kari := uniq("kari") + "@bakeri.example" // a supervisor without an account
	people := [][2]string{{"Amal", "Hassan"}, {"Olena", "Shevchenko"}, {"Yonas", "Tesfaye"}}
	var kariAgreements []int64
	for _, p := range people {
		// Running since 2 June: the week of 9 June is unlogged, the start
		// evaluation not yet due (16 June), the follow-up neither (30 June).
		kariAgreements = append(kariAgreements, w.agreement(adviser, p[0], p[1], "2025-06-02", "2025-09-30", "Kari Nordmann", kari))
	}
	for _, a := range kariAgreements {
		w.exec(`INSERT INTO attendance (agreement_id, day, present, hours) VALUES ($1, '2025-06-02', true, 6)`, a)
	}
	// The adviser's follow-up of Goran (started 16 May) is due today.
	per := uniq("per") + "@bakeri.example"
	goran := w.agreement(adviser, "Goran", "Petrović", "2025-05-16", "2025-09-30", "Per Olsen", per)

	s := w.scheduler()
	res := w.run(s, remFriday7, false)
	if res.Stats["digests"] != 3 || res.Stats["attendance"] != 4 || res.Stats["follow_up"] != 1 {
		t.Errorf("stats %v, want 3 digests (Kari, Per, the adviser), 4 attendance items, 1 follow-up", res.Stats)
	}

	mails := w.outbox(kari)
	if len(mails) != 1 {
		t.Fatalf("%d mails to the supervisor of three agreements, want one digest", len(mails))
	}
	m := mails[0]
	// The digest is about three people: each is listed with it (innsyn
	// shows it to each, anonymising one empties it); Per's is about Goran
	// alone, who is the mail's participant_id.
	if n := w.count(`SELECT count(*) FROM outbox_participants op JOIN agreements ag ON ag.participant_id = op.participant_id
		WHERE op.outbox_id = $1 AND ag.id IN ($2, $3, $4)`, m.ID, kariAgreements[0], kariAgreements[1], kariAgreements[2]); n != 3 {
		t.Errorf("the digest about three people lists %d of them", n)
	}
	if n := w.count(`SELECT count(*) FROM outbox WHERE id = $1 AND participant_id IS NULL`, m.ID); n != 1 {
		t.Error("a digest about several people names one of them as its participant")
	}
	if n := w.count(`SELECT count(*) FROM outbox o JOIN agreements ag ON ag.participant_id = o.participant_id
		WHERE o.recipient = $1 AND ag.id = $2`, per, goran); n != 1 {
		t.Errorf("Per's digest about Goran alone does not name him: %d", n)
	}
	if m.Template != "digest" || m.Locale != "nb" || m.Subject != "Påminnelser fra Praksis (3)" {
		t.Errorf("digest: template %q, locale %q, subject %q", m.Template, m.Locale, m.Subject)
	}
	if want := time.Date(2025, 6, 13, 8, 0, 0, 0, Oslo); !m.NextAttemptAt.Equal(want) {
		t.Errorf("a 07:00 run's digest goes out at %s, want 08:00 the same day", m.NextAttemptAt.In(Oslo))
	}
	for _, p := range people {
		if !strings.Contains(m.Text, p[0]) || !strings.Contains(m.HTML, p[0]) {
			t.Errorf("the digest does not name %s:\n%s", p[0], m.Text)
		}
	}
	tokens := linkRe.FindAllStringSubmatch(m.Text, -1)
	if len(tokens) != 3 {
		t.Fatalf("%d one-click links in the digest, want 3:\n%s", len(tokens), m.Text)
	}
	seen := map[int64]bool{}
	for _, tok := range tokens {
		lt, err := w.st.LinkTokenLookup(ctx, tok[1])
		if err != nil {
			t.Fatal(err)
		}
		var pl struct {
			AgreementID int64  `json:"agreement_id"`
			Week        string `json:"week"`
			Lang        string `json:"lang"`
		}
		if err := json.Unmarshal(lt.Payload, &pl); err != nil {
			t.Fatal(err)
		}
		if lt.Purpose != db.PurposeAttendance || pl.Week != "2025-06-09" || pl.Lang != "nb" || lt.Email == nil || *lt.Email != kari ||
			lt.State(time.Now()) != db.TokenValid {
			t.Errorf("link token %+v payload %+v", lt, pl)
		}
		seen[pl.AgreementID] = true
		if !strings.Contains(m.HTML, `href="https://praksis.example/l/`+tok[1]+`"`) {
			t.Errorf("the HTML part lacks the link %s", tok[1])
		}
	}
	for _, a := range kariAgreements {
		if !seen[a] {
			t.Errorf("no link for agreement %d", a)
		}
	}
	if n := w.count(`SELECT count(*) FROM audit_log WHERE action = 'agreement.link_sent' AND actor_id IS NULL`); n != 5 {
		t.Errorf("%d link_sent audit rows, want 5 (one per link: Kari's three weeks, Per's week and evaluation)", n)
	}
	if n := w.count(`SELECT count(DISTINCT entity_id) FROM audit_log WHERE action = 'participant.reminder'`); n != 4 {
		t.Errorf("%d participants audited as named in a reminder, want 4", n)
	}

	am := w.outbox(adviserEmail)
	if len(am) != 1 || am[0].Locale != "en" || am[0].Subject != "Reminders from Praksis (1)" ||
		!strings.Contains(am[0].Text, "The follow-up of Goran as Bakerlærling at Fjordbyen Bakeri AS was due by 13.06.2025.") ||
		!strings.Contains(am[0].Text, "https://praksis.example/agreements/") {
		t.Errorf("the adviser's digest: %+v", am)
	}
	if pm := w.outbox(per); len(pm) != 1 || !strings.Contains(pm[0].Text, "Goran") || !strings.Contains(pm[0].Text, "evalueringen ved oppstart") ||
		!strings.Contains(pm[0].Text, "Du får denne e-posten fordi") {
		t.Errorf("Per's digest (attendance and the start evaluation, no account): %+v", pm)
	}
	_ = goran

	// Delivered over SMTP: what arrives carries no last name.
	srv := startSMTP(t)
	if _, err := newSender(t, w.st, srv, mail.SenderConfig{}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	got := srv.To(kari)
	if len(got) != 1 || got[0].Subject != "Påminnelser fra Praksis (3)" || !strings.Contains(got[0].Text, "Olena") {
		t.Fatalf("delivered to the supervisor: %+v", got)
	}
	if en := srv.To(adviserEmail); len(en) != 1 || en[0].Subject != "Reminders from Praksis (1)" || !strings.Contains(en[0].HTML, `lang="en"`) {
		t.Errorf("delivered to the adviser: %+v", en)
	}
	for _, msg := range srv.Messages() {
		for _, last := range []string{"Hassan", "Shevchenko", "Tesfaye", "Petrović"} {
			if strings.Contains(msg.Text, last) || strings.Contains(msg.HTML, last) || strings.Contains(msg.Subject, last) {
				t.Errorf("the mail to %s carries the last name %s", msg.To, last)
			}
		}
	}

	// The same slot again is done; forced, nothing new; two runners at
	// once, nothing new; Monday (the week of 9 June is still the due one)
	// nothing new for Kari.
	mailsBefore := w.count(`SELECT count(*) FROM outbox`)
	if r, err := s.Run(ctx, "reminders", remFriday7.Add(30*time.Second), false); err != nil || r.Skipped != db.JobDone {
		t.Errorf("the same slot again: %+v %v, want skipped as done", r, err)
	}
	if r := w.run(s, remFriday7.Add(time.Hour), true); r.Stats["items"] != 0 || r.Stats["digests"] != 0 {
		t.Errorf("a forced rerun: %v, want nothing new", r.Stats)
	}
	var wg sync.WaitGroup
	results := make([]Result, 2)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i], _ = s.Run(ctx, "reminders", remFriday7.Add(2*time.Hour), true)
		}(i)
	}
	wg.Wait()
	for i, r := range results {
		if r.Skipped == "" && (r.Status != "ok" || r.Stats["items"] != 0) {
			t.Errorf("concurrent runner %d: %+v", i, r)
		}
	}
	// Monday: the week of 9 June is still the due one, and was sent; the
	// start evaluations of Kari's three agreements fall due today.
	w.run(s, remMonday7, false)
	km := w.outbox(kari)
	if len(km) != 2 || strings.Count(km[1].Text, "evalueringen ved oppstart") != 3 || strings.Contains(km[1].Text, "Oppmøtet til") {
		t.Errorf("Monday's digest to Kari: %+v, want the three start evaluations and no attendance again", km)
	}
	if am := w.outbox(adviserEmail); len(am) != 2 || !strings.Contains(am[1].Text, "Goran") {
		t.Errorf("Monday's digest to the adviser: %+v", am)
	}
	if n := w.count(`SELECT count(*) FROM outbox`); n != mailsBefore+2 {
		t.Errorf("%d mails after the reruns and Monday, want %d (Kari's and the adviser's Monday digests)", n, mailsBefore+2)
	}
}

// TestRemindersOptOutAndWeekday: an adviser who wants digests on Mondays
// only and no "ends" gets nothing on Friday; on Monday the follow-up (the
// agreement requires it, due since Friday) comes, "ends" does not. A run
// after office hours holds its digest until Monday 08:00.
func TestRemindersOptOutAndWeekday(t *testing.T) {
	w := newRemWorld(t)
	ctx := context.Background()
	adviser, adviserEmail := w.user(db.RoleAdviser, "Siri Rådgiver", "nb")
	if err := w.st.SaveReminderPrefs(ctx, adviser, db.ReminderPrefs{RulesOff: []string{db.RuleEnds}, Weekdays: []int{1}}, ""); err != nil {
		t.Fatal(err)
	}
	sup := uniq("sup") + "@bakeri.example"
	// Started 16 May (follow-up due 13 June), ends 27 June (14 days).
	w.agreement(adviser, "Hana", "Ali", "2025-05-16", "2025-06-27", "Kari Nordmann", sup)
	s := w.scheduler()

	// Friday, after office hours (a forced run at 17:00).
	w.run(s, time.Date(2025, 6, 13, 17, 0, 0, 0, Oslo), true)
	if got := w.outbox(adviserEmail); len(got) != 0 {
		t.Errorf("Friday is not the adviser's day: %+v", got)
	}
	sm := w.outbox(sup)
	if len(sm) != 1 || !strings.Contains(sm[0].Text, "Kan dere tilby jobb eller en forlengelse?") {
		t.Fatalf("the supervisor's Friday digest: %+v", sm)
	}
	if want := time.Date(2025, 6, 16, 8, 0, 0, 0, Oslo); !sm[0].NextAttemptAt.Equal(want) {
		t.Errorf("a 17:00 run's digest goes out at %s, want Monday 08:00", sm[0].NextAttemptAt.In(Oslo))
	}

	w.run(s, remMonday7, false)
	am := w.outbox(adviserEmail)
	if len(am) != 1 || !strings.Contains(am[0].Text, "Oppfølgingen av Hana") || strings.Contains(am[0].Text, "slutter") {
		t.Errorf("the adviser's Monday digest: %+v, want the follow-up and not the end", am)
	}
}

// TestOfficeHours: 08–16 Oslo time on weekdays.
func TestOfficeHours(t *testing.T) {
	at := func(d, h, m int) time.Time { return time.Date(2025, 6, d, h, m, 0, 0, Oslo) }
	for _, c := range []struct {
		name     string
		now, due time.Time
	}{
		{"Friday 07:00", at(13, 7, 0), at(13, 8, 0)},
		{"Friday 08:00", at(13, 8, 0), at(13, 8, 0)},
		{"Friday 15:59", at(13, 15, 59), at(13, 15, 59)},
		{"Friday 16:00", at(13, 16, 0), at(16, 8, 0)},
		{"Saturday 07:00", at(14, 7, 0), at(16, 8, 0)},
		{"Sunday 23:30", at(15, 23, 30), at(16, 8, 0)},
		{"Monday 06:00", at(16, 6, 0), at(16, 8, 0)},
		{"Tuesday 20:00", at(17, 20, 0), at(18, 8, 0)},
		// The clocks go forward on 30 March 2025: 08:00 is still 08:00.
		{"Saturday before summer time", time.Date(2025, 3, 29, 7, 0, 0, 0, Oslo), time.Date(2025, 3, 31, 8, 0, 0, 0, Oslo)},
	} {
		if got := OfficeHours(c.now.UTC()); !got.Equal(c.due) {
			t.Errorf("%s: %s, want %s", c.name, got.In(Oslo), c.due)
		}
	}
}

// TestDigestMessagesExist: every rule and audience a digest can name has
// its text in both catalogues, and every rule its labels.
func TestDigestMessagesExist(t *testing.T) {
	tr, err := locale.New()
	if err != nil {
		t.Fatal(err)
	}
	pairs := []string{"starts.supervisor", "starts.adviser", "attendance.supervisor", "evaluation.supervisor", "follow_up.adviser",
		"ends.supervisor", "ends.adviser", "proposal.employer", "proposal_adviser.adviser", "programme_end.adviser",
		"programme_end.nav", "org_waiting.admin", "programme_end_reason.adviser", "programme_end_reason.nav",
		"plan_review.adviser", "nav_awaiting.nav",
		"reason." + db.RiskNoProgress, "reason." + db.RiskBehindPace, "reason." + db.RiskNoOutcome}
	for _, lang := range []string{"nb", "en"} {
		for _, p := range pairs {
			if !tr.Has(lang, "email.digest."+p) {
				t.Errorf("%s: no email.digest.%s", lang, p)
			}
		}
		for _, r := range db.ReminderRules {
			for _, id := range []string{"settings.reminders.rule." + r, "admin.reminders.rule." + r} {
				if !tr.Has(lang, id) {
					t.Errorf("%s: no %s", lang, id)
				}
			}
		}
		for _, l := range db.ReminderLimits {
			for _, id := range []string{"admin.reminders.field." + l.Name, "admin.reminders.field." + l.Name + "_hint", "admin.reminders.range." + l.Name} {
				if !tr.Has(lang, id) {
					t.Errorf("%s: no %s", lang, id)
				}
			}
		}
	}
}

// TestRemindersCalendarAndAnswerLinks: a digest with a "starts" item
// carries an iCalendar body (one VEVENT for the starting agreement, the
// right date, in the recipient's language, no participant name, CRLF
// lines), delivered as a text/calendar praksis.ics part; a supervisor's
// "ends soon" item carries three answer links, one per answer, for that
// agreement; a digest without a start carries no calendar.
func TestRemindersCalendarAndAnswerLinks(t *testing.T) {
	w := newRemWorld(t)
	ctx := context.Background()
	adviser, adviserEmail := w.user(db.RoleAdviser, "Siri Rådgiver", "en")
	kari := uniq("kari") + "@bakeri.example"
	starts := w.agreement(adviser, "Amal", "Hassan", "2025-06-16", "2025-09-30", "Kari Nordmann", kari) // Monday: the next working day
	per := uniq("per") + "@bakeri.example"
	ends := w.agreement(adviser, "Yonas", "Tesfaye", "2025-05-19", "2025-06-20", "Per Olsen", per) // ends in a week
	w.exec(`INSERT INTO attendance (agreement_id, day, present, hours) VALUES ($1, '2025-06-09', true, 6)`, ends)

	res := w.run(w.scheduler(), remFriday7, false)
	if res.Stats["starts"] != 2 || res.Stats["ends"] != 2 {
		t.Fatalf("stats %v, want 2 starts items (Kari, the adviser) and 2 ends items (Per, the adviser)", res.Stats)
	}

	km := w.outboxICS(kari)
	if len(km) != 1 {
		t.Fatalf("%d mails to Kari, want 1", len(km))
	}
	ics := km[0].ICS
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "VERSION:2.0\r\n", "METHOD:PUBLISH\r\n", "BEGIN:VEVENT\r\n",
		"UID:agreement-" + strconv.FormatInt(starts, 10) + "@praksis\r\n", "DTSTART;VALUE=DATE:20250616\r\n",
		"DTEND;VALUE=DATE:20250617\r\n", "SUMMARY:Praksisstart: Bakerlærling\r\n", "DTSTAMP:20250613T050000Z\r\n",
		"END:VEVENT\r\n", "END:VCALENDAR\r\n"} {
		if !strings.Contains(ics, want) {
			t.Errorf("Kari's calendar lacks %q:\n%s", want, ics)
		}
	}
	if strings.Count(ics, "BEGIN:VEVENT") != 1 || strings.Contains(strings.ReplaceAll(ics, "\r\n", ""), "\n") {
		t.Errorf("want one VEVENT and only CRLF line endings:\n%q", ics)
	}
	am := w.outboxICS(adviserEmail)
	if len(am) != 1 || !strings.Contains(am[0].ICS, "SUMMARY:Placement starts: Bakerlærling\r\n") ||
		strings.Count(am[0].ICS, "BEGIN:VEVENT") != 1 {
		t.Errorf("the adviser's calendar (English, the one start): %+v", am)
	}
	pm := w.outboxICS(per)
	if len(pm) != 1 || pm[0].ICS != "" {
		t.Fatalf("Per's digest (no start) carries a calendar: %+v", pm)
	}

	// Per's "ends" item: three answer links, for that agreement.
	answers := map[string]bool{}
	for _, tok := range linkRe.FindAllStringSubmatch(pm[0].Text, -1) {
		lt, err := w.st.LinkTokenLookup(ctx, tok[1])
		if err != nil {
			t.Fatal(err)
		}
		if lt.Purpose != db.PurposeOfferAnswer {
			continue
		}
		var pl struct {
			AgreementID int64  `json:"agreement_id"`
			Answer      string `json:"answer"`
			Lang        string `json:"lang"`
		}
		if err := json.Unmarshal(lt.Payload, &pl); err != nil {
			t.Fatal(err)
		}
		if pl.AgreementID != ends || pl.Lang != "nb" || lt.Email == nil || *lt.Email != per {
			t.Errorf("answer link %+v payload %+v", lt, pl)
		}
		answers[pl.Answer] = true
		if !strings.Contains(pm[0].HTML, `href="https://praksis.example/l/`+tok[1]+`"`) {
			t.Errorf("the HTML part lacks the answer link %s", tok[1])
		}
	}
	if len(answers) != 3 || !answers["job"] || !answers["extension"] || !answers["no"] {
		t.Errorf("answer links %v, want job, extension and no:\n%s", answers, pm[0].Text)
	}
	for _, label := range []string{"Svar med ett klikk:", "Ja, vi kan tilby jobb", "Ja, vi kan forlenge praksisen", "Nei, ikke nå"} {
		if !strings.Contains(pm[0].Text, label) || !strings.Contains(pm[0].HTML, label) {
			t.Errorf("Per's digest lacks %q:\n%s", label, pm[0].Text)
		}
	}
	if n := w.count(`SELECT count(*) FROM link_tokens WHERE purpose = 'offer_answer'`); n != 3 {
		t.Errorf("%d answer tokens, want 3 (none for the adviser)", n)
	}

	// Delivered over SMTP: Kari's mail has the calendar part.
	srv := startSMTP(t)
	if _, err := newSender(t, w.st, srv, mail.SenderConfig{}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	got := srv.To(kari)
	if len(got) != 1 {
		t.Fatalf("delivered to Kari: %+v", got)
	}
	var cal []smtptest.Part
	for _, p := range got[0].Parts {
		if p.MediaType == "text/calendar" {
			cal = append(cal, p)
		}
	}
	if len(cal) != 1 {
		t.Fatalf("%d text/calendar parts in Kari's mail, want 1: %+v", len(cal), got[0].Parts)
	}
	c := cal[0]
	if c.Params["method"] != "PUBLISH" || !strings.EqualFold(c.Params["charset"], "utf-8") || c.Params["name"] != "praksis.ics" {
		t.Errorf("calendar part parameters %v", c.Params)
	}
	if !strings.Contains(c.Body, "DTSTART;VALUE=DATE:20250616\r\n") || !strings.Contains(c.Body, "SUMMARY:Praksisstart: Bakerlærling") {
		t.Errorf("delivered calendar:\n%s", c.Body)
	}
	for _, name := range []string{"Amal", "Hassan"} {
		if strings.Contains(c.Body, name) {
			t.Errorf("the calendar names the participant (%s):\n%s", name, c.Body)
		}
	}
	if p := srv.To(per); len(p) != 1 || len(p[0].Parts) != 0 {
		t.Errorf("Per's delivered digest: %+v, want no attachment", p)
	}
}

// outboxICS lists the queued mails to a recipient with their calendars.
func (w *remWorld) outboxICS(to string) []db.OutboxMail {
	w.t.Helper()
	var out []db.OutboxMail
	if err := w.st.DB.Select(&out, `SELECT `+outboxCols+`, coalesce(ics, '') AS ics FROM outbox WHERE recipient = $1 ORDER BY id`, to); err != nil {
		w.t.Fatal(err)
	}
	return out
}
