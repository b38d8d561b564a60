package db_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"

	"praksis/calendar"
	"praksis/db"
	"praksis/db/dbtest"
)

// todoReference is TodoFor as it was before it read only the agreements
// that can still be open: every agreement in scope, each one's status
// derived, then counted. TodoFor must give the same counts.
const todoReference = `
	WITH ag AS (
		SELECT ag.*, agreement_status(ag, $1::date) AS status,
			(SELECT coalesce(max(f.held_on), ag.start_date) + 7 * ag.follow_up_weeks FROM follow_ups f WHERE f.agreement_id = ag.id) AS next_follow_up
		FROM agreements ag JOIN participants p ON p.id = ag.participant_id
		WHERE ($4 = 'admin' OR ($4 = 'adviser' AND p.adviser_id = $2) OR ($4 = 'nav' AND p.nav_contact_id = $2)
			OR ($4 = 'employer' AND ag.organisation_id = $3)))
	SELECT
		(SELECT count(*) FROM proposals pr JOIN placements pl ON pl.id = pr.placement_id
			WHERE $4 = 'employer' AND pl.organisation_id = $3 AND pr.status = 'proposed')
		+ (SELECT count(*) FROM proposals pr JOIN participants p ON p.id = pr.participant_id
			WHERE $4 = 'adviser' AND p.adviser_id = $2 AND pr.status = 'proposed') AS open_proposals,
		count(*) FILTER (WHERE status = 'awaiting_approval' AND (
			($4 = 'employer' AND employer_approved_at IS NULL) OR
			($4 = 'adviser' AND (consent_at IS NULL OR employer_approved_at IS NOT NULL)))) AS to_approve,
		count(*) FILTER (WHERE status = 'running') AS running,
		count(*) FILTER (WHERE status = 'running' AND next_follow_up <= $1::date) AS follow_ups_due,
		count(*) FILTER (WHERE status = 'running' AND $4 IN ('employer', 'adviser') AND EXISTS (
			SELECT 1 FROM generate_series(ag.start_date, $1::date, interval '1 day') d(day)
			WHERE d.day::date < date_trunc('week', $1::date)::date
			  AND attendance_week_due(ag.start_date, least(ag.end_date, ag.ended_on), ag.days_per_week, date_trunc('week', d.day)::date)
			  AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.agreement_id = ag.id
				AND date_trunc('week', a.day) = date_trunc('week', d.day)))) AS agreements_unlogged
	FROM ag`

