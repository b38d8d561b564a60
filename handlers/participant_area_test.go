package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"praksis/calendar"
	"praksis/db"
	"praksis/locale"
	"praksis/mail"
)

func areaOnConfig(c *Config) { c.ParticipantArea = true }

var (
	formCSRFRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	codeRe     = regexp.MustCompile(`data-testid="participant-code">([A-Z0-9-]+)<`)
	meLinkRe   = regexp.MustCompile(`/me/l/[A-Za-z0-9_-]{40,}`)
)

// meGet is get on a participant page, whose forms (not an htmx header)
// carry the CSRF token.
func (c *client) meGet(path string) response {
	c.ta.t.Helper()
	res := c.get(path)
	if m := formCSRFRe.FindStringSubmatch(res.body); m != nil {
		c.csrf = m[1]
	}
	return res
}

func participantMsg(t *testing.T, lang, id string) string {
	t.Helper()
	m, err := locale.ParticipantCatalogue(lang)
	if err != nil || m[id] == "" {
		t.Fatalf("no participant message %s in %s: %v", id, lang, err)
	}
	return m[id]
}

// newCode has the adviser show a code for a meeting and returns it.
func newCode(t *testing.T, adviser *client, participantID int64) string {
	t.Helper()
	adviser.get("/participants/" + itoa(participantID))
	res := adviser.post("/participants/"+itoa(participantID)+"/access/code", nil)
	m := codeRe.FindStringSubmatch(res.body)
	if res.status != http.StatusOK || m == nil || !strings.Contains(res.body, `src="data:image/png;base64,`) {
		t.Fatalf("code page: %d, code %v", res.status, m)
	}
	return m[1]
}

// signInWithCode signs a fresh browser in with a code.
func (ta *testApp) signInWithCode(code string) (*client, response) {
	ta.t.Helper()
	p := ta.client()
	p.meGet("/me/login")
	return p, p.post("/me/login", url.Values{"code": {strings.ToLower(code)}})
}

