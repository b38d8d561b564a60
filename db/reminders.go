package db

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
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
)

// ReminderRules lists every rule in digest order.
var ReminderRules = []string{RuleStarts, RuleAttendance, RuleEvaluation, RuleFollowUp, RuleEnds,
	RuleProposal, RuleProposalAdviser, RuleProgrammeEnd, RuleOrgWaiting}

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
		return []string{RuleStarts, RuleEnds, RuleProposalAdviser, RuleProgrammeEnd}
	case RoleNAV:
		return []string{RuleProgrammeEnd}
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

// ReminderSettings are the thresholds and cadences an admin edits.
type ReminderSettings struct {
	EvaluationStartWeeks int        `db:"evaluation_start_weeks"`
	EndsWithinDays       int        `db:"ends_within_days"`
	ProposalWorkingDays  int        `db:"proposal_working_days"`
	ProposalAdviserDays  int        `db:"proposal_adviser_days"`
	ProgrammeEndDays     int        `db:"programme_end_days"`
	OrgWaitingDays       int        `db:"org_waiting_days"`
	AttendanceWeekday    int        `db:"attendance_weekday"`
	UpdatedAt            *time.Time `db:"updated_at"`
	UpdatedBy            *string    `db:"updated_by"` // the admin's name
}

// ReminderLimit is one setting's name and allowed range, the same as the
// CHECK in migration 00007.
type ReminderLimit struct {
	Name     string
	Min, Max int
}

// ReminderLimits lists the settings in the form's order.
var ReminderLimits = []ReminderLimit{
	{"evaluation_start_weeks", 1, 12}, {"ends_within_days", 1, 60}, {"proposal_working_days", 1, 30},
	{"proposal_adviser_days", 0, 30}, {"programme_end_days", 7, 365}, {"org_waiting_days", 1, 30},
	{"attendance_weekday", 1, 5},
}

// Field points at a setting by its column name (nil for an unknown name).
func (s *ReminderSettings) Field(name string) *int {
	switch name {
	case "evaluation_start_weeks":
		return &s.EvaluationStartWeeks
	case "ends_within_days":
		return &s.EndsWithinDays
	case "proposal_working_days":
		return &s.ProposalWorkingDays
	case "proposal_adviser_days":
		return &s.ProposalAdviserDays
	case "programme_end_days":
		return &s.ProgrammeEndDays
	case "org_waiting_days":
		return &s.OrgWaitingDays
	case "attendance_weekday":
		return &s.AttendanceWeekday
	}
	return nil
}

const reminderSettingsSelect = `SELECT rs.evaluation_start_weeks, rs.ends_within_days, rs.proposal_working_days,
	rs.proposal_adviser_days, rs.programme_end_days, rs.org_waiting_days, rs.attendance_weekday, rs.updated_at,
	u.name AS updated_by
	FROM reminder_settings rs LEFT JOIN users u ON u.id = rs.updated_by`

// ReminderSettings reads the thresholds in force.
func (s *Store) ReminderSettings(ctx context.Context) (ReminderSettings, error) {
	var out ReminderSettings
	if err := s.DB.GetContext(ctx, &out, reminderSettingsSelect); err != nil {
		return out, fmt.Errorf("db: reminder settings: %w", err)
	}
	return out, nil
}

// ReminderSettingsTx reads the thresholds inside a job's transaction.
func ReminderSettingsTx(ctx context.Context, tx *sqlx.Tx) (ReminderSettings, error) {
	var out ReminderSettings
	if err := tx.GetContext(ctx, &out, reminderSettingsSelect); err != nil {
		return out, fmt.Errorf("db: reminder settings: %w", err)
	}
	return out, nil
}

