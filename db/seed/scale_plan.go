package seed

import (
	"math/rand/v2"
	"strconv"
	"time"

	"praksis/db"
)

// The scale seed's plan: every row that other rows point to (and the
// counts of the rest) is decided in memory first, from one random stream
// per kind of row, so the same seed gives the same database and a change
// to one kind of row does not reshuffle the others. scale.go writes
// the plan with COPY.

// srand is a seeded random stream with the helpers the plan needs.
type srand struct{ *rand.Rand }

// newSrand is stream number stream of seed.
func newSrand(seed, stream uint64) srand { return srand{rand.New(rand.NewPCG(seed, stream))} }

func (r srand) chance(p float64) bool { return r.Float64() < p }

// between is a whole number in [lo, hi].
func (r srand) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

// weighted picks an index with the given weights.
func (r srand) weighted(w ...int) int {
	sum := 0
	for _, x := range w {
		sum += x
	}
	n := r.IntN(sum)
	for i, x := range w {
		if n < x {
			return i
		}
		n -= x
	}
	return len(w) - 1
}

func pickOf[T any](r srand, xs []T) T { return xs[r.IntN(len(xs))] }

// someOf picks up to n distinct items of xs, in xs's order.
func someOf(r srand, xs []string, n int) []string {
	out := []string{}
	for i, x := range xs {
		if left := len(xs) - i; n > 0 && r.IntN(left) < n {
			out = append(out, x)
			n--
		}
	}
	return out
}

func addDays(t time.Time, n int) time.Time { return t.AddDate(0, 0, n) }

func daysBetween(a, b time.Time) int { return int(b.Sub(a).Hours() / 24) }

// Random streams, one per kind of row.
const (
	streamOrgs uint64 = iota + 1
	streamUsers
	streamPlacements
	streamParticipants
	streamAgreements
	streamResults
	streamOutcomes
	streamNotes
	streamAttendance
	streamEvaluations
	streamFollowUps
)

type scaleOrg struct {
	id                 int64
	number, name, kind string
	sector, town       string
	created            time.Time
	approved, rejected bool
	decided            time.Time // approved or rejected then
	employer           int64     // the organisation's employer account
	employerName       string
}

type scaleUser struct {
	id                int64
	email, name, role string
	org               int64
	locale            string
	created           time.Time
}

type scalePlacement struct {
	org                *scaleOrg
	id                 int64
	kind, title, tasks string
	sector, town, addr string
	hours, days        int
	start              time.Time
	end                *time.Time
	seats, taken       int
	levels             [4]*db.Level
	langs, adapt       []string
	adaptOther         string
	supName, supEmail  string
	supPhone, status   string
	published, created time.Time
	hasPublished       bool
}

type scaleParticipant struct {
	id, adviser, nav    int64
	first, last         string
	born                int
	langs               []string
	edu, regime         string
	basis, sex          string    // legal basis of the permit; sex (issue 14)
	permit              time.Time // when the permit was granted
	start, end          time.Time
	goalCat, goalSector string
	goals               [4]db.Level
	protected           bool
	town, addr, status  string
	hours               float64
	created             time.Time
	gotJob              *time.Time // an agreement ended early with a job, that day
	gotJobAt            string     // and where
	placements          map[int64]bool
}

type scaleAgreement struct {
	id, proposal      int64
	p                 *scaleParticipant
	pl                *scalePlacement
	status            string
	start, end        time.Time // planned schedule (NULL in SQL for drafts)
	hours             float64
	days              int
	created           time.Time
	approvals         int // 0 none, 1 employer, 2 consent only, 3 all
	cancelledAt       *time.Time
	endedOn           *time.Time
	endReason         string
	access            *time.Time
	lastLogged        time.Time // last day with attendance (zero: none)
	attendance        int       // rows of attendance
	evalPhases        []evalPhase
	followUps         []time.Time
	proposalCreatedAt time.Time
}

type evalPhase struct {
	phase string
	on    time.Time
}

// scaleResult is one planned Norwegian result.
type scaleResult struct {
	p      *scaleParticipant
	skill  string
	level  db.Level
	on     time.Time
	source string
}

// scaleExtraProposal is a declined or still open proposal.
type scaleExtraProposal struct {
	id      int64
	p       *scaleParticipant
	pl      *scalePlacement
	status  string
	created time.Time
	decided *time.Time
}

// scalePlan is everything Scale writes, decided before writing.
type scalePlan struct {
	seed        uint64
	today       time.Time
	orgs        []*scaleOrg
	users       []*scaleUser
	placements  []*scalePlacement
	people      []*scaleParticipant
	agreements  []*scaleAgreement
	extra       []*scaleExtraProposal
	results     []scaleResult
	attendance  int64
	evaluations int64
	followUps   int64
}

// scaleBase are the first free ids per table and the demo rows the plan
// builds on (the bench adviser, employer and NAV user are the demo
// accounts, so `make bench` signs in with the documented password).
type scaleBase struct {
	ids                                                 map[string]int64
	accessWeeks, followUpWeeks                          int
	demoOrg, demoEmployer, demoAdviser, demoNAV, admin  int64
	demoOrgName, demoOrgTown, demoEmployerName, demoNum string
	goals                                               map[string]db.Level // education → norskmål (all skills)
}

// scaleSizes are the proportions at N participants (DESIGN.md: N =
// 100,000 gives ~8,000 organisations, ~25,000 placements, ~150,000
// agreements).
type scaleSizes struct {
	orgs, placements, advisers, navs int
	benchCaseload, benchPlacements   int
	benchAgreements                  int
}

func sizesFor(n int) scaleSizes {
	s := scaleSizes{orgs: max(10, n*8/100), placements: max(20, n/4), advisers: max(2, n/250), navs: max(1, n/500)}
	s.benchCaseload = min(500, n/4)
	s.benchPlacements = min(40, max(3, s.placements/600))
	s.benchAgreements = min(2000, max(5, n/50))
	return s
}

func (b *scaleBase) next(table string) int64 {
	id := b.ids[table]
	b.ids[table]++
	return id
}

// orgNumbers are the seed's first n organisation numbers: nine digits
// starting with 81 (the demo organisation's starts with 9), the last a
// mod-11 check digit; prefixes whose check digit would be 10 are skipped.
func orgNumbers(n int) []string {
	out := make([]string, 0, n)
	for prefix := 81000000; len(out) < n; prefix++ {
		s := strconv.Itoa(prefix)
		weights := [8]int{3, 2, 7, 6, 5, 4, 3, 2}
		sum := 0
		for i := 0; i < 8; i++ {
			sum += int(s[i]-'0') * weights[i]
		}
		check := 11 - sum%11
		if check == 11 {
			check = 0
		}
		if check == 10 {
			continue
		}
		out = append(out, s+strconv.Itoa(check))
	}
	return out
}
