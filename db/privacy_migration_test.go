package db_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/pressly/goose/v3"

	"praksis/db"
)

// Migration 00017 on old data: the agreement's approval-time consent
// becomes a consent row, the old flag kode 7 (unconfirmed), the employer's
// absence categories stay proposals with no classification.
func TestMigration00017OnOldData(t *testing.T) {
	_, st := emptyDatabase(t)
	ctx := context.Background()
	files := fstest.MapFS{}
	all := dbMigrationFiles()
	var before int64
	for i := 0; i < len(all); i += 2 {
		files[all[i]] = &fstest.MapFile{Data: []byte(all[i+1])}
		if v, err := goose.NumericComponent(all[i]); err == nil && v < 17 && v > before {
			before = v
		}
	}
	p, err := goose.NewProvider(goose.DialectPostgres, st.DB.DB, files)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, before); err != nil {
		t.Fatal(err)
	}
	exec := func(q string) {
		t.Helper()
		if _, err := st.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO users (id, email, name, role, password_hash) VALUES (1, 'r@x.example', 'R', 'adviser', 'x')`)
	exec(`INSERT INTO organisations (id, name, org_number, kind, sector, municipality, approved_at) VALUES (1, 'Bakeri', '123456785', 'business', 'retail', 'Trondheim', now())`)
	exec(`INSERT INTO placements (id, organisation_id, title, tasks, sector, municipality, address, seats, status, kind)
		SELECT 1, 1, 'Baker', 'Bake', 'retail', 'Trondheim', 'Gate 1', 2, 'published', 'sprakpraksis'`)
	exec(`INSERT INTO participants (id, adviser_id, first_name, last_name, birth_year, education, regime, programme_start, programme_end,
		goal_category, goal_listening, goal_reading, goal_writing, goal_oral, protected_address)
		VALUES (1, 1, 'Amal', 'T', 1990, 'primary', 'integreringsloven', '2030-01-07', '2031-12-31', 'work_or_education', 'a2', 'a2', 'a2', 'a2', true),
		       (2, 1, 'Bo', 'T', 1990, 'primary', 'integreringsloven', '2030-01-07', '2031-12-31', 'work_or_education', 'a2', 'a2', 'a2', 'a2', false)`)
	exec(`INSERT INTO proposals (id, participant_id, placement_id, adviser_id, shared_adaptations, status) VALUES
		(1, 1, 1, 1, 'Pauser', 'accepted'), (2, 2, 1, 1, '', 'proposed')`)
	exec(`INSERT INTO agreements (id, proposal_id, participant_id, placement_id, organisation_id, consent_by, consent_at, consent_mode,
		consent_reason, consent_note, adaptations) VALUES (1, 1, 1, 1, 1, 1, '2030-05-01', 'on_behalf', 'low_digital', 'Leser dårlig', '')`)
	exec(`INSERT INTO attendance (agreement_id, day, present, hours, absence) VALUES (1, '2030-06-03', false, 0, 'religious'),
		(1, '2030-06-04', true, 7.5, NULL)`)
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	var c struct {
		Items, Adaptations, How, Reason, Note string
	}
	if err := st.DB.QueryRow(`SELECT items::text, adaptations::text, given_how, on_behalf_reason, reason_note FROM consents
		WHERE participant_id = 1 AND organisation_id = 1 AND withdrawn_at IS NULL AND given_at = '2030-05-01' AND given_by = 1`).
		Scan(&c.Items, &c.Adaptations, &c.How, &c.Reason, &c.Note); err != nil {
		t.Fatal(err)
	}
	if c.Items != "{first_name,levels,languages,note,adaptations}" || c.Adaptations != "{Pauser}" || c.How != "on_behalf" ||
		c.Reason != "low_digital" || c.Note != "Leser dårlig" {
		t.Errorf("migrated consent: %+v", c)
	}
	var n int
	if err := st.DB.Get(&n, `SELECT count(*) FROM consents WHERE participant_id = 2`); err != nil || n != 0 {
		t.Errorf("an open proposal got a consent it never had: %d %v", n, err)
	}
	var grades string
	if err := st.DB.Get(&grades, `SELECT string_agg(protection || ':' || (protection_set_at IS NULL)::text, ',' ORDER BY id) FROM participants`); err != nil ||
		grades != "fortrolig:true,none:true" {
		t.Errorf("grades: %q %v", grades, err)
	}
	var marks string
	if err := st.DB.Get(&marks, `SELECT string_agg(mark || ':' || coalesce(absence, '-'), ',' ORDER BY day) FROM attendance`); err != nil ||
		marks != "absent:religious,present:-" {
		t.Errorf("attendance: %q %v", marks, err)
	}
	if err := st.DB.Get(&n, `SELECT count(*) FROM absence_classifications`); err != nil || n != 0 {
		t.Errorf("old categories became classifications: %d %v", n, err)
	}
}

func dbMigrationFiles() []string { return db.MigrationFiles() }