// A participant signs in with the code their adviser shows, sees their
// own pages and nothing else, withdraws consent (the employer loses sight
// of them at once) and gives it again; the adviser signs them out
// everywhere; a code works once.
func TestParticipantCodeJourney(t *testing.T) {
	ta := newTestApp(t, areaOnConfig)
	fx := ta.newPrivacyFx()
	adviser := ta.sessionFor(fx.adviser)
	adviser.get(fx.path("/consent"))
	if res := adviser.post(fx.path("/consent"), validConsent(fx)); res.status != http.StatusSeeOther {
		t.Fatalf("give consent: %d", res.status)
	}
	in := completePlacement(unique("Kommune "))
	prop := ta.storeProposal(fx.adviser, fx.participant, ta.storePlacement(fx.employer, in, db.PlacementPublished), "", "")
	employer := ta.sessionFor(fx.employer)
	if page := employer.get("/proposals/" + itoa(prop)).text(); !strings.Contains(page, fx.first) {
		t.Fatal("the employer does not see the proposed participant's first name before the withdrawal")
	}
	if page := adviser.get(fx.path("")).text(); !strings.Contains(page, msg(t, "nb", "access.title")) {
		t.Error("the profile has no invite card with the area on")
	}

	visitor := ta.client()
	if res := visitor.get("/me"); res.status != http.StatusSeeOther || res.location() != "/me/login" {
		t.Errorf("/me as a visitor: %d %s", res.status, res.location())
	}
	code := newCode(t, adviser, fx.participant)
	if _, res := ta.signInWithCode("ABCD-EFGHJK"); res.status != http.StatusUnprocessableEntity ||
		!strings.Contains(res.text(), participantMsg(t, "nb", "me.signin.bad")) {
		t.Errorf("a wrong code: %d", res.status)
	}
	p, res := ta.signInWithCode(code)
	if res.status != http.StatusSeeOther || res.location() != "/me" {
		t.Fatalf("sign in with the code: %d %s", res.status, res.location())
	}
	if _, again := ta.signInWithCode(code); again.status != http.StatusUnprocessableEntity {
		t.Errorf("the code used a second time: %d", again.status)
	}
	for path, want := range map[string]string{"/me": fx.first, "/me/placement": participantMsg(t, "nb", "me.placement.none"),
		"/me/attendance": participantMsg(t, "nb", "me.attendance.none"), "/me/consent": fx.orgName, "/me/data": fx.last} {
		res := p.meGet(path)
		if res.status != http.StatusOK || !strings.Contains(res.text(), want) {
			t.Errorf("%s: %d, without %q", path, res.status, want)
		}
	}
	// Who read the record: the adviser, once for the day however often.
	_, readers, _ := strings.Cut(p.meGet("/me/data").text(), `id="d-readers"`)
	if n := strings.Count(readers, fx.adviser.Name); n != 1 {
		t.Errorf("the adviser is named %d times among the readers, want once", n)
	}
	// Nothing of staff or employers exists for a participant.
	other := ta.storeParticipant(fx.adviser, participantInput("Annen", unique("Deltaker")))
	for _, path := range []string{"/participants", fx.path(""), "/participants/" + itoa(other), "/proposals", "/agreements",
		"/placements", "/organisation", "/admin/users", "/settings/security"} {
		if res := p.get(path); res.status != http.StatusNotFound {
			t.Errorf("%s as a participant: %d, want 404", path, res.status)
		}
	}
	// Staff have no participant pages.
	if res := adviser.get("/me"); res.status != http.StatusNotFound {
		t.Errorf("/me as the adviser: %d", res.status)
	}

	p.meGet("/me/consent")
	before, err := ta.store.SharedWith(context.Background(), fx.participant)
	if err != nil || len(before) != 1 {
		t.Fatalf("consent before the withdrawal: %+v %v", before, err)
	}
	if res := p.post("/me/consent/"+itoa(fx.org)+"/withdraw", nil); res.status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", res.status)
	}
	if page := p.meGet("/me/consent").text(); !strings.Contains(page, participantMsg(t, "nb", "me.consent.withdrawn")) {
		t.Error("no word that the consent is withdrawn")
	}
	if page := employer.get("/proposals/" + itoa(prop)).text(); strings.Contains(page, fx.first) {
		t.Error("the employer still sees the participant's first name after the participant withdrew consent")
	}
	if page := employer.get("/proposals").text(); strings.Contains(page, fx.first) {
		t.Error("the employer's list of proposals still names the participant after the withdrawal")
	}
	var byParticipant int
	if err := ta.store.DB.Get(&byParticipant, `SELECT count(*) FROM audit_log WHERE entity = 'participant' AND entity_id = $1
		AND action = 'participant.consent_withdrawn' AND actor_id IS NULL`, fx.participant); err != nil || byParticipant != 1 {
		t.Errorf("audit of the participant's own withdrawal: %d %v", byParticipant, err)
	}
	if res := p.post("/me/consent/"+itoa(fx.org)+"/give", nil); res.status != http.StatusSeeOther {
		t.Fatalf("give again: %d", res.status)
	}
	shared, err := ta.store.SharedWith(context.Background(), fx.participant)
	// Given back as it was shared before, now by the participant.
	if err != nil || len(shared) != 1 || shared[0].GivenHow != db.ConsentByParticipant || strings.Join(shared[0].Items, ",") != strings.Join(before[0].Items, ",") {
		t.Errorf("consent given again by the participant: %+v %v", shared, err)
	}
	if n := ta.auditRows(fx.participant, "participant.self_consent"); n < 2 {
		t.Errorf("participant reads audited: %d", n)
	}

	// "Sign out everywhere": the session ends, and a fresh code stops working.
	unused := newCode(t, adviser, fx.participant)
	adviser.get(fx.path(""))
	if res := adviser.post(fx.path("/access/end"), nil); res.status != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: %d", res.status)
	}
	if res := p.get("/me"); res.status != http.StatusSeeOther || res.location() != "/me/login" {
		t.Errorf("after sign out everywhere: %d %s", res.status, res.location())
	}
	if _, res := ta.signInWithCode(unused); res.status != http.StatusUnprocessableEntity {
		t.Errorf("a code made before sign out everywhere: %d", res.status)
	}
}

