package e2e

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"

	"praksis/db"
)

// TestDraftOfPendingOrganisation (issue 20): at 1280 px and 375 px, the
// employer of an organisation awaiting approval saves a draft with a
// title alone; its preview offers "Publiser" disabled with the reason
// beside it and no "Avslutt plassen"; "Lag kopi" makes a copy named as
// one. Each page passes axe and fits the screen.
func TestDraftOfPendingOrganisation(t *testing.T) {
	journey(t)
	ctx := context.Background()
	hash, err := demoHash()
	if err != nil {
		t.Fatal(err)
	}
	email := unique("venter-") + "@e2e.example"
	if _, _, _, err := store.CreateOrganisationWithUser(ctx, db.Signup{OrgName: unique("Venter AS "), OrgNumber: orgNumber(),
		Kind: db.KindBusiness, Sector: "retail", Municipality: "Bergen", Name: unique("Vera Venter "), Email: email,
		PasswordHash: hash, Locale: "nb"}); err != nil {
		t.Fatal(err)
	}
	for _, width := range []int64{1280, 375} {
		b := newTab(t)
		if width < 400 {
			b.do(chromedp.EmulateViewport(width, 812, chromedp.EmulateMobile))
		} else {
			b.do(chromedp.EmulateViewport(width, 900))
		}
		name := fmt.Sprint(width)
		b.expectStatus("employer signs in", b.signIn(email, db.DemoPassword), 200)
		b.ensureLanguage("nb")
		b.expectStatus("new placement", b.open("/placements/new"), 200)
		title := unique("Bare tittel ")
		b.fill("#f-title", title)
		b.expectStatus("save the draft", b.submit(`main form[action="/placements"] button[type="submit"]`), 200)
		preview := b.path()
		if !regexp.MustCompile(`^/placements/\d+$`).MatchString(preview) {
			t.Fatalf("%s: saving a draft with a title led to %s", name, preview)
		}
		publish := `form[action="` + preview + `/publish"] button`
		if !eval[bool](b, `document.querySelector('`+publish+`').disabled`) {
			t.Errorf("%s: Publiser is not disabled for an organisation awaiting approval", name)
		}
		b.expect("the reason beside Publiser", b.text("#cannot-publish"), b.msg("placements.pending_org_drafts"))
		if b.exists(`form[action="` + preview + `/close"]`) {
			t.Errorf("%s: a draft offers Avslutt plassen", name)
		}
		b.expectNoSidewaysScroll("draft preview " + name)
		b.checkPage("draft-pending-" + name)

		b.expectStatus("copy", b.submit(`form[action="`+preview+`/duplicate"] button`), 200)
		b.expect("the copy's title", b.value("#f-title"), b.msg("placements.copy_title", "Title", title))
		b.signOut()
	}
}
