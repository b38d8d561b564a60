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
			tm, err := template.New(id).Parse(src)
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
	if m, err := parse("{{if .X}}a{{end}}"); err != nil || m.tmpl == nil {
		t.Errorf("a message with an action is not a template: %v", err)
	}
	if m, _ := parse("Hei"); m.tmpl != nil || m.text != "Hei" {
		t.Error("a plain message is parsed as a template")
	}
	if _, err := parse("{{if .X}}a"); err == nil {
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
