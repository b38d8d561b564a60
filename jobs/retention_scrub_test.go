package jobs

import (
	"context"
	"fmt"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
)

// TestRetentionScrubsOldMailBodies (issue 21, item 11): the retention job
// empties the bodies (text, HTML, calendar) of mail sent more than 30
// days ago — a sent invitation still holds its link — and keeps subject,
// recipient and status; mail sent within the 30 days, and mail never
// sent, keeps its body. Run through the scheduler's run-now path on a
// database of its own (the job's lock is per database).
func TestRetentionScrubsOldMailBodies(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	mails := map[string]struct {
		status string
		age    string // how long ago it was sent (or made, unsent)
		scrub  bool
	}{
		"old":          {"sent", "30 days 1 hour", true},
		"much older":   {"sent", "400 days", true},
		"recent":       {"sent", "29 days 23 hours", false},
		"today":        {"sent", "1 minute", false},
		"old, pending": {"pending", "60 days", false},
		"old, dead":    {"dead", "60 days", false},
	}
	ids := map[string]int64{}
	for name, m := range mails {
		key := fmt.Sprintf("scrub-%s-%d", name, time.Now().UnixNano())
		if err := st.QueueMail(ctx, db.Mail{DedupeKey: key, Recipient: "kari@firma.example", Template: "invite", Locale: "nb",
			Subject: "Invitasjon", Text: "Lenke: /l/secret", HTML: "<a href=\"/l/secret\">Lenke</a>", ICS: "BEGIN:VCALENDAR"}); err != nil {
			t.Fatal(err)
		}
		var id int64
		if err := st.DB.GetContext(ctx, &id, `UPDATE outbox SET status = $2, created_at = now() - $3::interval,
			sent_at = CASE WHEN $2 = 'sent' THEN now() - $3::interval END WHERE dedupe_key = $1 RETURNING id`, key, m.status, m.age); err != nil {
			t.Fatal(err)
		}
		ids[name] = id
	}
	s, err := NewScheduler(st, quiet, nil, newRetention(t, st))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.Run(ctx, "retention", time.Now(), true); err != nil || r.Status != "ok" {
		t.Fatalf("retention: %+v %v", r, err)
	}
	for name, m := range mails {
		var got struct {
			Text, HTML, Subject, Recipient, Status string
			ICS                                    *string
		}
		if err := st.DB.QueryRow(`SELECT body_text, body_html, ics, subject, recipient, status FROM outbox WHERE id = $1`, ids[name]).
			Scan(&got.Text, &got.HTML, &got.ICS, &got.Subject, &got.Recipient, &got.Status); err != nil {
			t.Fatal(err)
		}
		scrubbed := got.Text == "" && got.HTML == "" && got.ICS == nil
		kept := got.Text != "" && got.HTML != "" && got.ICS != nil
		switch {
		case m.scrub && !scrubbed:
			t.Errorf("%s (%s %s ago): the body is still there", name, m.status, m.age)
		case !m.scrub && !kept:
			t.Errorf("%s (%s %s ago): the body was emptied", name, m.status, m.age)
		}
		if got.Subject != "Invitasjon" || got.Recipient != "kari@firma.example" || got.Status != m.status {
			t.Errorf("%s: the record changed: %+v", name, got)
		}
	}
}
