package db_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"praksis/db"
)

// Two years of data: the answer holds every section, nothing of other
// people (a mail's recipient), and is audited. The time is logged, not
// asserted (performance is measured with make bench).
func TestInnsynTwoYears(t *testing.T) {
	f := newAttFixture(t, "2028-06-05")
	ctx := context.Background()
	p := f.participant
	a := f.agreement(p, "2030-06-03", "2030-08-30")
	b := f.agreement(p, "2029-01-07", "2029-06-29")
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := f.st.DB.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	// Every weekday of two years on the earlier agreement, every tenth day absent;
	// an egenmelding day every week from 1 Sep 2028 to 1 May 2030: 607 days, 87 rows.
	exec(`INSERT INTO attendance (agreement_id, day, present, hours, absence)
		SELECT $1, d::date, i % 10 <> 0, CASE WHEN i % 10 <> 0 THEN 7.5 ELSE 0 END, CASE WHEN i % 10 = 0 THEN 'illness' END
		FROM generate_series(DATE '2028-06-05', DATE '2030-06-04', '1 day') WITH ORDINALITY AS g(d, i)
		WHERE extract(isodow FROM d) < 6`, b.ID)
	exec(`INSERT INTO absence_classifications (participant_id, day, classification, classified_by)
		SELECT $1, d::date, 'own_illness_egenmelding', $2 FROM generate_series(DATE '2028-09-01', DATE '2030-05-01', '7 days') d`, p, f.adviser)
	exec(`INSERT INTO audit_log (actor_id, action, entity, entity_id, at)
		SELECT $2, 'participant.view', 'participant', $1, now() - make_interval(days => i) FROM generate_series(1, 730) i`, p, f.adviser)
	exec(`INSERT INTO participant_notes (participant_id, author_id, body)
		SELECT $1, $2, 'Samtale ' || i FROM generate_series(1, 50) i`, p, f.adviser)
	exec(`INSERT INTO language_results (participant_id, skill, level, taken_on, source)
		SELECT $1, s, 'a2', DATE '2028-07-01' + i * 30, 'teacher' FROM generate_series(1, 24) i, unnest('{oral,reading}'::text[]) s`, p)
	exec(`INSERT INTO outbox (dedupe_key, recipient, template, locale, subject, body_text, body_html, participant_id)
		VALUES ('innsyn-test', 'someone.else@example.org', 'proposal', 'nb', 'Nytt forslag: Amal', 'x', 'x', $1)`, p)
	exec(`INSERT INTO evaluations (agreement_id, phase, punctuality, comment) VALUES ($1, 'start', 3, 'God start')`, a.ID)

	admin := newStaff(t, f.st, db.RoleAdmin)
	start := time.Now()
	got, err := f.st.Innsyn(ctx, p, admin, "127.0.0.1")
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("innsyn for two years of data: %v, %d bytes of JSON", took, len(out))
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	lengths := map[string]int{"results": 48, "notes": 50, "agreements": 2, "absence_classifications": 87, "evaluations": 1, "mails": 1}
	for sec, want := range lengths {
		var rows []map[string]any
		if err := json.Unmarshal(doc[sec], &rows); err != nil || len(rows) != want {
			t.Errorf("%s: %d rows, want %d (%v)", sec, len(rows), want, err)
		}
	}
	var att, log []map[string]any
	_ = json.Unmarshal(doc["attendance"], &att)
	_ = json.Unmarshal(doc["access_log"], &log)
	if len(att) < 500 || len(log) < 730 {
		t.Errorf("attendance %d rows, access log %d rows", len(att), len(log))
	}
	if !strings.Contains(string(doc["person"]), `"first_name":"Amal"`) {
		t.Errorf("person: %s", doc["person"])
	}
	if strings.Contains(string(out), "someone.else@example.org") || strings.Contains(string(out), `"ip"`) {
		t.Error("the answer holds other people's data")
	}
	if n := participantAudits(t, f.st, "participant.innsyn", p); n != 1 {
		t.Errorf("innsyn audited %d times", n)
	}
	if _, err := f.st.Innsyn(ctx, -1, admin, ""); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("unknown participant: %v", err)
	}
}