// SaveReminderSettings stores new thresholds (validated by the caller, and
// again by the CHECKs) with an audit row holding the old and new values.
func (s *Store) SaveReminderSettings(ctx context.Context, in ReminderSettings, actorID int64, ip string) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		var old ReminderSettings
		if err := tx.GetContext(ctx, &old, reminderSettingsSelect+` FOR UPDATE OF rs`); err != nil {
			return fmt.Errorf("db: reminder settings: %w", err)
		}
		_, err := tx.ExecContext(ctx, `UPDATE reminder_settings SET evaluation_start_weeks = $1, ends_within_days = $2,
			proposal_working_days = $3, proposal_adviser_days = $4, programme_end_days = $5, org_waiting_days = $6,
			attendance_weekday = $7, updated_by = NULLIF($8::bigint, 0), updated_at = now()`,
			in.EvaluationStartWeeks, in.EndsWithinDays, in.ProposalWorkingDays, in.ProposalAdviserDays,
			in.ProgrammeEndDays, in.OrgWaitingDays, in.AttendanceWeekday, actorID)
		if err != nil {
			return fmt.Errorf("db: save reminder settings: %w", translate(err))
		}
		values := func(r ReminderSettings) map[string]int {
			m := map[string]int{}
			for _, l := range ReminderLimits {
				m[l.Name] = *r.Field(l.Name)
			}
			return m
		}
		details, _ := json.Marshal(map[string]any{"old": values(old), "new": values(in)})
		_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (actor_id, action, entity, details, ip)
			VALUES (NULLIF($1::bigint, 0), 'reminders.settings', 'reminder_settings', $2, NULLIF($3, '')::inet)`, actorID, details, ip)
		if err != nil {
			return fmt.Errorf("db: audit: %w", err)
		}
		return nil
	})
}

// ReminderPrefs are one user's choices; without a saved row, every rule
// on Monday to Friday.
type ReminderPrefs struct {
	RulesOff []string
	Weekdays []int
}

// ReminderPrefs reads a user's choices (the defaults when none are saved).
func (s *Store) ReminderPrefs(ctx context.Context, userID int64) (ReminderPrefs, error) {
	var row struct {
		RulesOff pq.StringArray `db:"rules_off"`
		Weekdays pq.Int64Array  `db:"weekdays"`
	}
	err := s.DB.GetContext(ctx, &row, `SELECT rules_off, weekdays FROM reminder_prefs WHERE user_id = $1`, userID)
	if err = translate(err); err == ErrNotFound {
		return ReminderPrefs{Weekdays: append([]int(nil), ReminderWeekdays...)}, nil
	} else if err != nil {
		return ReminderPrefs{}, fmt.Errorf("db: reminder prefs: %w", err)
	}
	p := ReminderPrefs{RulesOff: row.RulesOff}
	for _, d := range row.Weekdays {
		p.Weekdays = append(p.Weekdays, int(d))
	}
	return p, nil
}

// SaveReminderPrefs stores a user's own choices (validated by the caller).
func (s *Store) SaveReminderPrefs(ctx context.Context, userID int64, p ReminderPrefs, ip string) error {
	days := make([]int64, len(p.Weekdays))
	for i, d := range p.Weekdays {
		days[i] = int64(d)
	}
	off := p.RulesOff
	if off == nil {
		off = []string{}
	}
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO reminder_prefs (user_id, rules_off, weekdays) VALUES ($1, $2, $3::smallint[])
			ON CONFLICT (user_id) DO UPDATE SET rules_off = EXCLUDED.rules_off, weekdays = EXCLUDED.weekdays, updated_at = now()`,
			userID, pq.Array(off), pq.Array(days))
		if err != nil {
			return fmt.Errorf("db: save reminder prefs: %w", translate(err))
		}
		return audit(ctx, tx, userID, "reminders.prefs", "user", userID, ip)
	})
}

// ReminderItem is one thing a recipient is reminded of. Only what a
// digest may say is here: the participant's first name, never more.
type ReminderItem struct {
	Rule          string     `db:"rule"`
	SubjectID     int64      `db:"subject_id"`
	Period        string     `db:"period"`
	Recipient     string     `db:"recipient"`
	Audience      string     `db:"audience"`
	RecipientName string     `db:"recipient_name"`
	Locale        string     `db:"locale"`      // the recipient's account's, else nb
	HasAccount    bool       `db:"has_account"` // the recipient can sign in
	FirstName     string     `db:"first_name"`  // the participant's
	AgreementID   *int64     `db:"agreement_id"`
	ProposalID    *int64     `db:"proposal_id"`
	ParticipantID *int64     `db:"participant_id"`
	OrgID         *int64     `db:"org_id"`
	Title         string     `db:"title"`    // the job title or placement
	OrgName       string     `db:"org_name"` // the organisation
	On            *time.Time `db:"on_date"`  // the date the item is about
	Week          *time.Time `db:"week"`     // attendance: the week's Monday
	Phase         string     `db:"phase"`    // evaluation: start, mid or end
}

