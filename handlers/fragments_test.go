package handlers

import (
	"fmt"
	"html/template"
	"reflect"
	"strings"
	"testing"
)

// Every field a caseload row shows is part of its fragment key: changing
// any one of them (or the language, or the adviser column) is another key,
// so a cached row is never shown for a line that differs from it.
func TestCaseloadLineKeyHoldsEveryField(t *testing.T) {
	base := caseloadLine{ID: 7, FirstName: "Olena", LastName: "Kovalenko", AdviserName: "Rita", Status: "active",
		RiskText: "r", BasisText: "b", CurrentAgreement: 3, CurrentTitle: "t", CurrentOrg: "o", End: "01.01.2027",
		MonthsLeft: "1", OutcomeText: "x", StatusText: "s", AgreementStatus: "a", AgreementClass: "c",
		Levels: []levelCell{{Short: "L", Name: "Lytting", Text: "A2/B1"}, {Short: "M", Name: "Muntlig", Text: "B1/B1", Reached: true}}}
	k0 := caseloadLineKey("nb", false, &base)
	seen := map[string]string{k0: "base"}
	differs := func(what, k string) {
		t.Helper()
		if other, ok := seen[k]; ok {
			t.Errorf("changing %s gives the same key as %s", what, other)
		}
		seen[k] = what
	}
	differs("the language", caseloadLineKey("en", false, &base))
	differs("the adviser column", caseloadLineKey("nb", true, &base))
	typ := reflect.TypeOf(base)
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if f.Name == "HTML" {
			continue // the output, not an input
		}
		l := base
		l.Levels = append([]levelCell(nil), base.Levels...)
		v := reflect.ValueOf(&l).Elem().Field(i)
		switch v.Kind() {
		case reflect.String:
			v.SetString(v.String() + "!")
		case reflect.Int64:
			v.SetInt(v.Int() + 1)
		case reflect.Bool:
			v.SetBool(!v.Bool())
		case reflect.Slice: // the levels: each field of each cell
			for j := range l.Levels {
				ct := reflect.TypeOf(levelCell{})
				for m := 0; m < ct.NumField(); m++ {
					ll := l
					ll.Levels = append([]levelCell(nil), base.Levels...)
					cv := reflect.ValueOf(&ll.Levels[j]).Elem().Field(m)
					switch cv.Kind() {
					case reflect.String:
						cv.SetString(cv.String() + "!")
					case reflect.Bool:
						cv.SetBool(!cv.Bool())
					default:
						t.Fatalf("levelCell.%s: a kind the test does not change (%s)", ct.Field(m).Name, cv.Kind())
					}
					differs(fmt.Sprintf("Levels[%d].%s", j, ct.Field(m).Name), caseloadLineKey("nb", false, &ll))
				}
			}
			ll := l
			ll.Levels = base.Levels[:1]
			differs("a level fewer", caseloadLineKey("nb", false, &ll))
			continue
		default:
			t.Fatalf("caseloadLine.%s: a kind the test does not change (%s): add it to the key and here", f.Name, v.Kind())
		}
		differs(f.Name, caseloadLineKey("nb", false, &l))
	}
	// Parts cannot run into each other: moving text from one field to
	// the next is another key.
	a, b := base, base
	a.FirstName, a.LastName = "Ole", "Nordmann"
	b.FirstName, b.LastName = "OleN", "ordmann"
	if caseloadLineKey("nb", false, &a) == caseloadLineKey("nb", false, &b) {
		t.Error("text moved between two fields gives the same key")
	}
}

// The cache keeps no more bytes than its bound, the least recently used
// out first, and a fragment larger than the bound is not kept.
func TestFragmentCacheBound(t *testing.T) {
	c := newFragmentCache(100)
	put := func(k string, n int) { c.put(k, template.HTML(strings.Repeat("x", n))) }
	put("a", 39) // 40 bytes with its key
	put("b", 39)
	if _, ok := c.get("a"); !ok { // a is now the most recently used
		t.Fatal("a is missing")
	}
	put("c", 39) // 120 > 100: b goes
	if _, ok := c.get("b"); ok {
		t.Error("b, the least recently used, is still kept")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%s is missing", k)
		}
	}
	if c.size != 80 || c.size > c.max {
		t.Errorf("size %d, want 80 (bound %d)", c.size, c.max)
	}
	put("huge", 200)
	if _, ok := c.get("huge"); ok || c.size != 80 {
		t.Errorf("a fragment over the bound was kept (size %d)", c.size)
	}
}
