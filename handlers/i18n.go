package handlers

import (
	"fmt"
	"io/fs"

	"github.com/BurntSushi/toml"
	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"praksis/views"
)

// Locales Praksis speaks; the first is the default.
var Locales = []string{"nb", "en"}

const langCookie = "praksis_lang"

var matcher = language.NewMatcher([]language.Tag{language.MustParse("nb"), language.English, language.MustParse("no"), language.MustParse("nn")})

func newBundle() (*i18n.Bundle, map[string]*i18n.Localizer, error) {
	b := i18n.NewBundle(language.MustParse("nb"))
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, l := range Locales {
		if _, err := b.LoadMessageFileFS(views.FS, "locales/"+l+".toml"); err != nil {
			return nil, nil, fmt.Errorf("handlers: messages %s: %w", l, err)
		}
	}
	locs := map[string]*i18n.Localizer{}
	for _, l := range Locales {
		locs[l] = i18n.NewLocalizer(b, l)
	}
	return b, locs, nil
}

// Catalogue returns the message IDs of one locale's file, for the test
// that every locale is complete.
func Catalogue(locale string) (map[string]string, error) {
	raw, err := fs.ReadFile(views.FS, "locales/"+locale+".toml")
	if err != nil {
		return nil, err
	}
	var m map[string]string
	if err := toml.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// translate renders a message; data is alternating key, value pairs.
// A missing message shows its ID (and the catalogue test fails).
func (a *App) translate(locale, id string, data ...any) string {
	var tmpl map[string]any
	if len(data) > 1 {
		tmpl = make(map[string]any, len(data)/2)
		for i := 0; i+1 < len(data); i += 2 {
			if k, ok := data[i].(string); ok {
				tmpl[k] = data[i+1]
			}
		}
	}
	loc := a.localizers[locale]
	if loc == nil {
		loc = a.localizers[Locales[0]]
	}
	s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: tmpl})
	if err != nil {
		return id
	}
	return s
}

// locale decides the request's language: the signed-in user's choice, else
// the visitor's cookie, else the browser's Accept-Language, else bokmål.
func (a *App) locale(c *fiber.Ctx) string {
	if s := session(c); s != nil && validLocale(s.User.Locale) {
		return s.User.Locale
	}
	if l := c.Cookies(langCookie); validLocale(l) {
		return l
	}
	if al := c.Get(fiber.HeaderAcceptLanguage); al != "" {
		tags, _, err := language.ParseAcceptLanguage(al)
		if err == nil && len(tags) > 0 {
			tag, _, conf := matcher.Match(tags...)
			if conf != language.No {
				if base, _ := tag.Base(); base.String() == "en" {
					return "en"
				}
				return "nb"
			}
		}
	}
	return Locales[0]
}

func validLocale(l string) bool { return l == "nb" || l == "en" }