// The e-mail invitation: in the participant's language, nothing personal
// but the first name; the link greets them, works once, and a used or
// forged link gets one page in their language and in Norwegian.
func TestParticipantLinkByMail(t *testing.T) {
	ta := newTestApp(t, areaOnConfig)
	fx := ta.newPrivacyFx()
	adviser := ta.sessionFor(fx.adviser)
	adviser.get(fx.path(""))
	addr := unique("olena") + "@example.org"
	if res := adviser.post(fx.path("/access/link"), url.Values{"email": {"not an address"}, "lang": {"uk"}}); res.status != http.StatusUnprocessableEntity {
		t.Errorf("a bad address: %d", res.status)
	}
	if res := adviser.post(fx.path("/access/link"), url.Values{"email": {addr}, "lang": {"uk"}}); res.status != http.StatusSeeOther {
		t.Fatalf("send link: %d", res.status)
	}
	var m struct {
		Subject string `db:"subject"`
		Text    string `db:"body_text"`
		Locale  string `db:"locale"`
	}
	if err := ta.store.DB.Get(&m, `SELECT subject, body_text, locale FROM outbox WHERE recipient = $1`, addr); err != nil {
		t.Fatal(err)
	}
	if m.Locale != "uk" || m.Subject != participantMsg(t, "uk", "me.mail.invite.subject") || !strings.Contains(m.Text, fx.first) {
		t.Errorf("invite mail: %+v", m)
	}
	if n := ta.countWhere("outbox", "recipient = $1 AND participant_id = $2", addr, fx.participant); n != 1 {
		t.Errorf("invite mails naming the participant: %d, want 1", n)
	}
	// Innsyn lists the mail (its subject, never its recipient).
	if page := adviser.get(fx.path("/innsyn")).text(); !strings.Contains(page, m.Subject) || strings.Contains(page, addr) {
		t.Errorf("innsyn does not list the invite mail, or shows its recipient")
	}
	if strings.Contains(m.Text, fx.last) || strings.Contains(m.Subject, fx.first) {
		t.Error("the invite mail carries more than the first name")
	}
	link := meLinkRe.FindString(m.Text)
	if link == "" {
		t.Fatalf("no link in %q", m.Text)
	}
	p := ta.client()
	res := p.meGet(link)
	if res.status != http.StatusOK || !strings.Contains(res.text(), fx.first) || !strings.Contains(res.body, `lang="uk"`) {
		t.Fatalf("link page: %d", res.status)
	}
	if res := p.post(link, nil); res.status != http.StatusSeeOther || res.location() != "/me" {
		t.Fatalf("use link: %d %s", res.status, res.location())
	}
	if page := p.meGet("/me").text(); !strings.Contains(page, participantMsg(t, "uk", "me.nav.programme")) {
		t.Error("the participant's pages are not in Ukrainian")
	}
	// The language picker: Arabic, right to left, remembered on the participant.
	if res := p.post("/me/lang", url.Values{"lang": {"ar"}, "back": {"/me/consent"}}); res.status != http.StatusSeeOther || res.location() != "/me/consent" {
		t.Errorf("language: %d %s", res.status, res.location())
	}
	if page := p.meGet("/me/consent"); !strings.Contains(page.body, `dir="rtl"`) || !strings.Contains(page.text(), participantMsg(t, "ar", "me.consent.title")) {
		t.Error("the Arabic page is not right to left")
	}
	if pt := ta.participantLocale(fx.participant); pt != "ar" {
		t.Errorf("remembered language: %q", pt)
	}

	q := ta.client()
	for path, status := range map[string]int{link: http.StatusGone, "/me/l/" + strings.Repeat("x", 43): http.StatusNotFound} {
		res := q.meGet(path)
		if res.status != status || !strings.Contains(res.text(), participantMsg(t, "nb", "me.bad.body")) {
			t.Errorf("%s: %d, want %d with the Norwegian text", path, res.status, status)
		}
	}
	// The used link is known: its page speaks the participant's language too.
	if res := q.get(link); !strings.Contains(res.text(), participantMsg(t, "ar", "me.bad.body")) {
		t.Error("the used link's page is not in the participant's language")
	}
}

func (ta *testApp) participantLocale(id int64) string {
	var l string
	if err := ta.store.DB.Get(&l, `SELECT locale FROM participants WHERE id = $1`, id); err != nil {
		ta.t.Fatal(err)
	}
	return l
}

