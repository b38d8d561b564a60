package jobs

import (
	"context"
	"time"

	"praksis/db"
	"praksis/locale"
	"praksis/mail"
	"praksis/report"
)

// ArchiveBatch is how many archive bundles one night's run makes at most
// (about 25 ms each at national scale): the first run after the retention
// period ends for a large cohort spreads over several nights instead of
// outgrowing the job's timeout. Not a law's number; the order is by id.
var ArchiveBatch = 500

// Retention is the nightly retention job (03:30 Oslo), every step in the
// run's one transaction (db/retention.go, db/anonymise.go):
//
//  1. delete what has outlived its use: expired sessions, expired or used
//     link tokens, old throttle rows, the bodies of mail sent more than
//     30 days ago (subject, recipient and status stay), and the reminders'
//     dedupe rows that can no longer stop a second mail (db/retention.go);
//  2. make the archive bundle of each participant whose retention period
//     (PARTICIPANT_RETENTION_MONTHS after the programme's end) has ended:
//     a printable HTML document of the plan, results, outcomes,
//     agreements and attendance summary, built by package report from the
//     same sections as the innsyn page, listed on /admin/archive;
//  3. anonymise those whose bundle was downloaded or whose grace period
//     (ARCHIVE_GRACE_DAYS) has passed — never one with an agreement still
//     running, who is skipped and counted — clear the collected bundles
//     of the anonymised, and prune the audit log older than
//     AUDIT_RETENTION_MONTHS.
//
// The day and time are the store's clock (tests move it); the counts go
// into the run's stats on /admin/jobs.
func Retention(store *db.Store, tr *locale.Translator) Job {
	return Job{
		Name: "retention", Spec: "30 3 * * *", Description: "jobs.retention",
		Run: func(ctx context.Context, tx *db.JobTx) (map[string]any, error) {
			stats, err := tx.DeleteExpired(ctx)
			if err != nil {
				return stats, err
			}
			today, now, cfg := store.Today(), store.Now(), store.RetentionRules()
			began := time.Now()
			made, err := makeArchiveBundles(ctx, tx, tr, today, now, cfg)
			stats["bundles_made"] = made
			stats["ms_bundles"] = time.Since(began).Milliseconds()
			if err != nil {
				return stats, err
			}
			rs, err := tx.RunRetention(ctx, today, now, cfg)
			stats["anonymised"], stats["waiting_archive"], stats["agreement_open"] = rs.Anonymised, rs.WaitingArchive, rs.AgreementOpen
			stats["bundles_cleared"], stats["audit_rows_pruned"] = rs.BundlesCleared, rs.AuditRowsPruned
			return stats, err
		},
	}
}

// makeArchiveBundles renders and saves the bundle of each participant due
// (at most ArchiveBatch), and returns how many it made.
func makeArchiveBundles(ctx context.Context, tx *db.JobTx, tr *locale.Translator, today, now time.Time, cfg db.RetentionConfig) (int, error) {
	due, err := tx.ArchiveDue(ctx, today, cfg, ArchiveBatch)
	if err != nil {
		return 0, err
	}
	for n, id := range due {
		in, err := tx.ArchiveInnsyn(ctx, id, now)
		if err != nil {
			return n, err
		}
		b, err := report.ArchiveHTML(tr, in)
		if err != nil {
			return n, err
		}
		if _, err := tx.SaveArchiveBundle(ctx, id, report.ArchiveContentType, b, now); err != nil {
			return n, err
		}
	}
	return len(due), nil
}

// OutboxJob drains the outbox every minute; the sender is also woken
// right after commits that queue mail. It uses its own connections for
// sending, so the run's transaction only records the run.
func OutboxJob(s *mail.Sender) Job {
	return Job{
		Name: "outbox", Spec: "* * * * *", Description: "jobs.outbox", Timeout: 5 * time.Minute,
		Run: func(ctx context.Context, _ *db.JobTx) (map[string]any, error) {
			st, err := s.Drain(ctx)
			return map[string]any{"sent": st.Sent, "failed": st.Failed, "dead": st.Dead}, err
		},
	}
}
