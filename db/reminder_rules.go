package db

import (
	"strings"
	"time"

	"github.com/lib/pq"

	"praksis/calendar"
)

// The reminder rules, in the order a digest lists them. Each decides who
// is due in one set-based statement (reminderRules below).
const (
	RuleStarts          = "starts"           // 1: the agreement starts on the next working day
	RuleAttendance      = "attendance"       // 2: a week's attendance not logged
	RuleEvaluation      = "evaluation"       // 3: an evaluation phase due
	RuleFollowUp        = "follow_up"        // 4: a follow-up due, then overdue weekly
	RuleEnds            = "ends"             // 5: the agreement ends soon
	RuleProposal        = "proposal"         // 6: a proposal unanswered (to the employer)
	RuleProposalAdviser = "proposal_adviser" // 6: … still unanswered (to the adviser)
	RuleProgrammeEnd    = "programme_end"    // 7: the programme ends soon, goals not met
	RuleOrgWaiting      = "org_waiting"      // 8: an organisation awaits approval
	RulePlanReview      = "plan_review"      // 9: a plan review is due (to the adviser)
	RuleNAVAwaiting     = "nav_awaiting"     // 10: an agreement on a NAV measure awaits NAV (to the NAV user)
)

// ReminderRules lists every rule in digest order.
var ReminderRules = []string{RuleStarts, RuleAttendance, RuleEvaluation, RuleFollowUp, RuleEnds,
	RuleProposal, RuleProposalAdviser, RuleProgrammeEnd, RuleOrgWaiting, RulePlanReview, RuleNAVAwaiting}

// Who an item is for: one rule can go to several audiences.
const (
	AudienceSupervisor = "supervisor" // the agreement's supervisor (an account or only an address)
	AudienceEmployer   = "employer"   // the placement's supervisor or the organisation's employers
	AudienceAdviser    = "adviser"
	AudienceNAV        = "nav"
	AudienceAdmin      = "admin"
)

// MandatoryReminders are the rule:audience pairs the agreement requires,
// so nobody can switch them off: the supervisor is told the placement
// starts, that a week's attendance is missing and that an evaluation is
// due; the adviser that a follow-up is due (the agreement's follow-up
// plan). Everything else is optional (README, "Reminders").
var MandatoryReminders = []string{"starts:supervisor", "attendance:supervisor", "evaluation:supervisor", "follow_up:adviser"}

// OptionalReminderRules are the rules a user of a role may switch off, in
// digest order.
func OptionalReminderRules(role string) []string {
	switch role {
	case RoleEmployer:
		return []string{RuleEnds, RuleProposal}
	case RoleAdviser:
		return []string{RuleStarts, RuleEnds, RuleProposalAdviser, RuleProgrammeEnd, RulePlanReview}
	case RoleNAV:
		return []string{RuleProgrammeEnd, RuleNAVAwaiting}
	case RoleAdmin:
		return []string{RuleOrgWaiting}
	}
	return nil
}

// RequiredReminderRules are the rules a user of a role always gets.
func RequiredReminderRules(role string) []string {
	switch role {
	case RoleEmployer:
		return []string{RuleStarts, RuleAttendance, RuleEvaluation}
	case RoleAdviser:
		return []string{RuleFollowUp}
	}
	return nil
}

// ReminderWeekdays are the days (ISO, 1 = Monday) a person can choose to
// get digests on. Mail is held to office hours on weekdays anyway.
var ReminderWeekdays = []int{1, 2, 3, 4, 5}

// Every rule yields these columns (the "due" CTE); the prefs step adds
// locale, has_account and run_id.
const reminderItemColumns = `rule, subject_id, period, recipient, audience, recipient_name, locale, has_account,
	first_name, agreement_id, proposal_id, participant_id, org_id, title, org_name, on_date, week, phase`

