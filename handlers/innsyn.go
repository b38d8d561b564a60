package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// innsynPage is the answer to a participant's access request (GDPR art.
// 15) as a document that prints: the person, then every section as a
// table, in the language asked for.
type innsynPage struct {
	Page
	P        db.Participant
	Produced time.Time
	Person   []innsynCell
	Sections []innsynSection
	Other    string // the other language the document can be produced in
}

// innsynSection is one section of the answer as a table.
type innsynSection struct {
	Key     string
	Title   string
	Columns []string
	Rows    [][]string
}

// innsynWideColumns is where a section stops being one table: a wider
// one (an agreement has 28 columns) is shown record by record, label
// beside value, which reads and prints on a page's width.
const innsynWideColumns = 8

// Wide reports whether the section is shown record by record.
func (s innsynSection) Wide() bool { return len(s.Columns) > innsynWideColumns }

// innsynRecord is one row of a wide section, numbered from 1.
type innsynRecord struct {
	N     int
	Cells []innsynCell
}

// Records pairs each row's values with the column labels.
func (s innsynSection) Records() []innsynRecord {
	out := make([]innsynRecord, 0, len(s.Rows))
	for n, row := range s.Rows {
		r := innsynRecord{N: n + 1}
		for i, v := range row {
			if i < len(s.Columns) {
				r.Cells = append(r.Cells, innsynCell{Label: s.Columns[i], Value: v})
			}
		}
		out = append(out, r)
	}
	return out
}

// innsynCell is one field of the person: its label and its value.
type innsynCell struct{ Label, Value string }

// innsynValuePrefixes turn stored codes into words: a section's column
// (or any section's, under "") to the message prefix of its values. A
// code without a message is shown as stored, never dropped.
var innsynValuePrefixes = map[string]map[string]string{
	"": {"regime": "participant.regime.", "education": "participant.education.", "goal_category": "participant.goal_category.",
		"goal_sector": "sector.", "goal_listening": "level.", "goal_reading": "level.", "goal_writing": "level.", "goal_oral": "level.",
		"level": "level.", "skill": "skill.", "source": "participant.source.", "languages": "language.",
		"protection": "protection.grade.", "sick_child_quota": "absence.quota.", "items": "consent.item.", "given_how": "consent.how.",
		"consent_mode": "consent.how.", "on_behalf_reason": "agreements.consent_reason.", "consent_reason": "agreements.consent_reason.",
		"classification": "absence.class.", "reported": "absence.mark.", "proposed_by_employer": "attendance.absence_",
		"phase": "evaluation.phase_", "action": "audit.", "actor_role": "role.", "end_reason": "agreements.end_reason.",
		"with_whom": "agreements.party.", "goals": "agreements.goal.", "kind": "participant.outcome.", "entity": "innsyn.entity."},
	"person":     {"status": "participant.status."},
	"proposals":  {"status": "proposals.status_"},
	"agreements": {"status": "agreements.status."},
	"mails":      {"status": "admin.outbox.status_"},
}

// innsynSectionKeys are the sections after the person, in the order the
// document shows them.
var innsynSectionKeys = []string{"results", "outcomes", "notes", "consents", "proposals", "agreements", "follow_ups",
	"attendance", "absences", "evaluations", "mails", "access_log"}

// innsynShow renders everything held about the participant (their
// adviser or an admin; audited by the store). ?lang=nb|en chooses the
// document's language whatever the reader's own.
func (a *App) innsynShow(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	in, err := a.store.Innsyn(c.UserContext(), pt.ID, session(c).User.ID, clientIP(c))
	if err != nil {
		return err
	}
	p := innsynPage{Page: a.newPage(c, "innsyn.title"), P: pt, Produced: in.ProducedAt}
	if l := c.Query("lang"); validLocale(l) {
		p.Locale = l
		p.Title = p.T("innsyn.title")
	}
	p.Other = p.OtherLocale()
	raw := map[string]json.RawMessage{"results": in.Results, "outcomes": in.Outcomes, "notes": in.Notes,
		"consents": in.Consents, "proposals": in.Proposals, "agreements": in.Agreements, "follow_ups": in.FollowUps,
		"attendance": in.Attendance, "absences": in.Absences, "evaluations": in.Evaluations, "mails": in.Mails,
		"access_log": in.AccessLog}
	person, err := orderedRows(in.Person)
	if err != nil {
		return err
	}
	for _, row := range person {
		for _, f := range row {
			p.Person = append(p.Person, innsynCell{Label: a.innsynLabel(&p.Page, f.key), Value: a.innsynValue(&p.Page, "person", f.key, f.val)})
		}
	}
	for _, key := range innsynSectionKeys {
		rows, err := orderedRows(raw[key])
		if err != nil {
			return err
		}
		sec := innsynSection{Key: key, Title: p.T("innsyn.section." + key)}
		for i, row := range rows {
			cells := make([]string, 0, len(row))
			for _, f := range row {
				if i == 0 {
					sec.Columns = append(sec.Columns, a.innsynLabel(&p.Page, f.key))
				}
				cells = append(cells, a.innsynValue(&p.Page, key, f.key, f.val))
			}
			sec.Rows = append(sec.Rows, cells)
		}
		p.Sections = append(p.Sections, sec)
	}
	return a.render(c, fiber.StatusOK, "participants/innsyn", &p)
}

