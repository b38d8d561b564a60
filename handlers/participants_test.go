package handlers

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"praksis/calendar"
	"praksis/db"
)

// today is the date in Oslo as the app stores dates: midnight UTC.
func today() time.Time {
	n := time.Now().In(calendar.Oslo)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

func ymd(d time.Time) string { return d.Format("2006-01-02") }

// participantInput is a participant with upper secondary education (so
// the default norskmål is B1 in every skill), ten months into a programme
// under the Integration Act with fourteen months left.
func participantInput(first, last string) db.ParticipantInput {
	start := today().AddDate(0, -10, 0)
	return db.ParticipantInput{FirstName: first, LastName: last, BirthYear: 1990, Languages: []string{"uk"},
		Education: "upper_secondary", Regime: "integreringsloven", ProgrammeStart: start, ProgrammeEnd: today().AddDate(0, 14, 0),
		GoalCategory: "work_or_education", Status: "active",
		Goals: map[string]db.Level{"listening": db.LevelB1, "reading": db.LevelB1, "writing": db.LevelB1, "oral": db.LevelB1}}
}

// storeParticipant registers a participant in the adviser's caseload
// through the store (as the adviser's form would).
func (ta *testApp) storeParticipant(adviser db.User, in db.ParticipantInput) int64 {
	ta.t.Helper()
	id, err := ta.store.CreateParticipant(context.Background(), adviser.ID, in, "192.0.2.1")
	if err != nil {
		ta.t.Fatal(err)
	}
	return id
}

// planFromGoals gives a participant an integration plan whose Norwegian
// goals are the ones it was created with (as registration does), for the
// tests of the caseload and the key figures, which measure against the
// plan's goals (issue 14).
func (ta *testApp) planFromGoals(id int64) {
	ta.t.Helper()
	ta.exec(`INSERT INTO integration_plans (participant_id, decided_on, plan_date, original_end, goal_category,
			goal_listening, goal_reading, goal_writing, goal_oral)
		SELECT id, programme_start, programme_start, programme_end, goal_category, goal_listening, goal_reading, goal_writing, goal_oral
		FROM participants WHERE id = $1`, id)
}

// participant reads a participant as stored.
func (ta *testApp) participant(id int64) db.Participant {
	ta.t.Helper()
	p, err := ta.store.ParticipantIn(context.Background(), id, db.Scope{All: true})
	if err != nil {
		ta.t.Fatalf("participant %d: %v", id, err)
	}
	return p
}

// addResult records a Norwegian result through the store.
func (ta *testApp) addResult(id int64, adviser db.User, skill string, level db.Level, on time.Time) {
	ta.t.Helper()
	if err := ta.store.AddResult(context.Background(), id, adviser.ID, skill, level, on, "norskprove", "192.0.2.1"); err != nil {
		ta.t.Fatal(err)
	}
}

// namedUser is a new account of the role with a name of its own.
func (ta *testApp) namedUser(role, name string) db.User {
	ta.t.Helper()
	u := ta.createUser(role)
	ta.exec(`UPDATE users SET name = $1 WHERE id = $2`, name, u.ID)
	u.Name = name
	return u
}

// validParticipantForm is the registration form filled in completely, the
// norskmål left on "default": asylum granted in 2023 gives
// integreringsloven, and with upper secondary education § 13's main rule
// of 6 months.
func validParticipantForm(first, last string) url.Values {
	return url.Values{
		"first_name": {first}, "last_name": {last}, "birth_year": {"1990"}, "languages": {"uk", "ru"},
		"education": {"upper_secondary"}, "legal_basis": {"asylum"}, "permit_date": {"2023-03-01"}, "sex": {"woman"},
		"programme_start": {ymd(today().AddDate(0, -2, 0))}, "programme_end": {ymd(today().AddDate(0, 4, 0))},
		"status": {"active"}, "goal_category": {"work_or_education"}, "goal_sector": {""},
		"goal_listening": {""}, "goal_reading": {""}, "goal_writing": {""}, "goal_oral": {""},
		"municipality": {"Trondheim"}, "address": {"Kongens gate 2"}, "nav_contact": {""},
	}
}

var participantPathRe = regexp.MustCompile(`^/participants/(\d+)$`)

// createParticipant posts the registration form and returns the new
// participant's id from the redirect to the profile.
func createParticipant(t *testing.T, c *client, form url.Values) int64 {
	t.Helper()
	res := c.post("/participants", form)
	if res.status != http.StatusSeeOther {
		t.Fatalf("register participant: %d\n%s", res.status, res.text())
	}
	m := participantPathRe.FindStringSubmatch(res.location())
	if m == nil {
		t.Fatalf("register participant: redirect to %q, want /participants/:id", res.location())
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func pPath(id int64, suffix string) string { return "/participants/" + itoa(id) + suffix }

// participantTables are the rows a refused request must leave alone. In
// audit_log only changes count: a refused request's answer may show the
// participant again, and every such read is logged (TestParticipantAudit
// checks the reads).
var participantTables = []string{"participants", "language_results", "outcomes", "participant_notes", "audit_log"}

const auditChanges = "action NOT IN ('participant.view', 'participant.list', 'participant.audit', 'participant.suggestions', 'participant.plan_view')"

func (ta *testApp) tableCount(tbl string) int {
	if tbl == "audit_log" {
		return ta.countWhere(tbl, auditChanges)
	}
	return ta.count(tbl)
}

func (ta *testApp) participantCounts() map[string]int {
	ta.t.Helper()
	out := map[string]int{}
	for _, tbl := range participantTables {
		out[tbl] = ta.tableCount(tbl)
	}
	return out
}

func (ta *testApp) sameCounts(what string, before map[string]int) {
	ta.t.Helper()
	for _, tbl := range participantTables {
		if n := ta.tableCount(tbl); n != before[tbl] {
			ta.t.Errorf("audit-changes %s: %s has %d rows, %d before", what, tbl, n, before[tbl])
		}
	}
}

// auditRows counts the audit rows about a participant with an action.
func (ta *testApp) auditRows(id int64, action string) int {
	ta.t.Helper()
	return ta.countWhere("audit_log", "entity = 'participant' AND entity_id = $1 AND action = $2", id, action)
}

var caseloadRowRe = regexp.MustCompile(`<a class="ds-link" href="/participants/(\d+)">`)

// caseloadIDs lists the participants of a caseload page, in order.
func caseloadIDs(t *testing.T, res response) []int64 {
	t.Helper()
	if res.status != http.StatusOK {
		t.Fatalf("caseload: %d\n%s", res.status, res.text())
	}
	var out []int64
	for _, m := range caseloadRowRe.FindAllStringSubmatch(res.body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, id)
	}
	return out
}

func sameIDs(got []int64, want ...int64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// keyFigure returns the big number and the line under it of a skill's key
// figure on the profile, decoded.
func keyFigure(t *testing.T, body, label string) (best, sub string) {
	t.Helper()
	re := regexp.MustCompile(`(?s)<p class="key-figure__label">` + regexp.QuoteMeta(html.EscapeString(label)) +
		`</p>\s*<p class="big-number">(.*?)</p>\s*<p class="subtle">(.*?)</p>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no key figure for %s", label)
	}
	return strings.TrimSpace(html.UnescapeString(m[1])), html.UnescapeString(m[2])
}

// Registering: a valid form saves the participant with the norskmål from
// the configurable defaults where the goal is left on "default" and the
// adviser's choice where one is made, and leads to the profile.
func TestParticipantRegister(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.createUser(db.RoleAdviser)
	nav := ta.namedUser(db.RoleNAV, unique("NAV Kontakt "))
	c := ta.sessionFor(adviser)

	if res := c.get("/participants/new"); res.status != http.StatusOK || !strings.Contains(res.body, `<option value="`+itoa(nav.ID)+`"`) {
		t.Fatalf("new form: %d, or the NAV user is not offered", res.status)
	}

	last := unique("Kovalenko")
	form := validParticipantForm("Olena", last)
	form.Set("nav_contact", itoa(nav.ID))
	// The old checkbox is ignored: the grade is set on the protection page
	// only (review finding F4, TestParticipantFormLeavesProtection).
	form.Set("protected_address", "on")
	id := createParticipant(t, c, form)
	p := ta.participant(id)
	if p.AdviserID != adviser.ID || p.FirstName != "Olena" || p.LastName != last || p.BirthYear != 1990 ||
		strings.Join(p.Languages, ",") != "uk,ru" || p.Education != "upper_secondary" || p.Regime != "integreringsloven" ||
		ymd(p.ProgrammeStart) != form.Get("programme_start") || ymd(p.ProgrammeEnd) != form.Get("programme_end") ||
		p.Status != "active" || p.ProtectedAddress || p.Municipality != "Trondheim" || p.Address != "Kongens gate 2" ||
		p.NavContactID == nil || *p.NavContactID != nav.ID {
		t.Errorf("stored participant: %+v", p)
	}
	for _, sk := range db.Skills {
		if p.Goal(sk) != db.LevelB1 {
			t.Errorf("default norskmål for upper secondary, %s: %q, want b1", sk, p.Goal(sk))
		}
	}
	res := c.get(pPath(id, ""))
	if res.status != http.StatusOK || !strings.Contains(res.text(), msg(t, "nb", "flash.participant_saved")) ||
		!strings.Contains(res.text(), "Olena "+last) || !strings.Contains(res.text(), nav.Name) {
		t.Errorf("profile after registering: %d, flash or details missing", res.status)
	}
	if n := ta.countWhere("audit_log", "entity = 'participant' AND entity_id = $1 AND action = 'participant.create' AND actor_id = $2 AND host(ip) = $3",
		id, adviser.ID, c.ip); n != 1 {
		t.Errorf("create audit rows with actor and IP: %d, want 1", n)
	}

	// An explicit goal wins over the default; the others stay default.
	form = validParticipantForm("Ahmad", unique("Rahimi"))
	form.Set("goal_oral", "b2")
	form.Set("goal_reading", "a2")
	form["languages"] = []string{"prs", "prs", "fa"} // a code sent twice counts once
	p = ta.participant(createParticipant(t, c, form))
	if p.GoalOral != db.LevelB2 || p.GoalReading != db.LevelA2 || p.GoalListening != db.LevelB1 || p.GoalWriting != db.LevelB1 {
		t.Errorf("explicit goals: %s %s %s %s", p.GoalListening, p.GoalReading, p.GoalWriting, p.GoalOral)
	}
	if strings.Join(p.Languages, ",") != "prs,fa" {
		t.Errorf("languages: %v", p.Languages)
	}
	if p.NavContactID != nil || p.ProtectedAddress {
		t.Errorf("no NAV contact and no protection asked for: %v %v", p.NavContactID, p.ProtectedAddress)
	}

	// The defaults come from the table, by the rule in force on the
	// programme start: a rule from 2029 applies to a start in 2030 only.
	ta.exec(`INSERT INTO norskmal_defaults (education, skill, level, valid_from) VALUES ('none', 'oral', 'a2', DATE '2029-06-01')`)
	t.Cleanup(func() {
		_, _ = ta.store.DB.Exec(`DELETE FROM norskmal_defaults WHERE valid_from = DATE '2029-06-01'`)
	})
	form = validParticipantForm("Amina", unique("Hassan"))
	form.Set("education", "none")
	form.Set("programme_start", "2030-01-06")
	form.Set("programme_end", "2031-06-30")
	p = ta.participant(createParticipant(t, c, form))
	if p.GoalOral != db.LevelA2 || p.GoalListening != db.LevelA1 || p.GoalReading != db.LevelA1 || p.GoalWriting != db.LevelA1 {
		t.Errorf("defaults from the 2029 rule: %s %s %s %s", p.GoalListening, p.GoalReading, p.GoalWriting, p.GoalOral)
	}
	form.Set("programme_start", ymd(today().AddDate(0, -1, 0)))
	form.Set("programme_end", ymd(today().AddDate(1, 11, 0))) // § 14: at most 24 months
	p = ta.participant(createParticipant(t, c, form))
	if p.GoalOral != db.LevelA1 || p.GoalListening != db.LevelA1 {
		t.Errorf("defaults before the 2029 rule: %s %s", p.GoalListening, p.GoalOral)
	}
}

// Bad input, in both languages: the message from the catalogue beside the
// field, 422, the typed values kept, and nothing saved or logged.
func TestParticipantRegisterBadInput(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.createUser(db.RoleAdviser)
	c := ta.sessionFor(adviser)
	other := ta.createUser(db.RoleAdviser)
	disabledNAV := ta.createUser(db.RoleNAV)
	ta.exec(`UPDATE users SET disabled_at = now() WHERE id = $1`, disabledNAV.ID)
	start := today().AddDate(0, -2, 0)
	ensureKap6ARule(ta)

	type tc struct {
		name, field, msgID string
		set                map[string]string
	}
	cases := []tc{
		{"no first name", "first_name", "form.required", map[string]string{"first_name": "  "}},
		{"no last name", "last_name", "form.required", map[string]string{"last_name": ""}},
		{"long first name", "first_name", "form.too_long", map[string]string{"first_name": strings.Repeat("Å", 101)}},
		{"born 1939", "birth_year", "participant.birth_year_range", map[string]string{"birth_year": "1939"}},
		{"born 2016", "birth_year", "participant.birth_year_range", map[string]string{"birth_year": "2016"}},
		{"birth year not a number", "birth_year", "participant.birth_year_range", map[string]string{"birth_year": "nitten"}},
		{"no birth year", "birth_year", "participant.birth_year_range", map[string]string{"birth_year": ""}},
		{"unknown education", "education", "form.choose", map[string]string{"education": "phd"}},
		{"unknown legal basis", "legal_basis", "form.choose", map[string]string{"legal_basis": "eu"}},
		{"legal basis not recorded", "legal_basis", "participant.basis_needed", map[string]string{"legal_basis": "unknown"}},
		{"no permit date", "permit_date", "form.required", map[string]string{"permit_date": ""}},
		{"unknown sex", "sex", "form.choose", map[string]string{"sex": "x"}},
		{"unknown goal category", "goal_category", "form.choose", map[string]string{"goal_category": "retire"}},
		{"unknown status", "status", "form.choose", map[string]string{"status": "gone"}},
		{"unknown goal level", "goal_oral", "form.choose", map[string]string{"goal_oral": "c2"}},
		{"unknown sector", "goal_sector", "form.choose", map[string]string{"goal_sector": "space"}},
		{"work in a sector without the sector", "goal_sector", "participant.sector_needed", map[string]string{"goal_category": "work_sector"}},
		{"end before start", "programme_end", "participant.end_before_start",
			map[string]string{"programme_start": ymd(start), "programme_end": ymd(start.AddDate(0, 0, -1))}},
		{"end on the start", "programme_end", "participant.end_before_start",
			map[string]string{"programme_start": ymd(start), "programme_end": ymd(start)}},
		{"no start", "programme_start", "form.required", map[string]string{"programme_start": ""}},
		{"impossible start", "programme_start", "placement.date_invalid", map[string]string{"programme_start": "2026-02-30"}},
		{"too long for the Ukraine rules", "programme_end", "participant.too_long",
			map[string]string{"legal_basis": "collective_protection", "permit_date": "2022-04-01", "programme_start": ymd(start), "programme_end": ymd(start.AddDate(0, 24, 0))}},
		{"too long for the Integration Act", "programme_end", "participant.too_long",
			map[string]string{"legal_basis": "asylum", "permit_date": "2023-03-01", "programme_start": ymd(start), "programme_end": ymd(start.AddDate(0, 48, 1))}},
		{"shorter than 3 months", "programme_end", "participant.too_short",
			map[string]string{"legal_basis": "asylum", "permit_date": "2023-03-01", "programme_start": ymd(start), "programme_end": ymd(start.AddDate(0, 2, 0))}},
		{"a Norwegian goal under the Introduction Act", "goal_oral", "plan.no_norskmal",
			map[string]string{"permit_date": "2019-05-01", "goal_oral": "b1"}},
		{"NAV contact is an adviser", "nav_contact", "participant.not_nav", map[string]string{"nav_contact": itoa(other.ID)}},
		{"NAV contact unknown", "nav_contact", "participant.not_nav", map[string]string{"nav_contact": "999999999"}},
		{"NAV contact not a number", "nav_contact", "participant.not_nav", map[string]string{"nav_contact": "nav"}},
		{"NAV contact disabled", "nav_contact", "participant.not_nav", map[string]string{"nav_contact": itoa(disabledNAV.ID)}},
		{"long municipality", "municipality", "form.too_long", map[string]string{"municipality": strings.Repeat("m", 101)}},
		{"long address", "address", "form.too_long", map[string]string{"address": strings.Repeat("a", 201)}},
		{"unknown language", "languages", "form.choose", map[string]string{"languages": "xx"}},
	}
	before := ta.participantCounts()
	for _, lang := range []string{"nb", "en"} {
		ta.exec(`UPDATE users SET locale = $1 WHERE id = $2`, lang, adviser.ID)
		for _, k := range cases {
			form := validParticipantForm("Selam", "Tesfay-"+lang)
			form.Set("permit_date", "2019-05-01") // asylum before 2021: introduksjonsloven
			for f, v := range k.set {
				form.Set(f, v)
			}
			if k.field == "languages" {
				form["languages"] = []string{"uk", "xx"}
			}
			res := c.post("/participants", form)
			if res.status != http.StatusUnprocessableEntity {
				t.Errorf("%s %s: status %d, want 422", lang, k.name, res.status)
				continue
			}
			if got := placementFieldError(res.body, k.field); got != msg(t, lang, k.msgID) {
				t.Errorf("%s %s: message beside %s %q, want %q", lang, k.name, k.field, got, msg(t, lang, k.msgID))
			}
			// The summary at the top links to the field.
			if !strings.Contains(res.body, `href="#f-`+k.field+`"`) {
				t.Errorf("%s %s: the error summary does not link to the field", lang, k.name)
			}
			// What was typed is kept.
			if v, _ := inputValue(res.body, "first_name"); v != html.EscapeString(strings.TrimSpace(form.Get("first_name"))) {
				t.Errorf("%s %s: first name not kept: %q", lang, k.name, v)
			}
			if v, _ := inputValue(res.body, "last_name"); v != "Tesfay-"+lang && k.field != "last_name" {
				t.Errorf("%s %s: last name not kept: %q", lang, k.name, v)
			}
			if k.field != "legal_basis" && !strings.Contains(res.body, `<option value="`+form.Get("legal_basis")+`" selected>`) {
				t.Errorf("%s %s: legal basis not kept", lang, k.name)
			}
			if !strings.Contains(res.body, `value="uk" checked`) {
				t.Errorf("%s %s: languages not kept", lang, k.name)
			}
			if k.name == "too long for the Ukraine rules" &&
				!strings.Contains(res.text(), fill(msg(t, lang, "participant.plan_max_months"), "Months", "12")) {
				t.Errorf("%s: no hint on the longest programme (12 months)", lang)
			}
			if k.name == "too long for the Integration Act" &&
				!strings.Contains(res.text(), fill(msg(t, lang, "participant.plan_max_months"), "Months", "6")) {
				t.Errorf("%s: no hint on the longest programme (§ 13: 6 months)", lang)
			}
		}
	}
	ta.sameCounts("refused registrations", before)
	if n := ta.countWhere("participants", "adviser_id = $1", adviser.ID); n != 0 {
		t.Errorf("refused registrations saved %d participants", n)
	}
	// The longest programme the rule allows is accepted.
	ta.exec(`UPDATE users SET locale = 'nb' WHERE id = $1`, adviser.ID)
	form := validParticipantForm("Selam", "Tesfay")
	form.Set("legal_basis", "collective_protection")
	form.Set("permit_date", "2022-04-01")
	form.Set("programme_start", ymd(start))
	form.Set("programme_end", ymd(start.AddDate(0, 12, 0)))
	createParticipant(t, c, form)
}

// Norwegian results: a date in the future or an unknown skill, level or
// source is refused beside the field; a valid result is recorded, the key
// figures, caseload, timeline and chart follow, and a lower later result
// does not lower the best level.
func TestParticipantResults(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.createUser(db.RoleAdviser)
	c := ta.sessionFor(adviser)
	id := ta.storeParticipant(adviser, participantInput("Dmytro", unique("Shevchenko")))
	ta.planFromGoals(id)
	path := pPath(id, "/results")
	valid := func(skill, level string, on time.Time) url.Values {
		return url.Values{"skill": {skill}, "level": {level}, "taken_on": {ymd(on)}, "source": {"norskprove"}}
	}

	before := ta.participantCounts()
	for _, lang := range []string{"nb", "en"} {
		ta.exec(`UPDATE users SET locale = $1 WHERE id = $2`, lang, adviser.ID)
		for _, k := range []struct {
			name, field, msgID string
			form               url.Values
		}{
			{"tomorrow", "taken_on", "participant.result_future", valid("oral", "a2", today().AddDate(0, 0, 1))},
			{"next year", "taken_on", "participant.result_future", valid("oral", "a2", today().AddDate(1, 0, 0))},
			{"no date", "taken_on", "form.required", url.Values{"skill": {"oral"}, "level": {"a2"}, "source": {"teacher"}}},
			{"impossible date", "taken_on", "placement.date_invalid", url.Values{"skill": {"oral"}, "level": {"a2"}, "taken_on": {"2026-13-01"}, "source": {"teacher"}}},
			{"unknown skill", "skill", "form.choose", valid("speaking", "a2", today())},
			{"unknown level", "level", "form.choose", valid("oral", "c2", today())},
			{"level in capitals", "level", "form.choose", valid("oral", "A2", today())},
			{"unknown source", "source", "form.choose", url.Values{"skill": {"oral"}, "level": {"a2"}, "taken_on": {ymd(today())}, "source": {"self"}}},
		} {
			res := c.post(path, k.form)
			if res.status != http.StatusUnprocessableEntity {
				t.Errorf("%s %s: status %d, want 422", lang, k.name, res.status)
				continue
			}
			if got := placementFieldError(res.body, k.field); got != msg(t, lang, k.msgID) {
				t.Errorf("%s %s: message beside %s %q, want %q", lang, k.name, k.field, got, msg(t, lang, k.msgID))
			}
		}
	}
	ta.sameCounts("refused results", before)
	ta.exec(`UPDATE users SET locale = 'nb' WHERE id = $1`, adviser.ID)

	oral, listening := msg(t, "nb", "skill.oral"), msg(t, "nb", "skill.listening")
	goal := fill(msg(t, "nb", "participants.goal_is"), "Level", "B1")
	best, sub := keyFigure(t, c.get(pPath(id, "")).body, oral)
	if best != "–" || !strings.Contains(sub, goal) || !strings.Contains(sub, fill(msg(t, "nb", "participants.levels_to_go"), "N", "5")) {
		t.Errorf("before any result: %q %q", best, sub)
	}

	steps := []struct {
		level    string
		daysAgo  int
		best, to string // the best level shown and the levels to go ("" when reached)
	}{
		{"a2", 30, "A2", "1"},
		{"b1", 10, "B1", ""},
		{"a1", 0, "B1", ""}, // today is not the future; a lower level keeps the best
	}
	for i, s := range steps {
		res := c.post(path, valid("oral", s.level, today().AddDate(0, 0, -s.daysAgo)))
		if res.status != http.StatusSeeOther || res.location() != pPath(id, "") {
			t.Fatalf("result %s: %d to %q\n%s", s.level, res.status, res.location(), res.text())
		}
		if n := ta.countWhere("language_results", "participant_id = $1", id); n != i+1 {
			t.Errorf("after result %s: %d results", s.level, n)
		}
		if n := ta.countWhere("audit_log", "entity = 'participant' AND entity_id = $1 AND action = 'participant.result' AND actor_id = $2",
			id, adviser.ID); n != i+1 {
			t.Errorf("after result %s: %d result audit rows, want %d", s.level, n, i+1)
		}
		res = c.get(pPath(id, ""))
		if i == 0 && !strings.Contains(res.text(), msg(t, "nb", "flash.result_saved")) {
			t.Error("no flash after recording a result")
		}
		best, sub := keyFigure(t, res.body, oral)
		if best != s.best || !strings.Contains(sub, goal) {
			t.Errorf("after %s: best %q (%q), want %s", s.level, best, sub, s.best)
		}
		if s.to == "" && !strings.Contains(sub, msg(t, "nb", "participants.goal_reached")) {
			t.Errorf("after %s: goal not shown as reached: %q", s.level, sub)
		}
		if s.to != "" && !strings.Contains(sub, fill(msg(t, "nb", "participants.levels_to_go"), "N", s.to)) {
			t.Errorf("after %s: %q, want %s level(s) to go", s.level, sub, s.to)
		}
		// The other skills are untouched.
		if best, _ := keyFigure(t, res.body, listening); best != "–" {
			t.Errorf("listening after an oral result: %q", best)
		}
		// The chart follows: one line (oral), a dot per result.
		if strings.Count(res.body, "<polyline") != 1 || strings.Count(res.body, `<circle class="chart__dot"`) != i+1 {
			t.Errorf("after %s: %d lines and %d dots in the chart, want 1 and %d", s.level,
				strings.Count(res.body, "<polyline"), strings.Count(res.body, `<circle class="chart__dot"`), i+1)
		}
	}

	// The timeline lists every result; the caseload badge shows the best.
	res := c.get(pPath(id, ""))
	for _, s := range steps {
		item := fill(msg(t, "nb", "participants.tl_result"), "Skill", oral, "Level", strings.ToUpper(s.level), "Source", msg(t, "nb", "participant.source.norskprove"))
		if !strings.Contains(res.text(), today().AddDate(0, 0, -s.daysAgo).Format("02.01.2006")+"</span> "+item) {
			t.Errorf("timeline lacks %q", item)
		}
	}
	list := c.get("/participants")
	if !regexp.MustCompile(`(?s)level-badge level-badge--yes"><span class="level-badge__skill" aria-hidden="true">` +
		regexp.QuoteMeta(msg(t, "nb", "skill.oral_short")) + `</span>.*?\s*<span class="level-badge__level">B1/B1</span>`).MatchString(list.body) {
		t.Error("the caseload does not show oral B1 of B1 as reached")
	}
	if r, err := ta.store.CaseloadRowFor(context.Background(), id, db.Scope{AdviserID: adviser.ID}); err != nil ||
		r.Best("oral") != db.LevelB1 || r.Gap("oral") != 0 || r.Gap("listening") != 5 || r.GapTotal == nil || *r.GapTotal != 15 {
		t.Errorf("caseload row: best %s gaps %d/%d total %v (%v)", r.Best("oral"), r.Gap("oral"), r.Gap("listening"), r.GapTotal, err)
	}
}

// Outcomes: a valid one is recorded and listed; an unknown kind, a missing
// date or over-long text is refused beside the field.
func TestParticipantOutcomes(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.createUser(db.RoleAdviser)
	c := ta.sessionFor(adviser)
	id := ta.storeParticipant(adviser, participantInput("Natalia", unique("Melnyk")))
	path := pPath(id, "/outcomes")
	before := ta.participantCounts()
	for _, k := range []struct {
		name, field, msgID string
		form               url.Values
	}{
		{"unknown kind", "kind", "form.choose", url.Values{"kind": {"lottery"}, "from_date": {ymd(today())}}},
		{"no kind", "kind", "form.choose", url.Values{"from_date": {ymd(today())}}},
		{"no date", "from_date", "form.required", url.Values{"kind": {"work_full"}}},
		{"impossible date", "from_date", "placement.date_invalid", url.Values{"kind": {"work_full"}, "from_date": {"31.12.2026"}}},
		{"long employer", "employer", "form.too_long", url.Values{"kind": {"work_full"}, "from_date": {ymd(today())}, "employer": {strings.Repeat("e", 201)}}},
		{"long note", "note", "form.too_long", url.Values{"kind": {"other"}, "from_date": {ymd(today())}, "note": {strings.Repeat("n", 1001)}}},
	} {
		res := c.post(path, k.form)
		if res.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", k.name, res.status)
			continue
		}
		if got := placementFieldError(res.body, k.field); got != msg(t, "nb", k.msgID) {
			t.Errorf("%s: message beside %s %q, want %q", k.name, k.field, got, msg(t, "nb", k.msgID))
		}
	}
	ta.sameCounts("refused outcomes", before)

	res := c.post(path, url.Values{"kind": {"work_part"}, "from_date": {ymd(today().AddDate(0, 0, -3))}, "employer": {"Fjordbyen Bakeri AS"}, "note": {"60 %"}})
	if res.status != http.StatusSeeOther || res.location() != pPath(id, "") {
		t.Fatalf("valid outcome: %d to %q\n%s", res.status, res.location(), res.text())
	}
	if n := ta.countWhere("outcomes", "participant_id = $1 AND kind = 'work_part' AND employer = 'Fjordbyen Bakeri AS' AND recorded_by = $2", id, adviser.ID); n != 1 {
		t.Errorf("stored outcomes: %d", n)
	}
	if n := ta.auditRows(id, "participant.outcome"); n != 1 {
		t.Errorf("outcome audit rows: %d", n)
	}
	res = c.get(pPath(id, ""))
	label := msg(t, "nb", "participant.outcome.work_part")
	if !strings.Contains(res.text(), msg(t, "nb", "flash.outcome_saved")) || !strings.Contains(res.text(), label+" – Fjordbyen Bakeri AS") {
		t.Error("the profile does not list the outcome")
	}
	if list := c.get("/participants"); !strings.Contains(list.text(), label) {
		t.Error("the caseload does not show the outcome")
	}
}

// Notes: the adviser and the linked NAV user add dated notes with their
// names; an empty or over-long note is refused.
func TestParticipantNotes(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.namedUser(db.RoleAdviser, unique("Rådgiver "))
	nav := ta.namedUser(db.RoleNAV, unique("Veileder "))
	in := participantInput("Mariam", unique("Osman"))
	in.NavContactID = &nav.ID
	id := ta.storeParticipant(adviser, in)
	a, n := ta.sessionFor(adviser), ta.sessionFor(nav)
	path := pPath(id, "/notes")

	before := ta.participantCounts()
	for _, k := range []struct {
		name, body, msgID string
	}{
		{"empty", "", "form.required"},
		{"blank", " \n\t ", "form.required"},
		{"too long", strings.Repeat("x", 4001), "form.too_long"},
	} {
		for who, c := range map[string]*client{"adviser": a, "nav": n} {
			res := c.post(path, url.Values{"body": {k.body}})
			if res.status != http.StatusUnprocessableEntity || placementFieldError(res.body, "body") != msg(t, "nb", k.msgID) {
				t.Errorf("%s, %s note: %d %q", who, k.name, res.status, placementFieldError(res.body, "body"))
			}
		}
	}
	ta.sameCounts("refused notes", before)

	for who, c := range map[string]*client{"adviser": a, "nav": n} {
		body := "Samtale med " + who + " om praksis.\nNeste møte om to uker."
		res := c.post(path, url.Values{"body": {body}})
		if res.status != http.StatusSeeOther || res.location() != pPath(id, "") {
			t.Fatalf("%s note: %d %q", who, res.status, res.location())
		}
		res = c.get(pPath(id, ""))
		if !strings.Contains(res.text(), msg(t, "nb", "flash.note_saved")) || !strings.Contains(res.text(), body) {
			t.Errorf("%s: the note is not shown after saving", who)
		}
	}
	if got := ta.countWhere("participant_notes", "participant_id = $1", id); got != 2 {
		t.Errorf("notes: %d, want 2", got)
	}
	if got := ta.countWhere("participant_notes", "participant_id = $1 AND author_id = $2", id, nav.ID); got != 1 {
		t.Errorf("notes by the NAV user: %d", got)
	}
	if got := ta.auditRows(id, "participant.note"); got != 2 {
		t.Errorf("note audit rows: %d", got)
	}
	res := a.get(pPath(id, ""))
	for _, who := range []db.User{adviser, nav} {
		if !strings.Contains(res.text(), who.Name+" ("+msg(t, "nb", "role."+who.Role)+")") {
			t.Errorf("the note's author %s (%s) is not shown", who.Name, who.Role)
		}
	}
	if !strings.Contains(res.text(), time.Now().In(calendar.Oslo).Format("02.01.2006")) {
		t.Error("the note's date is not shown")
	}
}

// Editing: the adviser changes their participant (one audit row); bad
// input changes nothing; another adviser reaching for the participant by
// id gets 404 and changes nothing.
func TestParticipantEdit(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.createUser(db.RoleAdviser)
	id := ta.storeParticipant(owner, participantInput("Yusuf", unique("Al-Sayed")))
	orig := ta.participant(id)
	other := ta.sessionFor(ta.createUser(db.RoleAdviser))
	c := ta.sessionFor(owner)

	form := validParticipantForm("Yusuf", orig.LastName+" Overtatt")
	before := ta.participantCounts()
	for _, r := range []struct{ method, path string }{{"GET", pPath(id, "/edit")}, {"POST", pPath(id, "")}} {
		var res response
		if r.method == "GET" {
			res = other.get(r.path)
		} else {
			res = other.post(r.path, validParticipantForm("Yusuf", orig.LastName+" Overtatt")) // a form of its own: post adds the token
		}
		if res.status != http.StatusNotFound || !strings.Contains(res.text(), msg(t, "nb", "error.not_found")) {
			t.Errorf("another adviser: %s %s: %d, want 404", r.method, r.path, res.status)
		}
		if strings.Contains(res.text(), orig.LastName) {
			t.Errorf("another adviser: %s %s shows the participant", r.method, r.path)
		}
	}
	ta.sameCounts("another adviser's edit", before)
	if p := ta.participant(id); p.LastName != orig.LastName || !p.UpdatedAt.Equal(orig.UpdatedAt) {
		t.Errorf("another adviser changed the participant: %+v", p)
	}

	// The edit form shows the stored values, explicit goals included.
	res := c.get(pPath(id, "/edit"))
	if v, _ := inputValue(res.body, "last_name"); res.status != http.StatusOK || v != html.EscapeString(orig.LastName) {
		t.Fatalf("edit form: %d, last name %q", res.status, v)
	}
	if !strings.Contains(res.body, `<option value="b1" selected>`) {
		t.Error("the edit form does not show the stored goal")
	}
	// Opening the edit form is a read of the participant: one view row.
	before = ta.participantCounts()
	bad := validParticipantForm("Yusuf", "Endret")
	bad.Set("programme_end", ymd(today().AddDate(0, -3, 0)))
	if res := c.post(pPath(id, ""), bad); res.status != http.StatusUnprocessableEntity ||
		placementFieldError(res.body, "programme_end") != msg(t, "nb", "participant.end_before_start") {
		t.Errorf("edit with the end before the start: %d", res.status)
	}
	ta.sameCounts("refused edit", before)
	if p := ta.participant(id); p.LastName != orig.LastName {
		t.Errorf("a refused edit changed the name: %q", p.LastName)
	}

	form.Set("status", "on_leave")
	res = c.post(pPath(id, ""), form)
	if res.status != http.StatusSeeOther || res.location() != pPath(id, "") {
		t.Fatalf("edit: %d %q\n%s", res.status, res.location(), res.text())
	}
	if p := ta.participant(id); p.LastName != orig.LastName+" Overtatt" || p.Status != "on_leave" || p.AdviserID != owner.ID {
		t.Errorf("after the edit: %+v", p)
	}
	if n := ta.countWhere("audit_log", "entity = 'participant' AND entity_id = $1 AND action = 'participant.update' AND actor_id = $2", id, owner.ID); n != 1 {
		t.Errorf("update audit rows: %d, want 1", n)
	}
}

// A protected address: the adviser sees the municipality and address;
// the linked NAV user and an admin see that it is hidden, never the text;
// every list shows the marker and not the data.
func TestParticipantProtectedAddress(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.createUser(db.RoleAdviser)
	nav := ta.createUser(db.RoleNAV)
	in := participantInput("Amina", unique("Skjult"))
	in.NavContactID = &nav.ID
	in.Municipality, in.Address = unique("Hemmeligvik"), unique("Løyndomsveien ")
	id := ta.storeParticipant(adviser, in)
	// The grade is set on the protection page only (SetProtection).
	if _, err := ta.store.SetProtection(context.Background(), id, adviser.ID, db.ProtectionKode7, ""); err != nil {
		t.Fatal(err)
	}
	open := participantInput("Abdi", unique("Apen"))
	open.NavContactID = &nav.ID
	open.Municipality, open.Address = unique("Synligby"), unique("Åpen gate ")
	openID := ta.storeParticipant(adviser, open)

	a, n, admin := ta.sessionFor(adviser), ta.sessionFor(nav), ta.sessionFor(ta.createUser(db.RoleAdmin))
	hidden := msg(t, "nb", "participants.hidden")
	marker := msg(t, "nb", "participants.protected")

	res := a.get(pPath(id, ""))
	if !strings.Contains(res.text(), in.Municipality) || !strings.Contains(res.text(), in.Address) || strings.Contains(res.text(), hidden) {
		t.Error("the adviser does not see the protected address")
	}
	if !strings.Contains(res.text(), marker) {
		t.Error("the adviser's profile does not mark the address as protected")
	}
	if res := a.get(pPath(id, "/edit")); !strings.Contains(res.text(), in.Address) {
		t.Error("the adviser's edit form lacks the address")
	}
	for who, c := range map[string]*client{"nav": n, "admin": admin} {
		res := c.get(pPath(id, ""))
		if res.status != http.StatusOK {
			t.Fatalf("%s: profile %d", who, res.status)
		}
		if strings.Count(res.text(), hidden) != 2 || !strings.Contains(res.text(), marker) {
			t.Errorf("%s: municipality and address not shown as hidden", who)
		}
		if strings.Contains(res.text(), in.Municipality) || strings.Contains(res.text(), in.Address) {
			t.Errorf("%s sees the protected address", who)
		}
		// Not protected: shown to everyone who may see the participant.
		res = c.get(pPath(openID, ""))
		if !strings.Contains(res.text(), open.Municipality) || !strings.Contains(res.text(), open.Address) || strings.Contains(res.text(), hidden) {
			t.Errorf("%s: an unprotected address is hidden", who)
		}
	}
	if res := admin.get(pPath(id, "/audit")); strings.Contains(res.text(), in.Municipality) || strings.Contains(res.text(), in.Address) {
		t.Error("the audit page shows the protected address")
	}
	for who, c := range map[string]*client{"adviser": a, "nav": n, "admin": admin} {
		res := c.get("/participants?q=" + url.QueryEscape(in.LastName))
		if ids := caseloadIDs(t, res); !sameIDs(ids, id) {
			t.Fatalf("%s: caseload search %v", who, ids)
		}
		if !strings.Contains(res.text(), marker) {
			t.Errorf("%s: the caseload has no protected marker", who)
		}
		if strings.Contains(res.text(), in.Municipality) || strings.Contains(res.text(), in.Address) {
			t.Errorf("%s: the caseload shows the protected address", who)
		}
		if res := c.get("/participants?q=" + url.QueryEscape(open.LastName)); strings.Contains(res.text(), marker) {
			t.Errorf("%s: the caseload marks an unprotected participant", who)
		}
	}
}

// Names and notes with markup are shown as text everywhere: caseload,
// profile (the chart's title and its table included), edit form, audit
// page and the admin's list.
func TestParticipantTextEscaped(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.createUser(db.RoleAdviser)
	nav := ta.createUser(db.RoleNAV)
	c := ta.sessionFor(adviser)
	form := validParticipantForm(evilScript, evilQuotes+unique(" x"))
	form.Set("nav_contact", itoa(nav.ID))
	form.Set("municipality", evilQuotes)
	id := createParticipant(t, c, form)
	p := ta.participant(id)
	if p.FirstName != evilScript || !strings.HasPrefix(p.LastName, evilQuotes) {
		t.Fatalf("the name was not stored as typed: %q %q", p.FirstName, p.LastName)
	}
	ta.addResult(id, adviser, "oral", db.LevelA2, today().AddDate(0, 0, -5))
	for _, body := range []string{evilScript, evilQuotes} {
		if res := c.post(pPath(id, "/notes"), url.Values{"body": {body}}); res.status != http.StatusSeeOther {
			t.Fatalf("note: %d", res.status)
		}
	}
	if res := c.post(pPath(id, "/outcomes"), url.Values{"kind": {"other"}, "from_date": {ymd(today())}, "employer": {evilQuotes}, "note": {evilScript}}); res.status != http.StatusSeeOther {
		t.Fatalf("outcome: %d", res.status)
	}
	admin := ta.sessionFor(ta.createUser(db.RoleAdmin))
	n := ta.sessionFor(nav)
	q := "/participants?q=" + url.QueryEscape(strings.ToLower(p.LastName[len(evilQuotes):]))
	pages := map[string]response{
		"caseload":        c.get(q),
		"profile":         c.get(pPath(id, "")),
		"edit form":       c.get(pPath(id, "/edit")),
		"nav caseload":    n.get("/participants"),
		"nav profile":     n.get(pPath(id, "")),
		"admin list":      admin.get(q),
		"admin profile":   admin.get(pPath(id, "")),
		"audit page":      admin.get(pPath(id, "/audit")),
		"invalid re-show": c.post(pPath(id, "/results"), url.Values{"skill": {"oral"}}),
	}
	for name, res := range pages {
		if res.status != http.StatusOK && !(name == "invalid re-show" && res.status == http.StatusUnprocessableEntity) {
			t.Errorf("%s: status %d", name, res.status)
			continue
		}
		if strings.Contains(res.body, "<script>alert") || strings.Contains(res.body, `"quotes" & <b>`) || strings.Contains(res.body, "<b>") {
			t.Errorf("%s: markup from a name or note reached the page unescaped", name)
		}
		if !strings.Contains(res.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: the escaped name is not shown", name)
		}
		if !strings.Contains(res.body, "&#34;quotes&#34; &amp; &lt;b&gt;") {
			t.Errorf("%s: the escaped quotes are not shown", name)
		}
	}
	// The chart's title names the person, escaped, inside the SVG.
	prof := pages["profile"].body
	m := regexp.MustCompile(`<title id="chart-title">([^<]*)</title>`).FindStringSubmatch(prof)
	if m == nil || html.UnescapeString(m[1]) != fill(msg(t, "nb", "participants.chart_title"), "Name", evilScript) {
		t.Errorf("chart title: %v", m)
	}
	// The notes and the outcome are shown once each, as text.
	if strings.Count(pages["profile"].text(), evilScript) < 3 { // heading, chart title, note, outcome note
		t.Error("the note or the outcome is missing from the profile")
	}
}

// The caseload sorts by name, programme end, gap and status through its
// header links (aria-sort follows), filters by status, searches names
// literally, and is scoped: a NAV user sees the linked participants, an
// admin everyone with the adviser.
func TestParticipantCaseload(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.namedUser(db.RoleAdviser, unique("Rådgiver Aas "))
	nav := ta.createUser(db.RoleNAV)
	c := ta.sessionFor(adviser)
	mk := func(first, last string, endDays int, status string, goal db.Level, results db.Level, linked bool) int64 {
		in := participantInput(first, last)
		in.ProgrammeEnd = today().AddDate(0, 0, endDays)
		in.Status = status
		in.Goals = map[string]db.Level{"listening": goal, "reading": goal, "writing": goal, "oral": goal}
		if linked {
			in.NavContactID = &nav.ID
		}
		id := ta.storeParticipant(adviser, in)
		ta.planFromGoals(id)
		if results != "" {
			for _, sk := range db.Skills {
				ta.addResult(id, adviser, sk, results, today().AddDate(0, 0, -20))
			}
		}
		return id
	}
	// name: A B C; end: B C A; gap: C A B; status: B A C.
	pa := mk("Anna", "Aasen", 300, "completed", db.LevelA2, db.LevelA1, true)  // gap 4
	pb := mk("Bente", "Berg", 100, "active", db.LevelA2, "", false)            // gap 16
	pc := mk("Cecilie", "Dahl", 200, "on_leave", db.LevelA1, db.LevelA1, true) // gap 0

	res := c.get("/participants")
	if ids := caseloadIDs(t, res); !sameIDs(ids, pb, pc, pa) {
		t.Errorf("default order (programme end): %v", ids)
	}
	sortLink := func(body, labelID string) (string, string) {
		t.Helper()
		re := regexp.MustCompile(`<th scope="col" aria-sort="([a-z]+)"><a href="([^"]+)">` + regexp.QuoteMeta(html.EscapeString(msg(t, "nb", labelID))) + `</a></th>`)
		m := re.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no sort link for %s", labelID)
		}
		return m[1], html.UnescapeString(m[2])
	}
	if sort, _ := sortLink(res.body, "participants.col_end"); sort != "ascending" {
		t.Errorf("aria-sort of the default column: %s", sort)
	}
	for _, col := range []struct {
		labelID   string
		asc, desc []int64
	}{
		{"participants.col_name", []int64{pa, pb, pc}, []int64{pc, pb, pa}},
		{"participants.col_norwegian", []int64{pc, pa, pb}, []int64{pb, pa, pc}},
		{"participant.status", []int64{pb, pa, pc}, []int64{pc, pa, pb}},
		{"participants.col_end", []int64{pb, pc, pa}, []int64{pa, pc, pb}},
	} {
		_, href := sortLink(c.get("/participants?sort=name&desc=1").body, col.labelID)
		if col.labelID == "participants.col_name" {
			// The name column is already sorted descending here: its link
			// turns it ascending.
			if strings.Contains(href, "desc=1") {
				t.Errorf("the link of the descending column keeps it descending: %s", href)
			}
		}
		res := c.get(href)
		if ids := caseloadIDs(t, res); !sameIDs(ids, col.asc...) {
			t.Errorf("%s ascending (%s): %v, want %v", col.labelID, href, ids, col.asc)
		}
		sort, next := sortLink(res.body, col.labelID)
		if sort != "ascending" {
			t.Errorf("%s ascending: aria-sort %s", col.labelID, sort)
		}
		res = c.get(next)
		if ids := caseloadIDs(t, res); !sameIDs(ids, col.desc...) {
			t.Errorf("%s descending (%s): %v, want %v", col.labelID, next, ids, col.desc)
		}
		if sort, _ := sortLink(res.body, col.labelID); sort != "descending" {
			t.Errorf("%s descending: aria-sort %s", col.labelID, sort)
		}
		if strings.Count(res.body, `aria-sort="none"`) != 3 {
			t.Errorf("%s: the other columns are not aria-sort=none", col.labelID)
		}
	}
	// Unknown sort keys fall back to the programme end.
	if ids := caseloadIDs(t, c.get("/participants?sort=p.id;DROP&desc=1")); !sameIDs(ids, pa, pc, pb) {
		t.Errorf("unknown sort: %v", ids)
	}

	// Status filter, kept in the sort links.
	res = c.get("/participants?status=on_leave")
	if ids := caseloadIDs(t, res); !sameIDs(ids, pc) {
		t.Errorf("status filter: %v", ids)
	}
	if _, href := sortLink(res.body, "participants.col_name"); !strings.Contains(href, "status=on_leave") {
		t.Errorf("the sort link drops the filter: %s", href)
	}
	if ids := caseloadIDs(t, c.get("/participants?status=bogus")); !sameIDs(ids, pb, pc, pa) {
		t.Errorf("unknown status filter: %v", ids)
	}
	// Search: part of a name, case-insensitive, across first and last name.
	for q, want := range map[string][]int64{"berg": {pb}, "ANNA": {pa}, "cecilie dahl": {pc}, "e": {pb, pc, pa}, "zz": nil} {
		res := c.get("/participants?q=" + url.QueryEscape(q))
		if ids := caseloadIDs(t, res); !sameIDs(ids, want...) {
			t.Errorf("search %q: %v, want %v", q, ids, want)
		}
		if len(want) == 0 && !strings.Contains(res.text(), msg(t, "nb", "participants.none_match")) {
			t.Errorf("search %q: no 'none match' message", q)
		}
	}
	// % and _ are literal characters, not wildcards.
	pct := mk("Hundre%", "Prosent", 400, "active", db.LevelA1, "", false)
	und := mk("Under_", "Strek", 500, "active", db.LevelA1, "", false)
	for q, want := range map[string][]int64{"%": {pct}, "_": {und}, "e%": {pct}, "r_": {und}, "a_a": nil} {
		if ids := caseloadIDs(t, c.get("/participants?q="+url.QueryEscape(q))); !sameIDs(ids, want...) {
			t.Errorf("search %q: %v, want %v", q, ids, want)
		}
	}

	// The NAV user: only the linked participants, no register button.
	res = ta.sessionFor(nav).get("/participants?sort=name")
	if ids := caseloadIDs(t, res); !sameIDs(ids, pa, pc) {
		t.Errorf("NAV list: %v, want the two linked", ids)
	}
	if strings.Contains(res.body, `href="/participants/new"`) || !strings.Contains(res.text(), msg(t, "nb", "participants.nav_heading")) {
		t.Error("the NAV list offers registering, or has the wrong heading")
	}
	if ids := caseloadIDs(t, ta.sessionFor(ta.createUser(db.RoleNAV)).get("/participants")); len(ids) != 0 {
		t.Errorf("an unlinked NAV user sees %v", ids)
	}
	// Another adviser sees none of these.
	if ids := caseloadIDs(t, ta.sessionFor(ta.createUser(db.RoleAdviser)).get("/participants")); len(ids) != 0 {
		t.Errorf("another adviser sees %v", ids)
	}
	// The admin: everyone (here searched by name), with the adviser column.
	other := ta.namedUser(db.RoleAdviser, unique("Rådgiver Berg "))
	theirs := ta.storeParticipant(other, participantInput("Bente", "Bergersen"))
	res = ta.sessionFor(ta.createUser(db.RoleAdmin)).get("/participants?q=berg&sort=name")
	ids := caseloadIDs(t, res)
	seen := map[int64]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	if !seen[pb] || !seen[theirs] {
		t.Errorf("admin list: %v lacks %d or %d", ids, pb, theirs)
	}
	if !strings.Contains(res.text(), msg(t, "nb", "participants.col_adviser")) || !strings.Contains(res.text(), adviser.Name) || !strings.Contains(res.text(), other.Name) {
		t.Error("the admin list has no adviser column with the advisers' names")
	}
	if strings.Contains(c.get("/participants").text(), "<th scope=\"col\">"+msg(t, "nb", "participants.col_adviser")) {
		t.Error("the adviser's own list has an adviser column")
	}
}

// The audit log: each profile view leaves exactly one row, each change one
// row of its action, a refused change none; the admin reads them with the
// actors' names at /participants/:id/audit.
func TestParticipantAudit(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.namedUser(db.RoleAdviser, unique("Revisjon Rådgiver "))
	nav := ta.namedUser(db.RoleNAV, unique("Revisjon Veileder "))
	adminUser := ta.namedUser(db.RoleAdmin, unique("Revisjon Admin "))
	newAdviser := ta.createUser(db.RoleAdviser)
	c, n, admin := ta.sessionFor(adviser), ta.sessionFor(nav), ta.sessionFor(adminUser)

	form := validParticipantForm("Zahra", unique("Karimi"))
	form.Set("nav_contact", itoa(nav.ID))
	id := createParticipant(t, c, form)
	rows := func() int { return ta.countWhere("audit_log", "entity = 'participant' AND entity_id = $1", id) }
	if rows() != 1 || ta.auditRows(id, "participant.create") != 1 {
		t.Fatalf("after registering: %d rows", rows())
	}
	type step struct {
		name, action string
		by           *client
		actor        db.User
		do           func(*client) response
		status       int
	}
	get := func(path string) func(*client) response { return func(c *client) response { return c.get(path) } }
	post := func(path string, f url.Values) func(*client) response {
		return func(c *client) response { return c.post(path, f) }
	}
	steps := []step{
		{"adviser views", "participant.view", c, adviser, get(pPath(id, "")), 200},
		{"NAV views", "participant.view", n, nav, get(pPath(id, "")), 200},
		{"admin views", "participant.view", admin, adminUser, get(pPath(id, "")), 200},
		{"update", "participant.update", c, adviser, post(pPath(id, ""), form), 303},
		{"result", "participant.result", c, adviser, post(pPath(id, "/results"), url.Values{"skill": {"oral"}, "level": {"a1"}, "taken_on": {ymd(today())}, "source": {"teacher"}}), 303},
		{"outcome", "participant.outcome", c, adviser, post(pPath(id, "/outcomes"), url.Values{"kind": {"education"}, "from_date": {ymd(today())}}), 303},
		{"adviser note", "participant.note", c, adviser, post(pPath(id, "/notes"), url.Values{"body": {"Notat"}}), 303},
		{"NAV note", "participant.note", n, nav, post(pPath(id, "/notes"), url.Values{"body": {"Notat fra NAV"}}), 303},
		{"reassign", "participant.reassign", admin, adminUser, post(pPath(id, "/reassign"), url.Values{"adviser": {itoa(newAdviser.ID)}}), 303},
		// Refused changes change nothing, but the page they answer with
		// shows the participant again: one view row, no change row.
		{"invalid update", "participant.view", ta.sessionFor(newAdviser), newAdviser, post(pPath(id, ""), url.Values{"first_name": {""}}), 422},
		{"invalid result", "participant.view", ta.sessionFor(newAdviser), newAdviser, post(pPath(id, "/results"), url.Values{"skill": {"oral"}, "level": {"a1"}, "taken_on": {ymd(today().AddDate(0, 0, 2))}, "source": {"teacher"}}), 422},
		{"invalid outcome", "participant.view", ta.sessionFor(newAdviser), newAdviser, post(pPath(id, "/outcomes"), url.Values{"kind": {"x"}}), 422},
		{"invalid note", "participant.view", n, nav, post(pPath(id, "/notes"), url.Values{"body": {""}}), 422},
		{"invalid reassign", "participant.view", admin, adminUser, post(pPath(id, "/reassign"), url.Values{"adviser": {itoa(nav.ID)}}), 422},
		{"old adviser's view (404)", "", c, adviser, get(pPath(id, "")), 404},
	}
	for _, s := range steps {
		total := rows()
		var mine int
		if s.action != "" {
			mine = ta.countWhere("audit_log", "entity = 'participant' AND entity_id = $1 AND action = $2 AND actor_id = $3 AND host(ip) = $4",
				id, s.action, s.actor.ID, s.by.ip)
		}
		res := s.do(s.by)
		if res.status != s.status {
			t.Fatalf("%s: %d, want %d\n%s", s.name, res.status, s.status, res.text())
		}
		want := total
		if s.action != "" {
			want++
			if got := ta.countWhere("audit_log", "entity = 'participant' AND entity_id = $1 AND action = $2 AND actor_id = $3 AND host(ip) = $4",
				id, s.action, s.actor.ID, s.by.ip); got != mine+1 {
				t.Errorf("%s: %d new %s rows by the actor from %s, want 1", s.name, got-mine, s.action, s.by.ip)
			}
		}
		if got := rows(); got != want {
			t.Errorf("%s: %d new audit rows, want %d", s.name, got-total, want-total)
		}
	}

	// The admin's audit page lists them, newest first, with names.
	res := admin.get(pPath(id, "/audit"))
	if res.status != http.StatusOK {
		t.Fatalf("audit page: %d", res.status)
	}
	text := res.text()
	for _, s := range steps {
		if s.action == "" {
			continue
		}
		row := s.actor.Name + " (" + msg(t, "nb", "role."+s.actor.Role) + ")</td><td>" + msg(t, "nb", "audit."+s.action) + "</td><td>" + s.by.ip
		if !strings.Contains(text, row) {
			t.Errorf("audit page lacks %q", row)
		}
	}
	if !strings.Contains(text, msg(t, "nb", "audit.participant.create")) {
		t.Error("audit page lacks the registration")
	}
	// The page lists the log as it was; reading it adds one row of its own.
	if got, want := strings.Count(res.body, "<tr><td class=\"nowrap\">"), rows()-1; got != want {
		t.Errorf("audit page has %d rows, the log had %d", got, want)
	}
	if got := ta.auditRows(id, "participant.audit"); got != 1 {
		t.Errorf("reading the audit page left %d rows, want 1", got)
	}
	// Reading the audit page is not itself a profile view: 3 views and
	// the 5 refused changes' pages.
	if got := ta.auditRows(id, "participant.view"); got != 8 {
		t.Errorf("view rows: %d, want 8", got)
	}
	if !strings.Contains(admin.get(pPath(id, "")).body, `href="`+pPath(id, "/audit")+`"`) {
		t.Error("the admin's profile does not link to the audit page")
	}
}

// An admin moves a participant to another adviser: the new one sees it,
// the old one gets 404; a non-adviser or an unknown id is refused.
func TestParticipantReassign(t *testing.T) {
	ta := newTestApp(t)
	from := ta.createUser(db.RoleAdviser)
	to := ta.namedUser(db.RoleAdviser, unique("Ny Rådgiver "))
	disabled := ta.createUser(db.RoleAdviser)
	ta.exec(`UPDATE users SET disabled_at = now() WHERE id = $1`, disabled.ID)
	nav := ta.createUser(db.RoleNAV)
	adminUser := ta.createUser(db.RoleAdmin)
	id := ta.storeParticipant(from, participantInput("Iryna", unique("Bondarenko")))
	admin := ta.sessionFor(adminUser)
	path := pPath(id, "/reassign")

	res := admin.get(pPath(id, ""))
	if !strings.Contains(res.body, `action="`+path+`"`) || !strings.Contains(res.body, `<option value="`+itoa(to.ID)+`"`) {
		t.Fatal("the admin's profile has no reassign form with the advisers")
	}
	if strings.Contains(res.body, `<option value="`+itoa(disabled.ID)+`"`) {
		t.Error("a disabled adviser is offered")
	}
	before := ta.participantCounts()
	for _, lang := range []string{"nb", "en"} {
		ta.exec(`UPDATE users SET locale = $1 WHERE id = $2`, lang, adminUser.ID)
		for name, k := range map[string]struct{ value, msgID string }{
			"a NAV user":         {itoa(nav.ID), "participant.not_adviser"},
			"the admin":          {itoa(adminUser.ID), "participant.not_adviser"},
			"a disabled adviser": {itoa(disabled.ID), "participant.not_adviser"},
			"an unknown id":      {"999999999", "participant.not_adviser"},
			"no choice":          {"", "form.choose"},
			"not a number":       {"x", "form.choose"},
		} {
			res := admin.post(path, url.Values{"adviser": {k.value}})
			if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.text(), msg(t, lang, k.msgID)) {
				t.Errorf("%s: reassign to %s: %d, want 422 with %q", lang, name, res.status, msg(t, lang, k.msgID))
			}
		}
	}
	ta.sameCounts("refused reassignments", before)
	if p := ta.participant(id); p.AdviserID != from.ID {
		t.Fatalf("a refused reassignment moved the participant to %d", p.AdviserID)
	}
	ta.exec(`UPDATE users SET locale = 'nb' WHERE id = $1`, adminUser.ID)

	res = admin.post(path, url.Values{"adviser": {itoa(to.ID)}})
	if res.status != http.StatusSeeOther || res.location() != pPath(id, "") {
		t.Fatalf("reassign: %d %q", res.status, res.location())
	}
	if p := ta.participant(id); p.AdviserID != to.ID {
		t.Errorf("after reassigning: adviser %d, want %d", p.AdviserID, to.ID)
	}
	if n := ta.countWhere("audit_log", "entity = 'participant' AND entity_id = $1 AND action = 'participant.reassign' AND actor_id = $2", id, adminUser.ID); n != 1 {
		t.Errorf("reassign audit rows: %d", n)
	}
	if res := admin.get(pPath(id, "")); !strings.Contains(res.text(), msg(t, "nb", "flash.participant_reassigned")) || !strings.Contains(res.text(), to.Name) {
		t.Error("the profile does not show the move or the new adviser")
	}
	newC, oldC := ta.sessionFor(to), ta.sessionFor(from)
	if res := newC.get(pPath(id, "")); res.status != http.StatusOK || !strings.Contains(res.body, `href="`+pPath(id, "/edit")+`"`) {
		t.Errorf("the new adviser: %d, or cannot edit", res.status)
	}
	if ids := caseloadIDs(t, newC.get("/participants")); !sameIDs(ids, id) {
		t.Errorf("the new adviser's caseload: %v", ids)
	}
	for _, p := range []string{"", "/edit"} {
		if res := oldC.get(pPath(id, p)); res.status != http.StatusNotFound {
			t.Errorf("the old adviser: GET %s: %d, want 404", p, res.status)
		}
	}
	if res := oldC.post(pPath(id, "/notes"), url.Values{"body": {"Fortsatt min?"}}); res.status != http.StatusNotFound {
		t.Errorf("the old adviser adds a note: %d", res.status)
	}
	if ids := caseloadIDs(t, oldC.get("/participants")); len(ids) != 0 {
		t.Errorf("the old adviser's caseload: %v", ids)
	}
}

