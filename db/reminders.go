package db

import (
	"context"
	"crypto/rand"
	"database/sql"
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

// ReminderSettings reads the thresholds inside the run's transaction.
func (t *JobTx) ReminderSettings(ctx context.Context) (ReminderSettings, error) {
	var out ReminderSettings
	if err := t.tx.GetContext(ctx, &out, reminderSettingsSelect); err != nil {
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
			VALUES (NULLIF($1::bigint, 0), 'reminders.settings', 'reminder_settings', $2, NULLIF($3, '')::inet)`, actorID, string(details), ip)
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
// cut-off instants, $11 rule 7's days, $12 rule 8's cut-off instant.
func reminderArgs(today time.Time, set ReminderSettings, runID int64) []any {
	return []any{dateOnly(today), IsoWeekday(today), runID, pq.Array(MandatoryReminders),
		dateOnly(NextWorkday(today)),
		dateOnly(DueAttendanceWeek(today, set.AttendanceWeekday)),
		set.EvaluationStartWeeks,
		set.EndsWithinDays,
		OsloMidnight(WorkdaysBack(today, set.ProposalWorkingDays).AddDate(0, 0, 1)),
		OsloMidnight(WorkdaysBack(today, set.ProposalWorkingDays+set.ProposalAdviserDays).AddDate(0, 0, 1)),
		set.ProgrammeEndDays,
		OsloMidnight(today.AddDate(0, 0, 1-set.OrgWaitingDays)),
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
	SELECT ag.id, ag.participant_id, ag.start_date, ag.end_date, ag.ended_on, ag.supervisor_email, ag.supervisor_name,
		ag.follow_up_weeks, ag.employer_access_until, agreement_status(ag, $1::date) AS status,
		coalesce(nullif(ag.job_title, ''), (SELECT pl.title FROM placements pl WHERE pl.id = ag.placement_id)) AS title,
		o.name AS org_name, p.first_name, ad.email AS ad_email, ad.name AS ad_name, ad.disabled_at IS NULL AS ad_enabled
	FROM agreements ag
	JOIN organisations o ON o.id = ag.organisation_id
	JOIN participants p ON p.id = ag.participant_id
	JOIN users ad ON ad.id = p.adviser_id
	WHERE ag.cancelled_at IS NULL AND ag.end_date >= $1::date - 14)`

// reminderBoth sends an agreement item to its supervisor and its adviser.
const reminderBoth = `
CROSS JOIN LATERAL (VALUES ('supervisor', ag.supervisor_email, ag.supervisor_name, true),
	('adviser', ag.ad_email::text, ag.ad_name, ag.ad_enabled)) r(audience, email, name, enabled)`

// reminderEmployerOpen: the employer still sees the person (a one-click
// link would be refused after that).
const reminderEmployerOpen = `(ag.employer_access_until IS NULL OR ag.employer_access_until >= $1::date)`

// reminderProposalFrom joins an open proposal pr to its placement pl,
// organisation o and participant p, each looked up by its key (OFFSET 0
// keeps them lookups: estimating some thousand open proposals, the planner
// would otherwise read all 100,000 participants and 25,000 placements to
// hash-join a few hundred).
const reminderProposalFrom = `
		CROSS JOIN LATERAL (SELECT pl.title, pl.organisation_id, pl.supervisor_email, pl.supervisor_name
			FROM placements pl WHERE pl.id = pr.placement_id OFFSET 0) pl
		CROSS JOIN LATERAL (SELECT o.name FROM organisations o WHERE o.id = pl.organisation_id OFFSET 0) o
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
	// before today) has no attendance rows. It stays due until the next
	// attendance day, so a supervisor who gets digests on other days, or
	// a missed run, still gets it once. (NOT IN: the week's rows are one
	// range of the attendance day index, hashed once, instead of a probe
	// of the 6-million-row primary key per agreement.)
	{RuleAttendance, `SELECT 'attendance', ag.id, $6::date::text, ag.supervisor_email::citext,
		'supervisor', ag.supervisor_name, ag.first_name, ag.id, NULL::bigint,
		ag.participant_id, NULL::bigint, ag.title, ag.org_name, NULL::date, $6::date, ''
		FROM ag
		WHERE ag.end_date >= $6::date AND ag.start_date <= $6::date + 6 AND ag.start_date <= $1::date
		  AND (ag.ended_on IS NULL OR ag.ended_on >= $6::date)
		  AND ag.status IN ('running', 'ended') AND ` + reminderEmployerOpen + `
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
		WHERE pr.status = 'proposed' AND pr.created_at < $9::timestamptz`},

	// 6, then: still open $10 (so many more working days) → the adviser
	// who proposed.
	{RuleProposalAdviser, `SELECT 'proposal_adviser', pr.id, 'adviser', ad.email,
		'adviser', ad.name, p.first_name, NULL::bigint, pr.id,
		p.id, pl.organisation_id, pl.title, o.name,
		(pr.created_at AT TIME ZONE 'Europe/Oslo')::date, NULL::date, ''
		FROM proposals pr` + reminderProposalFrom + `
		JOIN users ad ON ad.id = pr.adviser_id
		WHERE pr.status = 'proposed' AND pr.created_at < $10::timestamptz AND ad.disabled_at IS NULL`},

	// 7. An active participant's programme ends within $11 days and a
	// skill's best level is below the norskmål, or no work or education
	// is registered or planned: to the adviser and the NAV contact, once
	// per programme end date.
	{RuleProgrammeEnd, `SELECT 'programme_end', p.id, p.programme_end::text, r.email::citext,
		r.audience, r.name, p.first_name, NULL::bigint, NULL::bigint,
		p.id, NULL::bigint, '', '', p.programme_end, NULL::date, ''
		FROM participants p
		JOIN users ad ON ad.id = p.adviser_id
		LEFT JOIN users nv ON nv.id = p.nav_contact_id
		` + bestLevelsJoin + `
		CROSS JOIN LATERAL (VALUES ('adviser', ad.email::text, ad.name, ad.disabled_at IS NULL),
			('nav', nv.email::text, nv.name, nv.id IS NOT NULL AND nv.disabled_at IS NULL)) r(audience, email, name, enabled)
		WHERE p.status = 'active' AND p.programme_end >= $1::date AND p.programme_end <= $1::date + $11::int AND r.enabled
		  AND (b.best_listening IS NULL OR b.best_listening < p.goal_listening OR b.best_reading IS NULL OR b.best_reading < p.goal_reading
			OR b.best_writing IS NULL OR b.best_writing < p.goal_writing OR b.best_oral IS NULL OR b.best_oral < p.goal_oral
			OR NOT EXISTS (SELECT 1 FROM outcomes oc WHERE oc.participant_id = p.id AND oc.kind IN ('work_full', 'work_part', 'education')))`},

	// 8. An organisation registered before $12 still awaits a decision:
	// every admin, once.
	{RuleOrgWaiting, `SELECT 'org_waiting', o.id, 'pending', u.email,
		'admin', u.name, '', NULL::bigint, NULL::bigint,
		NULL::bigint, o.id, '', o.name,
		(o.created_at AT TIME ZONE 'Europe/Oslo')::date, NULL::date, ''
		FROM organisations o JOIN users u ON u.role = 'admin' AND u.disabled_at IS NULL
		WHERE o.approved_at IS NULL AND o.rejected_at IS NULL AND o.created_at < $12::timestamptz`},
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

// reminderPrefs keeps the items each recipient wants today: a person
// without an account (a supervisor known only by address) or without
// saved choices gets every rule on weekdays; one with choices gets the
// mandatory rules and those not switched off, on the chosen days. An item
// filtered out is not recorded, so it comes back the next day it is still
// due and goes in the digest of a chosen day. DISTINCT ON drops the
// duplicate a rule can make when one address plays two parts, and sorts
// the items by their key, so two runs at once insert in the same order
// (the second waits for the first instead of deadlocking).
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

// reminderPreview lists the wanted items not yet recorded, writing
// nothing: rule by rule, then by recipient, date and subject.
var reminderPreview = `SELECT ` + reminderItemColumns + ` FROM ok
WHERE NOT EXISTS (SELECT 1 FROM reminders_sent s
	WHERE s.rule = ok.rule AND s.subject_id = ok.subject_id AND s.period = ok.period AND s.recipient = ok.recipient)
ORDER BY array_position(ARRAY['` + strings.Join(ReminderRules, "', '") + `'], rule), recipient, on_date, subject_id`

// RecordReminders runs every rule for today inside the run's transaction,
// in one statement, and returns the items that are new (recorded now, not
// by an earlier run).
func (t *JobTx) RecordReminders(ctx context.Context, today time.Time, set ReminderSettings, runID int64) ([]ReminderItem, error) {
	rows, err := t.tx.QueryContext(ctx, reminderDue+reminderPrefs+reminderRecord, reminderArgs(today, set, runID)...)
	if err != nil {
		return nil, fmt.Errorf("db: reminders: %w", err)
	}
	defer rows.Close()
	var wanted []ReminderItem
	recorded := map[string]bool{}
	for rows.Next() {
		var it ReminderItem
		var isNew bool
		if err := scanReminderItem(rows, &it, &isNew); err != nil {
			return nil, fmt.Errorf("db: reminders: %w", err)
		}
		if isNew {
			recorded[it.key()] = true
		} else {
			wanted = append(wanted, it)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: reminders: %w", err)
	}
	out := make([]ReminderItem, 0, len(recorded))
	for _, it := range wanted {
		if recorded[it.key()] {
			out = append(out, it)
		}
	}
	return out, nil
}

// PreviewReminders runs the same rules for a day without recording
// anything: what a run on that day would send, given what is recorded now.
// It reads in a transaction of its own for the job's settings: the one
// statement of every rule is estimated above jit_above_cost, and compiling
// it cost more than running it.
func (s *Store) PreviewReminders(ctx context.Context, day time.Time, set ReminderSettings) ([]ReminderItem, error) {
	var out []ReminderItem
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := jobSettings(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, reminderDue+reminderPrefs+reminderPreview, reminderArgs(day, set, 0)...)
		if err != nil {
			return fmt.Errorf("db: preview reminders: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var it ReminderItem
			if err := scanReminderItem(rows, &it, nil); err != nil {
				return fmt.Errorf("db: preview reminders: %w", err)
			}
			out = append(out, it)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("db: preview reminders: %w", err)
		}
		return nil
	})
	return out, err
}

// scanReminderItem reads one row of reminderItemColumns (and is_new, when
// isNew is not nil). By hand rather than by sqlx's reflection: a run at
// 100,000 participants reads 40,000 of these rows.
func scanReminderItem(rows *sql.Rows, it *ReminderItem, isNew *bool) error {
	dest := []any{&it.Rule, &it.SubjectID, &it.Period, &it.Recipient, &it.Audience, &it.RecipientName, &it.Locale,
		&it.HasAccount, &it.FirstName, &it.AgreementID, &it.ProposalID, &it.ParticipantID, &it.OrgID, &it.Title,
		&it.OrgName, &it.On, &it.Week, &it.Phase}
	if isNew != nil {
		dest = append(dest, isNew)
	}
	return rows.Scan(dest...)
}

// ReminderLink is a one-click link a digest item carries.
type ReminderLink struct {
	Purpose     string // PurposeAttendance, PurposeEvaluation or PurposeOfferAnswer
	AgreementID int64
	Email       string
	Payload     map[string]any // week or phase, and lang
}

// ReminderLinkBatch is a run's one-click links with their raw tokens,
// made before anything is stored: the job writes the digests that carry
// them while the database stores the batch (JobTx.StoreReminderLinks).
type ReminderLinkBatch struct {
	Tokens   []string // the raw tokens, in the order of the links
	hashes   [][]byte
	purposes []string
	emails   []string
	payloads []string
	ids      []int64
}

// PrepareReminderLinks makes the tokens of a run's links the way
// CreateLinkToken does, and their payloads (agreement_id and the link's
// own), without storing anything.
func PrepareReminderLinks(links []ReminderLink) (*ReminderLinkBatch, error) {
	n := len(links)
	b := &ReminderLinkBatch{Tokens: make([]string, n), hashes: make([][]byte, n), purposes: make([]string, n),
		emails: make([]string, n), payloads: make([]string, n), ids: make([]int64, n)}
	for i, l := range links {
		t, err := newToken()
		if err != nil {
			return nil, err
		}
		b.Tokens[i], b.hashes[i] = t, HashToken(t)
		pl := map[string]any{"agreement_id": l.AgreementID}
		for k, v := range l.Payload {
			pl[k] = v
		}
		js, err := json.Marshal(pl)
		if err != nil {
			return nil, fmt.Errorf("db: link payload: %w", err)
		}
		b.purposes[i], b.emails[i], b.payloads[i], b.ids[i] = l.Purpose, l.Email, string(js), l.AgreementID
	}
	return b, nil
}

// StoreReminderLinks stores a batch's tokens in the run's transaction, in
// one statement (ReminderLinkBatch.store).
func (t *JobTx) StoreReminderLinks(ctx context.Context, b *ReminderLinkBatch, ttl time.Duration) error {
	return b.store(ctx, t.tx, ttl)
}

// store stores the batch's tokens in one statement, the same tokens
// db.SendLink makes one at a time (purpose, e-mail, payload with
// agreement_id, TTL), each with the audit row agreement.link_sent.
func (b *ReminderLinkBatch) store(ctx context.Context, tx *sqlx.Tx, ttl time.Duration) error {
	if len(b.Tokens) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `WITH t AS (
		INSERT INTO link_tokens (token_hash, purpose, email, payload, expires_at)
		SELECT h, pu, NULLIF(e, ''), pl::jsonb, now() + make_interval(secs => $5)
		FROM unnest($1::bytea[], $2::text[], $3::text[], $4::text[]) AS t(h, pu, e, pl))
		INSERT INTO audit_log (action, entity, entity_id)
		SELECT 'agreement.link_sent', 'agreement', id FROM unnest($6::bigint[]) AS id`,
		pq.Array(b.hashes), pq.Array(b.purposes), pq.Array(b.emails), pq.Array(b.payloads), ttl.Seconds(), pq.Array(b.ids))
	if err != nil {
		return fmt.Errorf("db: reminder links: %w", err)
	}
	return nil
}

// CreateReminderLinks stores the one-click tokens of a run
// (PrepareReminderLinks, then store) and returns the raw tokens in order.
func CreateReminderLinks(ctx context.Context, tx *sqlx.Tx, links []ReminderLink, ttl time.Duration) ([]string, error) {
	if len(links) == 0 {
		return nil, nil
	}
	b, err := PrepareReminderLinks(links)
	if err != nil {
		return nil, err
	}
	if err := b.store(ctx, tx, ttl); err != nil {
		return nil, err
	}
	return b.Tokens, nil
}

// AuditReminded records, for each participant a run's digests named, that
// their first name went out in a reminder (one row per participant).
func (t *JobTx) AuditReminded(ctx context.Context, participantIDs []int64) error {
	if len(participantIDs) == 0 {
		return nil
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO audit_log (action, entity, entity_id)
		SELECT DISTINCT 'participant.reminder', 'participant', id FROM unnest($1::bigint[]) AS id`, pq.Array(participantIDs))
	if err != nil {
		return fmt.Errorf("db: audit reminders: %w", err)
	}
	return nil
}

// EnqueueAllAt queues many mails in the run's transaction, none to go out before at (a run's
// digests, held to office hours); a dedupe key already queued is skipped.
// It returns how many were queued. The mails go in multi-row INSERTs of
// enqueueChunk rows, each value its own parameter: lib/pq sends those as
// they are, where one text[] per column (the earlier form) had every body
// quoted into an array literal and parsed back, 40 % of the time for
// 4,000 digests (17 MB).
func (t *JobTx) EnqueueAllAt(ctx context.Context, mails []Mail, at time.Time) (int, error) {
	total := 0
	for len(mails) > 0 {
		chunk := mails[:min(enqueueChunk, len(mails))]
		mails = mails[len(chunk):]
		var q strings.Builder
		q.WriteString(`INSERT INTO outbox (dedupe_key, recipient, template, locale, subject, body_text, body_html, ics, next_attempt_at) VALUES `)
		args := make([]any, 0, 1+8*len(chunk))
		args = append(args, at)
		for i, m := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			n := len(args)
			fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, NULLIF($%d, ''), $1::timestamptz)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8)
			args = append(args, m.DedupeKey, m.Recipient, m.Template, m.Locale, m.Subject, m.Text, m.HTML, m.ICS)
		}
		q.WriteString(` ON CONFLICT (dedupe_key) DO NOTHING`)
		res, err := t.tx.ExecContext(ctx, q.String(), args...)
		if err != nil {
			return total, fmt.Errorf("db: enqueue mail: %w", err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
	}
	return total, nil
}

// enqueueChunk is how many mails one INSERT of EnqueueAllAt carries (8
// parameters each; PostgreSQL takes at most 65,535).
const enqueueChunk = 500

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
