package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
)

var kap6aOnce sync.Once

// ensureKap6ARule adds, once per test database, the kap. 6A row after the
// seeded one (which ended 2026-06-30, before this machine's clock), as an
// admin does on /admin/rules: until then a kap. 6A plan dated today is
// refused as under an expired rule.
func ensureKap6ARule(ta *testApp) {
	ta.t.Helper()
	kap6aOnce.Do(func() {
		admin := ta.createUser(db.RoleAdmin)
		lo, hi := 18, 55
		_, err := ta.store.AddProgrammeRule(context.Background(), admin.ID, db.RuleInput{Regime: db.RegimeKap6A, Track: db.TrackAny,
			MinAge: &lo, MaxAge: &hi, MinMonths: 3, MaxMonths: 12, ValidFrom: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
			LeaveExtends: true, Norskmal: db.NorskmalOptional, Source: "test: kapittel 6A forlenget"}, "192.0.2.1")
		var fe *db.FieldError
		if err != nil && !(errors.As(err, &fe) && fe.Code == "rule.overlap") {
			ta.t.Fatal(err)
		}
	})
}

// planState is every plan row of one participant, as text, and their end:
// a refused request must leave it as it was.
func (ta *testApp) planState(id int64) string {
	ta.t.Helper()
	var s string
	err := ta.store.DB.Get(&s, `SELECT concat_ws('|', (SELECT programme_end::text FROM participants WHERE id = $1),
		(SELECT row_to_json(ip)::text FROM integration_plans ip WHERE participant_id = $1),
		(SELECT count(*)::text FROM integration_plan_versions v JOIN integration_plans ip ON ip.id = v.plan_id WHERE ip.participant_id = $1),
		(SELECT count(*)::text FROM plan_reviews r JOIN integration_plans ip ON ip.id = r.plan_id WHERE ip.participant_id = $1),
		(SELECT count(*)::text FROM programme_leave WHERE participant_id = $1),
		(SELECT count(*)::text FROM programme_extensions WHERE participant_id = $1),
		(SELECT count(*)::text FROM audit_log WHERE entity_id = $1 AND `+auditChanges+`))`, id)
	if err != nil {
		ta.t.Fatal(err)
	}
	return s
}

// kap6aForm is the registration of a kap. 6A participant (collective
// protection granted 2022) without a Norwegian goal, programme from a
// month ago for nine months.
func kap6aForm(first, last string) url.Values {
	f := validParticipantForm(first, last)
	f.Set("legal_basis", "collective_protection")
	f.Set("permit_date", "2022-04-01")
	f.Set("education", "primary")
	f.Set("programme_start", ymd(today().AddDate(0, -1, 0)))
	f.Set("programme_end", ymd(today().AddDate(0, 8, 0)))
	return f
}

