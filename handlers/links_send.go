package handlers

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
	"praksis/mail"
)

// Mailing a supervisor a one-click link, asked for by the employer or the
// adviser on the agreement's page.

// sendLink mails the agreement's supervisor a one-click link, through the
// outbox in the same transaction as the token and the audit row. The
// mail's language is the supervisor's account's, if the address has one.
func (a *App) sendLink(c *fiber.Ctx, ag db.Agreement, purpose string, pl linkPayload, vars map[string]string) error {
	ctx := c.UserContext()
	var err error
	if pl.Lang, err = a.localeOf(ctx, ag.SupervisorEmail); err != nil {
		return err
	}
	days := a.store.AgreementRules().LinkDays
	vars["Days"] = strconv.Itoa(days)
	// The mail names the placement: a supervisor may have several.
	vars["Placement"], vars["Org"] = ag.PlacementTitle, ag.OrgName
	payload := map[string]any{"lang": pl.Lang}
	what := pl.Week
	if pl.Week != "" {
		payload["week"] = pl.Week
	}
	if pl.Phase != "" {
		payload["phase"], what = pl.Phase, pl.Phase
	}
	token, err := db.NewToken()
	if err != nil {
		return err
	}
	// A fresh token each time: asking twice mails twice, while the
	// same transaction, retried, queues one mail.
	key := fmt.Sprintf("%s:%d:%s:%s", purpose, ag.ID, what, hex.EncodeToString(db.HashToken(token))[:16])
	d := mail.Data{FirstName: mail.FirstName(ag.SupervisorName), Link: a.mail.Link("/l/" + token), Vars: vars}
	m, err := a.mail.Render(purpose, pl.Lang, ag.SupervisorEmail, key, d)
	if err != nil {
		return err
	}
	m.About = []int64{ag.ParticipantID}
	l := db.AgreementLink{Token: token, Purpose: purpose, AgreementID: ag.ID, Email: ag.SupervisorEmail, Payload: payload,
		TTL: time.Duration(days) * 24 * time.Hour}
	err = a.store.SendAgreementLink(ctx, l, m, db.LinkWriter{UserID: session(c).User.ID, Today: a.today(), IP: clientIP(c)})
	if err != nil {
		return err
	}
	a.wakeMail()
	return nil
}

// linkSender loads the agreement for someone who may mail its supervisor
// a link: the employer with access, or the participant's adviser.
func (a *App) linkSender(c *fiber.Ctx) (db.Agreement, error) {
	ag, err := a.employerAgreement(c)
	if err != nil {
		return ag, err
	}
	if ag.SupervisorEmail == "" {
		return ag, errStatus(fiber.StatusConflict, "attendance.no_supervisor")
	}
	if !ag.OrgApproved {
		// The organisation was rejected: the link would answer 410.
		return ag, errStatus(fiber.StatusConflict, "agreements.org_withdrawn_heading")
	}
	return ag, nil
}

// attendanceLinkSend is POST /agreements/:id/attendance-link: mail the
// supervisor a link to log the chosen week.
func (a *App) attendanceLinkSend(c *fiber.Ctx) error {
	ag, err := a.linkSender(c)
	if err != nil {
		return err
	}
	week := c.FormValue("week")
	monday, ok := parseMonday(week)
	if !ok {
		if !ag.Loggable() {
			return errStatus(fiber.StatusConflict, "attendance.not_open")
		}
		return errStatus(fiber.StatusUnprocessableEntity, "attendance.bad_week")
	}
	if status, msgID := weekProblem(ag, monday, a.today()); status != 0 {
		return errStatus(status, msgID)
	}
	_, n := monday.ISOWeek()
	if err := a.sendLink(c, ag, db.PurposeAttendance, linkPayload{Week: week}, map[string]string{"Week": strconv.Itoa(n)}); err != nil {
		return err
	}
	return a.redirect(c, fmt.Sprintf("/agreements/%d", ag.ID), "flash.attendance_link_sent")
}

// evaluationLinkSend is POST /agreements/:id/evaluation-link: mail the
// supervisor a single-use link to evaluate the chosen phase.
func (a *App) evaluationLinkSend(c *fiber.Ctx) error {
	ag, err := a.linkSender(c)
	if err != nil {
		return err
	}
	phase := c.FormValue("phase")
	if !Contains(db.EvaluationPhases, phase) {
		if !ag.Loggable() {
			return errStatus(fiber.StatusConflict, "evaluation.not_open")
		}
		return errStatus(fiber.StatusUnprocessableEntity, "evaluation.bad_phase")
	}
	status, msgID, err := a.phaseProblem(c, ag, phase)
	if err != nil {
		return err
	}
	if status != 0 {
		return errStatus(status, msgID)
	}
	// The mail template names the phase in the supervisor's language.
	vars := map[string]string{"Phase": phase}
	if err := a.sendLink(c, ag, db.PurposeEvaluation, linkPayload{Phase: phase}, vars); err != nil {
		return err
	}
	return a.redirect(c, fmt.Sprintf("/agreements/%d", ag.ID), "flash.evaluation_link_sent")
}
