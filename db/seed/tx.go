package seed

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"praksis/db"
)

// inTx runs fn in one transaction on the store's database: the seed is a
// sub-package of db and writes its rows directly (db's own transaction
// helper is unexported, for the Store's use cases).
func inTx(ctx context.Context, s *db.Store, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seed: begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seed: commit: %w", err)
	}
	return nil
}
