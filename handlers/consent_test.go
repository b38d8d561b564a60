package handlers

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"praksis/db"
	"praksis/locale"
)

// privacyFx is an adviser with a participant of their caseload and an
// employer whose organisation the participant may share with.
type privacyFx struct {
	adviser, employer db.User
	participant       int64
	first, last       string
	org               int64
	orgName           string
}

func (ta *testApp) newPrivacyFx() privacyFx {
	ta.t.Helper()
	fx := privacyFx{adviser: ta.createUser(db.RoleAdviser), employer: ta.createUser(db.RoleEmployer),
		first: unique("Olena"), last: unique("Kovalenko")}
	fx.participant = ta.storeParticipant(fx.adviser, participantInput(fx.first, fx.last))
	fx.org = *fx.employer.OrganisationID
	o, err := ta.store.Organisation(context.Background(), fx.org)
	if err != nil {
		ta.t.Fatal(err)
	}
	fx.orgName = o.Name
	return fx
}

func (fx privacyFx) path(rest string) string { return "/participants/" + itoa(fx.participant) + rest }

// consentState is everything giving or withdrawing consent leaves behind.
func (ta *testApp) consentState(participantID int64) string {
	ta.t.Helper()
	var s string
	err := ta.store.DB.Get(&s, `SELECT concat_ws(' | ',
		(SELECT string_agg(id || ':' || organisation_id || ':' || array_to_string(items, ',') || ':' || array_to_string(adaptations, ';')
			|| ':' || given_how || ':' || coalesce(withdrawn_at::text, '-'), ',' ORDER BY id) FROM consents WHERE participant_id = $1),
		(SELECT string_agg(id || ':' || status, ',' ORDER BY id) FROM proposals WHERE participant_id = $1),
		(SELECT protection || ':' || coalesce(protection_set_at::text, '-') FROM participants WHERE id = $1),
		(SELECT count(*) FROM audit_log WHERE entity = 'participant' AND entity_id = $1 AND action <> 'participant.view'))`, participantID)
	if err != nil {
		ta.t.Fatal(err)
	}
	return s
}

func validConsent(fx privacyFx) url.Values {
	return url.Values{"org": {itoa(fx.org)}, "items": {db.ItemFirstName, db.ItemLevels, db.ItemAdaptations},
		"adaptations": {"Trenger korte pauser\nSkriftlige beskjeder"}, "how": {db.ConsentInPerson}, "reason_note": {"Sa ja i møtet 3. mars"}}
}

