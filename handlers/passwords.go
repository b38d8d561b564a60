package handlers

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Password rules: long enough to resist guessing, short enough that
// argon2 over it stays cheap, not on the list of common and leaked
// passwords (ASVS 2.1.7; commonpasswords/README.md), and not the
// person's own e-mail address or name.
const (
	minPasswordLen = 10
	maxPasswordLen = 128
)

var (
	//go:embed commonpasswords/passwords.txt
	commonPasswordList string
	//go:embed commonpasswords/local.txt
	localPasswordList string
)

// commonPasswords is the set of both lists, made on first use: a set of
// some 50,000 strings is ~3 MB, which a process that never checks a new
// password (a replica that only serves pages, a job) does not pay.
var commonPasswords = sync.OnceValue(func() map[string]bool {
	set := make(map[string]bool, 50000)
	for _, list := range []string{commonPasswordList, localPasswordList} {
		for _, p := range strings.Split(list, "\n") {
			if p != "" {
				set[p] = true
			}
		}
	}
	return set
})

// PasswordProblem returns the message ID of what is wrong with a new
// password for the account with this e-mail address and these names
// (the person's name, their organisation's), or "" when it is
// acceptable. Every place a password is chosen calls it: sign-up,
// /password, the invitation and reset links, create-user.
func PasswordProblem(password, email string, names ...string) string {
	n := utf8.RuneCountInString(password)
	lower := strings.ToLower(strings.TrimSpace(password))
	switch {
	case n < minPasswordLen:
		return "form.password_short"
	case n > maxPasswordLen:
		return "form.password_long"
	case lower == strings.ToLower(strings.TrimSpace(email)):
		return "form.password_is_email"
	case isCommonPassword(lower, passwordCore(lower)):
		return "form.password_common"
	case isPersonal(lower, passwordCore(lower), email, names):
		return "form.password_personal"
	}
	return ""
}

// passwordCore is the password without the digits, punctuation and
// spaces at its end: what "passord123!" and "kari.nordmann2024" are made
// from.
func passwordCore(lower string) string {
	return strings.TrimRightFunc(lower, func(r rune) bool {
		return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r)
	})
}

// isCommonPassword reports whether the lower-cased password is on the
// lists, or is a listed word of four letters or more with digits and
// punctuation after it ("passord123!"), or one short or listed piece said
// over and over ("passordpassord", "abcabcabcabc").
func isCommonPassword(lower, core string) bool {
	common := commonPasswords()
	if common[lower] || utf8.RuneCountInString(core) >= 4 && common[core] {
		return true
	}
	r := []rune(lower)
	for size := 1; size <= len(r)/2; size++ {
		if len(r)%size != 0 {
			continue
		}
		unit := string(r[:size])
		if strings.Repeat(unit, len(r)/size) == lower && (size <= 4 || common[unit]) {
			return true
		}
	}
	return false
}

// isPersonal reports whether the lower-cased password is the e-mail
// address's local part or one of the names — whole, without its spaces
// or dots, or a word of it of four letters or more — with at most digits
// and punctuation after it ("kari.nordmann1!", "karinordmann2024").
func isPersonal(lower, core, email string, names []string) bool {
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	for _, s := range append([]string{local}, names...) {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		forms := []string{s, strings.NewReplacer(" ", "", ".", "", "-", "", "_", "").Replace(s)}
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
			if utf8.RuneCountInString(w) >= 4 {
				forms = append(forms, w)
			}
		}
		for _, f := range forms {
			if f != "" && (lower == f || core == f) {
				return true
			}
		}
	}
	return false
}
