package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"praksis/db"
)

// exportFx is an adviser with two participants — one in a running
// placement with attendance logged in May and June 2030, one without a
// placement, at the norskmål (B1), whose first name Excel would take for
// a formula — and another adviser's participant with attendance in June.
// The app runs on the attendance tests' clock (12 June 2030), so the last
// four weeks are 16 May – 12 June.
type exportFx struct {
	adviser, other db.User
	att            attAgreementFx // the adviser's participant in a placement
	reached        int64          // the adviser's other participant
	theirs         attAgreementFx // the other adviser's
}

func newExportFx(ta *testApp) exportFx {
	ta.t.Helper()
	ta.fixedClock()
	employer := ta.createUser(db.RoleEmployer)
	f := exportFx{adviser: ta.namedUser(db.RoleAdviser, "Ada Eksport"), other: ta.namedUser(db.RoleAdviser, "Ola Annen")}
	f.att = ta.attendanceAgreement(employer, f.adviser, attStart, attEnd, true)
	// May: one day present. June: 7.5 and 6 hours present, a day of
	// illness, a day of invalid absence. In the last four weeks: 3 of 5
	// days present, 60 %.
	ta.exec(`INSERT INTO attendance (agreement_id, day, present, hours, absence) VALUES
		($1, '2030-05-20', true, 7.5, NULL), ($1, '2030-06-03', true, 7.5, NULL), ($1, '2030-06-04', true, 6, NULL),
		($1, '2030-06-05', false, 0, 'illness'), ($1, '2030-06-06', false, 0, 'invalid')`, f.att.id)
	// Held under chapter 6A by collective protection, a woman; the other
	// participant keeps what registration stores when nothing is given.
	ta.exec(`UPDATE participants SET legal_basis = 'collective_protection', regime = 'kap6a', sex = 'woman' WHERE id = $1`, f.att.participant)
	f.reached = ta.storeParticipant(f.adviser, participantInput("=1+1", unique("Aaberg")))
	ta.planFromGoals(f.reached) // the attendance participant's plan has no Norwegian goal
	for _, sk := range db.Skills {
		ta.addResult(f.reached, f.adviser, sk, db.LevelB1, attendanceNow.AddDate(0, 0, -30))
	}
	f.theirs = ta.attendanceAgreement(employer, f.other, attStart, attEnd, true)
	ta.exec(`INSERT INTO attendance (agreement_id, day, present, hours) VALUES ($1, '2030-06-10', true, 5)`, f.theirs.id)
	return f
}

// readCSV checks the CSV framing (byte order mark, ";") and returns the
// records.
func readCSV(t *testing.T, res response) [][]string {
	t.Helper()
	if res.status != http.StatusOK {
		t.Fatalf("export: %d %s", res.status, res.visible())
	}
	if ct := res.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if !strings.HasPrefix(res.body, "\ufeff") {
		t.Error("the CSV has no UTF-8 byte order mark (Excel would garble æøå)")
	}
	if !strings.Contains(res.body, "\r\n") {
		t.Error("the CSV lines do not end in CRLF")
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.body, "\ufeff")))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("read CSV: %v\n%s", err, res.body)
	}
	return recs
}

// rowOf finds the record whose first two fields are last and first name.
func rowOf(recs [][]string, last, first string) []string {
	for _, r := range recs {
		if len(r) > 1 && r[0] == last && r[1] == first {
			return r
		}
	}
	return nil
}

