package db

import (
	"context"
	"strconv"
)

// remindersSentMinDays is how old a reminders_sent row must be before the
// retention job looks at it. A technical margin, not a law's number: no
// rule looks back further than two weeks by its dates (an attendance week
// begun at most 13 days ago, an evaluation up to 14 days after the end),
// so a month leaves room for runs missed over a holiday and keeps the
// recent rows for anyone asking "was the supervisor reminded last week?".
const remindersSentMinDays = 30

// pruneRemindersSent deletes the reminders_sent rows (the reminders job's
// dedupe: one row per item, period and recipient that went out) that can
// no longer stop a second mail, because the rule can never find that item
// due again for that period. Keeping a row any longer holds a recipient's
// address for nothing; deleting it earlier would mail the same reminder
// again. Per rule (db/reminder_rules.go):
//   - starts: due only before its start date (the period);
//   - ends, programme_end: due only up to the end date (the period);
//   - attendance, follow_up, plan_review: the period is a week at most
//     13 days before the run, so remindersSentMinDays covers it;
//   - evaluation: due while its agreement runs and up to 14 days after the
//     last day; gone with the agreement, or when it was cancelled;
//   - proposal, proposal_adviser: due while the proposal is open;
//   - org_waiting: due while the organisation awaits a decision;
//   - nav_awaiting: the period is the agreement's version, which only
//     grows: due no more once the agreement has another version or is gone.
//
// A rule remindersSentGone does not name would keep its rows (ELSE false);
// TestEveryReminderRuleIsPruned fails until a new rule is added there with
// its reason. The day is the store's (caseload_day(): the
// store's clock when tests move it, else Oslo's), as sent_on is; CASE
// evaluates only the matching branch, so a period is cast to a date only
// for the rules whose period is one.
var pruneRemindersSent = func() string {
	q := `DELETE FROM reminders_sent s USING (SELECT caseload_day() AS today) d
	WHERE s.sent_on < d.today - ` + strconv.Itoa(remindersSentMinDays) + `
	  AND CASE s.rule`
	for _, r := range ReminderRules {
		if gone, ok := remindersSentGone[r]; ok {
			q += "\n\t\tWHEN '" + r + "' THEN " + gone
		}
	}
	return q + "\n\t\tELSE false END"
}()

// remindersSentGone is, per rule (the Rule* constants), when a row of
// reminders_sent can no longer stop a second mail (s the row, d.today the
// day). TestEveryReminderRuleIsPruned holds ReminderRules to it.
var remindersSentGone = map[string]string{
	RuleStarts:       `s.period::date <= d.today`,
	RuleEnds:         `s.period::date < d.today`,
	RuleProgrammeEnd: `s.period::date < d.today`,
	RuleAttendance:   `true`,
	RuleFollowUp:     `true`,
	RulePlanReview:   `true`,
	RuleEvaluation: `NOT EXISTS (SELECT 1 FROM agreements ag WHERE ag.id = s.subject_id AND ag.cancelled_at IS NULL
			AND least(ag.end_date, ag.ended_on) >= d.today - 14)`,
	RuleProposal:        `NOT EXISTS (SELECT 1 FROM proposals pr WHERE pr.id = s.subject_id AND pr.status = 'proposed')`,
	RuleProposalAdviser: `NOT EXISTS (SELECT 1 FROM proposals pr WHERE pr.id = s.subject_id AND pr.status = 'proposed')`,
	RuleOrgWaiting: `NOT EXISTS (SELECT 1 FROM organisations o WHERE o.id = s.subject_id
			AND o.approved_at IS NULL AND o.rejected_at IS NULL)`,
	RuleNAVAwaiting: `NOT EXISTS (SELECT 1 FROM agreements ag WHERE ag.id = s.subject_id AND ag.lock_version::text = s.period)`,
}

// retentionSteps delete what has outlived its use (the retention job,
// nightly 03:30): expired sessions, expired or used link tokens, old
// throttle rows, used passkey challenges whose cookies expired, the
// bodies of mail sent more than 30 days ago (a sent invitation still
// holds its link; the subject, recipient and status stay for the record)
// and the reminders' dedupe rows that can no longer stop a second mail
// (pruneRemindersSent).
var retentionSteps = []jobStep{
	{"sessions", `DELETE FROM sessions WHERE expires_at < now() OR last_seen_at < now() - interval '1 day'`},
	{"link_tokens", `DELETE FROM link_tokens WHERE expires_at < now() - interval '7 days' OR used_at < now() - interval '7 days'`},
	{"login_failures", `DELETE FROM login_failures WHERE at < now() - interval '1 day'`},
	{"token_failures", `DELETE FROM link_token_failures WHERE at < now() - interval '1 day'`},
	{"request_hits", `DELETE FROM request_hits WHERE at < now() - interval '1 day'`},
	// A day past the cookie's expiry, whatever the replicas' clocks say.
	{"used_challenges", `DELETE FROM used_challenges WHERE expires_at < now() - interval '1 day'`},
	{"mail_bodies", `UPDATE outbox SET body_text = '', body_html = '', ics = NULL WHERE status = 'sent'
		AND sent_at < now() - interval '30 days' AND (body_text <> '' OR body_html <> '')`},
	{"reminders_sent", pruneRemindersSent},
}

// DeleteExpired runs the retention steps (retentionSteps) in the run's
// transaction and returns the rows each deleted or emptied, by step.
func (t *JobTx) DeleteExpired(ctx context.Context) (map[string]any, error) {
	return t.steps(ctx, "retention", retentionSteps)
}
