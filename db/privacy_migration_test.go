package db_test

import (
	"context"
	"strings"
	"testing"

	"praksis/db"
)

// TestMigration17Down: undoing 00017 once data moved on either gives the
// old schema back faithfully or stops with a message naming why. An
// anonymised participant cannot be put back (no name, no birth year) and
// a day of absence with no category at all cannot either; a not-work-day
// row becomes no row, and a classified absence takes its classification
// in the old categories. After a refusal nothing changed, and the way up
// again works.
func TestMigration17Down(t *testing.T) {
	ctx := context.Background()
	_, st := emptyDatabase(t)
	conn := st.DB.DB
	if err := db.MigrateTo(ctx, conn, 17); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	version := func() int64 {
		t.Helper()
		v, err := st.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	exec(`INSERT INTO users (id, email, name, role, password_hash) VALUES (1, 'r@x.example', 'Rådgiver', 'adviser', 'x')`)
	exec(`INSERT INTO participants (id, adviser_id, first_name, last_name, birth_year, education, regime, programme_start, programme_end,
			goal_category, goal_listening, goal_reading, goal_writing, goal_oral) VALUES
		(1, 1, 'Aktiv', 'Deltaker', 1990, 'upper_secondary', 'integreringsloven', '2024-01-08', '2025-12-31', 'work_or_education', 'b1', 'b1', 'b1', 'b1')`)
	exec(`INSERT INTO participants (id, adviser_id, first_name, last_name, birth_year, education, regime, programme_start, programme_end,
			goal_category, goal_listening, goal_reading, goal_writing, goal_oral, anonymised_at, pseudonym) VALUES
		(2, 1, '', '', NULL, 'none', 'integreringsloven', '2019-01-07', '2021-01-04', 'work_or_education', 'a2', 'a2', 'a2', 'a2',
			now(), gen_random_uuid())`)
	exec(`INSERT INTO organisations (id, name, org_number, kind, sector, municipality, approved_at) VALUES (1, 'Lager AS', '974760673', 'business', 'retail', 'Trondheim', now())`)
	exec(`INSERT INTO placements (id, organisation_id, kind, title) VALUES (1, 1, 'sprakpraksis', 'Lager')`)
	exec(`INSERT INTO proposals (id, participant_id, placement_id, adviser_id, status) VALUES (1, 1, 1, 1, 'accepted')`)
	exec(`INSERT INTO agreements (id, proposal_id, participant_id, placement_id, organisation_id, start_date, end_date, hours_per_week,
			days_per_week, job_title, supervisor_name, supervisor_email, employer_approved_at, consent_at, consent_mode, adviser_approved_at, first_approved_at) VALUES
		(1, 1, 1, 1, 1, '2024-03-04', '2024-08-30', 30, 5, 'Lager', 'Kari', 'k@x.example', now(), now(), 'in_person', now(), now())`)
	exec(`INSERT INTO attendance (agreement_id, day, present, hours, absence, mark) VALUES
		(1, '2024-03-04', true, 6, NULL, 'present'),
		(1, '2024-03-05', false, 0, NULL, 'not_work_day'),
		(1, '2024-03-06', false, 0, NULL, 'absent_notified'),
		(1, '2024-03-07', false, 0, 'illness', 'absent')`)
	exec(`INSERT INTO absence_classifications (participant_id, day, classification, classified_by) VALUES (1, '2024-03-06', 'sick_child', 1)`)

	err := db.MigrateDownTo(ctx, conn, 16)
	if err == nil || !strings.Contains(err.Error(), "1 participant(s) are anonymised") || !strings.Contains(err.Error(), "one-way") {
		t.Fatalf("down with an anonymised participant: %v, want a refusal naming why", err)
	}
	if v := version(); v != 17 {
		t.Fatalf("after the refusal the schema is at %d, want 17 untouched", v)
	}

	exec(`DELETE FROM participants WHERE id = 2`)
	exec(`INSERT INTO attendance (agreement_id, day, present, hours, absence, mark) VALUES (1, '2024-03-08', false, 0, NULL, 'absent_not_notified')`)
	err = db.MigrateDownTo(ctx, conn, 16)
	if err == nil || !strings.Contains(err.Error(), "1 day(s) of absence have neither") {
		t.Fatalf("down with an unclassified absence: %v, want a refusal naming why", err)
	}
	var n int
	if err := conn.QueryRow(`SELECT count(*) FROM attendance WHERE mark = 'not_work_day'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the refused down changed attendance: %d not-work-day rows, %v", n, err)
	}

	exec(`INSERT INTO absence_classifications (participant_id, day, classification, classified_by) VALUES (1, '2024-03-08', 'invalid', 1)`)
	if err := db.MigrateDownTo(ctx, conn, 16); err != nil {
		t.Fatalf("down with everything representable: %v", err)
	}
	if v := version(); v != 16 {
		t.Fatalf("schema at %d, want 16", v)
	}
	got := map[string]string{}
	rows, err := conn.Query(`SELECT day::text, present::text || ' ' || coalesce(absence, '-') FROM attendance ORDER BY day`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var day, s string
		if err := rows.Scan(&day, &s); err != nil {
			t.Fatal(err)
		}
		got[day] = s
	}
	rows.Close()
	want := map[string]string{
		"2024-03-04": "true -",
		// 2024-03-05, not a work day: no row.
		"2024-03-06": "false sick_child", // the adviser's classification
		"2024-03-07": "false illness",    // the employer's category stays
		"2024-03-08": "false invalid",
	}
	if len(got) != len(want) {
		t.Errorf("attendance after down: %v, want %v", got, want)
	}
	for day, w := range want {
		if got[day] != w {
			t.Errorf("attendance %s: %q, want %q", day, got[day], w)
		}
	}
	if err := db.MigrateTo(ctx, conn, 17); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
