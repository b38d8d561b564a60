package e2e

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

// The journeys run in parallel (make test on two cores took 15 minutes
// with them one after another). What they share is named here and held
// by one journey at a time:
//
//   - a demo account: its language is stored on the account, and the
//     journeys switch it (ensureLanguage), so two journeys signed in as
//     the same person would switch each other's pages;
//   - resSearch: the placement search's results, which some journeys
//     compare with the store's exactly while others publish placements
//     the same words find;
//   - resReminders: a reminders run (TestAdminReminders) mails everyone
//     with something due, while journeys that expect exactly one mail to
//     an address (tab.mailTo) would find a second.
//
// Everything else a journey makes is its own (fresh e-mail addresses,
// organisation numbers, names from unique), so it does not need a lock.
const (
	resAdmin     = adminEmail
	resAdviser   = adviserEmail
	resNAV       = navEmail
	resEmployer  = employerEmail
	resSearch    = "placement search"
	resReminders = "reminders run"
)

// employerEmail is the demo employer (its organisation has the demo
// placements).
const employerEmail = "arbeidsgiver@example.org"

var demoAccounts = []string{adminEmail, adviserEmail, navEmail, employerEmail}

var held = struct {
	sync.Mutex
	cond  *sync.Cond
	by    map[string]string // resource → the journey holding it
	names map[string][]string
}{by: map[string]string{}, names: map[string][]string{}}

func init() { held.cond = sync.NewCond(&held.Mutex) }

// journey marks t (a top-level test) as one that runs beside the others,
// and takes the shared things it uses, all at once (so two journeys never
// wait for each other in a circle), until it ends. A journey that signs
// in as a demo account it did not name fails at once (tab.signIn).
func journey(t *testing.T, uses ...string) {
	t.Helper()
	if strings.Contains(t.Name(), "/") {
		t.Fatalf("journey(%s): call it from the top-level test", t.Name())
	}
	t.Parallel()
	held.Lock()
	for slices.ContainsFunc(uses, func(r string) bool { _, busy := held.by[r]; return busy }) {
		held.cond.Wait()
	}
	for _, r := range uses {
		held.by[r] = t.Name()
	}
	held.names[t.Name()] = uses
	held.Unlock()
	t.Cleanup(func() {
		held.Lock()
		for _, r := range uses {
			delete(held.by, r)
		}
		held.cond.Broadcast()
		held.Unlock()
	})
}

// mustHold fails t when its journey signs in as a demo account without
// holding it.
func mustHold(t *testing.T, email string) {
	t.Helper()
	if !slices.Contains(demoAccounts, email) {
		return
	}
	root, _, _ := strings.Cut(t.Name(), "/")
	held.Lock()
	uses := held.names[root]
	held.Unlock()
	if !slices.Contains(uses, email) {
		t.Fatalf("%s signs in as the demo account %s without holding it: add it to journey(t, …)", root, email)
	}
}