// The dashboards' counts are the same as counting every agreement's
// derived status, for agreements in every status (including the corners:
// never approved and past its end, running without an end date, ending
// today, ended early, cancelled, running while an edit awaits approval),
// for every role, on days before, on and after their dates.
func TestTodoForCountsEveryStatus(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	org, employer := newOrg(t, st)
	otherOrg, otherEmployer := newOrg(t, st)
	adviser := newStaff(t, st, db.RoleAdviser)
	otherAdviser := newStaff(t, st, db.RoleAdviser)
	nav := newStaff(t, st, db.RoleNAV)
	admin := newStaff(t, st, db.RoleAdmin)
	today := st.Today()
	ymd := func(days int) string { return today.AddDate(0, 0, days).Format("2006-01-02") }

	mine := newParticipant(t, st, adviser, "Amal", 400, db.LevelB1)
	linked := newParticipant(t, st, adviser, "Bashir", 400, db.LevelB1)
	if _, err := st.DB.Exec(`UPDATE participants SET nav_contact_id = $2 WHERE id = $1`, linked, nav); err != nil {
		t.Fatal(err)
	}
	theirs := newParticipant(t, st, otherAdviser, "Chen", 400, db.LevelB1)

	// agreement makes an agreement of participant at org (through a
	// proposal the employer accepts) and then sets its columns: complete
	// and approved by all unless set says otherwise.
	agreement := func(participant, orgID, employerID, adviserID int64, start, end *string, set string) int64 {
		t.Helper()
		pl := publish(t, st, orgID, employerID, db.PlacementInput{Title: "Lager", Tasks: "Plukke varer", Sector: "retail",
			Municipality: "Trondheim", Address: "Gate 1", Seats: 1})
		prop := propose(t, st, adviserID, participant, pl)
		id, err := st.DecideProposal(ctx, prop, orgID, employerID, true, "", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB.Exec(`UPDATE agreements SET start_date = $2, end_date = $3, hours_per_week = 30, days_per_week = 5,
			job_title = 'Lager', supervisor_name = 'Kari Nordmann', supervisor_email = 'kari@lager.example',
			employer_approved_at = now(), consent_at = now(), consent_mode = 'in_person', adviser_approved_at = now(),
			first_approved_at = now() WHERE id = $1`, id, start, end); err != nil {
			t.Fatal(err)
		}
		if set != "" {
			if _, err := st.DB.Exec(`UPDATE agreements SET `+set+` WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	s := func(days int) *string { v := ymd(days); return &v }
	for _, who := range []int64{mine, linked, theirs} {
		ad := adviser
		if who == theirs {
			ad = otherAdviser
		}
		for _, o := range []struct{ org, employer int64 }{{org, employer}, {otherOrg, otherEmployer}} {
			// Running, a follow-up due (none held since the start 40 days ago).
			agreement(who, o.org, o.employer, ad, s(-40), s(40), "")
			// Running, the follow-up held last week.
			fu := agreement(who, o.org, o.employer, ad, s(-40), s(40), "")
			if _, err := st.DB.Exec(`INSERT INTO follow_ups (agreement_id, held_on, written_by) VALUES ($1, $2, $3)`, fu, ymd(-7), ad); err != nil {
				t.Fatal(err)
			}
			// Running while an edit waits for the employer's approval again.
			agreement(who, o.org, o.employer, ad, s(-10), s(20), "employer_approved_at = NULL")
			// Running without an end date.
			agreement(who, o.org, o.employer, ad, s(-5), nil, "")
			// Its last day is today; ended yesterday.
			agreement(who, o.org, o.employer, ad, s(-30), s(0), "")
			agreement(who, o.org, o.employer, ad, s(-30), s(-1), "")
			// Ready: approved, starts in ten days.
			agreement(who, o.org, o.employer, ad, s(10), s(60), "")
			// Awaiting the employer; awaiting consent; awaiting the adviser.
			agreement(who, o.org, o.employer, ad, s(10), s(60), "employer_approved_at = NULL, first_approved_at = NULL")
			agreement(who, o.org, o.employer, ad, s(10), s(60), "consent_at = NULL, consent_mode = NULL, first_approved_at = NULL")
			agreement(who, o.org, o.employer, ad, s(10), s(60), "adviser_approved_at = NULL, first_approved_at = NULL")
			// Never approved and past its end: still awaiting approval.
			agreement(who, o.org, o.employer, ad, s(-60), s(-30), "employer_approved_at = NULL, first_approved_at = NULL")
			// Approved by all but first_approved_at never set, past its end:
			// ended by the last branch of agreement_status.
			agreement(who, o.org, o.employer, ad, s(-60), s(-30), "first_approved_at = NULL")
			// Draft: no supervisor.
			agreement(who, o.org, o.employer, ad, s(10), s(60), "supervisor_name = '', first_approved_at = NULL, employer_approved_at = NULL")
			// Ended long ago; ended early; cancelled before it ran.
			agreement(who, o.org, o.employer, ad, s(-400), s(-300), "")
			agreement(who, o.org, o.employer, ad, s(-40), s(40), fmt.Sprintf("ended_on = '%s', end_reason = 'got_job'", ymd(-2)))
			agreement(who, o.org, o.employer, ad, s(10), s(60), "cancelled_at = now(), first_approved_at = NULL")
		}
	}
	// One open proposal to the organisation.
	pl := publish(t, st, org, employer, db.PlacementInput{Title: "Kasse", Tasks: "Ta betalt", Seats: 1})
	propose(t, st, adviser, mine, pl)

	scopes := []db.AgreementScope{
		{UserID: employer, OrgID: org, Role: db.RoleEmployer},
		{UserID: adviser, Role: db.RoleAdviser},
		{UserID: nav, Role: db.RoleNAV},
		{UserID: admin, Role: db.RoleAdmin},
	}
	for _, days := range []int{-400, -61, -31, -30, -11, -1, 0, 1, 9, 10, 41, 61, 300} {
		on := today.AddDate(0, 0, days)
		for _, sc := range scopes {
			got, err := st.TodoFor(ctx, sc, on)
			if err != nil {
				t.Fatal(err)
			}
			var want db.Todo
			if err := st.DB.Get(&want, todoReference, on.Format("2006-01-02"), sc.UserID, sc.OrgID, sc.Role); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s on day %+d: TodoFor %+v, counting every agreement %+v", sc.Role, days, got, want)
			}
		}
	}
	// Today, counted by hand. Per participant and organisation: running
	// are the five under way (two plain, the one awaiting re-approval, the
	// one without an end, the one ending today), two of them with a
	// follow-up due (started 40 and 30 days ago, none held); awaiting the
	// employer are the one before its start and the one past its end;
	// awaiting the adviser the one without consent and the one without
	// the adviser's approval.
	// Weeks not logged (employers and advisers; nothing is logged): the
	// running ones with a working day before this week's Monday — those
	// started 40 and 30 days ago always, those started 10 and 5 days ago
	// depending on today's weekday.
	pastWorkday := func(start int) int {
		for d := today.AddDate(0, 0, start); d.Before(calendar.Monday(today)); d = d.AddDate(0, 0, 1) {
			if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
				return 1
			}
		}
		return 0
	}
	unlogged := 3 + pastWorkday(-10) + pastWorkday(-5)
	want := map[string]db.Todo{
		// Three participants at this organisation, and the open proposal.
		db.RoleEmployer: {OpenProposals: 1, ToApprove: 3 * 2, Running: 3 * 5, FollowUpsDue: 3 * 2, AgreementsUnlogged: 3 * unlogged},
		// Two participants at two organisations, and the open proposal
		// for one of them (without an answer).
		db.RoleAdviser: {OpenProposals: 1, ToApprove: 2 * 2 * 2, Running: 2 * 2 * 5, FollowUpsDue: 2 * 2 * 2, AgreementsUnlogged: 2 * 2 * unlogged},
		// One participant at two organisations; NAV approves nothing.
		db.RoleNAV: {Running: 2 * 5, FollowUpsDue: 2 * 2},
		// Everyone's, approving nothing.
		db.RoleAdmin: {Running: 3 * 2 * 5, FollowUpsDue: 3 * 2 * 2},
	}
	for _, sc := range scopes {
		got, err := st.TodoFor(ctx, sc, today)
		if err != nil {
			t.Fatal(err)
		}
		if got != want[sc.Role] {
			t.Errorf("%s today: %+v, want %+v", sc.Role, got, want[sc.Role])
		}
	}
}

// Text search: a match in the title ranks above a match in the tasks;
// equal ranks are newest first; the kind, sector and municipality filters
// (answered inside the GIN index) combine with the words; placements of
// an organisation that is not approved are found by an admin only; and
// keyset pages of a text search are the one big page cut in pieces.
func TestSearchTextRankFiltersAndPages(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	org, user := newOrg(t, st)
	inTasks := publish(t, st, org, user, db.PlacementInput{Title: "Butikk", Tasks: "Rydde lageret og snakke norsk med kundene",
		Kind: "arbeidspraksis", Sector: "retail", Municipality: "Bergen"})
	inTitle := publish(t, st, org, user, db.PlacementInput{Title: "Norsk i butikken", Tasks: "Rydde lageret",
		Kind: "sprakpraksis", Sector: "retail", Municipality: "Trondheim"})
	var same []int64
	for i := 0; i < 4; i++ {
		same = append(same, publish(t, st, org, user, db.PlacementInput{Title: fmt.Sprintf("Kafé %d", i), Tasks: "Servere kaffe og snakke norsk",
			Kind: "sprakpraksis", Sector: "hospitality", Municipality: "Trondheim"}))
	}
	pending, pendingUser := newOrg(t, st)
	hidden := publish(t, st, pending, pendingUser, db.PlacementInput{Title: "Norsk på kontoret", Tasks: "Arkivere", Sector: "office"})
	if _, err := st.DB.Exec(`UPDATE organisations SET approved_at = NULL WHERE id = $1`, pending); err != nil {
		t.Fatal(err)
	}
	// Equal ranks sort newest first: the cafés one day older each, all
	// older than the shop, which has the same rank.
	if _, err := st.DB.Exec(`UPDATE placements SET published_at = now() - interval '1 day' * id WHERE id = ANY($1)`, pq.Array(same)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		f    db.PlacementFilter
		want []int64
	}{
		{"title before tasks, ties newest first", db.PlacementFilter{Query: "norsk"}, []int64{inTitle, inTasks, same[0], same[1], same[2], same[3]}},
		{"words and kind", db.PlacementFilter{Query: "norsk", Kind: "arbeidspraksis"}, []int64{inTasks}},
		{"words and sector", db.PlacementFilter{Query: "norsk", Sector: "retail"}, []int64{inTitle, inTasks}},
		{"words and municipality, any case", db.PlacementFilter{Query: "norsk", Municipality: "BERGEN"}, []int64{inTasks}},
		{"words, kind, sector and municipality", db.PlacementFilter{Query: "kaffe", Kind: "sprakpraksis", Sector: "hospitality", Municipality: "trondheim"}, same},
		{"an unapproved organisation's placement is not found", db.PlacementFilter{Query: "kontoret"}, nil},
		{"nor browsed", db.PlacementFilter{Sector: "office"}, nil},
		{"an admin finds it", db.PlacementFilter{Query: "kontoret", AnyStatus: true}, []int64{hidden}},
		{"and browses it", db.PlacementFilter{Sector: "office", AnyStatus: true}, []int64{hidden}},
	}
	for _, c := range cases {
		hits, _, err := st.SearchPlacements(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if fmt.Sprint(ids(hits)) != fmt.Sprint(c.want) && !(len(hits) == 0 && len(c.want) == 0) {
			t.Errorf("%s: got %v, want %v", c.name, ids(hits), c.want)
		}
		for _, h := range hits {
			if h.OrgName == "" || h.Title == "" || (c.f.Query != "" && (h.Rank <= 0 || h.Snippet == "")) {
				t.Errorf("%s: hit %d incomplete: %+v", c.name, h.ID, h)
			}
		}
	}
	// Pages of two follow the order of the one page.
	var paged []int64
	f := db.PlacementFilter{Query: "norsk", Limit: 2}
	for {
		hits, next, err := st.SearchPlacements(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, ids(hits)...)
		if next == nil {
			break
		}
		f.After = next
	}
	if fmt.Sprint(paged) != fmt.Sprint(cases[0].want) {
		t.Errorf("pages of two: %v, want %v", paged, cases[0].want)
	}
}

// The profile's reads go through prepared statements: they give what the
// same statements give unprepared (a Store made without Open prepares
// nothing), many goroutines may use them at once, and after Close they
// fail instead of hanging or panicking.
func TestPreparedProfileReads(t *testing.T) {
	u, st := dbtest.OpenURL(t)
	ctx := context.Background()
	org, employer := newOrg(t, st)
	adviser := newStaff(t, st, db.RoleAdviser)
	p := newParticipant(t, st, adviser, "Dina", 400, db.LevelB1)
	if err := st.AddResult(ctx, p, adviser, "oral", db.LevelA2, day(-20), "teacher", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	pl := publish(t, st, org, employer, db.PlacementInput{Title: "Lager", Tasks: "Plukke varer", Seats: 2})
	prop := propose(t, st, adviser, p, pl)
	if _, err := st.DecideProposal(ctx, prop, org, employer, true, "", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	plain := &db.Store{DB: st.DB}
	sc := db.Scope{AdviserID: adviser}
	today := st.Today()
	read := func(s *db.Store) (string, error) {
		row, err := s.CaseloadRowFor(ctx, p, sc)
		if err != nil {
			return "", err
		}
		res, err := s.Results(ctx, p)
		if err != nil {
			return "", err
		}
		out, err := s.Outcomes(ctx, p)
		if err != nil {
			return "", err
		}
		notes, err := s.Notes(ctx, p)
		if err != nil {
			return "", err
		}
		props, err := s.ProposalsForParticipant(ctx, p)
		if err != nil {
			return "", err
		}
		ags, err := s.AgreementsForParticipant(ctx, p, today)
		if err != nil {
			return "", err
		}
		b, err := json.Marshal([]any{row, res, out, notes, props, ags})
		return string(b), err
	}
	want, err := read(plain)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 100 {
		t.Fatalf("too little read: %s", want)
	}
	// More than five times on more than one connection: PostgreSQL may
	// switch to a generic plan after five.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 8; i++ {
				got, err := read(st)
				if err == nil && got != want {
					err = fmt.Errorf("prepared reads differ:\n%s\nwant\n%s", got, want)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// A store of its own, closed: its calls fail quickly.
	other, err := db.Open(u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := read(other); err != nil {
		t.Fatal(err)
	}
	other.Close()
	done := make(chan error, 1)
	go func() { _, err := read(other); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a closed store still reads")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a closed store hangs")
	}
}

// A read of a participant's data is audited, one row per read, visible
// at once.
func TestParticipantReadAudit(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	adviser := newStaff(t, st, db.RoleAdviser)
	p := newParticipant(t, st, adviser, "Elif", 400, db.LevelB1)
	for i := 0; i < 3; i++ {
		if err := st.LogParticipantView(ctx, adviser, p, "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := st.DB.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'participant.view' AND entity_id = $1 AND actor_id = $2`, p, adviser); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("%d view rows, want 3", n)
	}
}
