package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"praksis/calendar"
	"praksis/db"
)

// matrixRoles are the columns of the authorisation matrix; "" is a visitor,
// db.RoleParticipant a participant signed in to their own pages (issue 16),
// who acts as the fixtures' participant.
var matrixRoles = []string{"", db.RoleEmployer, db.RoleAdviser, db.RoleNAV, db.RoleAdmin, db.RoleParticipant}

// matrixRow is one registered route: its method and pattern as Fiber
// knows them, a concrete path to request, the form a POST sends (with a
// valid CSRF token added, so the matrix tests authorisation and not
// CSRF), and the status each role gets, in matrixRoles order.
type matrixRow struct {
	method, pattern, path string
	form                  url.Values
	want                  [6]int
}

// Statuses, short so the matrix reads as a table.
const (
	s200 = http.StatusOK
	s303 = http.StatusSeeOther
	s400 = http.StatusBadRequest
	s401 = http.StatusUnauthorized
	s403 = http.StatusForbidden
	s404 = http.StatusNotFound
	s422 = http.StatusUnprocessableEntity
)

// matrixFixtures are the real rows the :id and :token routes act on.
type matrixFixtures struct {
	pendingOrg int64  // approved, then rejected, by the admin column
	target     int64  // an adviser the admin column disables and enables
	mail       int64  // a dead mail the admin column puts back in the queue
	token      string // a valid password-reset link token

	// The employer column's account (an approved organisation) and its
	// placements, one per status move so each row acts on a placement in
	// the status the move starts from.
	employer    db.User
	placement   int64 // published: shown, edited (refused), duplicated
	toPublish   int64 // a complete draft
	toPause     int64 // published
	toResume    int64 // paused
	toClose     int64 // published
	toReopen    int64 // closed
	toUnpublish int64 // published, taken down by the admin column
	toRepublish int64 // taken down, published again by the admin column

	// The adviser and NAV columns' accounts and a participant of the
	// adviser's caseload linked to the NAV user; another participant the
	// admin column moves to newAdviser.
	adviser, nav db.User
	participant  int64
	toReassign   int64
	newAdviser   int64

	// Proposals of the adviser's participants for proposalPlacement (the
	// employer's, published): one the employer column reads, one it
	// accepts and one it declines, each open.
	proposalPlacement             int64
	proposal, toAccept, toDecline int64

	// A running agreement of the adviser's participant at the employer's
	// organisation, begun two weeks before this week, and last week (its
	// Monday), which the employer column logs.
	agreement     int64
	agreementWeek string

	// Agreements of the employer's organisation for participants of the
	// adviser linked to the NAV user, each in the state its row starts
	// from (agreementMatrixFixtures in agreements_test.go).
	agreements agreementMatrixFx
}

// newMatrixFixtures makes the rows the matrix and the CSRF test act on.
func (ta *testApp) newMatrixFixtures() matrixFixtures {
	ta.t.Helper()
	pending := ta.createPendingOrg()
	target := ta.createUser(db.RoleAdviser)
	owner := ta.createUser(db.RoleNAV)
	mail := ta.enqueueMail(unique("dead") + "@test.example")
	ta.exec(`UPDATE outbox SET status = 'dead', attempts = 1, last_error = '550 5.1.1 no such user' WHERE id = $1`, mail)
	employer := ta.createUser(db.RoleEmployer)
	in := completePlacement(unique("Matrisekommune "))
	takenDown := ta.storePlacement(employer, in, db.PlacementPublished)
	admin := ta.createUser(db.RoleAdmin)
	if err := ta.store.SetPlacementStatus(context.Background(), takenDown, 0, admin.ID, db.PlacementPaused,
		[]string{db.PlacementPublished}, "unpublish", "Erstatter en ordinær stilling."); err != nil {
		ta.t.Fatal(err)
	}
	adviser, nav := ta.createUser(db.RoleAdviser), ta.createUser(db.RoleNAV)
	pin := participantInput("Matrise", unique("Deltaker"))
	pin.NavContactID = &nav.ID
	propIn := in
	propIn.SupervisorEmail = unique("matrix-supervisor") + "@test.example"
	propPlacement := ta.storePlacement(employer, propIn, db.PlacementPublished)
	propose := func() int64 {
		pt := ta.storeParticipant(adviser, participantInput("Foreslått", unique("Deltaker")))
		return ta.storeProposal(adviser, pt, propPlacement, "", "")
	}
	thisMonday := calendar.Monday(today())
	running := ta.attendanceAgreement(employer, adviser, ymd(thisMonday.AddDate(0, 0, -14)), ymd(today().AddDate(0, 0, 60)), true)
	// The matrix's proposal row needs the participant's consent first.
	participant := ta.storeParticipant(adviser, pin)
	ta.consentFor(adviser, participant, propPlacement, "")
	return matrixFixtures{agreements: ta.agreementMatrixFixtures(employer, adviser, nav), agreement: running.id, agreementWeek: ymd(thisMonday.AddDate(0, 0, -7)), proposalPlacement: propPlacement, proposal: propose(), toAccept: propose(), toDecline: propose(),
		toRepublish: takenDown, adviser: adviser, nav: nav,
		participant: participant, toReassign: ta.storeParticipant(adviser, participantInput("Flytt", unique("Deltaker"))),
		newAdviser: ta.createUser(db.RoleAdviser).ID,
		pendingOrg: pending.org.ID, target: target.ID, mail: mail,
		token:     ta.linkToken(db.NewLinkToken{Purpose: db.PurposeReset, UserID: &owner.ID, Email: owner.Email, TTL: time.Hour}),
		employer:  employer,
		placement: ta.storePlacement(employer, in, db.PlacementPublished),
		toPublish: ta.storePlacement(employer, in, db.PlacementDraft),
		toPause:   ta.storePlacement(employer, in, db.PlacementPublished),
		toResume:  ta.storePlacement(employer, in, db.PlacementPaused),
		toClose:   ta.storePlacement(employer, in, db.PlacementPublished),
		toReopen:  ta.storePlacement(employer, in, db.PlacementClosed), toUnpublish: ta.storePlacement(employer, in, db.PlacementPublished)}
}

