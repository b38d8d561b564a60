package locale

import (
	"fmt"
	"strings"
	"testing"
	"text/template"
	"time"
)

// Every message renders as text/template (what go-i18n executed before)
// renders it, with values of the kinds the handlers pass.
func TestTranslateMatchesTemplate(t *testing.T) {
	tr, err := New()
	if err != nil {
		t.Fatal(err)
	}
	hours, name := 30.0, "Kari"
	v := ptrStringer{7}
	pv := &v
	pp := &pv
	var none *float64
	for _, args := range [][]any{
		{"Name", "Åse <b>", "Count", 3, "Total", 1200, "Months", 7, "ID", "abc123", "Hours", 37.5, "Date", "24.08.2030"},
		// Pointers print what they point at, as in text/template (a
		// placement's hours per week are a *float64).
		{"Name", &name, "Count", int64(3), "Total", uint(9), "Months", none, "Hours", &hours, "Date", time.Date(2030, 8, 24, 0, 0, 0, 0, time.UTC)},
		// A key given twice: the last one, as in the map go-i18n made;
		// a pointer to a pointer to a type whose String has a pointer
		// receiver.
		{"Name", "first", "Name", "second", "Count", &pp, "ID", pv},
	} {
		checkAll(t, tr, args)
	}
}

type ptrStringer struct{ n int }

func (p *ptrStringer) String() string { return fmt.Sprintf("P(%d)", p.n) }

func checkAll(t *testing.T, tr *Translator, args []any) {
	t.Helper()
	checked := 0
	for _, lang := range Supported {
		raw, err := Catalogue(lang)
		if err != nil {
			t.Fatal(err)
		}
		for id, src := range raw {
			tm, err := template.New(id).Funcs(funcs(lang)).Parse(src)
			if err != nil {
				t.Fatalf("%s %s: %v", lang, id, err)
			}
			m := map[string]any{}
			for i := 0; i < len(args); i += 2 {
				m[args[i].(string)] = args[i+1]
			}
			var want strings.Builder
			if err := tm.Execute(&want, m); err != nil {
				t.Fatalf("%s %s: %v", lang, id, err)
			}
			if got := tr.T(lang, id, args...); got != want.String() {
				t.Errorf("%s %s: got %q, want %q", lang, id, got, want.String())
			}
			checked++
		}
	}
	if checked < 1000 {
		t.Fatalf("checked only %d messages", checked)
	}
}

func TestTranslateFallbacks(t *testing.T) {
	tr, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.T("en", "no.such.message"); got != "no.such.message" {
		t.Errorf("missing message: %q", got)
	}
	if got, want := tr.T("xx", "dashboard.hello", "Name", "Ola"), "Hei, Ola"; got != want {
		t.Errorf("unknown language: %q, want %q", got, want)
	}
	if got, want := tr.T("en", "dashboard.hello"), "Hi, <no value>"; !strings.HasSuffix(got, "<no value>") {
		t.Errorf("placeholder without value: %q, want like %q", got, want)
	}
	if tr.Has("en", "no.such.message") || !tr.Has("en", "dashboard.hello") {
		t.Error("Has is wrong")
	}
	if m, err := parse("nb", "{{if .X}}a{{end}}"); err != nil || m.tmpl == nil {
		t.Errorf("a message with an action is not a template: %v", err)
	}
	if m, _ := parse("nb", "Hei"); m.tmpl != nil || m.text != "Hei" {
		t.Error("a plain message is parsed as a template")
	}
	if _, err := parse("nb", "{{if .X}}a"); err == nil {
		t.Error("a broken message is accepted")
	}
}

func BenchmarkTranslate(b *testing.B) {
	tr, err := New()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		tr.T("nb", "level.a2")
		tr.T("nb", "participants.months_left", "Months", 7)
	}
}

// TestPlural: each language's CLDR categories pick the right form, a
// count that is not a number takes the last form, and too few forms fall
// back to the last one given.
func TestPlural(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    any
		want string
	}{
		{"nb", 1, "one"}, {"nb", 0, "other"}, {"nb", 2, "other"}, {"en", int64(1), "one"}, {"en", 11, "other"},
		{"en", "1", "one"}, {"en", "x", "other"}, {"en", nil, "other"},
		{"uk", 1, "one"}, {"uk", 21, "one"}, {"uk", 11, "many"}, {"uk", 2, "few"}, {"uk", 24, "few"}, {"uk", 12, "many"},
		{"uk", 5, "many"}, {"uk", 0, "many"}, {"uk", 111, "many"}, {"uk", 101, "one"},
		{"ar", 0, "zero"}, {"ar", 1, "one"}, {"ar", 2, "two"}, {"ar", 3, "few"}, {"ar", 110, "few"}, {"ar", 11, "many"},
		{"ar", 99, "many"}, {"ar", 100, "other"}, {"ar", 102, "other"},
	} {
		forms := map[string][]string{"nb": {"one", "other"}, "en": {"one", "other"}, "uk": {"one", "few", "many", "other"},
			"ar": {"zero", "one", "two", "few", "many", "other"}}[c.lang]
		got, err := funcs(c.lang)["plural"].(func(any, ...string) (string, error))(c.n, forms...)
		if err != nil || got != c.want {
			t.Errorf("%s %v: %q %v, want %q", c.lang, c.n, got, err, c.want)
		}
	}
	if got, _ := Render("uk", `{{.N}} {{plural .N "місяць"}}`, map[string]any{"N": 5}); got != "5 місяць" {
		t.Errorf("one form for all: %q", got)
	}
	tr, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[int]string{1: "1 month left", 7: "7 months left"} {
		if got := tr.T("en", "participants.months_left", "Months", n); got != want {
			t.Errorf("months_left %d: %q, want %q", n, got, want)
		}
	}
	if got := tr.T("nb", "participants.count", "Count", 1); got != "1 deltaker" {
		t.Errorf("nb count 1: %q", got)
	}
}
