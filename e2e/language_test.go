package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"praksis/db"
)

// TestLanguageSwitch: the header's switch turns a visitor's pages into
// English and back (a cookie), and a signed-in person's choice is stored
// on the account, so it holds after a reload and in another browser.
func TestLanguageSwitch(t *testing.T) {
	journey(t, resAdviser)
	t.Run("visitor", func(t *testing.T) {
		b := newTab(t)
		b.expectStatus("GET /", b.open("/"), 200)
		b.expect("heading", b.text("main h1"), message(t, "nb", "home.heading"))

		b.switchLanguage()
		b.expect("heading", b.text("main h1"), message(t, "en", "home.heading"))
		b.expect("menu", b.text(`header nav a[href="/signup"]`), message(t, "en", "nav.offer"))
		b.expect("title", eval[string](b, `document.title`), message(t, "en", "home.title")+" · Praksis")
		b.checkPage("landing")

		// The choice follows the visitor to the next page.
		b.expectStatus("GET /login", b.open("/login"), 200)
		b.expect("login heading", b.text("main h1"), message(t, "en", "login.heading"))
		b.checkPage("login")

		// And back, from whatever page the visitor is on.
		b.switchLanguage()
		b.expect("login heading", b.text("main h1"), message(t, "nb", "login.heading"))
		b.checkPage("login")
		b.expectStatus("GET /", b.open("/"), 200)
		b.expect("heading", b.text("main h1"), message(t, "nb", "home.heading"))
	})

	t.Run("adviser", func(t *testing.T) {
		const email = "radgiver@example.org"
		b := newTab(t)
		b.expectStatus("sign in", b.signIn(email, db.DemoPassword), 200)
		b.expectPath("/")
		b.ensureLanguage("nb") // the demo account starts in bokmål; a rerun may have left it otherwise
		b.expect("intro", b.text("main .lead"), message(t, "nb", "dashboard.intro_adviser"))
		b.checkPage("adviser-dashboard")

		b.switchLanguage()
		b.expect("intro", b.text("main .lead"), message(t, "en", "dashboard.intro_adviser"))
		b.checkPage("adviser-dashboard")
		b.do(chromedp.Reload())
		b.expect("after reload: <html lang>", eval[string](b, `document.documentElement.lang`), "en")
		b.expect("after reload: intro", b.text("main .lead"), message(t, "en", "dashboard.intro_adviser"))
		if u, err := store.UserByEmail(b.ctx, email); err != nil {
			t.Fatal(err)
		} else if u.Locale != "en" {
			t.Errorf("stored locale %q, want en", u.Locale)
		}

		// Another browser, with no cookie of the choice: the account has it.
		other := newTab(t)
		other.expectStatus("sign in elsewhere", other.signIn(email, db.DemoPassword), 200)
		other.expectPath("/")
		other.lang = "en"
		other.expect("<html lang> in another browser", eval[string](other, `document.documentElement.lang`), "en")
		other.expect("flash", other.text("#alerts"), message(t, "en", "flash.signed_in"))

		// Back to bokmål, stored too.
		b.switchLanguage()
		b.expect("intro", b.text("main .lead"), message(t, "nb", "dashboard.intro_adviser"))
		if u, err := store.UserByEmail(b.ctx, email); err != nil {
			t.Fatal(err)
		} else if u.Locale != "nb" {
			t.Errorf("stored locale %q, want nb", u.Locale)
		}
		b.signOut()
	})
}
