package handlers

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// agreementApprove records the employer's or the adviser's approval of
// the version on their screen.
func (a *App) agreementApprove(c *fiber.Ctx) error {
	ag, err := a.agreementFor(c)
	if err != nil {
		return err
	}
	if err := a.employerCut(c, ag); err != nil {
		return err
	}
	who := a.actor(c)
	who.DutiesConfirmed = c.FormValue("duties_confirmed") == "yes"
	// The mail to the other side is rendered first and queued in the
	// approval's transaction: it goes out exactly when the approval holds.
	m, err := a.approvalMail(c, ag.ID, lockVersion(c))
	if err != nil {
		return err
	}
	err = a.store.Approve(c.UserContext(), ag.ID, lockVersion(c), who, m)
	if errors.Is(err, db.ErrAwaitingNAV) {
		return errStatus(fiber.StatusConflict, "agreements.nav_first")
	}
	if err != nil {
		return a.refuseChange(c, err, newForm(), "approve")
	}
	a.wakeMail()
	return a.redirect(c, agreementPath(ag.ID), "flash.agreement_approved")
}

// agreementNAV records the linked NAV user's decision on an agreement on
// a NAV measure: approve (past the ordinary maximum only with a
// reduced-capacity reason) or refuse with a reason the adviser sees. A
// NAV user not linked to the participant does not see the agreement (404).
func (a *App) agreementNAV(c *fiber.Ctx) error {
	ag, err := a.agreementFor(c)
	if err != nil {
		return err
	}
	f := newForm()
	decision := c.FormValue("decision")
	f.Values["decision"] = decision
	f.Values["reason"] = strings.TrimSpace(c.FormValue("reason"))
	f.Values["reduced_capacity_reason"] = strings.TrimSpace(c.FormValue("reduced_capacity_reason"))
	f.Check(decision == "approve" || decision == "refuse", "decision", "form.choose")
	if !f.Valid() {
		return a.refuseChange(c, nil, f, "nav")
	}
	err = a.store.NAVDecide(c.UserContext(), ag.ID, lockVersion(c), session(c).User.ID, db.NAVDecision{Approve: decision == "approve",
		Reason: f.Values["reason"], ReducedCapacityReason: f.Values["reduced_capacity_reason"]}, clientIP(c))
	var fe *db.FieldError
	switch {
	case errors.As(err, &fe):
		field := fe.Field
		if field == "end_date" {
			field = "decision" // the dates are not NAV's to edit: the message goes beside the decision
		}
		f.Check(false, field, fe.Code)
		return a.refuseChange(c, nil, f, "nav")
	case errors.Is(err, db.ErrNotFound):
		return err
	case err != nil:
		return a.refuseChange(c, err, f, "nav")
	}
	return a.redirect(c, agreementPath(ag.ID), "flash.nav_"+decision)
}

func agreementPath(id int64) string { return "/agreements/" + strconv.FormatInt(id, 10) }

// agreementConsent records the participant's consent, by the adviser: in
// person, or on their behalf with a reason (no BankID, low digital
// skills, other — "other" needs a note).
func (a *App) agreementConsent(c *fiber.Ctx) error {
	ag, err := a.agreementFor(c)
	if err != nil {
		return err
	}
	f := newForm()
	mode, reason := c.FormValue("mode"), c.FormValue("reason")
	f.Values["mode"], f.Values["reason"], f.Values["consent_note"] = mode, reason, strings.TrimSpace(c.FormValue("consent_note"))
	f.Check(mode == "in_person" || mode == "on_behalf", "mode", "form.choose")
	var why *string
	if mode == "on_behalf" {
		f.Check(Contains(db.ConsentReasons, reason), "reason", "form.choose")
		why = &reason
		f.Check(reason != "other" || f.Values["consent_note"] != "", "consent_note", "agreements.consent_note_needed")
	}
	f.Check(utf8.RuneCountInString(f.Values["consent_note"]) <= 500, "consent_note", "form.too_long")
	if !f.Valid() {
		return a.refuseChange(c, nil, f, "consent")
	}
	if err := a.store.RecordConsent(c.UserContext(), ag.ID, lockVersion(c), a.actor(c), mode, why, f.Values["consent_note"]); err != nil {
		return a.refuseChange(c, err, f, "consent")
	}
	return a.redirect(c, agreementPath(ag.ID), "flash.agreement_consent")
}

