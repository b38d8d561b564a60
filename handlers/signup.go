package handlers

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
	"praksis/mail"
)

type signupPage struct {
	Page
	Form    Form
	Kinds   []string
	Sectors []string
}

var signupFields = []string{"org_name", "org_number", "kind", "sector", "municipality", "name", "email"}

func (a *App) signupPage(c *fiber.Ctx) signupPage {
	return signupPage{Page: a.newPage(c, "signup.title"), Form: newForm(), Kinds: db.OrgKinds, Sectors: db.Sectors}
}

func (a *App) signupForm(c *fiber.Ctx) error {
	if session(c) != nil {
		return a.redirect(c, "/", "")
	}
	p := a.signupPage(c)
	return a.render(c, fiber.StatusOK, "auth/signup", &p)
}

// Sign-up is confirmed by e-mail, so the form answers the same whether
// or not the address has an account (no account enumeration): the link
// works signupTTL, and an address gets at most one sign-up mail per
// signupEvery.
const (
	signupTTL   = 24 * time.Hour
	signupEvery = 10 * time.Minute
)

// signupPayload is stored with a sign-up token: what was entered, the
// password as its argon2id hash only.
type signupPayload struct {
	OrgName      string `json:"org_name"`
	OrgNumber    string `json:"org_number"`
	Kind         string `json:"kind"`
	Sector       string `json:"sector"`
	Municipality string `json:"municipality"`
	Name         string `json:"name"`
	Lang         string `json:"lang"`
	Hash         string `json:"hash"`
}

// signup checks the form and mails the address: a confirmation link that
// registers the pending organisation and its first employer, or, to an
// address that has an account, a notice that someone tried (with the way
// to reset the password). Both answer with the same page.
func (a *App) signup(c *fiber.Ctx) error {
	if session(c) != nil {
		// Signed in already: one person, one organisation. A colleague's
		// organisation is joined by invitation, not by a second signup.
		return a.redirect(c, "/", "")
	}
	p := a.signupPage(c)
	f := &p.Form
	for _, k := range signupFields {
		f.Values[k] = strings.TrimSpace(c.FormValue(k))
	}
	f.Values["org_number"] = db.NormaliseOrgNumber(f.Values["org_number"])
	password := c.FormValue("password")
	f.Required("org_name", 200)
	f.Check(f.Values["org_number"] != "", "org_number", "form.required")
	f.Check(db.ValidOrgNumber(f.Values["org_number"]), "org_number", "signup.org_number_invalid")
	f.Check(Contains(db.OrgKinds, f.Values["kind"]), "kind", "form.choose")
	f.Check(Contains(db.Sectors, f.Values["sector"]), "sector", "form.choose")
	f.Required("municipality", 100)
	f.Required("name", 200)
	f.Check(f.Values["email"] != "", "email", "form.required")
	f.Check(ValidEmail(f.Values["email"]), "email", "form.email_invalid")
	if msg := PasswordProblem(password, f.Values["email"], f.Values["name"], f.Values["org_name"]); msg != "" {
		f.Check(false, "password", msg)
	}
	ctx := c.UserContext()
	if f.Valid() {
		// An organisation number is public (the Central Coordinating
		// Register), so saying it is registered reveals no person.
		_, err := a.store.OrganisationByNumber(ctx, f.Values["org_number"])
		if err == nil {
			f.Check(false, "org_number", "signup.org_number_taken")
		} else if !errors.Is(err, db.ErrNotFound) {
			return err
		}
	}
	if !f.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "auth/signup", &p)
	}
	// Hashed either way, so both answers take the same time.
	hash, err := db.HashPassword(password)
	if err != nil {
		return err
	}
	token, err := db.NewToken()
	if err != nil {
		return err
	}
	email := f.Values["email"]
	u, err := a.store.UserByEmail(ctx, email)
	switch {
	case err == nil:
		d := mail.Data{FirstName: mail.FirstName(u.Name), Link: a.mail.Link("/password/forgot")}
		m, err := a.mail.Render("signup_exists", u.Locale, u.Email, db.SignupMailKey(email, token), d)
		if err != nil {
			return err
		}
		if _, err := a.store.RequestSignup(ctx, email, nil, m, signupEvery); err != nil {
			return err
		}
	case errors.Is(err, db.ErrNotFound):
		pl := signupPayload{OrgName: f.Values["org_name"], OrgNumber: f.Values["org_number"], Kind: f.Values["kind"],
			Sector: f.Values["sector"], Municipality: f.Values["municipality"], Name: f.Values["name"], Lang: p.Locale, Hash: hash}
		d := mail.Data{FirstName: mail.FirstName(pl.Name), Link: a.mail.Link("/l/" + token), Vars: map[string]string{"Org": pl.OrgName}}
		m, err := a.mail.Render("signup_confirm", p.Locale, email, db.SignupMailKey(email, token), d)
		if err != nil {
			return err
		}
		in := db.NewLinkToken{Token: token, Email: email, Payload: pl, TTL: signupTTL}
		if _, err := a.store.RequestSignup(ctx, email, &in, m, signupEvery); err != nil {
			return err
		}
	default:
		return err
	}
	a.wakeMail()
	return a.redirect(c, "/signup/sent", "")
}

// signupSent is where every valid sign-up lands: check your e-mail.
func (a *App) signupSent(c *fiber.Ctx) error {
	p := a.newPage(c, "signup.sent_title")
	return a.render(c, fiber.StatusOK, "auth/signup_sent", &p)
}

type signupLinkPage struct {
	*linkPage
	Org string
}

// signupLinkShow is GET /l/:token for a sign-up: what will be registered
// and a button to confirm it (GET never registers).
func (a *App) signupLinkShow(c *fiber.Ctx, lp *linkPage, t db.LinkToken) error {
	var pl signupPayload
	if err := json.Unmarshal(t.Payload, &pl); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "links/signup", &signupLinkPage{linkPage: lp, Org: pl.OrgName})
}

// signupLinkUse is POST /l/:token for a sign-up: the organisation and its
// first employer are registered and the token used up in one
// transaction, then the employer is signed in: they see at once that
// approval is pending.
func (a *App) signupLinkUse(c *fiber.Ctx, lp *linkPage, t db.LinkToken) error {
	var pl signupPayload
	if err := json.Unmarshal(t.Payload, &pl); err != nil {
		return err
	}
	if !Contains(Locales, pl.Lang) {
		pl.Lang = Locales[0]
	}
	ctx := c.UserContext()
	userID, field, err := a.store.ConfirmSignup(ctx, lp.Token, db.Signup{OrgName: pl.OrgName, OrgNumber: pl.OrgNumber, Kind: pl.Kind,
		Sector: pl.Sector, Municipality: pl.Municipality, Name: pl.Name, Email: lp.Email, PasswordHash: pl.Hash, Locale: pl.Lang})
	switch {
	case errors.Is(err, db.ErrConflict):
		// Whoever holds the link owns the address: telling them it has an
		// account (or the organisation is registered) reveals nothing.
		return errStatus(fiber.StatusConflict, "signup."+field+"_taken")
	case errors.Is(err, db.ErrNotFound): // used up by a concurrent request
		lp.State = db.TokenUsed
		return a.renderLinkProblem(c, lp)
	case err != nil:
		return err
	}
	u, err := a.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if err := a.startSession(c, u); err != nil {
		return err
	}
	return a.redirect(c, "/", "flash.signed_up")
}