func authorisationMatrix(ta *testApp, fx matrixFixtures) []matrixRow {
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	static := ta.app.assets.url("css/app.css")
	px := ta.privacyMatrixFixtures(fx)
	return []matrixRow{
		// Public: liveness, readiness and assets answer everyone, before sessions.
		{method: "GET", pattern: "/healthz", path: "/healthz", want: [6]int{s200, s200, s200, s200, s200, s200}},
		{method: "GET", pattern: "/readyz", path: "/readyz", want: [6]int{s200, s200, s200, s200, s200, s200}},
		// Metrics: open in development (this app); production limits them to
		// loopback or a bearer token whoever is signed in (metrics_test.go).
		{method: "GET", pattern: "/metrics", path: "/metrics", want: [6]int{s200, s200, s200, s200, s200, s200}},
		{method: "GET", pattern: "/static/:version/*", path: static, want: [6]int{s200, s200, s200, s200, s200, s200}},

		// Everyone: the landing page or the role's dashboard; sign-in and
		// sign-up send a signed-in person to the dashboard.
		// A signed-in participant is sent on to their own pages.
		{method: "GET", pattern: "/", path: "/", want: [6]int{s200, s200, s200, s200, s200, s303}},
		{method: "GET", pattern: "/login", path: "/login", want: [6]int{s200, s303, s303, s303, s303, s200}},
		{method: "POST", pattern: "/login", path: "/login", want: [6]int{s422, s422, s422, s422, s422, s422}},
		// Single sign-on: this app has no providers, so any name is unknown
		// (oidc_test.go drives both through real providers).
		{method: "GET", pattern: "/login/oidc/:provider", path: "/login/oidc/entra", want: [6]int{s404, s404, s404, s404, s404, s404}},
		{method: "GET", pattern: "/login/oidc/:provider/callback", path: "/login/oidc/entra/callback?state=x&code=y", want: [6]int{s404, s404, s404, s404, s404, s404}},
		// The second factor needs the half-authenticated cookie of a right
		// password (mfa_test.go); without it, sign in (again) or go home.
		{method: "GET", pattern: "/login/mfa", path: "/login/mfa", want: [6]int{s303, s303, s303, s303, s303, s303}},
		{method: "POST", pattern: "/login/mfa", path: "/login/mfa", want: [6]int{s303, s303, s303, s303, s303, s303}},
		{method: "GET", pattern: "/login/mfa/setup", path: "/login/mfa/setup", want: [6]int{s303, s303, s303, s303, s303, s303}},
		{method: "POST", pattern: "/login/mfa/setup", path: "/login/mfa/setup", want: [6]int{s303, s303, s303, s303, s303, s303}},
		// Passkey sign-in: anyone may ask for a challenge; an answer without
		// one is refused (the ceremony itself: e2e/auth_test.go).
		{method: "POST", pattern: "/login/passkey/options", path: "/login/passkey/options", want: [6]int{s200, s200, s200, s200, s200, s200}},
		{method: "POST", pattern: "/login/passkey", path: "/login/passkey", want: [6]int{s400, s400, s400, s400, s400, s400}},
		{method: "GET", pattern: "/signup", path: "/signup", want: [6]int{s200, s303, s303, s303, s303, s200}},
		{method: "POST", pattern: "/signup", path: "/signup", want: [6]int{s422, s303, s303, s303, s303, s422}},
		{method: "POST", pattern: "/lang", path: "/lang", form: url.Values{"lang": {"nb"}, "back": {"/"}}, want: [6]int{s303, s303, s303, s303, s303, s303}},
		// Where a valid sign-up lands ("check your e-mail"): says nothing about anyone.
		{method: "GET", pattern: "/signup/sent", path: "/signup/sent", want: [6]int{s200, s200, s200, s200, s200, s200}},

		// Any signed-in user.
		{method: "POST", pattern: "/logout", path: "/logout", want: [6]int{s401, s303, s303, s303, s303, s404}},
		{method: "GET", pattern: "/password", path: "/password", want: [6]int{s303, s200, s200, s200, s200, s404}},
		{method: "POST", pattern: "/password", path: "/password", want: [6]int{s401, s422, s422, s422, s422, s404}},
		// Their own reminder choices: an empty form (no weekday) is 422.
		{method: "GET", pattern: "/settings/reminders", path: "/settings/reminders", want: [6]int{s303, s200, s200, s200, s200, s404}},
		{method: "POST", pattern: "/settings/reminders", path: "/settings/reminders", want: [6]int{s401, s422, s422, s422, s422, s404}},
		// Their own second factors: starting an authenticator (303 to its
		// page), the page with the secret just made, an empty code (422).
		{method: "GET", pattern: "/settings/security", path: "/settings/security", want: [6]int{s303, s200, s200, s200, s200, s404}},
		{method: "POST", pattern: "/settings/totp/new", path: "/settings/totp/new", want: [6]int{s401, s303, s303, s303, s303, s404}},
		{method: "GET", pattern: "/settings/totp", path: "/settings/totp", want: [6]int{s303, s200, s200, s200, s200, s404}},
		{method: "POST", pattern: "/settings/totp", path: "/settings/totp", want: [6]int{s401, s422, s422, s422, s422, s404}},
		{method: "POST", pattern: "/settings/passkeys/options", path: "/settings/passkeys/options", want: [6]int{s401, s200, s200, s200, s200, s404}},
		{method: "POST", pattern: "/settings/passkeys", path: "/settings/passkeys", want: [6]int{s401, s400, s400, s400, s400, s404}},

		// Password reset and e-mail links are for visitors above all, but a
		// signed-in person may use them too (nothing redirects). The link
		// rows use a real, valid reset token: GET shows the form (200) and
		// never uses the token up, so every column sees it valid; POST
		// with no password is refused with 422 before the token is used.
		// An empty reset request is 422 as well (the e-mail is required).
		{method: "GET", pattern: "/password/forgot", path: "/password/forgot", want: [6]int{s200, s200, s200, s200, s200, s200}},
		{method: "POST", pattern: "/password/forgot", path: "/password/forgot", want: [6]int{s422, s422, s422, s422, s422, s422}},
		{method: "GET", pattern: "/l/:token", path: "/l/" + fx.token, want: [6]int{s200, s200, s200, s200, s200, s200}},
		{method: "POST", pattern: "/l/:token", path: "/l/" + fx.token, want: [6]int{s422, s422, s422, s422, s422, s422}},

		// Employers: their own organisation (an empty invitation is 422).
		{method: "GET", pattern: "/organisation", path: "/organisation", want: [6]int{s303, s200, s403, s403, s403, s404}},
		{method: "POST", pattern: "/organisation/invite", path: "/organisation/invite", want: [6]int{s401, s422, s403, s403, s403, s404}},

		// Placements: employers manage their own organisation's, advisers
		// search and read published ones, admins see all and take one
		// down. Empty forms are refused with 422 before anything is saved;
		// each status move acts on a placement in the status it starts from.
		{method: "GET", pattern: "/placements", path: "/placements", want: [6]int{s303, s200, s200, s403, s200, s404}},
		{method: "GET", pattern: "/placements/new", path: "/placements/new", want: [6]int{s303, s200, s403, s403, s403, s404}},
		{method: "POST", pattern: "/placements", path: "/placements", want: [6]int{s401, s422, s403, s403, s403, s404}},
		{method: "POST", pattern: "/placements/validate", path: "/placements/validate", want: [6]int{s401, s200, s403, s403, s403, s404}},
		{method: "GET", pattern: "/placements/:id", path: "/placements/" + id(fx.placement), want: [6]int{s303, s200, s200, s403, s200, s404}},
		{method: "GET", pattern: "/placements/:id/edit", path: "/placements/" + id(fx.placement) + "/edit", want: [6]int{s303, s200, s403, s403, s403, s404}},
		{method: "POST", pattern: "/placements/:id", path: "/placements/" + id(fx.placement), want: [6]int{s401, s422, s403, s403, s403, s404}},
		{method: "POST", pattern: "/placements/:id/publish", path: "/placements/" + id(fx.toPublish) + "/publish", want: [6]int{s401, s303, s403, s403, s403, s404}},
		{method: "POST", pattern: "/placements/:id/pause", path: "/placements/" + id(fx.toPause) + "/pause", want: [6]int{s401, s303, s403, s403, s403, s404}},
		{method: "POST", pattern: "/placements/:id/resume", path: "/placements/" + id(fx.toResume) + "/resume", want: [6]int{s401, s303, s403, s403, s403, s404}},
		{method: "POST", pattern: "/placements/:id/close", path: "/placements/" + id(fx.toClose) + "/close", want: [6]int{s401, s303, s403, s403, s403, s404}},
		{method: "POST", pattern: "/placements/:id/reopen", path: "/placements/" + id(fx.toReopen) + "/reopen", want: [6]int{s401, s303, s403, s403, s403, s404}},
		{method: "POST", pattern: "/placements/:id/duplicate", path: "/placements/" + id(fx.placement) + "/duplicate", want: [6]int{s401, s303, s403, s403, s403, s404}},
		{method: "POST", pattern: "/placements/:id/unpublish", path: "/placements/" + id(fx.toUnpublish) + "/unpublish",
			form: url.Values{"reason": {"Erstatter en ordinær stilling."}}, want: [6]int{s401, s403, s403, s403, s303, s404}},
		{method: "POST", pattern: "/placements/:id/republish", path: "/placements/" + id(fx.toRepublish) + "/republish", want: [6]int{s401, s403, s403, s403, s303, s404}},

		// Participants: the adviser's own caseload; the linked NAV user
		// reads and adds notes; the admin reads, reassigns and reads the
		// audit log. Employers never. Empty registration and edit forms are
		// refused with 422 before anything is saved; results, outcomes and
		// notes are valid, so a refusal is the authorisation's doing.
		{method: "GET", pattern: "/participants", path: "/participants", want: [6]int{s303, s403, s200, s200, s200, s404}},
		// Exports: the adviser's caseload, everyone for the admin; never
		// NAV or employers (handlers/exports_test.go checks the content).
		{method: "GET", pattern: "/participants/export.csv", path: "/participants/export.csv", want: [6]int{s303, s403, s200, s403, s200, s404}},
		{method: "GET", pattern: "/participants/export.xlsx", path: "/participants/export.xlsx", want: [6]int{s303, s403, s200, s403, s200, s404}},
		{method: "GET", pattern: "/handover.csv", path: "/handover.csv", want: [6]int{s303, s403, s403, s200, s403, s404}},
		{method: "GET", pattern: "/handover.xlsx", path: "/handover.xlsx", want: [6]int{s303, s403, s403, s200, s403, s404}},
		{method: "GET", pattern: "/agreements/attendance-export.csv", path: "/agreements/attendance-export.csv?month=2030-06", want: [6]int{s303, s403, s200, s403, s200, s404}},
		{method: "GET", pattern: "/agreements/attendance-export.xlsx", path: "/agreements/attendance-export.xlsx?month=2030-06", want: [6]int{s303, s403, s200, s403, s200, s404}},
		{method: "GET", pattern: "/participants/new", path: "/participants/new", want: [6]int{s303, s403, s200, s403, s403, s404}},
		{method: "POST", pattern: "/participants", path: "/participants", want: [6]int{s401, s403, s422, s403, s403, s404}},
		{method: "GET", pattern: "/participants/:id", path: "/participants/" + id(fx.participant), want: [6]int{s303, s403, s200, s200, s200, s404}},
		{method: "GET", pattern: "/participants/:id/edit", path: "/participants/" + id(fx.participant) + "/edit", want: [6]int{s303, s403, s200, s403, s403, s404}},
		{method: "POST", pattern: "/participants/:id", path: "/participants/" + id(fx.participant), want: [6]int{s401, s403, s422, s403, s403, s404}},
		{method: "POST", pattern: "/participants/:id/results", path: "/participants/" + id(fx.participant) + "/results",
			form: url.Values{"skill": {"oral"}, "level": {"a2"}, "taken_on": {ymd(today())}, "source": {"teacher"}}, want: [6]int{s401, s403, s303, s403, s403, s404}},
		{method: "POST", pattern: "/participants/:id/outcomes", path: "/participants/" + id(fx.participant) + "/outcomes",
			form: url.Values{"kind": {"education"}, "from_date": {ymd(today())}}, want: [6]int{s401, s403, s303, s403, s403, s404}},
		{method: "POST", pattern: "/participants/:id/notes", path: "/participants/" + id(fx.participant) + "/notes",
			form: url.Values{"body": {"Matrisenotat"}}, want: [6]int{s401, s403, s303, s303, s403, s404}},
		{method: "POST", pattern: "/participants/:id/reassign", path: "/participants/" + id(fx.toReassign) + "/reassign",
			form: url.Values{"adviser": {id(fx.newAdviser)}}, want: [6]int{s401, s403, s403, s403, s303, s404}},
		{method: "GET", pattern: "/participants/:id/audit", path: "/participants/" + id(fx.participant) + "/audit", want: [6]int{s303, s403, s403, s403, s200, s404}},
		// The matrix adviser owns fx.participant: suggestions for them.
		{method: "GET", pattern: "/participants/:id/suggestions", path: "/participants/" + id(fx.participant) + "/suggestions", want: [6]int{s303, s403, s200, s403, s403, s404}},
		// The adviser proposes their participant for the employer's placement.
		{method: "POST", pattern: "/participants/:id/proposals", path: "/participants/" + id(fx.participant) + "/proposals",
			form: url.Values{"placement_id": {id(fx.proposalPlacement)}, "note": {"Matriseforslag"}}, want: [6]int{s401, s403, s303, s403, s403, s404}},
		// Privacy (issue 15): consent, the protected-address grade and the
		// classification of absence are the participant's adviser's alone
		// (the consent row gives one, the next withdraws it; the grade
		// row sets none; the empty classification is 422); innsyn is the
		// adviser's and the admin's.
		{method: "GET", pattern: "/participants/:id/consent", path: "/participants/" + id(px.participant) + "/consent", want: [6]int{s303, s403, s200, s403, s403, s404}},
		{method: "POST", pattern: "/participants/:id/consent", path: "/participants/" + id(px.participant) + "/consent",
			form: url.Values{"org": {id(px.org)}, "items": {db.ItemFirstName}, "how": {db.ConsentInPerson}}, want: [6]int{s401, s403, s303, s403, s403, s404}},
		{method: "POST", pattern: "/participants/:id/consent/:org/withdraw", path: "/participants/" + id(px.participant) + "/consent/" + id(px.org) + "/withdraw",
			want: [6]int{s401, s403, s303, s403, s403, s404}},
		{method: "POST", pattern: "/participants/:id/protection", path: "/participants/" + id(px.participant) + "/protection",
			form: url.Values{"protection": {db.ProtectionNone}}, want: [6]int{s401, s403, s303, s403, s403, s404}},
		{method: "GET", pattern: "/participants/:id/absence", path: "/participants/" + id(px.participant) + "/absence", want: [6]int{s303, s403, s200, s403, s403, s404}},
		{method: "POST", pattern: "/participants/:id/absence", path: "/participants/" + id(px.participant) + "/absence", want: [6]int{s401, s403, s422, s403, s403, s404}},
		{method: "GET", pattern: "/participants/:id/innsyn", path: "/participants/" + id(px.participant) + "/innsyn", want: [6]int{s303, s403, s200, s403, s200, s404}},
		{method: "GET", pattern: "/participants/:id/innsyn.json", path: "/participants/" + id(px.participant) + "/innsyn.json", want: [6]int{s303, s403, s200, s403, s200, s404}},

		// Proposals: the employer of the placement's organisation reads,
		// accepts and declines (with a reason); nobody else.
		// The employer's proposals to answer; the adviser's (their caseload's) and the admin's to follow up; not NAV's.
		{method: "GET", pattern: "/proposals", path: "/proposals", want: [6]int{s303, s200, s200, s403, s200, s404}},
		{method: "GET", pattern: "/proposals/:id", path: "/proposals/" + id(fx.proposal), want: [6]int{s303, s200, s403, s403, s403, s404}},
		{method: "POST", pattern: "/proposals/:id/accept", path: "/proposals/" + id(fx.toAccept) + "/accept", want: [6]int{s401, s303, s403, s403, s403, s404}},
		{method: "GET", pattern: "/participants/:id/plan", path: "/participants/" + id(fx.participant) + "/plan", want: [6]int{s303, s403, s200, s200, s200, s404}},
		{method: "POST", pattern: "/participants/:id/plan", path: "/participants/" + id(fx.participant) + "/plan", want: [6]int{s401, s403, s422, s403, s403, s404}},
		{method: "POST", pattern: "/participants/:id/plan/reviews", path: "/participants/" + id(fx.participant) + "/plan/reviews", want: [6]int{s401, s403, s422, s403, s403, s404}},
		{method: "POST", pattern: "/participants/:id/leave", path: "/participants/" + id(fx.participant) + "/leave", want: [6]int{s401, s403, s422, s403, s403, s404}},
		{method: "POST", pattern: "/participants/:id/extensions", path: "/participants/" + id(fx.participant) + "/extensions", want: [6]int{s401, s403, s422, s403, s403, s404}},
		{method: "POST", pattern: "/proposals/:id/decline", path: "/proposals/" + id(fx.toDecline) + "/decline",
			form: url.Values{"reason": {"Matrisegrunn"}}, want: [6]int{s401, s303, s403, s403, s403, s404}},

		// Attendance and evaluations: the employer of the agreement's
		// organisation logs a week and evaluates (the GET is of "start",
		// the POST fills in "end", so the form is still open when shown);
		// the employer or the participant's adviser mails the supervisor a
		// link. Nobody else.
		{method: "GET", pattern: "/agreements/:id/attendance/:week", path: "/agreements/" + id(fx.agreement) + "/attendance/" + fx.agreementWeek,
			want: [6]int{s303, s200, s403, s403, s403, s404}},
		{method: "POST", pattern: "/agreements/:id/attendance/:week", path: "/agreements/" + id(fx.agreement) + "/attendance/" + fx.agreementWeek,
			form: url.Values{"state_0": {"present"}, "hours_0": {"6"}}, want: [6]int{s401, s303, s403, s403, s403, s404}},
		{method: "GET", pattern: "/agreements/:id/evaluations/:phase", path: "/agreements/" + id(fx.agreement) + "/evaluations/start",
			want: [6]int{s303, s200, s403, s403, s403, s404}},
		{method: "POST", pattern: "/agreements/:id/evaluations/:phase", path: "/agreements/" + id(fx.agreement) + "/evaluations/end",
			form: url.Values{"punctuality": {"3"}, "cooperation": {"3"}, "instructions": {"0"}, "speaking": {"2"}}, want: [6]int{s401, s303, s403, s403, s403, s404}},
		{method: "POST", pattern: "/agreements/:id/attendance-link", path: "/agreements/" + id(fx.agreement) + "/attendance-link",
			form: url.Values{"week": {fx.agreementWeek}}, want: [6]int{s401, s303, s303, s403, s403, s404}},
		{method: "POST", pattern: "/agreements/:id/evaluation-link", path: "/agreements/" + id(fx.agreement) + "/evaluation-link",
			form: url.Values{"phase": {"mid"}}, want: [6]int{s401, s303, s303, s403, s403, s404}},

		// Agreements: the employer of the organisation and the participant's
		// adviser read, edit the steps, approve, cancel and end; the adviser
		// records the participant's consent and the follow-ups; the linked
		// NAV user and admins only read. The empty step and cancel forms (on
		// an agreement awaiting approval) and the empty end form (on a running
		// one) are refused with 422 after the authorisation, so they stay as
		// they were; the follow-up is valid (303). The adviser records
		// consent on toConsent (303) and approves toApprove last (303); the
		// employer's approval of toApprove is 409, as they approved it
		// already (one form with one lock version cannot serve both parties).
		{method: "GET", pattern: "/agreements", path: "/agreements", want: [6]int{s303, s200, s200, s200, s200, s404}},
		{method: "GET", pattern: "/agreements/:id", path: "/agreements/" + id(fx.agreements.id), want: [6]int{s303, s200, s200, s200, s200, s404}},
		{method: "GET", pattern: "/agreements/:id/summary", path: "/agreements/" + id(fx.agreements.id) + "/summary", want: [6]int{s303, s200, s200, s200, s200, s404}},
		{method: "GET", pattern: "/agreements/:id/steps/:step", path: "/agreements/" + id(fx.agreements.id) + "/steps/contacts", want: [6]int{s303, s200, s200, s403, s403, s404}},
		{method: "POST", pattern: "/agreements/:id/steps/:step", path: "/agreements/" + id(fx.agreements.id) + "/steps/contacts", want: [6]int{s401, s422, s422, s403, s403, s404}},
		{method: "POST", pattern: "/agreements/:id/approve", path: "/agreements/" + id(fx.agreements.toApprove) + "/approve",
			form: url.Values{"lock_version": {strconv.Itoa(fx.agreements.approveLock)}}, want: [6]int{s401, http.StatusConflict, s303, s403, s403, s404}},
		{method: "POST", pattern: "/agreements/:id/consent", path: "/agreements/" + id(fx.agreements.toConsent) + "/consent",
			form: url.Values{"lock_version": {strconv.Itoa(fx.agreements.consentLock)}, "mode": {"in_person"}}, want: [6]int{s401, s403, s303, s403, s403, s404}},
		{method: "POST", pattern: "/agreements/:id/cancel", path: "/agreements/" + id(fx.agreements.id) + "/cancel", want: [6]int{s401, s422, s422, s403, s403, s404}},
		{method: "POST", pattern: "/agreements/:id/end", path: "/agreements/" + id(fx.agreements.running) + "/end", want: [6]int{s401, s422, s422, s403, s403, s404}},
		{method: "POST", pattern: "/agreements/:id/nav", path: "/agreements/" + id(fx.agreements.id) + "/nav",
			form: url.Values{"lock_version": {"0"}}, want: [6]int{s401, s403, s403, s422, s403, s404}},
		{method: "POST", pattern: "/agreements/:id/follow-ups", path: "/agreements/" + id(fx.agreements.id) + "/follow-ups",
			form: url.Values{"held_on": {ymd(today())}, "with": {"participant", "supervisor"}, "notes": {"Matriseoppfølging"}}, want: [6]int{s401, s403, s303, s403, s403, s404}},

		// Key figures: the admin's for everyone, the adviser's for their
		// own caseload (outside the /admin group on purpose).
		{method: "GET", pattern: "/admin/kpi", path: "/admin/kpi", want: [6]int{s303, s403, s200, s403, s200, s404}},

		// Admins only.
		{method: "GET", pattern: "/admin/organisations", path: "/admin/organisations?status=all", want: [6]int{s303, s403, s403, s403, s200, s404}},
		{method: "POST", pattern: "/admin/organisations/:id/approve", path: "/admin/organisations/" + id(fx.pendingOrg) + "/approve", want: [6]int{s401, s403, s403, s403, s303, s404}},
		{method: "POST", pattern: "/admin/organisations/:id/reject", path: "/admin/organisations/" + id(fx.pendingOrg) + "/reject", form: url.Values{"reason": {"Ukjent virksomhet."}}, want: [6]int{s401, s403, s403, s403, s303, s404}},
		{method: "GET", pattern: "/admin/contact", path: "/admin/contact", want: [6]int{s303, s403, s403, s403, s200, s404}},
		{method: "POST", pattern: "/admin/contact", path: "/admin/contact", want: [6]int{s401, s403, s403, s403, s422, s404}},
		{method: "GET", pattern: "/admin/users", path: "/admin/users?role=adviser", want: [6]int{s303, s403, s403, s403, s200, s404}},
		{method: "POST", pattern: "/admin/users", path: "/admin/users", want: [6]int{s401, s403, s403, s403, s422, s404}},
		{method: "POST", pattern: "/admin/users/:id/disable", path: "/admin/users/" + id(fx.target) + "/disable", want: [6]int{s401, s403, s403, s403, s303, s404}},
		{method: "POST", pattern: "/admin/users/:id/enable", path: "/admin/users/" + id(fx.target) + "/enable", want: [6]int{s401, s403, s403, s403, s303, s404}},
		{method: "POST", pattern: "/admin/users/invite", path: "/admin/users/invite", want: [6]int{s401, s403, s403, s403, s422, s404}},
		{method: "POST", pattern: "/admin/users/:id/mfa-reset", path: "/admin/users/" + id(fx.target) + "/mfa-reset", want: [6]int{s401, s403, s403, s403, s303, s404}},
		{method: "GET", pattern: "/admin/outbox", path: "/admin/outbox?status=dead", want: [6]int{s303, s403, s403, s403, s200, s404}},
		{method: "GET", pattern: "/admin/outbox/:id", path: "/admin/outbox/" + id(fx.mail), want: [6]int{s303, s403, s403, s403, s200, s404}},
		{method: "GET", pattern: "/admin/outbox/:id/html", path: "/admin/outbox/" + id(fx.mail) + "/html", want: [6]int{s303, s403, s403, s403, s200, s404}},
		{method: "POST", pattern: "/admin/outbox/:id/retry", path: "/admin/outbox/" + id(fx.mail) + "/retry", want: [6]int{s401, s403, s403, s403, s303, s404}},
		{method: "GET", pattern: "/admin/jobs", path: "/admin/jobs", want: [6]int{s303, s403, s403, s403, s200, s404}},
		{method: "POST", pattern: "/admin/jobs/:name/run", path: "/admin/jobs/retention/run", want: [6]int{s401, s403, s403, s403, s303, s404}},
		// Reminder thresholds and the preview; an empty form is 422.
		{method: "GET", pattern: "/admin/reminders", path: "/admin/reminders", want: [6]int{s303, s403, s403, s403, s200, s404}},
		{method: "POST", pattern: "/admin/reminders", path: "/admin/reminders", want: [6]int{s401, s403, s403, s403, s422, s404}},
		// Archive bundles (issue 15): the admin downloads the bundle; its
		// participant is not due, so "anonymise now" is refused with 409.
		{method: "GET", pattern: "/admin/archive", path: "/admin/archive", want: [6]int{s303, s403, s403, s403, s200, s404}},
		{method: "GET", pattern: "/admin/archive/:id", path: "/admin/archive/" + id(px.bundle), want: [6]int{s303, s403, s403, s403, s200, s404}},
		{method: "POST", pattern: "/admin/archive/:id/anonymise", path: "/admin/archive/" + id(px.bundle) + "/anonymise", want: [6]int{s401, s403, s403, s403, http.StatusConflict, s404}},

		// The participant's own pages (issue 16; the matrix app has the area
		// on). Sign-in with a code or link is for anyone (an empty code is
		// 422; a link's page uses nothing, a forged link is 404); the pages
		// are the participant's alone: a visitor is sent to sign in, staff
		// get 404. The participant column has no placement (its calendar is
		// 404) and no consent with the organisation its withdrawal names (404:
		// the adviser's proposal in this matrix rests on the participant's
		// consent to the employer's organisation, and must stay); giving one back with none
		// withdrawn changes nothing. The adviser invites and signs out.
		{method: "GET", pattern: "/me/login", path: "/me/login", want: [6]int{s200, s200, s200, s200, s200, s303}},
		{method: "POST", pattern: "/me/login", path: "/me/login", want: [6]int{s422, s422, s422, s422, s422, s422}},
		{method: "GET", pattern: "/me/l/:token", path: "/me/l/" + ta.participantInviteToken(fx.adviser, px.participant), want: [6]int{s200, s200, s200, s200, s200, s200}},
		{method: "POST", pattern: "/me/l/:token", path: "/me/l/" + strings.Repeat("f", 43), want: [6]int{s404, s404, s404, s404, s404, s404}},
		{method: "POST", pattern: "/me/lang", path: "/me/lang", form: url.Values{"lang": {"uk"}, "back": {"/me"}}, want: [6]int{s303, s303, s303, s303, s303, s303}},
		{method: "GET", pattern: "/me", path: "/me", want: [6]int{s303, s404, s404, s404, s404, s200}},
		{method: "GET", pattern: "/me/placement", path: "/me/placement", want: [6]int{s303, s404, s404, s404, s404, s200}},
		{method: "GET", pattern: "/me/placement.ics", path: "/me/placement.ics", want: [6]int{s303, s404, s404, s404, s404, s404}},
		{method: "GET", pattern: "/me/attendance", path: "/me/attendance", want: [6]int{s303, s404, s404, s404, s404, s200}},
		{method: "GET", pattern: "/me/consent", path: "/me/consent", want: [6]int{s303, s404, s404, s404, s404, s200}},
		{method: "POST", pattern: "/me/consent/:org/withdraw", path: "/me/consent/" + id(fx.pendingOrg) + "/withdraw", want: [6]int{s401, s404, s404, s404, s404, s404}},
		{method: "POST", pattern: "/me/consent/:org/give", path: "/me/consent/" + id(px.org) + "/give", want: [6]int{s401, s404, s404, s404, s404, s303}},
		{method: "GET", pattern: "/me/data", path: "/me/data", want: [6]int{s303, s404, s404, s404, s404, s200}},
		{method: "GET", pattern: "/me/reminders", path: "/me/reminders", want: [6]int{s303, s404, s404, s404, s404, s200}},
		{method: "POST", pattern: "/me/reminders", path: "/me/reminders", form: url.Values{"reminders": {"off"}}, want: [6]int{s401, s404, s404, s404, s404, s303}},
		{method: "POST", pattern: "/me/logout", path: "/me/logout", want: [6]int{s401, s404, s404, s404, s404, s303}},
		{method: "POST", pattern: "/participants/:id/access/link", path: "/participants/" + id(fx.participant) + "/access/link",
			form: url.Values{"email": {unique("matrise") + "@example.org"}, "lang": {"uk"}}, want: [6]int{s401, s403, s303, s403, s403, s404}},
		{method: "POST", pattern: "/participants/:id/access/code", path: "/participants/" + id(fx.participant) + "/access/code", want: [6]int{s401, s403, s200, s403, s403, s404}},
		{method: "POST", pattern: "/participants/:id/access/end", path: "/participants/" + id(fx.participant) + "/access/end", want: [6]int{s401, s403, s303, s403, s403, s404}},
		{method: "GET", pattern: "/admin/rules", path: "/admin/rules", want: [6]int{s303, s403, s403, s403, s200, s404}},
		{method: "POST", pattern: "/admin/rules/preview", path: "/admin/rules/preview", want: [6]int{s401, s403, s403, s403, s422, s404}},
		{method: "POST", pattern: "/admin/rules", path: "/admin/rules", want: [6]int{s401, s403, s403, s403, s422, s404}},
		{method: "POST", pattern: "/admin/rules/measure", path: "/admin/rules/measure", want: [6]int{s401, s403, s403, s403, s422, s404}},
	}
}

