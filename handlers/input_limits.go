package handlers

import "unicode"

// Limits on the shape of a request's query and form, checked once for
// every route (checkText) before a handler reads a value. No form of
// ours has more than about 60 values or more than 18 values of one
// field (the language checkboxes); the caps leave room for that and stop
// a crafted request from making a handler do quadratic work over
// thousands of values (issue 21: 14,000 "languages" in one POST).
const (
	maxRequestValues  = 400 // query and form values together
	maxValuesPerField = 60  // values of one name (checkboxes)
)

// multiLineFields are the fields entered in a textarea: they may hold
// line breaks and tabs. Every other field is one line, and a control
// character in it — a line break that would become an extra line in a
// mail's text part, a TAB, an escape — is refused. The test
// TestMultiLineFieldsAreTheTextareas keeps this list equal to the
// textareas in views/.
var multiLineFields = map[string]bool{
	"adaptations": true, "adaptations_other": true, "body": true, "comment": true, "follow_up_plan": true,
	"goals_text": true, "mentor_tasks": true, "note": true, "notes": true, "reason": true, "reason_note": true, "review_changes": true,
	"tasks": true,
}

// exemptFields are never checked for control characters: a password is
// hashed, never shown or mailed, and one set before this rule must still
// sign in; a redirect target (next, back) goes through safeNext, which
// drops one with a control character and sends the person home instead
// of refusing their sign-in.
var exemptFields = map[string]bool{"password": true, "current": true, "new": true, "confirm": true, "next": true, "back": true}

// textProblem returns the message ID of what is wrong with the value of
// field, or "": a single-line field holds no control character (C0, DEL,
// C1, and the Unicode line and paragraph separators). Multi-line fields
// are left as they were: the text part of a mail and the search snippet
// escape or fold what they hold.
func textProblem(field, value string) string {
	if exemptFields[field] || multiLineFields[field] {
		return ""
	}
	for _, r := range value {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "error.control_chars"
		}
	}
	return ""
}

// inputCounter counts a request's values, in total and per field, in one
// pass (a map, so a request of many distinct values costs linear time).
type inputCounter struct {
	total    int
	perField map[string]int
}

// add counts one value of field and reports whether the caps still hold.
func (ic *inputCounter) add(field []byte) bool {
	if ic.perField == nil {
		ic.perField = map[string]int{}
	}
	ic.total++
	ic.perField[string(field)]++
	return ic.total <= maxRequestValues && ic.perField[string(field)] <= maxValuesPerField
}