// agreementCancel cancels an agreement that has not started, with a note.
func (a *App) agreementCancel(c *fiber.Ctx) error {
	ag, err := a.agreementFor(c)
	if err != nil {
		return err
	}
	if err := a.employerCut(c, ag); err != nil {
		return err
	}
	switch ag.Status {
	case db.AgreementDraft, db.AgreementAwaiting, db.AgreementReady:
	default: // started, ended or cancelled: nothing to cancel
		return errStatus(fiber.StatusConflict, "agreements.not_now")
	}
	f := newForm()
	f.Values["note"] = strings.TrimSpace(c.FormValue("note"))
	f.Required("note", 1000)
	if !f.Valid() {
		return a.refuseChange(c, nil, f, "cancel")
	}
	if err := a.store.CancelAgreement(c.UserContext(), ag.ID, lockVersion(c), a.actor(c), f.Values["note"]); err != nil {
		return a.refuseChange(c, err, f, "cancel")
	}
	return a.redirect(c, agreementPath(ag.ID), "flash.agreement_cancelled")
}

// agreementEnd ends a running agreement early: the last day (between its
// start and today), a reason, and for "got a job" the kind of work, which
// is recorded as the participant's outcome as well.
func (a *App) agreementEnd(c *fiber.Ctx) error {
	ag, err := a.agreementFor(c)
	if err != nil {
		return err
	}
	if err := a.employerCut(c, ag); err != nil {
		return err
	}
	if ag.Status != db.AgreementRunning {
		return errStatus(fiber.StatusConflict, "agreements.not_now")
	}
	f := newForm()
	for _, k := range []string{"ended_on", "reason", "note", "job_kind"} {
		f.Values[k] = strings.TrimSpace(c.FormValue(k))
	}
	on := requiredDate(&f, "ended_on")
	today := a.today()
	if on != nil && ag.StartDate != nil {
		f.Check(!on.Before(*ag.StartDate), "ended_on", "agreements.end_before_start")
		f.Check(!on.After(today), "ended_on", "agreements.end_in_future")
	}
	f.Check(Contains(db.EndReasons, f.Values["reason"]), "reason", "form.choose")
	if f.Values["reason"] == "got_job" {
		f.Check(f.Values["job_kind"] == "work_full" || f.Values["job_kind"] == "work_part", "job_kind", "form.choose")
	}
	f.Check(f.Values["reason"] != "other" || f.Values["note"] != "", "note", "agreements.end_note_needed")
	f.Check(utf8.RuneCountInString(f.Values["note"]) <= 1000, "note", "form.too_long")
	if !f.Valid() {
		return a.refuseChange(c, nil, f, "end")
	}
	in := db.EndInput{On: *on, Reason: f.Values["reason"], Note: f.Values["note"], JobKind: f.Values["job_kind"]}
	if err := a.store.EndAgreement(c.UserContext(), ag.ID, lockVersion(c), a.actor(c), in); err != nil {
		return a.refuseChange(c, err, f, "end")
	}
	return a.redirect(c, agreementPath(ag.ID), "flash.agreement_ended")
}

// agreementFollowUp records a follow-up meeting (the participant's
// adviser); the next is then due after the agreement's cadence.
func (a *App) agreementFollowUp(c *fiber.Ctx) error {
	ag, err := a.agreementFor(c)
	if err != nil {
		return err
	}
	if ag.AdviserID != session(c).User.ID {
		return fiber.ErrNotFound
	}
	f := newForm()
	f.Values["held_on"], f.Values["notes"] = c.FormValue("held_on"), strings.TrimSpace(c.FormValue("notes"))
	with := f.List(c, "with")
	on := requiredDate(&f, "held_on")
	if on != nil {
		f.Check(!on.After(a.today()), "held_on", "agreements.follow_up_future")
	}
	ok := len(with) > 0
	for _, w := range with {
		ok = ok && Contains(db.FollowUpParties, w)
	}
	f.Check(ok, "with", "form.choose")
	f.Check(utf8.RuneCountInString(f.Values["notes"]) <= 4000, "notes", "form.too_long")
	if !f.Valid() {
		return a.refuseChange(c, nil, f, "follow_up")
	}
	if err := a.store.AddFollowUp(c.UserContext(), ag.ID, a.actor(c), *on, with, f.Values["notes"]); err != nil {
		return err
	}
	return a.redirect(c, agreementPath(ag.ID), "flash.follow_up_saved")
}

// logAgreementRead records that the agreement's data was shown: by the
// signed-in user, or (actor NULL, with the IP) through a one-click link.
func (a *App) logAgreementRead(c *fiber.Ctx, id int64) error {
	var actor int64
	if s := session(c); s != nil {
		actor = s.User.ID
	}
	return a.store.LogAgreementAccess(c.UserContext(), actor, id, "agreement.view", clientIP(c))
}
