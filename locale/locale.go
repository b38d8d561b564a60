// Package locale loads the message catalogues (views/locales) once and
// translates message IDs into bokmål or English, for pages and e-mail alike.
//
// Most messages are plain strings with {{.Name}} placeholders. They are
// split into literal parts and placeholders when the catalogues load, so a
// translation is a map lookup and, for a message with placeholders, one
// small concatenation; the few with other template actions ({{if .Org}})
// are parsed once as text/template, the syntax go-i18n used. The reason: the caseload renders
// some 20 translations a row, and go-i18n's Localize (a language match and a
// template execution per call) was most of that page's time
// (docs/benchmarks.md).
package locale

import (
	"fmt"
	"io/fs"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"text/template"

	"github.com/BurntSushi/toml"

	"praksis/views"
)

// Supported lists the languages Praksis speaks; the first is the default.
var Supported = []string{"nb", "en"}

// Valid reports whether l is a supported language.
func Valid(l string) bool { return l == "nb" || l == "en" }

// message is a catalogue entry split at its placeholders: parts[0],
// keys[0], parts[1], keys[1], …, parts[len(keys)]; or, for a message with
// other actions, its parsed template.
type message struct {
	parts []string
	keys  []string
	tmpl  *template.Template
}

// placeholder is the one template form the catalogues use.
var placeholder = regexp.MustCompile(`\{\{\s*\.([A-Za-z][A-Za-z0-9_]*)\s*\}\}`)

func parse(src string) (message, error) {
	var m message
	last := 0
	for _, loc := range placeholder.FindAllStringSubmatchIndex(src, -1) {
		m.parts = append(m.parts, src[last:loc[0]])
		m.keys = append(m.keys, src[loc[2]:loc[3]])
		last = loc[1]
	}
	m.parts = append(m.parts, src[last:])
	for _, p := range m.parts {
		if strings.Contains(p, "{{") || strings.Contains(p, "}}") {
			tmpl, err := template.New("").Option("missingkey=default").Parse(src)
			return message{tmpl: tmpl}, err
		}
	}
	return m, nil
}

// Translator renders message IDs in a language. It is safe for concurrent
// use: it is only read after New.
type Translator struct {
	messages map[string]map[string]message
}

// New loads every catalogue; a broken catalogue fails at start.
func New() (*Translator, error) {
	t := &Translator{messages: map[string]map[string]message{}}
	for _, l := range Supported {
		raw, err := Catalogue(l)
		if err != nil {
			return nil, fmt.Errorf("locale: messages %s: %w", l, err)
		}
		ms := make(map[string]message, len(raw))
		for id, src := range raw {
			m, err := parse(src)
			if err != nil {
				return nil, fmt.Errorf("locale: messages %s: %s: %w", l, id, err)
			}
			ms[id] = m
		}
		t.messages[l] = ms
	}
	return t, nil
}

// lookup finds a message in lang, else in the default language.
func (t *Translator) lookup(lang, id string) (message, bool) {
	if ms, ok := t.messages[lang]; ok {
		if m, ok := ms[id]; ok {
			return m, true
		}
	}
	m, ok := t.messages[Supported[0]][id]
	return m, ok
}

// T renders a message; data is alternating key, value pairs for the
// message's placeholders (a value prints as fmt.Sprint prints it; a
// placeholder without a value prints "<no value>", as text/template would).
// A missing message shows its ID (and the catalogue test fails).
func (t *Translator) T(lang, id string, data ...any) string {
	m, ok := t.lookup(lang, id)
	if !ok {
		return id
	}
	if m.tmpl != nil {
		vals := make(map[string]any, len(data)/2)
		for i := 0; i+1 < len(data); i += 2 {
			if k, ok := data[i].(string); ok {
				vals[k] = data[i+1]
			}
		}
		var b strings.Builder
		if err := m.tmpl.Execute(&b, vals); err != nil {
			return id
		}
		return b.String()
	}
	if len(m.keys) == 0 {
		return m.parts[0]
	}
	var b strings.Builder
	for i, k := range m.keys {
		b.WriteString(m.parts[i])
		b.WriteString(value(k, data))
	}
	b.WriteString(m.parts[len(m.keys)])
	return b.String()
}

// value is the value of key among key, value pairs (the last one, when a
// key is given twice, as a map of them would hold), printed as
// text/template prints it.
func value(key string, data []any) string {
	found := -1
	for i := 0; i+1 < len(data); i += 2 {
		if k, ok := data[i].(string); ok && k == key {
			found = i + 1
		}
	}
	if found < 0 {
		return "<no value>"
	}
	switch v := data[found].(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case fmt.Stringer, error:
		return fmt.Sprint(v)
	}
	// Through pointers to what they point at (a nil pointer prints
	// "<nil>"), and through the method of a pointer receiver where the
	// value has none, as text/template's printableValue does.
	rv := reflect.ValueOf(data[found])
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return "<no value>"
	}
	if rv.CanAddr() {
		switch p := rv.Addr().Interface().(type) {
		case fmt.Stringer, error:
			return fmt.Sprint(p)
		}
	}
	return fmt.Sprint(rv.Interface())
}

// Has reports whether the catalogue of lang has a message id.
func (t *Translator) Has(lang, id string) bool {
	_, ok := t.messages[lang][id]
	return ok
}

// Catalogue returns the raw messages of one language's file, for the test
// that every language is complete.
func Catalogue(lang string) (map[string]string, error) {
	raw, err := fs.ReadFile(views.FS, "locales/"+lang+".toml")
	if err != nil {
		return nil, err
	}
	var m map[string]string
	if err := toml.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}
