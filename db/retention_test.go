package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"praksis/db"
)

// The clock moves over each boundary: the programme ended on 15 June
// 2027, so with 36 months the participant is due on 15 June 2030; the
// bundle made then waits 30 days for a download (to 15 July 2030, 10:00).
func TestRetentionAcrossTheClock(t *testing.T) {
	f := newAttFixture(t, "2026-01-05")
	ctx := context.Background()
	cfg := db.DefaultRetention
	p := f.participant
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := f.st.DB.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE participants SET programme_end = '2027-06-15', phone = '99999999', address = 'Gate 2', municipality = 'Malvik',
		protection = 'fortrolig' WHERE id = $1`, p)
	a := f.agreement(p, "2030-06-03", "2030-08-30")
	f.log(a, map[string]string{"2030-06-03": "illness", "2030-06-04": "7"})
	if err := f.st.ClassifyAbsence(ctx, db.ClassifyInput{ParticipantID: p, Day: *date("2027-06-01"), Classification: db.AbsenceSickChild, ActorID: f.adviser}); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO participant_notes (participant_id, author_id, body) VALUES ($1, $2, 'Sykehusopphold i mars')`, p, f.adviser)
	exec(`INSERT INTO language_results (participant_id, skill, level, taken_on, source) VALUES ($1, 'oral', 'b1', '2027-05-01', 'norskprove')`, p)
	exec(`UPDATE agreements SET end_note = 'Innlagt', consent_note = 'Leser dårlig' WHERE id = $1`, a.ID)
	at := func(s string) time.Time { ts, _ := time.Parse(time.RFC3339, s); return ts }
	anonymise := func(day, now string) error {
		return f.st.AnonymiseParticipant(ctx, p, 0, *date(day), at(now), cfg)
	}

	if due, _ := f.st.ArchiveDue(ctx, *date("2030-06-14"), cfg); len(due) != 0 {
		t.Errorf("due a day early: %v", due)
	}
	if err := anonymise("2030-06-14", "2030-06-14T10:00:00Z"); !errors.Is(err, db.ErrNotDue) {
		t.Errorf("a day before the retention ends: %v", err)
	}
	if due, _ := f.st.ArchiveDue(ctx, *date("2030-06-15"), cfg); len(due) != 1 || due[0] != p {
		t.Errorf("due on the day: %v", due)
	}
	if err := anonymise("2030-06-15", "2030-06-15T10:00:00Z"); !errors.Is(err, db.ErrAgreementOpen) {
		t.Errorf("while the agreement runs: %v", err)
	}
	// The agreement ended on 30 August; from 31 August only the archive holds it up.
	if err := anonymise("2030-08-31", "2030-08-31T10:00:00Z"); !errors.Is(err, db.ErrNotArchived) {
		t.Errorf("without a bundle: %v", err)
	}
	bundle, err := f.st.SaveArchiveBundle(ctx, p, "text/html; charset=utf-8", []byte("<h1>Amal Test</h1>"), at("2030-08-31T10:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if err := anonymise("2030-09-29", "2030-09-30T09:59:59Z"); !errors.Is(err, db.ErrNotArchived) {
		t.Errorf("a second before the grace period ends: %v", err)
	}
	stats, err := f.st.RunRetention(ctx, *date("2030-09-29"), at("2030-09-30T09:59:59Z"), cfg)
	if err != nil || stats.WaitingArchive != 1 || stats.Anonymised != 0 {
		t.Errorf("nightly run inside the grace period: %+v %v", stats, err)
	}
	stats, err = f.st.RunRetention(ctx, *date("2030-09-30"), at("2030-09-30T10:00:00Z"), cfg)
	if err != nil || stats.Anonymised != 1 {
		t.Fatalf("nightly run once the grace period passed: %+v %v", stats, err)
	}

	var row struct {
		First, Last, Phone, Address, Municipality, Protection string
		Birth                                                 *int
		Pseudonym                                             *string
	}
	if err := f.st.DB.QueryRow(`SELECT first_name, last_name, phone, address, municipality, protection, birth_year, pseudonym::text
		FROM participants WHERE id = $1`, p).Scan(&row.First, &row.Last, &row.Phone, &row.Address, &row.Municipality, &row.Protection,
		&row.Birth, &row.Pseudonym); err != nil {
		t.Fatal(err)
	}
	if row.First != "" || row.Last != "" || row.Phone != "" || row.Address != "" || row.Municipality != "" || row.Protection != "none" ||
		row.Birth != nil || row.Pseudonym == nil {
		t.Errorf("participant after anonymisation: %+v", row)
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := f.st.DB.Get(&n, q, p); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM participant_notes WHERE participant_id = $1`:                                                                     0,
		`SELECT count(*) FROM absence_classifications WHERE participant_id = $1`:                                                               0,
		`SELECT count(*) FROM language_results WHERE participant_id = $1`:                                                                      1,
		`SELECT count(*) FROM agreements WHERE participant_id = $1 AND organisation_id IS NOT NULL AND end_note = '' AND consent_note = ''`:    1,
		`SELECT count(*) FROM attendance at JOIN agreements ag ON ag.id = at.agreement_id WHERE ag.participant_id = $1 AND at.absence IS NULL`: 2,
		`SELECT count(*) FROM archive_bundles WHERE participant_id = $1 AND content IS NOT NULL`:                                               1,
	} {
		if got := count(q); got != want {
			t.Errorf("%s: %d, want %d", q, got, want)
		}
	}
	// The bundle was never downloaded: it stays until the archive takes it,
	// then the next run clears it.
	if _, content, err := f.st.DownloadArchiveBundle(ctx, bundle, newStaff(t, f.st, db.RoleAdmin), "", at("2030-10-01T08:00:00Z")); err != nil || string(content) != "<h1>Amal Test</h1>" {
		t.Fatalf("download: %q %v", content, err)
	}
	if stats, err := f.st.RunRetention(ctx, *date("2030-10-02"), at("2030-10-02T03:30:00Z"), cfg); err != nil || stats.BundlesCleared != 1 {
		t.Errorf("clearing the collected bundle: %+v %v", stats, err)
	}
	if list, _ := f.st.ArchiveBundles(ctx); len(list) != 0 {
		t.Errorf("bundles still held: %+v", list)
	}
	if err := anonymise("2030-10-02", "2030-10-02T10:00:00Z"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("anonymising twice: %v", err)
	}
}

// A download ends the wait at once.
func TestRetentionDownloadEndsTheWait(t *testing.T) {
	f := newPrivFixture(t)
	ctx := context.Background()
	if _, err := f.st.DB.Exec(`UPDATE participants SET programme_start = '2025-01-06', programme_end = '2027-06-15' WHERE id = $1`, f.p); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 6, 15, 8, 0, 0, 0, time.UTC)
	b, err := f.st.SaveArchiveBundle(ctx, f.p, "text/html", []byte("x"), now)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.AnonymiseParticipant(ctx, f.p, 0, *date("2030-06-15"), now, db.DefaultRetention); !errors.Is(err, db.ErrNotArchived) {
		t.Errorf("before the download: %v", err)
	}
	if _, _, err := f.st.DownloadArchiveBundle(ctx, b, newStaff(t, f.st, db.RoleAdmin), "", now); err != nil {
		t.Fatal(err)
	}
	if err := f.st.AnonymiseParticipant(ctx, f.p, 0, *date("2030-06-15"), now, db.DefaultRetention); err != nil {
		t.Errorf("after the download: %v", err)
	}
	var cleared bool
	if err := f.st.DB.Get(&cleared, `SELECT content IS NULL FROM archive_bundles WHERE id = $1`, b); err != nil || !cleared {
		t.Errorf("a downloaded bundle is cleared with the anonymisation: %v %v", cleared, err)
	}
}

// The audit log is kept 60 months to the second.
func TestPruneAudit(t *testing.T) {
	f := newPrivFixture(t)
	now := time.Date(2031, 3, 10, 12, 0, 0, 0, time.UTC)
	if _, err := f.st.DB.Exec(`DELETE FROM audit_log`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.DB.Exec(`INSERT INTO audit_log (action, entity, at) VALUES ('old', 'x', '2026-03-10T11:59:59Z'),
		('kept', 'x', '2026-03-10T12:00:00Z'), ('new', 'x', '2031-03-10T11:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	n, err := f.st.PruneAudit(context.Background(), now, 60)
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	var left []string
	if err := f.st.DB.Select(&left, `SELECT action FROM audit_log ORDER BY at`); err != nil || len(left) != 2 || left[0] != "kept" {
		t.Errorf("left: %v %v", left, err)
	}
}
