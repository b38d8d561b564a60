package db

import (
	"context"
	"fmt"
	"time"
)

// AllowRequest counts one request for action from ip within a sliding
// window and reports whether it is within max. A request over the limit
// is not recorded, so a client hammering a limited form writes nothing
// more; the old rows of the address are removed on the way. Two requests
// arriving together at the edge may both pass (the check and the insert
// are one statement, not a lock): the limit is a brake, not a quota.
func (s *Store) AllowRequest(ctx context.Context, action, ip string, max int, window time.Duration) (bool, error) {
	const q = `WITH old AS (
			DELETE FROM request_hits WHERE action = $1 AND ip = $2::inet AND at <= now() - make_interval(secs => $4))
		INSERT INTO request_hits (action, ip)
		SELECT $1, $2::inet
		WHERE (SELECT count(*) FROM request_hits
			WHERE action = $1 AND ip = $2::inet AND at > now() - make_interval(secs => $4)) < $3
		RETURNING true`
	var ok bool
	err := s.DB.GetContext(ctx, &ok, q, action, ip, max, window.Seconds())
	if err = translate(err); err == ErrNotFound {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("db: request limit: %w", err)
	}
	return ok, nil
}
