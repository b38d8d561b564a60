package handlers

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"praksis/calendar"
	"praksis/db"
)

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
