package report

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"praksis/db"
	"praksis/locale"
)

// TestOrderedRows: the innsyn tables keep the query's column order.
func TestOrderedRows(t *testing.T) {
	rows, err := orderedRows(json.RawMessage(`[{"b": 1, "a": [1, 2], "c": {"x": 1}}, {"b": null, "a": [], "c": "s"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || len(rows[0]) != 3 || rows[0][0].key != "b" || rows[0][1].key != "a" || rows[0][2].key != "c" || rows[1][0].val != nil {
		t.Errorf("rows: %#v", rows)
	}
	one, err := orderedRows(json.RawMessage(`{"z": "1", "y": true}`))
	if err != nil || len(one) != 1 || one[0][0].key != "z" || one[0][1].val != true {
		t.Errorf("object: %#v %v", one, err)
	}
	if rows, err := orderedRows(json.RawMessage(`[]`)); err != nil || len(rows) != 0 {
		t.Errorf("empty: %v %v", rows, err)
	}
	if _, err := orderedRows(json.RawMessage(`[1]`)); err == nil {
		t.Error("a row that is not an object was accepted")
	}
}

// TestArchiveHTML: the bundle is one document with the plan, the
// agreements, the attendance summed per agreement and the outcomes, in
// Norwegian, codes as words; the notes and the access log are not in it.
func TestArchiveHTML(t *testing.T) {
	tr, err := locale.New()
	if err != nil {
		t.Fatal(err)
	}
	in := db.Innsyn{ParticipantID: 7, ProducedAt: time.Date(2030, 6, 15, 1, 30, 0, 0, time.UTC),
		Person:         json.RawMessage(`{"id": 7, "first_name": "Amal", "last_name": "Test", "regime": "integreringsloven"}`),
		Plan:           json.RawMessage(`[{"version": 2, "plan_date": "2027-01-10", "goal_category": "work_sector"}]`),
		PlanActivities: json.RawMessage(`[{"kind": "norwegian", "description": "Norskkurs B1", "starts_on": "2027-01-11", "ends_on": "2027-06-01"}]`),
		Outcomes:       json.RawMessage(`[{"kind": "work_full", "from_date": "2027-07-01", "employer": "Bakeri AS", "note": ""}]`),
		Agreements:     json.RawMessage(`[{"id": 31, "organisation": "Fjordbyen Bakeri AS", "job_title": "Bakerassistent"}]`),
		Attendance: json.RawMessage(`[{"agreement_id": 31, "day": "2027-03-01", "reported": "present", "hours": 7.5},
			{"agreement_id": 31, "day": "2027-03-02", "reported": "present", "hours": 6},
			{"agreement_id": 31, "day": "2027-03-03", "reported": "absent_not_notified", "hours": null},
			{"agreement_id": 31, "day": "2027-03-04", "reported": "absent_notified", "hours": null},
			{"agreement_id": 31, "day": "2027-03-05", "reported": "not_work_day", "hours": null}]`),
		Notes:     json.RawMessage(`[{"body": "Sykehusopphold i mars"}]`),
		AccessLog: json.RawMessage(`[{"action": "participant.view", "actor": "Rita Rådgiver"}]`)}
	b, err := ArchiveHTML(tr, in)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{"<!doctype html>", `lang="nb"`, "Amal Test", "Norskkurs B1", "Bakerassistent", "Fjordbyen Bakeri AS",
		tr.T("nb", "participant.regime.integreringsloven"), tr.T("nb", "innsyn.section.attendance_summary"),
		tr.T("nb", "innsyn.col.days_present"), "<td>2</td><td>13,5</td><td>2</td><td>1</td>", "01.07.2027",
		tr.T("nb", "innsyn.section.plan_activities")} {
		if !strings.Contains(page, want) {
			t.Errorf("bundle lacks %q", want)
		}
	}
	for _, not := range []string{"Sykehusopphold", "Rita Rådgiver", "<script", "innsyn.col.", "innsyn.section."} {
		if strings.Contains(page, not) {
			t.Errorf("bundle holds %q", not)
		}
	}
}
