package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
)

// d parses a date of the tests.
func d(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func dp(s string) *time.Time { t := d(s); return &t }

// fieldErr reports whether err refuses field with code.
func fieldErr(err error, field, code string) bool {
	var fe *db.FieldError
	return errors.As(err, &fe) && fe.Field == field && fe.Code == code
}

// registered creates a participant the old way (the registration form of
// today) with the given regime, education, programme dates and status.
func registered(t *testing.T, st *db.Store, adviser int64, name, regime, education, start, end, status string) int64 {
	t.Helper()
	a1 := db.LevelA1
	id, err := st.CreateParticipant(context.Background(), adviser, db.ParticipantInput{FirstName: name, LastName: "Plan", BirthYear: 1990,
		Education: education, Regime: regime, ProgrammeStart: d(start), ProgrammeEnd: d(end), GoalCategory: "work_or_education",
		Status: status, Goals: map[string]db.Level{"listening": a1, "reading": a1, "writing": a1, "oral": a1}}, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func auditActions(t *testing.T, st *db.Store, entity string, id int64) map[string]int {
	t.Helper()
	rows, err := st.AuditFor(context.Background(), entity, id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Action]++
	}
	return out
}

// TestDeriveRegime: the regime follows the legal basis and the permit's
// date by the dated rows of migration 00016, never anything else.
func TestDeriveRegime(t *testing.T) {
	st := dbtest.Open(t)
	rules, err := st.RegimeRules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		basis, permit, want string
		err                 error
	}{
		{db.BasisAsylum, "2020-12-31", db.RegimeIntroduction, nil},
		{db.BasisAsylum, "2021-01-01", db.RegimeIntegration, nil},
		{db.BasisResettlement, "2023-05-01", db.RegimeIntegration, nil},
		{db.BasisFamilyReunification, "2019-02-01", db.RegimeIntroduction, nil},
		{db.BasisHumanitarian, "2024-02-01", db.RegimeIntegration, nil},
		{db.BasisOther, "2024-02-01", db.RegimeIntegration, nil},
		// Collective protection: ordinary rules until kapittel 6A's date.
		{db.BasisCollective, "2022-03-10", db.RegimeIntegration, nil},
		{db.BasisCollective, "2022-03-11", db.RegimeKap6A, nil},
		{db.BasisCollective, "2025-08-01", db.RegimeKap6A, nil},
		{db.BasisCollective, "2018-08-01", db.RegimeIntroduction, nil},
		{db.BasisUnknown, "2025-08-01", "", db.ErrBasisUnknown},
		{db.BasisAsylum, "", "", db.ErrBasisUnknown},
		{db.BasisAsylum, "1899-12-31", "", db.ErrNoRegimeRule},
	} {
		var permit *time.Time
		if c.permit != "" {
			permit = dp(c.permit)
		}
		r, err := db.DeriveRegime(c.basis, permit, rules)
		if !errors.Is(err, c.err) || r.Regime != c.want {
			t.Errorf("%s on %s: %q, %v; want %q, %v", c.basis, c.permit, r.Regime, err, c.want, c.err)
		}
	}
	// Where two rows cover a day, the newer decision wins.
	two := []db.RegimeRule{
		{LegalBasis: db.BasisAsylum, PermitFrom: d("2021-01-01"), Regime: db.RegimeIntegration},
		{LegalBasis: db.BasisAsylum, PermitFrom: d("2030-01-01"), Regime: db.RegimeKap6A},
	}
	if r, _ := db.DeriveRegime(db.BasisAsylum, dp("2030-06-01"), two); r.Regime != db.RegimeKap6A {
		t.Errorf("overlapping rows: %q, want the newer row's", r.Regime)
	}
}

// TestSetLegalStatus: the adviser records the basis; the regime is
// derived and stored, audited; an unknown basis keeps the regime; bad
// input and another adviser's participant change nothing.
func TestSetLegalStatus(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	adviser, other := newStaff(t, st, db.RoleAdviser), newStaff(t, st, db.RoleAdviser)
	p := registered(t, st, adviser, "Olena", db.RegimeKap6A, "higher", "2025-01-06", "2025-12-31", "active")
	regime := func() (r, basis, sex string) {
		t.Helper()
		if err := st.DB.QueryRow(`SELECT regime, legal_basis, sex FROM participants WHERE id = $1`, p).Scan(&r, &basis, &sex); err != nil {
			t.Fatal(err)
		}
		return
	}
	// A Ukrainian with asylum follows the ordinary rules.
	got, err := st.SetLegalStatus(ctx, p, adviser, db.LegalStatus{LegalBasis: db.BasisAsylum, PermitDate: dp("2024-11-01"), Sex: "woman"}, "")
	if err != nil || got != db.RegimeIntegration {
		t.Fatalf("asylum: %q, %v", got, err)
	}
	if r, b, s := regime(); r != db.RegimeIntegration || b != db.BasisAsylum || s != "woman" {
		t.Errorf("stored %s %s %s", r, b, s)
	}
	if n := auditActions(t, st, "participant", p)["participant.legal_status"]; n != 1 {
		t.Errorf("%d audit rows for the legal status, want 1", n)
	}
	for _, c := range []struct {
		in          db.LegalStatus
		field, code string
	}{
		{db.LegalStatus{LegalBasis: "nationality", Sex: "woman"}, "legal_basis", "form.choose"},
		{db.LegalStatus{LegalBasis: db.BasisCollective, Sex: "woman"}, "permit_date", "form.required"},
		{db.LegalStatus{LegalBasis: db.BasisCollective, PermitDate: dp("2024-01-01"), Sex: "female"}, "sex", "form.choose"},
		{db.LegalStatus{LegalBasis: db.BasisCollective, PermitDate: dp("1850-01-01"), Sex: "woman"}, "permit_date", "participant.no_regime_rule"},
	} {
		if _, err := st.SetLegalStatus(ctx, p, adviser, c.in, ""); !fieldErr(err, c.field, c.code) {
			t.Errorf("%+v: %v, want %s beside %s", c.in, err, c.code, c.field)
		}
	}
	if _, err := st.SetLegalStatus(ctx, p, other, db.LegalStatus{LegalBasis: db.BasisCollective, PermitDate: dp("2024-01-01"), Sex: "man"}, ""); err != db.ErrNotFound {
		t.Errorf("another adviser: %v", err)
	}
	if r, b, s := regime(); r != db.RegimeIntegration || b != db.BasisAsylum || s != "woman" {
		t.Errorf("refused changes changed the row: %s %s %s", r, b, s)
	}
	// Unknown keeps the regime an adviser set before.
	if got, err := st.SetLegalStatus(ctx, p, adviser, db.LegalStatus{LegalBasis: db.BasisUnknown, Sex: "not_given"}, ""); err != nil || got != db.RegimeIntegration {
		t.Errorf("unknown basis: %q, %v", got, err)
	}
	// Collective protection from 2022-03-11: kapittel 6A.
	if got, err := st.SetLegalStatus(ctx, p, adviser, db.LegalStatus{LegalBasis: db.BasisCollective, PermitDate: dp("2023-04-01"), Sex: "woman"}, ""); err != nil || got != db.RegimeKap6A {
		t.Errorf("collective protection: %q, %v", got, err)
	}
}

// TestProgrammeRuleAt: the most specific row in force on the plan's day
// applies; kap. 6A past its valid_to is reported as expired.
func TestProgrammeRuleAt(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	for _, c := range []struct {
		name          string
		q             db.RuleQuery
		track         string
		min, max, ext int
		norskmal      string
		leave         bool
		err           error
	}{
		{"§ 13, higher education", db.RuleQuery{Regime: db.RegimeIntegration, Education: "higher", GoalCategory: "work_sector", BirthYear: 1990, On: d("2025-03-01")},
			db.TrackS13, 3, 6, 6, db.NorskmalRequired, true, nil},
		{"§ 14, primary school", db.RuleQuery{Regime: db.RegimeIntegration, Education: "primary", GoalCategory: "work_or_education", BirthYear: 1990, On: d("2025-03-01")},
			db.TrackS14, 3, 24, 12, db.NorskmalRequired, true, nil},
		{"§ 14, goal upper secondary", db.RuleQuery{Regime: db.RegimeIntegration, Education: "none", GoalCategory: "upper_secondary", BirthYear: 2004, On: d("2025-03-01")},
			db.TrackS14, 3, 36, 12, db.NorskmalRequired, true, nil},
		{"introduksjonsloven", db.RuleQuery{Regime: db.RegimeIntroduction, Education: "higher", GoalCategory: "work_sector", BirthYear: 1980, On: d("2019-03-01")},
			db.TrackAny, 3, 24, 12, db.NorskmalNone, true, nil},
		{"kap. 6A in force", db.RuleQuery{Regime: db.RegimeKap6A, Education: "higher", GoalCategory: "work_sector", BirthYear: 1985, On: d("2026-06-30")},
			db.TrackAny, 3, 12, 0, db.NorskmalOptional, true, nil},
		{"kap. 6A expired", db.RuleQuery{Regime: db.RegimeKap6A, Education: "higher", GoalCategory: "work_sector", BirthYear: 1985, On: d("2026-07-01")},
			db.TrackAny, 3, 12, 0, db.NorskmalOptional, true, db.ErrRuleExpired},
	} {
		r, err := st.ProgrammeRuleAt(ctx, c.q)
		if !errors.Is(err, c.err) || r.Track != c.track || r.MinMonths != c.min || r.MaxMonths != c.max ||
			r.ExtensionMonths != c.ext || r.Norskmal != c.norskmal || r.LeaveExtends != c.leave || r.Source == "" {
			t.Errorf("%s: %+v, %v", c.name, r, err)
		}
		if c.err == db.ErrRuleExpired && !r.Expired {
			t.Errorf("%s: the rule is not marked expired", c.name)
		}
	}
	// Outside the programme's ages (18–55): no rule.
	if _, err := st.ProgrammeRuleAt(ctx, db.RuleQuery{Regime: db.RegimeIntegration, Education: "primary", GoalCategory: "work_or_education",
		BirthYear: 1960, On: d("2025-03-01")}); err != db.ErrNotFound {
		t.Errorf("aged 65: %v", err)
	}
	// The form's regime-wide envelope stays; an expired one says so.
	if r, err := st.ProgrammeRuleFor(ctx, db.RegimeIntegration, d("2025-03-01")); err != nil || r.MaxMonths != 36 || r.ExtensionMonths != 12 || r.Expired {
		t.Errorf("integreringsloven envelope: %+v %v", r, err)
	}
	if r, err := st.ProgrammeRuleFor(ctx, db.RegimeKap6A, d("2026-12-01")); err != nil || r.MaxMonths != 12 || !r.Expired {
		t.Errorf("kap. 6A envelope after its end: %+v %v", r, err)
	}
}

// TestAddProgrammeRule: an admin adds a dated row (validated, audited,
// with a preview of whom it affects); an open row of the same key ends the
// day before; an overlap is refused and changes nothing.
func TestAddProgrammeRule(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	admin, adviser := newStaff(t, st, db.RoleAdmin), newStaff(t, st, db.RoleAdviser)
	count := func() (n int) {
		t.Helper()
		if err := st.DB.Get(&n, `SELECT count(*) FROM programme_rules`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	kap6a := db.RuleInput{Regime: db.RegimeKap6A, Track: db.TrackAny, MinAge: intp(18), MaxAge: intp(55), MinMonths: 3, MaxMonths: 12,
		ValidFrom: d("2026-07-01"), ValidTo: dp("2027-06-30"), LeaveExtends: true, Norskmal: db.NorskmalOptional,
		Source: "Prop. L (2025–2026): kapittel 6A extended to 2027-06-30"}

	// Bad rows are refused beside their field and add nothing.
	for _, c := range []struct {
		edit        func(*db.RuleInput)
		field, code string
	}{
		{func(r *db.RuleInput) { r.Regime = "ukraine" }, "regime", "form.choose"},
		{func(r *db.RuleInput) { r.Track = db.TrackS13 }, "track", "rule.track_regime"},
		{func(r *db.RuleInput) { r.MaxMonths = 2 }, "max_months", "rule.months_range"},
		{func(r *db.RuleInput) { r.ValidTo = dp("2026-06-01") }, "valid_to", "rule.to_before_from"},
		{func(r *db.RuleInput) { r.MinAge = intp(60) }, "max_age", "rule.age_range"},
		{func(r *db.RuleInput) { r.Source = " " }, "source", "form.required"},
		{func(r *db.RuleInput) { r.Norskmal = "maybe" }, "norskmal", "form.choose"},
		// kap. 6A's own row ends 2026-06-30: a new one from 2026-06-01 overlaps it.
		{func(r *db.RuleInput) { r.ValidFrom = d("2026-06-01") }, "valid_from", "rule.overlap"},
	} {
		in := kap6a
		c.edit(&in)
		if _, err := st.AddProgrammeRule(ctx, admin, in, ""); !fieldErr(err, c.field, c.code) {
			t.Errorf("%+v: %v, want %s beside %s", in, err, c.code, c.field)
		}
	}
	if n := count(); n != before {
		t.Fatalf("refused rows changed the table: %d rows, had %d", n, before)
	}

	// The preview lists the kap. 6A participant whose plan falls in the new
	// row's dates, and only them; its planned 14 months are outside.
	inside := registered(t, st, adviser, "Innenfor", db.RegimeKap6A, "higher", "2026-07-06", "2027-07-05", "active")
	outside := registered(t, st, adviser, "Utenfor", db.RegimeKap6A, "higher", "2026-03-02", "2027-03-01", "active")
	registered(t, st, adviser, "Annen", db.RegimeIntegration, "higher", "2026-08-03", "2027-02-01", "active")
	for _, p := range []struct {
		id        int64
		plan, end string
	}{{inside, "2026-07-06", "2027-09-05"}, {outside, "2026-03-02", "2027-03-01"}} {
		if _, err := st.DB.Exec(`INSERT INTO integration_plans (participant_id, decided_on, plan_date, original_end, goal_category)
			VALUES ($1, $2, $2, $3, 'work_or_education')`, p.id, p.plan, p.end); err != nil {
			t.Fatal(err)
		}
	}
	preview, err := st.PreviewProgrammeRule(ctx, kap6a)
	if err != nil || len(preview) != 1 || preview[0].ParticipantID != inside || !preview[0].Outside {
		t.Errorf("preview: %+v %v; want only Innenfor, outside the range", preview, err)
	}

	id, err := st.AddProgrammeRule(ctx, admin, kap6a, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if r, err := st.ProgrammeRuleAt(ctx, db.RuleQuery{Regime: db.RegimeKap6A, Education: "none", BirthYear: 1990, On: d("2026-12-01")}); err != nil || r.ID != id {
		t.Errorf("after the new row: rule %d, %v; want %d", r.ID, err, id)
	}
	if n := auditActions(t, st, "programme_rule", id)["programme_rule.create"]; n != 1 {
		t.Errorf("%d audit rows for the new rule", n)
	}

	// A new § 13 row from 2027: the open one ends on 2026-12-31.
	s13 := db.RuleInput{Regime: db.RegimeIntegration, Track: db.TrackS13, MinAge: intp(18), MaxAge: intp(55), MinMonths: 3, MaxMonths: 9,
		ExtensionMonths: 3, ValidFrom: d("2027-01-01"), LeaveExtends: true, Norskmal: db.NorskmalRequired, Source: "Kommunens vedtak 2026/17"}
	newID, err := st.AddProgrammeRule(ctx, admin, s13, "")
	if err != nil {
		t.Fatal(err)
	}
	q := db.RuleQuery{Regime: db.RegimeIntegration, Education: "higher", GoalCategory: "work_sector", BirthYear: 1990}
	q.On = d("2026-12-31")
	old, err := st.ProgrammeRuleAt(ctx, q)
	if err != nil || old.MaxMonths != 6 || old.ValidTo == nil || !old.ValidTo.Equal(d("2026-12-31")) {
		t.Errorf("the old § 13 row on its last day: %+v %v", old, err)
	}
	q.On = d("2027-01-01")
	if r, err := st.ProgrammeRuleAt(ctx, q); err != nil || r.ID != newID || r.MaxMonths != 9 {
		t.Errorf("the new § 13 row: %+v %v", r, err)
	}
	if n := auditActions(t, st, "programme_rule", old.ID)["programme_rule.close"]; n != 1 {
		t.Errorf("closing the old row: %d audit rows", n)
	}
	if n := count(); n != before+2 {
		t.Errorf("%d rows, want %d", n, before+2)
	}
}

func intp(i int) *int { return &i }
