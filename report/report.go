// Package report turns what the store holds about a participant (a
// db.Innsyn) into a document a person reads: sections as tables, stored
// codes as words, dates as the rest of Praksis writes them. The innsyn
// page (handlers) and the archive bundle of the retention job (jobs)
// both build from it, so the two cannot drift apart.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"praksis/calendar"
	"praksis/db"
	"praksis/locale"
)

// Section is one section of a document as a table.
type Section struct {
	Key     string
	Title   string
	Columns []string
	Rows    [][]string
}

// WideColumns is where a section stops being one table: a wider one (an
// agreement has 28 columns) is shown record by record, label beside
// value, which reads and prints on a page's width.
const WideColumns = 8

// Wide reports whether the section is shown record by record.
func (s Section) Wide() bool { return len(s.Columns) > WideColumns }

// Record is one row of a wide section, numbered from 1.
type Record struct {
	N     int
	Cells []Cell
}

// Records pairs each row's values with the column labels.
func (s Section) Records() []Record {
	out := make([]Record, 0, len(s.Rows))
	for n, row := range s.Rows {
		r := Record{N: n + 1}
		for i, v := range row {
			if i < len(s.Columns) {
				r.Cells = append(r.Cells, Cell{Label: s.Columns[i], Value: v})
			}
		}
		out = append(out, r)
	}
	return out
}

// Cell is one field of the person: its label and its value.
type Cell struct{ Label, Value string }

// Document is a participant's data in one language: the person (with
// their plan's dates and goals) and the sections asked for.
type Document struct {
	Lang     string
	Name     string // first and last name, as held
	Produced time.Time
	Person   []Cell
	Sections []Section
}

// valuePrefixes turn stored codes into words: a section's column (or any
// section's, under "") to the message prefix of its values. A code
// without a message is shown as stored, never dropped.
var valuePrefixes = map[string]map[string]string{
	"": {"regime": "participant.regime.", "education": "participant.education.", "goal_category": "participant.goal_category.",
		"goal_sector": "sector.", "goal_listening": "level.", "goal_reading": "level.", "goal_writing": "level.", "goal_oral": "level.",
		"level": "level.", "skill": "skill.", "source": "participant.source.", "languages": "language.",
		"protection": "protection.grade.", "sick_child_quota": "absence.quota.", "items": "consent.item.", "given_how": "consent.how.",
		"consent_mode": "consent.how.", "on_behalf_reason": "agreements.consent_reason.", "consent_reason": "agreements.consent_reason.",
		"classification": "absence.class.", "reported": "absence.mark.", "proposed_by_employer": "attendance.absence_",
		"phase": "evaluation.phase_", "action": "audit.", "actor_role": "role.", "end_reason": "agreements.end_reason.",
		"with_whom": "agreements.party.", "goals": "agreements.goal.", "kind": "participant.outcome.", "entity": "innsyn.entity.",
		"took_part": "plan.review.party."},
	"person":          {"status": "participant.status."},
	"proposals":       {"status": "proposals.status_"},
	"agreements":      {"status": "agreements.status."},
	"mails":           {"status": "admin.outbox.status_"},
	"plan_activities": {"kind": "plan.activity."},
	"leave":           {"kind": "leave.kind."},
}

// InnsynSections are the sections after the person in the answer to an
// access request, in the order the document shows them: everything held.
var InnsynSections = []string{"plan", "plan_activities", "plan_reviews", "leave", "extensions", "results", "outcomes", "notes",
	"consents", "proposals", "agreements", "follow_ups", "attendance", "absences", "evaluations", "mails", "access_log"}

// ArchiveSections are the sections of the archive bundle made before a
// participant is anonymised: the plan, the results and outcomes, the
// agreements and a summary of the attendance per agreement (the
// municipality's archive keeps the case, not every day).
var ArchiveSections = []string{"plan", "plan_activities", "plan_reviews", "leave", "extensions", "results", "outcomes",
	"agreements", AttendanceSummary}

// AttendanceSummary is the section key of the attendance summed per
// agreement (made from the attendance section).
const AttendanceSummary = "attendance_summary"

// raw is each section of in by key.
func raw(in db.Innsyn) map[string]json.RawMessage {
	return map[string]json.RawMessage{"plan": in.Plan, "plan_activities": in.PlanActivities, "plan_reviews": in.PlanReviews,
		"leave": in.Leave, "extensions": in.Extensions, "results": in.Results, "outcomes": in.Outcomes, "notes": in.Notes,
		"consents": in.Consents, "proposals": in.Proposals, "agreements": in.Agreements, "follow_ups": in.FollowUps,
		"attendance": in.Attendance, "absences": in.Absences, "evaluations": in.Evaluations, "mails": in.Mails,
		"access_log": in.AccessLog}
}

