package seed

import (
	"praksis/calendar"
	"praksis/db"
)

import "time"

// The scale seed's agreements and results (see scale_plan.go). An
// agreement's status is never stored: it follows from its dates and
// approvals, so the plan spreads statuses by placing agreements in time
// relative to today and by leaving approvals out.

// lastFriday is the end of the last whole week before today's: the
// attendance of this week is not logged yet.
func (pl *scalePlan) lastFriday() time.Time { return addDays(calendar.Monday(pl.today), -3) }

// clampTS keeps a planned timestamp in the past (yesterday at 20:00 at
// the latest), whatever the hour the seed runs.
func (pl *scalePlan) clampTS(t time.Time) time.Time {
	if latest := addDays(pl.today, -1).Add(20 * time.Hour); t.After(latest) {
		return latest
	}
	return t
}

// placementPools are the placements agreements can be on: open ones
// (published) for agreements that run now or later, any that was ever
// published for past ones, and the bench employer's.
type placementPools struct {
	open, past, bench []*scalePlacement
	openIn            map[string][]*scalePlacement
}

func (pl *scalePlan) pools(benchOrg int64) placementPools {
	p := placementPools{openIn: map[string][]*scalePlacement{}}
	for _, x := range pl.placements {
		if !x.hasPublished || (!x.org.approved) {
			continue
		}
		p.past = append(p.past, x)
		if x.status == db.PlacementPublished {
			p.open = append(p.open, x)
			p.openIn[x.town] = append(p.openIn[x.town], x)
			if x.org.id == benchOrg {
				p.bench = append(p.bench, x)
			}
		}
	}
	return p
}

// choose picks a placement the participant has not been on; one that
// will hold a seat gets a free one when a few tries find it (else the
// placement gets another seat, up to the table's 50).
func (pp placementPools) choose(r srand, p *scaleParticipant, current, bench, holds bool) *scalePlacement {
	var best *scalePlacement
	for try := 0; try < 8; try++ {
		pool := pp.past
		switch {
		case bench && len(pp.bench) > 0:
			pool = pp.bench
		case current && len(pp.openIn[p.town]) > 0 && r.chance(0.5):
			pool = pp.openIn[p.town]
		case current:
			pool = pp.open
		}
		c := pool[r.IntN(len(pool))]
		if p.placements[c.id] {
			continue
		}
		best = c
		if !holds || c.taken < c.seats {
			break
		}
	}
	return best
}

func (pl *scalePlan) planAgreements(sz scaleSizes, b *scaleBase) {
	r := newSrand(pl.seed, streamAgreements)
	pools := pl.pools(b.demoOrg)
	pBench := float64(sz.benchAgreements) / (1.5 * float64(len(pl.people)))
	for _, p := range pl.people {
		k := r.weighted(10, 28, 37, 25)
		from, to := addDays(p.start, 30), addDays(p.end, -14)
		window := daysBetween(from, to)
		if k = min(k, window/42); k <= 0 {
			continue
		}
		slot := window / k
		for j := 0; j < k; j++ {
			weeks := min(r.between(6, 20), (slot-7)/7)
			length := weeks*7 - 3 // Monday to the Friday of the last week
			s0 := addDays(from, j*slot)
			start := calendar.Monday(addDays(s0, r.between(0, max(0, slot-length-7))))
			if start.Before(s0) {
				start = addDays(start, 7)
			}
			if start.After(addDays(pl.today, 56)) {
				break // agreements are made a few weeks ahead, not a year
			}
			end := addDays(start, length)
			if end.After(p.end) {
				end = p.end
			}
			a := &scaleAgreement{p: p, start: start, end: end}
			pl.setStatus(r, a, b)
			holds := a.status == db.AgreementDraft || a.status == db.AgreementAwaiting || a.status == db.AgreementReady || a.status == db.AgreementRunning
			if a.pl = pools.choose(r, p, !end.Before(pl.today), r.chance(pBench), holds); a.pl == nil {
				continue
			}
			a.id, a.proposal = b.next("agreements"), b.next("proposals")
			p.placements[a.pl.id] = true
			if holds {
				if a.pl.taken++; a.pl.taken > a.pl.seats {
					a.pl.seats = min(50, a.pl.taken)
				}
			}
			a.hours = min(float64(a.pl.hours), p.hours)
			a.days = a.pl.days
			if a.endReason == "got_job" {
				p.gotJob, p.gotJobAt = a.endedOn, a.pl.org.name
			}
			pl.planFollowThrough(r, a, b)
			pl.agreements = append(pl.agreements, a)
			pl.fitPlacement(a)
		}
	}
	pl.planExtraProposals(r, pools, b)
}

