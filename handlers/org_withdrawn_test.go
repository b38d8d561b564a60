package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"praksis/db"
)

// withdrawnOpen are the routes a rejected organisation's employer may
// still call, with what they answer: public pages, their own account, the
// dashboard and the organisation page that says what happened. Every
// other route an employer may call answers 403 with error.org_withdrawn.
var withdrawnOpen = map[string]int{
	"GET /healthz": s200, "GET /readyz": s200, "GET /metrics": s200, "GET /static/:version/*": s200,
	"GET /": s200, "GET /login": s303, "POST /login": s422, "GET /signup": s303, "POST /signup": s303, "GET /signup/sent": s200, "POST /lang": s303,
	"POST /logout": s303, "GET /password": s200, "POST /password": s422,
	"GET /settings/reminders": s200, "POST /settings/reminders": s422,
	"GET /password/forgot": s200, "POST /password/forgot": s422, "GET /l/:token": s200, "POST /l/:token": s422,
	"GET /organisation": s200,
	// Signing in and the account's own security (second factor, passkeys):
	// the account stays theirs; only the organisation's work is closed.
	"GET /login/oidc/:provider": s404, "GET /login/oidc/:provider/callback": s404, // no provider configured here
	"GET /login/mfa": s303, "POST /login/mfa": s303, "GET /login/mfa/setup": s303, "POST /login/mfa/setup": s303,
	"POST /login/passkey/options": s200, "POST /login/passkey": http.StatusBadRequest,
	"GET /settings/security": s200, "POST /settings/totp/new": s303, "GET /settings/totp": s200, "POST /settings/totp": s422,
	"POST /settings/passkeys/options": s200, "POST /settings/passkeys": http.StatusBadRequest,
	// The participant area is not an employer's: every route is 404 to them.
	"GET /me/login": s404, "POST /me/login": s404, "GET /me/l/:token": s404, "POST /me/l/:token": s404, "POST /me/lang": s404,
	"GET /me": s404, "GET /me/placement": s404, "GET /me/placement.ics": s404, "GET /me/attendance": s404, "GET /me/consent": s404,
	"POST /me/consent/:org/withdraw": s404, "POST /me/consent/:org/give": s404, "GET /me/data": s404, "POST /me/logout": s404,
	"GET /me/reminders": s404, "POST /me/reminders": s404,
}

