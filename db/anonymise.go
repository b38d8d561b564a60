package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Retention refusals.
var (
	// ErrAgreementOpen refuses anonymising a participant while one of
	// their agreements is not ended or cancelled.
	ErrAgreementOpen = errors.New("db: an agreement of the participant is still open")
	// ErrNotArchived refuses anonymising before the archive bundle was
	// downloaded or its grace period passed.
	ErrNotArchived = errors.New("db: the archive bundle is not downloaded and its grace period has not passed")
	// ErrNotDue refuses anonymising before the retention period ended.
	ErrNotDue = errors.New("db: the retention period has not ended")
)

// RetentionConfig is the nightly step's configuration.
type RetentionConfig struct {
	ParticipantMonths int // PARTICIPANT_RETENTION_MONTHS, default 36
	AuditMonths       int // AUDIT_RETENTION_MONTHS, default 60
	GraceDays         int // ARCHIVE_GRACE_DAYS, default 30: anonymise without a download after this
}

// DefaultRetention are the defaults of the environment variables.
var DefaultRetention = RetentionConfig{ParticipantMonths: 36, AuditMonths: 60, GraceDays: 30}

// RetentionRules is the store's retention configuration, the defaults
// where it is not set.
func (s *Store) RetentionRules() RetentionConfig {
	r := s.Retention
	if r.ParticipantMonths <= 0 {
		r.ParticipantMonths = DefaultRetention.ParticipantMonths
	}
	if r.AuditMonths <= 0 {
		r.AuditMonths = DefaultRetention.AuditMonths
	}
	if r.GraceDays <= 0 {
		r.GraceDays = DefaultRetention.GraceDays
	}
	return r
}

// ArchiveDue lists the participants whose retention period has ended on
// today and who have no archive bundle yet: the nightly step renders a
// bundle for each (the rendering is not storage) and saves it with
// SaveArchiveBundle.
func (s *Store) ArchiveDue(ctx context.Context, today time.Time, cfg RetentionConfig) ([]int64, error) {
	return archiveDue(ctx, s.DB, today, cfg, 0)
}

// ArchiveDue is Store.ArchiveDue in the retention run's transaction, at
// most limit participants (0: all), lowest id first.
func (t *JobTx) ArchiveDue(ctx context.Context, today time.Time, cfg RetentionConfig, limit int) ([]int64, error) {
	return archiveDue(ctx, t.tx, today, cfg, limit)
}

func archiveDue(ctx context.Context, q sqlx.QueryerContext, today time.Time, cfg RetentionConfig, limit int) ([]int64, error) {
	var out []int64
	err := sqlx.SelectContext(ctx, q, &out, `SELECT p.id FROM participants p
		WHERE p.anonymised_at IS NULL AND p.programme_end + make_interval(months => $2) <= $1::date
		AND NOT EXISTS (SELECT 1 FROM archive_bundles b WHERE b.participant_id = p.id) ORDER BY p.id LIMIT NULLIF($3, 0)`,
		dateOnly(today), cfg.ParticipantMonths, limit)
	if err != nil {
		return nil, fmt.Errorf("db: archive due: %w", err)
	}
	return out, nil
}

// SaveArchiveBundle stores a participant's archive bundle (once:
// ErrConflict for a second).
func (s *Store) SaveArchiveBundle(ctx context.Context, participantID int64, contentType string, content []byte, now time.Time) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		id, err = saveArchiveBundle(ctx, tx, participantID, contentType, content, now)
		return err
	})
	return id, err
}

// SaveArchiveBundle is Store.SaveArchiveBundle in the retention run's
// transaction.
func (t *JobTx) SaveArchiveBundle(ctx context.Context, participantID int64, contentType string, content []byte, now time.Time) (int64, error) {
	return saveArchiveBundle(ctx, t.tx, participantID, contentType, content, now)
}

