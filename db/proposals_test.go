package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
)

// consentFor records the participant's consent (in person, every item
// but the adaptations) to share with the placement's organisation, as
// the adviser does before a proposal may be sent.
func consentFor(t *testing.T, st *db.Store, adviser, participant, placement int64) {
	t.Helper()
	ctx := context.Background()
	var org int64
	if err := st.DB.GetContext(ctx, &org, `SELECT organisation_id FROM placements WHERE id = $1`, placement); err != nil {
		t.Fatal(err)
	}
	items := []string{db.ItemFirstName, db.ItemLevels, db.ItemLanguages, db.ItemNote, db.ItemFullName, db.ItemPhone, db.ItemEndReason}
	if _, err := st.GiveConsent(ctx, db.ConsentInput{ParticipantID: participant, OrganisationID: org, Items: items,
		GivenHow: db.ConsentInPerson, ActorID: adviser, IP: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
}

// propose records an open proposal through Propose, without mail, after
// the participant's consent.
func propose(t *testing.T, st *db.Store, adviser, participant, placement int64) int64 {
	t.Helper()
	consentFor(t, st, adviser, participant, placement)
	id, err := st.Propose(context.Background(), db.NewProposal{ParticipantID: participant, PlacementID: placement, AdviserID: adviser}, nil, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func seatsTaken(t *testing.T, st *db.Store, placement int64) int {
	t.Helper()
	var n int
	if err := st.DB.Get(&n, `SELECT seats_taken FROM placements WHERE id = $1`, placement); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDecideProposalSeatLock: two users of the organisation, each on a
// store (and so a connection) of their own, accept two proposals for the
// last seat at the same moment: one wins, the other gets ErrConflict, and
// the placement is never overbooked.
func TestDecideProposalSeatLock(t *testing.T) {
	u, cleanup, err := dbtest.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	stores := [2]*db.Store{}
	for i := range stores {
		if stores[i], err = db.Open(u); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	st := stores[0]
	ctx := context.Background()
	orgID, employer := newOrg(t, st)
	adviser := newStaff(t, st, db.RoleAdviser)

	for i := range 10 {
		placement := publish(t, st, orgID, employer, db.PlacementInput{Title: "Siste plass", Tasks: "Oppgaver", Sector: "retail",
			Municipality: "Trondheim", Address: "Gate 1", Seats: 1})
		ids := [2]int64{}
		for j := range ids {
			ids[j] = propose(t, st, adviser, newParticipant(t, st, adviser, "Rase", 100, db.LevelB1), placement)
		}
		start := make(chan struct{})
		errs := [2]error{}
		var wg sync.WaitGroup
		for j := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[j] = stores[j].DecideProposal(ctx, ids[j], orgID, employer, true, "", "127.0.0.1")
			}()
		}
		close(start)
		wg.Wait()
		ok, conflict := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, db.ErrConflict):
				conflict++
			default:
				t.Fatalf("iteration %d: %v", i, err)
			}
		}
		if ok != 1 || conflict != 1 {
			t.Errorf("iteration %d: %d accepted and %d conflicts, want 1 and 1", i, ok, conflict)
		}
		if n := seatsTaken(t, st, placement); n != 1 {
			t.Errorf("iteration %d: seats taken %d, want 1", i, n)
		}
		var accepted int
		if err := st.DB.Get(&accepted, `SELECT count(*) FROM proposals WHERE placement_id = $1 AND status = 'accepted'`, placement); err != nil {
			t.Fatal(err)
		}
		if accepted != 1 {
			t.Errorf("iteration %d: %d proposals accepted, want 1", i, accepted)
		}
	}
}

// TestDecideProposalWaitsForTheLock: while another transaction holds the
// placement row, an acceptance waits; when that transaction takes the last
// seat and commits, the acceptance sees it and is refused (ErrConflict)
// instead of overbooking. Deciding another organisation's proposal is
// ErrNotFound.
func TestDecideProposalWaitsForTheLock(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	orgID, employer := newOrg(t, st)
	adviser := newStaff(t, st, db.RoleAdviser)
	placement := publish(t, st, orgID, employer, db.PlacementInput{Title: "Siste plass", Tasks: "Oppgaver", Sector: "retail",
		Municipality: "Trondheim", Address: "Gate 1", Seats: 1})
	id := propose(t, st, adviser, newParticipant(t, st, adviser, "Venter", 100, db.LevelB1), placement)

	otherOrg, otherEmployer := newOrg(t, st)
	if _, err := st.DecideProposal(ctx, id, otherOrg, otherEmployer, true, "", "127.0.0.1"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("another organisation's decision: %v, want ErrNotFound", err)
	}

	holder, err := st.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = holder.Rollback() }()
	if _, err := holder.ExecContext(ctx, `SELECT 1 FROM placements WHERE id = $1 FOR UPDATE`, placement); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := st.DecideProposal(ctx, id, orgID, employer, true, "", "127.0.0.1"); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("the acceptance did not wait for the placement's lock: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := holder.ExecContext(ctx, `UPDATE placements SET seats_taken = seats WHERE id = $1`, placement); err != nil {
		t.Fatal(err)
	}
	if err := holder.Commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, db.ErrConflict) {
			t.Fatalf("acceptance after the last seat was taken: %v, want ErrConflict", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the acceptance never finished")
	}
	if n := seatsTaken(t, st, placement); n != 1 {
		t.Errorf("seats taken %d, want 1", n)
	}
	var status string
	if err := st.DB.Get(&status, `SELECT status FROM proposals WHERE id = $1`, id); err != nil || status != db.ProposalOpen {
		t.Errorf("the refused proposal: %q %v, want still open", status, err)
	}
}