// Registering a kap. 6A participant without a Norwegian goal makes plan
// version 1 without one; the plan page shows it, its rule (optional goal),
// both ends; leave moves the current end and not the original one; a
// review is recorded; every change is audited; NAV reads without forms.
func TestPlanJourney(t *testing.T) {
	ta := newTestApp(t)
	ensureKap6ARule(ta)
	adviser := ta.createUser(db.RoleAdviser)
	nav := ta.createUser(db.RoleNAV)
	c := ta.sessionFor(adviser)
	form := kap6aForm("Oksana", unique("Melnyk"))
	form.Set("nav_contact", itoa(nav.ID))
	id := createParticipant(t, c, form)
	p := ta.participant(id)
	if p.Regime != db.RegimeKap6A || p.LegalBasis != db.BasisCollective || p.Sex != "woman" || p.PermitDate == nil {
		t.Errorf("derived regime and legal status: %q %q %q %v", p.Regime, p.LegalBasis, p.Sex, p.PermitDate)
	}
	plan, err := ta.store.Plan(context.Background(), id)
	if err != nil || plan.Version != 1 || plan.HasNorskmal() || !plan.OriginalEnd.Equal(today().AddDate(0, 8, 0)) {
		t.Fatalf("plan version 1: %+v %v", plan, err)
	}
	if n := ta.auditRows(id, "participant.create"); n != 1 {
		t.Errorf("registration audit rows: %d", n)
	}

	res := c.get(pPath(id, ""))
	if !strings.Contains(res.body, `href="/participants/`+itoa(id)+`/plan"`) {
		t.Error("the profile does not link the plan")
	}
	res = c.get(pPath(id, "/plan"))
	if res.status != http.StatusOK || !strings.Contains(res.text(), msg(t, "nb", "plan.goals_optional")) ||
		!strings.Contains(res.text(), msg(t, "nb", "plan.version_first")) {
		t.Fatalf("plan page: %d, optional goal or first version missing\n%s", res.status, res.text())
	}

	// Leave of 10 days moves the current end by 10 days.
	from := today().AddDate(0, 1, 0)
	leave := url.Values{"leave_kind": {"parental"}, "leave_from_date": {ymd(from)}, "leave_to_date": {ymd(from.AddDate(0, 0, 9))},
		"leave_decided_on": {ymd(today())}}
	if res := c.post(pPath(id, "/leave"), leave); res.status != http.StatusSeeOther {
		t.Fatalf("leave: %d\n%s", res.status, res.text())
	}
	ends, err := ta.store.ProgrammeEndsOf(context.Background(), id)
	if err != nil || !ends.Original.Equal(today().AddDate(0, 8, 0)) || !ends.Current.Equal(today().AddDate(0, 8, 10)) {
		t.Errorf("ends after leave: %+v %v", ends, err)
	}
	res = c.get(pPath(id, "/plan"))
	for _, want := range []string{`id="original-end">` + ends.Original.Format("02.01.2006"), `id="current-end">` + ends.Current.Format("02.01.2006")} {
		if !strings.Contains(res.body, want) {
			t.Errorf("plan page lacks %s", want)
		}
	}
	if res := c.get(pPath(id, "")); !strings.Contains(res.body, `id="profile-original-end">`+ends.Original.Format("02.01.2006")) ||
		!strings.Contains(res.text(), ends.Current.Format("02.01.2006")) {
		t.Error("the profile does not show the original and the current end")
	}
	if res := c.get(pPath(id, "")); !strings.Contains(res.text(), fill(msg(t, "nb", "participants.tl_leave"), "Kind", msg(t, "nb", "leave.kind.parental"),
		"To", from.AddDate(0, 0, 9).Format("02.01.2006"), "Days", "10")) {
		t.Error("the leave is not on the profile's timeline")
	}

	// The edit form edits the plan's end: it shows the original end, and
	// saving it unchanged keeps the leave (no new version, same ends).
	res = c.get(pPath(id, "/edit"))
	if v, _ := inputValue(res.body, "programme_end"); v != ymd(ends.Original) {
		t.Errorf("edit form's end %q, want the original %s", v, ymd(ends.Original))
	}
	edit := kap6aForm("Oksana", p.LastName)
	edit.Set("nav_contact", itoa(nav.ID))
	edit.Set("municipality", "Malvik")
	if res := c.post(pPath(id, ""), edit); res.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", res.status, res.text())
	}
	if after, err := ta.store.ProgrammeEndsOf(context.Background(), id); err != nil || after != ends {
		t.Errorf("ends after an edit that kept the end: %+v, want %+v (%v)", after, ends, err)
	}
	if pl, _ := ta.store.Plan(context.Background(), id); pl.Version != 1 {
		t.Errorf("an edit that kept the plan made version %d", pl.Version)
	}
	// An edit that moves the end makes version 2; the leave still counts.
	edit.Set("programme_end", ymd(today().AddDate(0, 9, 0)))
	if res := c.post(pPath(id, ""), edit); res.status != http.StatusSeeOther {
		t.Fatalf("edit of the end: %d\n%s", res.status, res.text())
	}
	if after, _ := ta.store.ProgrammeEndsOf(context.Background(), id); !after.Original.Equal(today().AddDate(0, 9, 0)) ||
		!after.Current.Equal(today().AddDate(0, 9, 10)) {
		t.Errorf("ends after moving the end: %+v", after)
	}
	if pl, _ := ta.store.Plan(context.Background(), id); pl.Version != 2 || pl.HasNorskmal() {
		t.Errorf("after moving the end: version %d, goal %v", pl.Version, pl.HasNorskmal())
	}
	res = c.get(pPath(id, "/plan"))
	if !strings.Contains(res.text(), fill(msg(t, "nb", "plan.version_changed"), "Fields", msg(t, "nb", "plan.field.original_end"))) {
		t.Error("version 2 does not say the end changed")
	}

	review := url.Values{"review_held_on": {ymd(today())}, "review_took_part": {"participant", "adviser"}, "review_changes": {"Mer språkpraksis"}}
	if res := c.post(pPath(id, "/plan/reviews"), review); res.status != http.StatusSeeOther {
		t.Fatalf("review: %d\n%s", res.status, res.text())
	}
	res = c.get(pPath(id, "/plan"))
	if !strings.Contains(res.text(), "Mer språkpraksis") || !strings.Contains(res.text(), fill(msg(t, "nb", "plan.review.next_due"), "Date", today().AddDate(0, 6, 0).Format("02.01.2006"))) {
		t.Error("the review or the next one (in six months) is not shown")
	}
	for _, action := range []string{"participant.leave", "participant.plan_review"} {
		if n := ta.auditRows(id, action); n != 1 {
			t.Errorf("%s audit rows: %d", action, n)
		}
	}

	// NAV reads the plan without the forms, and may not post.
	n := ta.sessionFor(nav)
	res = n.get(pPath(id, "/plan"))
	if res.status != http.StatusOK || strings.Contains(res.body, `action="/participants/`+itoa(id)+`/leave"`) ||
		!strings.Contains(res.text(), msg(t, "nb", "plan.read_only")) {
		t.Errorf("NAV's plan page: %d, forms shown or no read-only note", res.status)
	}
}