func saveArchiveBundle(ctx context.Context, tx *sqlx.Tx, participantID int64, contentType string, content []byte, now time.Time) (int64, error) {
	var id int64
	err := tx.GetContext(ctx, &id, `INSERT INTO archive_bundles (participant_id, content_type, content, created_at)
		VALUES ($1, $2, $3, $4) RETURNING id`, participantID, contentType, content, now)
	if err != nil {
		return 0, translate(err)
	}
	return id, audit(ctx, tx, 0, "participant.archive_bundle", "participant", participantID, "")
}

// ArchiveBundle is one bundle as /admin/archive lists it.
type ArchiveBundle struct {
	ID            int64      `db:"id"`
	ParticipantID int64      `db:"participant_id"`
	CreatedAt     time.Time  `db:"created_at"`
	ContentType   string     `db:"content_type"`
	Size          int        `db:"size"`
	DownloadedAt  *time.Time `db:"downloaded_at"`
	ClearedAt     *time.Time `db:"cleared_at"`
	Anonymised    bool       `db:"anonymised"`
}

// ArchiveBundles lists the bundles whose content is still held, oldest
// first (what the archive has yet to collect, and what waits to be cleared).
func (s *Store) ArchiveBundles(ctx context.Context) ([]ArchiveBundle, error) {
	var out []ArchiveBundle
	err := s.DB.SelectContext(ctx, &out, `SELECT b.id, b.participant_id, b.created_at, b.content_type,
		coalesce(length(b.content), 0) AS size, b.downloaded_at, b.cleared_at, p.anonymised_at IS NOT NULL AS anonymised
		FROM archive_bundles b JOIN participants p ON p.id = b.participant_id WHERE b.content IS NOT NULL ORDER BY b.created_at, b.id`)
	if err != nil {
		return nil, fmt.Errorf("db: archive bundles: %w", err)
	}
	return out, nil
}

// DownloadArchiveBundle returns a bundle's content for the admin and
// records the download (the first one counts for the retention), audited.
func (s *Store) DownloadArchiveBundle(ctx context.Context, id, adminID int64, ip string, now time.Time) (contentType string, content []byte, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		var participantID int64
		err := tx.QueryRowxContext(ctx, `UPDATE archive_bundles SET downloaded_at = coalesce(downloaded_at, $2),
			downloaded_by = coalesce(downloaded_by, $3) WHERE id = $1 AND content IS NOT NULL
			RETURNING participant_id, content_type, content`, id, now, adminID).Scan(&participantID, &contentType, &content)
		if err != nil {
			return translate(err)
		}
		return audit(ctx, tx, adminID, "participant.archive_download", "participant", participantID, ip)
	})
	return contentType, content, err
}

