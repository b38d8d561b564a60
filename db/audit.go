package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// auditInsert is one audit row: actor (0 for none), action, entity, id, IP.
const auditInsert = `INSERT INTO audit_log (actor_id, action, entity, entity_id, ip)
		VALUES (NULLIF($1, 0), $2, $3, $4, NULLIF($5, '')::inet)`

// audit writes one audit_log row inside the caller's transaction, so the
// record and the change it describes commit or fail together.
func audit(ctx context.Context, tx *sqlx.Tx, actorID int64, action, entity string, entityID int64, ip string) error {
	if _, err := tx.ExecContext(ctx, auditInsert, actorID, action, entity, entityID, ip); err != nil {
		return fmt.Errorf("db: audit: %w", err)
	}
	return nil
}

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	ActorID  *int64 `db:"actor_id"`
	Action   string `db:"action"`
	Entity   string `db:"entity"`
	EntityID *int64 `db:"entity_id"`
}

// AuditFor lists the audit entries about one entity, oldest first.
func (s *Store) AuditFor(ctx context.Context, entity string, id int64) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.DB.SelectContext(ctx, &out, `SELECT actor_id, action, entity, entity_id FROM audit_log
		WHERE entity = $1 AND entity_id = $2 ORDER BY at, id`, entity, id)
	if err != nil {
		return nil, fmt.Errorf("db: audit for: %w", err)
	}
	return out, nil
}

// Audit writes one audit row on its own (for changes made outside a
// transaction of this package).
func (s *Store) Audit(ctx context.Context, actorID int64, action, entity string, entityID int64, ip string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error { return audit(ctx, tx, actorID, action, entity, entityID, ip) })
}
