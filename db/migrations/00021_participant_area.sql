-- +goose Up
-- The participant's own pages (issue 16): a participant signs in with a
-- one-time link or code from their adviser, never with a password, into
-- a session of their own. Participant sessions are a table apart from
-- staff sessions: a participant is no user, has no role in users, and
-- the staff session lookup (every staff request) stays as it was.

-- Where the participant's own mails go, in which language, and whether
-- they want reminders ("your placement starts tomorrow").
ALTER TABLE participants
    ADD COLUMN email     text    CHECK (email IS NULL OR (length(email) <= 254 AND email LIKE '%_@_%')),
    ADD COLUMN locale    text    NOT NULL DEFAULT 'nb' CHECK (locale IN ('uk', 'nb', 'en', 'ar', 'ti', 'prs')),
    ADD COLUMN reminders boolean NOT NULL DEFAULT true;

-- A participant's mails are queued in their language.
ALTER TABLE outbox DROP CONSTRAINT outbox_locale_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_locale_check CHECK (locale IN ('nb', 'en', 'uk', 'ar', 'ti', 'prs'));

-- An invitation: a link mailed (kind 'link'), or a QR code and a short
-- code shown on the adviser's screen in a meeting (kind 'code': the QR
-- carries the long token, the person may type the short code instead).
-- Both are stored only as SHA-256. code_lookup is the short code's first
-- four characters in clear: wrong guesses are counted against the
-- invitations that start so (failures), and five burn them, so a code
-- cannot be guessed one character at a time however many addresses try.
CREATE TABLE participant_invites (
    id              bigserial   PRIMARY KEY,
    participant_id  bigint      NOT NULL REFERENCES participants (id),
    kind            text        NOT NULL CHECK (kind IN ('link', 'code')),
    token_hash      bytea       NOT NULL UNIQUE,
    code_hash       bytea       UNIQUE,
    code_lookup     text,
    CHECK ((kind = 'code') = (code_hash IS NOT NULL AND code_lookup IS NOT NULL)),
    created_by      bigint      NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    failures        integer     NOT NULL DEFAULT 0
);
CREATE INDEX participant_invites_lookup_idx ON participant_invites (code_lookup) WHERE used_at IS NULL;
CREATE INDEX participant_invites_participant_idx ON participant_invites (participant_id);

CREATE TABLE participant_sessions (
    id              bigserial   PRIMARY KEY,
    token_hash      bytea       NOT NULL UNIQUE,
    participant_id  bigint      NOT NULL REFERENCES participants (id),
    csrf_token      text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    ip              inet
);
CREATE INDEX participant_sessions_participant_idx ON participant_sessions (participant_id);

-- +goose Down
DROP TABLE participant_sessions;
DROP TABLE participant_invites;
ALTER TABLE outbox DROP CONSTRAINT outbox_locale_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_locale_check CHECK (locale IN ('nb', 'en'));
ALTER TABLE participants DROP COLUMN reminders, DROP COLUMN locale, DROP COLUMN email;