// anonymiseSQL removes everything that identifies the person and keeps the
// measures (levels, outcomes, dates, regime, attendance hours) under a
// random id; agreements keep the organisation and the job, not the person.
// The plan keeps its dates, goals and activity kinds; its free texts go
// (activity descriptions, what a review changed, leave notes, an
// extension's reason: its column requires text, so a dash) and so do its
// saved versions, which are copies of those texts.
const anonymiseSQL = `
WITH p AS (
	UPDATE participants SET first_name = '', last_name = '', birth_year = NULL, phone = '', address = '', municipality = '',
		languages = '{}', goal_sector = '', protection = 'none', protection_set_by = NULL, protection_set_at = NULL,
		nav_contact_id = NULL, anonymised_at = $2, pseudonym = gen_random_uuid(), updated_at = $2, email = NULL
	WHERE id = $1 RETURNING id),
psess AS (DELETE FROM participant_sessions WHERE participant_id = $1),
pinv AS (DELETE FROM participant_invites WHERE participant_id = $1),
notes AS (DELETE FROM participant_notes WHERE participant_id = $1),
outc AS (UPDATE outcomes SET note = '' WHERE participant_id = $1),
props AS (UPDATE proposals SET note = '', shared_adaptations = '', decline_reason = '' WHERE participant_id = $1),
ags AS (UPDATE agreements SET consent_note = '', end_note = '', adaptations = '', goals_text = '', follow_up_plan = ''
	WHERE participant_id = $1 RETURNING id),
vers AS (DELETE FROM agreement_versions WHERE agreement_id IN (SELECT id FROM ags)),
fups AS (UPDATE follow_ups SET notes = '' WHERE agreement_id IN (SELECT id FROM ags)),
evals AS (UPDATE evaluations SET comment = '' WHERE agreement_id IN (SELECT id FROM ags)),
att AS (UPDATE attendance SET absence = NULL,
	mark = CASE WHEN mark IN ('absent_notified', 'absent_not_notified') THEN 'absent' ELSE mark END
	WHERE agreement_id IN (SELECT id FROM ags)),
cls AS (DELETE FROM absence_classifications WHERE participant_id = $1),
cons AS (UPDATE consents SET reason_note = '', adaptations = '{}', items = array_remove(items, 'adaptations') WHERE participant_id = $1),
plan AS (SELECT id FROM integration_plans WHERE participant_id = $1),
pact AS (UPDATE plan_activities SET description = '' WHERE plan_id IN (SELECT id FROM plan)),
prev AS (UPDATE plan_reviews SET changes = '' WHERE plan_id IN (SELECT id FROM plan)),
pver AS (DELETE FROM integration_plan_versions WHERE plan_id IN (SELECT id FROM plan)),
lv AS (UPDATE programme_leave SET note = '' WHERE participant_id = $1),
ext AS (UPDATE programme_extensions SET reason = '–' WHERE participant_id = $1),
mails AS (UPDATE outbox SET subject = '', body_text = '', body_html = '', ics = NULL WHERE participant_id = $1),
digests AS (UPDATE outbox SET subject = '', body_text = '', body_html = '', ics = NULL
	WHERE id = ANY (ARRAY(SELECT outbox_id FROM outbox_participants WHERE participant_id = $1))),
bundle AS (UPDATE archive_bundles SET content = NULL, cleared_at = $2 WHERE participant_id = $1 AND downloaded_at IS NOT NULL)
SELECT count(*) FROM p`

// anonymise checks and anonymises one participant inside tx.
func anonymise(ctx context.Context, tx *sqlx.Tx, participantID, actorID int64, today, now time.Time, cfg RetentionConfig) error {
	var st struct {
		Due      bool       `db:"due"`
		Open     bool       `db:"open"`
		Created  *time.Time `db:"created_at"`
		Download *time.Time `db:"downloaded_at"`
	}
	err := tx.GetContext(ctx, &st, `SELECT p.programme_end + make_interval(months => $3) <= $2::date AS due,
		EXISTS (SELECT 1 FROM agreements ag WHERE ag.participant_id = p.id
			AND agreement_status(ag, $2::date) NOT IN ('ended', 'cancelled')) AS open,
		b.created_at, b.downloaded_at
		FROM participants p LEFT JOIN archive_bundles b ON b.participant_id = p.id
		WHERE p.id = $1 AND p.anonymised_at IS NULL FOR UPDATE OF p`, participantID, dateOnly(today), cfg.ParticipantMonths)
	if err != nil {
		return translate(err)
	}
	switch {
	case !st.Due:
		return ErrNotDue
	case st.Open:
		return ErrAgreementOpen
	case st.Created == nil, st.Download == nil && now.Before(st.Created.AddDate(0, 0, cfg.GraceDays)):
		return ErrNotArchived
	}
	// Open proposals go too: nobody may be asked about a person who is gone.
	if _, err := tx.ExecContext(ctx, `UPDATE proposals SET status = 'withdrawn', decided_at = $2 WHERE participant_id = $1 AND status = 'proposed'`,
		participantID, now); err != nil {
		return fmt.Errorf("db: withdraw proposals: %w", err)
	}
	var n int
	if err := tx.GetContext(ctx, &n, anonymiseSQL, participantID, now); err != nil {
		return fmt.Errorf("db: anonymise: %w", err)
	}
	return audit(ctx, tx, actorID, "participant.anonymise", "participant", participantID, "")
}

