package handlers

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"praksis/db"
)

func TestInnsyn(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newAbsenceFx()
	fx := privacyFx{adviser: f.adviser, employer: f.employer, participant: f.participant, first: f.first, last: f.last, org: *f.employer.OrganisationID}
	c := ta.sessionFor(f.adviser)
	if res := c.post(fx.path("/consent"), validConsent(fx)); res.status != http.StatusSeeOther {
		t.Fatalf("give consent: %d", res.status)
	}
	if res := c.post(f.absencePath(), map[string][]string{"day": {f.tuesday}, "row": {f.tuesday}, "classification": {db.AbsenceDoctorNote},
		"note": {"Legeerklæring levert"}}); res.status != http.StatusSeeOther {
		t.Fatalf("classify: %d", res.status)
	}

	res := c.get(fx.path("/innsyn"))
	if res.status != http.StatusOK {
		t.Fatalf("innsyn: %d", res.status)
	}
	page := res.text()
	for _, want := range []string{f.first, f.last, f.job, "Trenger korte pauser", "Sa ja i møtet 3. mars", "Legeerklæring levert",
		msg(t, "nb", "innsyn.section.access_log"), msg(t, "nb", "innsyn.section.consents"), msg(t, "nb", "participant.regime.integreringsloven"),
		msg(t, "nb", "absence.class.illness_doctor_note"), msg(t, "nb", "absence.mark.absent_notified"), msg(t, "nb", "audit.participant.consent_given"),
		msg(t, "nb", "consent.how.in_person"), "data-print"} {
		if !strings.Contains(page, want) {
			t.Errorf("innsyn lacks %q", want)
		}
	}
	// No other person's contact data: not the supervisor's e-mail.
	if strings.Contains(page, f.supervisor) {
		t.Error("innsyn shows the supervisor's e-mail address")
	}
	if n := ta.auditRows(f.participant, "participant.innsyn"); n != 1 {
		t.Errorf("%d audit rows after one innsyn", n)
	}

	// In English, whatever the reader's own language.
	en := c.get(fx.path("/innsyn?lang=en")).text()
	for _, want := range []string{strings.ReplaceAll(msg(t, "en", "innsyn.heading"), "{{.Name}}", f.first+" "+f.last),
		msg(t, "en", "innsyn.section.absences"), msg(t, "en", "absence.class.illness_doctor_note")} {
		if !strings.Contains(en, want) {
			t.Errorf("English innsyn lacks %q", want)
		}
	}

	// The machine-readable answer: the same sections, as JSON, a download.
	res = c.get(fx.path("/innsyn.json"))
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") ||
		!strings.Contains(res.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("innsyn.json: %d %s %s", res.status, res.header.Get("Content-Type"), res.header.Get("Content-Disposition"))
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(res.body), &doc); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"person", "consents", "attendance", "absence_classifications", "agreements", "access_log"} {
		if len(doc[key]) < 3 {
			t.Errorf("innsyn.json section %s: %s", key, doc[key])
		}
	}
	if !strings.Contains(string(doc["absence_classifications"]), "illness_doctor_note") || !strings.Contains(string(doc["person"]), f.first) {
		t.Errorf("innsyn.json misses the classification or the person: %s", res.body[:200])
	}
	if n := ta.auditRows(f.participant, "participant.innsyn"); n != 3 {
		t.Errorf("%d audit rows after three answers, want 3", n)
	}

	// The admin may produce it; NAV, the employer and other advisers may not.
	if res := ta.sessionFor(ta.createUser(db.RoleAdmin)).get(fx.path("/innsyn")); res.status != http.StatusOK {
		t.Errorf("admin: %d", res.status)
	}
	for _, who := range []struct {
		name   string
		c      *client
		status int
	}{
		{"the employer", ta.sessionFor(f.employer), http.StatusForbidden},
		{"NAV", ta.sessionFor(ta.createUser(db.RoleNAV)), http.StatusForbidden},
		{"another adviser", ta.sessionFor(ta.createUser(db.RoleAdviser)), http.StatusNotFound},
	} {
		for _, p := range []string{"/innsyn", "/innsyn.json"} {
			if res := who.c.get(fx.path(p)); res.status != who.status {
				t.Errorf("%s %s: %d, want %d", who.name, p, res.status, who.status)
			}
		}
	}
	if n := ta.auditRows(f.participant, "participant.innsyn"); n != 4 {
		t.Errorf("%d audit rows, want 4 (the refused requests write none)", n)
	}
}