// The chart: an SVG image titled with the first name, one line per skill
// with results, a dot with a title per result, and a table with every
// result and the goal per skill.
func TestParticipantChart(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.createUser(db.RoleAdviser)
	in := participantInput("Olena", unique("Kovalenko"))
	in.Goals["oral"] = db.LevelB2
	id := ta.storeParticipant(adviser, in)
	c := ta.sessionFor(adviser)

	res := c.get(pPath(id, ""))
	if !strings.Contains(res.text(), msg(t, "nb", "participants.chart_empty")) || strings.Contains(res.body, "<polyline") || strings.Contains(res.body, "<circle") {
		t.Error("a chart without results is not shown as empty")
	}

	type result struct {
		skill string
		level db.Level
		ago   int
	}
	results := []result{
		{"oral", db.LevelA1, 200}, {"listening", db.LevelA1, 200}, {"oral", db.LevelA2, 100},
		{"oral", db.LevelB1, 20}, {"listening", db.LevelUnderA1, 10},
	}
	for _, r := range results {
		ta.addResult(id, adviser, r.skill, r.level, today().AddDate(0, 0, -r.ago))
	}
	res = c.get(pPath(id, ""))
	body := res.body
	i := strings.Index(body, "<svg viewBox")
	if i < 0 {
		t.Fatal("no chart SVG on the profile")
	}
	svg := body[i : i+strings.Index(body[i:], "</svg>")]
	if open := svg[:strings.Index(svg, ">")]; !strings.Contains(open, ` role="img"`) || !strings.Contains(open, `aria-labelledby="chart-title`) {
		t.Errorf("the SVG is not an image labelled by its title: %s", open)
	}
	if m := regexp.MustCompile(`<title id="chart-title">([^<]*)</title>`).FindStringSubmatch(svg); m == nil ||
		html.UnescapeString(m[1]) != fill(msg(t, "nb", "participants.chart_title"), "Name", "Olena") {
		t.Errorf("chart title: %v", m)
	}
	// One polyline per skill with results, in its skill's group.
	if n := strings.Count(svg, "<polyline"); n != 2 {
		t.Errorf("%d polylines, want 2 (oral and listening)", n)
	}
	for _, sk := range db.Skills {
		g := regexp.MustCompile(`(?s)<g class="chart__series chart__series--` + sk + `">(.*?)</g>`).FindStringSubmatch(svg)
		if g == nil {
			t.Fatalf("no series group for %s", sk)
		}
		has := sk == "oral" || sk == "listening"
		if strings.Contains(g[1], "<polyline") != has {
			t.Errorf("%s: polyline present %v, want %v", sk, !has, has)
		}
		if !strings.Contains(g[1], `class="chart__goal"`) {
			t.Errorf("%s: no goal line", sk)
		}
	}
	// A dot per result, each with a title naming skill, level and date.
	dots := regexp.MustCompile(`<circle [^>]*><title>([^<]*)</title></circle>`).FindAllStringSubmatch(svg, -1)
	if len(dots) != len(results) {
		t.Fatalf("%d dots, want %d", len(dots), len(results))
	}
	titles := map[string]bool{}
	for _, d := range dots {
		titles[html.UnescapeString(d[1])] = true
	}
	levelName := func(l db.Level) string { return msg(t, "nb", "level."+string(l)) }
	for _, r := range results {
		title := fill(msg(t, "nb", "participants.chart_dot"), "Skill", msg(t, "nb", "skill."+r.skill), "Level", levelName(r.level),
			"Date", today().AddDate(0, 0, -r.ago).Format("02.01.2006"))
		if !titles[title] {
			t.Errorf("no dot titled %q", title)
		}
	}
	// The oral line rises A1 → A2 → B1: higher on the page is a smaller y.
	pts := regexp.MustCompile(`(?s)chart__series--oral">.*?<polyline class="chart__line" points="([^"]+)"`).FindStringSubmatch(svg)
	if pts == nil {
		t.Fatal("no oral line")
	}
	var ys []float64
	for _, p := range strings.Fields(pts[1]) {
		_, y, _ := strings.Cut(p, ",")
		f, err := strconv.ParseFloat(y, 64)
		if err != nil {
			t.Fatalf("point %q", p)
		}
		ys = append(ys, f)
	}
	for k := 1; k < len(ys); k++ {
		if ys[k] > ys[k-1] {
			t.Errorf("the oral line (best so far) goes down: %v", ys)
		}
	}
	// The listening line holds A1 after the lower under-A1 result.
	lpts := regexp.MustCompile(`(?s)chart__series--listening">.*?<polyline class="chart__line" points="([^"]+)"`).FindStringSubmatch(svg)
	if lpts == nil || len(strings.Fields(lpts[1])) != 2 {
		t.Errorf("listening line: %v (want A1 held to today)", lpts)
	}

	// The table alternative: every result and the goal per skill.
	k := strings.Index(body, `<details class="chart__table">`)
	if k < 0 {
		t.Fatal("no table alternative")
	}
	table := html.UnescapeString(body[k : k+strings.Index(body[k:], "</details>")])
	for _, r := range results {
		row := "<tr><td>" + today().AddDate(0, 0, -r.ago).Format("02.01.2006") + "</td><td>" + msg(t, "nb", "skill."+r.skill) + "</td><td>" +
			levelName(r.level) + "</td><td>" + msg(t, "nb", "participant.source.norskprove") + "</td></tr>"
		if !strings.Contains(table, row) {
			t.Errorf("the table lacks %q", row)
		}
	}
	for _, sk := range db.Skills {
		row := "<td>" + msg(t, "nb", "participants.chart_goal") + "</td><td>" + msg(t, "nb", "skill."+sk) + "</td><td>" + levelName(in.Goals[sk]) + "</td>"
		if !strings.Contains(table, row) {
			t.Errorf("the table lacks the goal row %q", row)
		}
	}
}