// TestProposeWithDraft: the id ProposalDraft reserves is the id Propose
// stores, so the mails rendered before the call link to the right
// proposal; the mails commit with the proposal, and a refused proposal
// (proposed already) queues none of its mails.
func TestProposeWithDraft(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	orgID, employer := newOrg(t, st)
	adviser := newStaff(t, st, db.RoleAdviser)
	placement := publish(t, st, orgID, employer, db.PlacementInput{Title: "Butikkmedarbeider", Tasks: "Oppgaver", Sector: "retail",
		Municipality: "Trondheim", Address: "Gate 1", Seats: 2})
	participant := newParticipant(t, st, adviser, "Utkast", 100, db.LevelB1)
	consentFor(t, st, adviser, participant, placement)

	propose := func(key string) (db.ProposalDraft, int64, error) {
		d, err := st.ProposalDraft(ctx, placement)
		if err != nil {
			t.Fatal(err)
		}
		var mails []db.Mail
		for _, r := range d.Recipients {
			mails = append(mails, db.Mail{DedupeKey: key + r.Email, Recipient: r.Email, Template: "proposal", Locale: r.Locale, Subject: "s", Text: "t"})
		}
		id, err := st.Propose(ctx, db.NewProposal{ID: d.ID, ParticipantID: participant, PlacementID: placement, AdviserID: adviser}, mails, "127.0.0.1")
		return d, id, err
	}
	d, id, err := propose("first:")
	if err != nil {
		t.Fatal(err)
	}
	if id != d.ID || d.PlacementTitle != "Butikkmedarbeider" || len(d.Recipients) == 0 {
		t.Errorf("draft %+v, stored id %d", d, id)
	}
	queued := func(prefix string) int {
		var n int
		if err := st.DB.Get(&n, `SELECT count(*) FROM outbox WHERE starts_with(dedupe_key, $1)`, prefix); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := queued("first:"); n != len(d.Recipients) {
		t.Errorf("mails queued with the proposal: %d, want %d", n, len(d.Recipients))
	}
	if _, _, err := propose("again:"); !errors.Is(err, db.ErrConflict) {
		t.Fatalf("proposing again: %v, want ErrConflict", err)
	}
	if n := queued("again:"); n != 0 {
		t.Errorf("a refused proposal queued %d mails", n)
	}
	if _, err := st.ProposalDraft(ctx, 1<<40); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("draft for no placement: %v, want ErrNotFound", err)
	}
}
