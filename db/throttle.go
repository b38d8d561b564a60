package db

import (
	"context"
	"fmt"
	"time"
)

// RecordLoginFailure notes one failed sign-in for an e-mail from an IP.
func (s *Store) RecordLoginFailure(ctx context.Context, email, ip string) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO login_failures (email, ip) VALUES ($1, NULLIF($2, '')::inet)`, email, ip)
	if err != nil {
		return fmt.Errorf("db: record login failure: %w", err)
	}
	return nil
}

// LoginFailures counts the failed sign-ins within window for the e-mail
// and for the IP, in one round trip.
func (s *Store) LoginFailures(ctx context.Context, email, ip string, window time.Duration) (byEmail, byIP int, err error) {
	const q = `SELECT
		count(*) FILTER (WHERE email = $1),
		count(*) FILTER (WHERE ip = NULLIF($2, '')::inet)
		FROM login_failures
		WHERE at > now() - make_interval(secs => $3)
		  AND (email = $1 OR ip = NULLIF($2, '')::inet)`
	err = s.DB.QueryRowContext(ctx, q, email, ip, window.Seconds()).Scan(&byEmail, &byIP)
	if err != nil {
		return 0, 0, fmt.Errorf("db: login failures: %w", err)
	}
	return byEmail, byIP, nil
}

// ClearLoginFailures forgets an account's failures after a successful
// sign-in, so a person who finally remembers is not locked out later.
func (s *Store) ClearLoginFailures(ctx context.Context, email string) error {
	_, err := s.DB.ExecContext(ctx, `DELETE FROM login_failures WHERE email = $1`, email)
	if err != nil {
		return fmt.Errorf("db: clear login failures: %w", err)
	}
	return nil
}
