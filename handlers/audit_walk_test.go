package handlers

import (
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"praksis/calendar"
	"praksis/db"
)

// noParticipantPages are the GET routes that show no participant's name
// to anyone: the audit walk below leaves them out on purpose. A new GET
// route must be added to one list or the other.
var noParticipantPages = map[string]bool{
	"GET /healthz": true, "GET /readyz": true, "GET /metrics": true, "GET /static/:version/*": true,
	"GET /login": true, "GET /signup": true, "GET /signup/sent": true, "GET /password/forgot": true, "GET /password": true,
	"GET /settings/reminders": true, "GET /organisation": true,
	"GET /placements": true, "GET /placements/new": true, "GET /placements/:id": true, "GET /placements/:id/edit": true,
	"GET /participants/new": true, "GET /admin/kpi": true,
	"GET /admin/organisations": true, "GET /admin/users": true, "GET /admin/outbox": true, "GET /admin/outbox/:id": true,
	"GET /admin/outbox/:id/html": true, "GET /admin/jobs": true,
	// The reminders preview lists participants; reminders_test.go holds
	// its audit (it needs a due reminder of each rule to show any).
	"GET /admin/reminders": true,
	// Sign-in steps and the account's own security settings.
	"GET /login/mfa": true, "GET /login/mfa/setup": true, "GET /login/oidc/:provider": true,
	"GET /login/oidc/:provider/callback": true, "GET /settings/security": true, "GET /settings/totp": true,
	// The archive list shows bundle and participant ids, no names; a
	// bundle's download is audited by the store (archive_test.go).
	"GET /admin/archive": true, "GET /admin/archive/:id": true,
	// The dated rules; the preview of whom a new row affects is a POST.
	"GET /admin/rules": true,
	// The participant's own pages (issue 16): the person reading their own
	// record, not a reading of someone else's; sign-in pages show no one.
	"GET /me": true, "GET /me/attendance": true, "GET /me/consent": true, "GET /me/data": true, "GET /me/l/:token": true,
	"GET /me/login": true, "GET /me/placement": true, "GET /me/placement.ics": true, "GET /me/reminders": true,
	// The programme contact an admin sets once.
	"GET /admin/contact": true,
}

