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

// TestSavePlan: a plan is checked against the rule in force on its date
// (range, norskmål allowed or required, expiry), kept in versions, and
// reviewed.
func TestSavePlan(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	adviser, other := newStaff(t, st, db.RoleAdviser), newStaff(t, st, db.RoleAdviser)
	b1 := db.LevelB1
	kap := registered(t, st, adviser, "Kap", db.RegimeKap6A, "higher", "2025-06-02", "2026-01-01", "active")
	intro := registered(t, st, adviser, "Intro", db.RegimeIntroduction, "primary", "2019-03-04", "2020-03-01", "active")
	integ := registered(t, st, adviser, "Integ", db.RegimeIntegration, "primary", "2025-01-06", "2026-01-01", "active")
	late := registered(t, st, adviser, "Sen", db.RegimeKap6A, "higher", "2026-08-03", "2027-01-01", "active")
	plan := func(end string, goals map[string]db.Level) db.PlanInput {
		return db.PlanInput{DecidedOn: d("2025-01-02"), PlanDate: d("2025-01-06"), OriginalEnd: d(end), GoalCategory: "work_or_education", Goals: goals}
	}
	plans := func() (n int) {
		t.Helper()
		if err := st.DB.Get(&n, `SELECT count(*) FROM integration_plans`); err != nil {
			t.Fatal(err)
		}
		return n
	}

	for _, c := range []struct {
		name        string
		id          int64
		in          db.PlanInput
		field, code string
	}{
		{"a norskmål under introduksjonsloven", intro, db.PlanInput{DecidedOn: d("2019-03-01"), PlanDate: d("2019-03-04"), OriginalEnd: d("2021-03-01"),
			GoalCategory: "work_or_education", Goals: map[string]db.Level{"oral": b1}}, "goal_oral", "plan.no_norskmal"},
		{"no norskmål under integreringsloven", integ, plan("2026-06-30", nil), "goal_listening", "plan.norskmal_required"},
		{"longer than § 14 allows", integ, plan("2027-01-07", map[string]db.Level{"oral": b1}), "original_end", "participant.too_long"},
		{"shorter than 3 months", integ, plan("2025-03-01", map[string]db.Level{"oral": b1}), "original_end", "participant.too_short"},
		{"plan before the decision", integ, db.PlanInput{DecidedOn: d("2025-01-07"), PlanDate: d("2025-01-06"), OriginalEnd: d("2026-06-30"),
			GoalCategory: "work_or_education", Goals: map[string]db.Level{"oral": b1}}, "plan_date", "plan.before_decision"},
		{"an unknown activity", integ, db.PlanInput{DecidedOn: d("2025-01-02"), PlanDate: d("2025-01-06"), OriginalEnd: d("2026-06-30"),
			GoalCategory: "work_or_education", Goals: map[string]db.Level{"oral": b1},
			Activities: []db.PlanActivity{{Kind: "holiday", StartsOn: d("2025-02-01"), EndsOn: d("2025-03-01")}}}, "activity_0_kind", "form.choose"},
		{"kap. 6A after its end", late, db.PlanInput{DecidedOn: d("2026-07-30"), PlanDate: d("2026-08-03"), OriginalEnd: d("2027-06-30"),
			GoalCategory: "work_or_education"}, "plan_date", "plan.rule_expired"},
	} {
		if err := st.SavePlan(ctx, c.id, adviser, c.in, ""); !fieldErr(err, c.field, c.code) {
			t.Errorf("%s: %v, want %s beside %s", c.name, err, c.code, c.field)
		}
	}
	if err := st.SavePlan(ctx, integ, other, plan("2026-06-30", map[string]db.Level{"oral": b1}), ""); err != db.ErrNotFound {
		t.Errorf("another adviser's participant: %v", err)
	}
	if n := plans(); n != 0 {
		t.Fatalf("refused plans saved %d rows", n)
	}

	// Kap. 6A without a Norwegian goal: allowed; the end becomes the plan's.
	kapPlan := db.PlanInput{DecidedOn: d("2025-05-28"), PlanDate: d("2025-06-02"), OriginalEnd: d("2026-05-29"), GoalCategory: "work_sector",
		GoalSector: "health", Activities: []db.PlanActivity{
			{Kind: "norwegian", Description: "Norskkurs", StartsOn: d("2025-06-02"), EndsOn: d("2026-05-29")},
			{Kind: "placement", Description: "Språkpraksis", StartsOn: d("2025-09-01"), EndsOn: d("2025-12-19")}}}
	if err := st.SavePlan(ctx, kap, adviser, kapPlan, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	got, err := st.Plan(ctx, kap)
	if err != nil {
		t.Fatal(err)
	}
	if got.HasNorskmal() || got.Version != 1 || len(got.Activities) != 2 || !got.CurrentEnd.Equal(d("2026-05-29")) ||
		got.NextReviewDue == nil || !got.NextReviewDue.Equal(d("2025-12-02")) || got.ConfirmedAt == nil {
		t.Errorf("kap. 6A plan: %+v", got)
	}
	// A second version with an oral goal: both kept, whole.
	kapPlan.Goals, kapPlan.Reason = map[string]db.Level{"oral": db.LevelA2}, "review 2025-12-01"
	if err := st.SavePlan(ctx, kap, adviser, kapPlan, ""); err != nil {
		t.Fatal(err)
	}
	vs, err := st.PlanVersions(ctx, kap)
	if err != nil || len(vs) != 2 || vs[0].Version != 1 || vs[1].Version != 2 || vs[1].Reason != "review 2025-12-01" {
		t.Fatalf("versions: %+v %v", vs, err)
	}
	for _, want := range []string{`"oral": null`, `"kind": "placement"`, `"goal_sector": "health"`} {
		if !contains(vs[0].Content, want) {
			t.Errorf("version 1 lacks %s: %s", want, vs[0].Content)
		}
	}
	if !contains(vs[1].Content, `"oral": "a2"`) {
		t.Errorf("version 2 lacks its goal: %s", vs[1].Content)
	}
	if n := auditActions(t, st, "participant", kap)["participant.plan"]; n != 2 {
		t.Errorf("%d plan audit rows, want 2", n)
	}

	// Reviews: not before the plan's date, not in the future; the next is
	// due 6 months later unless set.
	for _, c := range []struct {
		in          db.ReviewInput
		field, code string
	}{
		{db.ReviewInput{HeldOn: d("2025-05-30"), TookPart: []string{"participant", "adviser"}}, "held_on", "plan.review_before_plan"},
		{db.ReviewInput{HeldOn: st.Today().AddDate(0, 0, 1), TookPart: []string{"adviser"}}, "held_on", "plan.review_in_future"},
		{db.ReviewInput{HeldOn: d("2025-12-01")}, "took_part", "form.required"},
		{db.ReviewInput{HeldOn: d("2025-12-01"), TookPart: []string{"employer"}}, "took_part", "form.choose"},
		{db.ReviewInput{HeldOn: d("2025-12-01"), TookPart: []string{"adviser"}, NextDue: dp("2025-12-01")}, "next_review_due", "plan.next_review_before"},
	} {
		if _, err := st.RecordPlanReview(ctx, kap, adviser, c.in, ""); !fieldErr(err, c.field, c.code) {
			t.Errorf("review %+v: %v, want %s beside %s", c.in, err, c.code, c.field)
		}
	}
	if _, err := st.RecordPlanReview(ctx, kap, adviser, db.ReviewInput{HeldOn: d("2025-12-01"), TookPart: []string{"participant", "adviser", "interpreter"},
		Changes: "Muntlig mål A2 lagt til"}, ""); err != nil {
		t.Fatal(err)
	}
	rs, err := st.PlanReviews(ctx, kap)
	if err != nil || len(rs) != 1 || !rs[0].NextReviewDue.Equal(d("2026-06-01")) || len(rs[0].TookPart) != 3 {
		t.Errorf("reviews: %+v %v", rs, err)
	}
	if got, _ := st.Plan(ctx, kap); got.NextReviewDue == nil || !got.NextReviewDue.Equal(d("2026-06-01")) {
		t.Errorf("plan's next review: %v, want 2026-06-01", got.NextReviewDue)
	}
	// Due on 2026-06-01: not on 2026-05-31, on that day and after.
	for day, want := range map[string]int{"2026-05-31": 0, "2026-06-01": 1, "2026-09-01": 1} {
		due, err := st.PlanReviewsDue(ctx, d(day))
		n := 0
		for _, r := range due {
			if r.ParticipantID == kap {
				n++
				if !r.DueOn.Equal(d("2026-06-01")) || r.AdviserID != adviser {
					t.Errorf("review due: %+v", r)
				}
			}
		}
		if err != nil || n != want {
			t.Errorf("reviews due on %s: %d of Kap, %v; want %d", day, n, err, want)
		}
	}
}

// TestLeaveAndExtension: leave moves the current end by its length,
// overlapping leave is refused by the database, an extension adds its
// months within the rule's maximum; the original end stays.
func TestLeaveAndExtension(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	adviser, other := newStaff(t, st, db.RoleAdviser), newStaff(t, st, db.RoleAdviser)
	p := registered(t, st, adviser, "Permisjon", db.RegimeIntegration, "primary", "2025-01-06", "2026-01-01", "active")
	if _, err := st.AddLeave(ctx, p, adviser, db.LeaveInput{Kind: "parental", FromDate: d("2025-06-02"), ToDate: d("2025-08-30"), DecidedOn: d("2025-05-20")}, ""); err != db.ErrNoPlan {
		t.Errorf("leave without a plan: %v", err)
	}
	if err := st.SavePlan(ctx, p, adviser, db.PlanInput{DecidedOn: d("2025-01-02"), PlanDate: d("2025-01-06"), OriginalEnd: d("2026-12-31"),
		GoalCategory: "work_or_education", Goals: map[string]db.Level{"oral": db.LevelA2}}, ""); err != nil {
		t.Fatal(err)
	}
	ends := func() db.ProgrammeEnds {
		t.Helper()
		e, err := st.ProgrammeEndsOf(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if !e.Derived.Equal(e.Current) {
			t.Errorf("stored end %s, derived %s", e.Current.Format("2006-01-02"), e.Derived.Format("2006-01-02"))
		}
		return e
	}
	// 1 June – 29 August 2025: 30 + 31 + 29 = 90 days. 31.12.2026 + 90
	// days = 31.03.2027.
	if _, err := st.AddLeave(ctx, p, adviser, db.LeaveInput{Kind: "parental", FromDate: d("2025-06-01"), ToDate: d("2025-08-29"), DecidedOn: d("2025-05-20")}, ""); err != nil {
		t.Fatal(err)
	}
	if e := ends(); !e.Original.Equal(d("2026-12-31")) || !e.Current.Equal(d("2027-03-31")) {
		t.Errorf("after 90 days of leave: original %s, current %s; want 2026-12-31, 2027-03-31", e.Original, e.Current)
	}
	for _, c := range []struct {
		in          db.LeaveInput
		field, code string
	}{
		{db.LeaveInput{Kind: "welfare", FromDate: d("2025-08-29"), ToDate: d("2025-09-05"), DecidedOn: d("2025-08-20")}, "from_date", "leave.overlap"},
		{db.LeaveInput{Kind: "welfare", FromDate: d("2025-05-01"), ToDate: d("2025-06-01"), DecidedOn: d("2025-04-20")}, "from_date", "leave.overlap"},
		{db.LeaveInput{Kind: "holiday", FromDate: d("2025-10-01"), ToDate: d("2025-10-02"), DecidedOn: d("2025-09-20")}, "kind", "form.choose"},
		{db.LeaveInput{Kind: "welfare", FromDate: d("2025-10-02"), ToDate: d("2025-10-01"), DecidedOn: d("2025-09-20")}, "to_date", "leave.to_before_from"},
		{db.LeaveInput{Kind: "welfare", FromDate: d("2024-10-01"), ToDate: d("2024-10-02"), DecidedOn: d("2024-09-20")}, "from_date", "leave.outside_programme"},
		{db.LeaveInput{Kind: "welfare", FromDate: d("2025-10-01"), ToDate: d("2025-10-02")}, "decided_on", "form.required"},
	} {
		if _, err := st.AddLeave(ctx, p, adviser, c.in, ""); !fieldErr(err, c.field, c.code) {
			t.Errorf("leave %+v: %v, want %s beside %s", c.in, err, c.code, c.field)
		}
	}
	if _, err := st.AddLeave(ctx, p, other, db.LeaveInput{Kind: "welfare", FromDate: d("2025-10-01"), ToDate: d("2025-10-02"), DecidedOn: d("2025-09-20")}, ""); err != db.ErrNotFound {
		t.Errorf("another adviser's leave: %v", err)
	}
	if ls, _ := st.Leaves(ctx, p); len(ls) != 1 || ls[0].Days() != 90 {
		t.Errorf("leave after refusals: %+v", ls)
	}

	// An extension of 6 months: 31.12.2026 + 6 months = 30.06.2027, + 90
	// days of leave = 28.09.2027. § 14 allows 12 months in all.
	if _, err := st.AddExtension(ctx, p, adviser, db.ExtensionInput{DecidedOn: d("2026-10-01"), Months: 6, Reason: "Fullføre fagbrev"}, ""); err != nil {
		t.Fatal(err)
	}
	if e := ends(); !e.Original.Equal(d("2026-12-31")) || !e.Current.Equal(d("2027-09-28")) {
		t.Errorf("after the extension: original %s, current %s; want 2026-12-31, 2027-09-28", e.Original, e.Current)
	}
	for _, c := range []struct {
		in          db.ExtensionInput
		field, code string
	}{
		{db.ExtensionInput{DecidedOn: d("2026-11-01"), Months: 7, Reason: "Mer tid"}, "months", "extension.over_max"},
		{db.ExtensionInput{DecidedOn: d("2026-11-01"), Months: 2, Reason: " "}, "reason", "form.required"},
		{db.ExtensionInput{DecidedOn: d("2026-11-01"), Months: 0, Reason: "Mer tid"}, "months", "extension.months_range"},
	} {
		if _, err := st.AddExtension(ctx, p, adviser, c.in, ""); !fieldErr(err, c.field, c.code) {
			t.Errorf("extension %+v: %v, want %s beside %s", c.in, err, c.code, c.field)
		}
	}
	if e := ends(); !e.Current.Equal(d("2027-09-28")) {
		t.Errorf("refused extensions moved the end to %s", e.Current)
	}
	if xs, _ := st.Extensions(ctx, p); len(xs) != 1 {
		t.Errorf("%d extensions, want 1", len(xs))
	}
	a := auditActions(t, st, "participant", p)
	if a["participant.leave"] != 1 || a["participant.extension"] != 1 {
		t.Errorf("audit: %v", a)
	}
	// The database refuses overlapping leave from any writer.
	if _, err := st.DB.Exec(`INSERT INTO programme_leave (participant_id, kind, from_date, to_date, decided_on)
		VALUES ($1, 'other', '2025-07-01', '2025-07-02', '2025-06-20')`, p); err == nil {
		t.Error("an overlapping leave row was inserted around the Store")
	}
}