func TestConsentGiveAndWithdraw(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.newPrivacyFx()
	c := ta.sessionFor(fx.adviser)

	res := c.get(fx.path("/consent"))
	if res.status != http.StatusOK || !strings.Contains(res.text(), msg(t, "nb", "consent.shared_none")) {
		t.Fatalf("consent page: %d, nothing shared not said", res.status)
	}
	res = c.post(fx.path("/consent"), validConsent(fx))
	if res.status != http.StatusSeeOther || res.location() != fx.path("/consent") {
		t.Fatalf("give consent: %d %s", res.status, res.location())
	}
	shared, err := ta.store.SharedWith(context.Background(), fx.participant)
	if err != nil || len(shared) != 1 {
		t.Fatalf("shared with: %v %v", shared, err)
	}
	got := shared[0]
	if got.OrganisationID != fx.org || strings.Join(got.Items, ",") != "first_name,levels,adaptations" ||
		strings.Join(got.Adaptations, ";") != "Trenger korte pauser;Skriftlige beskjeder" || got.GivenHow != db.ConsentInPerson ||
		got.ReasonNote != "Sa ja i møtet 3. mars" {
		t.Errorf("stored consent: %+v", got)
	}
	if n := ta.auditRows(fx.participant, "participant.consent_given"); n != 1 {
		t.Errorf("%d audit rows of the consent", n)
	}
	page := c.get(fx.path("/consent")).text()
	for _, want := range []string{fx.orgName, "Trenger korte pauser", "Skriftlige beskjeder", msg(t, "nb", "consent.item.levels"), msg(t, "nb", "consent.active")} {
		if !strings.Contains(page, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}

	// An open proposal to the organisation: withdrawing names it.
	title := unique("Bakerlærling ")
	in := completePlacement(unique("Kommune "))
	in.Title = title
	pl := ta.storePlacement(fx.employer, in, db.PlacementPublished)
	prop := ta.storeProposal(fx.adviser, fx.participant, pl, "", "")
	res = c.post(fx.path("/consent/"+itoa(fx.org)+"/withdraw"), nil)
	if res.status != http.StatusOK {
		t.Fatalf("withdraw: %d", res.status)
	}
	for _, want := range []string{msg(t, "nb", "consent.outcome_proposals"), title, msg(t, "nb", "consent.shared_none")} {
		if !strings.Contains(res.text(), want) {
			t.Errorf("withdrawal page lacks %q", want)
		}
	}
	if p := ta.proposal(fx.employer, prop); p.Status != "withdrawn" {
		t.Errorf("proposal is %s after the consent was withdrawn", p.Status)
	}
	if n := ta.auditRows(fx.participant, "participant.consent_withdrawn"); n != 1 {
		t.Errorf("%d audit rows of the withdrawal", n)
	}
	// Nothing left to withdraw: 404, nothing changed.
	before := ta.consentState(fx.participant)
	if res := c.post(fx.path("/consent/"+itoa(fx.org)+"/withdraw"), nil); res.status != http.StatusNotFound {
		t.Errorf("second withdrawal: %d", res.status)
	}
	if after := ta.consentState(fx.participant); after != before {
		t.Errorf("second withdrawal changed %s to %s", before, after)
	}
	// The history keeps the withdrawn consent.
	if page := c.get(fx.path("/consent")).text(); !strings.Contains(page, msg(t, "nb", "consent.withdrawn")) {
		t.Error("history does not show the withdrawn consent")
	}
}

// TestConsentOnBehalf: a reason is stored with an on-behalf consent; a
// second consent for the organisation replaces the first.
func TestConsentOnBehalf(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.newPrivacyFx()
	c := ta.sessionFor(fx.adviser)
	if res := c.post(fx.path("/consent"), validConsent(fx)); res.status != http.StatusSeeOther {
		t.Fatalf("first consent: %d", res.status)
	}
	form := url.Values{"org": {itoa(fx.org)}, "items": {db.ItemFirstName}, "how": {db.ConsentOnBehalf}, "reason": {"no_bankid"}}
	if res := c.post(fx.path("/consent"), form); res.status != http.StatusSeeOther {
		t.Fatalf("on-behalf consent: %d %s", res.status, res.text())
	}
	all, err := ta.store.Consents(context.Background(), fx.participant)
	if err != nil || len(all) != 2 {
		t.Fatalf("consents: %v %v", all, err)
	}
	if all[0].GivenHow != db.ConsentOnBehalf || all[0].OnBehalfReason == nil || *all[0].OnBehalfReason != "no_bankid" || !all[0].Active() {
		t.Errorf("new consent: %+v", all[0])
	}
	if all[1].Active() || all[1].ReplacedBy == nil || *all[1].ReplacedBy != all[0].ID {
		t.Errorf("old consent not replaced: %+v", all[1])
	}
}

func TestConsentBadInput(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.newPrivacyFx()
	c := ta.sessionFor(fx.adviser)
	pending := ta.createPendingOrg()
	long := strings.Repeat("x", 201)
	cases := []struct {
		name   string
		change func(url.Values)
		msgID  string
	}{
		{"no organisation", func(v url.Values) { v.Del("org") }, "form.choose"},
		{"unknown organisation", func(v url.Values) { v.Set("org", "999999999") }, "form.choose"},
		{"organisation not approved", func(v url.Values) { v.Set("org", itoa(pending.org.ID)) }, "form.choose"},
		{"nothing to share", func(v url.Values) { v.Del("items"); v.Del("adaptations") }, "consent.items_required"},
		{"unknown item", func(v url.Values) { v.Add("items", "address") }, "form.choose"},
		{"adaptations without the item", func(v url.Values) { v["items"] = []string{db.ItemFirstName} }, "consent.adaptations_unchecked"},
		{"the item without adaptations", func(v url.Values) { v.Set("adaptations", " \n ") }, "consent.adaptations_missing"},
		{"an adaptation too long", func(v url.Values) { v.Set("adaptations", long) }, "consent.adaptation_too_long"},
		{"too many adaptations", func(v url.Values) {
			lines := make([]string, 21)
			for i := range lines {
				lines[i] = "Tilrettelegging " + itoa(int64(i))
			}
			v.Set("adaptations", strings.Join(lines, "\n"))
		}, "consent.too_many_adaptations"},
		{"no way given", func(v url.Values) { v.Del("how") }, "form.choose"},
		{"by the participant, claimed by the adviser", func(v url.Values) { v.Set("how", db.ConsentByParticipant) }, "form.choose"},
		{"on behalf without a reason", func(v url.Values) { v.Set("how", db.ConsentOnBehalf) }, "consent.reason_required"},
		{"on behalf with an unknown reason", func(v url.Values) { v.Set("how", db.ConsentOnBehalf); v.Set("reason", "busy") }, "consent.reason_required"},
		{"note too long", func(v url.Values) { v.Set("reason_note", strings.Repeat("n", 501)) }, "form.too_long"},
	}
	before := ta.consentState(fx.participant)
	for _, tc := range cases {
		form := validConsent(fx)
		tc.change(form)
		res := c.post(fx.path("/consent"), form)
		if res.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", tc.name, res.status)
			continue
		}
		if !strings.Contains(res.text(), msg(t, "nb", tc.msgID)) {
			t.Errorf("%s: no message %s", tc.name, tc.msgID)
		}
	}
	if after := ta.consentState(fx.participant); after != before {
		t.Errorf("refused consents changed %s to %s", before, after)
	}

	// Kode 6: no consent on the participant's behalf, said plainly.
	ta.exec(`UPDATE participants SET protection = 'strengt_fortrolig', protection_set_at = now() WHERE id = $1`, fx.participant)
	before = ta.consentState(fx.participant)
	form := validConsent(fx)
	form.Set("how", db.ConsentOnBehalf)
	form.Set("reason", "low_digital")
	res := c.post(fx.path("/consent"), form)
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.text(), msg(t, "nb", "consent.kode6_on_behalf")) {
		t.Errorf("on behalf for kode 6: %d", res.status)
	}
	if after := ta.consentState(fx.participant); after != before {
		t.Errorf("refused kode-6 consent changed %s to %s", before, after)
	}
}

