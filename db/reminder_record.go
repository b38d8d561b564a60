package db

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

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
	Phase         string     `db:"phase"`    // evaluation: start, mid or end; programme_end: the risk reason
}

// key identifies an item as reminders_sent's unique key does.
func (it ReminderItem) key() string {
	return it.Rule + "\x00" + strconv.FormatInt(it.SubjectID, 10) + "\x00" + it.Period + "\x00" + strings.ToLower(it.Recipient)
}

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
	return out, redactReminderNames(ctx, t.tx, out)
}

// redactReminderNames blanks the participant's first name in the items
// for an employer or a supervisor unless the participant consented to
// share it with the organisation and has no strictly confidential address
// (db.EmployerView's rule for a mail: a first name at most, and only as
// consented). One query for every pair.
func redactReminderNames(ctx context.Context, q sqlx.QueryerContext, items []ReminderItem) error {
	var idx, ps, os, ags []int64
	for i, it := range items {
		if (it.Audience == "employer" || it.Audience == "supervisor") && it.ParticipantID != nil {
			idx, ps = append(idx, int64(i)), append(ps, *it.ParticipantID)
			os, ags = append(os, deref(it.OrgID)), append(ags, deref(it.AgreementID))
		}
	}
	if len(idx) == 0 {
		return nil
	}
	// The organisation is the item's, or its agreement's.
	var allowed []int64
	err := sqlx.SelectContext(ctx, q, &allowed, `SELECT x.i FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS x(i, pid, org, ag)
		WHERE EXISTS (SELECT 1 FROM consents c JOIN participants p ON p.id = c.participant_id
			WHERE c.participant_id = x.pid AND c.withdrawn_at IS NULL AND 'first_name' = ANY (c.items)
			AND p.protection <> 'strengt_fortrolig'
			AND c.organisation_id = coalesce(NULLIF(x.org, 0), (SELECT ag.organisation_id FROM agreements ag WHERE ag.id = x.ag)))`,
		pq.Array(idx), pq.Array(ps), pq.Array(os), pq.Array(ags))
	if err != nil {
		return fmt.Errorf("db: reminder names: %w", err)
	}
	keep := make(map[int64]bool, len(allowed))
	for _, i := range allowed {
		keep[i] = true
	}
	for _, i := range idx {
		if !keep[i] {
			items[i].FirstName = ""
		}
	}
	return nil
}

// deref is *p, 0 for nil.
func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// PreviewReminders runs the same rules for a day without recording
// anything: what a run on that day would send, given what is recorded now.
// It reads in a transaction of its own for the job's settings: the one
// statement of every rule is estimated above jit_above_cost, and compiling
// it cost more than running it.
func (s *Store) PreviewReminders(ctx context.Context, day time.Time, set ReminderSettings) ([]ReminderItem, error) {
	var out []ReminderItem
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
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
		return redactReminderNames(ctx, tx, out)
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