// Bad input on the plan page, in nb and en: refused beside its field, 422,
// nothing changed.
func TestPlanBadInput(t *testing.T) {
	ta := newTestApp(t)
	ensureKap6ARule(ta)
	adviser := ta.createUser(db.RoleAdviser)
	c := ta.sessionFor(adviser)
	id := createParticipant(t, c, kap6aForm("Iryna", unique("Bondarenko")))
	from := today().AddDate(0, 1, 0)
	if res := c.post(pPath(id, "/leave"), url.Values{"leave_kind": {"welfare"}, "leave_from_date": {ymd(from)},
		"leave_to_date": {ymd(from.AddDate(0, 0, 4))}, "leave_decided_on": {ymd(today())}}); res.status != http.StatusSeeOther {
		t.Fatalf("first leave: %d", res.status)
	}
	// A participant under introduksjonsloven (asylum before 2021): no norskmål.
	intro := validParticipantForm("Ali", unique("Haidari"))
	intro.Set("permit_date", "2019-05-01")
	intro.Set("education", "primary")
	introID := createParticipant(t, c, intro)

	planForm := func(end time.Time) url.Values {
		return url.Values{"decided_on": {ymd(today().AddDate(0, -1, 0))}, "plan_date": {ymd(today().AddDate(0, -1, 0))},
			"original_end": {ymd(end)}, "goal_category": {"work_or_education"}}
	}
	tooLong := planForm(today().AddDate(0, 14, 0))
	withGoal := planForm(today().AddDate(0, 8, 0))
	withGoal.Set("goal_oral", "b1")
	activity := planForm(today().AddDate(0, 8, 0))
	activity.Set("activity_1_kind", "norwegian")
	activity.Set("activity_1_starts_on", ymd(today()))
	activity.Set("activity_1_ends_on", ymd(today().AddDate(0, 0, -1)))
	cases := []struct {
		name, path, field, msgID string
		pid                      int64
		form                     url.Values
	}{
		{"plan end beyond kap. 6A's 12 months", "/plan", "original_end", "participant.too_long", id, tooLong},
		{"a Norwegian goal under introduksjonsloven", "/plan", "goal_oral", "plan.no_norskmal", introID, withGoal},
		{"an activity ending before it starts", "/plan", "activity_1_ends_on", "plan.activity_end_before_start", id, activity},
		{"plan before the decision", "/plan", "plan_date", "plan.before_decision", id, url.Values{"decided_on": {ymd(today())},
			"plan_date": {ymd(today().AddDate(0, 0, -1))}, "original_end": {ymd(today().AddDate(0, 8, 0))}, "goal_category": {"work_or_education"}}},
		{"leave overlapping other leave", "/leave", "leave_from_date", "leave.overlap", id, url.Values{"leave_kind": {"other"},
			"leave_from_date": {ymd(from.AddDate(0, 0, 2))}, "leave_to_date": {ymd(from.AddDate(0, 0, 20))}, "leave_decided_on": {ymd(today())}}},
		{"leave ending before it starts", "/leave", "leave_to_date", "leave.to_before_from", id, url.Values{"leave_kind": {"other"},
			"leave_from_date": {ymd(from.AddDate(0, 2, 0))}, "leave_to_date": {ymd(from.AddDate(0, 1, 0))}, "leave_decided_on": {ymd(today())}}},
		{"review before the plan date", "/plan/reviews", "review_held_on", "plan.review_before_plan", id, url.Values{
			"review_held_on": {ymd(today().AddDate(0, -2, 0))}, "review_took_part": {"adviser"}}},
		{"review in the future", "/plan/reviews", "review_held_on", "plan.review_in_future", id, url.Values{
			"review_held_on": {ymd(today().AddDate(0, 0, 1))}, "review_took_part": {"adviser"}}},
		{"review with nobody", "/plan/reviews", "review_took_part", "form.required", id, url.Values{"review_held_on": {ymd(today())}}},
		{"extension past kap. 6A's none", "/extensions", "ext_months", "extension.over_max", id, url.Values{
			"ext_decided_on": {ymd(today())}, "ext_months": {"3"}, "ext_reason": {"Sykdom"}}},
	}
	before := map[int64]string{id: ta.planState(id), introID: ta.planState(introID)}
	for _, lang := range []string{"nb", "en"} {
		ta.exec(`UPDATE users SET locale = $1 WHERE id = $2`, lang, adviser.ID)
		for _, k := range cases {
			res := c.post(pPath(k.pid, k.path), k.form)
			if res.status != http.StatusUnprocessableEntity {
				t.Errorf("%s %s: status %d, want 422", lang, k.name, res.status)
				continue
			}
			if got := placementFieldError(res.body, k.field); got != msg(t, lang, k.msgID) {
				t.Errorf("%s %s: beside %s %q, want %q", lang, k.name, k.field, got, msg(t, lang, k.msgID))
			}
			if !strings.Contains(res.body, `href="#f-`+k.field+`"`) {
				t.Errorf("%s %s: the error summary does not link to the field", lang, k.name)
			}
		}
	}
	for pid, s := range before {
		if got := ta.planState(pid); got != s {
			t.Errorf("refused plan changes changed participant %d:\n%s\n%s", pid, s, got)
		}
	}
}

