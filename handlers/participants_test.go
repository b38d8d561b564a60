package handlers

import (
	"context"
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