// A skill's line is held from its own last result to the chart's end,
// even when another skill's result is later (here after the planned end).
func TestChartHoldsEachSkillToTheEnd(t *testing.T) {
	p := db.Participant{ProgrammeStart: today().AddDate(-2, 0, 0), ProgrammeEnd: today().AddDate(0, -2, 0),
		GoalListening: db.LevelB1, GoalReading: db.LevelB1, GoalWriting: db.LevelB1, GoalOral: db.LevelB1}
	results := []db.LanguageResult{
		{Skill: "oral", Level: db.LevelA2, TakenOn: today().AddDate(-1, 0, 0)},
		{Skill: "listening", Level: db.LevelA1, TakenOn: today().AddDate(0, -1, 0)}, // after the planned end
	}
	c := newChart(p, results, time.Now(), func(id string, _ ...any) string { return id })
	for _, s := range c.Series {
		pts := strings.Fields(s.Points)
		switch s.Skill {
		case "oral":
			if len(pts) != 2 || !strings.HasPrefix(pts[1], strconv.FormatFloat(c.Right, 'f', 1, 64)+",") {
				t.Errorf("oral line %q: want its level held to the chart's right edge (%.1f)", s.Points, c.Right)
			}
		case "listening":
			if len(pts) != 1 || len(s.Dots) != 1 {
				t.Errorf("listening: %q, %d dots", s.Points, len(s.Dots))
			}
		default:
			if s.Points != "" || len(s.Dots) != 0 {
				t.Errorf("%s has a line without results: %q", s.Skill, s.Points)
			}
		}
	}
	if c.ShowToday || c.Empty {
		t.Errorf("today is after the chart (%v), and it has results (%v)", c.ShowToday, c.Empty)
	}
}