// TestConsentOthersRefused: only the participant's adviser records or
// withdraws consent; another adviser finds no such participant.
func TestConsentOthersRefused(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.newPrivacyFx()
	if res := ta.sessionFor(fx.adviser).post(fx.path("/consent"), validConsent(fx)); res.status != http.StatusSeeOther {
		t.Fatalf("give consent: %d", res.status)
	}
	before := ta.consentState(fx.participant)
	other := ta.sessionFor(ta.createUser(db.RoleAdviser))
	for _, c := range []struct {
		who    *client
		status int
	}{{other, http.StatusNotFound}, {ta.sessionFor(ta.createUser(db.RoleAdmin)), http.StatusForbidden},
		{ta.sessionFor(ta.createUser(db.RoleNAV)), http.StatusForbidden}, {ta.sessionFor(fx.employer), http.StatusForbidden}} {
		if res := c.who.get(fx.path("/consent")); res.status != c.status {
			t.Errorf("GET consent: %d, want %d", res.status, c.status)
		}
		if res := c.who.post(fx.path("/consent"), validConsent(fx)); res.status != c.status {
			t.Errorf("POST consent: %d, want %d", res.status, c.status)
		}
		if res := c.who.post(fx.path("/consent/"+itoa(fx.org)+"/withdraw"), nil); res.status != c.status {
			t.Errorf("withdraw: %d, want %d", res.status, c.status)
		}
		if res := c.who.post(fx.path("/protection"), url.Values{"protection": {db.ProtectionKode6}}); res.status != c.status {
			t.Errorf("protection: %d, want %d", res.status, c.status)
		}
	}
	if after := ta.consentState(fx.participant); after != before {
		t.Errorf("refused requests changed %s to %s", before, after)
	}
}