// key identifies an item as reminders_sent's unique key does.
func (it ReminderItem) key() string {
	return it.Rule + "\x00" + strconv.FormatInt(it.SubjectID, 10) + "\x00" + it.Period + "\x00" + strings.ToLower(it.Recipient)
}

// Every rule's statement yields these columns (the "due" CTE); the prefs
// step adds locale, has_account and run_id.
const reminderItemColumns = `rule, subject_id, period, recipient, audience, recipient_name, locale, has_account,
	first_name, agreement_id, proposal_id, participant_id, org_id, title, org_name, on_date, week, phase`

// Parameters every rule statement shares: $1 today, $2 its ISO weekday,
// $3 the run (0 in a preview), $4 the mandatory rule:audience pairs (ok
// carries $1 and $3 along, so a rule that needs no date still types them).
// A rule's own parameters start at $5.
//
// reminderPrefs keeps the items each recipient wants today: a person
// without an account (a supervisor known only by address) or without
// saved choices gets every rule on weekdays; one with choices gets the
// mandatory rules and those not switched off, on the chosen days. An item
// filtered out is not recorded, so it comes back the next day it is still
// due and goes in the digest of a chosen day. DISTINCT ON drops the
// duplicate a rule can make when one address plays two parts.
const reminderPrefs = `, ok AS (
	SELECT DISTINCT ON (d.rule, d.subject_id, d.period, d.recipient) d.*,
		coalesce(u.locale, 'nb') AS locale, u.id IS NOT NULL AS has_account, $3::bigint AS run_id, $1::date AS today
	FROM due d
	LEFT JOIN users u ON u.email = d.recipient AND u.disabled_at IS NULL
	LEFT JOIN reminder_prefs rp ON rp.user_id = u.id
	WHERE d.recipient <> ''
	  AND CASE WHEN rp.user_id IS NULL THEN $2::int BETWEEN 1 AND 5
		ELSE $2::smallint = ANY (rp.weekdays)
			AND (d.rule || ':' || d.audience = ANY ($4::text[]) OR NOT d.rule = ANY (rp.rules_off)) END
	ORDER BY d.rule, d.subject_id, d.period, d.recipient, d.first_name)
`

// reminderRecord inserts the wanted items; ON CONFLICT DO NOTHING skips
// what an earlier run, another replica or a concurrent run recorded (a
// concurrent insert of the same key waits for the other transaction and
// then skips), and RETURNING names exactly the items that are new.
//
// The statement returns the wanted items and, after them, the keys
// RETURNING gave back (is_new); RecordReminders keeps the items whose key
// came back. Joining ok to ins in SQL instead would be quadratic: the
// planner cannot estimate the CTEs (the status is a CASE) and picks a
// nested loop, 2.3 s for 2,755 items at 100,000 participants.
const reminderRecord = `, ins AS (
	INSERT INTO reminders_sent (rule, subject_id, period, recipient, run_id, sent_on)
	SELECT rule, subject_id, period, recipient, nullif(run_id, 0), today FROM ok
	ON CONFLICT (rule, subject_id, period, recipient) DO NOTHING
	RETURNING rule, subject_id, period, recipient)
SELECT ` + reminderItemColumns + `, false AS is_new FROM ok
UNION ALL
SELECT rule, subject_id, period, recipient, '', '', '', false, '', NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint,
	'', '', NULL::date, NULL::date, '', true FROM ins`

// reminderPreview lists the wanted items not yet recorded, writing nothing.
const reminderPreview = `SELECT ` + reminderItemColumns + ` FROM ok
WHERE NOT EXISTS (SELECT 1 FROM reminders_sent s
	WHERE s.rule = ok.rule AND s.subject_id = ok.subject_id AND s.period = ok.period AND s.recipient = ok.recipient)
ORDER BY recipient, on_date, subject_id`

// The agreement rules read an agreement with its placement, organisation,
// participant and adviser; the title is the job title, else the placement's.
const reminderAgreementFrom = `
FROM agreements ag
JOIN placements pl ON pl.id = ag.placement_id
JOIN organisations o ON o.id = ag.organisation_id
JOIN participants p ON p.id = ag.participant_id
JOIN users ad ON ad.id = p.adviser_id`

const reminderTitle = `coalesce(nullif(ag.job_title, ''), pl.title) AS title, o.name AS org_name`

