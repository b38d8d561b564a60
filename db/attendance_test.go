package db_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"praksis/db"
	"praksis/db/dbtest"
)

// The attendance tests run on a fixed clock: Wednesday 12 June 2030 at
// 10:00 in Oslo, so "this week" begins on Monday 10 June.
var attNow = time.Date(2030, 6, 12, 8, 0, 0, 0, time.UTC)

func attDay(s string) time.Time { return *date(s) }

// attFixture is what the attendance tests act on: one store on the fixed
// clock, an organisation, an adviser and the participant whose agreements
// they log.
type attFixture struct {
	t             *testing.T
	st            *db.Store
	org, employer int64
	adviser       int64
	participant   int64
}

func newAttFixture(t *testing.T, programmeStart string) *attFixture {
	t.Helper()
	st := dbtest.Open(t)
	st.Clock = func() time.Time { return attNow }
	f := &attFixture{t: t, st: st}
	f.org, f.employer = newOrg(t, st)
	f.adviser = newStaff(t, st, db.RoleAdviser)
	f.participant = f.newParticipant(programmeStart)
	return f
}

// newParticipant adds a participant whose programme began on start.
func (f *attFixture) newParticipant(start string) int64 {
	f.t.Helper()
	id := newParticipant(f.t, f.st, f.adviser, "Amal", 400, db.LevelB1)
	if _, err := f.st.DB.Exec(`UPDATE participants SET programme_start = $2, programme_end = '2031-12-31' WHERE id = $1`, id, start); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// agreement makes an approved agreement of the participant from start to
// end (through a proposal the employer accepts) and returns it as it
// stands today.
func (f *attFixture) agreement(participant int64, start, end string) db.Agreement {
	f.t.Helper()
	ctx := context.Background()
	pl := publish(f.t, f.st, f.org, f.employer, db.PlacementInput{Title: "Butikkmedarbeider", Tasks: "Fylle varer", Sector: "retail",
		Municipality: "Trondheim", Address: "Gate 1", Seats: 1})
	prop := propose(f.t, f.st, f.adviser, participant, pl)
	id, err := f.st.DecideProposal(ctx, prop, f.org, f.employer, true, "", "127.0.0.1")
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.DB.Exec(`UPDATE agreements SET start_date = $2, end_date = $3, hours_per_week = 30, days_per_week = 5,
		job_title = 'Butikkmedarbeider', supervisor_name = 'Kari Nordmann', supervisor_email = 'kari@butikk.example',
		employer_approved_at = now(), consent_at = now(), consent_mode = 'in_person', adviser_approved_at = now()
		WHERE id = $1`, id, start, end); err != nil {
		f.t.Fatal(err)
	}
	return f.get(id)
}

func (f *attFixture) get(id int64) db.Agreement {
	f.t.Helper()
	a, err := f.st.AgreementIn(context.Background(), id, db.AgreementScope{Role: db.RoleAdmin}, f.st.Today())
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// log writes days directly: "6" is present for six hours, "notified",
// "not_notified" and "off" the employer's marks, anything else a day of
// absence logged before marks with the employer's old category.
func (f *attFixture) log(a db.Agreement, days map[string]string) {
	f.t.Helper()
	for d, v := range days {
		var err error
		switch {
		case v[0] >= '0' && v[0] <= '9':
			_, err = f.st.DB.Exec(`INSERT INTO attendance (agreement_id, day, present, hours, mark) VALUES ($1, $2, true, $3, 'present')`, a.ID, d, v)
		case v == "notified" || v == "not_notified":
			_, err = f.st.DB.Exec(`INSERT INTO attendance (agreement_id, day, present, mark) VALUES ($1, $2, false, $3)`, a.ID, d, "absent_"+v)
		case v == "off":
			_, err = f.st.DB.Exec(`INSERT INTO attendance (agreement_id, day, present, mark) VALUES ($1, $2, false, 'not_work_day')`, a.ID, d)
		default:
			_, err = f.st.DB.Exec(`INSERT INTO attendance (agreement_id, day, present, absence, mark) VALUES ($1, $2, false, $3, 'absent')`, a.ID, d, v)
		}
		if err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *attFixture) overview(a db.Agreement) db.AttendanceOverview {
	f.t.Helper()
	ov, err := f.st.AttendanceOverview(context.Background(), a, f.st.Today())
	if err != nil {
		f.t.Fatal(err)
	}
	return ov
}

// TestAttendanceOverviewWeeksAndRate: the weeks run newest first from the
// agreement's first week to this week, each summed up by the employer's
// marks; the rate is present days over logged days, a day that was not a
// work day left out; before anything is logged there is no rate, and an
// agreement that has not started has no weeks. The overview carries no
// flags: they are the adviser's classification (ProgrammeAbsenceFlags).
func TestAttendanceOverviewWeeksAndRate(t *testing.T) {
	f := newAttFixture(t, "2030-01-02")
	a := f.agreement(f.participant, "2030-05-15", "2030-08-31")
	if a.Status != db.AgreementRunning {
		t.Fatalf("status %s, want running", a.Status)
	}
	ov := f.overview(a)
	if ov.Rate != nil || len(ov.Flags) != 0 || len(ov.Weeks) != 5 {
		t.Fatalf("before logging: rate %v, flags %v, %d weeks (want nil, none, 5)", ov.Rate, ov.Flags, len(ov.Weeks))
	}
	f.log(a, map[string]string{
		"2030-05-15": "6", "2030-05-16": "6", "2030-05-17": "welfare",
		"2030-05-20": "7.5", "2030-05-21": "7.5", "2030-05-22": "7.5", "2030-05-23": "7.5", "2030-05-24": "7.5",
		"2030-06-10": "6", "2030-06-11": "not_notified", "2030-06-12": "off",
		"2030-05-27": "off", "2030-05-28": "invalid",
	})
	ov = f.overview(a)
	want := []string{"2030-06-10", "2030-06-03", "2030-05-27", "2030-05-20", "2030-05-13"}
	if len(ov.Weeks) != len(want) {
		t.Fatalf("%d weeks, want %d", len(ov.Weeks), len(want))
	}
	for i, w := range want {
		if got := ov.Weeks[i].Monday.Format("2006-01-02"); got != w {
			t.Errorf("week %d begins %s, want %s", i, got, w)
		}
	}
	w := ov.Weeks[0]
	if !w.Logged || w.Hours != 6 || w.PresentDays != 1 || w.AbsentDays != 1 || w.NotWorkDays != 1 ||
		w.Absences[db.MarkAbsentNotNotified] != 1 || w.Week() != 24 {
		t.Errorf("this week: %+v", w)
	}
	if ov.Weeks[1].Logged {
		t.Errorf("a week without rows is not logged: %+v", ov.Weeks[1])
	}
	if w := ov.Weeks[2]; !w.Logged || w.AbsentDays != 1 || w.NotWorkDays != 1 || w.Absences[db.MarkAbsentLegacy] != 1 {
		t.Errorf("week 22 (an old category reads as absent): %+v", w)
	}
	if w := ov.Weeks[3]; w.Hours != 37.5 || w.PresentDays != 5 || w.AbsentDays != 0 {
		t.Errorf("week 21: %+v", w)
	}
	if w := ov.Weeks[4]; w.Hours != 12 || w.PresentDays != 2 || w.AbsentDays != 1 || w.Absences[db.MarkAbsentLegacy] != 1 {
		t.Errorf("week 20: %+v", w)
	}
	// 8 present of 11 logged days: the two days off are not counted.
	if ov.Rate == nil || *ov.Rate != 8.0/11.0 || ov.RatePercent() != "73" {
		t.Errorf("rate %v, want 8 of 11 days", ov.Rate)
	}
	if len(ov.Flags) != 0 {
		t.Errorf("the overview computed flags: %+v", ov.Flags)
	}

	// An agreement ready to start has no weeks yet; one that ended has
	// weeks up to its last.
	ready := f.agreement(f.newParticipant("2030-01-02"), "2030-07-01", "2030-08-31")
	if ready.Status != db.AgreementReady || len(f.overview(ready).Weeks) != 0 {
		t.Errorf("ready agreement: status %s, %d weeks", ready.Status, len(f.overview(ready).Weeks))
	}
	ended := f.agreement(f.newParticipant("2030-01-02"), "2030-04-01", "2030-04-30")
	if ov := f.overview(ended); ended.Status != db.AgreementEnded || len(ov.Weeks) != 5 || ov.Weeks[0].Monday.Format("2006-01-02") != "2030-04-29" {
		t.Errorf("ended agreement: status %s, weeks %+v", ended.Status, ov.Weeks)
	}
}

// TestWeeksWithoutWorkDay: a week holding no working day of the agreement
// within its dates (an agreement starting on a Sunday, or ending on a
// Saturday after a week that ended on Friday; the days a week decide for
// six or seven) is not a week of the list and is never reminded about,
// in the preview or the recorded run: attendance_week_due, one definition.
func TestWeeksWithoutWorkDay(t *testing.T) {
	f := newAttFixture(t, "2030-01-02")
	ctx := context.Background()
	// Starts on Sunday 19 May: the week of 13 May has no working day in it.
	sunday := f.agreement(f.participant, "2030-05-19", "2030-08-31")
	weeks := func(a db.Agreement) []string {
		var out []string
		for _, w := range f.overview(a).Weeks {
			out = append(out, w.Monday.Format("2006-01-02"))
		}
		return out
	}
	if got, want := weeks(sunday), []string{"2030-06-10", "2030-06-03", "2030-05-27", "2030-05-20"}; !slices.Equal(got, want) {
		t.Errorf("agreement starting on a Sunday: weeks %v, want %v", got, want)
	}
	// Seven days a week: the Sunday is a working day, the week counts.
	seven := f.agreement(f.newParticipant("2030-01-02"), "2030-05-19", "2030-08-31")
	if _, err := f.st.DB.Exec(`UPDATE agreements SET days_per_week = 7 WHERE id = $1`, seven.ID); err != nil {
		t.Fatal(err)
	}
	if got := weeks(f.get(seven.ID)); len(got) != 5 || got[4] != "2030-05-13" {
		t.Errorf("seven days a week from a Sunday: weeks %v, want the week of 13 May too", got)
	}
	// Ended early on Saturday 8 June… after its last Friday: the week of
	// 3 June counts; one that ended on Sunday 2 June has no week of 3 June.
	endedSun := f.agreement(f.newParticipant("2030-01-02"), "2030-05-13", "2030-08-31")
	if _, err := f.st.DB.Exec(`UPDATE agreements SET ended_on = '2030-06-02', end_reason = 'other' WHERE id = $1`, endedSun.ID); err != nil {
		t.Fatal(err)
	}
	if got := weeks(f.get(endedSun.ID)); len(got) != 3 || got[0] != "2030-05-27" {
		t.Errorf("ended on a Sunday: weeks %v, want 27 May, 20 May, 13 May", got)
	}

	// The reminders: on Friday 24 May 2030 the due week is that of 20 May
	// (due: a working day) — and on Friday 17 May, the week of 13 May,
	// which has none for the agreement starting on Sunday 19 May.
	set, err := f.st.ReminderSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reminded := func(day string, id int64) bool {
		t.Helper()
		f.st.Clock = func() time.Time { return attDay(day).Add(8 * time.Hour) }
		defer func() { f.st.Clock = func() time.Time { return attNow } }()
		items, err := f.st.PreviewReminders(ctx, attDay(day), set)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.Rule == db.RuleAttendance && it.SubjectID == id {
				return true
			}
		}
		return false
	}
	if !reminded("2030-05-24", sunday.ID) {
		t.Error("the week of 20 May (working days) is not reminded about")
	}
	// On Sunday 19 May the agreement has started, and the due week (from
	// Friday 17 May) is that of 13 May: no working day, no reminder.
	if reminded("2030-05-19", sunday.ID) {
		t.Error("the week of 13 May, without a working day of the agreement, is reminded about")
	}
	var recorded int
	err = f.st.InTx(ctx, func(tx *sqlx.Tx) error {
		items, err := db.JobTxOf(tx).RecordReminders(ctx, attDay("2030-05-19"), set, 0)
		for _, it := range items {
			if it.Rule == db.RuleAttendance && it.SubjectID == sunday.ID {
				recorded++
			}
		}
		return err
	})
	if err != nil || recorded != 0 {
		t.Errorf("the recorded run on 19 May: %d reminders for the week without a working day (%v)", recorded, err)
	}
}

// attendanceRows are an agreement's rows by day: "present:<hours>" or
// "<mark>:<old category>", " link" when logged through a link.
func attendanceRows(t *testing.T, st *db.Store, agreementID int64) map[string]string {
	t.Helper()
	var rows []struct {
		Day      time.Time `db:"day"`
		Present  bool      `db:"present"`
		Mark     *string   `db:"mark"`
		Hours    float64   `db:"hours"`
		Absence  *string   `db:"absence"`
		LoggedBy *int64    `db:"logged_by"`
	}
	if err := st.DB.Select(&rows, `SELECT day, present, mark, hours::float8 AS hours, absence, logged_by FROM attendance WHERE agreement_id = $1`, agreementID); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		v := *ptrOr(r.Mark) + ":" + *ptrOr(r.Absence)
		if r.Present {
			v = "present:" + time.Duration(r.Hours*float64(time.Hour)).String()
		}
		if r.LoggedBy == nil {
			v += " link"
		}
		out[r.Day.Format("2006-01-02")] = v
	}
	return out
}

func ptrOr(s *string) *string {
	if s == nil {
		e := ""
		return &e
	}
	return s
}

func auditCount(t *testing.T, st *db.Store, action string, id int64, byLink bool) int {
	t.Helper()
	var n int
	if err := st.DB.Get(&n, `SELECT count(*) FROM audit_log WHERE action = $1 AND entity = 'agreement' AND entity_id = $2
		AND (actor_id IS NULL) = $3`, action, id, byLink); err != nil {
		t.Fatal(err)
	}
	return n
}

func sendLink(t *testing.T, st *db.Store, purpose string, agreementID int64, payload map[string]any) string {
	t.Helper()
	tok, err := db.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	m := db.Mail{DedupeKey: "test:" + tok, Recipient: "kari@butikk.example", Template: purpose, Locale: "nb", Subject: "s", Text: "t"}
	err = st.SendAgreementLink(context.Background(), db.AgreementLink{Token: tok, Purpose: purpose, AgreementID: agreementID,
		Email: "kari@butikk.example", Payload: payload, TTL: time.Hour}, m, db.LinkWriter{Today: st.Today()})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestSaveAttendanceWeek: saving replaces the week's rows with an audit
// row; an agreement not started is refused; through a link only the
// agreement and week the token names can be written, and only while the
// token is valid and the employer's access lasts.
func TestSaveAttendanceWeek(t *testing.T) {
	f := newAttFixture(t, "2030-01-02")
	ctx := context.Background()
	a := f.agreement(f.participant, "2030-05-13", "2030-08-31")
	other := f.agreement(f.newParticipant("2030-01-02"), "2030-05-13", "2030-08-31")
	monday := attDay("2030-06-03")
	me := db.LinkWriter{UserID: f.employer, Today: f.st.Today(), IP: "127.0.0.1"}
	f.log(a, map[string]string{"2030-06-03": "3", "2030-06-06": "invalid", "2030-06-07": "welfare", "2030-06-10": "6"})
	// Each mark is stored with no category; a day logged before marks
	// posted as MarkAbsentLegacy keeps its row (the old category stays a
	// proposal); the rest of the week is replaced.
	err := f.st.SaveAttendanceWeek(ctx, a.ID, monday, []db.AttendanceDay{{Day: monday, Mark: db.MarkPresent, Hours: 7.5},
		{Day: monday.AddDate(0, 0, 1), Mark: db.MarkAbsentNotified}, {Day: monday.AddDate(0, 0, 2), Mark: db.MarkAbsentNotNotified},
		{Day: monday.AddDate(0, 0, 3), Mark: db.MarkNotWorkDay}, {Day: monday.AddDate(0, 0, 4), Mark: db.MarkAbsentLegacy}}, me)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"2030-06-03": "present:7h30m0s", "2030-06-04": "absent_notified:", "2030-06-05": "absent_not_notified:",
		"2030-06-06": "not_work_day:", "2030-06-07": "absent:welfare link", "2030-06-10": "present:6h0m0s link"}
	if got := attendanceRows(t, f.st, a.ID); !maps.Equal(got, want) {
		t.Errorf("after saving the week: %v, want %v (the invalid day replaced, the legacy day kept, next week kept)", got, want)
	}
	if n := auditCount(t, f.st, "agreement.attendance", a.ID, false); n != 1 {
		t.Errorf("audit rows: %d", n)
	}
	// A mark the employer does not record, hours on a day not present, or
	// a legacy mark on a day not stored so: refused, nothing changed.
	for name, day := range map[string]db.AttendanceDay{
		"a classification":     {Day: monday, Mark: "own_illness_egenmelding"},
		"hours while absent":   {Day: monday, Mark: db.MarkAbsentNotified, Hours: 2},
		"legacy on a new day":  {Day: monday, Mark: db.MarkAbsentLegacy},
		"no mark at all":       {Day: monday},
		"the old present flag": {Day: monday, Mark: "absent_sick"},
	} {
		if err := f.st.SaveAttendanceWeek(ctx, a.ID, monday, []db.AttendanceDay{day}, me); !errors.Is(err, db.ErrInvalidMark) {
			t.Errorf("%s: %v, want ErrInvalidMark", name, err)
		}
	}
	if got := attendanceRows(t, f.st, a.ID); !maps.Equal(got, want) {
		t.Errorf("a refused save changed the rows: %v", got)
	}

	// Not started: refused, nothing written.
	ready := f.agreement(f.newParticipant("2030-01-02"), "2030-07-01", "2030-08-31")
	if err := f.st.SaveAttendanceWeek(ctx, ready.ID, monday, []db.AttendanceDay{{Day: monday, Mark: db.MarkPresent, Hours: 1}}, me); !errors.Is(err, db.ErrNotStarted) {
		t.Errorf("ready agreement: %v, want ErrNotStarted", err)
	}

	// Through a link: the token names agreement a, week of 3 June.
	tok := sendLink(t, f.st, db.PurposeAttendance, a.ID, map[string]any{"week": "2030-06-03"})
	link := db.LinkWriter{Token: tok, Today: f.st.Today(), IP: "192.0.2.9"}
	row := []db.AttendanceDay{{Day: monday.AddDate(0, 0, 2), Mark: db.MarkPresent, Hours: 4}}
	if err := f.st.SaveAttendanceWeek(ctx, other.ID, monday, row, link); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("a's token on another agreement: %v, want ErrNotFound", err)
	}
	if err := f.st.SaveAttendanceWeek(ctx, a.ID, monday.AddDate(0, 0, -7), []db.AttendanceDay{{Day: monday.AddDate(0, 0, -7), Mark: db.MarkPresent, Hours: 4}}, link); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("a's token on another week: %v, want ErrNotFound", err)
	}
	for range 2 { // reusable until it expires
		if err := f.st.SaveAttendanceWeek(ctx, a.ID, monday, row, link); err != nil {
			t.Fatal(err)
		}
	}
	if got := attendanceRows(t, f.st, a.ID); got["2030-06-05"] != "present:4h0m0s link" || len(got) != 2 {
		t.Errorf("after saving through the link: %v", got)
	}
	if got := attendanceRows(t, f.st, other.ID); len(got) != 0 {
		t.Errorf("the other agreement got rows: %v", got)
	}
	if n := auditCount(t, f.st, "agreement.attendance", a.ID, true); n != 2 {
		t.Errorf("audit rows without an actor: %d, want 2", n)
	}
	var ip string
	if err := f.st.DB.Get(&ip, `SELECT host(ip) FROM audit_log WHERE action = 'agreement.attendance' AND entity_id = $1 AND actor_id IS NULL LIMIT 1`, a.ID); err != nil || ip != "192.0.2.9" {
		t.Errorf("audit IP %q %v", ip, err)
	}
	// The employer's access ended: the link no longer writes.
	if _, err := f.st.DB.Exec(`UPDATE agreements SET employer_access_until = '2030-06-11' WHERE id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.st.SaveAttendanceWeek(ctx, a.ID, monday, nil, link); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("after the access ended: %v, want ErrNotFound", err)
	}
	if _, err := f.st.DB.Exec(`UPDATE agreements SET employer_access_until = NULL WHERE id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	// Expired: refused.
	if _, err := f.st.DB.Exec(`UPDATE link_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, db.HashToken(tok)); err != nil {
		t.Fatal(err)
	}
	if err := f.st.SaveAttendanceWeek(ctx, a.ID, monday, nil, link); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("expired token: %v, want ErrNotFound", err)
	}
	if got := attendanceRows(t, f.st, a.ID); len(got) != 2 {
		t.Errorf("refused saves changed the rows: %v", got)
	}
}
