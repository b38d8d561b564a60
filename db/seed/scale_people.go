package seed

import (
	"fmt"
	"time"

	"praksis/db"
)

// The scale seed's organisations, accounts, placements and participants
// (the plan's types and helpers are in scale_plan.go; agreements and
// results in scale_agreements.go).

func planScale(n int, seed uint64, today time.Time, b *scaleBase) *scalePlan {
	sz := sizesFor(n)
	pl := &scalePlan{seed: seed, today: today}
	pl.planOrgs(sz, b)
	pl.planUsers(sz, b)
	pl.planPlacements(sz, b)
	pl.planParticipants(n, sz, b)
	pl.planAgreements(sz, b)
	pl.planResults()
	return pl
}

func (pl *scalePlan) planOrgs(sz scaleSizes, b *scaleBase) {
	r := newSrand(pl.seed, streamOrgs)
	nums := orgNumbers(sz.orgs)
	for i := 0; i < sz.orgs; i++ {
		sector := pickOf(r, db.Sectors)
		kind := []string{db.KindBusiness, db.KindPublic, db.KindNGO}[r.weighted(75, 15, 10)]
		town := pickOf(r, scaleTowns)
		name := pickOf(r, scaleOrgPlaces) + pickOf(r, scaleOrgNouns[sector])
		switch kind {
		case db.KindBusiness:
			name += " " + []string{"AS", "AS", "AS", "ANS", "SA"}[r.IntN(5)]
		case db.KindPublic:
			name = town + " kommune, " + pickOf(r, scaleOrgNouns[sector])
		case db.KindNGO:
			name += " frivillige lag"
		}
		o := &scaleOrg{id: b.next("organisations"), number: nums[i], name: name, kind: kind, sector: sector, town: town,
			created: addDays(pl.today, -r.between(30, 1600)).Add(9 * time.Hour)}
		switch r.weighted(93, 5, 2) {
		case 0:
			o.approved = true
		case 2:
			o.rejected = true
		}
		if !o.approved && !o.rejected {
			o.created = addDays(pl.today, -r.between(1, 20)).Add(9 * time.Hour) // still waiting
		} else {
			o.decided = addDays(o.created, r.between(1, 5)).Add(time.Hour)
		}
		pl.orgs = append(pl.orgs, o)
	}
}

func (pl *scalePlan) planUsers(sz scaleSizes, b *scaleBase) {
	r := newSrand(pl.seed, streamUsers)
	person := func() string { return pickOf(r, scaleNorwegianFirst) + " " + pickOf(r, scaleNorwegianLast) }
	locale := func() string {
		if r.chance(0.1) {
			return "en"
		}
		return "nb"
	}
	for i, o := range pl.orgs {
		u := &scaleUser{id: b.next("users"), email: fmt.Sprintf("arbeidsgiver%d@bench.example.org", i+1), name: person(),
			role: db.RoleEmployer, org: o.id, locale: locale(), created: o.created.Add(time.Hour)}
		o.employer, o.employerName = u.id, u.name
		pl.users = append(pl.users, u)
	}
	for i := 0; i < sz.advisers; i++ {
		pl.users = append(pl.users, &scaleUser{id: b.next("users"), email: fmt.Sprintf("radgiver%d@bench.example.org", i+1), name: person(),
			role: db.RoleAdviser, locale: locale(), created: addDays(pl.today, -r.between(200, 1700)).Add(8 * time.Hour)})
	}
	for i := 0; i < sz.navs; i++ {
		pl.users = append(pl.users, &scaleUser{id: b.next("users"), email: fmt.Sprintf("nav%d@bench.example.org", i+1), name: person(),
			role: db.RoleNAV, locale: locale(), created: addDays(pl.today, -r.between(200, 1700)).Add(8 * time.Hour)})
	}
	for i := 0; i < 2; i++ {
		pl.users = append(pl.users, &scaleUser{id: b.next("users"), email: fmt.Sprintf("admin%d@bench.example.org", i+1), name: person(),
			role: db.RoleAdmin, locale: "nb", created: addDays(pl.today, -r.between(200, 1700)).Add(8 * time.Hour)})
	}
}

func (pl *scalePlan) usersOf(role string) []*scaleUser {
	var out []*scaleUser
	for _, u := range pl.users {
		if u.role == role {
			out = append(out, u)
		}
	}
	return out
}

