package db_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"praksis/db"
)

// The regime's rules as migration 00017 seeds them (checked against the
// table in TestAbsenceRulesSeeded).
var defaultAbsenceRules = db.AbsenceRules{EgenmeldingMaxDays: 3, EgenmeldingAfterWeeks: 8, EgenmeldingMaxTimes: 4,
	EgenmeldingWindowMonths: 12, EgenmeldingMinGapDays: 16, SickChildDays: 10, SickChildDaysManyChildren: 15,
	SickChildDaysSingle: 20, SickChildDaysSingleMany: 30}

// classified builds days from "2030-04-02=own_illness_egenmelding" pairs.
func classified(pairs ...string) []db.AbsenceDay {
	var out []db.AbsenceDay
	for _, p := range pairs {
		day, c, _ := strings.Cut(p, "=")
		out = append(out, db.AbsenceDay{Day: *date(day), Classification: &c})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day.Before(out[j].Day) })
	return out
}

func flagLines(flags []db.AbsenceFlag) string {
	var l []string
	for _, f := range flags {
		l = append(l, fmt.Sprintf("%s %s %d", f.Kind, f.Day.Format("2006-01-02"), f.Count))
	}
	return strings.Join(l, "; ")
}

// Boundaries computed by hand. The programme starts Monday 7 January
// 2030, so egenmelding is allowed from Monday 4 March (7 Jan + 56 days).
func TestAbsenceRuleFlagsBoundaries(t *testing.T) {
	start, today := *date("2030-01-07"), *date("2031-06-30")
	eg := func(days ...string) []string {
		for i := range days {
			days[i] += "=" + db.AbsenceEgenmelding
		}
		return days
	}
	cases := []struct {
		name  string
		days  []string
		quota string
		want  string
	}{
		{"egenmelding the last day before 8 weeks", eg("2030-03-01"), "", "egenmelding_too_early 2030-03-01 1"},
		{"egenmelding the first day after 8 weeks", eg("2030-03-04"), "", ""},
		{"three days (Tue–Thu)", eg("2030-04-02", "2030-04-03", "2030-04-04"), "", ""},
		{"four days (Tue–Fri)", eg("2030-04-02", "2030-04-03", "2030-04-04", "2030-04-05"), "", "egenmelding_too_long 2030-04-02 4"},
		// Friday and Monday: the weekend lies in the period, 4 calendar days.
		{"Friday and Monday", eg("2030-04-05", "2030-04-08"), "", "egenmelding_too_long 2030-04-05 4"},
		{"a doctor's note resolves the long period",
			append(eg("2030-04-02", "2030-04-03", "2030-04-04"), "2030-04-05="+db.AbsenceDoctorNote), "", ""},
		{"a doctor's note only, before 8 weeks", []string{"2030-02-01=" + db.AbsenceDoctorNote}, "", ""},
		// Apr 2 to Apr 18 is 16 days: allowed; to Apr 17, 15: too close.
		{"16 days between periods", eg("2030-04-02", "2030-04-18"), "", ""},
		{"15 days between periods", eg("2030-04-02", "2030-04-17"), "", "egenmelding_too_close 2030-04-17 15"},
		// Five periods: the fifth on 1 April 2031 no longer has the first
		// (1 April 2030) within its 12 months; on 31 March it has.
		{"fifth period 12 months after the first", eg("2030-04-01", "2030-06-03", "2030-08-05", "2030-10-07", "2031-04-01"), "", ""},
		{"fifth period within 12 months", eg("2030-04-01", "2030-06-03", "2030-08-05", "2030-10-07", "2031-03-31"), "",
			"egenmelding_too_often 2031-03-31 5"},
		{"egenmelding after today is not counted", eg("2031-07-01", "2031-07-02", "2031-07-03", "2031-07-04"), "", ""},
		{"invalid", []string{"2030-05-06=" + db.AbsenceInvalid, "2030-05-07=" + db.AbsenceApprovedLeave}, "", "invalid 2030-05-06 1"},
	}
	sickChild := func(year, n int) []string {
		var out []string
		d := time.Date(year, 2, 1, 0, 0, 0, 0, time.UTC)
		for i := 0; i < n; i++ {
			out = append(out, d.AddDate(0, 0, 7*i).Format("2006-01-02")+"="+db.AbsenceSickChild)
		}
		return out
	}
	cases = append(cases,
		struct {
			name  string
			days  []string
			quota string
			want  string
		}{"10 sick-child days", sickChild(2030, 10), "standard", ""},
		struct {
			name  string
			days  []string
			quota string
			want  string
		}{"11 sick-child days", sickChild(2030, 11), "standard", "sick_child_over_quota 2030-04-12 11"},
		struct {
			name  string
			days  []string
			quota string
			want  string
		}{"11 sick-child days, single parent", sickChild(2030, 11), "single_parent", ""},
		struct {
			name  string
			days  []string
			quota string
			want  string
		}{"10 days in each of two years", append(sickChild(2030, 10), sickChild(2031, 10)...), "standard", ""},
	)
	for _, c := range cases {
		got := flagLines(db.AbsenceRuleFlags(classified(c.days...), defaultAbsenceRules, c.quota, start, today))
		if got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

func TestAbsenceRulesSeeded(t *testing.T) {
	f := newPrivFixture(t)
	for _, regime := range []string{"integreringsloven", "introduksjonsloven", "kap6a"} {
		r, err := f.st.AbsenceRulesOn(context.Background(), regime, *date("2030-06-01"))
		if err != nil {
			t.Fatal(err)
		}
		r.Regime, r.ValidFrom, r.Source = "", time.Time{}, ""
		if r != defaultAbsenceRules {
			t.Errorf("%s: %+v", regime, r)
		}
	}
	if _, err := f.st.AbsenceRulesOn(context.Background(), "kap6a", *date("2022-03-10")); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("kap. 6A rules before 11 March 2022: %v", err)
	}
}

// The employer's old categories are proposals; only the adviser
// classifies, and the flags come from the classification.
func TestClassifyAbsence(t *testing.T) {
	f := newAttFixture(t, "2030-01-07")
	ctx := context.Background()
	a := f.agreement(f.participant, "2030-06-03", "2030-08-30")
	f.log(a, map[string]string{"2030-06-03": "illness", "2030-06-04": "illness", "2030-06-05": "6"})
	days, err := f.st.Absences(ctx, f.participant)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 2 || days[0].Classification != nil || days[0].Proposed == nil || *days[0].Proposed != "illness" {
		t.Fatalf("reported days: %+v", days)
	}
	flags, err := f.st.ProgrammeAbsenceFlags(ctx, f.participant, f.st.Today())
	if err != nil {
		t.Fatal(err)
	}
	if got := flagLines(flags); got != "unclassified 2030-06-03 2" {
		t.Errorf("before classification: %q", got)
	}
	classify := func(actor int64, day, c string) error {
		return f.st.ClassifyAbsence(ctx, db.ClassifyInput{ParticipantID: f.participant, Day: *date(day), Classification: c, ActorID: actor})
	}
	other := newStaff(t, f.st, db.RoleAdviser)
	for _, who := range []int64{f.employer, other, newStaff(t, f.st, db.RoleAdmin), newStaff(t, f.st, db.RoleNAV)} {
		if err := classify(who, "2030-06-03", db.AbsenceInvalid); !errors.Is(err, db.ErrNotAdviser) {
			t.Errorf("user %d classified: %v", who, err)
		}
	}
	if err := classify(f.adviser, "2029-12-31", db.AbsenceInvalid); !errors.Is(err, db.ErrInvalidAbsence) {
		t.Errorf("a day before the programme: %v", err)
	}
	if err := classify(f.adviser, "2030-06-03", "religious"); !errors.Is(err, db.ErrInvalidAbsence) {
		t.Errorf("an employer category as a classification: %v", err)
	}
	// Two days of own illness on the placement, two more at school (no
	// placement day): a period of four days across the programme.
	for _, d := range []string{"2030-06-03", "2030-06-04", "2030-05-31"} {
		if err := classify(f.adviser, d, db.AbsenceEgenmelding); err != nil {
			t.Fatal(err)
		}
	}
	if err := classify(f.adviser, "2030-05-30", db.AbsenceInvalid); err != nil {
		t.Fatal(err)
	}
	if err := classify(f.adviser, "2030-05-30", db.AbsenceEgenmelding); err != nil { // edited
		t.Fatal(err)
	}
	flags, err = f.st.ProgrammeAbsenceFlags(ctx, f.participant, f.st.Today())
	if err != nil {
		t.Fatal(err)
	}
	// Thu 30 May to Tue 4 June: 6 calendar days.
	if got := flagLines(flags); got != "egenmelding_too_long 2030-05-30 6" {
		t.Errorf("after classification: %q", got)
	}
	if n := participantAudits(t, f.st, "participant.absence_classified", f.participant); n != 5 {
		t.Errorf("classifications audited %d times", n)
	}
	var from string
	if err := f.st.DB.Get(&from, `SELECT details->>'from' FROM audit_log WHERE action = 'participant.absence_classified'
		AND details->>'day' = '2030-05-30' AND details->>'to' = 'own_illness_egenmelding'`); err != nil || from != db.AbsenceInvalid {
		t.Errorf("the edit is audited with the old value: %q %v", from, err)
	}
	// The employer's record is untouched: still its proposal.
	if rows := attendanceRows(t, f.st, a.ID); !strings.HasPrefix(rows["2030-06-03"], "absent:illness") {
		t.Errorf("attendance row changed: %v", rows)
	}
}