// TestProtectionKode6: the migrated grade asks to be confirmed; setting
// kode 6 withdraws the open proposals and names them and the agreements
// still open, with the plain word that the placement is handled outside.
func TestProtectionKode6(t *testing.T) {
	ta := newTestApp(t)
	employer, adviser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	ag := ta.attendanceAgreement(employer, adviser, ymd(today().AddDate(0, 0, -14)), ymd(today().AddDate(0, 0, 60)), true)
	fx := privacyFx{adviser: adviser, employer: employer, participant: ag.participant, org: *employer.OrganisationID}
	title := unique("Kokk ")
	in := completePlacement(unique("Kommune "))
	in.Title = title
	other := ta.createUser(db.RoleEmployer)
	prop := ta.storeProposal(adviser, fx.participant, ta.storePlacement(other, in, db.PlacementPublished), "", "")
	// As migration 00017 leaves the old flag: kode 7, not confirmed.
	ta.exec(`UPDATE participants SET protection = 'fortrolig', protection_set_at = NULL, protection_set_by = NULL WHERE id = $1`, fx.participant)
	c := ta.sessionFor(adviser)
	if page := c.get(fx.path("/consent")).text(); !strings.Contains(page, msg(t, "nb", "protection.confirm_notice")) {
		t.Error("an unconfirmed grade is not asked to be confirmed")
	}

	before := ta.consentState(fx.participant)
	for _, bad := range []string{"", "kode6", "secret"} {
		res := c.post(fx.path("/protection"), url.Values{"protection": {bad}})
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.text(), msg(t, "nb", "form.choose")) {
			t.Errorf("grade %q: %d", bad, res.status)
		}
	}
	if after := ta.consentState(fx.participant); after != before {
		t.Errorf("refused grades changed %s to %s", before, after)
	}

	res := c.post(fx.path("/protection"), url.Values{"protection": {db.ProtectionKode6}})
	if res.status != http.StatusOK {
		t.Fatalf("kode 6: %d", res.status)
	}
	for _, want := range []string{msg(t, "nb", "consent.outcome_kode6_text"), msg(t, "nb", "consent.outcome_proposals"), title,
		msg(t, "nb", "consent.outcome_agreements_kode6"), "/agreements/" + itoa(ag.id)} {
		if !strings.Contains(res.text(), want) {
			t.Errorf("kode-6 page lacks %q", want)
		}
	}
	if strings.Contains(res.text(), msg(t, "nb", "protection.confirm_notice")) {
		t.Error("the grade is still to be confirmed after the adviser set it")
	}
	pr, err := ta.store.Protection(context.Background(), fx.participant)
	if err != nil || pr.Grade != db.ProtectionKode6 || !pr.Confirmed() {
		t.Errorf("stored grade: %+v %v", pr, err)
	}
	if p := ta.proposal(other, prop); p.Status != "withdrawn" {
		t.Errorf("proposal is %s after kode 6", p.Status)
	}
	if n := ta.auditRows(fx.participant, "participant.protection"); n != 1 {
		t.Errorf("%d audit rows of the grade", n)
	}
	// Back to kode 7: a redirect with a flash; the page says who set it.
	res = c.post(fx.path("/protection"), url.Values{"protection": {db.ProtectionKode7}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("kode 7: %d", res.status)
	}
	if page := c.get(res.location()).text(); !strings.Contains(page, msg(t, "nb", "flash.protection_saved")) || !strings.Contains(page, adviser.Name) {
		t.Error("kode 7 saved without the flash or the adviser's name")
	}
}

// TestPrivacyMessagesExist: every message ID the privacy handlers and
// views name (outside the prefixes TestMessageIDsInGoExist knows) is in
// both catalogues.
func TestPrivacyMessagesExist(t *testing.T) {
	files := []string{"consent.go", "protection.go", "absence.go", "innsyn.go", "archive.go"}
	views, _ := filepath.Glob("../views/pages/participants/*.html")
	parts, _ := filepath.Glob("../views/partials/participants/*.html")
	files = append(append(append(files, views...), parts...), "../views/pages/admin/archive.html")
	re := regexp.MustCompile(`"((?:consent|protection|absence|innsyn|archive)\.[a-z0-9_.]+)"`)
	n := 0
	for _, lang := range []string{"nb", "en"} {
		cat, err := locale.Catalogue(lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllStringSubmatch(string(src), -1) {
				if strings.HasSuffix(m[1], ".") || strings.HasSuffix(m[1], "_") {
					continue // a prefix completed at run time
				}
				n++
				if _, ok := cat[m[1]]; !ok {
					t.Errorf("%s: %s has no %s", f, lang, m[1])
				}
			}
		}
		for _, prefix := range []string{"consent.item.", "absence.class.", "protection.grade.", "protection.grade_hint."} {
			var values []string
			switch prefix {
			case "consent.item.":
				values = db.ConsentItems
			case "absence.class.":
				values = db.AbsenceClassifications
			default:
				values = db.Protections
			}
			for _, v := range values {
				if _, ok := cat[prefix+v]; !ok {
					t.Errorf("%s has no %s%s", lang, prefix, v)
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d message IDs found: is the pattern still right?", n)
	}
}
