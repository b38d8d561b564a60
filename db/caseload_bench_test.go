package db_test

import (
	"context"
	"strconv"
	"testing"

	"praksis/db"
	"praksis/db/dbtest"
)

// BenchmarkCaseload500 measures one adviser's whole caseload page (500
// participants, 8 results each, some outcomes), one query:
//
//	go test -run '^$' -bench Caseload500 -benchtime 200x ./db/
func BenchmarkCaseload500(b *testing.B) {
	st := dbtest.Open(b)
	ctx := context.Background()
	var adviser int64
	err := st.DB.GetContext(ctx, &adviser, `INSERT INTO users (email, name, role, password_hash) VALUES ('bench@test.example', 'Bench', 'adviser', 'x') RETURNING id`)
	if err != nil {
		b.Fatal(err)
	}
	// Other advisers' participants too, so the scope has something to skip.
	_, err = st.DB.ExecContext(ctx, `
		INSERT INTO users (email, name, role, password_hash) SELECT 'other' || g || '@test.example', 'Other', 'adviser', 'x' FROM generate_series(1, 20) g;
		INSERT INTO participants (adviser_id, first_name, last_name, birth_year, education, regime, programme_start, programme_end,
			goal_category, goal_listening, goal_reading, goal_writing, goal_oral)
		SELECT CASE WHEN g <= 500 THEN `+strconv.FormatInt(adviser, 10)+` ELSE (SELECT min(id) FROM users WHERE email LIKE 'other%') + g % 20 END,
			'Fornavn' || g, 'Etternavn' || g, 1970 + g % 40, 'primary', 'integreringsloven',
			current_date - (g % 700), current_date - (g % 700) + 900, 'work_or_education', 'a2', 'a2', 'a2', 'b1'
		FROM generate_series(1, 10000) g;
		INSERT INTO language_results (participant_id, skill, level, taken_on, source)
		SELECT p.id, s.skill, (ARRAY['under_a1','a1','a2','b1']::cefr_level[])[1 + (p.id + k) % 4], current_date - k * 30, 'norskprove'
		FROM participants p, (VALUES ('listening'), ('reading'), ('writing'), ('oral')) s(skill), generate_series(1, 2) k;
		INSERT INTO outcomes (participant_id, kind, from_date) SELECT id, 'work_part', current_date - 10 FROM participants WHERE id % 5 = 0;
		ANALYZE;`)
	if err != nil {
		b.Fatal(err)
	}
	if testing.Verbose() {
		plan, err := st.ExplainCaseload(ctx, db.Scope{AdviserID: adviser}, db.CaseloadFilter{Sort: "gap", Desc: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Log(plan)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows, err := st.Caseload(ctx, db.Scope{AdviserID: adviser}, db.CaseloadFilter{Sort: "gap", Desc: true})
		if err != nil || len(rows) != 500 {
			b.Fatalf("%d rows, %v", len(rows), err)
		}
	}
}
