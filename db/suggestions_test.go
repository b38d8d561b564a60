package db_test

import (
	"context"
	"testing"

	"praksis/db"
	"praksis/db/dbtest"
)

func TestSuggestionsRankAndExplain(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	adviser := newStaff(t, st, db.RoleAdviser)
	org, user := newOrg(t, st)
	// A participant with A2 in listening and oral, A1 in reading and
	// writing, living in Bergen, speaking Ukrainian, aiming at health work.
	pid, err := st.CreateParticipant(ctx, adviser, db.ParticipantInput{FirstName: "Olena", LastName: "K", BirthYear: 1986,
		Languages: []string{"uk", "ru"}, Education: "upper_secondary", Regime: "kap6a", ProgrammeStart: day(-120), ProgrammeEnd: day(240),
		GoalCategory: "work_sector", GoalSector: "health", Municipality: "Bergen", Status: "active",
		Goals: map[string]db.Level{"listening": db.LevelB1, "reading": db.LevelB1, "writing": db.LevelB1, "oral": db.LevelB1}}, "")
	if err != nil {
		t.Fatal(err)
	}
	for sk, l := range map[string]db.Level{"listening": db.LevelA2, "oral": db.LevelA2, "reading": db.LevelA1, "writing": db.LevelA1} {
		if err := st.AddResult(ctx, pid, adviser, sk, l, day(-10), "norskprove", ""); err != nil {
			t.Fatal(err)
		}
	}
	best := publish(t, st, org, user, db.PlacementInput{Kind: "arbeidspraksis", Title: "Pleieassistent", Sector: "health",
		Municipality: "bergen", Languages: []string{"uk"}, StartDate: date("2026-12-01"),
		Levels: map[string]db.Level{"oral": db.LevelA2, "listening": db.LevelA1}})
	tooHard := publish(t, st, org, user, db.PlacementInput{Kind: "arbeidspraksis", Title: "Resepsjon", Sector: "hospitality",
		Municipality: "Oslo", Levels: map[string]db.Level{"oral": db.LevelB2, "writing": db.LevelB1}})
	full := publish(t, st, org, user, db.PlacementInput{Kind: "arbeidspraksis", Title: "Full", Sector: "health", Municipality: "Bergen"})
	if _, err := st.DB.Exec(`UPDATE placements SET seats_taken = seats WHERE id = $1`, full); err != nil {
		t.Fatal(err)
	}
	draft, _ := st.CreatePlacement(ctx, org, user, db.PlacementInput{Kind: "annet", Title: "Kladd", Seats: 1})
	got, err := st.Suggestions(ctx, pid, db.Scope{AdviserID: adviser}, 20, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != best || got[1].ID != tooHard {
		t.Fatalf("ranking: %+v", got)
	}
	for _, s := range got {
		if s.ID == full || s.ID == draft {
			t.Fatalf("a full or unpublished placement was suggested: %d", s.ID)
		}
	}
	b := got[0]
	if b.LevelFits != 4 || !b.SameTown || !b.KindFits || !b.SharedLang || !b.SectorFits || b.Score != 4*4+3+2+2+2+1 {
		t.Errorf("best: %+v", b)
	}
	// It began on 2026-12-01: open now, not "starting soon"; one with no
	// start date has not "started" either (issue 20).
	if !b.Started || !b.StartsSoon {
		t.Errorf("best began in the past: started %v, starts soon %v", b.Started, b.StartsSoon)
	}
	h := got[1]
	if h.Started {
		t.Errorf("a placement without a start date counts as started")
	}
	if h.LevelFits != 2 || h.Fits("oral") || h.Fits("writing") || !h.Fits("reading") || h.SameTown || h.SectorFits {
		t.Errorf("too hard: %+v", h)
	}
	// A pinned placement (a refused proposal's) comes first; a full or
	// unpublished one is not brought back by a pin.
	if pinned, err := st.Suggestions(ctx, pid, db.Scope{AdviserID: adviser}, 1, tooHard); err != nil || len(pinned) != 1 || pinned[0].ID != tooHard {
		t.Errorf("pinned: %+v %v", pinned, err)
	}
	if pinned, err := st.Suggestions(ctx, pid, db.Scope{AdviserID: adviser}, 20, full); err != nil || len(pinned) != 2 || pinned[0].ID != best {
		t.Errorf("a full placement pinned: %+v %v", pinned, err)
	}
	// Another adviser's participant is not theirs to rank: nothing.
	if got, err := st.Suggestions(ctx, pid, db.Scope{AdviserID: newStaff(t, st, db.RoleAdviser)}, 20, 0); err != nil || len(got) != 0 {
		t.Errorf("another adviser: %d suggestions, %v", len(got), err)
	}
}

// A participant with no result in a skill fits only placements that need
// nothing in it (a NULL comparison must not leak out as "unknown").
func TestSuggestionsWithoutResults(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	adviser := newStaff(t, st, db.RoleAdviser)
	org, user := newOrg(t, st)
	pid := newParticipant(t, st, adviser, "Ny", 600, db.LevelA2)
	needs := publish(t, st, org, user, db.PlacementInput{Title: "Krever lytting", Levels: map[string]db.Level{"listening": db.LevelA1}})
	free := publish(t, st, org, user, db.PlacementInput{Title: "Ingen krav"})
	got, err := st.Suggestions(ctx, pid, db.Scope{AdviserID: adviser}, 20, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != free || got[1].ID != needs || got[1].Fits("listening") || !got[0].Fits("listening") {
		t.Fatalf("%+v", got)
	}
}

// The kind that suits a person follows the plan's Norwegian goal, not the
// legacy default goal on the participant row (issue 14): B2 in every skill
// with no results is 16 levels to go, far from the goal, and only a
// språkpraksis fits; the same person whose plan has no Norwegian goal is
// not "far" from anything and every kind fits.
func TestSuggestionsFollowThePlansGoal(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	adviser := newStaff(t, st, db.RoleAdviser)
	org, user := newOrg(t, st)
	pid := newParticipant(t, st, adviser, "Plan", 600, db.LevelA1) // legacy goal A1: would be "close"
	sprak := publish(t, st, org, user, db.PlacementInput{Kind: "sprakpraksis", Title: "Språk"})
	trening := publish(t, st, org, user, db.PlacementInput{Kind: "arbeidstrening", Title: "Trening"})
	kinds := func() map[int64]db.Suggestion {
		t.Helper()
		got, err := st.Suggestions(ctx, pid, db.Scope{AdviserID: adviser}, 20, 0)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]db.Suggestion{}
		for _, s := range got {
			out[s.ID] = s
		}
		return out
	}
	setPlanGoals(t, st, pid, map[string]db.Level{"listening": db.LevelB2, "reading": db.LevelB2, "writing": db.LevelB2, "oral": db.LevelB2})
	got := kinds()
	if !got[sprak].FarFromGoal || !got[sprak].KindFits || got[trening].KindFits {
		t.Errorf("plan goal B2, nothing reached: språkpraksis %+v, arbeidstrening %+v", got[sprak], got[trening])
	}
	setPlanGoals(t, st, pid, nil)
	got = kinds()
	if got[sprak].FarFromGoal || !got[sprak].KindFits || !got[trening].KindFits {
		t.Errorf("plan without a Norwegian goal: språkpraksis %+v, arbeidstrening %+v", got[sprak], got[trening])
	}
}
