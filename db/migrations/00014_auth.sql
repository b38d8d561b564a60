-- +goose Up
-- Single sign-on, second factors and passkeys (issue 18).

-- A person's account at an OpenID Connect provider: the provider's
-- subject is what identifies them there (an e-mail address can change
-- hands), linked to one Praksis account at first sign-in.
CREATE TABLE user_identities (
    id           bigserial PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider     text        NOT NULL CHECK (length(provider) BETWEEN 1 AND 20),
    subject      text        NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, subject),
    -- One account per person and provider.
    UNIQUE (user_id, provider)
);

-- A TOTP authenticator. The secret is sealed with SECRET_KEY (AES-GCM)
-- by the web layer; confirmed_at is set once the person has typed a code
-- from it; last_step is the last 30-second step a code was accepted for,
-- so a code cannot be used twice within its window.
CREATE TABLE user_totp (
    user_id      bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       bytea       NOT NULL,
    confirmed_at timestamptz,
    last_step    bigint      NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Single-use recovery codes, stored as SHA-256 (each code has 50 random
-- bits and a use is throttled like a sign-in, so a fast hash is enough).
CREATE TABLE recovery_codes (
    id        bigserial PRIMARY KEY,
    user_id   bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea       NOT NULL,
    used_at   timestamptz,
    UNIQUE (user_id, code_hash)
);

-- WebAuthn credentials (passkeys). credential holds the library's
-- credential record as JSON (public key, sign count, flags, transports).
CREATE TABLE passkeys (
    id            bigserial PRIMARY KEY,
    user_id       bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id bytea       NOT NULL UNIQUE,
    credential    jsonb       NOT NULL,
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz
);
CREATE INDEX passkeys_user_idx ON passkeys (user_id);

-- The handle a passkey names its account by: random, so it says nothing
-- about the person (WebAuthn's user.id).
ALTER TABLE users ADD COLUMN webauthn_handle bytea UNIQUE;

-- +goose Down
ALTER TABLE users DROP COLUMN webauthn_handle;
DROP TABLE passkeys;
DROP TABLE recovery_codes;
DROP TABLE user_totp;
DROP TABLE user_identities;