// TestEveryParticipantPageIsAudited walks every GET route that shows a
// participant's name, as each role that may see it, and checks that the
// request wrote an audit row naming the participant: directly, or through
// one of their agreements.
func TestEveryParticipantPageIsAudited(t *testing.T) {
	ta := newTestApp(t)
	employer, adviser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	nav, admin := ta.createUser(db.RoleNAV), ta.createUser(db.RoleAdmin)
	monday := calendar.Monday(today())
	lastWeek := monday.AddDate(0, 0, -7)
	f := ta.attendanceAgreement(employer, adviser, ymd(monday.AddDate(0, 0, -14)), ymd(today().AddDate(0, 0, 60)), true)
	// NAV's hand-over list shows those linked to them whose programme ends soon.
	ta.exec(`UPDATE participants SET nav_contact_id = $2, programme_end = $3::date WHERE id = $1`, f.participant, nav.ID, ymd(today().AddDate(0, 0, 20)))
	ta.exec(`INSERT INTO attendance (agreement_id, day, present, hours) VALUES ($1, $2::date, true, 6)`, f.id, ymd(lastWeek))
	// An open proposal of the same person for another of the employer's placements.
	pl := ta.storePlacement(employer, completePlacement(unique("Forslagskommune ")), db.PlacementPublished)
	proposal := ta.storeProposal(adviser, f.participant, pl, "", "")
	attLink := ta.linkToken(db.NewLinkToken{Purpose: db.PurposeAttendance, Email: f.supervisor, TTL: time.Hour,
		Payload: map[string]any{"agreement_id": f.id, "week": ymd(lastWeek), "lang": "nb"}})
	evalLink := ta.linkToken(db.NewLinkToken{Purpose: db.PurposeEvaluation, Email: f.supervisor, TTL: time.Hour,
		Payload: map[string]any{"agreement_id": f.id, "phase": "start", "lang": "nb"}})
	offerLink := ta.offerLinks(f.id, f.supervisor, "nb")[db.OfferAnswers[0]]

	pid, ag := itoa(f.participant), f.path("")
	month := lastWeek.Format("2006-01")
	type walk struct {
		pattern, path string
		roles         []string // "" is a visitor (the one-click links)
		binary        bool     // a spreadsheet: the name is not in the bytes as text
		unnamed       bool     // the agreement's data without the name: audited all the same
	}
	all, parties, staff := []string{db.RoleEmployer, db.RoleAdviser, db.RoleNAV, db.RoleAdmin}, []string{db.RoleEmployer, db.RoleAdviser},
		[]string{db.RoleAdviser, db.RoleNAV, db.RoleAdmin}
	walks := []walk{
		{pattern: "/", path: "/", roles: []string{db.RoleNAV}}, // the hand-over list; other dashboards show counts only
		{pattern: "/participants", path: "/participants", roles: staff},
		{pattern: "/participants/export.csv", path: "/participants/export.csv", roles: []string{db.RoleAdviser, db.RoleAdmin}},
		{pattern: "/participants/export.xlsx", path: "/participants/export.xlsx", roles: []string{db.RoleAdviser, db.RoleAdmin}, binary: true},
		{pattern: "/agreements/attendance-export.csv", path: "/agreements/attendance-export.csv?month=" + month, roles: []string{db.RoleAdviser, db.RoleAdmin}},
		{pattern: "/agreements/attendance-export.xlsx", path: "/agreements/attendance-export.xlsx?month=" + month, roles: []string{db.RoleAdviser, db.RoleAdmin}, binary: true},
		{pattern: "/handover.csv", path: "/handover.csv", roles: []string{db.RoleNAV}},
		{pattern: "/handover.xlsx", path: "/handover.xlsx", roles: []string{db.RoleNAV}, binary: true},
		{pattern: "/participants/:id", path: "/participants/" + pid, roles: staff},
		{pattern: "/participants/:id/edit", path: "/participants/" + pid + "/edit", roles: []string{db.RoleAdviser}},
		{pattern: "/participants/:id/audit", path: "/participants/" + pid + "/audit", roles: []string{db.RoleAdmin}},
		{pattern: "/participants/:id/suggestions", path: "/participants/" + pid + "/suggestions", roles: []string{db.RoleAdviser}},
		{pattern: "/participants/:id/plan", path: "/participants/" + pid + "/plan", roles: staff},
		{pattern: "/participants/:id/consent", path: "/participants/" + pid + "/consent", roles: []string{db.RoleAdviser}},
		{pattern: "/participants/:id/absence", path: "/participants/" + pid + "/absence", roles: []string{db.RoleAdviser}},
		{pattern: "/participants/:id/innsyn", path: "/participants/" + pid + "/innsyn", roles: []string{db.RoleAdviser, db.RoleAdmin}},
		{pattern: "/participants/:id/innsyn.json", path: "/participants/" + pid + "/innsyn.json", roles: []string{db.RoleAdviser, db.RoleAdmin}},
		{pattern: "/proposals", path: "/proposals", roles: []string{db.RoleEmployer, db.RoleAdviser, db.RoleAdmin}},
		{pattern: "/proposals/:id", path: "/proposals/" + itoa(proposal), roles: []string{db.RoleEmployer}},
		{pattern: "/agreements/:id/attendance/:week", path: ag + "/attendance/" + ymd(lastWeek), roles: []string{db.RoleEmployer}},
		{pattern: "/agreements/:id/evaluations/:phase", path: ag + "/evaluations/start", roles: []string{db.RoleEmployer}},
		{pattern: "/agreements", path: "/agreements", roles: all},
		{pattern: "/agreements/:id", path: ag, roles: all},
		{pattern: "/agreements/:id/summary", path: ag + "/summary", roles: all},
		{pattern: "/agreements/:id/steps/:step", path: ag + "/steps/contacts", roles: parties, unnamed: true},
		{pattern: "/l/:token", path: "/l/" + attLink, roles: []string{""}},
		{pattern: "/l/:token", path: "/l/" + evalLink, roles: []string{""}},
		{pattern: "/l/:token", path: "/l/" + offerLink, roles: []string{""}},
	}

	// Every GET route is walked or declared to show no participant.
	walked := map[string]bool{}
	for _, w := range walks {
		walked["GET "+w.pattern] = true
		if !matchPattern(w.pattern, w.path) {
			t.Errorf("walk %s: path %s does not fit", w.pattern, w.path)
		}
	}
	var unclaimed []string
	for k := range registeredRoutes(ta.app) {
		if strings.HasPrefix(k, "GET ") && !walked[k] && !noParticipantPages[k] {
			unclaimed = append(unclaimed, k)
		}
	}
	sort.Strings(unclaimed)
	if len(unclaimed) > 0 {
		t.Errorf("GET routes neither walked for their audit nor listed in noParticipantPages: %s", strings.Join(unclaimed, ", "))
	}

	users := map[string]db.User{db.RoleEmployer: employer, db.RoleAdviser: adviser, db.RoleNAV: nav, db.RoleAdmin: admin}
	for _, w := range walks {
		for _, role := range w.roles {
			c := ta.client()
			if role != "" {
				c = ta.sessionFor(users[role])
			}
			var last int64
			if err := ta.store.DB.Get(&last, `SELECT coalesce(max(id), 0) FROM audit_log`); err != nil {
				t.Fatal(err)
			}
			res := c.get(w.path)
			name := role
			if name == "" {
				name = "visitor"
			}
			if res.status != http.StatusOK {
				t.Errorf("GET %s as %s: %d", w.path, name, res.status)
				continue
			}
			if !w.binary && !w.unnamed && !strings.Contains(res.text(), f.first) {
				t.Errorf("GET %s as %s: the page does not show the participant, so the walk tests nothing", w.path, name)
			}
			n := ta.countWhere("audit_log", `id > $1 AND ((entity = 'participant' AND entity_id = $2)
				OR (entity = 'agreement' AND entity_id IN (SELECT id FROM agreements WHERE participant_id = $2)))`, last, f.participant)
			if n == 0 {
				t.Errorf("GET %s as %s shows the participant and wrote no audit row naming them", w.path, name)
			}
		}
	}
}