// reminderBoth sends an agreement item to its supervisor and its adviser.
const reminderBoth = `
CROSS JOIN LATERAL (VALUES ('supervisor', ag.supervisor_email, ag.supervisor_name, true),
	('adviser', ad.email::text, ad.name, ad.disabled_at IS NULL)) r(audience, email, name, enabled)`

// reminderEmployerOpen: the employer still sees the person (a one-click
// link would be refused after that).
const reminderEmployerOpen = `(ag.employer_access_until IS NULL OR ag.employer_access_until >= $1::date)`

// reminderRule is one rule: its statement (the due items) and its own
// parameters from $5.
type reminderRule struct {
	name string
	due  string
	args func(p reminderParams) []any
}

// reminderParams is what the rules' parameters are computed from.
type reminderParams struct {
	today time.Time
	set   ReminderSettings
}

var reminderRules = []reminderRule{
	// 1. Ready to start on the next working day (on a Friday: Saturday
	// to Monday, so a Monday start is announced before the weekend).
	{RuleStarts, `SELECT 'starts' AS rule, ag.id AS subject_id, ag.start_date::text AS period, r.email::citext AS recipient,
		r.audience, r.name AS recipient_name, p.first_name, ag.id AS agreement_id, NULL::bigint AS proposal_id,
		p.id AS participant_id, NULL::bigint AS org_id, ` + reminderTitle + `, ag.start_date AS on_date, NULL::date AS week, '' AS phase
		` + reminderAgreementFrom + reminderBoth + `
		WHERE ag.cancelled_at IS NULL AND ag.start_date > $1::date AND ag.start_date <= $5::date
		  AND agreement_status(ag, $1::date) = 'ready' AND r.enabled`,
		func(p reminderParams) []any { return []any{dateOnly(NextWorkday(p.today))} }},

	// 2. The due week ($5: the week of the latest attendance weekday on or
	// before today) has no attendance rows. It stays due until the next
	// attendance day, so a supervisor who gets digests on other days, or
	// a missed run, still gets it once.
	{RuleAttendance, `SELECT 'attendance' AS rule, ag.id AS subject_id, $5::date::text AS period, ag.supervisor_email::citext AS recipient,
		'supervisor' AS audience, ag.supervisor_name AS recipient_name, p.first_name, ag.id AS agreement_id, NULL::bigint AS proposal_id,
		p.id AS participant_id, NULL::bigint AS org_id, ` + reminderTitle + `, NULL::date AS on_date, $5::date AS week, '' AS phase
		` + reminderAgreementFrom + `
		WHERE ag.cancelled_at IS NULL AND ag.end_date >= $5::date AND ag.start_date <= $5::date + 6 AND ag.start_date <= $1::date
		  AND (ag.ended_on IS NULL OR ag.ended_on >= $5::date)
		  AND agreement_status(ag, $1::date) IN ('running', 'ended') AND ` + reminderEmployerOpen + `
		  AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.agreement_id = ag.id AND a.day >= $5::date AND a.day < $5::date + 7)`,
		func(p reminderParams) []any {
			return []any{dateOnly(DueAttendanceWeek(p.today, p.set.AttendanceWeekday))}
		}},

	// 3. Evaluation phases: start $5 weeks after the start, mid at
	// half-way, end in the last week; start and mid while it runs, the end
	// also up to two weeks after it ended. Due until the phase is filled in.
	{RuleEvaluation, `SELECT 'evaluation' AS rule, ag.id AS subject_id, ph.phase AS period, ag.supervisor_email::citext AS recipient,
		'supervisor' AS audience, ag.supervisor_name AS recipient_name, p.first_name, ag.id AS agreement_id, NULL::bigint AS proposal_id,
		p.id AS participant_id, NULL::bigint AS org_id, ` + reminderTitle + `, ph.due_on AS on_date, NULL::date AS week, ph.phase
		` + reminderAgreementFrom + `
		CROSS JOIN LATERAL (SELECT least(ag.end_date, coalesce(ag.ended_on, ag.end_date)) AS last_day,
			agreement_status(ag, $1::date) AS status) s
		CROSS JOIN LATERAL (VALUES ('start', ag.start_date + 7 * $5::int), ('mid', ag.start_date + (s.last_day - ag.start_date) / 2),
			('end', s.last_day - 6)) ph(phase, due_on)
		WHERE ag.cancelled_at IS NULL AND ag.end_date >= $1::date - 14 AND s.last_day >= $1::date - 14 AND ph.due_on <= $1::date
		  AND (s.status = 'running' OR (s.status = 'ended' AND ph.phase = 'end')) AND ` + reminderEmployerOpen + `
		  AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.agreement_id = ag.id AND e.phase = ph.phase)`,
		func(p reminderParams) []any { return []any{p.set.EvaluationStartWeeks} }},

	// 4. The next follow-up (the last one, or the start, plus the
	// agreement's cadence) is today or past: once per ISO week until held.
	{RuleFollowUp, `SELECT 'follow_up' AS rule, ag.id AS subject_id, to_char($1::date, 'IYYY-"W"IW') AS period, ad.email AS recipient,
		'adviser' AS audience, ad.name AS recipient_name, p.first_name, ag.id AS agreement_id, NULL::bigint AS proposal_id,
		p.id AS participant_id, NULL::bigint AS org_id, ` + reminderTitle + `, nf.due_on AS on_date, NULL::date AS week, '' AS phase
		` + reminderAgreementFrom + `
		CROSS JOIN LATERAL (SELECT coalesce(max(f.held_on), ag.start_date) + 7 * ag.follow_up_weeks AS due_on
			FROM follow_ups f WHERE f.agreement_id = ag.id) nf
		WHERE ag.cancelled_at IS NULL AND ag.end_date >= $1::date AND ag.start_date <= $1::date
		  AND agreement_status(ag, $1::date) = 'running' AND ad.disabled_at IS NULL AND nf.due_on <= $1::date`,
		func(reminderParams) []any { return nil }},

	// 5. A running agreement ends within $5 days (once per end date, so an
	// extension is announced again).
	{RuleEnds, `SELECT 'ends' AS rule, ag.id AS subject_id, ag.end_date::text AS period, r.email::citext AS recipient,
		r.audience, r.name AS recipient_name, p.first_name, ag.id AS agreement_id, NULL::bigint AS proposal_id,
		p.id AS participant_id, NULL::bigint AS org_id, ` + reminderTitle + `, ag.end_date AS on_date, NULL::date AS week, '' AS phase
		` + reminderAgreementFrom + reminderBoth + `
		WHERE ag.cancelled_at IS NULL AND ag.ended_on IS NULL AND ag.end_date >= $1::date AND ag.end_date <= $1::date + $5::int
		  AND agreement_status(ag, $1::date) = 'running' AND r.enabled`,
		func(p reminderParams) []any { return []any{p.set.EndsWithinDays} }},

	// 6. A proposal made before $5 (so many working days ago) is still
	// open: to whom the proposal was mailed (the placement's supervisor,
	// else the organisation's employers).
	{RuleProposal, `SELECT 'proposal' AS rule, pr.id AS subject_id, 'employer' AS period, r.email::citext AS recipient,
		'employer' AS audience, r.name AS recipient_name, p.first_name, NULL::bigint AS agreement_id, pr.id AS proposal_id,
		p.id AS participant_id, pl.organisation_id AS org_id, pl.title, o.name AS org_name,
		(pr.created_at AT TIME ZONE 'Europe/Oslo')::date AS on_date, NULL::date AS week, '' AS phase
		FROM proposals pr
		JOIN placements pl ON pl.id = pr.placement_id
		JOIN organisations o ON o.id = pl.organisation_id
		JOIN participants p ON p.id = pr.participant_id
		CROSS JOIN LATERAL (
			SELECT pl.supervisor_email AS email, pl.supervisor_name AS name WHERE pl.supervisor_email <> ''
			UNION ALL
			SELECT u.email::text, u.name FROM users u WHERE pl.supervisor_email = '' AND u.organisation_id = pl.organisation_id
				AND u.role = 'employer' AND u.disabled_at IS NULL) r
		WHERE pr.status = 'proposed' AND pr.created_at < $5::timestamptz`,
		func(p reminderParams) []any {
			return []any{OsloMidnight(WorkdaysBack(p.today, p.set.ProposalWorkingDays).AddDate(0, 0, 1))}
		}},

	// 6, then: still open $5 working days later → the adviser who proposed.
	{RuleProposalAdviser, `SELECT 'proposal_adviser' AS rule, pr.id AS subject_id, 'adviser' AS period, ad.email AS recipient,
		'adviser' AS audience, ad.name AS recipient_name, p.first_name, NULL::bigint AS agreement_id, pr.id AS proposal_id,
		p.id AS participant_id, pl.organisation_id AS org_id, pl.title, o.name AS org_name,
		(pr.created_at AT TIME ZONE 'Europe/Oslo')::date AS on_date, NULL::date AS week, '' AS phase
		FROM proposals pr
		JOIN placements pl ON pl.id = pr.placement_id
		JOIN organisations o ON o.id = pl.organisation_id
		JOIN participants p ON p.id = pr.participant_id
		JOIN users ad ON ad.id = pr.adviser_id
		WHERE pr.status = 'proposed' AND pr.created_at < $5::timestamptz AND ad.disabled_at IS NULL`,
		func(p reminderParams) []any {
			n := p.set.ProposalWorkingDays + p.set.ProposalAdviserDays
			return []any{OsloMidnight(WorkdaysBack(p.today, n).AddDate(0, 0, 1))}
		}},

	// 7. An active participant's programme ends within $5 days and a
	// skill's best level is below the norskmål, or no work or education
	// is registered or planned: to the adviser and the NAV contact, once
	// per programme end date.
	{RuleProgrammeEnd, `SELECT 'programme_end' AS rule, p.id AS subject_id, p.programme_end::text AS period, r.email::citext AS recipient,
		r.audience, r.name AS recipient_name, p.first_name, NULL::bigint AS agreement_id, NULL::bigint AS proposal_id,
		p.id AS participant_id, NULL::bigint AS org_id, '' AS title, '' AS org_name, p.programme_end AS on_date,
		NULL::date AS week, '' AS phase
		FROM participants p
		JOIN users ad ON ad.id = p.adviser_id
		LEFT JOIN users nv ON nv.id = p.nav_contact_id
		` + bestLevelsJoin + `
		CROSS JOIN LATERAL (VALUES ('adviser', ad.email::text, ad.name, ad.disabled_at IS NULL),
			('nav', nv.email::text, nv.name, nv.id IS NOT NULL AND nv.disabled_at IS NULL)) r(audience, email, name, enabled)
		WHERE p.status = 'active' AND p.programme_end >= $1::date AND p.programme_end <= $1::date + $5::int AND r.enabled
		  AND (b.best_listening IS NULL OR b.best_listening < p.goal_listening OR b.best_reading IS NULL OR b.best_reading < p.goal_reading
			OR b.best_writing IS NULL OR b.best_writing < p.goal_writing OR b.best_oral IS NULL OR b.best_oral < p.goal_oral
			OR NOT EXISTS (SELECT 1 FROM outcomes oc WHERE oc.participant_id = p.id AND oc.kind IN ('work_full', 'work_part', 'education')))`,
		func(p reminderParams) []any { return []any{p.set.ProgrammeEndDays} }},

	// 8. An organisation registered before $5 still awaits a decision:
	// every admin, once.
	{RuleOrgWaiting, `SELECT 'org_waiting' AS rule, o.id AS subject_id, 'pending' AS period, u.email AS recipient,
		'admin' AS audience, u.name AS recipient_name, '' AS first_name, NULL::bigint AS agreement_id, NULL::bigint AS proposal_id,
		NULL::bigint AS participant_id, o.id AS org_id, '' AS title, o.name AS org_name,
		(o.created_at AT TIME ZONE 'Europe/Oslo')::date AS on_date, NULL::date AS week, '' AS phase
		FROM organisations o JOIN users u ON u.role = 'admin' AND u.disabled_at IS NULL
		WHERE o.approved_at IS NULL AND o.rejected_at IS NULL AND o.created_at < $5::timestamptz`,
		func(p reminderParams) []any {
			return []any{OsloMidnight(p.today.AddDate(0, 0, 1-p.set.OrgWaitingDays))}
		}},
}

