package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

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

// log writes days directly: "6" is present for six hours, anything else
// an absence category.
func (f *attFixture) log(a db.Agreement, days map[string]string) {
	f.t.Helper()
	for d, v := range days {
		var err error
		if v[0] >= '0' && v[0] <= '9' {
			_, err = f.st.DB.Exec(`INSERT INTO attendance (agreement_id, day, present, hours) VALUES ($1, $2, true, $3)`, a.ID, d, v)
		} else {
			_, err = f.st.DB.Exec(`INSERT INTO attendance (agreement_id, day, present, absence) VALUES ($1, $2, false, $3)`, a.ID, d, v)
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
// agreement's first week to this week, each summed up; the rate is
// present days over logged days; sick child and welfare leave are no
// flags; before anything is logged there is no rate, and an agreement
// that has not started has no weeks.
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
		"2030-06-10": "6", "2030-06-11": "sick_child",
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
	if !w.Logged || w.Hours != 6 || w.PresentDays != 1 || w.AbsentDays != 1 || w.Absences["sick_child"] != 1 || w.Week() != 24 {
		t.Errorf("this week: %+v", w)
	}
	if ov.Weeks[1].Logged || ov.Weeks[2].Logged {
		t.Errorf("weeks without rows are not logged: %+v %+v", ov.Weeks[1], ov.Weeks[2])
	}
	if w := ov.Weeks[3]; w.Hours != 37.5 || w.PresentDays != 5 || w.AbsentDays != 0 {
		t.Errorf("week 21: %+v", w)
	}
	if w := ov.Weeks[4]; w.Hours != 12 || w.PresentDays != 2 || w.AbsentDays != 1 || w.Absences["welfare"] != 1 {
		t.Errorf("week 20: %+v", w)
	}
	if ov.Rate == nil || *ov.Rate != 8.0/10.0 || ov.RatePercent() != "80" {
		t.Errorf("rate %v, want 8 of 10 days", ov.Rate)
	}
	if len(ov.Flags) != 0 {
		t.Errorf("sick child and welfare leave flagged: %+v", ov.Flags)
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

func flagKinds(flags []db.AbsenceFlag) map[string]db.AbsenceFlag {
	out := map[string]db.AbsenceFlag{}
	for _, fl := range flags {
		out[fl.Kind] = fl
	}
	return out
}

// TestAbsenceFlags: each rule of DOMAIN.md flags what breaks it and
// nothing within it; sick child does not count as own illness.
func TestAbsenceFlags(t *testing.T) {
	f := newAttFixture(t, "2030-01-02")
	cases := []struct {
		name           string
		programmeStart string
		days           map[string]string
		want           map[string]db.AbsenceFlag // by kind; Day "" not checked
	}{
		{name: "within the rules", programmeStart: "2030-01-02",
			days: map[string]string{"2030-05-20": "illness", "2030-05-21": "illness", "2030-05-22": "illness", "2030-05-23": "6",
				"2030-05-31": "illness", "2030-06-03": "illness"}},
		{name: "four days over a weekend", programmeStart: "2030-01-02",
			days: map[string]string{"2030-05-23": "illness", "2030-05-24": "illness", "2030-05-27": "illness", "2030-05-28": "illness"},
			want: map[string]db.AbsenceFlag{db.FlagSickTooLong: {Day: attDay("2030-05-23"), Count: 4}}},
		{name: "a day at work ends a run", programmeStart: "2030-01-02",
			days: map[string]string{"2030-05-20": "illness", "2030-05-21": "illness", "2030-05-22": "6", "2030-05-23": "illness", "2030-05-24": "illness"}},
		{name: "sick child is not own illness", programmeStart: "2030-05-01",
			days: map[string]string{"2030-05-20": "sick_child", "2030-05-21": "sick_child", "2030-05-22": "sick_child", "2030-05-23": "sick_child", "2030-05-24": "sick_child"}},
		{name: "illness before eight weeks", programmeStart: "2030-05-01",
			days: map[string]string{"2030-06-04": "illness", "2030-06-05": "6"},
			want: map[string]db.AbsenceFlag{db.FlagSickTooEarly: {Day: attDay("2030-06-04"), Count: 1}}},
		{name: "illness from eight weeks on", programmeStart: "2030-04-10",
			days: map[string]string{"2030-06-05": "illness"}},
		{name: "invalid absence", programmeStart: "2030-01-02",
			days: map[string]string{"2030-06-03": "invalid", "2030-06-04": "other_valid", "2030-06-05": "religious"},
			want: map[string]db.AbsenceFlag{db.FlagInvalid: {Day: attDay("2030-06-03"), Count: 1}}},
		{name: "four times in twelve months", programmeStart: "2030-01-02",
			days: map[string]string{"2030-05-20": "illness", "2030-05-21": "6", "2030-05-22": "illness", "2030-05-23": "6",
				"2030-05-27": "illness", "2030-05-28": "6", "2030-06-03": "illness"}},
		{name: "five times in twelve months", programmeStart: "2030-01-02",
			days: map[string]string{"2030-05-20": "illness", "2030-05-21": "6", "2030-05-22": "illness", "2030-05-23": "6",
				"2030-05-27": "illness", "2030-05-28": "6", "2030-06-03": "illness", "2030-06-04": "6", "2030-06-10": "illness"},
			want: map[string]db.AbsenceFlag{db.FlagSickTooOften: {Day: attDay("2030-06-10"), Count: 5}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.t = t
			a := f.agreement(f.newParticipant(tc.programmeStart), "2030-05-13", "2030-08-31")
			f.log(a, tc.days)
			got := flagKinds(f.overview(a).Flags)
			if len(got) != len(tc.want) {
				t.Errorf("flags %+v, want %+v", f.overview(a).Flags, tc.want)
			}
			for kind, w := range tc.want {
				g, ok := got[kind]
				if !ok || !g.Day.Equal(w.Day) || g.Count != w.Count {
					t.Errorf("flag %s: %+v (present %v), want day %s count %d", kind, g, ok, w.Day.Format("2006-01-02"), w.Count)
				}
			}
		})
	}
	f.t = t

	// Illness runs more than 12 months ago do not count; runs in another
	// agreement of the same person do (the rule is about the person).
	p := f.newParticipant("2028-01-03")
	old := f.agreement(p, "2029-03-01", "2029-06-30")
	f.log(old, map[string]string{"2029-04-02": "illness", "2029-04-03": "6", "2029-04-04": "illness", "2029-04-05": "6",
		"2029-06-18": "illness", "2029-06-19": "6"})
	cur := f.agreement(p, "2030-05-13", "2030-08-31")
	f.log(cur, map[string]string{"2030-05-20": "illness", "2030-05-21": "6", "2030-05-22": "illness", "2030-05-23": "6",
		"2030-06-03": "illness", "2030-06-04": "6"})
	if fl := flagKinds(f.overview(cur).Flags)[db.FlagSickTooOften]; fl.Count != 0 {
		t.Errorf("four runs within 12 months (one in the earlier agreement) flagged: %+v", fl)
	}
	f.log(cur, map[string]string{"2030-06-10": "illness"})
	if fl := flagKinds(f.overview(cur).Flags)[db.FlagSickTooOften]; fl.Count != 5 || !fl.Day.Equal(attDay("2030-06-10")) {
		t.Errorf("five runs in 12 months across agreements: %+v", fl)
	}

	// The limits are configurable.
	long := f.agreement(f.newParticipant("2030-01-02"), "2030-05-13", "2030-08-31")
	f.log(long, map[string]string{"2030-05-20": "illness", "2030-05-21": "illness", "2030-05-22": "illness", "2030-05-23": "illness"})
	if got := flagKinds(f.overview(long).Flags); got[db.FlagSickTooLong].Count != 4 {
		t.Errorf("four days with the default limit: %+v", got)
	}
	f.st.Rules.SickMaxDays = 5
	if got := f.overview(long).Flags; len(got) != 0 {
		t.Errorf("four days with a limit of five: %+v", got)
	}
}

func attendanceRows(t *testing.T, st *db.Store, agreementID int64) map[string]string {
	t.Helper()
	var rows []struct {
		Day      time.Time `db:"day"`
		Present  bool      `db:"present"`
		Hours    float64   `db:"hours"`
		Absence  *string   `db:"absence"`
		LoggedBy *int64    `db:"logged_by"`
	}
	if err := st.DB.Select(&rows, `SELECT day, present, hours::float8 AS hours, absence, logged_by FROM attendance WHERE agreement_id = $1`, agreementID); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		v := "absent:" + *ptrOr(r.Absence)
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
	ill := "illness"
	monday := attDay("2030-06-03")
	me := db.LinkWriter{UserID: f.employer, Today: f.st.Today(), IP: "127.0.0.1"}
	f.log(a, map[string]string{"2030-06-03": "3", "2030-06-06": "invalid", "2030-06-10": "6"})
	err := f.st.SaveAttendanceWeek(ctx, a.ID, monday, []db.AttendanceDay{{Day: monday, Present: true, Hours: 7.5},
		{Day: monday.AddDate(0, 0, 1), Absence: &ill}}, me)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"2030-06-03": "present:7h30m0s", "2030-06-04": "absent:illness", "2030-06-10": "present:6h0m0s link"}
	if got := attendanceRows(t, f.st, a.ID); len(got) != 3 || got["2030-06-03"] != want["2030-06-03"] || got["2030-06-04"] != want["2030-06-04"] {
		t.Errorf("after saving the week: %v, want %v (the invalid day replaced, next week kept)", got, want)
	}
	if n := auditCount(t, f.st, "agreement.attendance", a.ID, false); n != 1 {
		t.Errorf("audit rows: %d", n)
	}

	// Not started: refused, nothing written.
	ready := f.agreement(f.newParticipant("2030-01-02"), "2030-07-01", "2030-08-31")
	if err := f.st.SaveAttendanceWeek(ctx, ready.ID, monday, []db.AttendanceDay{{Day: monday, Present: true, Hours: 1}}, me); !errors.Is(err, db.ErrNotStarted) {
		t.Errorf("ready agreement: %v, want ErrNotStarted", err)
	}

	// Through a link: the token names agreement a, week of 3 June.
	tok := sendLink(t, f.st, db.PurposeAttendance, a.ID, map[string]any{"week": "2030-06-03"})
	link := db.LinkWriter{Token: tok, Today: f.st.Today(), IP: "192.0.2.9"}
	row := []db.AttendanceDay{{Day: monday.AddDate(0, 0, 2), Present: true, Hours: 4}}
	if err := f.st.SaveAttendanceWeek(ctx, other.ID, monday, row, link); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("a's token on another agreement: %v, want ErrNotFound", err)
	}
	if err := f.st.SaveAttendanceWeek(ctx, a.ID, monday.AddDate(0, 0, -7), []db.AttendanceDay{{Day: monday.AddDate(0, 0, -7), Present: true, Hours: 4}}, link); !errors.Is(err, db.ErrNotFound) {
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

// TestAddEvaluation: one evaluation per phase (ErrConflict the second
// time); not before the agreement started; a link works once, for its
// own agreement and phase; Evaluations lists them in phase order with
// who wrote them.
func TestAddEvaluation(t *testing.T) {
	f := newAttFixture(t, "2030-01-02")
	ctx := context.Background()
	a := f.agreement(f.participant, "2030-05-13", "2030-08-31")
	other := f.agreement(f.newParticipant("2030-01-02"), "2030-05-13", "2030-08-31")
	three, one := 3, 1
	me := db.LinkWriter{UserID: f.employer, Today: f.st.Today(), IP: "127.0.0.1"}
	mid := db.NewEvaluation{Phase: "mid", Punctuality: &three, Cooperation: &one, Comment: "Kommer presis."}
	if err := f.st.AddEvaluation(ctx, a.ID, mid, me); err != nil {
		t.Fatal(err)
	}
	if err := f.st.AddEvaluation(ctx, a.ID, mid, me); !errors.Is(err, db.ErrConflict) {
		t.Errorf("mid twice: %v, want ErrConflict", err)
	}
	ready := f.agreement(f.newParticipant("2030-01-02"), "2030-07-01", "2030-08-31")
	if err := f.st.AddEvaluation(ctx, ready.ID, db.NewEvaluation{Phase: "start"}, me); !errors.Is(err, db.ErrNotStarted) {
		t.Errorf("ready agreement: %v, want ErrNotStarted", err)
	}

	tok := sendLink(t, f.st, db.PurposeEvaluation, a.ID, map[string]any{"phase": "start"})
	link := db.LinkWriter{Token: tok, Today: f.st.Today(), IP: "192.0.2.9"}
	if err := f.st.AddEvaluation(ctx, other.ID, db.NewEvaluation{Phase: "start"}, link); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("a's token on another agreement: %v", err)
	}
	if err := f.st.AddEvaluation(ctx, a.ID, db.NewEvaluation{Phase: "end"}, link); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("a start token for the end: %v", err)
	}
	if err := f.st.AddEvaluation(ctx, a.ID, db.NewEvaluation{Phase: "start", Speaking: &three}, link); err != nil {
		t.Fatal(err)
	}
	if err := f.st.AddEvaluation(ctx, a.ID, db.NewEvaluation{Phase: "start"}, link); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("token used twice: %v, want ErrNotFound", err)
	}
	evs, err := f.st.Evaluations(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Phase != "start" || evs[1].Phase != "mid" {
		t.Fatalf("evaluations: %+v", evs)
	}
	if evs[0].Author != "" || evs[0].Speaking == nil || *evs[0].Speaking != 3 || evs[0].Punctuality != nil {
		t.Errorf("start through the link: %+v", evs[0])
	}
	if evs[1].Author == "" || *evs[1].Punctuality != 3 || *evs[1].Cooperation != 1 || evs[1].Instructions != nil || evs[1].Comment != "Kommer presis." {
		t.Errorf("mid by the employer: %+v", evs[1])
	}
	if r := evs[1].Ratings(); len(r) != 4 || r[0].Level() != 3 || r[2].Level() != 0 {
		t.Errorf("ratings: %+v", r)
	}
	if n := auditCount(t, f.st, "agreement.evaluation", a.ID, true); n != 1 {
		t.Errorf("audit rows through the link: %d", n)
	}
	if n := auditCount(t, f.st, "agreement.link_sent", a.ID, true); n != 1 {
		t.Errorf("link_sent audit rows: %d", n)
	}
	if evs, _ := f.st.Evaluations(ctx, other.ID); len(evs) != 0 {
		t.Errorf("the other agreement got evaluations: %+v", evs)
	}
}
