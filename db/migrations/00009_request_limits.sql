-- +goose Up
-- Request limits per client address and action (signup, password reset
-- request): one row per request let through, counted over a sliding
-- window, so the limits hold across replicas like the login throttle
-- (login_failures). Rows older than the window are removed as the same
-- address comes back (db/request_limits.go); the retention job's
-- throttle cleanup should include this table too.
CREATE TABLE request_hits (
    action text        NOT NULL,
    ip     inet        NOT NULL,
    at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_hits_idx ON request_hits (action, ip, at);

-- +goose Down
DROP TABLE request_hits;
