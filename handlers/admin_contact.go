package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

type adminContactPage struct {
	Page
	Contact db.ProgrammeContact
	Form    Form
}

// adminContact shows the programme's contact details, which the mails
// about an organisation's approval or rejection and a rejected
// organisation's pages give.
func (a *App) adminContact(c *fiber.Ctx) error {
	p := adminContactPage{Page: a.newPage(c, "admin.contact.title"), Form: newForm()}
	var err error
	if p.Contact, err = a.store.ProgrammeContact(c.UserContext()); err != nil {
		return err
	}
	p.Form.Values["name"], p.Form.Values["email"], p.Form.Values["phone"] = p.Contact.Name, p.Contact.Email, p.Contact.Phone
	return a.render(c, fiber.StatusOK, "admin/contact", &p)
}

// adminContactSave stores them (audited): a name, an e-mail address and
// optionally a phone number.
func (a *App) adminContactSave(c *fiber.Ctx) error {
	p := adminContactPage{Page: a.newPage(c, "admin.contact.title"), Form: newForm()}
	f := &p.Form
	for _, k := range []string{"name", "email", "phone"} {
		f.Values[k] = strings.TrimSpace(c.FormValue(k))
	}
	f.Required("name", 200)
	f.Check(f.Values["email"] != "", "email", "form.required")
	f.Check(ValidEmail(f.Values["email"]), "email", "form.email_invalid")
	f.Check(validPhone(f.Values["phone"]), "phone", "admin.contact.phone_invalid")
	if !f.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "admin/contact", &p)
	}
	in := db.ProgrammeContact{Name: f.Values["name"], Email: f.Values["email"], Phone: f.Values["phone"]}
	if err := a.store.SetProgrammeContact(c.UserContext(), in, session(c).User.ID, clientIP(c)); err != nil {
		return err
	}
	return a.redirect(c, "/admin/contact", "flash.contact_saved")
}
