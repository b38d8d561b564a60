package db_test

import (
	"context"
	"errors"
	"testing"

	"praksis/db"
)

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

// TestFlagsAndExportFromClassification: the employer's marks and old
// categories never become flags or NIR figures; the adviser's
// classification does, across the programme (also a day outside any
// placement), and a reported absence not yet classified is reported as
// such.
func TestFlagsAndExportFromClassification(t *testing.T) {
	f := newAttFixture(t, "2030-01-02")
	ctx := context.Background()
	a := f.agreement(f.participant, "2030-05-13", "2030-08-31")
	f.log(a, map[string]string{"2030-06-03": "invalid", "2030-06-04": "notified", "2030-06-05": "6", "2030-06-06": "off", "2030-06-07": "not_notified"})
	flags, err := f.st.ProgrammeAbsenceFlags(ctx, f.participant, f.st.Today())
	if err != nil {
		t.Fatal(err)
	}
	if got := flagKinds(flags); len(got) != 1 || got[db.FlagUnclassified].Count != 3 {
		t.Errorf("before classifying: %+v, want only 3 unclassified days (the old 'invalid' category is no flag)", flags)
	}
	month := func() db.AttendanceMonthRow {
		t.Helper()
		rows, err := f.st.AttendanceMonth(ctx, db.Scope{All: true}, attDay("2030-06-01"))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.ParticipantID == f.participant {
				return r
			}
		}
		t.Fatal("the participant is not in the month's export")
		return db.AttendanceMonthRow{}
	}
	if r := month(); r.PresentDays != 1 || r.Hours != 6 || r.Unclassified != 3 || r.Absence(db.AbsenceInvalid) != 0 {
		t.Errorf("export before classifying: %+v", r)
	}
	classify := func(day, c string) {
		t.Helper()
		if err := f.st.ClassifyAbsence(ctx, db.ClassifyInput{ParticipantID: f.participant, Day: attDay(day), Classification: c, ActorID: f.adviser}); err != nil {
			t.Fatal(err)
		}
	}
	classify("2030-06-03", db.AbsenceSickChild)
	classify("2030-06-07", db.AbsenceInvalid)
	classify("2030-06-11", db.AbsenceWelfareLeave) // a programme day outside the placement's logged days
	flags, err = f.st.ProgrammeAbsenceFlags(ctx, f.participant, f.st.Today())
	if err != nil {
		t.Fatal(err)
	}
	got := flagKinds(flags)
	if len(got) != 2 || got[db.FlagUnclassified].Count != 1 || !got[db.FlagInvalid].Day.Equal(attDay("2030-06-07")) {
		t.Errorf("after classifying: %+v, want invalid on 7 June and 1 unclassified day", flags)
	}
	r := month()
	if r.Unclassified != 1 || r.Absence(db.AbsenceSickChild) != 1 || r.Absence(db.AbsenceInvalid) != 1 || r.Absence(db.AbsenceWelfareLeave) != 1 || r.PresentDays != 1 {
		t.Errorf("export after classifying: %+v", r)
	}
}

func flagKinds(flags []db.AbsenceFlag) map[string]db.AbsenceFlag {
	out := map[string]db.AbsenceFlag{}
	for _, fl := range flags {
		out[fl.Kind] = fl
	}
	return out
}
