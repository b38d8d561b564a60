package handlers

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

type adminUsersPage struct {
	Page
	RoleFilter  string
	Query       string
	Users       []db.User
	Form        Form
	CreateRoles []string
	// Created is set once, right after an account is made, with its
	// one-time password; it is never stored or shown again.
	Created         *db.User
	CreatedPassword string
}

// userRow is one row of the users table.
type userRow struct {
	*Page
	U db.User
}

func newUserRow(p pager, u db.User) userRow { return userRow{Page: p.page(), U: u} }

// Admins create staff accounts; employers sign up or are invited.
var createRoles = []string{db.RoleAdviser, db.RoleNAV, db.RoleAdmin}

func (a *App) usersPage(c *fiber.Ctx) (adminUsersPage, error) {
	p := adminUsersPage{Page: a.newPage(c, "admin.users.title"), Form: newForm(), CreateRoles: createRoles}
	p.Form.Values["locale"] = p.Locale // new accounts speak the admin's language unless chosen otherwise
	p.RoleFilter = c.Query("role")
	if !Contains(db.Roles, p.RoleFilter) {
		p.RoleFilter = ""
	}
	p.Query = truncateRunes(strings.TrimSpace(c.Query("q")), 100)
	var err error
	p.Users, err = a.store.Users(c.UserContext(), p.RoleFilter, p.Query)
	return p, err
}

func (a *App) adminUsers(c *fiber.Ctx) error {
	p, err := a.usersPage(c)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "admin/users", &p)
}

// adminUserCreate makes an adviser, NAV or admin account with a one-time
// password that the admin hands over; the person must change it at once.
func (a *App) adminUserCreate(c *fiber.Ctx) error {
	p, err := a.newUserForm(c)
	if err != nil {
		return err
	}
	f := &p.Form
	if !f.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "admin/users", &p)
	}
	password := db.RandomPassword()
	hash, err := db.HashPassword(password)
	if err != nil {
		return err
	}
	id, err := a.store.CreateUser(c.UserContext(), db.NewUser{Email: f.Values["email"], Name: f.Values["name"],
		Role: f.Values["role"], Locale: f.Values["locale"], PasswordHash: hash, MustChangePassword: true})
	if errors.Is(err, db.ErrConflict) {
		f.Check(false, "email", "admin.users.email_taken")
		return a.render(c, fiber.StatusUnprocessableEntity, "admin/users", &p)
	} else if err != nil {
		return err
	}
	if err := a.store.Audit(c.UserContext(), session(c).User.ID, "user.create", "user", id, clientIP(c)); err != nil {
		return err
	}
	u, err := a.store.UserByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	p.Created, p.CreatedPassword, p.Form = &u, password, newForm()
	if p.Users, err = a.store.Users(c.UserContext(), p.RoleFilter, p.Query); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "admin/users", &p)
}

// newUserForm reads and checks the new-user form shared by creating with a
// one-time password and inviting by e-mail.
func (a *App) newUserForm(c *fiber.Ctx) (adminUsersPage, error) {
	p, err := a.usersPage(c)
	if err != nil {
		return p, err
	}
	f := &p.Form
	for _, k := range []string{"name", "email", "role", "locale"} {
		f.Values[k] = strings.TrimSpace(c.FormValue(k))
	}
	f.Required("name", 200)
	f.Check(f.Values["email"] != "", "email", "form.required")
	f.Check(ValidEmail(f.Values["email"]), "email", "form.email_invalid")
	f.Check(Contains(createRoles, f.Values["role"]), "role", "form.choose")
	if !validLocale(f.Values["locale"]) {
		f.Values["locale"] = Locales[0]
	}
	return p, nil
}

// adminUserInvite invites an adviser, NAV counsellor or admin by e-mail;
// the account is made when they follow the link and choose a password.
func (a *App) adminUserInvite(c *fiber.Ctx) error {
	p, err := a.newUserForm(c)
	if err != nil {
		return err
	}
	f := &p.Form
	if f.Valid() {
		err = a.invite(c, f.Values["email"], invitePayload{Role: f.Values["role"], Name: f.Values["name"], Lang: f.Values["locale"]}, "", false)
		if errors.Is(err, db.ErrConflict) {
			f.Check(false, "email", "admin.users.email_taken")
		} else if err != nil {
			return err
		}
	}
	if !f.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "admin/users", &p)
	}
	return a.redirect(c, "/admin/users", "flash.invited")
}

func (a *App) adminUserDisable(c *fiber.Ctx) error { return a.setUserDisabled(c, true) }
func (a *App) adminUserEnable(c *fiber.Ctx) error  { return a.setUserDisabled(c, false) }

// setUserDisabled disables (ending every session at once) or re-enables an
// account. An admin cannot disable themselves and lock everyone out.
func (a *App) setUserDisabled(c *fiber.Ctx, disabled bool) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	me := session(c).User.ID
	if disabled && id == me {
		return errStatus(fiber.StatusConflict, "admin.users.not_self")
	}
	u, err := a.store.SetDisabled(c.UserContext(), id, me, disabled, clientIP(c))
	if err != nil {
		return err
	}
	flash := "flash.user_enabled"
	if disabled {
		flash = "flash.user_disabled"
	}
	return a.rowAnswer(c, "/admin/users", "admin.users.title", flash, u.Name, "admin/user_row",
		func(p *Page) any { return newUserRow(p, u) })
}
