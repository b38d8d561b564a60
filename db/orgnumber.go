package db

import (
	"strings"
	"unicode"
)

// ValidOrgNumber reports whether s is a Norwegian organisation number: nine
// digits whose last is a mod-11 check digit with weights 3 2 7 6 5 4 3 2
// over the first eight (remainder 0 gives 0; a computed 10 is invalid).
func ValidOrgNumber(s string) bool {
	if len(s) != 9 {
		return false
	}
	weights := [8]int{3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i := 0; i < 9; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		if i < 8 {
			sum += int(s[i]-'0') * weights[i]
		}
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	if check == 10 {
		return false
	}
	return int(s[8]-'0') == check
}

// NormaliseOrgNumber removes the spaces and dots people type in
// "123 456 789", including the (narrow) non-breaking spaces a number
// copied from a web page has. It works on runes: a non-breaking space is
// two bytes in UTF-8.
func NormaliseOrgNumber(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