// TestRejectedOrganisationMatrix: an approved organisation with a running
// agreement, proposals and published placements is rejected by an admin.
// From then on its employer gets 403 (error.org_withdrawn) on every
// employer route of the authorisation matrix, its supervisors' one-click
// links answer 410 and save nothing, its published placements are taken
// down, the adviser is told by mail and on the agreement page and can
// still end the agreement; the organisation page says what happened and
// whom to contact.
func TestRejectedOrganisationMatrix(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.newMatrixFixtures()
	orgID := *fx.employer.OrganisationID
	week := fx.agreementWeek
	att := ta.linkToken(db.NewLinkToken{Purpose: db.PurposeAttendance, Email: "veileder@test.example", TTL: time.Hour,
		Payload: map[string]any{"agreement_id": fx.agreement, "week": week, "lang": "nb"}})
	eval := ta.linkToken(db.NewLinkToken{Purpose: db.PurposeEvaluation, Email: "veileder@test.example", TTL: time.Hour,
		Payload: map[string]any{"agreement_id": fx.agreement, "phase": "start", "lang": "nb"}})
	offer := ta.offerLinks(fx.agreement, "veileder@test.example", "nb")[db.OfferAnswers[0]]
	links := []string{att, eval, offer}
	for _, l := range links {
		if res := ta.client().get("/l/" + l); res.status != s200 {
			t.Fatalf("link before the rejection: %d", res.status)
		}
	}
	published := ta.countWhere("placements", "organisation_id = $1 AND status = 'published'", orgID)
	if published == 0 {
		t.Fatal("the fixtures have no published placement")
	}
	var adviserEmail string
	if err := ta.store.DB.Get(&adviserEmail, `SELECT ad.email FROM agreements ag JOIN participants p ON p.id = ag.participant_id
		JOIN users ad ON ad.id = p.adviser_id WHERE ag.id = $1`, fx.agreement); err != nil {
		t.Fatal(err)
	}

	admin := ta.sessionFor(ta.createUser(db.RoleAdmin))
	if res := admin.post("/admin/organisations/"+itoa(orgID)+"/reject", url.Values{"reason": {"Ikke lenger godkjent."}}); res.status != s303 {
		t.Fatalf("reject: %d", res.status)
	}
	// A second click changes nothing more and tells nobody twice.
	if res := admin.post("/admin/organisations/"+itoa(orgID)+"/reject", url.Values{"reason": {"Ikke lenger godkjent."}}); res.status != s303 {
		t.Fatalf("reject again: %d", res.status)
	}

	state := func() string {
		var s string
		if err := ta.store.DB.Get(&s, `SELECT concat_ws(' | ',
			(SELECT count(*) FROM attendance WHERE agreement_id = $1), (SELECT count(*) FROM evaluations WHERE agreement_id = $1),
			(SELECT count(*) FROM placements WHERE organisation_id = $2), (SELECT count(*) FROM placement_events),
			(SELECT string_agg(status, ',' ORDER BY id) FROM proposals WHERE id IN ($3, $4, $5)),
			(SELECT string_agg(lock_version::text, ',' ORDER BY id) FROM agreements WHERE organisation_id = $2),
			(SELECT count(*) FROM link_tokens WHERE purpose = 'invite'),
			(SELECT coalesce(offer_answer, '-') FROM agreements WHERE id = $1))`,
			fx.agreement, orgID, fx.proposal, fx.toAccept, fx.toDecline); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := state()

	withdrawn := msg(t, "nb", "error.org_withdrawn")
	rows := 0
	for _, r := range authorisationMatrix(ta, fx) {
		if r.want[1] == s403 { // not an employer's route in the first place
			continue
		}
		key := r.method + " " + r.pattern
		want, open := withdrawnOpen[key]
		if !open {
			want = s403
		}
		rows++
		c := ta.sessionFor(fx.employer)
		var res response
		if r.method == http.MethodGet {
			res = c.get(r.path)
		} else {
			form := url.Values{}
			for k, v := range r.form {
				form[k] = v
			}
			res = c.post(r.path, form)
		}
		if res.status != want {
			t.Errorf("%s as the rejected organisation's employer: %d, want %d", key, res.status, want)
			continue
		}
		if want == s403 && !strings.Contains(res.text(), withdrawn) {
			t.Errorf("%s: 403 without the message", key)
		}
	}
	if rows < 30 {
		t.Errorf("only %d employer rows walked", rows)
	}

	// The supervisor's one-click links: 410 with the reason, GET and POST,
	// and nothing saved.
	for _, l := range links {
		for _, method := range []string{"GET", "POST"} {
			c := ta.client()
			var res response
			if method == "GET" {
				res = c.get("/l/" + l)
			} else {
				res = c.post("/l/"+l, url.Values{"state_0": {"present"}, "hours_0": {"6"}, "punctuality": {"3"}, "cooperation": {"3"},
					"instructions": {"0"}, "speaking": {"2"}})
			}
			if res.status != http.StatusGone || !strings.Contains(res.text(), msg(t, "nb", "link.withdrawn_text")) {
				t.Errorf("%s a link of the rejected organisation: %d", method, res.status)
			}
		}
	}
	if after := state(); after != before {
		t.Errorf("the rejected organisation's employer or links changed something:\n%s\n%s", before, after)
	}

	// Its placements are down, each with its event.
	if n := ta.countWhere("placements", "organisation_id = $1 AND status = 'published'", orgID); n != 0 {
		t.Errorf("%d placements still published", n)
	}
	if n := ta.countWhere("placement_events", "action = 'withdraw' AND placement_id IN (SELECT id FROM placements WHERE organisation_id = $1)", orgID); n != published {
		t.Errorf("withdraw events: %d, want %d", n, published)
	}
	// The adviser is told once per open agreement, and sees it on the page.
	if n := ta.countWhere("outbox", "template = 'org_withdrawn' AND recipient = $1 AND dedupe_key LIKE $2 AND participant_id = (SELECT participant_id FROM agreements WHERE id = $3)", adviserEmail,
		"org_withdrawn:"+itoa(orgID)+":"+itoa(fx.agreement)+":%", fx.agreement); n != 1 {
		t.Errorf("mails to the adviser about the running agreement: %d, want 1", n)
	}
	adviser := ta.sessionFor(fx.adviser)
	page := adviser.get(agreementPath(fx.agreement))
	if page.status != s200 || !strings.Contains(page.text(), msg(t, "nb", "agreements.org_withdrawn_heading")) {
		t.Errorf("the adviser's agreement page: %d, or no notice of the rejection", page.status)
	}
	// ... and can end it early.
	res := adviser.post(aPath(fx.agreement, "/end"), url.Values{"lock_version": {formLock(t, page, aPath(fx.agreement, "/end"))},
		"ended_on": {ymd(today())}, "reason": {"other"}, "note": {"Arbeidsgiveren er avvist."}})
	if res.status != s303 {
		t.Errorf("the adviser ends the agreement: %d\n%s", res.status, res.text())
	}
	// Nor can the adviser mail the supervisor a link that would not work.
	outbox := ta.count("outbox")
	for _, l := range []struct{ path, field, value string }{{"/attendance-link", "week", week}, {"/evaluation-link", "phase", "mid"}} {
		if res := adviser.post(aPath(fx.agreement, l.path), url.Values{l.field: {l.value}}); res.status != http.StatusConflict {
			t.Errorf("the adviser mails a %s of the rejected organisation: %d", l.path, res.status)
		}
	}
	if ta.count("outbox") != outbox {
		t.Error("a link of the rejected organisation was mailed")
	}
	// The organisation page says what happened and whom to contact.
	org := ta.sessionFor(fx.employer).get("/organisation")
	if !strings.Contains(org.text(), msg(t, "nb", "org.withdrawn_heading")) || !strings.Contains(org.text(), adviserEmail) {
		t.Errorf("the organisation page does not say it was withdrawn or whom to contact")
	}

	// Approved again, the employer is back.
	if res := admin.post("/admin/organisations/"+itoa(orgID)+"/approve", nil); res.status != s303 {
		t.Fatalf("approve: %d", res.status)
	}
	if res := ta.sessionFor(fx.employer).get("/proposals"); res.status != s200 {
		t.Errorf("after approval again: /proposals %d", res.status)
	}
}