// setStatus places the agreement's approvals, cancellation or early end so
// that agreement_status() gives a spread of every status today.
func (pl *scalePlan) setStatus(r srand, a *scaleAgreement, b *scaleBase) {
	today := pl.today
	a.created = addDays(a.start, -r.between(14, 40))
	if lo := addDays(a.p.created, 1); a.created.Before(lo) {
		a.created = lo
	}
	if hi := addDays(today, -r.between(1, 5)); a.created.After(hi) {
		a.created = hi
	}
	a.created = a.created.Add(time.Duration(r.between(8*60, 15*60)) * time.Minute)
	a.proposalCreatedAt = addDays(a.created, -r.between(1, 7))
	a.approvals = 3
	cancel := r.chance(0.05)
	switch {
	case a.start.After(today): // starts later
		switch {
		case cancel:
			c := pl.clampTS(addDays(a.created, r.between(1, 10)))
			a.status, a.cancelledAt, a.approvals = db.AgreementCancelled, &c, r.IntN(2)
		default:
			a.status = []string{db.AgreementDraft, db.AgreementAwaiting, db.AgreementReady}[r.weighted(25, 35, 40)]
		}
	case !a.end.Before(today): // runs now
		switch {
		case cancel:
			c := pl.clampTS(addDays(a.start, -3).Add(10 * time.Hour))
			a.status, a.cancelledAt, a.approvals = db.AgreementCancelled, &c, 1
		case r.chance(0.08) && daysBetween(a.start, today) > 6:
			e := addDays(a.start, r.between(5, daysBetween(a.start, today)-1))
			a.status, a.endedOn = db.AgreementEnded, &e
		default:
			a.status = db.AgreementRunning
		}
	default: // over
		switch {
		case cancel:
			c := addDays(a.start, -3).Add(10 * time.Hour)
			a.status, a.cancelledAt, a.approvals = db.AgreementCancelled, &c, 1
		case r.chance(0.14) && daysBetween(a.start, a.end) > 10:
			e := addDays(a.start, r.between(5, daysBetween(a.start, a.end)-1))
			a.status, a.endedOn = db.AgreementEnded, &e
		default:
			a.status = db.AgreementEnded
		}
	}
	switch a.status {
	case db.AgreementDraft:
		a.approvals = 0
	case db.AgreementAwaiting:
		a.approvals = []int{1, 2, 0}[r.weighted(50, 25, 25)]
	}
	if a.endedOn != nil {
		a.endReason = []string{"got_job", "other_measure", "illness", "did_not_attend", "other"}[r.weighted(35, 20, 15, 15, 15)]
	}
	var access time.Time
	switch {
	case a.cancelledAt != nil:
		access = addDays(*a.cancelledAt, 7*b.accessWeeks).Truncate(24 * time.Hour)
	case a.endedOn != nil:
		access = addDays(*a.endedOn, 7*b.accessWeeks)
	case a.status != db.AgreementDraft:
		access = addDays(a.end, 7*b.accessWeeks)
	}
	if !access.IsZero() {
		a.access = &access
	}
}

// planFollowThrough decides how many attendance days, which evaluations
// and which follow-up meetings an agreement that has started has.
func (pl *scalePlan) planFollowThrough(r srand, a *scaleAgreement, b *scaleBase) {
	if a.approvals != 3 || a.cancelledAt != nil || !a.start.Before(pl.today) {
		return
	}
	last := a.end
	if a.endedOn != nil {
		last = *a.endedOn
	}
	if lf := pl.lastFriday(); last.After(lf) {
		last = lf
	}
	for w := a.start; !w.After(last); w = addDays(w, 7) {
		for d := 0; d < a.days; d++ {
			if day := addDays(w, d); !day.After(last) {
				a.attendance++
				a.lastLogged = day
			}
		}
	}
	pl.attendance += int64(a.attendance)
	yesterday := addDays(pl.today, -1)
	phases := []evalPhase{{"start", addDays(a.start, 14)}, {"mid", addDays(a.start, daysBetween(a.start, a.end)/2)}}
	if a.endedOn == nil {
		phases = append(phases, evalPhase{"end", a.end})
	}
	for _, ph := range phases {
		if ph.on.After(yesterday) || ph.on.After(addDays(last, 3)) {
			break
		}
		if r.chance(0.9) {
			a.evalPhases = append(a.evalPhases, ph)
		}
	}
	pl.evaluations += int64(len(a.evalPhases))
	for d := addDays(a.start, 12); !d.After(last) && !d.After(yesterday); d = addDays(d, 7*b.followUpWeeks) {
		if r.chance(0.85) {
			a.followUps = append(a.followUps, addDays(d, r.between(-2, 2)))
		}
	}
	pl.followUps += int64(len(a.followUps))
}

