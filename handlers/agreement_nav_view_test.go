package handlers

import (
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"praksis/db"
)

// NAV's decision on an agreement on a NAV measure is among the approvals
// on the agreement page and its printable summary: what NAV decided, when
// and who, with NAV's reason and the reduced-capacity reason, for the
// adviser, the NAV user and the admin; the employer sees only whether NAV
// approved and when. A participant does not reach the page (404).
func TestAgreementNAVDecisionPerRole(t *testing.T) {
	ta := newTestApp(t, areaOnConfig) // the participant's own pages on, so the participant is signed in as one
	fx := agreementFx{adviser: ta.createUser(db.RoleAdviser), employer: ta.createUser(db.RoleEmployer), nav: ta.createUser(db.RoleNAV),
		first: unique("Amina"), last: unique("Vedtak")}
	navName := unique("Nora Navveileder ")
	ta.exec(`UPDATE users SET name = $1 WHERE id = $2`, navName, fx.nav.ID)
	in := agreementPlacementInput()
	in.Kind = "arbeidstrening"
	fx.placement = ta.storePlacement(fx.employer, in, db.PlacementPublished)
	fx.id, fx.participant = ta.storeAgreement(fx.adviser, fx.employer, &fx.nav, fx.placement, fx.first, fx.last)
	nav := ta.sessionFor(fx.nav)
	staff := map[string]*client{db.RoleAdviser: ta.sessionFor(fx.adviser), db.RoleNAV: nav, db.RoleAdmin: ta.sessionFor(ta.createUser(db.RoleAdmin))}
	employer := ta.sessionFor(fx.employer)
	lock := func() string { return itoa(int64(ta.agreement(fx.id).LockVersion)) }
	// approvalNAV is the NAV line among the approvals on a page.
	approvalNAV := func(who string, res response) string {
		t.Helper()
		if res.status != http.StatusOK {
			t.Fatalf("%s: the agreement page is %d", who, res.status)
		}
		_, li, ok := strings.Cut(res.text(), `id="approval-nav"`)
		if !ok {
			t.Fatalf("%s: no NAV line among the approvals", who)
		}
		li, _, _ = strings.Cut(li, "</li>")
		return li
	}
	decidedAt := func() string {
		var at time.Time
		if err := ta.store.DB.Get(&at, `SELECT nav_decided_at FROM agreements WHERE id = $1`, fx.id); err != nil {
			t.Fatal(err)
		}
		return datetime(at)
	}

	// Before NAV decides: "not yet" for everyone.
	ta.approveAs(fx.employer, fx.id)
	ta.consentAs(fx.adviser, fx.id)
	notYet := msg(t, "nb", "agreements.approval_nav") + ": " + msg(t, "nb", "agreements.not_yet")
	for who, c := range map[string]*client{"adviser": staff[db.RoleAdviser], "nav": nav, "admin": staff[db.RoleAdmin], "employer": employer} {
		if got := approvalNAV(who, c.get(agreementPath(fx.id))); !strings.Contains(got, notYet) {
			t.Errorf("%s before NAV decides: %q, want %q", who, got, notYet)
		}
	}

	// NAV refuses with a reason.
	reason := unique("Trenger mer norsk før tiltaket ")
	if res := nav.post(aPath(fx.id, "/nav"), formWith(nil, "lock_version", lock(), "decision", "refuse", "reason", reason)); res.status != http.StatusSeeOther {
		t.Fatalf("NAV refuses: %d", res.status)
	}
	// Staff read the reason once on each page: on the agreement page in
	// the refusal above (#nav-refused), where the next step is decided,
	// not again among the approvals on screen (a copy there is for paper
	// only: the next step does not print); on the summary, which has no
	// such notice, among the approvals.
	refused := strings.Replace(msg(t, "nb", "agreements.nav_decided.refused"), "{{.Date}}", decidedAt(), 1)
	reasonLine := msg(t, "nb", "agreements.nav_note") + ": " + reason
	for role, c := range staff {
		for _, path := range []string{agreementPath(fx.id), aPath(fx.id, "/summary")} {
			res := c.get(path)
			got := approvalNAV(role+" "+path, res)
			for _, want := range []string{refused, "(" + navName + ")"} {
				if !strings.Contains(got, want) {
					t.Errorf("%s %s after the refusal: %q lacks %q", role, path, got, want)
				}
			}
			// On screen once; the agreement page keeps a copy among the
			// approvals for paper only (the next step does not print).
			printOnly := `<span class="prewrap print-only">` + html.EscapeString(reasonLine) + `</span>`
			if summary := strings.HasSuffix(path, "/summary"); summary == strings.Contains(res.text(), printOnly) {
				t.Errorf("%s %s: the reason's copy for paper is there: %v, want it on the agreement page only", role, path, !summary)
			}
			if n := strings.Count(strings.Replace(res.text(), printOnly, "", 1), reason); n != 1 {
				t.Errorf("%s %s after the refusal shows NAV's reason %d times on screen, want once", role, path, n)
			}
			_, alert, above := strings.Cut(res.text(), `id="nav-refused"`)
			alert, _, _ = strings.Cut(alert, "</div>")
			if summary := strings.HasSuffix(path, "/summary"); summary == above {
				t.Errorf("%s %s: the refusal notice above the content is there: %v", role, path, above)
			} else if summary != strings.Contains(strings.Replace(got, printOnly, "", 1), reasonLine) || !summary && !strings.Contains(alert, reason) {
				t.Errorf("%s %s: NAV's reason is not in the one place meant for it (approvals %q, notice %q)", role, path, got, alert)
			}
		}
	}
	for _, path := range []string{agreementPath(fx.id), aPath(fx.id, "/summary")} {
		res := employer.get(path)
		if got := approvalNAV("employer "+path, res); !strings.Contains(got, refused) {
			t.Errorf("the employer's %s after the refusal: %q, want %q", path, got, refused)
		}
		for _, secret := range []string{navName, reason, msg(t, "nb", "agreements.nav_note")} {
			if strings.Contains(res.text(), secret) {
				t.Errorf("the employer's %s shows %q", path, secret)
			}
		}
	}
	if page := employer.get(agreementPath(fx.id)).text(); !strings.Contains(page, msg(t, "nb", "agreements.nav_refused_employer")) ||
		strings.Contains(page, msg(t, "nb", "agreements.nav_refused")) {
		t.Error("the employer is not told plainly that NAV refused, or is offered NAV's reason")
	}

	// NAV approves after all, with a note and a reduced-capacity reason.
	note, capacity := unique("Godkjent etter ny samtale "), unique("Redusert arbeidsevne etter skade ")
	if res := nav.post(aPath(fx.id, "/nav"), formWith(nil, "lock_version", lock(), "decision", "approve", "reason", note,
		"reduced_capacity_reason", capacity)); res.status != http.StatusSeeOther {
		t.Fatalf("NAV approves: %d", res.status)
	}
	approved := strings.Replace(msg(t, "nb", "agreements.approved_on"), "{{.Date}}", decidedAt(), 1)
	for role, c := range staff {
		got := approvalNAV(role, c.get(agreementPath(fx.id)))
		for _, want := range []string{"✓", approved, "(" + navName + ")", note, msg(t, "nb", "agreements.nav_reduced_capacity_note") + ": " + capacity} {
			if !strings.Contains(got, want) {
				t.Errorf("%s after the approval: %q lacks %q", role, got, want)
			}
		}
	}
	res := employer.get(agreementPath(fx.id))
	if got := approvalNAV("employer", res); !strings.Contains(got, "✓") || !strings.Contains(got, approved) {
		t.Errorf("the employer after the approval: %q, want %q", got, approved)
	}
	for _, secret := range []string{navName, note, capacity} {
		if strings.Contains(res.text(), secret) {
			t.Errorf("the employer's page shows %q", secret)
		}
	}

	// The participant does not reach the staff's agreement page.
	if res := ta.participantClient(fx.participant).get(agreementPath(fx.id)); res.status != http.StatusNotFound {
		t.Errorf("the participant opens the agreement page: %d, want 404", res.status)
	}
}