// participantInviteToken makes a code invitation for a participant of the
// adviser's and returns its long token (the QR code's link).
func (ta *testApp) participantInviteToken(adviser db.User, participantID int64) string {
	ta.t.Helper()
	token, err := db.NewToken()
	if err != nil {
		ta.t.Fatal(err)
	}
	code, err := db.NewParticipantCode()
	if err != nil {
		ta.t.Fatal(err)
	}
	if err := ta.store.CreateParticipantInvite(context.Background(), db.NewParticipantInvite{ParticipantID: participantID,
		AdviserID: adviser.ID, Kind: db.InviteCode, Token: token, Code: code, TTL: time.Hour}); err != nil {
		ta.t.Fatal(err)
	}
	return token
}

// participantClient is a browser signed in to the participant's own pages
// (a session made directly, as sessionFor does for staff).
func (ta *testApp) participantClient(participantID int64) *client {
	ta.t.Helper()
	token := randomToken()
	ta.exec(`INSERT INTO participant_sessions (token_hash, participant_id, csrf_token, expires_at)
		VALUES ($1, $2, $3, now() + interval '1 hour')`, db.HashToken(token), participantID, randomToken())
	c := ta.client()
	c.cookies[meCookie] = token
	c.get("/login") // the CSRF token, as for staff
	return c
}

