-- +goose Up
-- E-mail outbox, link tokens and scheduled-job runs.

-- Mail is written here in the same transaction as the change that causes
-- it. The rendered subject and bodies are stored, so /admin/outbox shows
-- exactly what was (or will be) sent.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    -- Same key, same mail: a rerun or a second replica cannot queue twice.
    dedupe_key      text        NOT NULL UNIQUE,
    recipient       citext      NOT NULL,
    template        text        NOT NULL,
    locale          text        NOT NULL CHECK (locale IN ('nb', 'en')),
    subject         text        NOT NULL,
    body_text       text        NOT NULL,
    body_html       text        NOT NULL,
    -- pending: not tried yet; failed: tried, will retry at next_attempt_at;
    -- dead: gave up (permanent rejection or too many attempts); sent.
    status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'failed', 'dead', 'sent')),
    attempts        int         NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- A sender owns a row until lease_until; a sender that dies loses it
    -- when the lease expires and another takes the row over.
    lease_until     timestamptz,
    leased_by       text,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at, id) WHERE status IN ('pending', 'failed');
CREATE INDEX outbox_created_idx ON outbox (created_at DESC, id DESC);

-- One-time links sent by e-mail (invitation, password reset, and later
-- the one-click links). Only the SHA-256 of the token is stored.
CREATE TABLE link_tokens (
    id          bigserial PRIMARY KEY,
    token_hash  bytea       NOT NULL UNIQUE,
    purpose     text        NOT NULL,
    user_id     bigint      REFERENCES users (id) ON DELETE CASCADE,
    email       citext,
    payload     jsonb       NOT NULL DEFAULT '{}',
    created_by  bigint      REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX link_tokens_expires_idx ON link_tokens (expires_at);

-- Wrong or used tokens tried, per IP, to throttle guessing.
CREATE TABLE link_token_failures (
    id  bigserial PRIMARY KEY,
    ip  inet,
    at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX link_token_failures_ip_idx ON link_token_failures (ip, at);

-- One row per job and scheduled slot. The partial unique index makes a
-- scheduled slot run once across replicas and retries; forced runs (the
-- admin's "run now", run-job --force) are extra rows.
CREATE TABLE job_runs (
    id          bigserial PRIMARY KEY,
    job         text        NOT NULL,
    slot        timestamptz NOT NULL,
    forced      boolean     NOT NULL DEFAULT false,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    status      text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed')),
    stats       jsonb       NOT NULL DEFAULT '{}',
    error       text
);
CREATE UNIQUE INDEX job_runs_slot_once ON job_runs (job, slot) WHERE NOT forced;
CREATE INDEX job_runs_recent_idx ON job_runs (job, started_at DESC);

-- +goose Down
DROP TABLE job_runs;
DROP TABLE link_token_failures;
DROP TABLE link_tokens;
DROP TABLE outbox;