// innsynJSON is the machine-readable answer: the store's Innsyn as it is,
// as a download (audited by the store).
func (a *App) innsynJSON(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	in, err := a.store.Innsyn(c.UserContext(), pt.ID, session(c).User.ID, clientIP(c))
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="innsyn-`+strconv.FormatInt(pt.ID, 10)+`.json"`)
	return c.Status(fiber.StatusOK).Send(b)
}

// field is one column of a row, in the order the query wrote it.
type field struct {
	key string
	val any
}

// orderedRows reads a section (a JSON array of objects, or one object)
// keeping each object's key order, so the table's columns follow the
// query's explicit column list.
func orderedRows(raw json.RawMessage) ([][]field, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("handlers: innsyn: %w", err)
	}
	if tok == json.Delim('{') {
		row, err := orderedObject(dec)
		return [][]field{row}, err
	}
	if tok != json.Delim('[') {
		return nil, fmt.Errorf("handlers: innsyn: unexpected %v", tok)
	}
	var out [][]field
	for dec.More() {
		if tok, err = dec.Token(); err != nil || tok != json.Delim('{') {
			return nil, fmt.Errorf("handlers: innsyn: a row is not an object (%v)", err)
		}
		row, err := orderedObject(dec)
		if err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, nil
}

// orderedObject reads the fields of an object whose '{' was read.
func orderedObject(dec *json.Decoder) ([]field, error) {
	var row []field
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("handlers: innsyn: %w", err)
		}
		key, _ := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("handlers: innsyn: %w", err)
		}
		row = append(row, field{key, v})
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, fmt.Errorf("handlers: innsyn: %w", err)
	}
	return row, nil
}

// innsynLabel is a column's heading in the page's language.
func (a *App) innsynLabel(p *Page, key string) string {
	if id := "innsyn.col." + key; a.tr.Has(p.Locale, id) {
		return p.T(id)
	}
	return key
}

// innsynValue writes a value as a person reads it: dates and times as
// the rest of Praksis shows them, codes as words, lists joined, nothing
// as a dash.
func (a *App) innsynValue(p *Page, section, key string, v any) string {
	switch t := v.(type) {
	case nil:
		return "–"
	case bool:
		if t {
			return p.T("innsyn.yes")
		}
		return p.T("innsyn.no")
	case json.Number:
		return p.Num(mustFloat(t))
	case []any:
		parts := make([]string, 0, len(t))
		for _, e := range t {
			parts = append(parts, a.innsynValue(p, section, key, e))
		}
		if len(parts) == 0 {
			return "–"
		}
		return strings.Join(parts, ", ")
	case string:
		if t == "" {
			return "–"
		}
		if d, err := time.Parse("2006-01-02", t); err == nil {
			return dateOf(d)
		}
		if ts, err := time.Parse(time.RFC3339Nano, t); err == nil {
			return datetime(ts)
		}
		// Postgres writes timestamps in JSON without the zone's minutes.
		if ts, err := time.Parse("2006-01-02T15:04:05.999999-07", t); err == nil {
			return datetime(ts)
		}
		prefix := innsynValuePrefixes[section][key]
		if prefix == "" {
			prefix = innsynValuePrefixes[""][key]
		}
		if prefix != "" && a.tr.Has(p.Locale, prefix+t) {
			return p.T(prefix + t)
		}
		return t
	}
	return fmt.Sprint(v)
}

func mustFloat(n json.Number) float64 {
	f, _ := n.Float64()
	return f
}
