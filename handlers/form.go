package handlers

import (
	"net/mail"

	"github.com/gofiber/fiber/v2"
	"strings"
	"unicode/utf8"
)

// Form carries what a person typed and the problems found, so an invalid
// form is shown again with every value kept and each message beside its
// field. Errors hold message IDs; templates translate them.
type Form struct {
	Values map[string]string
	// Lists are the multi-valued fields (checkboxes) as ticked, so a
	// refused form shows every tick again.
	Lists  map[string][]string
	Errors map[string]string
	order  []string // fields in the order their problems were found
	// labels are the fields' labels as the page shows them, recorded as
	// each field renders: the summary at the top names the field with its
	// message (render renders a page twice when the summary came first).
	labels map[string]string
}

// Problem is one field's error, for the summary at the top of a form:
// the field's label (empty when the page has no labelled field of that
// name) and the message ID.
type Problem struct{ Field, Label, MsgID string }

// Problems lists the errors in the order found (the form's field order).
func (f Form) Problems() []Problem {
	out := make([]Problem, 0, len(f.order))
	for _, k := range f.order {
		out = append(out, Problem{k, f.labels[k], f.Errors[k]})
	}
	return out
}

// Unlabelled reports whether a problem's field has no label recorded yet:
// the summary marks itself so, and render renders the page once more.
func (f Form) Unlabelled() bool {
	for _, k := range f.order {
		if f.labels[k] == "" {
			return true
		}
	}
	return false
}

// setLabel records the label a field is shown with. A Form made without
// newForm has no map and records nothing.
func (f Form) setLabel(field, label string) {
	if f.labels != nil && label != "" {
		f.labels[field] = label
	}
}

func newForm() Form {
	return Form{Values: map[string]string{}, Lists: map[string][]string{}, Errors: map[string]string{}, labels: map[string]string{}}
}

// Check records msgID for field unless ok; the first problem per field wins.
func (f *Form) Check(ok bool, field, msgID string) {
	if !ok {
		if _, seen := f.Errors[field]; !seen {
			f.Errors[field] = msgID
			f.order = append(f.order, field)
		}
	}
}

// Valid reports whether no check failed.
func (f Form) Valid() bool { return len(f.Errors) == 0 }

// Required checks that a value is present and at most max characters.
func (f *Form) Required(field string, max int) {
	v := f.Values[field]
	f.Check(strings.TrimSpace(v) != "", field, "form.required")
	f.Check(utf8.RuneCountInString(v) <= max, field, "form.too_long")
}

// Contains reports whether list holds s.
func Contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ValidEmail accepts a plain address (no display name) of sensible length.
func ValidEmail(s string) bool {
	if len(s) < 3 || len(s) > 254 || strings.ContainsAny(s, " <>") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndex(s, "@"):], ".")
}

// Password rules: long enough to resist guessing, short enough that
// argon2 over it stays cheap, and not the e-mail address.
const (
	minPasswordLen = 10
	maxPasswordLen = 128
)

// PasswordProblem returns the message ID of what is wrong with a new
// password, or "" when it is acceptable.
func PasswordProblem(password, email string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case n < minPasswordLen:
		return "form.password_short"
	case n > maxPasswordLen:
		return "form.password_long"
	case strings.EqualFold(strings.TrimSpace(password), strings.TrimSpace(email)):
		return "form.password_is_email"
	}
	return ""
}

// truncateRunes cuts s to at most n characters, never inside one.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// List reads a multi-valued field (checkboxes) like formList and keeps
// it, so the form shows the ticks again if it is refused.
func (f *Form) List(c *fiber.Ctx, name string) []string {
	v := formList(c, name)
	if f.Lists == nil {
		f.Lists = map[string][]string{}
	}
	f.Lists[name] = v
	return v
}

// formList reads a multi-valued form field (checkboxes); a value sent
// twice counts once.
func formList(c *fiber.Ctx, name string) []string {
	var out []string
	for _, v := range c.Request().PostArgs().PeekMulti(name) {
		if s := string(v); !Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