// The rules run as ONE statement: the agreements they look at are read
// once (reminderAgreements), every rule's due items are one UNION ALL
// (due), and the recipients' choices, the recording in reminders_sent and
// the items come back together. At 100,000 participants the nine
// statements this replaced read the same 16,000 open agreements (10,000
// pages of a wide table) five times and looked up each candidate's
// recipient before knowing whether it was due: 1.1 s against 0.5 s now
// (docs/benchmarks.md).
//
// Parameters: $1 today, $2 its ISO weekday, $3 the run (0 in a preview),
// $4 the mandatory rule:audience pairs, then one per rule that has a
// threshold (reminderArgs): $5 rule 1's next working day, $6 rule 2's
// week, $7 rule 3's start weeks, $8 rule 5's days, $9 and $10 rule 6's
// cut-off instants, $11 rule 7's days, $12 rule 8's cut-off instant, $13
// rule 9's months.
func reminderArgs(today time.Time, set ReminderSettings, runID int64) []any {
	return []any{dateOnly(today), calendar.IsoWeekday(today), runID, pq.Array(MandatoryReminders),
		dateOnly(calendar.NextWorkday(today)),
		dateOnly(calendar.DueAttendanceWeek(today, set.AttendanceWeekday)),
		set.EvaluationStartWeeks,
		set.EndsWithinDays,
		calendar.OsloMidnight(calendar.WorkdaysBack(today, set.ProposalWorkingDays).AddDate(0, 0, 1)),
		calendar.OsloMidnight(calendar.WorkdaysBack(today, set.ProposalWorkingDays+set.ProposalAdviserDays).AddDate(0, 0, 1)),
		set.ProgrammeEndDays,
		calendar.OsloMidnight(today.AddDate(0, 0, 1-set.OrgWaitingDays)),
		set.PlanReviewMonths,
	}
}

// reminderAgreements are the agreements rules 1–5 look at, each read once
// with its status on $1, its title (the job title, else the placement's,
// looked up only then), organisation, participant's first name and
// adviser: those not cancelled that end at most two weeks before today
// (some 16,000 at 100,000 participants). Every agreement rule's window
// lies inside: an agreement ready to start ends after its start; the
// attendance week ($6) began at most 13 days ago; evaluations look two
// weeks back; follow-ups and "ends soon" need it running. The jobs index
// (migration 00012) holds all of it but the names, so the agreements are
// read by index alone (the pages vacuum has marked all-visible).
const reminderAgreements = `ag AS MATERIALIZED (
	SELECT ag.id, ag.participant_id, ag.start_date, ag.end_date, ag.ended_on, ag.days_per_week, ag.supervisor_email, ag.supervisor_name,
		ag.follow_up_weeks, ag.employer_access_until, agreement_status(ag, $1::date) AS status,
		coalesce(nullif(ag.job_title, ''), (SELECT pl.title FROM placements pl WHERE pl.id = ag.placement_id)) AS title,
		o.name AS org_name, o.approved_at IS NOT NULL AS org_approved,
		p.first_name, ad.email AS ad_email, ad.name AS ad_name, ad.disabled_at IS NULL AS ad_enabled
	FROM agreements ag
	JOIN organisations o ON o.id = ag.organisation_id
	JOIN participants p ON p.id = ag.participant_id
	JOIN users ad ON ad.id = p.adviser_id
	WHERE ag.cancelled_at IS NULL AND ag.end_date >= $1::date - 14)`

// reminderBoth sends an agreement item to its supervisor (unless the
// organisation has been rejected: it has no access any more) and its
// adviser.
const reminderBoth = `
CROSS JOIN LATERAL (VALUES ('supervisor', ag.supervisor_email, ag.supervisor_name, ag.org_approved),
	('adviser', ag.ad_email::text, ag.ad_name, ag.ad_enabled)) r(audience, email, name, enabled)`

// reminderEmployerOpen: the employer still sees the person and the
// organisation has not been rejected (a one-click link would be refused
// otherwise).
const reminderEmployerOpen = `(ag.org_approved AND (ag.employer_access_until IS NULL OR ag.employer_access_until >= $1::date))`

