package e2e

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestMobileLayout: at 375 CSS pixels (a small phone) the landing and
// sign-up pages reflow without sideways scrolling (WCAG 1.4.10) and pass
// axe, in both languages.
func TestMobileLayout(t *testing.T) {
	const width = 375
	b := newTab(t)
	b.do(chromedp.EmulateViewport(width, 812, chromedp.EmulateMobile))
	for _, lang := range languages {
		for _, page := range []struct{ path, name string }{{"/", "landing"}, {"/signup", "signup"}} {
			b.expectStatus("GET "+page.path, b.open(page.path), 200)
			b.ensureLanguage(lang)
			if w := eval[int](b, `document.documentElement.scrollWidth`); w > width {
				t.Errorf("%s %s: the page is %dpx wide on a %dpx screen", lang, page.path, w, width)
				wide := eval[[]string](b, fmt.Sprintf(`Array.from(document.querySelectorAll("body *"))
					.filter(e => e.getBoundingClientRect().right > %d)
					.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""))`, width))
				t.Logf("elements past the edge: %v", wide)
			}
			b.checkPage("mobile-" + page.name)
		}
	}
}
