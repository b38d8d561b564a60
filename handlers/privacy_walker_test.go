package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"praksis/calendar"
	"praksis/db"
)

// TestEmployerSeesNothingOfBlockedParticipants walks every GET route the
// app registers, and every one-click link, as the employer, for two
// participants with a unique marker name: one with a strictly
// confidential address (kode 6) and one who withdrew their consent. The
// marker appears on no page, and in no mail queued for anyone but their
// adviser.
func TestEmployerSeesNothingOfBlockedParticipants(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	employer, adviser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	org := *employer.OrganisationID
	start, end := ymd(calendar.Monday(today()).AddDate(0, 0, -14)), ymd(today().AddDate(0, 0, 60))
	week := ymd(calendar.Monday(today()).AddDate(0, 0, -7))

	type person struct {
		fx             attAgreementFx
		first, last    string
		proposals      []int64
		placements     []int64
		participantIDs []int64
	}
	newPerson := func(label string) *person {
		p := &person{fx: ta.attendanceAgreement(employer, adviser, start, end, true),
			first: unique("Markørfornavn" + label), last: unique("Markøretternavn" + label)}
		ta.exec(`UPDATE participants SET first_name = $2, last_name = $3, phone = $4 WHERE id = $1`, p.fx.participant, p.first, p.last, "+47 455 66 77 "+label)
		// A second, open proposal to another of the organisation's placements.
		pl := ta.storePlacement(employer, completePlacement(unique("Kommune ")), db.PlacementPublished)
		open := ta.storeProposal(adviser, p.fx.participant, pl, "Markørnotat "+p.last, "")
		var prop, placement int64
		if err := ta.store.DB.Get(&prop, `SELECT proposal_id FROM agreements WHERE id = $1`, p.fx.id); err != nil {
			t.Fatal(err)
		}
		if err := ta.store.DB.Get(&placement, `SELECT placement_id FROM agreements WHERE id = $1`, p.fx.id); err != nil {
			t.Fatal(err)
		}
		p.proposals, p.placements, p.participantIDs = []int64{prop, open}, []int64{placement, pl}, []int64{p.fx.participant}
		return p
	}
	kode6, withdrawn := newPerson("K"), newPerson("W")
	people := []*person{kode6, withdrawn}

	emp := ta.sessionFor(employer)
	// Before: the employer sees the person (the walk below can fail).
	for _, p := range people {
		if page := emp.get(p.fx.path("")).text(); !strings.Contains(page, p.first) {
			t.Fatalf("before: the employer's agreement page does not show %s", p.first)
		}
	}

	if _, err := ta.store.SetProtection(ctx, kode6.fx.participant, adviser.ID, db.ProtectionKode6, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.store.WithdrawConsent(ctx, withdrawn.fx.participant, org, adviser.ID, ""); err != nil {
		t.Fatal(err)
	}

	// Links made before, as mails carried them.
	var tokens []string
	for _, p := range people {
		id := p.fx.id
		for _, in := range []db.NewLinkToken{
			{Purpose: db.PurposeAttendance, Email: p.fx.supervisor, Payload: linkPayload{AgreementID: id, Week: week}, TTL: time.Hour},
			{Purpose: db.PurposeEvaluation, Email: p.fx.supervisor, Payload: linkPayload{AgreementID: id, Phase: "start"}, TTL: time.Hour},
			{Purpose: db.PurposeOfferAnswer, Email: p.fx.supervisor, Payload: offerPayload{AgreementID: id, Answer: db.OfferJob}, TTL: time.Hour},
		} {
			tokens = append(tokens, ta.linkToken(in))
		}
	}
	// The employer tries to mail the supervisor the week's link.
	for _, p := range people {
		if res := emp.post(p.fx.path("/attendance-link"), nil); res.status < 400 {
			t.Errorf("attendance link for a blocked agreement: %d", res.status)
		}
	}

	// Values for every :param, by the resource the pattern is about.
	values := func(pattern, param string) []string {
		var out []string
		for _, p := range people {
			switch {
			case param == ":week":
				return []string{week}
			case param == ":phase":
				return []string{"start", "mid", "end"}
			case param == ":step":
				return agreementSteps
			case param == ":token":
				return tokens
			case param == ":org":
				return []string{itoa(org)}
			case strings.HasPrefix(pattern, "/agreements/"):
				out = append(out, itoa(p.fx.id))
			case strings.HasPrefix(pattern, "/proposals/"):
				for _, id := range p.proposals {
					out = append(out, itoa(id))
				}
			case strings.HasPrefix(pattern, "/placements/"):
				for _, id := range p.placements {
					out = append(out, itoa(id))
				}
			default:
				for _, id := range p.participantIDs {
					out = append(out, itoa(id))
				}
			}
		}
		return out
	}
	var paths []string
	for route := range registeredRoutes(ta.app) {
		method, pattern, _ := strings.Cut(route, " ")
		if method != http.MethodGet || strings.Contains(pattern, "*") {
			continue
		}
		expanded := []string{""}
		for _, seg := range strings.Split(strings.TrimPrefix(pattern, "/"), "/") {
			vals := []string{seg}
			if strings.HasPrefix(seg, ":") {
				vals = values(pattern, seg)
			}
			var next []string
			for _, e := range expanded {
				for _, v := range vals {
					next = append(next, e+"/"+v)
				}
			}
			expanded = next
		}
		paths = append(paths, expanded...)
	}
	if len(paths) < 40 {
		t.Fatalf("only %d paths to walk", len(paths))
	}
	linkClient := ta.client()
	for _, path := range paths {
		c := emp
		if strings.HasPrefix(path, "/l/") {
			c = linkClient // the links work without signing in
		}
		res := c.get(path)
		for _, p := range people {
			for _, marker := range []string{p.first, p.last, "+47 455 66 77"} {
				if strings.Contains(res.body, marker) || strings.Contains(res.text(), marker) {
					t.Errorf("GET %s (%d) shows %q", path, res.status, marker)
				}
			}
		}
	}

	// No mail to anyone but the adviser names them.
	var bodies []string
	if err := ta.store.DB.Select(&bodies, `SELECT subject || body_text || body_html FROM outbox WHERE recipient <> $1`, adviser.Email); err != nil {
		t.Fatal(err)
	}
	for _, b := range bodies {
		for _, p := range people {
			if strings.Contains(b, p.first) || strings.Contains(b, p.last) {
				t.Errorf("a mail names %s %s:\n%s", p.first, p.last, b)
			}
		}
	}
}