// With PARTICIPANT_AREA off, every participant route is 404 and the
// profile has no invite card.
func TestParticipantAreaOff(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.newPrivacyFx()
	adviser := ta.sessionFor(fx.adviser)
	if page := adviser.get(fx.path("")).text(); strings.Contains(page, msg(t, "nb", "access.title")) {
		t.Error("the invite card shows with the area off")
	}
	for _, path := range []string{"/me", "/me/login", "/me/consent", "/me/l/" + strings.Repeat("x", 43)} {
		if res := ta.client().get(path); res.status != http.StatusNotFound {
			t.Errorf("%s with the area off: %d", path, res.status)
		}
	}
	if res := adviser.post(fx.path("/access/code"), nil); res.status != http.StatusNotFound {
		t.Errorf("a code with the area off: %d", res.status)
	}
}

// Guessing: five wrong codes with the first four characters of a real
// one burn it, whatever address they come from.
func TestParticipantCodeGuessing(t *testing.T) {
	ta := newTestApp(t, areaOnConfig)
	fx := ta.newPrivacyFx()
	code := newCode(t, ta.sessionFor(fx.adviser), fx.participant)
	for i := 0; i < db.CodeFailuresMax; i++ {
		wrong := code[:5] + strings.Repeat(string("ABCDEFGHJK"[i]), 6)
		if wrong == code {
			continue
		}
		if _, res := ta.signInWithCode(wrong); res.status != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d: %d", i, res.status)
		}
	}
	if _, res := ta.signInWithCode(code); res.status != http.StatusUnprocessableEntity {
		t.Errorf("the right code after %d guesses at it: %d", db.CodeFailuresMax, res.status)
	}
}

// The placement's calendar file: one all-day event from the first day to
// the last (DTEND is the day after), text escaped as RFC 5545 says, lines
// ended by CRLF.
func TestPlacementICS(t *testing.T) {
	start, end := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 5, 31, 0, 0, 0, 0, time.UTC)
	ics := mail.PlacementICS(db.MyPlacement{AgreementID: 42, OrgName: "Bakeri; Nord, AS", JobTitle: "Baker", Address: "Kongens gate 1",
		Municipality: "Trondheim", StartDate: &start, EndDate: &end}, "https://praksis.example", time.Date(2027, 2, 1, 8, 0, 0, 0, time.UTC))
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "UID:placement-42@praksis.example\r\n", "DTSTART;VALUE=DATE:20270301\r\n",
		"DTEND;VALUE=DATE:20270601\r\n", `SUMMARY:Baker – Bakeri\; Nord\, AS` + "\r\n", `LOCATION:Kongens gate 1\, Trondheim` + "\r\n",
		"END:VCALENDAR\r\n"} {
		if !strings.Contains(ics, want) {
			t.Errorf("calendar lacks %q:\n%s", want, ics)
		}
	}
	long := mail.PlacementICS(db.MyPlacement{AgreementID: 1, OrgName: strings.Repeat("Øvre Bakeri ", 12), StartDate: &start, EndDate: &end},
		"https://praksis.example", start)
	for _, l := range strings.Split(long, "\r\n") {
		if len(l) > 75 || !utf8.ValidString(l) {
			t.Errorf("line of %d octets (or cut inside a character): %q", len(l), l)
		}
	}
	if !strings.Contains(strings.ReplaceAll(long, "\r\n ", ""), "SUMMARY:"+strings.Repeat("Øvre Bakeri ", 12)) {
		t.Errorf("the folded summary does not unfold to the name:\n%s", long)
	}
}

