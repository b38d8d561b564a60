package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"praksis/db"
	"praksis/db/dbtest"
)

// TestEnqueueAllAtChunks: more mails than one INSERT carries are all
// queued, held until the given time, each once: a dedupe key already in
// the outbox is skipped and not counted, and an empty calendar is NULL.
func TestEnqueueAllAtChunks(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	tag := fmt.Sprintf("chunks-%d", time.Now().UnixNano())
	at := time.Date(2030, 6, 12, 8, 0, 0, 0, time.UTC)
	mail := func(i int) db.Mail {
		m := db.Mail{DedupeKey: fmt.Sprintf("%s:%d", tag, i), Recipient: fmt.Sprintf("r%d@%s.example", i, tag), Template: "digest",
			Locale: "nb", Subject: "Påminnelser", Text: fmt.Sprintf("tekst %d", i), HTML: fmt.Sprintf("<p>'tekst' \"%d\"</p>", i)}
		if i%2 == 0 {
			m.ICS = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
		}
		return m
	}
	// One already queued: the run's INSERT skips it.
	if err := st.InTx(ctx, func(tx *sqlx.Tx) error {
		_, err := db.JobTxOf(tx).EnqueueAllAt(ctx, []db.Mail{mail(7)}, at)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	const n = 1203
	var mails []db.Mail
	for i := range n {
		mails = append(mails, mail(i))
	}
	var queued int
	if err := st.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		queued, err = db.JobTxOf(tx).EnqueueAllAt(ctx, mails, at)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if queued != n-1 {
		t.Errorf("queued %d, want %d (one was queued before)", queued, n-1)
	}
	var got struct {
		Rows, WithICS, Held int
		Text                string
	}
	if err := st.DB.Get(&got, `SELECT count(*) AS rows, count(ics) AS withics, count(*) FILTER (WHERE next_attempt_at = $2) AS held,
			max(body_html) FILTER (WHERE dedupe_key = $1 || ':1202') AS text
		FROM outbox WHERE dedupe_key LIKE $1 || ':%'`, tag, at); err != nil {
		t.Fatal(err)
	}
	if got.Rows != n || got.WithICS != (n+1)/2 || got.Held != n || got.Text != `<p>'tekst' "1202"</p>` {
		t.Errorf("outbox: %+v, want %d rows, %d with a calendar, all held until %s, the last body intact", got, n, (n+1)/2, at)
	}
}
