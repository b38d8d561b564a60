package handlers

import (
	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// The participant's own reminders (issue 16): "your placement starts
// tomorrow" (with the calendar file) and "a plan review is coming", by
// e-mail to the address the adviser recorded. On by default once there is
// an address; the participant turns them off and on here, and the adviser
// sees the choice on the profile (partials/participants/access_card).

type meRemindersPage struct {
	mePage
	R     db.MyReminders
	Error string
}

func (a *App) meReminders(c *fiber.Ctx) error {
	r, err := a.store.MyRemindersOf(c.UserContext(), participantSession(c).ParticipantID)
	if err != nil {
		return err
	}
	if err := a.meAudit(c, "reminders"); err != nil {
		return err
	}
	p := meRemindersPage{mePage: a.newMePage(c, "me.reminders.title"), R: r}
	return a.renderMe(c, fiber.StatusOK, "reminders", &p)
}

// meRemindersSave takes "on" or "off"; anything else changes nothing and
// asks again, in the participant's language.
func (a *App) meRemindersSave(c *fiber.Ctx) error {
	id := participantSession(c).ParticipantID
	choice := c.FormValue("reminders")
	if choice != "on" && choice != "off" {
		r, err := a.store.MyRemindersOf(c.UserContext(), id)
		if err != nil {
			return err
		}
		p := meRemindersPage{mePage: a.newMePage(c, "me.reminders.title"), R: r, Error: "me.reminders.bad"}
		return a.renderMe(c, fiber.StatusUnprocessableEntity, "reminders", &p)
	}
	if err := a.store.SetMyReminders(c.UserContext(), id, choice == "on", clientIP(c)); err != nil {
		return err
	}
	a.setMeFlash(c, "me.reminders.saved_"+choice)
	return a.redirect(c, "/me/reminders", "")
}
