-- +goose Up
-- A passkey assertion answers a challenge the server gave out in a sealed
-- cookie (handlers/passkeys.go); the cookie is valid for 5 minutes on any
-- replica, so a captured cookie and assertion could be sent again within
-- that window. Each accepted challenge is recorded here (its SHA-256) in
-- the transaction that accepts the assertion; the primary key refuses a
-- second use, on every replica. The retention job deletes rows once the
-- cookie they guard has long expired.
CREATE TABLE used_challenges (
    hash       bytea       PRIMARY KEY CHECK (length(hash) = 32),
    expires_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE used_challenges;
