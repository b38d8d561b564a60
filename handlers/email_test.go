package handlers

import (
	"net/http"
	"strings"
	"testing"

	"praksis/db"
)

// mailtoTricks are addresses RFC 5322 (and net/mail) may accept but that
// add headers or a body to a mailto: link, or are not one plain address.
var mailtoTricks = []string{
	"kontakt@firma.example?cc=x@y&body=z",
	"kontakt@firma.example?cc=sjef.example&body=Hei",
	"kontakt?cc=x@firma.example",
	"kontakt&body=x@firma.example",
	"kontakt%3Fcc@firma.example",
	"kontakt#x@firma.example",
	`"kontakt a"@firma.example`,
	"Kari <kari@firma.example>",
	"kari@[192.0.2.1]",
	"kari@192.0.2.1",
	"kari@firma",
	"kari@-firma.example",
	".kari@firma.example",
	"ka..ri@firma.example",
	"kari@firma..example",
	"kari@@firma.example",
	"kari@firma.example\r\nBcc: x@y.example",
	strings.Repeat("k", 65) + "@firma.example",
	"kari@" + strings.Repeat("f", 64) + ".example",
}

// TestValidEmail (issue 21, item 5): the one address check refuses every
// mailto trick and keeps ordinary addresses, Norwegian letters included.
func TestValidEmail(t *testing.T) {
	for _, s := range mailtoTricks {
		if ValidEmail(s) {
			t.Errorf("%q accepted", s)
		}
		if got := mailtoURL(s); got != "" {
			t.Errorf("mailto link made from %q: %q", s, got)
		}
	}
	for _, s := range []string{"kari@firma.example", "kari.nordmann+praksis@firma.example", "o'brien@firma.example",
		"ola_n-1@sub.firma-as.no", "bjørn@blåbær.no", "a@b.no"} {
		if !ValidEmail(s) {
			t.Errorf("%q refused", s)
		}
		if got := mailtoURL(s); string(got) != "mailto:"+s {
			t.Errorf("mailto link for %q: %q", s, got)
		}
	}
}

// TestSupervisorEmailMailtoInjection: a supervisor address with mailto
// parameters is refused on the placement form and on the agreement's
// contacts step; one stored before this check is shown as text, never
// as a link that carries its parameters.
func TestSupervisorEmailMailtoInjection(t *testing.T) {
	ta := newTestApp(t)
	c, _ := ta.signIn(db.RoleEmployer)
	for _, bad := range mailtoTricks[:6] {
		form := validPlacementForm("Lagermedarbeider")
		form.Set("supervisor_email", bad)
		if res := c.post("/placements", form); res.status != http.StatusUnprocessableEntity || placementFieldError(res.body, "supervisor_email") != msg(t, "nb", "form.email_invalid") {
			t.Errorf("placement with supervisor %q: %d", bad, res.status)
		}
	}
	fx := ta.freshAgreement()
	employer := ta.sessionFor(fx.employer)
	lock := itoa(int64(ta.agreement(fx.id).LockVersion))
	before := ta.agreementState(fx.id)
	for _, bad := range mailtoTricks[:6] {
		res := employer.post(aPath(fx.id, "/steps/contacts"), formWith(nil, "lock_version", lock, "supervisor_name", "Kari", "supervisor_email", bad))
		if res.status != http.StatusUnprocessableEntity {
			t.Errorf("agreement contact %q: %d, want 422", bad, res.status)
		}
	}
	ta.sameAgreement("a supervisor address with mailto parameters", before, ta.agreementState(fx.id))

	// An address stored before (straight into the table) is shown as text.
	in := agreementPlacementInput()
	in.SupervisorEmail = "kari@firma.example"
	id := ta.storePlacement(fx.employer, in, db.PlacementPublished)
	ta.exec(`UPDATE placements SET supervisor_email = $2 WHERE id = $1`, id, mailtoTricks[1])
	adviser, _ := ta.signIn(db.RoleAdviser)
	res := adviser.get("/placements/" + itoa(id))
	if res.status != http.StatusOK {
		t.Fatalf("placement page: %d", res.status)
	}
	if strings.Contains(res.body, "mailto:kontakt") || strings.Contains(res.body, "cc=") && strings.Contains(res.body, `href="mailto`) {
		t.Errorf("a mailto link carries the stored parameters")
	}
	if !strings.Contains(res.text(), mailtoTricks[1]) {
		t.Errorf("the stored address is not shown as text")
	}
	ta.exec(`UPDATE placements SET supervisor_email = 'kari@firma.example' WHERE id = $1`, id)
	if res := adviser.get("/placements/" + itoa(id)); !strings.Contains(res.body, `href="mailto:kari@firma.example"`) {
		t.Errorf("a valid address has no mailto link")
	}
}