// A caseload page shows names, levels and outcomes: each participant on it
// gets one audit row, written in one statement.
func TestCaseloadListIsAudited(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.createUser(db.RoleAdviser)
	a := ta.storeParticipant(adviser, participantInput("Liste", unique("En")))
	b := ta.storeParticipant(adviser, participantInput("Liste", unique("To")))
	if res := ta.sessionFor(adviser).get("/participants"); res.status != http.StatusOK {
		t.Fatalf("caseload: %d", res.status)
	}
	for _, id := range []int64{a, b} {
		if got := ta.countWhere("audit_log", "entity_id = $1 AND action = 'participant.list' AND actor_id = $2", id, adviser.ID); got != 1 {
			t.Errorf("participant %d: %d list rows, want 1", id, got)
		}
	}
	// Another adviser's empty list audits nobody.
	other := ta.createUser(db.RoleAdviser)
	ta.sessionFor(other).get("/participants")
	if got := ta.countWhere("audit_log", "action = 'participant.list' AND actor_id = $1", other.ID); got != 0 {
		t.Errorf("an empty list left %d rows", got)
	}
}

// A caseload longer than a page is paged: a hundred a page, in the sort's
// order across pages, filters kept in the links, only the shown rows
// audited, and a page number out of range shows the nearest page.
func TestCaseloadPages(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.createUser(db.RoleAdviser)
	last := unique("Side")
	var ids []int64
	for i := 0; i < caseloadPageSize+5; i++ {
		ids = append(ids, ta.storeParticipant(adviser, participantInput(fmt.Sprintf("P%03d", i), last)))
	}
	c := ta.sessionFor(adviser)
	first := c.get("/participants?sort=name")
	got := caseloadIDs(t, first)
	if !sameIDs(got, ids[:caseloadPageSize]...) {
		t.Fatalf("page 1 lists %d rows, want the first %d by name", len(got), caseloadPageSize)
	}
	if !strings.Contains(first.text(), "Viser 1–100 av 105 deltakere") || !strings.Contains(first.text(), "Side 1 av 2") {
		t.Errorf("page 1 does not say which rows it shows:\n%s", first.text())
	}
	if !strings.Contains(first.body, `href="/participants?sort=name&amp;page=2" rel="next"`) || strings.Contains(first.body, `rel="prev"`) {
		t.Error("page 1 has no link to page 2, or a link back")
	}
	if n := ta.countWhere("audit_log", "action = 'participant.list' AND actor_id = $1", adviser.ID); n != caseloadPageSize {
		t.Errorf("page 1 audited %d participants, want %d", n, caseloadPageSize)
	}
	second := c.get("/participants?sort=name&page=2")
	if got := caseloadIDs(t, second); !sameIDs(got, ids[caseloadPageSize:]...) {
		t.Fatalf("page 2 lists %v", got)
	}
	if !strings.Contains(second.text(), "Viser 101–105 av 105 deltakere") || !strings.Contains(second.body, `href="/participants?sort=name&amp;page=1" rel="prev"`) || strings.Contains(second.body, `rel="next"`) {
		t.Errorf("page 2 is not the last page:\n%s", second.text())
	}
	// The other direction and a filter carry over to the links.
	desc := c.get("/participants?sort=name&desc=1&status=active")
	if got := caseloadIDs(t, desc); len(got) != caseloadPageSize || got[0] != ids[len(ids)-1] {
		t.Fatalf("descending page 1 starts with %v", got[:1])
	}
	if !strings.Contains(desc.body, `href="/participants?sort=name&amp;desc=1&amp;status=active&amp;page=2"`) {
		t.Error("the next link forgets the direction or the filter")
	}
	for _, q := range []string{"page=99", "page=-3", "page=abc", "page=99999999999999999999"} {
		res := c.get("/participants?sort=name&" + q)
		got := caseloadIDs(t, res)
		if q == "page=99" || q == "page=99999999999999999999" {
			if !sameIDs(got, ids[caseloadPageSize:]...) {
				t.Errorf("%s: %d rows, want the last page", q, len(got))
			}
		} else if !sameIDs(got, ids[:caseloadPageSize]...) {
			t.Errorf("%s: %d rows, want the first page", q, len(got))
		}
	}
	// English says the same.
	c.post("/lang", url.Values{"lang": {"en"}})
	if en := c.get("/participants?sort=name&page=2"); !strings.Contains(en.text(), "Showing 101–105 of 105 participants") || !strings.Contains(en.text(), "Page 2 of 2") {
		t.Errorf("English pager:\n%s", en.text())
	}
}
