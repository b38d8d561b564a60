package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// routes is the one route table: reading it tells the whole surface,
// grouped by who may call it. Every route here has a row in the
// authorisation matrix test (routes_test.go).
func (a *App) routes() {
	r := a.fiber
	r.Get("/healthz", a.healthz)
	r.Get("/readyz", a.readyz)
	r.Get("/metrics", a.metricsPage) // open in development; loopback or METRICS_TOKEN in production
	r.Get("/static/:version/*", a.assets.serve)

	r.Use(a.loadSession, a.loadParticipant, a.checkCSRF, a.checkText)

	// Everyone, signed in or not.
	r.Get("/", a.home)
	r.Get("/login", a.loginForm)
	r.Post("/login", a.login)
	// Single sign-on (oidc.go): a link on /login starts here and goes to
	// the provider (a link, not a form: CSP's form-action would refuse the
	// redirect to another site); the provider sends the browser back to
	// the callback. Both are GETs that write nothing to the database but
	// the session at the end, guarded by the state in a signed cookie.
	r.Get("/login/oidc/:provider", a.ssoStart)
	r.Get("/login/oidc/:provider/callback", a.ssoCallback)
	// The second factor after a right password (mfa.go): only with the
	// half-authenticated cookie, which is no session of any role.
	r.Get("/login/mfa", a.mfaForm)
	r.Post("/login/mfa", a.mfaVerify)
	r.Get("/login/mfa/setup", a.mfaSetupForm)
	r.Post("/login/mfa/setup", a.mfaSetupConfirm)
	// Passkeys (passkeys.go, static/js/passkeys.js): a sign-in on its own,
	// or the second factor after a password.
	r.Post("/login/passkey/options", a.passkeysOn, a.passkeyLoginOptions)
	r.Post("/login/passkey", a.passkeysOn, a.passkeyLogin)
	r.Get("/signup", a.signupForm)
	r.Post("/signup", a.limit("signup", a.cfg.SignupMaxPerIP, time.Hour), a.signup)
	r.Get("/signup/sent", a.signupSent)
	r.Post("/lang", a.setLanguage)
	r.Get("/password/forgot", a.forgotForm)
	r.Post("/password/forgot", a.limit("reset", a.cfg.ResetMaxPerIP, time.Hour), a.forgot)
	r.Get("/l/:token", a.linkShow)
	r.Post("/l/:token", a.linkUse)

	// Any signed-in user.
	r.Post("/logout", a.requireUser, a.logout)
	r.Get("/password", a.requireUser, a.passwordForm)
	r.Post("/password", a.requireUser, a.passwordChange)
	// Their own reminder choices (the digest of the reminders job).
	r.Get("/settings/reminders", a.requireUser, a.reminderPrefsForm)
	r.Post("/settings/reminders", a.requireUser, a.reminderPrefsSave)
	// Their own second factors (security.go).
	r.Get("/settings/security", a.requireUser, a.securityShow)
	r.Post("/settings/totp/new", a.requireUser, a.totpStart)
	r.Get("/settings/totp", a.requireUser, a.totpSettingsForm)
	r.Post("/settings/totp", a.requireUser, a.totpSettingsConfirm)
	r.Post("/settings/passkeys/options", a.requireUser, a.passkeysOn, a.passkeyRegisterOptions)
	r.Post("/settings/passkeys", a.requireUser, a.passkeysOn, a.passkeyRegister)

	// Employers: their own organisation.
	// Its page stays open to a rejected organisation's employers: it says
	// their access was withdrawn and whom to contact (requireRole refuses
	// them everywhere else).
	r.Get("/organisation", a.requireOwnOrganisation(), a.organisationShow)
	r.Post("/organisation/invite", a.requireRole(db.RoleEmployer), a.limit("invite", inviteMaxPerIP, inviteWindow), a.organisationInvite)

	// Placements: employers manage their own; advisers search published
	// ones; admins see all and can take one down.
	r.Get("/placements", a.requireRole(db.RoleEmployer, db.RoleAdviser, db.RoleAdmin), a.placementsIndex)
	r.Get("/placements/new", a.requireRole(db.RoleEmployer), a.placementNew)
	r.Post("/placements", a.requireRole(db.RoleEmployer), a.placementCreate)
	r.Post("/placements/validate", a.requireRole(db.RoleEmployer), a.placementValidate)
	r.Get("/placements/:id", a.requireRole(db.RoleEmployer, db.RoleAdviser, db.RoleAdmin), a.placementShow)
	r.Get("/placements/:id/edit", a.requireRole(db.RoleEmployer), a.placementEdit)
	r.Post("/placements/:id", a.requireRole(db.RoleEmployer), a.placementUpdate)
	for _, action := range []string{"publish", "pause", "resume", "close", "reopen"} {
		r.Post("/placements/:id/"+action, a.requireRole(db.RoleEmployer), a.placementMove(action))
	}
	r.Post("/placements/:id/duplicate", a.requireRole(db.RoleEmployer), a.placementDuplicate)
	r.Post("/placements/:id/unpublish", a.requireRole(db.RoleAdmin), a.placementUnpublish)
	r.Post("/placements/:id/republish", a.requireRole(db.RoleAdmin), a.placementRepublish)

	// Participants: an adviser's caseload; NAV users see those linked to
	// them (and add notes); admins see all, reassign and read the audit.
	staff := a.requireRole(db.RoleAdviser, db.RoleNAV, db.RoleAdmin)
	adviser := a.requireRole(db.RoleAdviser)
	r.Get("/participants", staff, a.participantsIndex)
	// Exports of the caseload with progress and of a month's attendance
	// (for NIR): the adviser's caseload, everyone for admins. Above the
	// :id routes, which would take "export.csv" for an id.
	exporter := a.requireRole(db.RoleAdviser, db.RoleAdmin)
	r.Get("/participants/export.csv", exporter, a.caseloadExport(formatCSV))
	r.Get("/participants/export.xlsx", exporter, a.caseloadExport(formatXLSX))
	r.Get("/agreements/attendance-export.csv", exporter, a.attendanceExport(formatCSV))
	r.Get("/agreements/attendance-export.xlsx", exporter, a.attendanceExport(formatXLSX))
	// NAV's hand-over list as a file (it is on NAV's dashboard too).
	r.Get("/handover.csv", a.requireRole(db.RoleNAV), a.handoverExport(formatCSV))
	r.Get("/handover.xlsx", a.requireRole(db.RoleNAV), a.handoverExport(formatXLSX))
	r.Get("/participants/new", adviser, a.participantNew)
	r.Post("/participants", adviser, a.participantCreate)
	r.Get("/participants/:id", staff, a.participantShow)
	r.Get("/participants/:id/edit", adviser, a.participantEdit)
	r.Post("/participants/:id", adviser, a.participantUpdate)
	r.Post("/participants/:id/results", adviser, a.participantResult)
	r.Post("/participants/:id/outcomes", adviser, a.participantOutcome)
	r.Post("/participants/:id/notes", a.requireRole(db.RoleAdviser, db.RoleNAV), a.participantNote)
	r.Post("/participants/:id/reassign", a.requireRole(db.RoleAdmin), a.participantReassign)
	r.Get("/participants/:id/audit", a.requireRole(db.RoleAdmin), a.participantAudit)
	// The adviser's alone: "same municipality" would tell others where a
	// person with a protected address lives.
	r.Get("/participants/:id/suggestions", adviser, a.participantSuggestions)
	r.Post("/participants/:id/proposals", adviser, a.proposalCreate)
	// Privacy (issue 15): what the participant shares with whom, their
	// protected-address grade and the classification of their absence
	// are the adviser's alone; the answer to an access request (innsyn)
	// is the adviser's and the admin's.
	r.Get("/participants/:id/consent", adviser, a.consentShow)
	r.Post("/participants/:id/consent", adviser, a.consentGive)
	r.Post("/participants/:id/consent/:org/withdraw", adviser, a.consentWithdraw)
	r.Post("/participants/:id/protection", adviser, a.protectionSet)
	r.Get("/participants/:id/absence", adviser, a.absenceShow)
	r.Post("/participants/:id/absence", adviser, a.absenceClassify)
	r.Get("/participants/:id/innsyn", exporter, a.innsynShow)
	r.Get("/participants/:id/innsyn.json", exporter, a.innsynJSON)
	// The integration plan: the adviser of the caseload edits; the linked
	// NAV user and admins read (participantFor scopes every one of them).
	r.Get("/participants/:id/plan", staff, a.planShow)
	r.Post("/participants/:id/plan", adviser, a.planSave)
	r.Post("/participants/:id/plan/reviews", adviser, a.planReviewCreate)
	r.Post("/participants/:id/leave", adviser, a.leaveCreate)
	r.Post("/participants/:id/extensions", adviser, a.extensionCreate)

	// The participant's own pages (issue 16): with PARTICIPANT_AREA on,
	// a participant signs in with a one-time link or code from their
	// adviser into a session of their own (participant_access.go) and sees
	// only their own data (participant_pages.go); every route here is 404
	// with the area off, and to staff. The adviser invites from the
	// profile and ends every session ("sign out everywhere").
	me := a.requireParticipant
	r.Get("/me/login", a.areaOn, a.meLoginForm)
	r.Post("/me/login", a.areaOn, a.meLogin)
	r.Get("/me/l/:token", a.areaOn, a.meLinkShow)
	r.Post("/me/l/:token", a.areaOn, a.meLinkUse)
	r.Post("/me/lang", a.areaOn, a.meLanguage)
	r.Get("/me", me, a.meProgramme)
	r.Get("/me/placement", me, a.mePlacement)
	r.Get("/me/placement.ics", me, a.mePlacementICS)
	r.Get("/me/attendance", me, a.meAttendance)
	r.Get("/me/consent", me, a.meConsent)
	r.Post("/me/consent/:org/withdraw", me, a.meConsentWithdraw)
	r.Post("/me/consent/:org/give", me, a.meConsentGive)
	r.Get("/me/data", me, a.meData)
	r.Get("/me/reminders", me, a.meReminders)
	r.Post("/me/reminders", me, a.meRemindersSave)
	r.Post("/me/logout", me, a.meLogout)
	r.Post("/participants/:id/access/link", adviser, a.areaOn, a.participantAccessLink)
	r.Post("/participants/:id/access/code", adviser, a.areaOn, a.participantAccessCode)
	r.Post("/participants/:id/access/end", adviser, a.areaOn, a.participantAccessEnd)

	// Proposals: the employer answers the adviser's proposals; the
	// adviser (their caseload's) and the admin (all) follow them up on the
	// same address (proposals_list.go). Not NAV: proposing is the
	// adviser's work.
	employer := a.requireRole(db.RoleEmployer)
	r.Get("/proposals", a.requireRole(db.RoleEmployer, db.RoleAdviser, db.RoleAdmin), a.proposalsIndex)
	r.Get("/proposals/:id", employer, a.proposalShow)
	r.Post("/proposals/:id/accept", employer, a.proposalAccept)
	r.Post("/proposals/:id/decline", employer, a.proposalDecline)

	// Attendance and evaluations: the employer of the agreement's
	// organisation (access not ended) logs weeks and evaluates; the
	// employer or the participant's adviser mails the supervisor a
	// one-click link (answered at /l/:token).
	r.Get("/agreements/:id/attendance/:week", employer, a.attendanceWeek)
	r.Post("/agreements/:id/attendance/:week", employer, a.attendanceSave)
	r.Get("/agreements/:id/evaluations/:phase", employer, a.evaluationForm)
	r.Post("/agreements/:id/evaluations/:phase", employer, a.evaluationSave)
	r.Post("/agreements/:id/attendance-link", a.requireRole(db.RoleEmployer, db.RoleAdviser), a.attendanceLinkSend)
	r.Post("/agreements/:id/evaluation-link", a.requireRole(db.RoleEmployer, db.RoleAdviser), a.evaluationLinkSend)

	// Agreements: the employer of the organisation, the participant's
	// adviser, the linked NAV user (read) and admins (read). Both parties
	// edit the steps; each approves for themselves; the adviser records
	// the participant's consent and the follow-ups.
	parties := a.requireRole(db.RoleEmployer, db.RoleAdviser)
	everyone := a.requireRole(db.RoleEmployer, db.RoleAdviser, db.RoleNAV, db.RoleAdmin)
	r.Get("/agreements", everyone, a.agreementsIndex)
	r.Get("/agreements/:id", everyone, a.agreementShow)
	r.Get("/agreements/:id/summary", everyone, a.agreementSummary)
	r.Get("/agreements/:id/steps/:step", parties, a.agreementStep)
	r.Post("/agreements/:id/steps/:step", parties, a.agreementStepSave)
	r.Post("/agreements/:id/approve", parties, a.agreementApprove)
	r.Post("/agreements/:id/consent", adviser, a.agreementConsent)
	// NAV's measures are NAV's decision: the linked NAV user approves or
	// refuses (issue 14).
	r.Post("/agreements/:id/nav", a.requireRole(db.RoleNAV), a.agreementNAV)
	r.Post("/agreements/:id/cancel", parties, a.agreementCancel)
	r.Post("/agreements/:id/end", parties, a.agreementEnd)
	r.Post("/agreements/:id/follow-ups", adviser, a.agreementFollowUp)

	// The KPI page: admins see the municipality, advisers their own
	// caseload. Registered before the /admin group, whose admin-only
	// check would otherwise stop advisers (the matrix test guards this).
	r.Get("/admin/kpi", a.requireRole(db.RoleAdmin, db.RoleAdviser), a.kpiShow)

	// Admins.
	admin := r.Group("/admin", a.requireRole(db.RoleAdmin))
	admin.Get("/organisations", a.adminOrganisations)
	admin.Post("/organisations/:id/approve", a.adminOrganisationApprove)
	admin.Post("/organisations/:id/reject", a.adminOrganisationReject)
	admin.Get("/contact", a.adminContact)
	admin.Post("/contact", a.adminContactSave)
	admin.Get("/users", a.adminUsers)
	admin.Post("/users", a.adminUserCreate)
	admin.Post("/users/:id/disable", a.adminUserDisable)
	admin.Post("/users/:id/enable", a.adminUserEnable)
	admin.Post("/users/invite", a.adminUserInvite)
	admin.Post("/users/:id/mfa-reset", a.adminFactorsReset)
	admin.Get("/outbox", a.adminOutbox)
	admin.Get("/outbox/:id", a.adminMail)
	admin.Get("/outbox/:id/html", a.adminMailHTML)
	admin.Post("/outbox/:id/retry", a.adminMailRetry)
	admin.Get("/jobs", a.adminJobs)
	admin.Post("/jobs/:name/run", a.adminJobRun)
	admin.Get("/reminders", a.adminReminders)
	admin.Post("/reminders", a.adminRemindersSave)
	// Archive bundles before anonymisation (issue 15).
	admin.Get("/archive", a.adminArchive)
	admin.Get("/archive/:id", a.adminArchiveDownload)
	admin.Post("/archive/:id/anonymise", a.adminArchiveAnonymise)
	admin.Get("/rules", a.adminRules)
	admin.Post("/rules/preview", a.adminRulePreview)
	admin.Post("/rules", a.adminRuleCreate)
	admin.Post("/rules/measure", a.adminMeasureRuleCreate)

	r.Use(func(*fiber.Ctx) error { return errStatus(fiber.StatusNotFound, "error.not_found") })
}
