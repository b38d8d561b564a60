package db_test

import (
	"context"
	"fmt"
	"testing"

	"praksis/db"
	"praksis/db/dbtest"
)

// TestNameKey holds the name search's spelling rules (name_key,
// name_word and name_patterns, migration 00013) to pairs a person would
// call the same name and pairs that are other names: a stored name
// (first and last) and what an adviser types.
func TestNameKey(t *testing.T) {
	st := dbtest.Open(t)
	match := []struct{ stored, typed string }{
		{"Ahmed Al-Sayed", "alsayed"},
		{"Ahmed Al-Sayed", "el sayed"},
		{"Ahmed Al-Sayed", "Al Sayed"},
		{"Ahmed Alsayed", "al-sayed"},
		{"Ahmed El Sayed", "alsayed"},
		{"Ahmed Al-Sayed", "sayed"},
		{"Oleksandr Kovalenko", "Aleksandr"},
		{"Oleksandr Kovalenko", "Oleksander"},
		{"Aleksandr Kovalenko", "oleksandr"},
		{"Oleksander Kovalenko", "Alexander"},
		{"Oleksandr Kowalenko", "Kovalenko"},
		{"Oleksandr Kovalenko", "kowalenko"},
		{"Mohammed Hassan", "Muhammad"},
		{"Muhammad Hassan", "Mohamad"},
		{"Mohamad Hassan", "mohammed"},
		{"Mohammed Hassan", "Mohammad Hasan"},
		{"Mohammed Hassan", "hassan mohammed"},
		{"Yulia Shevchenko", "Iuliia"},
		{"Iuliia Shevchenko", "Julia"},
		{"Tetiana Bondarenko", "Tatiana"},
		{"Tatyana Bondarenko", "tetiana"},
		{"Natalia Melnyk", "Nataliya"},
		{"Mykhailo Tkachenko", "Mykhaylo"},
		{"Ahmad Karimi", "Ahmed"},
		{"Karim Nouri", "Kareem Nuri"},
		{"Hussein Ali", "Husein"},
		{"Hussein Ali", "Hussain"},
		{"Ingrid Ødegård", "odegard"},
		{"Ingrid Ødegård", "ØDEGÅRD"},
		{"Renée O'Brien", "renee obrien"},
		{"Anne-Marie Dahl", "annemarie"},
		{"Anne-Marie Dahl", "marie"},
		{"Anne Marie Dahl", "anne-marie"},
		{"Oleksandr Kovalenko", "oleks"}, // the beginning of a name, as typed
	}
	other := []struct{ stored, typed string }{
		{"Mohammed Hassan", "Mahmoud"},
		{"Mahmoud Hassan", "Mohammed"},
		{"Oleksandr Kovalenko", "Oleksii"},
		{"Oleksandr Kovalenko", "Kovalchuk"},
		{"Hassan Ali", "Hussein"},
		{"Sayed Omar", "Saad"},
		{"Omar Haddad", "Amir"},
		{"Omar Haddad", "Ammar"},
		{"Olena Melnyk", "Olga"},
		{"Ahmed Al-Sayed", "Alina"},
		{"Ahmed Al-Sayed", "Ahmed Kovalenko"}, // every word must match
		{"Yusuf Haddad", "Yosef"},
		{"Anne-Marie Dahl", "anne-mari-ella"},
		{"Ali Haddad", "al"},                   // too short for the spelling rules
		{"Tilgang Matrise1234", "matrise1235"}, // digits are part of a word
	}
	for _, c := range match {
		var ok bool
		if err := st.DB.Get(&ok, `SELECT coalesce(name_key($1) LIKE ALL (name_patterns(lower($2))), false)`, c.stored, c.typed); err != nil {
			t.Fatal(err)
		}
		if !ok {
			t.Errorf("%q does not find %q", c.typed, c.stored)
		}
	}
	for _, c := range other {
		var ok bool
		if err := st.DB.Get(&ok, `SELECT coalesce(name_key($1) LIKE ALL (name_patterns(lower($2))), false)`, c.stored, c.typed); err != nil {
			t.Fatal(err)
		}
		if ok {
			var key string
			_ = st.DB.Get(&key, `SELECT name_key($1) || ' / ' || array_to_string(name_patterns(lower($2)), ',')`, c.stored, c.typed)
			t.Errorf("%q finds %q (%s)", c.typed, c.stored, key)
		}
	}
}

// The caseload and the admin's user list find a person from another
// spelling of their name, and an adviser still finds only their own
// participants.
func TestNameSearchCaseloadAndUsers(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	adviser, other := newStaff(t, st, db.RoleAdviser), newStaff(t, st, db.RoleAdviser)
	name := func(id int64, first, last string) {
		if _, err := st.DB.Exec(`UPDATE participants SET first_name = $2, last_name = $3 WHERE id = $1`, id, first, last); err != nil {
			t.Fatal(err)
		}
	}
	sayed := newParticipant(t, st, adviser, "x", 100, db.LevelA2)
	name(sayed, "Mohammed", "Al-Sayed")
	oleks := newParticipant(t, st, adviser, "x", 100, db.LevelA2)
	name(oleks, "Oleksandr", "Kowalenko")
	theirs := newParticipant(t, st, other, "x", 100, db.LevelA2)
	name(theirs, "Aleksandr", "Kovalenko")
	for q, want := range map[string][]int64{
		"el sayed": {sayed}, "alsayed": {sayed}, "Muhammad": {sayed}, "mohamad al sayed": {sayed},
		"aleksander kovalenko": {oleks}, "kovalenko": {oleks}, "Oleks": {oleks}, "mahmoud": nil,
	} {
		rows, err := st.Caseload(ctx, db.Scope{AdviserID: adviser}, db.CaseloadFilter{Search: q, Sort: "name"})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, r := range rows {
			got = append(got, r.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("caseload %q: %v, want %v", q, got, want)
		}
	}
	if rows, err := st.Caseload(ctx, db.Scope{All: true}, db.CaseloadFilter{Search: "Aleksandr Kowalenko", Sort: "name"}); err != nil || len(rows) != 2 {
		t.Errorf("everyone's caseload: %d rows, %v", len(rows), err)
	}

	u := newStaff(t, st, db.RoleNAV)
	if _, err := st.DB.Exec(`UPDATE users SET name = 'Yuliia Al-Hassan' WHERE id = $1`, u); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{"julia el hassan": 1, "Iulia": 1, "hasan": 1, "hussein": 0} {
		users, err := st.Users(ctx, db.RoleNAV, q)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, x := range users {
			if x.ID == u {
				n++
			}
		}
		if n != want {
			t.Errorf("users %q: found %d, want %d", q, n, want)
		}
	}
}
