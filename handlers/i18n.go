package handlers

import (
	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/language"

	"praksis/locale"
)

// Locales Praksis speaks; the first is the default.
var Locales = locale.Supported

const langCookie = "praksis_lang"

// langHintKey holds a language a handler knows fits the visitor better
// than the browser's (the language of the mail they came from).
const langHintKey = "lang_hint"

var matcher = language.NewMatcher([]language.Tag{language.MustParse("nb"), language.English, language.MustParse("no"), language.MustParse("nn")})

// translate renders a message in a language; data is key, value pairs.
func (a *App) translate(lang, id string, data ...any) string { return a.tr.T(lang, id, data...) }

// locale decides the request's language: the signed-in user's choice, else
// the visitor's cookie, else the browser's Accept-Language, else bokmål.
func (a *App) locale(c *fiber.Ctx) string {
	if s := session(c); s != nil && validLocale(s.User.Locale) {
		return s.User.Locale
	}
	if l := c.Cookies(langCookie); validLocale(l) {
		return l
	}
	if l, ok := c.Locals(langHintKey).(string); ok && validLocale(l) {
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

func validLocale(l string) bool { return locale.Valid(l) }
