package db_test

import (
	"context"
	"testing"

	"praksis/db"
)

// TestMigration16KeepsWhatWasThere: a database as release 00012 left it
// migrates with nothing lost: 'ukraine' becomes kap6a (with its legal
// basis inferred, the others unknown), every participant gets a plan
// whose first version is what was stored, the Norwegian goal stays where
// the regime has one and an adviser chose it, and only agreements not yet
// approved by all start to need NAV.
func TestMigration16KeepsWhatWasThere(t *testing.T) {
	ctx := context.Background()
	_, st := emptyDatabase(t)
	conn := st.DB.DB
	if err := db.MigrateTo(ctx, conn, 12); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO users (id, email, name, role, password_hash) VALUES (1, 'r@x.example', 'Rådgiver', 'adviser', 'x')`)
	// Upper secondary's default norskmål is B1 in every skill (00004).
	exec(`INSERT INTO participants (id, adviser_id, first_name, last_name, birth_year, education, regime, programme_start, programme_end,
			goal_category, goal_listening, goal_reading, goal_writing, goal_oral) VALUES
		(1, 1, 'Default', 'Ukraina', 1990, 'upper_secondary', 'ukraine', '2023-01-02', '2023-12-29', 'work_or_education', 'b1', 'b1', 'b1', 'b1'),
		(2, 1, 'Typed', 'Ukraina', 1990, 'upper_secondary', 'ukraine', '2023-01-02', '2023-12-29', 'work_or_education', 'a2', 'b1', 'b1', 'b1'),
		(3, 1, 'Gammel', 'Lov', 1980, 'primary', 'introduksjonsloven', '2019-01-07', '2021-01-04', 'work_or_education', 'a2', 'a2', 'a2', 'a2'),
		(4, 1, 'Ny', 'Lov', 1995, 'none', 'integreringsloven', '2022-01-03', '2024-01-02', 'upper_secondary', 'a1', 'a1', 'a1', 'b1')`)
	exec(`INSERT INTO kpi_snapshots (day, dimension, key, metric, value, n) VALUES ('2024-01-01', 'regime', 'ukraine', 'risk', 0.5, 2)`)
	exec(`INSERT INTO organisations (id, name, org_number, kind, sector, municipality, approved_at) VALUES (1, 'Lager AS', '974760673', 'business', 'retail', 'Trondheim', now())`)
	exec(`INSERT INTO placements (id, organisation_id, kind, title) VALUES (1, 1, 'arbeidstrening', 'Lager'), (2, 1, 'arbeidstrening', 'Lager 2')`)
	exec(`INSERT INTO proposals (id, participant_id, placement_id, adviser_id, status) VALUES (1, 1, 1, 1, 'accepted'), (2, 2, 2, 1, 'accepted')`)
	exec(`INSERT INTO agreements (id, proposal_id, participant_id, placement_id, organisation_id, start_date, end_date, hours_per_week,
			days_per_week, job_title, supervisor_name, supervisor_email, employer_approved_at, consent_at, consent_mode, adviser_approved_at, first_approved_at) VALUES
		(1, 1, 1, 1, 1, '2023-03-01', '2023-08-31', 30, 5, 'Lager', 'Kari', 'k@x.example', now(), now(), 'in_person', now(), now()),
		(2, 2, 2, 2, 1, '2023-03-01', '2023-08-31', 30, 5, 'Lager', 'Kari', 'k@x.example', now(), NULL, NULL, NULL, NULL)`)

	// Migration 16 and what it kept; 00018 removes its transitional
	// pieces (checked at the end).
	if err := db.MigrateTo(ctx, conn, 16); err != nil {
		t.Fatal(err)
	}

	type row struct {
		regime, basis, goals, versions, current string
	}
	got := map[int]row{}
	rows, err := conn.Query(`SELECT p.id, p.regime, p.legal_basis,
			concat_ws('/', p.goal_listening, p.goal_reading, p.goal_writing, p.goal_oral),
			(SELECT string_agg(v.version || ':' || v.reason || ':' || coalesce(v.content->'goals'->>'listening', ''), ',' ORDER BY v.version)
				FROM integration_plan_versions v WHERE v.plan_id = ip.id),
			concat_ws(' ', ip.version, coalesce(ip.goal_listening::text, '-'), coalesce(ip.goal_oral::text, '-'), ip.original_end, ip.confirmed_at IS NULL)
		FROM participants p JOIN integration_plans ip ON ip.participant_id = p.id ORDER BY p.id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int
		var r row
		if err := rows.Scan(&id, &r.regime, &r.basis, &r.goals, &r.versions, &r.current); err != nil {
			t.Fatal(err)
		}
		got[id] = r
	}
	rows.Close()
	for id, want := range map[int]row{
		// The education's default: not an adviser's decision; dropped from
		// the current plan, kept in version 1.
		1: {"kap6a", "collective_protection", "b1/b1/b1/b1", "1:migrated:b1,2:migrated_no_norskmal:", "2 - - 2023-12-29 t"},
		// Typed by an adviser: kept.
		2: {"kap6a", "collective_protection", "a2/b1/b1/b1", "1:migrated:a2", "1 a2 b1 2023-12-29 t"},
		// Introduksjonsloven has no norskmål.
		3: {"introduksjonsloven", "unknown", "a2/a2/a2/a2", "1:migrated:a2,2:migrated_no_norskmal:", "2 - - 2021-01-04 t"},
		4: {"integreringsloven", "unknown", "a1/a1/a1/b1", "1:migrated:a1", "1 a1 b1 2024-01-02 t"},
	} {
		if got[id] != want {
			t.Errorf("participant %d:\n got %+v\nwant %+v", id, got[id], want)
		}
	}
	var key string
	if err := conn.QueryRow(`SELECT key FROM kpi_snapshots WHERE metric = 'risk'`).Scan(&key); err != nil || key != "kap6a" {
		t.Errorf("the KPI key: %q %v", key, err)
	}
	// The running agreement keeps running (no NAV approval is invented);
	// the one still waiting now waits for NAV too.
	for id, want := range map[int]string{1: "false running", 2: "true awaiting_approval"} {
		var s string
		if err := conn.QueryRow(`SELECT nav_required || ' ' || agreement_status(ag, '2023-05-02') FROM agreements ag WHERE id = $1`, id).Scan(&s); err != nil || s != want {
			t.Errorf("agreement %d: %q %v, want %q", id, s, err, want)
		}
	}
	// A seed still writing 'ukraine' (until phase 2) lands on kap6a.
	if _, err := conn.Exec(`INSERT INTO participants (id, adviser_id, first_name, last_name, birth_year, education, regime, programme_start, programme_end,
			goal_category, goal_listening, goal_reading, goal_writing, goal_oral)
		VALUES (5, 1, 'Seed', 'Ukraina', 1990, 'higher', 'ukraine', '2025-01-06', '2025-12-31', 'work_or_education', 'b2', 'b2', 'b2', 'b2')`); err != nil {
		t.Errorf("a seed's 'ukraine': %v", err)
	}
	var regime, basis string
	if err := conn.QueryRow(`SELECT regime, legal_basis FROM participants WHERE id = 5`).Scan(&regime, &basis); err != nil ||
		regime != "kap6a" || basis != "collective_protection" {
		t.Errorf("a seed's 'ukraine' stored as %q, %q (%v)", regime, basis, err)
	}
	// From 00018 on the seeds write kap6a themselves: 'ukraine' is refused,
	// and every new agreement on a NAV measure needs NAV, even one
	// inserted approved by all.
	if err := db.MigrateTo(ctx, conn, db.LatestVersion()); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`INSERT INTO participants (id, adviser_id, first_name, last_name, birth_year, education, regime, programme_start, programme_end,
			goal_category, goal_listening, goal_reading, goal_writing, goal_oral)
		VALUES (6, 1, 'Seed', 'Ukraina', 1990, 'higher', 'ukraine', '2025-01-06', '2025-12-31', 'work_or_education', 'b2', 'b2', 'b2', 'b2')`); err == nil {
		t.Error("an inserted 'ukraine' was accepted after 00018")
	}
	exec(`INSERT INTO proposals (id, participant_id, placement_id, adviser_id, status) VALUES (3, 4, 1, 1, 'accepted')`)
	exec(`INSERT INTO agreements (id, proposal_id, participant_id, placement_id, organisation_id, start_date, end_date, hours_per_week,
			days_per_week, job_title, supervisor_name, supervisor_email, employer_approved_at, consent_at, consent_mode, adviser_approved_at, first_approved_at) VALUES
		(3, 3, 4, 1, 1, '2023-03-01', '2023-08-31', 30, 5, 'Lager', 'Kari', 'k@x.example', now(), now(), 'in_person', now(), now())`)
	var s string
	if err := conn.QueryRow(`SELECT nav_required || ' ' || agreement_status(ag, '2023-05-02') FROM agreements ag WHERE id = 3`).Scan(&s); err != nil ||
		s != "true awaiting_approval" {
		t.Errorf("an arbeidstrening inserted approved by all after 00018: %q %v, want it to wait for NAV", s, err)
	}
}