// TestCaseloadExport: the adviser's caseload with progress as CSV for
// Norwegian Excel and as a workbook, headers in the user's language, one
// audit row per participant; never another adviser's participants; the
// admin's has everyone.
func TestCaseloadExport(t *testing.T) {
	ta := newTestApp(t)
	f := newExportFx(ta)
	c := ta.sessionFor(f.adviser)
	res := c.get("/participants/export.csv")
	recs := readCSV(t, res)
	if cd := res.header.Get("Content-Disposition"); cd != `attachment; filename="praksis-deltakere-2030-06-12.csv"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	if len(recs) != 3 {
		t.Fatalf("%d records, want a header and the adviser's 2 participants:\n%s", len(recs), res.body)
	}
	head := strings.Join(recs[0], "|")
	wantHead := strings.Join([]string{msg(t, "nb", "participants.export_last_name"), msg(t, "nb", "participants.export_first_name"),
		msg(t, "nb", "participants.col_adviser"), msg(t, "nb", "participants.col_end"), msg(t, "nb", "participants.months_left_label"),
		fill(msg(t, "nb", "participants.export_best"), "Skill", "Lytting"), fill(msg(t, "nb", "participants.export_goal"), "Skill", "Lytting")}, "|")
	// Regime, legal basis and sex close the row (issue 14: the KPIs split
	// by them); the status was the last column before.
	wantTail := strings.Join([]string{msg(t, "nb", "participant.status"), msg(t, "nb", "participant.regime"),
		msg(t, "nb", "participant.legal_basis"), msg(t, "nb", "participant.sex")}, "|")
	if !strings.HasPrefix(head, wantHead) || !strings.HasSuffix(head, wantTail) || len(recs[0]) != 22 {
		t.Errorf("header %q (%d columns), want it to begin %q", head, len(recs[0]), wantHead)
	}
	// The participant in a placement: no results (gap 5 × 4), 60 % over
	// the last four weeks, not at risk, the current placement named.
	row := rowOf(recs, f.att.last, f.att.first)
	if row == nil {
		t.Fatalf("no row for %s, %s:\n%s", f.att.last, f.att.first, res.body)
	}
	cl, err := ta.store.CaseloadRowFor(context.Background(), f.att.participant, db.Scope{All: true})
	if err != nil || cl.CurrentTitle == nil || cl.CurrentOrg == nil {
		t.Fatalf("the caseload row has no current placement: %+v %v", cl, err)
	}
	// No plan, so no Norwegian goal: the goal and gap columns are empty
	// (issue 14: the legacy goal columns are not read any more).
	want := []string{f.att.last, f.att.first, "Ada Eksport", cl.ProgrammeEnd.Format("02.01.2006"), "", "", "", "", "", "", "", "", "",
		"", "60", "", "Nei", *cl.CurrentTitle + " – " + *cl.CurrentOrg, "Aktiv",
		msg(t, "nb", "participant.regime.kap6a"), msg(t, "nb", "participant.legal_basis.collective_protection"), msg(t, "nb", "participant.sex.woman")}
	for i, w := range want {
		if i != 4 && row[i] != w { // months left depend on the real date
			t.Errorf("column %d (%s) = %q, want %q", i, recs[0][i], row[i], w)
		}
	}
	// The other: B1 everywhere (gap 0), nothing logged; the name that
	// looks like a formula is written as text.
	pr := ta.participant(f.reached)
	row = rowOf(recs, pr.LastName, "'=1+1")
	if row == nil {
		t.Fatalf("no row for %s with the first name made safe:\n%s", pr.LastName, res.body)
	}
	if row[5] != "B1" || row[6] != "B1" || row[12] != "B1" || row[13] != "0" || row[14] != "" {
		t.Errorf("reached: best %q, goal %q/%q, gap %q, attendance %q; want B1, B1/B1, 0, empty", row[5], row[6], row[12], row[13], row[14])
	}
	if r := ta.participant(f.reached); row[19] != msg(t, "nb", "participant.regime."+r.Regime) ||
		row[20] != msg(t, "nb", "participant.legal_basis."+r.LegalBasis) || row[21] != msg(t, "nb", "participant.sex."+r.Sex) || r.Sex == "" {
		t.Errorf("reached: regime %q, basis %q, sex %q; want the stored %s, %s, %s by name", row[19], row[20], row[21], r.Regime, r.LegalBasis, r.Sex)
	}
	if strings.Contains(res.body, f.theirs.last) {
		t.Error("the export has another adviser's participant")
	}
	for _, id := range []int64{f.att.participant, f.reached} {
		if n := ta.auditRows(id, "participant.export"); n != 1 {
			t.Errorf("participant %d: %d export audit rows, want 1", id, n)
		}
	}
	if n := ta.auditRows(f.theirs.participant, "participant.export"); n != 0 {
		t.Errorf("the other adviser's participant has %d export audit rows", n)
	}

	// The workbook, in English for an English-speaking adviser.
	ta.exec(`UPDATE users SET locale = 'en' WHERE id = $1`, f.adviser.ID)
	res = c.get("/participants/export.xlsx")
	wb := readXLSX(t, res)
	rows, err := wb.GetRows(msg(t, "en", "participants.export_sheet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != msg(t, "en", "participants.export_last_name") || rows[0][5] != "Listening: best level" {
		t.Fatalf("workbook rows %q", rows)
	}
	for _, r := range rows[1:] {
		if r[0] == f.att.last {
			if r[14] != "60%" || r[16] != "No" {
				t.Errorf("workbook row %q: attendance %q, risk %q; want 60%%, No", r, r[14], r[16])
			}
			if len(r) != 22 || r[19] != msg(t, "en", "participant.regime.kap6a") || r[20] != "Collective protection (Immigration Act § 34)" || r[21] != "Woman" {
				t.Errorf("workbook row %q: want the regime, legal basis and sex in English last", r)
			}
		}
	}
	if n := ta.auditRows(f.reached, "participant.export"); n != 2 {
		t.Errorf("%d export audit rows after two exports, want 2", n)
	}

	// The admin's export has both advisers' participants.
	res = ta.sessionFor(ta.createUser(db.RoleAdmin)).get("/participants/export.csv")
	recs = readCSV(t, res)
	if rowOf(recs, f.att.last, f.att.first) == nil || rowOf(recs, f.theirs.last, f.theirs.first) == nil {
		t.Error("the admin's export lacks a participant")
	}
}

func readXLSX(t *testing.T, res response) *excelize.File {
	t.Helper()
	if res.status != http.StatusOK {
		t.Fatalf("export: %d %s", res.status, res.visible())
	}
	if ct := res.header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("Content-Type %q", ct)
	}
	wb, err := excelize.OpenReader(bytes.NewReader([]byte(res.body)))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	t.Cleanup(func() { wb.Close() })
	return wb
}

// TestAttendanceExport: a month's attendance per participant (hours
// present, days present, absence days by the adviser's classification and
// the reported days not classified yet — never the employer's old
// categories) as CSV and as a workbook; only the adviser's participants; a
// bad month is refused with a message and nothing audited.
func TestAttendanceExport(t *testing.T) {
	ta := newTestApp(t)
	f := newExportFx(ta)
	c := ta.sessionFor(f.adviser)
	res := c.get("/agreements/attendance-export.csv?month=2030-06")
	recs := readCSV(t, res)
	if cd := res.header.Get("Content-Disposition"); cd != `attachment; filename="praksis-oppmote-2030-06.csv"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records, want a header and one participant:\n%s", len(recs), res.body)
	}
	wantHead := []string{msg(t, "nb", "participants.export_last_name"), msg(t, "nb", "participants.export_first_name"),
		msg(t, "nb", "participants.col_adviser"), msg(t, "nb", "participants.export_hours"), msg(t, "nb", "participants.export_present_days"),
		fill(msg(t, "nb", "participants.export_absence"), "Category", msg(t, "nb", "absence.class.own_illness_egenmelding"))}
	if strings.Join(recs[0][:6], "|") != strings.Join(wantHead, "|") || len(recs[0]) != 13 || recs[0][12] != msg(t, "nb", "participants.export_unclassified") {
		t.Errorf("header %q", recs[0])
	}
	// The employer's old categories (illness, invalid) are no
	// classification: both days are "not classified".
	if got, want := strings.Join(recs[1], "|"), strings.Join([]string{f.att.last, f.att.first, "Ada Eksport", "13,5", "2", "0", "0", "0", "0", "0", "0", "0", "2"}, "|"); got != want {
		t.Errorf("June:\n got %s\nwant %s", got, want)
	}
	// The adviser classifies one of them; egenmelding, …, invalid, not classified.
	ta.exec(`UPDATE participants SET programme_start = '2030-01-02', programme_end = '2031-12-31' WHERE id = $1`, f.att.participant)
	if err := ta.store.ClassifyAbsence(context.Background(), db.ClassifyInput{ParticipantID: f.att.participant, Day: time.Date(2030, 6, 6, 0, 0, 0, 0, time.UTC),
		Classification: db.AbsenceOtherValid, ActorID: f.adviser.ID}); err != nil {
		t.Fatal(err)
	}
	recs = readCSV(t, c.get("/agreements/attendance-export.csv?month=2030-06"))
	if got, want := strings.Join(recs[1], "|"), strings.Join([]string{f.att.last, f.att.first, "Ada Eksport", "13,5", "2", "0", "0", "0", "0", "0", "1", "0", "1"}, "|"); got != want {
		t.Errorf("June after classifying:\n got %s\nwant %s", got, want)
	}
	if n := ta.auditRows(f.att.participant, "participant.attendance_export"); n != 2 {
		t.Errorf("%d attendance-export audit rows, want 2", n)
	}

	// May as a workbook: hours as a number.
	wb := readXLSX(t, c.get("/agreements/attendance-export.xlsx?month=2030-05"))
	sheet := fill(msg(t, "nb", "participants.export_attendance_sheet"), "Month", "2030-05")
	rows, err := wb.GetRows(sheet)
	if err != nil {
		t.Fatalf("sheet %q: %v", sheet, err)
	}
	if len(rows) != 2 || rows[1][0] != f.att.last || rows[1][4] != "1" {
		t.Errorf("May rows %q", rows)
	}
	if v, err := wb.GetCellValue(sheet, "D2", excelize.Options{RawCellValue: true}); err != nil || v != "7.5" {
		t.Errorf("hours cell %q (%v), want the number 7.5", v, err)
	}

	// The admin's June has both advisers' participants.
	recs = readCSV(t, ta.sessionFor(ta.createUser(db.RoleAdmin)).get("/agreements/attendance-export.csv?month=2030-06"))
	if rowOf(recs, f.att.last, f.att.first) == nil || rowOf(recs, f.theirs.last, f.theirs.first) == nil {
		t.Error("the admin's June lacks a participant")
	}

	// A bad month: 422 with the message, in the user's language, nothing audited.
	before := ta.countWhere("audit_log", "action = 'participant.attendance_export'")
	ta.exec(`UPDATE users SET locale = 'en' WHERE id = $1`, f.adviser.ID)
	for _, q := range []string{"", "?month=2030-13", "?month=juni", "?month=2030-6", "?month=1999-12"} {
		for _, ext := range []string{"csv", "xlsx"} {
			res := c.get("/agreements/attendance-export." + ext + q)
			if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.text(), msg(t, "en", "participants.export_bad_month")) {
				t.Errorf("%s%s: %d %s", ext, q, res.status, res.visible())
			}
		}
	}
	ta.exec(`UPDATE users SET locale = 'nb' WHERE id = $1`, f.adviser.ID)
	if res := c.get("/agreements/attendance-export.csv?month=x"); !strings.Contains(res.text(), msg(t, "nb", "participants.export_bad_month")) {
		t.Errorf("bokmål: %s", res.visible())
	}
	if n := ta.countWhere("audit_log", "action = 'participant.attendance_export'"); n != before {
		t.Errorf("refused exports wrote %d audit rows", n-before)
	}
}
