package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"praksis/db"
)

// ruleForm is a valid new programme row for a key no other test uses
// (integreringsloven § 14, sluttmål higher education), in 2031.
func ruleForm() url.Values {
	return url.Values{"regime": {db.RegimeIntegration}, "track": {db.TrackS14}, "goal_category": {"higher_education"},
		"min_age": {"18"}, "max_age": {"55"}, "min_months": {"3"}, "max_months": {"30"}, "extension_months": {"12"},
		"valid_from": {"2031-01-01"}, "valid_to": {"2031-12-31"}, "norskmal": {"required"}, "leave_extends": {"on"},
		"source": {"Testvedtak 2031"}}
}

// tableByID is the text of the table with the id on a page (unescaped,
// tags kept), failing the test when there is none.
func tableByID(t *testing.T, res response, id string) string {
	t.Helper()
	_, table, ok := strings.Cut(res.text(), `id="`+id+`"`)
	if !ok {
		t.Fatalf("no table #%s on the page", id)
	}
	table, _, _ = strings.Cut(table, "</table>")
	return table
}

// The admin's rule page: every row with its source and badges (the seeded
// kap. 6A row expired, the defaults to confirm), the preview of whom a
// row affects (saving nothing), a row added and audited, thresholds
// added, and bad input refused beside its field in nb and en with nothing
// changed. The menu links the page for admins only.
func TestAdminRules(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.createUser(db.RoleAdmin)
	a := ta.sessionFor(admin)
	adviser := ta.sessionFor(ta.createUser(db.RoleAdviser))

	res := a.get("/admin/rules")
	if res.status != http.StatusOK || !strings.Contains(res.body, `href="/admin/rules"`) {
		t.Fatalf("rules page: %d, or no menu link", res.status)
	}
	for _, want := range []string{msg(t, "nb", "admin.rules.expired"), msg(t, "nb", "admin.rules.confirm"), "30.06.2026",
		"IMDi", msg(t, "nb", "participant.legal_basis.collective_protection"), msg(t, "nb", "placement.kind.arbeidstrening")} {
		if !strings.Contains(res.text(), want) {
			t.Errorf("rules page lacks %q", want)
		}
	}
	// The absence rules per regime and the national target, read-only,
	// each with its dates and named source. An absence row's valid_to is
	// its first day out of force: a row ending before 11.03.2022 shows
	// 10.03.2022 as its last day, as the other tables' inclusive dates do.
	ta.exec(`INSERT INTO absence_rules (regime, valid_from, valid_to, egenmelding_max_days, egenmelding_after_weeks,
		egenmelding_max_times, egenmelding_window_months, egenmelding_min_gap_days, sick_child_days, sick_child_days_many_children,
		sick_child_days_single, sick_child_days_single_many, source)
		VALUES ('kap6a', '2022-01-01', '2022-03-11', 2, 4, 3, 12, 16, 10, 15, 20, 30, 'Testkilde fravær 2022')`)
	t.Cleanup(func() { ta.exec(`DELETE FROM absence_rules WHERE source = 'Testkilde fravær 2022'`) })
	res = a.get("/admin/rules")
	absence, targets := tableByID(t, res, "absence-rules"), tableByID(t, res, "kpi-targets")
	for _, want := range []string{"IMDi: fravær i introduksjonsprogrammet (integreringsloven)", "IMDi: fravær, integreringsloven kapittel 6A",
		msg(t, "nb", "participant.regime.introduksjonsloven"), "11.03.2022–" + msg(t, "nb", "admin.rules.open"),
		"Testkilde fravær 2022", "01.01.2022–10.03.2022", "Inntil 3 dager om gangen", "tidligst etter 8 uker", "høyst 4 ganger på 12 måneder",
		"10, 15 med flere enn to barn; alene om omsorgen 20, 30"} {
		if !strings.Contains(absence, want) {
			t.Errorf("absence rules lack %q:\n%s", want, absence)
		}
	}
	for _, want := range []string{msg(t, "nb", "admin.kpi.metric_work_edu_1y"), "<td>70 %</td>", "01.09.2004–" + msg(t, "nb", "admin.rules.open"),
		"Nasjonalt mål: 70 % av deltakerne i arbeid eller utdanning ett år etter", msg(t, "nb", "admin.rules.confirm")} {
		if !strings.Contains(targets, want) {
			t.Errorf("national targets lack %q:\n%s", want, targets)
		}
	}

	// The § 14 row for the sluttmål upper secondary names it.
	if strings.Contains(res.text(), "participant.goal_category.") || !strings.Contains(res.text(), msg(t, "nb", "participant.goal_category.upper_secondary")) {
		t.Error("a row's sluttmål is not named")
	}
	if res := adviser.get("/"); strings.Contains(res.body, `href="/admin/rules"`) {
		t.Error("an adviser's menu links the rules page")
	}

	// Preview: a kap. 6A participant planned for nine months from a month
	// ago falls outside a row allowing 3–6 months in those dates.
	ensureKap6ARule(ta)
	last := unique("Preview")
	createParticipant(t, adviser, kap6aForm("Olha", last))
	preview := url.Values{"regime": {db.RegimeKap6A}, "track": {db.TrackAny}, "min_age": {"18"}, "max_age": {"55"},
		"min_months": {"3"}, "max_months": {"6"}, "extension_months": {"0"}, "valid_from": {ymd(today().AddDate(0, -2, 0))},
		"valid_to": {ymd(today())}, "norskmal": {"optional"}, "source": {"Forhåndsvisning"}}
	rules := ta.count("programme_rules")
	res = a.post("/admin/rules/preview", preview)
	if res.status != http.StatusOK || !strings.Contains(res.text(), "Olha "+last) || !strings.Contains(res.text(), msg(t, "nb", "admin.rules.outside")) {
		t.Errorf("preview: %d, the participant or the outside mark missing", res.status)
	}
	if n := ta.count("programme_rules"); n != rules {
		t.Errorf("the preview saved a row: %d rows, %d before", n, rules)
	}

	// Bad input, both languages: beside the field, nothing saved.
	set := func(k, v string) url.Values {
		f := ruleForm()
		f.Set(k, v)
		return f
	}
	cases := []struct {
		name, path, field, msgID string
		form                     url.Values
	}{
		{"longest before shortest", "/admin/rules", "max_months", "rule.months_range", set("max_months", "2")},
		{"a track under kap. 6A", "/admin/rules", "track", "rule.track_regime", set("regime", db.RegimeKap6A)},
		{"to before from", "/admin/rules", "valid_to", "rule.to_before_from", set("valid_to", "2030-12-31")},
		{"no source", "/admin/rules", "source", "form.required", set("source", " ")},
		{"preview with a bad age", "/admin/rules/preview", "max_age", "rule.age_range", set("max_age", "17")},
		{"a zero risk horizon", "/admin/rules/measure", "m_risk_horizon_months", "rule.months_range", url.Values{"m_valid_from": {"2035-01-01"},
			"m_risk_horizon_months": {"0"}, "m_pace_window_months": {"6"}, "m_review_interval_months": {"6"}, "m_source": {"Test"}}},
	}
	before := map[string]int{}
	for _, tbl := range []string{"programme_rules", "measure_rules", "audit_log"} {
		before[tbl] = ta.count(tbl)
	}
	for _, lang := range []string{"nb", "en"} {
		ta.exec(`UPDATE users SET locale = $1 WHERE id = $2`, lang, admin.ID)
		for _, k := range cases {
			res := a.post(k.path, k.form)
			if res.status != http.StatusUnprocessableEntity {
				t.Errorf("%s %s: %d, want 422", lang, k.name, res.status)
				continue
			}
			if got := placementFieldError(res.body, k.field); got != msg(t, lang, k.msgID) {
				t.Errorf("%s %s: beside %s %q, want %q", lang, k.name, k.field, got, msg(t, lang, k.msgID))
			}
		}
	}
	for tbl, n := range before {
		if got := ta.count(tbl); got != n {
			t.Errorf("refused rules changed %s: %d rows, %d before", tbl, got, n)
		}
	}

	// A valid row is saved and audited; the same again overlaps.
	ta.exec(`UPDATE users SET locale = 'nb' WHERE id = $1`, admin.ID)
	if res := a.post("/admin/rules", ruleForm()); res.status != http.StatusSeeOther {
		t.Fatalf("add rule: %d\n%s", res.status, res.text())
	}
	if n := ta.countWhere("programme_rules", "source = 'Testvedtak 2031' AND max_months = 30 AND track = 's14' AND NOT confirm"); n != 1 {
		t.Errorf("saved rows: %d", n)
	}
	if n := ta.countWhere("audit_log", "action = 'programme_rule.create' AND actor_id = $1", admin.ID); n != 1 {
		t.Errorf("rule audit rows: %d", n)
	}
	res = a.get("/admin/rules")
	if !strings.Contains(res.text(), "Testvedtak 2031") || !strings.Contains(res.text(), msg(t, "nb", "flash.rule_saved")) {
		t.Error("the new row or the flash is not shown")
	}
	if res := a.post("/admin/rules", ruleForm()); res.status != http.StatusUnprocessableEntity ||
		placementFieldError(res.body, "valid_from") != msg(t, "nb", "rule.overlap") {
		t.Errorf("overlapping row: %d %q", res.status, placementFieldError(res.body, "valid_from"))
	}

	measure := url.Values{"m_valid_from": {"2035-01-01"}, "m_risk_horizon_months": {"4"}, "m_pace_window_months": {"6"},
		"m_review_interval_months": {"6"}, "m_source": {"Testterskler"}}
	if res := a.post("/admin/rules/measure", measure); res.status != http.StatusSeeOther {
		t.Fatalf("add thresholds: %d\n%s", res.status, res.text())
	}
	if n := ta.countWhere("measure_rules", "source = 'Testterskler' AND risk_horizon_months = 4"); n != 1 {
		t.Errorf("saved thresholds: %d", n)
	}
	if n := ta.countWhere("audit_log", "action = 'measure_rule.create' AND actor_id = $1", admin.ID); n != 1 {
		t.Errorf("threshold audit rows: %d", n)
	}
}
