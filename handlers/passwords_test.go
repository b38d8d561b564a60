package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"praksis/db"
)

// TestPasswordProblem (issue 21, item 3): common and leaked passwords
// (in any case, the demo password too), one short or listed piece said
// over and over, and the person's own address, local part and names —
// also with digits after — are refused, each with its reason; passwords
// of one's own are accepted.
func TestPasswordProblem(t *testing.T) {
	email, name, org := "kari.nordmann@firma.example", "Kari Nordmann", "Fjord Kafé AS"
	for _, c := range []struct{ password, want string }{
		{"1234567890", "form.password_common"},
		{"qwertyuiop", "form.password_common"},
		{"QwertyUiop", "form.password_common"},
		{"passordpassord", "form.password_common"},
		{"Passord123!", "form.password_common"},
		{"velkommen123", "form.password_common"},
		{"sommer2026!", "form.password_common"},
		{db.DemoPassword, "form.password_common"},
		{strings.ToUpper(db.DemoPassword), "form.password_common"},
		{"iloveyou12", "form.password_common"},
		{"abcabcabcabc", "form.password_common"},
		{"zzzzzzzzzzzz", "form.password_common"},
		{"dragondragon", "form.password_common"},
		{email, "form.password_is_email"},
		{"Kari.Nordmann@Firma.example", "form.password_is_email"},
		{"kari.nordmann", "form.password_personal"},
		{"kari.nordmann1!", "form.password_personal"},
		{"KariNordmann2024", "form.password_personal"},
		{"Kari Nordmann", "form.password_personal"},
		{"nordmann1234", "form.password_personal"},
		{"fjord kafé as", "form.password_personal"},
		{"short", "form.password_short"},
		{strings.Repeat("x", 129), "form.password_long"},
		{"correct-horse-battery", ""},
		{"kaffe-og-boller-123", ""},
		{"nordmann-liker-fjorder", ""},
	} {
		if got := PasswordProblem(c.password, email, name, org); got != c.want {
			t.Errorf("%q: %q, want %q", c.password, got, c.want)
		}
	}
	// Without names, only the address is personal.
	if got := PasswordProblem("nordmann1234", "kari@firma.example"); got != "" {
		t.Errorf("a name's word without the name given: %q", got)
	}
}

// TestCommonPasswordsRefusedOnForms: sign-up and /password refuse a
// common password and one's own name with the reason beside the field,
// in the person's language, and store nothing.
func TestCommonPasswordsRefusedOnForms(t *testing.T) {
	ta := newTestApp(t)
	for _, lang := range []string{"nb", "en"} {
		visitor := ta.client()
		visitor.lang = lang
		visitor.get("/signup")
		users := ta.count("users")
		for password, want := range map[string]string{"passordpassord": "form.password_common", "Kari Nordmann 1": "form.password_personal"} {
			form := validSignup()
			form.Set("password", password)
			res := visitor.post("/signup", form)
			got, _ := fieldError(res.body, "password")
			if res.status != http.StatusUnprocessableEntity || got != msg(t, lang, want) {
				t.Errorf("sign-up with %q (%s): %d %q, want 422 with %q", password, lang, res.status, got, msg(t, lang, want))
			}
		}
		if ta.count("users") != users {
			t.Errorf("a refused sign-up stored a user")
		}

		c, u := ta.signIn(db.RoleAdviser)
		ta.exec(`UPDATE users SET locale = $1 WHERE id = $2`, lang, u.ID)
		c.get("/password")
		for _, next := range []string{"1234567890", db.DemoPassword, strings.Split(u.Email, "@")[0] + "2026"} {
			want := "form.password_common"
			if strings.HasSuffix(next, "2026") {
				want = "form.password_personal"
			}
			res := c.post("/password", url.Values{"current": {testPassword}, "new": {next}, "confirm": {next}})
			got, _ := fieldError(res.body, "new")
			if res.status != http.StatusUnprocessableEntity || got != msg(t, lang, want) {
				t.Errorf("/password with %q (%s): %d %q, want 422 with %q", next, lang, res.status, got, msg(t, lang, want))
			}
		}
		c.signInAs(u.Email, testPassword) // the password is unchanged
		if res := c.get("/password"); res.status != http.StatusOK {
			t.Errorf("the old password no longer signs in: %d", res.status)
		}
	}
}
