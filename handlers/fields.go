package handlers

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// fieldData is what partials/form/input and partials/form/select render.
type fieldData struct {
	Page                    *Page
	Name, Type, Label, Hint string
	Value, Error            string
	Autocomplete, Inputmode string
	Required                bool
	Max                     int    // a long text's limit in characters, shown with a counter
	Count                   int    // characters in Value
	Live                    string // URL that checks the field as the person types (htmx)
	Options                 []option
}

type option struct {
	Value, Label string
	Selected     bool
}

func newField(pg pager, f Form, name, labelID string) fieldData {
	p := pg.page()
	d := fieldData{Page: p, Name: name, Label: p.T(labelID), Value: f.Values[name], Required: true}
	if hint := p.T(labelID + "_hint"); hint != labelID+"_hint" {
		d.Hint = hint
	}
	if id := f.Errors[name]; id != "" {
		d.Error = p.T(id)
	}
	f.setLabel(name, d.Label)
	return d
}

// labelFor is the template function `label`: the translated label of a
// field the page writes itself (a fieldset's legend, a radio group), and
// recorded, so the error summary names that field too.
func labelFor(pg pager, f Form, name, labelID string) string {
	l := pg.page().T(labelID)
	f.setLabel(name, l)
	return l
}

// nameField is the template function `nameField`: it records the text a
// field is known by in the error summary (a repeated field such as one
// day's hours: "Monday 1.12 – Hours") when the page writes the field
// itself, and renders nothing.
func nameField(f Form, name, text string) string {
	f.setLabel(name, text)
	return ""
}

// inputField is the template function `input`: a labelled input with its
// hint and error. opts are "autocomplete=…", "inputmode=…" or "optional".
func inputField(pg pager, f Form, name, typ, labelID string, opts ...string) fieldData {
	d := newField(pg, f, name, labelID)
	d.Type = typ
	if typ == "password" {
		d.Value = "" // never echo a password back into the page
	}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "autocomplete":
			d.Autocomplete = v
		case "inputmode":
			d.Inputmode = v
		case "optional":
			d.Required = false
		case "live":
			d.Live = v
		case "max":
			d.Max, _ = strconv.Atoi(v)
			d.Count = utf8.RuneCountInString(d.Value)
		}
	}
	return d
}

// selectField is the template function `choice`: a select whose option
// labels are the messages prefix+value.
func selectField(pg pager, f Form, name, labelID, prefix string, values []string) fieldData {
	d := newField(pg, f, name, labelID)
	for _, v := range values {
		d.Options = append(d.Options, option{Value: v, Label: d.Page.T(prefix + v), Selected: v == f.Values[name]})
	}
	return d
}

// checksData is what partials/form/checkboxes renders.
type checksData struct {
	Name, IDPrefix, Class, Error string
	Options                      []option
}

// checkboxes is the template function `checks`: a group of checkboxes for
// a multi-valued field, labelled by the messages labelPrefix+value, with
// the field's error under it.
func checkboxes(pg pager, f Form, name, idPrefix, labelPrefix string, values, checked []string, class string) checksData {
	p := pg.page()
	d := checksData{Name: name, IDPrefix: idPrefix, Class: class}
	if id := f.Errors[name]; id != "" {
		d.Error = p.T(id)
	}
	if ticked, ok := f.Lists[name]; ok {
		// A refused form: the ticks as sent, not as stored.
		checked = ticked
	}
	for _, v := range values {
		d.Options = append(d.Options, option{Value: v, Label: p.T(labelPrefix + v), Selected: Contains(checked, v)})
	}
	return d
}

// newPasswordData is what partials/form/new_password renders: the form in
// which a person chooses a password (on /password, after an invitation,
// after a reset).
type newPasswordData struct {
	Page     *Page
	Action   string
	Username string     // the account's address, for password managers
	First    *fieldData // the page's own field before the new password, if any
	New      fieldData
	Confirm  fieldData
	Submit   string
}

// newPasswordForm is the template function `newPassword`: the form posts
// to action; the new password is the field newName labelled newLabelID,
// followed by "confirm"; first, when given, comes before them.
func newPasswordForm(pg pager, f Form, action, username, newName, newLabelID, submitID string, first ...fieldData) newPasswordData {
	d := newPasswordData{Page: pg.page(), Action: action, Username: username, Submit: pg.page().T(submitID),
		New:     inputField(pg, f, newName, "password", newLabelID, "autocomplete=new-password"),
		Confirm: inputField(pg, f, "confirm", "password", "password.confirm", "autocomplete=new-password")}
	if len(first) > 0 {
		d.First = &first[0]
	}
	return d
}
