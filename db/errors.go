package db

import (
	"database/sql"
	"errors"

	"github.com/lib/pq"
)

// Sentinel errors at the storage boundary; the web layer maps them to HTTP
// once, in its central error handler.
var (
	// ErrNotFound means the row asked for does not exist (or is not visible).
	ErrNotFound = errors.New("db: not found")
	// ErrConflict means a unique constraint refused the change.
	ErrConflict = errors.New("db: conflict")
)

// translate maps driver errors to the sentinel errors and leaves others as
// they are.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" { // unique_violation
		return ErrConflict
	}
	if errors.As(err, &pqErr) {
		if e := privacyRefusal(string(pqErr.Code)); e != nil {
			return e
		}
	}
	return err
}

// pqArray wraps a slice for `= ANY($1)`.
func pqArray(v []string) any { return pq.Array(v) }
