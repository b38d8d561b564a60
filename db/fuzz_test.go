package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode"

	"praksis/db"
	"praksis/db/dbtest"
)

// Fuzz tests of the storage layer's parsers and validators of outside
// input. `go test` runs their seeds (f.Add and testdata/fuzz); `make fuzz`
// runs each with the fuzzing engine for a bounded time.

// An organisation number is valid exactly when it is nine digits whose
// weighted sum with weights 3 2 7 6 5 4 3 2 1 is divisible by 11 (the
// same rule as the check digit, said the other way round, with a computed
// check digit of 10 never valid); normalising is idempotent and leaves no
// spaces or dots.
func FuzzOrgNumber(f *testing.F) {
	for _, s := range []string{"910000004", "123 456 785", "974.760.673", "974\u00a0760\u202f673", "000000000", "12345678", "1234567890", "９１００００００４", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		valid := db.ValidOrgNumber(s)
		want := len(s) == 9
		sum := 0
		for i := 0; want && i < 9; i++ {
			if s[i] < '0' || s[i] > '9' {
				want = false
				break
			}
			sum += int(s[i]-'0') * []int{3, 2, 7, 6, 5, 4, 3, 2, 1}[i]
		}
		if want {
			// A first eight digits whose check digit would be 10 have no
			// valid number: no last digit makes the sum divisible.
			want = sum%11 == 0
		}
		if valid != want {
			t.Fatalf("ValidOrgNumber(%q) = %v, want %v", s, valid, want)
		}
		n := db.NormaliseOrgNumber(s)
		if db.NormaliseOrgNumber(n) != n {
			t.Fatalf("NormaliseOrgNumber not idempotent on %q", s)
		}
		if strings.ContainsFunc(n, func(r rune) bool { return r == '.' || unicode.IsSpace(r) }) {
			t.Fatalf("NormaliseOrgNumber(%q) = %q keeps a space or dot", s, n)
		}
		if valid && n != s {
			t.Fatalf("a valid number changed when normalised: %q → %q", s, n)
		}
	})
}

// A level is valid exactly when it is one of db.Levels, its rank is its
// place there, and PostgreSQL's cefr_level enum accepts exactly the same
// values in the same order.
func FuzzLevel(f *testing.F) {
	st := dbtest.Open(f)
	for _, s := range []string{"a1", "b2", "c1", "ikke_nok_grunnlag", "under_a1", "A1", "b1 ", "", "c2", "a1'--"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l := db.Level(s)
		want := -1
		for i, v := range db.Levels {
			if v == l {
				want = i
			}
		}
		if l.Rank() != want || l.Valid() != (want >= 0) {
			t.Fatalf("Level(%q): rank %d valid %v, want rank %d", s, l.Rank(), l.Valid(), want)
		}
		var pos int
		err := st.DB.QueryRowContext(context.Background(),
			`SELECT array_position(enum_range(NULL::cefr_level), $1::cefr_level)`, s).Scan(&pos)
		if (err == nil) != l.Valid() {
			t.Fatalf("Level(%q): Go says valid=%v, PostgreSQL says err=%v", s, l.Valid(), err)
		}
		if err == nil && pos-1 != want {
			t.Fatalf("Level(%q): enum position %d, Go rank %d", s, pos-1, want)
		}
	})
}

// A cursor from the URL either parses into one that prints back the same
// way and that PostgreSQL accepts in the search, or is refused; never an
// error from the database.
func FuzzParseCursor(f *testing.F) {
	st := dbtest.Open(f)
	for _, s := range []string{"0.5_1700000000000000_12", "0_0_1", "1e308_253402300799000000_9", "NaN_1_1", "-1_1_1", "0_-1_1",
		"0_1_0", "0_1", "a_b_c", "0.1_99999999999999999_1", "0x1p-2_1_1", "Inf_1_1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := db.ParseCursor(s)
		if err != nil {
			if c != nil {
				t.Fatal("a refused cursor with a value")
			}
			return
		}
		back, err := db.ParseCursor(c.String())
		if err != nil || *back != *c {
			t.Fatalf("cursor %q prints as %q, which reads back as %+v (%v)", s, c.String(), back, err)
		}
		if _, _, err := st.SearchPlacements(context.Background(), db.PlacementFilter{After: c, Limit: 1, Levels: map[string]db.Level{}}); err != nil {
			t.Fatalf("cursor %q accepted but the search fails: %v", s, err)
		}
		if _, _, err := st.SearchPlacements(context.Background(), db.PlacementFilter{Query: "kokk", After: c, Limit: 1, Levels: map[string]db.Level{}}); err != nil {
			t.Fatalf("cursor %q accepted but the text search fails: %v", s, err)
		}
	})
}

// Any text in a link's place is looked up safely: found or ErrNotFound,
// never a database error, whatever its bytes or length.
func FuzzLinkTokenLookup(f *testing.F) {
	st := dbtest.Open(f)
	for _, s := range []string{strings.Repeat("A", 43), "", "'; DROP TABLE link_tokens; --", "\x00\xff", strings.Repeat("é", 60)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := st.LinkTokenLookup(context.Background(), s)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("LinkTokenLookup(%q): %v", s, err)
		}
	})
}
