// Package locale loads the message catalogues (views/locales) once and
// translates message IDs into bokmål or English, for pages and e-mail alike.
package locale

import (
	"fmt"
	"io/fs"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"praksis/views"
)

// Supported lists the languages Praksis speaks; the first is the default.
var Supported = []string{"nb", "en"}

// Valid reports whether l is a supported language.
func Valid(l string) bool { return l == "nb" || l == "en" }

// Translator renders message IDs in a language. It is safe for concurrent use.
type Translator struct {
	localizers map[string]*i18n.Localizer
}

// New loads every catalogue; a broken catalogue fails at start.
func New() (*Translator, error) {
	b := i18n.NewBundle(language.MustParse("nb"))
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	t := &Translator{localizers: map[string]*i18n.Localizer{}}
	for _, l := range Supported {
		if _, err := b.LoadMessageFileFS(views.FS, "locales/"+l+".toml"); err != nil {
			return nil, fmt.Errorf("locale: messages %s: %w", l, err)
		}
		t.localizers[l] = i18n.NewLocalizer(b, l)
	}
	return t, nil
}

// T renders a message; data is alternating key, value pairs for the
// message's template. A missing message shows its ID (and the catalogue
// test fails).
func (t *Translator) T(lang, id string, data ...any) string {
	var tmpl map[string]any
	if len(data) > 1 {
		tmpl = make(map[string]any, len(data)/2)
		for i := 0; i+1 < len(data); i += 2 {
			if k, ok := data[i].(string); ok {
				tmpl[k] = data[i+1]
			}
		}
	}
	loc := t.localizers[lang]
	if loc == nil {
		loc = t.localizers[Supported[0]]
	}
	s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: tmpl})
	if err != nil {
		return id
	}
	return s
}

// Has reports whether the catalogue of lang has a message id.
func (t *Translator) Has(lang, id string) bool {
	loc := t.localizers[lang]
	if loc == nil {
		return false
	}
	_, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id})
	return err == nil
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
