package handlers

import (
	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// protectionSet records the participant's protected-address grade (the
// adviser's alone; audited by the store). Setting kode 6 withdraws the
// open proposals: the page then names them, and the agreements still
// open, and says plainly that the placement is handled outside the portal.
func (a *App) protectionSet(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	grade := c.FormValue("protection")
	if !Contains(db.Protections, grade) {
		p, err := a.consentPageFor(c, pt)
		if err != nil {
			return err
		}
		p.FormName = "protection"
		p.Form.Values["protection"] = ""
		p.Form.Check(false, "protection", "form.choose")
		return a.render(c, fiber.StatusUnprocessableEntity, "participants/consent", &p)
	}
	ch, err := a.store.SetProtection(c.UserContext(), pt.ID, session(c).User.ID, grade, clientIP(c))
	if err != nil {
		return err
	}
	if grade != db.ProtectionKode6 {
		return a.redirect(c, consentPath(pt.ID), "flash.protection_saved")
	}
	out := &privacyOutcome{Kind: "kode6"}
	if err := a.fillOutcome(c, pt.ID, out, ch.ProposalsWithdrawn, ch.AgreementsOpen); err != nil {
		return err
	}
	return a.consentOutcome(c, pt, out)
}
