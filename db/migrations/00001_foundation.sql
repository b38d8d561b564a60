-- +goose Up
-- The foundation: organisations, users, sessions, the login throttle and the
-- audit log. Later features add their own migrations; never edit this one
-- after it has landed.
CREATE EXTENSION IF NOT EXISTS citext;

CREATE TABLE organisations (
    id            bigserial PRIMARY KEY,
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- Norwegian organisation number: 9 digits with a mod-11 check digit,
    -- validated in Go (db.OrgNumber); the CHECK only guards the shape.
    org_number    char(9)     NOT NULL UNIQUE CHECK (org_number ~ '^[0-9]{9}$'),
    kind          text        NOT NULL CHECK (kind IN ('business', 'public', 'ngo')),
    sector        text        NOT NULL,
    municipality  text        NOT NULL CHECK (length(municipality) BETWEEN 1 AND 100),
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- Status is derived: pending while both decision columns are NULL.
    approved_at   timestamptz,
    rejected_at   timestamptz,
    decided_by    bigint,
    CHECK (approved_at IS NULL OR rejected_at IS NULL)
);
CREATE INDEX organisations_pending_idx ON organisations (created_at)
    WHERE approved_at IS NULL AND rejected_at IS NULL;

CREATE TABLE users (
    id                   bigserial PRIMARY KEY,
    email                citext      NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
    name                 text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role                 text        NOT NULL CHECK (role IN ('employer', 'adviser', 'nav', 'admin')),
    organisation_id      bigint      REFERENCES organisations (id),
    locale               text        NOT NULL DEFAULT 'nb' CHECK (locale IN ('nb', 'en')),
    password_hash        text        NOT NULL,
    -- Set for accounts created with a one-time password: the first sign-in
    -- leads straight to /password.
    must_change_password boolean     NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    password_changed_at  timestamptz NOT NULL DEFAULT now(),
    disabled_at          timestamptz,
    -- An employer belongs to an organisation; nobody else does.
    CHECK ((role = 'employer') = (organisation_id IS NOT NULL))
);
CREATE INDEX users_organisation_idx ON users (organisation_id);

ALTER TABLE organisations
    ADD CONSTRAINT organisations_decided_by_fkey FOREIGN KEY (decided_by) REFERENCES users (id);

CREATE TABLE sessions (
    id           bigserial PRIMARY KEY,
    -- SHA-256 of the cookie token: a database leak does not leak sessions.
    token_hash   bytea       NOT NULL UNIQUE,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ip           inet,
    user_agent   text        NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Failed sign-ins, counted per account and per IP over a sliding window.
-- Kept in PostgreSQL so that the limit holds across replicas.
CREATE TABLE login_failures (
    id     bigserial PRIMARY KEY,
    email  citext      NOT NULL,
    ip     inet,
    at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email_idx ON login_failures (email, at);
CREATE INDEX login_failures_ip_idx ON login_failures (ip, at);

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    actor_id    bigint      REFERENCES users (id),
    action      text        NOT NULL,
    entity      text        NOT NULL,
    entity_id   bigint,
    details     jsonb       NOT NULL DEFAULT '{}',
    at          timestamptz NOT NULL DEFAULT now(),
    ip          inet
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, at);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE login_failures;
DROP TABLE sessions;
ALTER TABLE organisations DROP CONSTRAINT organisations_decided_by_fkey;
DROP TABLE users;
DROP TABLE organisations;