// Another adviser reaches no plan: 404 on the page and every form.
func TestPlanOtherAdviser(t *testing.T) {
	ta := newTestApp(t)
	ensureKap6ARule(ta)
	c := ta.sessionFor(ta.createUser(db.RoleAdviser))
	id := createParticipant(t, c, kap6aForm("Nadiia", unique("Shevchuk")))
	other := ta.sessionFor(ta.createUser(db.RoleAdviser))
	before := ta.planState(id)
	if res := other.get(pPath(id, "/plan")); res.status != http.StatusNotFound {
		t.Errorf("other adviser's plan page: %d", res.status)
	}
	for _, path := range []string{"/plan", "/plan/reviews", "/leave", "/extensions"} {
		if res := other.post(pPath(id, path), url.Values{"review_held_on": {ymd(today())}, "review_took_part": {"adviser"}}); res.status != http.StatusNotFound {
			t.Errorf("other adviser POST %s: %d", path, res.status)
		}
	}
	if got := ta.planState(id); got != before {
		t.Errorf("another adviser changed the plan: %s", got)
	}
}

// Before an admin adds the next kap. 6A row, the seeded row (to
// 2026-06-30) has expired for a programme starting after it: the
// registration is refused beside the start, says which rule ended when
// and that an admin must add one, in nb and en, and saves nothing. A
// database of its own: the package's gets the next row.
func TestParticipantRuleExpired(t *testing.T) {
	dbURL, cleanup, err := dbtest.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	ta := newTestAppOn(t, dbURL)
	adviser := ta.createUser(db.RoleAdviser)
	c := ta.sessionFor(adviser)
	form := kap6aForm("Halyna", unique("Kravets"))
	form.Set("programme_start", "2026-08-03")
	form.Set("programme_end", "2027-05-03")
	before := ta.participantCounts()
	for _, lang := range []string{"nb", "en"} {
		ta.exec(`UPDATE users SET locale = $1 WHERE id = $2`, lang, adviser.ID)
		res := c.post("/participants", form)
		if res.status != http.StatusUnprocessableEntity || placementFieldError(res.body, "programme_start") != msg(t, lang, "plan.rule_expired") {
			t.Errorf("%s: %d, beside the start %q", lang, res.status, placementFieldError(res.body, "programme_start"))
		}
		want := fill(msg(t, lang, "participant.rule_expired_on"), "Regime", msg(t, lang, "participant.regime.kap6a"), "Date", "30.06.2026")
		if !strings.Contains(res.text(), want) {
			t.Errorf("%s: the expired rule is not named: want %q", lang, want)
		}
	}
	ta.sameCounts("registration under an expired rule", before)
}