// placementLevels is what a kind of placement usually asks for, per skill
// (listening, reading, writing, oral); reading and writing are often not
// required at all.
func placementLevels(r srand, kind string) [4]*db.Level {
	lo, hi := 2, 3 // a1..a2
	switch kind {
	case "arbeidspraksis", "arbeidstrening":
		lo, hi = 3, 4
	case "lonnstilskudd":
		lo, hi = 4, 5
	case "sommerjobb":
		lo, hi = 3, 3
	}
	var out [4]*db.Level
	for i := range out {
		need := 0.85
		if i == 1 || i == 2 {
			need = 0.4
		}
		if r.chance(need) {
			l := db.Levels[r.between(lo, hi)]
			out[i] = &l
		}
	}
	return out
}

func (pl *scalePlan) newPlacement(r srand, o *scaleOrg, b *scaleBase, status string) *scalePlacement {
	sector := o.sector
	if r.chance(0.3) {
		sector = pickOf(r, db.Sectors)
	}
	kind := db.PlacementKinds[r.weighted(35, 30, 15, 8, 7, 5)]
	tasks := scaleTasks[sector]
	t := ""
	for i, n := 0, r.between(2, 4); i < n; i++ {
		if i > 0 {
			t += " "
		}
		t += fmt.Sprintf(pickOf(r, scaleSentences), pickOf(r, tasks), pickOf(r, tasks), pickOf(r, tasks), pickOf(r, scalePeople))
	}
	p := &scalePlacement{org: o, id: b.next("placements"), kind: kind, title: pickOf(r, scaleTitles[sector]), tasks: t, sector: sector,
		town: o.town, addr: fmt.Sprintf("%s %d", pickOf(r, scaleStreets), r.between(1, 120)), hours: r.between(15, 37),
		days: r.between(3, 5), seats: []int{1, 1, 1, 2, 2, 3, 4, 5, 8}[r.IntN(9)], levels: placementLevels(r, kind),
		langs: someOf(r, db.WorkplaceLanguages[1:8], r.between(0, 3)), adapt: someOf(r, db.Adaptations, r.between(0, 3)),
		supName: pickOf(r, scaleNorwegianFirst) + " " + pickOf(r, scaleNorwegianLast), supPhone: fmt.Sprintf("+47 9%02d %02d %03d", r.IntN(100), r.IntN(100), r.IntN(1000)),
		status: status}
	if r.chance(0.15) {
		p.town = pickOf(r, scaleTowns) // an organisation with more than one site
	}
	if r.chance(0.2) {
		p.adaptOther = pickOf(r, scaleAdaptationsOther)
	}
	p.supEmail = fmt.Sprintf("veileder%d@bench.example.org", p.id)
	switch status {
	case db.PlacementDraft:
		p.created = addDays(pl.today, -r.between(1, 90))
	case db.PlacementClosed:
		p.published = addDays(pl.today, -r.between(200, 1450))
	default: // published and paused: most are recent
		u := r.Float64()
		p.published = addDays(pl.today, -1-int(1200*u*u))
	}
	if status != db.PlacementDraft {
		p.hasPublished = true
		p.published = p.published.Add(time.Duration(r.between(7, 16))*time.Hour + time.Duration(r.IntN(3600))*time.Second)
		p.created = addDays(p.published, -r.between(0, 10))
	} else {
		p.created = p.created.Add(10 * time.Hour)
	}
	p.start = addDays(p.created, r.between(7, 60))
	if r.chance(0.3) {
		e := addDays(p.start, r.between(120, 365))
		p.end = &e
	}
	return p
}

func (pl *scalePlan) planPlacements(sz scaleSizes, b *scaleBase) {
	r := newSrand(pl.seed, streamPlacements)
	demo := &scaleOrg{id: b.demoOrg, name: b.demoOrgName, number: b.demoNum, town: b.demoOrgTown, sector: "hospitality", approved: true,
		employer: b.demoEmployer, employerName: b.demoEmployerName}
	for i := 0; i < sz.benchPlacements; i++ {
		status := db.PlacementPublished
		if i%10 == 9 {
			status = db.PlacementClosed
		}
		pl.placements = append(pl.placements, pl.newPlacement(r, demo, b, status))
	}
	for len(pl.placements) < sz.placements {
		u := r.Float64()
		o := pl.orgs[int(float64(len(pl.orgs))*u*u)] // a few organisations post many
		status := db.PlacementDraft
		switch {
		case o.approved:
			status = []string{db.PlacementPublished, db.PlacementPaused, db.PlacementClosed, db.PlacementDraft}[r.weighted(78, 6, 10, 6)]
		case o.rejected:
			status = []string{db.PlacementClosed, db.PlacementDraft}[r.IntN(2)]
		}
		pl.placements = append(pl.placements, pl.newPlacement(r, o, b, status))
	}
}

