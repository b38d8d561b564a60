package locale

import (
	"fmt"
	"strconv"
	"strings"
	"text/template"
)

// Plural forms. A message that counts writes {{plural .N "form" "form" …}}
// with the forms in the order of the language's CLDR plural categories
// (unicode.org/reports/tr35/tr35-numbers.html#Language_Plural_Rules):
//
//	nb, en:  one, other                       ("1 month", "2 months")
//	uk:      one, few, many, other            (1 місяць, 2 місяці, 5 місяців)
//	ar:      zero, one, two, few, many, other
//	ti, prs: one (0 and 1), other
//
// Too few forms fall back to the last one given, so a language whose
// catalogue is still thin never shows a key. The rules cover whole
// numbers, which is all Praksis counts; a fraction takes "other".
var pluralRules = map[string]func(n int64) int{
	"nb": oneOther,
	"en": oneOther,
	// Tigrinya and Dari (as Persian): CLDR's "one" is 0 and 1.
	"ti":  zeroOneOther,
	"prs": zeroOneOther,
	"uk": func(n int64) int { // one, few, many (other is for fractions)
		switch m10, m100 := n%10, n%100; {
		case m10 == 1 && m100 != 11:
			return 0
		case m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14):
			return 1
		default:
			return 2
		}
	},
	"ar": func(n int64) int {
		switch m100 := n % 100; {
		case n == 0:
			return 0
		case n == 1:
			return 1
		case n == 2:
			return 2
		case m100 >= 3 && m100 <= 10:
			return 3
		case m100 >= 11 && m100 <= 99:
			return 4
		default:
			return 5
		}
	},
}

func oneOther(n int64) int {
	if n == 1 {
		return 0
	}
	return 1
}

func zeroOneOther(n int64) int {
	if n <= 1 {
		return 0
	}
	return 1
}

// pluralIndex picks the form for n in lang (the default language's rule
// for a language without one of its own).
func pluralIndex(lang string, n int64) int {
	rule, ok := pluralRules[lang]
	if !ok {
		rule = pluralRules[Supported[0]]
	}
	if n < 0 {
		n = -n
	}
	return rule(n)
}

// funcs are the functions a message may call, bound to its language.
func funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"plural": func(n any, forms ...string) (string, error) {
			if len(forms) == 0 {
				return "", fmt.Errorf("locale: plural without forms")
			}
			i := len(forms) - 1 // "other": what a count we cannot read takes
			if v, ok := count(n); ok {
				i = min(pluralIndex(lang, v), i)
			}
			return forms[i], nil
		},
	}
}

// count reads a message's count argument: any integer, a pointer to one,
// a whole float or a string of digits (tests pass strings).
func count(n any) (int64, bool) {
	switch v := n.(type) {
	case int:
		return int64(v), true
	case int32:
		return int64(v), true
	case int64:
		return v, true
	case uint:
		return int64(v), true
	case float64:
		if v == float64(int64(v)) {
			return int64(v), true
		}
	case *int:
		if v != nil {
			return int64(*v), true
		}
	case *int64:
		if v != nil {
			return *v, true
		}
	case string:
		if i, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			return i, true
		}
	}
	return 0, false
}

// Render renders a catalogue text (not an ID) in lang with vals, as T
// does: for tests that fill a message they read from the catalogue.
func Render(lang, src string, vals map[string]any) (string, error) {
	m, err := parse(lang, src)
	if err != nil || m.tmpl == nil {
		return m.text, err
	}
	var b strings.Builder
	err = m.tmpl.Execute(&b, vals)
	return b.String(), err
}