// Build makes the document of in in lang with the sections keys (from
// InnsynSections, plus AttendanceSummary).
func Build(tr *locale.Translator, lang string, in db.Innsyn, keys []string) (Document, error) {
	f := formatter{tr: tr, lang: lang}
	doc := Document{Lang: lang, Produced: in.ProducedAt}
	person, err := orderedRows(in.Person)
	if err != nil {
		return doc, err
	}
	var first, last string
	for _, row := range person {
		for _, fl := range row {
			doc.Person = append(doc.Person, Cell{Label: f.label(fl.key), Value: f.value("person", fl.key, fl.val)})
			if s, ok := fl.val.(string); ok && fl.key == "first_name" {
				first = s
			} else if ok && fl.key == "last_name" {
				last = s
			}
		}
	}
	doc.Name = strings.TrimSpace(first + " " + last)
	sections := raw(in)
	for _, key := range keys {
		var rows [][]field
		if key == AttendanceSummary {
			rows, err = attendanceSummary(in.Attendance)
		} else {
			rows, err = orderedRows(sections[key])
		}
		if err != nil {
			return doc, err
		}
		sec := Section{Key: key, Title: tr.T(lang, "innsyn.section."+key)}
		for i, row := range rows {
			cells := make([]string, 0, len(row))
			for _, fl := range row {
				if i == 0 {
					sec.Columns = append(sec.Columns, f.label(fl.key))
				}
				cells = append(cells, f.value(key, fl.key, fl.val))
			}
			sec.Rows = append(sec.Rows, cells)
		}
		doc.Sections = append(doc.Sections, sec)
	}
	return doc, nil
}

// attendanceSummary sums the attendance section per agreement: days
// present and their hours, days absent (and of those, not notified), in
// the order the agreements first appear.
func attendanceSummary(att json.RawMessage) ([][]field, error) {
	var days []struct {
		AgreementID int64    `json:"agreement_id"`
		Reported    string   `json:"reported"`
		Hours       *float64 `json:"hours"`
	}
	if len(att) > 0 {
		if err := json.Unmarshal(att, &days); err != nil {
			return nil, fmt.Errorf("report: attendance: %w", err)
		}
	}
	type sum struct {
		present, absent, notNotified int64
		hours                        float64
	}
	var order []int64
	sums := map[int64]*sum{}
	for _, d := range days {
		s := sums[d.AgreementID]
		if s == nil {
			s = &sum{}
			sums[d.AgreementID] = s
			order = append(order, d.AgreementID)
		}
		switch d.Reported {
		case "present":
			s.present++
			if d.Hours != nil {
				s.hours += *d.Hours
			}
		case "absent_not_notified":
			s.absent++
			s.notNotified++
		case "absent", "absent_notified":
			s.absent++
		}
	}
	rows := make([][]field, 0, len(order))
	for _, id := range order {
		s := sums[id]
		num := func(n float64) json.Number { return json.Number(strconv.FormatFloat(n, 'f', -1, 64)) }
		rows = append(rows, []field{{"agreement_id", num(float64(id))}, {"days_present", num(float64(s.present))},
			{"hours", num(s.hours)}, {"days_absent", num(float64(s.absent))}, {"days_not_notified", num(float64(s.notNotified))}})
	}
	return rows, nil
}

// formatter writes labels and values in one language.
type formatter struct {
	tr   *locale.Translator
	lang string
}

// label is a column's heading.
func (f formatter) label(key string) string {
	if id := "innsyn.col." + key; f.tr.Has(f.lang, id) {
		return f.tr.T(f.lang, id)
	}
	return key
}

// value writes a value as a person reads it: dates and times as the rest
// of Praksis shows them, codes as words, lists joined, nothing as a dash.
func (f formatter) value(section, key string, v any) string {
	switch t := v.(type) {
	case nil:
		return "–"
	case bool:
		if t {
			return f.tr.T(f.lang, "innsyn.yes")
		}
		return f.tr.T(f.lang, "innsyn.no")
	case json.Number:
		n, _ := t.Float64()
		return Num(f.lang, n)
	case []any:
		parts := make([]string, 0, len(t))
		for _, e := range t {
			parts = append(parts, f.value(section, key, e))
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
			return Date(d)
		}
		if ts, err := time.Parse(time.RFC3339Nano, t); err == nil {
			return DateTime(ts)
		}
		// Postgres writes timestamps in JSON without the zone's minutes.
		if ts, err := time.Parse("2006-01-02T15:04:05.999999-07", t); err == nil {
			return DateTime(ts)
		}
		prefix := valuePrefixes[section][key]
		if prefix == "" {
			prefix = valuePrefixes[""][key]
		}
		if prefix != "" && f.tr.Has(f.lang, prefix+t) {
			return f.tr.T(f.lang, prefix+t)
		}
		return t
	}
	return fmt.Sprint(v)
}

// Num formats a number for lang: 37,5 in Norwegian, 37.5 in English, no
// trailing zeros.
func Num(lang string, n float64) string {
	s := strconv.FormatFloat(n, 'f', -1, 64)
	if lang == "nb" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Date is a day as 02.01.2006 (the date's own day: a date column has no zone).
func Date(d time.Time) string { return d.Format("02.01.2006") }

// DateTime is a time as 02.01.2006 15:04 in Oslo.
func DateTime(t time.Time) string { return t.In(calendar.Oslo).Format("02.01.2006 15:04") }

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
		return nil, fmt.Errorf("report: %w", err)
	}
	if tok == json.Delim('{') {
		row, err := orderedObject(dec)
		return [][]field{row}, err
	}
	if tok != json.Delim('[') {
		return nil, fmt.Errorf("report: unexpected %v", tok)
	}
	var out [][]field
	for dec.More() {
		if tok, err = dec.Token(); err != nil || tok != json.Delim('{') {
			return nil, fmt.Errorf("report: a row is not an object (%v)", err)
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
			return nil, fmt.Errorf("report: %w", err)
		}
		key, _ := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		row = append(row, field{key, v})
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, fmt.Errorf("report: %w", err)
	}
	return row, nil
}
