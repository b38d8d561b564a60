package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAxeRunsUnderCSP proves the accessibility checks are real: the app's
// Content-Security-Policy forbids inline script (a page cannot inject one),
// yet axe-core, injected through DevTools, loads and runs, and it does find
// violations when a page has them.
func TestAxeRunsUnderCSP(t *testing.T) {
	journey(t)
	b := newTab(t)
	b.console.allow("Content Security Policy")
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(baseURL+"/"))
	if err != nil {
		t.Fatal(err)
	}
	csp, _ := resp.Headers["Content-Security-Policy"].(string)
	if !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("Content-Security-Policy %q does not restrict scripts", csp)
	}

	// The page's own attempt at inline script is refused.
	ran := eval[bool](b, `(() => {
		const s = document.createElement("script");
		s.textContent = "window.__inline = 1";
		document.head.appendChild(s);
		return window.__inline === 1;
	})()`)
	if ran {
		t.Fatal("an inline script ran: the CSP is not applied, so this test proves nothing")
	}
	// The console watch of every journey sees such a refusal.
	if !b.console.saw("Content Security Policy") {
		t.Error("the refused inline script left no error in the console watch")
	}

	// The clean page passes, with axe really loaded.
	checkA11y(b.ctx, t, "csp-probe")
	if !eval[bool](b, `typeof window.axe === "object" && typeof window.axe.version === "string"`) {
		t.Fatal("axe-core is not loaded after checkA11y")
	}

	// Broken markup is caught: an image without alt text, an unlabelled
	// field, pale text (styles set through the CSSOM, which the CSP allows).
	b.do(evalVoid(`(() => {
		const main = document.querySelector("main");
		const img = document.createElement("img");
		img.src = document.querySelector("link[rel=icon]").href;
		main.appendChild(img);
		main.appendChild(document.createElement("input"));
		const p = document.createElement("p");
		p.textContent = "Pale text";
		p.style.color = "#bbbbbb";
		p.style.background = "#ffffff";
		main.appendChild(p);
	})()`))
	res, err := runAxe(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range res.Violations {
		ids = append(ids, v.ID)
	}
	for _, want := range []string{"image-alt", "label", "color-contrast"} {
		if !slices.Contains(ids, want) {
			t.Errorf("axe missed %s on a broken page; it found %v", want, ids)
		}
	}
}
