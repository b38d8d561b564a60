package e2e

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"praksis/db"
)

// TestPagesWithoutJavaScript: with scripts off (no htmx, no app.js) the
// admin's Approve button is a plain form: POST, 303 back to the list, and
// a flash message says what happened.
func TestPagesWithoutJavaScript(t *testing.T) {
	journey(t, resAdmin)
	orgName := unique("E2E Uten JS ")
	number := orgNumber()
	hash, err := db.HashPassword("e2e-nojs-password")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := store.CreateOrganisationWithUser(context.Background(), db.Signup{
		OrgName: orgName, OrgNumber: number, Kind: db.KindNGO, Sector: "culture", Municipality: "Bergen",
		Name: "Nils Nojs", Email: unique("nojs-") + "@e2e.example", PasswordHash: hash, Locale: "nb",
	}); err != nil {
		t.Fatal(err)
	}

	b := newTab(t)
	b.do(scriptsDisabled(true))
	b.expectStatus("admin signs in", b.signIn("admin@example.org", db.DemoPassword), 200)
	b.ensureLanguage("nb")
	b.expectStatus("GET /admin/organisations", b.open("/admin/organisations"), 200)
	if eval[bool](b, `typeof window.htmx !== "undefined"`) {
		t.Fatal("htmx ran: scripts are not disabled")
	}
	checkWithoutScripts(b, "nojs-admin-organisations")

	// Record the redirects of the navigation the click makes.
	var mu sync.Mutex
	var redirects []string
	if err := chromedp.Listen(b.ctx, func(ev any) {
		if ev, ok := ev.(*network.EventRequestWillBeSent); ok && ev.RedirectResponse != nil {
			mu.Lock()
			redirects = append(redirects, ev.Request.Method+" "+ev.Request.URL+" after "+ev.RedirectResponse.StatusText+" "+strconv.FormatInt(ev.RedirectResponse.Status, 10))
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}

	o, err := store.OrganisationByNumber(b.ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	row := "#org-" + strconv.FormatInt(o.ID, 10)
	b.do(click(row + ` details:has(form[action$="/approve"]) > summary`)) // the confirm step
	b.expectStatus("approve without JavaScript", b.submit(row+` form[action$="/approve"] button`), 200)
	b.expectPath("/admin/organisations")
	mu.Lock()
	got := strings.Join(redirects, "; ")
	mu.Unlock()
	if !strings.Contains(got, "GET "+baseURL+"/admin/organisations after") || !strings.Contains(got, " 303") {
		t.Errorf("redirects: %q, want GET /admin/organisations after a 303", got)
	}
	b.expect("flash", b.text("#alerts"), b.msg("flash.org_approved"))
	if b.exists(row) {
		t.Errorf("the approved organisation is still in the pending list")
	}
	if o, err := store.OrganisationByNumber(b.ctx, number); err != nil {
		t.Fatal(err)
	} else if o.Status() != db.OrgApproved {
		t.Errorf("organisation is %s, want approved", o.Status())
	}
	checkWithoutScripts(b, "nojs-admin-organisations-approved")
}

// scriptsDisabled turns the page's JavaScript off or on again.
func scriptsDisabled(off bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off})
		return err
	})
}

// checkWithoutScripts runs checkPage on a page loaded without JavaScript.
// axe-core needs timers and promises, which do not run while scripts are
// off, so they are turned on for the check; the page's own scripts were
// skipped when it loaded and stay unrun (htmx is still absent).
func checkWithoutScripts(b *tab, name string) {
	b.t.Helper()
	b.do(scriptsDisabled(false))
	b.checkPage(name)
	if eval[bool](b, `typeof window.htmx !== "undefined"`) {
		b.t.Errorf("%s: htmx appeared when scripts were turned on for axe", name)
	}
	b.do(scriptsDisabled(true))
}