// ReminderRuleSQL returns a rule's statement as a run executes it (for
// EXPLAIN in benchmarks) and its arguments for today.
func ReminderRuleSQL(rule string, today time.Time, set ReminderSettings, runID int64) (string, []any, bool) {
	for _, r := range reminderRules {
		if r.name == rule {
			return `WITH due AS (` + r.due + `)` + reminderPrefs + reminderRecord, r.fullArgs(today, set, runID), true
		}
	}
	return "", nil, false
}

func (r reminderRule) fullArgs(today time.Time, set ReminderSettings, runID int64) []any {
	args := []any{dateOnly(today), IsoWeekday(today), runID, pq.Array(MandatoryReminders)}
	return append(args, r.args(reminderParams{today: today, set: set})...)
}

// RecordReminders runs every rule for today inside the job's transaction
// and returns the items that are new (recorded now, not by an earlier run),
// each rule in one statement.
func RecordReminders(ctx context.Context, tx *sqlx.Tx, today time.Time, set ReminderSettings, runID int64) ([]ReminderItem, error) {
	var out []ReminderItem
	for _, r := range reminderRules {
		var rows []struct {
			ReminderItem
			IsNew bool `db:"is_new"`
		}
		q := `WITH due AS (` + r.due + `)` + reminderPrefs + reminderRecord
		if err := tx.SelectContext(ctx, &rows, q, r.fullArgs(today, set, runID)...); err != nil {
			return nil, fmt.Errorf("db: reminders %s: %w", r.name, err)
		}
		recorded := map[string]bool{}
		for _, row := range rows {
			if row.IsNew {
				recorded[row.key()] = true
			}
		}
		for _, row := range rows {
			if !row.IsNew && recorded[row.key()] {
				out = append(out, row.ReminderItem)
			}
		}
	}
	return out, nil
}