func (pl *scalePlan) planParticipants(n int, sz scaleSizes, b *scaleBase) {
	r := newSrand(pl.seed, streamParticipants)
	advisers, navs := pl.usersOf(db.RoleAdviser), pl.usersOf(db.RoleNAV)
	step := n
	if sz.benchCaseload > 0 {
		step = n / sz.benchCaseload
	}
	weights := make([]int, len(scaleOrigins))
	for i, o := range scaleOrigins {
		weights[i] = o.weight
	}
	ukraine := time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC)
	bench := 0
	for i := 0; i < n; i++ {
		origin := scaleOrigins[r.weighted(weights...)]
		p := &scaleParticipant{id: b.next("participants"), first: pickOf(r, origin.first), last: pickOf(r, origin.last),
			langs: append([]string{}, origin.langs...), town: pickOf(r, scaleTowns), hours: 37.5, placements: map[int64]bool{}}
		if r.chance(0.25) {
			p.langs = append(p.langs, "en")
		}
		p.start = addDays(pl.today, -r.between(0, 4*365))
		p.edu = db.Educations[r.weighted(15, 30, 30, 25)]
		age := r.between(18, 55)
		p.born = p.start.Year() - age
		// The regime follows the legal basis and the permit's date, never
		// the nationality (db.DeriveRegime): Ukrainians who came after
		// June 2022 hold collective protection (utl. § 34, kap. 6A);
		// a few others settled before 2021 (introduksjonsloven).
		p.permit = addDays(p.start, -r.between(20, 90))
		switch {
		case origin.langs[0] == "uk" && !p.start.Before(ukraine):
			p.regime, p.basis = db.RegimeKap6A, "collective_protection"
		case r.chance(0.05):
			p.regime, p.basis = db.RegimeIntroduction, []string{"asylum", "resettlement", "family_reunification"}[r.IntN(3)]
			p.permit = time.Date(2020, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		default:
			p.regime, p.basis = db.RegimeIntegration, []string{"asylum", "resettlement", "family_reunification"}[r.weighted(50, 30, 20)]
		}
		p.sex = []string{"woman", "man", "not_given"}[r.weighted(49, 48, 3)]
		months := 12
		switch p.regime {
		case db.RegimeIntegration:
			months = []int{6, 12, 18, 24, 30, 36}[r.weighted(5, 15, 20, 30, 10, 20)]
		case db.RegimeIntroduction:
			months = 24
		}
		p.end = p.start.AddDate(0, months, 0)
		switch {
		case p.edu == "higher" && r.chance(0.4):
			p.goalCat = "higher_education"
		case p.edu == "higher" || (p.edu == "upper_secondary" && r.chance(0.5)):
			p.goalCat, p.goalSector = "work_sector", pickOf(r, db.Sectors)
		case age < 25 && (p.edu == "none" || p.edu == "primary"):
			p.goalCat = "upper_secondary"
		default:
			p.goalCat = "work_or_education"
		}
		g := b.goals[p.edu]
		p.goals = [4]db.Level{g, g, g, g}
		if r.chance(0.1) && g.Rank() < db.LevelB2.Rank() {
			p.goals[3] = db.Levels[g.Rank()+1] // a higher oral goal, set by the adviser
		}
		p.protected = r.chance(0.01)
		p.addr = fmt.Sprintf("%s %d", pickOf(r, scaleStreets), r.between(1, 200))
		switch {
		case p.end.Before(pl.today):
			p.status = []string{"completed", "ended_early"}[r.weighted(85, 15)]
		case r.chance(0.04):
			p.status = "on_leave"
		default:
			p.status = "active"
		}
		if r.chance(0.2) {
			p.hours = 30
		}
		p.created = addDays(p.start, -r.between(7, 30)).Add(11 * time.Hour)
		if i%step == 0 && bench < sz.benchCaseload {
			p.adviser = b.demoAdviser
			bench++
			if bench%3 == 0 {
				p.nav = b.demoNAV
			}
		} else {
			p.adviser = advisers[r.IntN(len(advisers))].id
		}
		if p.nav == 0 && r.chance(0.6) {
			p.nav = navs[r.IntN(len(navs))].id
		}
		pl.people = append(pl.people, p)
	}
}
