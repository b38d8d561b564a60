// Package locale loads the message catalogues (views/locales) once and
// translates message IDs into bokmål or English, for pages and e-mail alike.
//
// A message without placeholders is kept as its string; one with
// placeholders ({{.Name}}, {{if .Org}}…) is parsed once as text/template,
// the syntax go-i18n used, and executed per call. The reason: the caseload
// rendered some 20 translations a row, and go-i18n's Localize (a language
// match and a parse-or-lookup per call) was most of that page's time
// (docs/benchmarks.md).
package locale

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"text/template"

	"github.com/BurntSushi/toml"

	"praksis/views"
)

// Supported lists the languages Praksis speaks; the first is the default.
var Supported = []string{"nb", "en"}

// Valid reports whether l is a supported language.
func Valid(l string) bool { return l == "nb" || l == "en" }

// Participant lists the languages of the participant area (issue 16), in
// the order its language picker shows them: Ukrainian first, then plain
// Norwegian, English, Arabic, Tigrinya and Dari. Their messages (IDs
// "me.*") live in locales/participant/<lang>.toml; nb there is the plain
// language (klarspråk) version, so staff pages keep their own nb.
var Participant = []string{"uk", "nb", "en", "ar", "ti", "prs"}

// ValidParticipant reports whether l is a language of the participant area.
func ValidParticipant(l string) bool { return slices.Contains(Participant, l) }

// RTL reports whether a participant language is written right to left.
func RTL(l string) bool { return l == "ar" || l == "prs" }

// participantPrefix starts every participant message ID, so the two sets
// of catalogues never share an ID.
const participantPrefix = "me."

// message is a catalogue entry: its text, or its parsed template when it
// has placeholders.
type message struct {
	text string
	tmpl *template.Template
}

func parse(lang, src string) (message, error) {
	if !strings.Contains(src, "{{") {
		return message{text: src}, nil
	}
	tmpl, err := template.New("").Funcs(funcs(lang)).Parse(src)
	return message{tmpl: tmpl}, err
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
		if err := t.add(l, raw, false); err != nil {
			return nil, err
		}
	}
	for _, l := range Participant {
		raw, err := ParticipantCatalogue(l)
		if err != nil {
			return nil, fmt.Errorf("locale: participant messages %s: %w", l, err)
		}
		if err := t.add(l, raw, true); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// add parses a catalogue into lang's messages. A participant catalogue
// holds only "me." IDs and a staff one none, so neither shadows the other
// and a participant message missing in a language falls back to the
// plain Norwegian one (lookup), never to a staff text or a key.
func (t *Translator) add(lang string, raw map[string]string, participant bool) error {
	ms := t.messages[lang]
	if ms == nil {
		ms = make(map[string]message, len(raw))
		t.messages[lang] = ms
	}
	for id, src := range raw {
		if strings.HasPrefix(id, participantPrefix) != participant {
			return fmt.Errorf("locale: messages %s: %s: participant messages, and only they, start with %q", lang, id, participantPrefix)
		}
		m, err := parse(lang, src)
		if err != nil {
			return fmt.Errorf("locale: messages %s: %s: %w", lang, id, err)
		}
		ms[id] = m
	}
	return nil
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
// message's placeholders. A missing message shows its ID (and the
// catalogue test fails).
func (t *Translator) T(lang, id string, data ...any) string {
	m, ok := t.lookup(lang, id)
	if !ok {
		return id
	}
	if m.tmpl == nil {
		return m.text
	}
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

// Has reports whether the catalogue of lang has a message id.
func (t *Translator) Has(lang, id string) bool {
	_, ok := t.messages[lang][id]
	return ok
}

// Catalogue returns the raw messages of one language's file, for the test
// that every language is complete.
func Catalogue(lang string) (map[string]string, error) {
	return readCatalogue("locales/" + lang + ".toml")
}

// ParticipantCatalogue returns the raw participant messages ("me.*") of
// one language, for the test that holds every language to the same keys.
func ParticipantCatalogue(lang string) (map[string]string, error) {
	return readCatalogue("locales/participant/" + lang + ".toml")
}

func readCatalogue(name string) (map[string]string, error) {
	raw, err := fs.ReadFile(views.FS, name)
	if err != nil {
		return nil, err
	}
	var m map[string]string
	if err := toml.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}