// PreviewReminders runs the same rule statements for a day without
// recording anything: what a run on that day would send, given what is
// recorded now.
func (s *Store) PreviewReminders(ctx context.Context, day time.Time, set ReminderSettings) ([]ReminderItem, error) {
	var out []ReminderItem
	for _, r := range reminderRules {
		var items []ReminderItem
		q := `WITH due AS (` + r.due + `)` + reminderPrefs + reminderPreview
		if err := s.DB.SelectContext(ctx, &items, q, r.fullArgs(day, set, 0)...); err != nil {
			return nil, fmt.Errorf("db: preview reminders %s: %w", r.name, err)
		}
		out = append(out, items...)
	}
	return out, nil
}

// ReminderLink is a one-click link a digest item carries.
type ReminderLink struct {
	Purpose     string // PurposeAttendance, PurposeEvaluation or PurposeOfferAnswer
	AgreementID int64
	Email       string
	Payload     map[string]any // week or phase, and lang
}

// CreateReminderLinks stores the one-click tokens of a run in one
// statement, the same tokens db.SendLink makes one at a time (purpose,
// e-mail, payload with agreement_id, TTL), each with the audit row
// agreement.link_sent, and returns the raw tokens in order.
func CreateReminderLinks(ctx context.Context, tx *sqlx.Tx, links []ReminderLink, ttl time.Duration) ([]string, error) {
	if len(links) == 0 {
		return nil, nil
	}
	tokens := make([]string, len(links))
	hashes := make([][]byte, len(links))
	purposes, emails, payloads := make([]string, len(links)), make([]string, len(links)), make([]string, len(links))
	ids := make([]int64, len(links))
	for i, l := range links {
		t, err := newToken()
		if err != nil {
			return nil, err
		}
		tokens[i], hashes[i] = t, HashToken(t)
		pl := map[string]any{"agreement_id": l.AgreementID}
		for k, v := range l.Payload {
			pl[k] = v
		}
		b, err := json.Marshal(pl)
		if err != nil {
			return nil, fmt.Errorf("db: link payload: %w", err)
		}
		purposes[i], emails[i], payloads[i], ids[i] = l.Purpose, l.Email, string(b), l.AgreementID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO link_tokens (token_hash, purpose, email, payload, expires_at)
		SELECT h, pu, NULLIF(e, ''), pl::jsonb, now() + make_interval(secs => $5)
		FROM unnest($1::bytea[], $2::text[], $3::text[], $4::text[]) AS t(h, pu, e, pl)`,
		pq.Array(hashes), pq.Array(purposes), pq.Array(emails), pq.Array(payloads), ttl.Seconds())
	if err != nil {
		return nil, fmt.Errorf("db: reminder links: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (action, entity, entity_id)
		SELECT 'agreement.link_sent', 'agreement', id FROM unnest($1::bigint[]) AS id`, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("db: audit: %w", err)
	}
	return tokens, nil
}

