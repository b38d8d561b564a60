package db_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"praksis/db"
	"praksis/db/dbtest"
)

// Tests of defences that the rest of the suite passes without (issue 21,
// item 11): each fails when its defence is taken out.

// waitForBackend waits until a session of the database whose
// application_name is app waits on waitType (pg_stat_activity's
// wait_event_type: "Timeout" for pg_sleep, "Lock" for a row lock), so a
// second statement can be started while the first is inside its work. It
// gives up when done is closed (the statement finished without waiting)
// or after five seconds.
func waitForBackend(t *testing.T, st *db.Store, app, waitType string, done <-chan struct{}) {
	t.Helper()
	for range 500 {
		var n int
		if err := st.DB.Get(&n, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND application_name = $1 AND wait_event_type = $2`, app, waitType); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		select {
		case <-done:
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no session %q waits on %s", app, waitType)
}

// TestOutboxClaimsOverlap: two senders claim while the first one's claim
// is still running (a trigger on this private database slows its update
// down, row by row): FOR UPDATE SKIP LOCKED gives them disjoint mails,
// each counted as one attempt. Without the row locks the second sender
// waits for the first and then claims the same rows again, and their
// attempts double.
func TestOutboxClaimsOverlap(t *testing.T) {
	u, st := dbtest.OpenURL(t)
	ctx := context.Background()
	var ids []int64
	err := st.InTx(ctx, func(tx *sqlx.Tx) error {
		for i := range 4 {
			if _, err := db.Enqueue(ctx, tx, db.Mail{DedupeKey: fmt.Sprintf("claim-%d", i), Recipient: "kari@firma.example",
				Template: "test", Locale: "nb", Subject: "S", Text: "T", HTML: "H"}); err != nil {
				return err
			}
		}
		return tx.SelectContext(ctx, &ids, `SELECT id FROM outbox ORDER BY id`)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.Exec(`CREATE FUNCTION slow_claim() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF current_setting('application_name') = 'slow-claim' THEN PERFORM pg_sleep(0.4); END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER slow_claim BEFORE UPDATE ON outbox FOR EACH ROW EXECUTE FUNCTION slow_claim()`); err != nil {
		t.Fatal(err)
	}
	slow, err := db.Open(u + "&application_name=slow-claim")
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()

	var first []db.OutboxMail
	var firstErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		first, firstErr = slow.ClaimOutbox(ctx, "sender-1", 2, time.Minute)
	}()
	waitForBackend(t, st, "slow-claim", "Timeout", done)
	second, err := st.ClaimOutbox(ctx, "sender-2", 4, time.Minute)
	<-done
	if err != nil || firstErr != nil {
		t.Fatalf("claims: %v, %v", firstErr, err)
	}
	seen := map[int64]string{}
	for owner, ms := range map[string][]db.OutboxMail{"sender-1": first, "sender-2": second} {
		for _, m := range ms {
			if prev, ok := seen[m.ID]; ok {
				t.Errorf("mail %d claimed by %s and %s", m.ID, prev, owner)
			}
			seen[m.ID] = owner
		}
	}
	if len(first) != 2 || len(seen) != 4 {
		t.Errorf("claimed %d by the first sender and %d in all, want 2 and the 4 mails", len(first), len(seen))
	}
	var attempts []int
	if err := st.DB.Select(&attempts, `SELECT attempts FROM outbox WHERE id = ANY($1) ORDER BY id`, ids); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(attempts, []int{1, 1, 1, 1}) {
		t.Errorf("attempts %v, want one each", attempts)
	}
}

// TestProposalDecisionsRace: an acceptance racing a decline, and an
// acceptance racing another, on one proposal — both waiting on the
// placement until they start together — end in one decision: one call
// succeeds, the other gets ErrConflict (a 409), never another error; the
// proposal, the seats, the agreements and the audit agree with the one
// that won. Without the proposal's row lock the second reads the
// proposal as still open and decides it again.
func TestProposalDecisionsRace(t *testing.T) {
	u, cleanup, err := dbtest.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	stores := [3]*db.Store{}
	for i := range stores {
		if stores[i], err = db.Open(u + "&application_name=decide-" + fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	st := stores[2]
	ctx := context.Background()
	orgID, employer := newOrg(t, st)
	adviser := newStaff(t, st, db.RoleAdviser)
	for _, race := range []struct {
		name   string
		accept [2]bool
	}{{"accept and decline", [2]bool{true, false}}, {"decline and accept", [2]bool{false, true}}, {"accept and accept", [2]bool{true, true}}} {
		for i := range 5 {
			placement := publish(t, st, orgID, employer, db.PlacementInput{Title: "Plass", Tasks: "Oppgaver", Sector: "retail",
				Municipality: "Trondheim", Address: "Gate 1", Seats: 5})
			participant := newParticipant(t, st, adviser, "Kappløp", 200, db.LevelB1)
			id := propose(t, st, adviser, participant, placement)
			// Hold the placement so both decisions queue up behind it.
			holder, err := st.DB.BeginTxx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := holder.ExecContext(ctx, `SELECT 1 FROM placements WHERE id = $1 FOR UPDATE`, placement); err != nil {
				t.Fatal(err)
			}
			errs := [2]error{}
			var wg sync.WaitGroup
			for j := range 2 {
				wg.Add(1)
				done := make(chan struct{})
				go func() {
					defer wg.Done()
					defer close(done)
					_, errs[j] = stores[j].DecideProposal(ctx, id, orgID, employer, race.accept[j], "Ikke nå", "127.0.0.1")
				}()
				// The first waits before the second starts, so the order is known.
				waitForBackend(t, st, "decide-"+fmt.Sprint(j), "Lock", done)
			}
			if err := holder.Commit(); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			won := -1
			for j, err := range errs {
				switch {
				case err == nil && won < 0:
					won = j
				case err == nil:
					t.Errorf("%s #%d: both decisions succeeded", race.name, i)
				case !errors.Is(err, db.ErrConflict):
					t.Errorf("%s #%d: decision %d: %v, want ErrConflict", race.name, i, j, err)
				}
			}
			if won < 0 {
				t.Errorf("%s #%d: no decision succeeded: %v", race.name, i, errs)
				continue
			}
			wantStatus, wantSeats, wantAgreements := db.ProposalDeclined, 0, 0
			if race.accept[won] {
				wantStatus, wantSeats, wantAgreements = db.ProposalAccepted, 1, 1
			}
			var status string
			var agreements, audits int
			if err := st.DB.Get(&status, `SELECT status FROM proposals WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
			if err := st.DB.Get(&agreements, `SELECT count(*) FROM agreements WHERE proposal_id = $1`, id); err != nil {
				t.Fatal(err)
			}
			if err := st.DB.Get(&audits, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action LIKE 'participant.proposal_%'`, participant); err != nil {
				t.Fatal(err)
			}
			if status != wantStatus || seatsTaken(t, st, placement) != wantSeats || agreements != wantAgreements || audits != 1 {
				t.Errorf("%s #%d: decision %d won: status %s, seats %d, agreements %d, decision audits %d; want %s, %d, %d, 1",
					race.name, i, won, status, seatsTaken(t, st, placement), agreements, audits, wantStatus, wantSeats, wantAgreements)
			}
		}
	}
}