// A typed code: case, spaces and dashes do not matter; anything else
// cannot be a code.
func TestNormaliseCode(t *testing.T) {
	for in, want := range map[string]string{"abcd-efghjk": "ABCDEFGHJK", " ABCD EFGH JK ": "ABCDEFGHJK", "ABCD-EFGHJ": "",
		"ABCD-EFGHJ0": "", "ABCD-EFGHJKL": "", "ÆBCD-EFGHJK": ""} {
		if got := db.NormaliseCode(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	code, err := db.NewParticipantCode()
	if err != nil || db.NormaliseCode(code) != code {
		t.Errorf("a new code %q does not read back: %v", code, err)
	}
}

// The day before a placement starts, the reminders job mails the
// participant (who has an e-mail and has not turned reminders off) in
// their language, first name only, with the calendar file; a rerun
// queues nothing twice, and a participant without reminders gets none.
func TestParticipantStartReminder(t *testing.T) {
	ta := newTestApp(t, areaOnConfig)
	ctx := context.Background()
	employer, adviser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	ag := ta.attendanceAgreement(employer, adviser, "2025-06-16", "2025-09-30", true)
	off := ta.attendanceAgreement(employer, adviser, "2025-06-16", "2025-09-30", true)
	addr, offAddr := unique("oksana")+"@example.org", unique("taras")+"@example.org"
	ta.exec(`UPDATE participants SET email = $2, locale = 'uk' WHERE id = $1`, ag.participant, addr)
	ta.exec(`UPDATE participants SET email = $2, reminders = false WHERE id = $1`, off.participant, offAddr)
	now := time.Date(2025, 6, 15, 10, 0, 0, 0, calendar.Oslo) // Sunday: the placement starts on Monday
	ta.store.Clock = func() time.Time { return now }
	for range 2 {
		res, err := ta.sys.Scheduler.Run(ctx, "reminders", now, true)
		if err != nil || res.Status != "ok" {
			t.Fatalf("run: %+v %v", res, err)
		}
	}
	var m []struct {
		Template string  `db:"template"`
		Locale   string  `db:"locale"`
		Subject  string  `db:"subject"`
		Text     string  `db:"body_text"`
		ICS      *string `db:"ics"`
	}
	if err := ta.store.DB.Select(&m, `SELECT template, locale, subject, body_text, ics FROM outbox WHERE recipient = $1`, addr); err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 {
		t.Fatalf("%d mails to the participant, want 1", len(m))
	}
	if n := ta.countWhere("outbox", "recipient = $1 AND participant_id = $2", addr, ag.participant); n != 1 {
		t.Errorf("start reminders naming the participant: %d, want 1", n)
	}
	if m[0].Template != "participant_start" || m[0].Locale != "uk" || m[0].Subject != participantMsg(t, "uk", "me.mail.start.subject") ||
		!strings.Contains(m[0].Text, ag.first) || strings.Contains(m[0].Text, ag.last) {
		t.Errorf("the reminder: %+v", m[0])
	}
	if m[0].ICS == nil || !strings.Contains(*m[0].ICS, "DTSTART;VALUE=DATE:20250616") {
		t.Errorf("no calendar file for the start: %v", m[0].ICS)
	}
	if n := ta.outboxFor(offAddr); n != 0 {
		t.Errorf("%d mails to a participant who turned reminders off", n)
	}
}

// A participant with a placement approved by all sees it on their page
// (employer, dates, days and hours, the supervisor's first name and work
// phone) and gets it as a calendar file.
func TestParticipantPlacementPage(t *testing.T) {
	ta := newTestApp(t, areaOnConfig)
	employer, adviser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	start, end := today().AddDate(0, 0, 10), today().AddDate(0, 3, 0)
	ag := ta.attendanceAgreement(employer, adviser, ymd(start), ymd(end), true)
	ta.exec(`UPDATE agreements SET supervisor_name = 'Siv Hansen', supervisor_phone = '+47 900 00 000' WHERE id = $1`, ag.id)
	p := ta.participantClient(ag.participant)
	page := p.meGet("/me/placement")
	// The phone number is isolated left to right and unbroken (no-break
	// spaces), so it keeps its order in Arabic and its line on a phone.
	for _, want := range []string{ag.job, start.Format("02.01.2006"), end.Format("02.01.2006"), "Siv",
		"\u2066+47\u00a0900\u00a000\u00a0000\u2069", participantMsg(t, "nb", "me.rules.title")} {
		if !strings.Contains(page.text(), want) {
			t.Errorf("placement page lacks %q", want)
		}
	}
	if !strings.Contains(page.body, `href="tel:&#43;47%20900%2000%20000"`) {
		t.Error("the phone number is not a link to call it")
	}
	if strings.Contains(page.text(), "Hansen") {
		t.Error("the supervisor's last name is shown")
	}
	ics := p.get("/me/placement.ics")
	if ics.status != http.StatusOK || !strings.Contains(ics.body, "DTSTART;VALUE=DATE:"+start.Format("20060102")) ||
		!strings.HasPrefix(ics.header.Get("Content-Type"), "text/calendar") {
		t.Errorf("calendar: %d %q\n%s", ics.status, ics.header.Get("Content-Type"), ics.body)
	}
	// Another participant's placement is not theirs to see.
	other := ta.participantClient(ta.storeParticipant(adviser, participantInput("Annen", unique("Deltaker"))))
	if res := other.get("/me/placement.ics"); res.status != http.StatusNotFound {
		t.Errorf("a participant without a placement: calendar %d", res.status)
	}
}