// reminderProposalFrom joins an open proposal pr to its placement pl,
// organisation o and participant p, each looked up by its key (OFFSET 0
// keeps them lookups: estimating some thousand open proposals, the planner
// would otherwise read all 100,000 participants and 25,000 placements to
// hash-join a few hundred).
const reminderProposalFrom = `
		CROSS JOIN LATERAL (SELECT pl.title, pl.organisation_id, pl.supervisor_email, pl.supervisor_name
			FROM placements pl WHERE pl.id = pr.placement_id OFFSET 0) pl
		CROSS JOIN LATERAL (SELECT o.name, o.approved_at FROM organisations o WHERE o.id = pl.organisation_id OFFSET 0) o
		CROSS JOIN LATERAL (SELECT p.id, p.first_name FROM participants p WHERE p.id = pr.participant_id OFFSET 0) p`

// reminderRule is one rule: its name and the SELECT of its due items.
type reminderRule struct {
	name string
	due  string
}

var reminderRules = []reminderRule{
	// 1. Ready to start on the next working day ($5; on a Friday: Saturday
	// to Monday, so a Monday start is announced before the weekend).
	{RuleStarts, `SELECT 'starts' AS rule, ag.id AS subject_id, ag.start_date::text AS period, r.email::citext AS recipient,
		r.audience, r.name AS recipient_name, ag.first_name, ag.id AS agreement_id, NULL::bigint AS proposal_id,
		ag.participant_id, NULL::bigint AS org_id, ag.title, ag.org_name, ag.start_date AS on_date, NULL::date AS week, '' AS phase
		FROM ag` + reminderBoth + `
		WHERE ag.start_date > $1::date AND ag.start_date <= $5::date AND ag.status = 'ready' AND r.enabled`},

	// 2. The due week ($6: the week of the latest attendance weekday on or
	// before today) holds a working day of the agreement within its dates
	// (attendance_week_due, migration 00024: the one definition the week
	// list uses too, so a week without one, e.g. the first of an agreement
	// starting on a Sunday, is never reminded about) and has no attendance
	// rows. It stays due until the next
	// attendance day, so a supervisor who gets digests on other days, or
	// a missed run, still gets it once. (NOT IN: the week's rows are one
	// range of the attendance day index, hashed once, instead of a probe
	// of the 6-million-row primary key per agreement.)
	{RuleAttendance, `SELECT 'attendance', ag.id, $6::date::text, ag.supervisor_email::citext,
		'supervisor', ag.supervisor_name, ag.first_name, ag.id, NULL::bigint,
		ag.participant_id, NULL::bigint, ag.title, ag.org_name, NULL::date, $6::date, ''
		FROM ag
		WHERE attendance_week_due(ag.start_date, least(ag.end_date, ag.ended_on), ag.days_per_week, $6::date)
		  AND ag.start_date <= $1::date AND ag.status IN ('running', 'ended') AND ` + reminderEmployerOpen + `
		  AND ag.id NOT IN (SELECT a.agreement_id FROM attendance a WHERE a.day >= $6::date AND a.day < $6::date + 7)`},

	// 3. Evaluation phases: start $7 weeks after the start, mid at
	// half-way, end in the last week; start and mid while it runs, the end
	// also up to two weeks after it ended. Due until the phase is filled in.
	{RuleEvaluation, `SELECT 'evaluation', ag.id, ph.phase, ag.supervisor_email::citext,
		'supervisor', ag.supervisor_name, ag.first_name, ag.id, NULL::bigint,
		ag.participant_id, NULL::bigint, ag.title, ag.org_name, ph.due_on, NULL::date, ph.phase
		FROM ag
		CROSS JOIN LATERAL (SELECT least(ag.end_date, coalesce(ag.ended_on, ag.end_date)) AS last_day) s
		CROSS JOIN LATERAL (VALUES ('start', ag.start_date + 7 * $7::int), ('mid', ag.start_date + (s.last_day - ag.start_date) / 2),
			('end', s.last_day - 6)) ph(phase, due_on)
		WHERE s.last_day >= $1::date - 14 AND ph.due_on <= $1::date
		  AND (ag.status = 'running' OR (ag.status = 'ended' AND ph.phase = 'end')) AND ` + reminderEmployerOpen + `
		  AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.agreement_id = ag.id AND e.phase = ph.phase)`},

	// 4. The next follow-up (the last one, or the start, plus the
	// agreement's cadence) is today or past: once per ISO week until held.
	{RuleFollowUp, `SELECT 'follow_up', ag.id, to_char($1::date, 'IYYY-"W"IW'), ag.ad_email,
		'adviser', ag.ad_name, ag.first_name, ag.id, NULL::bigint,
		ag.participant_id, NULL::bigint, ag.title, ag.org_name, nf.due_on, NULL::date, ''
		FROM ag
		CROSS JOIN LATERAL (SELECT coalesce(max(f.held_on), ag.start_date) + 7 * ag.follow_up_weeks AS due_on
			FROM follow_ups f WHERE f.agreement_id = ag.id) nf
		WHERE ag.end_date >= $1::date AND ag.start_date <= $1::date
		  AND ag.status = 'running' AND ag.ad_enabled AND nf.due_on <= $1::date`},

	// 5. A running agreement ends within $8 days (once per end date, so an
	// extension is announced again).
	{RuleEnds, `SELECT 'ends', ag.id, ag.end_date::text, r.email::citext,
		r.audience, r.name, ag.first_name, ag.id, NULL::bigint,
		ag.participant_id, NULL::bigint, ag.title, ag.org_name, ag.end_date, NULL::date, ''
		FROM ag` + reminderBoth + `
		WHERE ag.ended_on IS NULL AND ag.end_date >= $1::date AND ag.end_date <= $1::date + $8::int
		  AND ag.status = 'running' AND r.enabled`},

	// 6. A proposal made before $9 (so many working days ago) is still
	// open: to whom the proposal was mailed (the placement's supervisor,
	// else the organisation's employers).
	{RuleProposal, `SELECT 'proposal', pr.id, 'employer', r.email::citext,
		'employer', r.name, p.first_name, NULL::bigint, pr.id,
		p.id, pl.organisation_id, pl.title, o.name,
		(pr.created_at AT TIME ZONE 'Europe/Oslo')::date, NULL::date, ''
		FROM proposals pr` + reminderProposalFrom + `
		CROSS JOIN LATERAL (
			SELECT pl.supervisor_email AS email, pl.supervisor_name AS name WHERE pl.supervisor_email <> ''
			UNION ALL
			SELECT u.email::text, u.name FROM users u WHERE pl.supervisor_email = '' AND u.organisation_id = pl.organisation_id
				AND u.role = 'employer' AND u.disabled_at IS NULL) r
		WHERE pr.status = 'proposed' AND pr.created_at < $9::timestamptz AND o.approved_at IS NOT NULL`},

	// 6, then: still open $10 (so many more working days) → the adviser
	// who proposed.
	{RuleProposalAdviser, `SELECT 'proposal_adviser', pr.id, 'adviser', ad.email,
		'adviser', ad.name, p.first_name, NULL::bigint, pr.id,
		p.id, pl.organisation_id, pl.title, o.name,
		(pr.created_at AT TIME ZONE 'Europe/Oslo')::date, NULL::date, ''
		FROM proposals pr` + reminderProposalFrom + `
		JOIN users ad ON ad.id = pr.adviser_id
		WHERE pr.status = 'proposed' AND pr.created_at < $10::timestamptz AND ad.disabled_at IS NULL`},

	// 7. An active participant's programme ends within $11 days and the
	// one risk rule says they are at risk (participant_measure: no
	// progress or behind pace towards the plan's norskmål, or no work,
	// education or placement in place): to the adviser and the NAV
	// contact, once per programme end date, with the reason (phase).
	// The participants whose programme ends within the days are measured
	// in one call with their ids (its by-key branch), not one call each:
	// 3,278 at national scale, 876 against 312 ms on a fresh copy
	// (docs/benchmarks.md, "Reminders' rule 7 measured once").
	{RuleProgrammeEnd, `SELECT 'programme_end', p.id, p.programme_end::text, r.email::citext,
		r.audience, r.name, p.first_name, NULL::bigint, NULL::bigint,
		p.id, NULL::bigint, '', '', p.programme_end, NULL::date, m.risk_reason
		FROM participants p
		JOIN users ad ON ad.id = p.adviser_id
		LEFT JOIN users nv ON nv.id = p.nav_contact_id
		JOIN participant_measure($1::date, ARRAY(SELECT pe.id FROM participants pe WHERE pe.status = 'active'
			AND pe.programme_end >= $1::date AND pe.programme_end <= $1::date + $11::int)) m ON m.participant_id = p.id AND m.risk
		CROSS JOIN LATERAL (VALUES ('adviser', ad.email::text, ad.name, ad.disabled_at IS NULL),
			('nav', nv.email::text, nv.name, nv.id IS NOT NULL AND nv.disabled_at IS NULL)) r(audience, email, name, enabled)
		WHERE p.status = 'active' AND p.programme_end >= $1::date AND p.programme_end <= $1::date + $11::int AND r.enabled`},

	// 8. An organisation registered before $12 still awaits a decision:
	// every admin, once.
	{RuleOrgWaiting, `SELECT 'org_waiting', o.id, 'pending', u.email,
		'admin', u.name, '', NULL::bigint, NULL::bigint,
		NULL::bigint, o.id, '', o.name,
		(o.created_at AT TIME ZONE 'Europe/Oslo')::date, NULL::date, ''
		FROM organisations o JOIN users u ON u.role = 'admin' AND u.disabled_at IS NULL
		WHERE o.approved_at IS NULL AND o.rejected_at IS NULL AND o.created_at < $12::timestamptz`},

	// 9. An active participant's plan review is due: on the plan's next
	// review date (set from measure_rules' cadence when the plan or a
	// review is saved), else $13 months after the last review or the plan
	// date. To the adviser once per ISO week until a review is recorded
	// (as follow-ups, rule 4): an overdue review is not forgotten.
	{RulePlanReview, `SELECT 'plan_review', p.id, to_char($1::date, 'IYYY-"W"IW'), ad.email,
		'adviser', ad.name, p.first_name, NULL::bigint, NULL::bigint,
		p.id, NULL::bigint, '', '', nr.due_on, NULL::date, ''
		FROM integration_plans ip
		JOIN participants p ON p.id = ip.participant_id
		JOIN users ad ON ad.id = p.adviser_id
		CROSS JOIN LATERAL (SELECT coalesce(ip.next_review_due, (coalesce((SELECT max(r.held_on) FROM plan_reviews r WHERE r.plan_id = ip.id),
			ip.plan_date) + make_interval(months => $13::int))::date) AS due_on) nr
		WHERE p.status = 'active' AND ad.disabled_at IS NULL AND nr.due_on <= $1::date`},

	// 10. An agreement on a NAV measure waits for NAV's decision (the
	// employer approved, the participant consented, NAV has not decided
	// since): to the NAV user linked to the participant, once per version
	// of the agreement (an edit asks again).
	{RuleNAVAwaiting, `SELECT 'nav_awaiting', ag.id, ag.lock_version::text, nv.email,
		'nav', nv.name, p.first_name, ag.id, NULL::bigint,
		p.id, ag.organisation_id, coalesce(nullif(ag.job_title, ''), pl.title), o.name, ag.start_date, NULL::date, ''
		FROM agreements ag
		JOIN participants p ON p.id = ag.participant_id
		JOIN users nv ON nv.id = p.nav_contact_id AND nv.role = 'nav' AND nv.disabled_at IS NULL
		JOIN placements pl ON pl.id = ag.placement_id
		JOIN organisations o ON o.id = ag.organisation_id
		WHERE ag.nav_required AND ag.nav_decision IS NULL AND ag.cancelled_at IS NULL AND ag.ended_on IS NULL
		  AND ag.employer_approved_at IS NOT NULL AND ag.consent_at IS NOT NULL`},
}

// reminderDue is every rule's due items, rule by rule, computed before
// anyone's choices are looked up (MATERIALIZED: the planner cannot
// estimate the rules' CASE-derived statuses and would otherwise look up
// each candidate's recipient before the rule had decided).
var reminderDue = func() string {
	parts := make([]string, len(reminderRules))
	for i, r := range reminderRules {
		parts[i] = "(" + r.due + ")"
	}
	return `WITH ` + reminderAgreements + `, due AS MATERIALIZED (
` + strings.Join(parts, "\nUNION ALL\n") + `)`
}()
