package handlers

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"praksis/db"
)

// TestManyFormValuesRefused (issue 21, item 8): 14,000 distinct values
// of one field — a 238 KB POST that cost a handler quadratic work — are
// refused with 413 and a message in the person's language, on the
// placement form's live check and on the participant form; a form with
// a normal number of values still works.
func TestManyFormValuesRefused(t *testing.T) {
	ta := newTestApp(t)
	employer, eu := ta.signIn(db.RoleEmployer)
	adviser, au := ta.signIn(db.RoleAdviser)
	many := url.Values{"title": {"Lager"}}
	for i := range 14000 {
		many.Add("languages", "l"+strconv.Itoa(i))
	}
	for _, lang := range []string{"nb", "en"} {
		ta.exec(`UPDATE users SET locale = $1 WHERE id IN ($2, $3)`, lang, eu.ID, au.ID)
		for _, c := range []struct {
			who        *client
			form, path string
		}{{employer, "/placements/new", "/placements/validate"}, {adviser, "/participants/new", "/participants"}} {
			c.who.get(c.form)                         // the signed-in form's CSRF token
			res := c.who.post(c.path, formWith(many)) // a copy: post adds the client's token
			if res.status != http.StatusRequestEntityTooLarge || !strings.Contains(res.text(), msg(t, lang, "error.too_many_values")) {
				t.Errorf("%s with 14,000 values (%s): %d, want 413 with the message", c.path, lang, res.status)
			}
		}
	}
	// Too many fields, each with one value, are refused too.
	fields := url.Values{}
	for i := range maxRequestValues + 1 {
		fields.Set("f"+strconv.Itoa(i), "x")
	}
	if res := employer.post("/placements/validate", fields); res.status != http.StatusRequestEntityTooLarge {
		t.Errorf("%d fields: %d, want 413", len(fields), res.status)
	}
	// Every language the form offers, each twice, is a normal request.
	normal := url.Values{"title": {"Lager"}}
	for _, l := range append(db.WorkplaceLanguages, db.WorkplaceLanguages...) {
		normal.Add("languages", l)
	}
	res := htmxPost(employer, "/placements/validate", normal)
	if res.status != http.StatusOK {
		t.Errorf("a normal form: %d", res.status)
	}
}

// TestControlCharactersInOneLineFields (issue 21, item 10): a job title
// with CR/LF (which became extra lines in the digest's text part) or a
// TAB is refused with 400 and the message, and nothing is saved; a
// line break in a multi-line field (tasks) is kept.
func TestControlCharactersInOneLineFields(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.freshAgreement()
	adviser := ta.sessionFor(fx.adviser)
	ag := ta.agreement(fx.id)
	sched := scheduleForm(ag)
	for _, title := range []string{"Lager\r\nBcc: x@y.example", "Lager\nmedarbeider", "Lager\tmedarbeider", "Lager\x1b[31m", "Lager\u0085", "Lager\u2028x"} {
		before := ta.agreementState(fx.id)
		res := adviser.post(aPath(fx.id, "/steps/schedule"), formWith(sched, "job_title", title))
		if res.status != http.StatusBadRequest || !strings.Contains(res.text(), msg(t, "nb", "error.control_chars")) {
			t.Errorf("job title %q: %d, want 400 with the message", title, res.status)
		}
		ta.sameAgreement("a job title with a control character", before, ta.agreementState(fx.id))
	}
	// A search (a query parameter) is a single line too.
	if res := adviser.get("/participants?q=" + url.QueryEscape("a\r\nb")); res.status != http.StatusBadRequest {
		t.Errorf("a search with CR/LF: %d, want 400", res.status)
	}
	if res := adviser.post(aPath(fx.id, "/steps/schedule"), formWith(sched, "tasks", "Rydde lager.\r\nSortere varer.\tHver dag.")); res.status != http.StatusSeeOther {
		t.Fatalf("tasks on two lines: %d %s", res.status, res.text())
	}
	if got := ta.agreement(fx.id).Tasks; !strings.Contains(got, "\n") {
		t.Errorf("the tasks lost their line break: %q", got)
	}
}

// TestMultiLineFieldsAreTheTextareas: the fields that may hold line
// breaks are exactly those entered in a textarea in views/, so a new
// textarea is not refused for its line breaks, and no input field is let
// through by an old entry.
func TestMultiLineFieldsAreTheTextareas(t *testing.T) {
	re := regexp.MustCompile(`template "partials/form/textarea" \(input \S+ \S+ "([a-z_]+)"|<textarea[^>]* name="([a-z_]+)"`)
	found := map[string]bool{}
	err := filepath.WalkDir("../views", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := os.ReadFile(path)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			found[m[1]+m[2]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	delete(found, "") // the partial's own name="{{.Name}}"
	var want, got []string
	for k := range found {
		want = append(want, k)
	}
	for k := range multiLineFields {
		got = append(got, k)
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(want, " ") != strings.Join(got, " ") {
		t.Errorf("multiLineFields = %v, the textareas in views/ are %v", got, want)
	}
}