// fitPlacement makes the placement's own dates agree with the agreement:
// published before the proposal, starting no later than the agreement.
func (pl *scalePlan) fitPlacement(a *scaleAgreement) {
	x := a.pl
	if latest := addDays(a.proposalCreatedAt, -1); x.published.After(latest) {
		x.published = latest
		if x.created.After(x.published) {
			x.created = addDays(x.published, -2)
		}
	}
	if a.status == db.AgreementDraft {
		return
	}
	if a.start.Before(x.start) {
		x.start = a.start
	}
	if x.end != nil && x.end.Before(a.end) {
		e := a.end
		x.end = &e
	}
}

// planExtraProposals adds declined proposals (before some agreements) and
// proposals still waiting for the employer's answer.
func (pl *scalePlan) planExtraProposals(r srand, pools placementPools, b *scaleBase) {
	for _, a := range pl.agreements {
		if !r.chance(0.25) {
			continue
		}
		x := pools.choose(r, a.p, false, false, false)
		created := addDays(a.proposalCreatedAt, -r.between(10, 40))
		if x == nil || created.Before(a.p.created) || created.Before(x.published) {
			continue
		}
		d := created.Add(time.Duration(r.between(26, 140)) * time.Hour)
		pl.extra = append(pl.extra, &scaleExtraProposal{id: b.next("proposals"), p: a.p, pl: x, status: "declined", created: created, decided: &d})
	}
	for _, p := range pl.people {
		if p.status != "active" || p.end.Before(addDays(pl.today, 60)) || !r.chance(0.04) {
			continue
		}
		x := pools.choose(r, p, true, r.chance(0.1), false)
		if x == nil {
			continue
		}
		p.placements[x.id] = true
		created := pl.clampTS(addDays(pl.today, -r.between(0, 12)).Add(time.Duration(r.between(8, 15)) * time.Hour))
		if created.Before(x.published) {
			created = pl.clampTS(x.published.Add(time.Hour))
		}
		pl.extra = append(pl.extra, &scaleExtraProposal{id: b.next("proposals"), p: p, pl: x, status: "proposed", created: created})
	}
}

// planResults gives each participant Norwegian results from the start of
// the programme on: a Norskprøven (all four subtests) or a teacher's
// assessment (one or two skills) every four to seven months, the level
// mostly rising, sometimes a weaker day.
func (pl *scalePlan) planResults() {
	r := newSrand(pl.seed, streamResults)
	startLevel := map[string][2]int{"none": {0, 1}, "primary": {1, 2}, "upper_secondary": {2, 2}, "higher": {2, 3}}
	for _, p := range pl.people {
		var lv [4]int
		for s := range lv {
			lv[s] = r.between(startLevel[p.edu][0], startLevel[p.edu][1])
		}
		top := 5 // B2; C1 is a separate test, taken by a few with higher education
		if p.edu == "higher" {
			top = 6
		}
		last := addDays(pl.today, -1)
		if e := addDays(p.end, 30); e.Before(last) {
			last = e
		}
		for d := addDays(p.start, r.between(60, 150)); !d.After(last); d = addDays(d, r.between(130, 220)) {
			skills := []int{0, 1, 2, 3}
			source := "norskprove"
			if !r.chance(0.4) {
				source = "teacher"
				skills = []int{3, 0, 1, 2}[:r.between(1, 2)]
			}
			for i, s := range skills {
				if r.chance(0.55) && lv[s] < top {
					lv[s]++
				}
				got := lv[s]
				if got > 0 && r.chance(0.08) {
					got-- // a weaker day; the best result still counts
				}
				on := addDays(d, i)
				if on.After(last) {
					on = last
				}
				pl.results = append(pl.results, scaleResult{p: p, skill: db.Skills[s], level: db.Levels[got], on: on, source: source})
			}
		}
	}
}
