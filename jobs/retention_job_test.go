package jobs

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"praksis/db"
)

// TestRetentionJobAcrossTheClock runs the real nightly job (through the
// scheduler's run-now path, Store.RunJob) while the injected clock moves
// over each boundary (36 months, 30 days' grace, 60 months of audit):
//
//   - A (programme ended 15 June 2027) is due on 15 June 2030: a bundle is
//     made, the admin downloads it the next day, but A's agreement runs to
//     30 August, so A is skipped and counted until it has ended;
//   - B (ended 20 June 2027, no agreement) is due on 20 June 2030: the
//     bundle is never downloaded, so B waits until the grace period has
//     passed (20 July 2030, 01:30 UTC) and not a second less;
//   - C (ended 1 December 2027) is never due in this window;
//   - an audit row 60 months and a day old is pruned, one 60 months less
//     a day old is kept.
func TestRetentionJobAcrossTheClock(t *testing.T) {
	w := newRemWorld(t)
	ctx := context.Background()
	adviser, _ := w.user(db.RoleAdviser, "Rita Rådgiver", "nb")
	admin, _ := w.user(db.RoleAdmin, "Arne Admin", "nb")
	agA := w.agreement(adviser, "Amal", "Arkivsen", "2030-06-03", "2030-08-30", "Siri Veileder", uniq("sup")+"@firma.example")
	var a int64
	w.st.DB.Get(&a, `SELECT participant_id FROM agreements WHERE id = $1`, agA)
	b := w.id(`INSERT INTO participants (adviser_id, first_name, last_name, birth_year, education, regime, programme_start, programme_end,
		goal_category, goal_listening, goal_reading, goal_writing, goal_oral)
		VALUES ($1, 'Bashir', 'Bevaring', 1985, 'primary', 'integreringsloven', '2025-01-01', '2027-06-20', 'work_or_education', 'a2', 'a2', 'a2', 'a2')
		RETURNING id`, adviser)
	c := w.id(`INSERT INTO participants (adviser_id, first_name, last_name, birth_year, education, regime, programme_start, programme_end,
		goal_category, goal_listening, goal_reading, goal_writing, goal_oral)
		VALUES ($1, 'Cecilie', 'Senere', 1991, 'primary', 'integreringsloven', '2025-01-01', '2027-12-01', 'work_or_education', 'a2', 'a2', 'a2', 'a2')
		RETURNING id`, adviser)
	w.exec(`UPDATE participants SET programme_end = '2027-06-15', address = 'Gate 2', phone = '99999999' WHERE id = $1`, a)
	plan := w.id(`INSERT INTO integration_plans (participant_id, decided_on, plan_date, original_end, goal_category)
		VALUES ($1, '2025-01-01', '2025-01-10', '2027-06-20', 'work_or_education') RETURNING id`, b)
	w.exec(`INSERT INTO plan_activities (plan_id, kind, description, starts_on, ends_on) VALUES ($1, 'norwegian', 'Norskkurs hos Voksenopplæringen', '2025-01-11', '2025-06-01')`, plan)
	w.exec(`INSERT INTO plan_reviews (plan_id, held_on, took_part, changes, next_review_due, written_by)
		VALUES ($1, '2025-06-01', '{participant,adviser}', 'Mer språkpraksis etter sykdom', '2025-12-01', $2)`, plan, adviser)
	w.exec(`INSERT INTO outcomes (participant_id, kind, from_date, employer, note) VALUES ($1, 'work_full', '2027-07-01', 'Kafé Bro', 'Fast jobb')`, b)
	w.exec(`INSERT INTO participant_notes (participant_id, author_id, body) VALUES ($1, $2, 'Sykehusopphold i mars')`, b, adviser)

	// Mails about B: one about B alone, a digest about B and C.
	for key, about := range map[string][]int64{"ret-one": {b}, "ret-digest": {b, c}} {
		if err := w.st.QueueMail(ctx, db.Mail{DedupeKey: uniq(key), Recipient: "kari@firma.example", Template: "digest", Locale: "nb",
			Subject: "Om " + key, Text: "Bashir Bevaring", HTML: "<p>Bashir Bevaring</p>", About: about}); err != nil {
			t.Fatal(err)
		}
	}
	in, err := w.st.Innsyn(ctx, b, adviser, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(in.Mails), "Om ret-one") || !strings.Contains(string(in.Mails), "Om ret-digest") ||
		strings.Contains(string(in.Mails), "kari@firma.example") {
		t.Errorf("B's innsyn mails: %s", in.Mails)
	}
	if in, err := w.st.Innsyn(ctx, c, adviser, ""); err != nil || strings.Contains(string(in.Mails), "Om ret-one") ||
		!strings.Contains(string(in.Mails), "Om ret-digest") {
		t.Errorf("C's innsyn mails: %s %v", in.Mails, err)
	}

	s, err := NewScheduler(w.st, quiet, nil, newRetention(t, w.st))
	if err != nil {
		t.Fatal(err)
	}
	at := func(ts string) time.Time {
		v, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	run := func(ts string) map[string]int64 {
		t.Helper()
		w.now = at(ts)
		r, err := s.Run(ctx, "retention", w.now, true)
		if err != nil || r.Status != "ok" {
			t.Fatalf("retention at %s: %+v %v", ts, r, err)
		}
		var stats map[string]int64
		var raw []byte
		if err := w.st.DB.Get(&raw, `SELECT stats FROM job_runs WHERE id = $1`, r.RunID); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &stats); err != nil {
			t.Fatal(err)
		}
		return stats
	}
	expect := func(ts string, stats map[string]int64, want map[string]int64) {
		t.Helper()
		for k, v := range want {
			if stats[k] != v {
				t.Errorf("%s: %s = %d, want %d (%v)", ts, k, stats[k], v, stats)
			}
		}
	}
	anonymised := func(id int64) bool {
		t.Helper()
		return w.count(`SELECT count(*) FROM participants WHERE id = $1 AND anonymised_at IS NOT NULL AND first_name = ''`, id) == 1
	}
	bundle := func(id int64) (int64, string) {
		t.Helper()
		var row struct {
			ID      int64  `db:"id"`
			Content []byte `db:"content"`
		}
		if err := w.st.DB.Get(&row, `SELECT id, content FROM archive_bundles WHERE participant_id = $1`, id); err != nil {
			return 0, ""
		}
		return row.ID, string(row.Content)
	}

	// The day before A is due: nothing.
	expect("14 June", run("2030-06-14T01:30:00Z"), map[string]int64{"bundles_made": 0, "anonymised": 0, "agreement_open": 0})
	if id, _ := bundle(a); id != 0 {
		t.Fatal("a bundle a day early")
	}
	// A is due: the bundle is made; A's agreement runs, so A is skipped.
	expect("15 June", run("2030-06-15T01:30:00Z"), map[string]int64{"bundles_made": 1, "anonymised": 0, "agreement_open": 1})
	bundleA, content := bundle(a)
	for _, want := range []string{"<!doctype html>", "Amal Arkivsen", "Bakerlærling", "Fjordbyen Bakeri AS"} {
		if !strings.Contains(content, want) {
			t.Errorf("A's bundle lacks %q", want)
		}
	}
	// The admin collects A's bundle the next day: A still waits for the agreement.
	if _, _, err := w.st.DownloadArchiveBundle(ctx, bundleA, admin, "", at("2030-06-16T09:00:00Z")); err != nil {
		t.Fatal(err)
	}
	expect("17 June", run("2030-06-17T01:30:00Z"), map[string]int64{"bundles_made": 0, "anonymised": 0, "agreement_open": 1})
	if anonymised(a) {
		t.Fatal("A anonymised during a running agreement")
	}
	// B is due: its bundle holds the plan and the outcome, not the notes.
	expect("20 June", run("2030-06-20T01:30:00Z"), map[string]int64{"bundles_made": 1, "waiting_archive": 1, "agreement_open": 1})
	_, content = bundle(b)
	for _, want := range []string{"Bashir Bevaring", "Norskkurs hos Voksenopplæringen", "Mer språkpraksis etter sykdom", "Kafé Bro", "01.07.2027"} {
		if !strings.Contains(content, want) {
			t.Errorf("B's bundle lacks %q", want)
		}
	}
	if strings.Contains(content, "Sykehusopphold") {
		t.Error("B's bundle holds the adviser's notes")
	}
	// A second before B's grace period ends, B still waits; then B goes.
	expect("20 July, early", run("2030-07-20T01:29:59Z"), map[string]int64{"bundles_made": 0, "waiting_archive": 1, "anonymised": 0})
	if anonymised(b) {
		t.Fatal("B anonymised inside the grace period")
	}
	expect("20 July", run("2030-07-20T01:30:00Z"), map[string]int64{"anonymised": 1, "waiting_archive": 0, "agreement_open": 1})
	if !anonymised(b) || anonymised(a) || anonymised(c) {
		t.Fatalf("after B's grace: A %v B %v C %v", anonymised(a), anonymised(b), anonymised(c))
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM participant_notes WHERE participant_id = $1`:                                                                          0,
		`SELECT count(*) FROM plan_activities a JOIN integration_plans ip ON ip.id = a.plan_id WHERE ip.participant_id = $1 AND a.description = ''`: 1,
		`SELECT count(*) FROM plan_reviews r JOIN integration_plans ip ON ip.id = r.plan_id WHERE ip.participant_id = $1 AND r.changes = ''`:        1,
		`SELECT count(*) FROM outcomes WHERE participant_id = $1 AND note = '' AND kind = 'work_full'`:                                              1,
		// Both mails about B are emptied, the digest about B and C too.
		`SELECT count(*) FROM outbox WHERE $1::bigint > 0 AND (subject LIKE 'Om ret-%' OR body_text LIKE 'Bashir%')`: 0,
		// B's bundle was never collected: it is kept for the archive.

		`SELECT count(*) FROM archive_bundles WHERE participant_id = $1 AND content IS NOT NULL`: 1,
	} {
		if got := w.count(q, b); got != want {
			t.Errorf("B: %s: %d, want %d", q, got, want)
		}
	}

	// The audit log: 60 months and a day old goes, 60 months less a day stays.
	w.exec(`INSERT INTO audit_log (action, entity, entity_id, at) VALUES ('participant.view', 'retention-test', 1, '2025-08-30T01:30:00Z'),
		('participant.view', 'retention-test', 2, '2025-09-01T01:30:00Z')`)
	// A's agreement ended on 30 August; A's bundle was collected: A goes, and
	// the collected bundle is cleared.
	stats := run("2030-08-31T01:30:00Z")
	expect("31 August", stats, map[string]int64{"anonymised": 1, "agreement_open": 0})
	if stats["audit_rows_pruned"] < 1 {
		t.Errorf("no audit rows pruned: %v", stats)
	}
	if !anonymised(a) || anonymised(c) {
		t.Fatalf("on 31 August: A %v C %v", anonymised(a), anonymised(c))
	}
	if n := w.count(`SELECT count(*) FROM archive_bundles WHERE participant_id = $1 AND content IS NULL AND cleared_at IS NOT NULL`, a); n != 1 {
		t.Error("A's collected bundle was not cleared")
	}
	var kept []int64
	if err := w.st.DB.Select(&kept, `SELECT entity_id FROM audit_log WHERE entity = 'retention-test' ORDER BY entity_id`); err != nil {
		t.Fatal(err)
	}
	if len(kept) != 1 || kept[0] != 2 {
		t.Errorf("audit rows kept: %v, want only the one 60 months less a day old", kept)
	}
	if id, _ := bundle(c); id != 0 {
		t.Error("C, not due, got a bundle")
	}
}
