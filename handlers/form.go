package handlers

import (
	"html/template"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
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

// ValidEmail accepts a plain address (no display name, no quotes, no
// comments, no IP literal) of sensible length: one "@"; a local part of
// letters, digits and . _ + - ' (no dot first, last or twice); a domain
// of at least two labels of letters, digits and inner hyphens. It is the
// one check of every address Praksis stores, and a mailto: link is made
// only from an address it accepts (mailtoURL): "?", "&", "%", "#" and the
// like, which RFC 5322 allows but which would add headers or a body to a
// mailto: link, are refused.
func ValidEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || len(s) > 254 || len(local) == 0 || len(local) > 64 || len(domain) > 253 || strings.Contains(domain, "@") {
		return false
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for _, r := range local {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("._+-'", r) {
			return false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' {
				return false
			}
		}
	}
	if strings.IndexFunc(labels[len(labels)-1], unicode.IsLetter) < 0 {
		return false // a top-level domain is never all digits: no IP addresses
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// mailtoURL is the template function `mailto`: a mailto: link to addr
// when it is a valid address, else "" (the page then shows the address
// as text). Only ValidEmail's characters reach the link, so it cannot
// carry ?cc=, &body= or another header.
func mailtoURL(addr string) template.URL {
	if !ValidEmail(addr) {
		return ""
	}
	return template.URL("mailto:" + addr)
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
// twice counts once. A set, not a search of the list so far: the work
// stays linear in the number of values (checkText caps them too).
func formList(c *fiber.Ctx, name string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range c.Request().PostArgs().PeekMulti(name) {
		if s := string(v); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
