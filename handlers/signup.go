package handlers

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
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

// signup registers a pending organisation and its first employer, then
// signs the employer in: they see at once that approval is pending.
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
	if !f.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "auth/signup", &p)
	}
	hash, err := db.HashPassword(password)
	if err != nil {
		return err
	}
	_, userID, field, err := a.store.CreateOrganisationWithUser(c.UserContext(), db.Signup{
		OrgName: f.Values["org_name"], OrgNumber: f.Values["org_number"], Kind: f.Values["kind"],
		Sector: f.Values["sector"], Municipality: f.Values["municipality"], Name: f.Values["name"],
		Email: f.Values["email"], PasswordHash: hash, Locale: p.Locale,
	})
	if errors.Is(err, db.ErrConflict) {
		f.Check(false, field, "signup."+field+"_taken")
		return a.render(c, fiber.StatusUnprocessableEntity, "auth/signup", &p)
	} else if err != nil {
		return err
	}
	u, err := a.store.UserByID(c.UserContext(), userID)
	if err != nil {
		return err
	}
	if err := a.startSession(c, u); err != nil {
		return err
	}
	return a.redirect(c, "/", "flash.signed_up")
}
