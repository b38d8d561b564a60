-- +goose Up
-- Review finding F5: the kode-6 guards read the participant's grade
-- without a lock. Under READ COMMITTED a proposal (or an agreement's
-- approval, or an on-behalf consent) that read the grade while
-- SetProtection was setting kode 6 saw the old grade, and both committed:
-- a kode-6 person with an open proposal. Each guard now reads the row
-- FOR SHARE: it waits for a SetProtection in flight (which holds the row
-- FOR UPDATE) and then reads the grade it committed; and a SetProtection
-- that starts second waits for the proposal to commit and then withdraws
-- it with the others. (A WHERE on the grade in the locking SELECT would
-- not do: a row the snapshot does not match is neither locked nor read
-- again, so the grade is read after the lock.) Functions only: nothing
-- is rewritten, safe at any size.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION consents_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE grade text;
BEGIN
    IF NEW.given_how = 'on_behalf' AND NEW.withdrawn_at IS NULL THEN
        SELECT protection INTO grade FROM participants WHERE id = NEW.participant_id FOR SHARE;
        IF grade = 'strengt_fortrolig' THEN
            RAISE EXCEPTION 'kode 6: no on-behalf consent' USING ERRCODE = 'PX006';
        END IF;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION proposals_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE grade text;
BEGIN
    SELECT protection INTO grade FROM participants WHERE id = NEW.participant_id FOR SHARE;
    IF grade = 'strengt_fortrolig' THEN
        RAISE EXCEPTION 'kode 6: no proposal' USING ERRCODE = 'PX006';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION agreements_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE grade text;
BEGIN
    IF TG_OP = 'INSERT'
        OR (NEW.employer_approved_at IS NOT NULL AND OLD.employer_approved_at IS NULL)
        OR (NEW.consent_at IS NOT NULL AND OLD.consent_at IS NULL)
        OR (NEW.adviser_approved_at IS NOT NULL AND OLD.adviser_approved_at IS NULL) THEN
        SELECT protection INTO grade FROM participants WHERE id = NEW.participant_id FOR SHARE;
        IF grade = 'strengt_fortrolig' THEN
            RAISE EXCEPTION 'kode 6: no agreement with employer access' USING ERRCODE = 'PX006';
        END IF;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd

-- Mails about a person (issue 15, "mails sent about them"): a mail about
-- one person carries outbox.participant_id (migration 00017); a digest
-- about several people lists each of them here, so that innsyn shows the
-- mail to each (its type, subject and dates, never its body) and
-- anonymising one of them empties it. A new, empty table.
CREATE TABLE outbox_participants (
    outbox_id      bigint NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    participant_id bigint NOT NULL REFERENCES participants (id),
    PRIMARY KEY (participant_id, outbox_id)
);
CREATE INDEX outbox_participants_outbox_idx ON outbox_participants (outbox_id);

-- +goose Down
DROP TABLE outbox_participants;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION consents_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.given_how = 'on_behalf' AND NEW.withdrawn_at IS NULL AND EXISTS (
        SELECT 1 FROM participants WHERE id = NEW.participant_id AND protection = 'strengt_fortrolig') THEN
        RAISE EXCEPTION 'kode 6: no on-behalf consent' USING ERRCODE = 'PX006';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION proposals_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM participants WHERE id = NEW.participant_id AND protection = 'strengt_fortrolig') THEN
        RAISE EXCEPTION 'kode 6: no proposal' USING ERRCODE = 'PX006';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION agreements_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP = 'INSERT'
        OR (NEW.employer_approved_at IS NOT NULL AND OLD.employer_approved_at IS NULL)
        OR (NEW.consent_at IS NOT NULL AND OLD.consent_at IS NULL)
        OR (NEW.adviser_approved_at IS NOT NULL AND OLD.adviser_approved_at IS NULL))
        AND EXISTS (SELECT 1 FROM participants WHERE id = NEW.participant_id AND protection = 'strengt_fortrolig') THEN
        RAISE EXCEPTION 'kode 6: no agreement with employer access' USING ERRCODE = 'PX006';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