// matrixClient is a fresh browser of a matrix column.
func (ta *testApp) matrixClient(role string, users map[string]db.User, participantID int64) *client {
	switch role {
	case "":
		c, _ := ta.signIn("")
		return c
	case db.RoleParticipant:
		return ta.participantClient(participantID)
	}
	return ta.sessionFor(users[role])
}

// createPendingOrg registers an organisation awaiting approval, with its
// first employer, the way signup does.
func (ta *testApp) createPendingOrg() pendingOrg {
	ta.t.Helper()
	ctx := context.Background()
	email := unique("pending") + "@test.example"
	orgID, userID, _, err := ta.store.CreateOrganisationWithUser(ctx, db.Signup{OrgName: unique("Venter AS "), OrgNumber: validOrgNumber(),
		Kind: db.KindBusiness, Sector: "retail", Municipality: "Trondheim", Name: unique("Employer "), Email: email,
		PasswordHash: testHash(), Locale: "nb"})
	if err != nil {
		ta.t.Fatal(err)
	}
	o, err := ta.store.Organisation(ctx, orgID)
	if err != nil {
		ta.t.Fatal(err)
	}
	u, err := ta.store.UserByID(ctx, userID)
	if err != nil {
		ta.t.Fatal(err)
	}
	return pendingOrg{org: o, employer: u}
}
