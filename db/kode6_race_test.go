package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"praksis/db"
	"praksis/db/dbtest"
)

// TestKode6GuardRace (review finding F5): setting kode 6 and a step the
// kode-6 guard refuses, in two transactions at once. The test holds
// SetProtection's transaction open after its statements (row locked FOR
// UPDATE, grade set, open proposals withdrawn: what SetProtection runs),
// starts the other step on a connection of its own, waits until that
// step waits on the row lock, and then commits. The step must then see
// kode 6 and be refused (ErrProtectedAddress) with nothing changed.
//
// Before migration 00025 the employer's approval (an UPDATE of the
// agreement, which takes no lock on the participant) read the grade from
// before the commit and both committed: it fails here without the
// guards' FOR SHARE. A proposal was already held back by its foreign
// key's KEY SHARE lock against SetProtection's FOR UPDATE (and checked
// again after the insert), an on-behalf consent by GiveConsent's own FOR
// UPDATE; they stay here so that neither path loses its lock unnoticed.
func TestKode6GuardRace(t *testing.T) {
	u, cleanup, err := dbtest.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	st, err := db.Open(u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	orgID, employer := newOrg(t, st)
	adviser := newStaff(t, st, db.RoleAdviser)

	// setKode6 runs SetProtection's statements in a transaction it leaves
	// open, and returns its commit.
	setKode6 := func(participant int64) func() {
		t.Helper()
		tx, err := st.DB.BeginTxx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`SELECT protection FROM participants WHERE id = $1 AND anonymised_at IS NULL FOR UPDATE`,
			`UPDATE participants SET protection = 'strengt_fortrolig', protection_set_by = ` + fmt.Sprint(adviser) + `, protection_set_at = now() WHERE id = $1`,
			`UPDATE proposals SET status = 'withdrawn', decided_at = now() WHERE participant_id = $1 AND status = 'proposed'`,
		} {
			if _, err := tx.ExecContext(ctx, q, participant); err != nil {
				t.Fatal(err)
			}
		}
		return func() {
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		}
	}
	// race runs step on a store of its own while setKode6's transaction
	// is open, and returns the step's error once both are done.
	race := func(name string, participant int64, step func(*db.Store) error) error {
		t.Helper()
		app := "kode6-" + name
		other, err := db.Open(u + "&application_name=" + app)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		commit := setKode6(participant)
		done := make(chan struct{})
		var stepErr error
		go func() {
			defer close(done)
			stepErr = step(other)
		}()
		waitForBackend(t, st, app, "Lock", done)
		commit()
		<-done
		return stepErr
	}

	t.Run("proposal", func(t *testing.T) {
		placement := publish(t, st, orgID, employer, db.PlacementInput{Title: "Plass", Tasks: "Oppgaver", Sector: "retail",
			Municipality: "Trondheim", Address: "Gate 1", Seats: 5})
		participant := newParticipant(t, st, adviser, "Skjermet", 200, db.LevelB1)
		consentFor(t, st, adviser, participant, placement)
		err := race("propose", participant, func(o *db.Store) error {
			_, err := o.Propose(ctx, db.NewProposal{ParticipantID: participant, PlacementID: placement, AdviserID: adviser}, nil, "127.0.0.1")
			return err
		})
		if !errors.Is(err, db.ErrProtectedAddress) {
			t.Errorf("proposing while kode 6 is set: %v, want ErrProtectedAddress", err)
		}
		var open int
		if err := st.DB.Get(&open, `SELECT count(*) FROM proposals WHERE participant_id = $1 AND status = 'proposed'`, participant); err != nil {
			t.Fatal(err)
		}
		if open != 0 {
			t.Errorf("a kode-6 participant has %d open proposals", open)
		}
	})

	t.Run("employer approval", func(t *testing.T) {
		placement := publish(t, st, orgID, employer, db.PlacementInput{Title: "Plass", Tasks: "Oppgaver", Sector: "retail",
			Municipality: "Trondheim", Address: "Gate 1", Seats: 5})
		participant := newParticipant(t, st, adviser, "Skjermet", 200, db.LevelB1)
		proposal := propose(t, st, adviser, participant, placement)
		agreement, err := st.DecideProposal(ctx, proposal, orgID, employer, true, "", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		// The statement the employer's approval runs (Store.Approve); the
		// agreements_guard trigger is what refuses it for kode 6.
		err = race("approve", participant, func(o *db.Store) error {
			_, err := o.DB.ExecContext(ctx, `UPDATE agreements SET employer_approved_by = $2, employer_approved_at = now(),
				employer_duties_confirmed_at = now(), lock_version = lock_version + 1 WHERE id = $1`, agreement, employer)
			return db.TranslateForTest(err)
		})
		if !errors.Is(err, db.ErrProtectedAddress) {
			t.Errorf("approving while kode 6 is set: %v, want ErrProtectedAddress", err)
		}
		var approved bool
		if err := st.DB.Get(&approved, `SELECT employer_approved_at IS NOT NULL FROM agreements WHERE id = $1`, agreement); err != nil {
			t.Fatal(err)
		}
		if approved {
			t.Error("the employer approved an agreement of a kode-6 participant")
		}
	})

	t.Run("on-behalf consent", func(t *testing.T) {
		participant := newParticipant(t, st, adviser, "Skjermet", 200, db.LevelB1)
		err := race("consent", participant, func(o *db.Store) error {
			_, err := o.GiveConsent(ctx, db.ConsentInput{ParticipantID: participant, OrganisationID: orgID, Items: []string{db.ItemFirstName},
				GivenHow: db.ConsentOnBehalf, OnBehalfReason: db.ConsentReasons[0], ActorID: adviser, IP: "127.0.0.1"})
			return err
		})
		if !errors.Is(err, db.ErrProtectedAddress) {
			t.Errorf("on-behalf consent while kode 6 is set: %v, want ErrProtectedAddress", err)
		}
	})
}