// AuditReminded records, for each participant a run's digests named, that
// their first name went out in a reminder (one row per participant).
func AuditReminded(ctx context.Context, tx *sqlx.Tx, participantIDs []int64) error {
	if len(participantIDs) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (action, entity, entity_id)
		SELECT DISTINCT 'participant.reminder', 'participant', id FROM unnest($1::bigint[]) AS id`, pq.Array(participantIDs))
	if err != nil {
		return fmt.Errorf("db: audit reminders: %w", err)
	}
	return nil
}

// EnqueueAllAt queues many mails in one statement, none to go out before
// at (a run's digests, held to office hours); a dedupe key already queued
// is skipped. It returns how many were queued.
func EnqueueAllAt(ctx context.Context, tx *sqlx.Tx, mails []Mail, at time.Time) (int, error) {
	if len(mails) == 0 {
		return 0, nil
	}
	cols := make([][]string, 8)
	for _, m := range mails {
		for i, v := range []string{m.DedupeKey, m.Recipient, m.Template, m.Locale, m.Subject, m.Text, m.HTML, m.ICS} {
			cols[i] = append(cols[i], v)
		}
	}
	const q = `INSERT INTO outbox (dedupe_key, recipient, template, locale, subject, body_text, body_html, ics, next_attempt_at)
		SELECT k, r, t, l, s, bt, bh, NULLIF(ic, ''), $8
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $9::text[])
			AS m(k, r, t, l, s, bt, bh, ic)
		ON CONFLICT (dedupe_key) DO NOTHING`
	res, err := tx.ExecContext(ctx, q, pq.Array(cols[0]), pq.Array(cols[1]), pq.Array(cols[2]), pq.Array(cols[3]),
		pq.Array(cols[4]), pq.Array(cols[5]), pq.Array(cols[6]), at, pq.Array(cols[7]))
	if err != nil {
		return 0, fmt.Errorf("db: enqueue mail: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// ThisJobRun finds the job_runs row the caller's transaction began.
// BeginJobRun inserts it with started_at = now(), and now() is the start
// of the transaction, so within the run's own transaction exactly that row
// matches (the job's advisory lock keeps a second run of it out).
func ThisJobRun(ctx context.Context, tx *sqlx.Tx, job string) (JobRun, error) {
	var r JobRun
	err := tx.GetContext(ctx, &r, `SELECT id, job, slot, forced, started_at, finished_at, status, stats, error
		FROM job_runs WHERE job = $1 AND started_at = now() AND finished_at IS NULL ORDER BY id DESC LIMIT 1`, job)
	return r, translate(err)
}

// IsoWeekday is t's ISO day of the week, 1 (Monday) to 7 (Sunday).
func IsoWeekday(t time.Time) int { return (int(t.Weekday())+6)%7 + 1 }

// Workday reports whether a day is Monday to Friday.
func Workday(t time.Time) bool { return IsoWeekday(t) <= 5 }

// NextWorkday is the first Monday-to-Friday day after today.
func NextWorkday(today time.Time) time.Time {
	d := today.AddDate(0, 0, 1)
	for !Workday(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// WorkdaysBack is the latest day D such that the days after D up to and
// including today hold n working days: something dated D or earlier has
// waited at least n working days.
func WorkdaysBack(today time.Time, n int) time.Time {
	d := today
	for n > 0 {
		if Workday(d) {
			n--
		}
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// DueAttendanceWeek is the Monday of the week whose attendance is due today:
// the week of the latest attendance weekday (ISO) on or before today.
func DueAttendanceWeek(today time.Time, weekday int) time.Time {
	m := Monday(today)
	if IsoWeekday(today) < weekday {
		m = m.AddDate(0, 0, -7)
	}
	return m
}

// OsloMidnight is the instant a day (a date at midnight UTC, as
// Store.Today gives) begins in Oslo.
func OsloMidnight(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, oslo)
}

// OsloDate is the day an instant falls on in Oslo, as Store.Today gives it.
func OsloDate(t time.Time) time.Time {
	y, m, d := t.In(oslo).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// recipientKey is how a digest's recipient is written in a dedupe key.
func recipientKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// DigestKey is the outbox dedupe key of one recipient's digest of a run:
// one digest per recipient per run, and a retried transaction queues it once.
func DigestKey(recipient string, today time.Time, runID int64) string {
	return fmt.Sprintf("digest:%s:%s:%d", recipientKey(recipient), dateOnly(today), runID)
}

// newToken makes a raw link token the way CreateLinkToken does.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("db: token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