// AnonymiseParticipant anonymises one participant now (an admin's
// action, or a test): refused before the retention period ended
// (ErrNotDue), while an agreement is open (ErrAgreementOpen), and before
// the archive bundle was downloaded or its grace period passed
// (ErrNotArchived). Nothing changes on a refusal.
func (s *Store) AnonymiseParticipant(ctx context.Context, participantID, actorID int64, today, now time.Time, cfg RetentionConfig) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		return anonymise(ctx, tx, participantID, actorID, today, now, cfg)
	})
}

// RetentionStats is what one nightly run did.
type RetentionStats struct {
	Anonymised      int   `json:"anonymised"`
	WaitingArchive  int   `json:"waiting_archive"`
	AgreementOpen   int   `json:"agreement_open"`
	BundlesCleared  int64 `json:"bundles_cleared"`
	AuditRowsPruned int64 `json:"audit_rows_pruned"`
}

// RunRetention is the nightly step after the bundles were made: every
// participant past the retention period is anonymised, those waiting for
// their archive or with an open agreement counted (and left as they
// are); bundles downloaded of anonymised participants are cleared; the
// audit log is pruned. All in one transaction.
func (s *Store) RunRetention(ctx context.Context, today, now time.Time, cfg RetentionConfig) (RetentionStats, error) {
	var stats RetentionStats
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		stats, err = runRetention(ctx, tx, today, now, cfg)
		return err
	})
	return stats, err
}

// RunRetention is Store.RunRetention in the retention run's transaction.
func (t *JobTx) RunRetention(ctx context.Context, today, now time.Time, cfg RetentionConfig) (RetentionStats, error) {
	return runRetention(ctx, t.tx, today, now, cfg)
}

// runRetention anonymises, clears and prunes inside tx. A refusal
// (ErrNotArchived, ErrAgreementOpen) is found before anything of that
// participant is written, so it only counts.
func runRetention(ctx context.Context, tx *sqlx.Tx, today, now time.Time, cfg RetentionConfig) (RetentionStats, error) {
	var stats RetentionStats
	var due []int64
	if err := tx.SelectContext(ctx, &due, `SELECT id FROM participants WHERE anonymised_at IS NULL
		AND programme_end + make_interval(months => $2) <= $1::date ORDER BY id`, dateOnly(today), cfg.ParticipantMonths); err != nil {
		return stats, fmt.Errorf("db: retention due: %w", err)
	}
	for _, id := range due {
		err := anonymise(ctx, tx, id, 0, today, now, cfg)
		switch {
		case err == nil:
			stats.Anonymised++
		case errors.Is(err, ErrNotArchived):
			stats.WaitingArchive++
		case errors.Is(err, ErrAgreementOpen):
			stats.AgreementOpen++
		default:
			return stats, err
		}
	}
	res, err := tx.ExecContext(ctx, `UPDATE archive_bundles b SET content = NULL, cleared_at = $1 FROM participants p
		WHERE p.id = b.participant_id AND p.anonymised_at IS NOT NULL AND b.downloaded_at IS NOT NULL AND b.content IS NOT NULL`, now)
	if err != nil {
		return stats, fmt.Errorf("db: clear bundles: %w", err)
	}
	stats.BundlesCleared, _ = res.RowsAffected()
	stats.AuditRowsPruned, err = pruneAudit(ctx, tx, now, cfg.AuditMonths)
	return stats, err
}

// PruneAudit deletes the audit rows older than months before now.
func (s *Store) PruneAudit(ctx context.Context, now time.Time, months int) (int64, error) {
	return pruneAudit(ctx, s.DB, now, months)
}

func pruneAudit(ctx context.Context, q sqlx.ExecerContext, now time.Time, months int) (int64, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM audit_log WHERE at < $1::timestamptz - make_interval(months => $2)`, now, months)
	if err != nil {
		return 0, fmt.Errorf("db: prune audit: %w", err)
	}
	return res.RowsAffected()
}
