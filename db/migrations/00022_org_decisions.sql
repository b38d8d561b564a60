-- +goose Up
-- Organisation decisions (issue 20): a rejection says why, and the
-- programme's contact details, which an admin sets once, go into the
-- decision mails and onto a rejected organisation's pages.
ALTER TABLE organisations ADD COLUMN rejection_reason text NOT NULL DEFAULT ''
    CHECK (length(rejection_reason) <= 1000);

CREATE TABLE programme_contact (
    id         boolean     PRIMARY KEY DEFAULT true CHECK (id),
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email      text        NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    phone      text        NOT NULL DEFAULT '' CHECK (length(phone) <= 40),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint      REFERENCES users (id) ON DELETE SET NULL
);

-- +goose Down
DROP TABLE programme_contact;
ALTER TABLE organisations DROP COLUMN rejection_reason;
